//! Each adapter against a local stand-in of its vendor (an axum server on 127.0.0.1:0) that
//! checks every request's signature the way the vendor documents it and answers like the vendor;
//! the blob-store conformance suite against the filesystem and a real S3 server (SeaweedFS).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::too_many_lines,
    reason = "test helpers fail loudly by design"
)]

mod blobs;
mod payments;
mod sms;

use std::sync::{Arc, Mutex};

use signet_core::platform::clock::{Clock, Timestamp};

/// A clock the test sets.
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

pub fn clock(at: Timestamp) -> Arc<dyn Clock> {
    Arc::new(FixedClock(at))
}

/// What a stand-in saw, for the test to read afterwards.
pub type Seen = Arc<Mutex<Vec<String>>>;

/// Serves `app` on a free loopback port; returns its base URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

/// A header as text.
pub fn header(headers: &axum::http::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
