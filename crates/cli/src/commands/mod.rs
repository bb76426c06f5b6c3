//! One module per subcommand.

pub mod agent;
pub mod audit;
pub mod backup;
pub mod ca;
pub mod dev;
pub mod init;
pub mod jobs;
pub mod pdf;
pub mod serve;
pub mod staff;
pub mod token;
pub mod verify;

/// A platform error for the operator: internal errors keep their cause; refusals show the
/// wording users see, with the stable code.
pub fn core_error(error: signet_core::CoreError) -> anyhow::Error {
    let d = error.describe();
    if matches!(d.kind, signet_core::ErrorKind::Internal) {
        anyhow::Error::new(error)
    } else {
        anyhow::anyhow!("{} / {} ({})", d.zh, d.en, d.code)
    }
}
