//! Long polls: a request holds until the row it watches changes. A change made on this node wakes
//! every waiter at once ([`notify`]); a change made on another node is seen by the database poll
//! every [`POLL`], so a waiter learns of it within that time wherever it was made.

use std::future::Future;
use std::time::Duration;

use tokio::sync::Notify;

use super::Platform;
use crate::error::CoreError;

/// How often a waiter reads the database again when nothing woke it.
pub const POLL: Duration = Duration::from_millis(750);

/// The longest a request may hold (proxies commonly cut idle requests at 30–60 s).
pub const MAX_HOLD: Duration = Duration::from_secs(25);

/// This process's wake-up call, kept in the platform's per-process state.
#[derive(Default)]
struct Wakeups(Notify);

fn wakeups(platform: &Platform) -> Result<std::sync::Arc<Wakeups>, CoreError> {
    platform.wings.get_or_try_init(|| Ok(Wakeups::default()))
}

/// Wakes every waiter of this process to read its row again (call after the change commits).
pub fn notify(platform: &Platform) {
    if let Ok(wakeups) = wakeups(platform) {
        wakeups.0.notify_waiters();
    }
}

/// Runs `check` until it answers `Some`, or `hold` (at most [`MAX_HOLD`]) has passed: then the
/// last answer, `None`. `check` runs at once, after each wake-up and every [`POLL`].
pub async fn until<T, F, Fut>(
    platform: &Platform,
    hold: Duration,
    mut check: F,
) -> Result<Option<T>, CoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, CoreError>>,
{
    let wakeups = wakeups(platform)?;
    let deadline = tokio::time::Instant::now() + hold.min(MAX_HOLD);
    loop {
        // Registered before the check, so a change committed between the check and the sleep
        // still wakes this waiter.
        let woken = wakeups.0.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if let Some(found) = check().await? {
            return Ok(Some(found));
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        let next = (now + POLL).min(deadline);
        tokio::select! {
            () = &mut woken => {}
            () = tokio::time::sleep_until(next) => {}
        }
    }
}
