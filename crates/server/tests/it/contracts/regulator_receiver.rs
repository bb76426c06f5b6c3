//! A stand-in regulator on 127.0.0.1 that keeps every request and answers from a script (status,
//! body, delay), so the tests can play a regulator that is down, slow, malformed or repeats.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::Value;

/// One request received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers[name].to_str().unwrap()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    /// How long to wait before answering (past the client's timeout: no answer at all).
    pub delay: Duration,
}

impl Answer {
    pub fn new(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn receipt(id: &str) -> Self {
        Self::new(200, &format!(r#"{{"receipt_id":"{id}"}}"#))
    }

    /// Answers only after the test servers' regulator timeout.
    pub fn too_late() -> Self {
        Self {
            delay: crate::support::REGULATOR_TIMEOUT + Duration::from_secs(1),
            ..Self::receipt("TOO-LATE")
        }
    }
}

#[derive(Clone)]
pub struct Regulator {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    fallback: Arc<Mutex<Answer>>,
    pub url: String,
}

impl Regulator {
    pub async fn start(script: Vec<Answer>, fallback: Answer) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let regulator = Self {
            seen: Arc::default(),
            script: Arc::new(Mutex::new(script.into())),
            fallback: Arc::new(Mutex::new(fallback)),
            url: format!(
                "http://{}/api/contracts/reports",
                listener.local_addr().unwrap()
            ),
        };
        let router = Router::new()
            .route("/api/contracts/reports", post(take))
            .with_state(regulator.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        regulator
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Answers `answer` from now on.
    pub fn answer(&self, answer: Answer) {
        self.script.lock().unwrap().clear();
        *self.fallback.lock().unwrap() = answer;
    }
}

async fn take(
    State(regulator): State<Regulator>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> impl IntoResponse {
    regulator.seen.lock().unwrap().push(Seen {
        headers,
        body: body.to_vec(),
    });
    let scripted = regulator.script.lock().unwrap().pop_front();
    let answer = scripted.unwrap_or_else(|| regulator.fallback.lock().unwrap().clone());
    tokio::time::sleep(answer.delay).await;
    (StatusCode::from_u16(answer.status).unwrap(), answer.body)
}
