//! A receiver on 127.0.0.1 that keeps what it was sent and answers statuses from a script, and
//! the fixtures: an enterprise with its administrator, an endpoint, an event emitted in a
//! transaction as the task engine emits it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;
use signet_core::contracts::webhooks::{TASK_SIGNED, WebhookEvent, emit};
use signet_core::platform::clock::Clock as _;

use crate::contracts::support::{enterprise, person};
use crate::support::{TestApp, app};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: HeaderMap,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers[name].to_str().unwrap()
    }

    /// Checks `Signet-Signature` as a receiver does: HMAC-SHA256 with the secret over
    /// `{Signet-Timestamp}.{raw body}`, in hex after `v1=`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{}.{}", self.header("signet-timestamp"), self.body).as_bytes());
        let expected = format!("v1={}", hex_lower(&mac.finalize().into_bytes()));
        self.header("signet-signature") == expected
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        write!(s, "{b:02x}").unwrap();
        s
    })
}

#[derive(Clone, Default)]
pub struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Statuses to answer, in order; when empty, `fallback`.
    script: Arc<Mutex<VecDeque<u16>>>,
    fallback: u16,
    pub url: String,
}

impl Receiver {
    /// Starts a receiver answering `script` then `fallback`.
    pub async fn start(script: &[u16], fallback: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Self {
            seen: Arc::default(),
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            fallback,
            url: format!("http://{}/signet/hook", listener.local_addr().unwrap()),
        };
        let router = Router::new()
            .route("/signet/hook", post(take))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        receiver
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn take(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    receiver.seen.lock().unwrap().push(Seen { headers, body });
    let status = receiver
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(receiver.fallback);
    StatusCode::from_u16(status).unwrap()
}

/// A server, a certified enterprise and its signed-in administrator.
pub struct World {
    pub app: TestApp,
    pub admin: TestApp,
    pub enterprise_id: String,
}

pub async fn world(tail: u32) -> World {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, tail, Some("王五")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "推送公司",
        "91410100MA00000081",
        "王五",
        "certified",
    )
    .await;
    World {
        app,
        admin,

        enterprise_id: ent.id,
    }
}

impl World {
    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/enterprises/{}/webhooks{rest}", self.enterprise_id)
    }

    /// Registers `url` for `events`; returns the endpoint id and its secret.
    pub async fn endpoint(&self, url: &str, events: &[&str]) -> (String, String) {
        let response = self
            .admin
            .post(&self.path(""), json!({"url": url, "events": events}))
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        (
            body["endpoint"]["id"].as_str().unwrap().to_owned(),
            body["secret"].as_str().unwrap().to_owned(),
        )
    }

    /// Emits `kind` for `task_id` in a transaction of its own, as the task engine does in its.
    pub async fn emit(&self, kind: &'static str, task_id: &str) -> usize {
        let platform = &self.app.platform;
        let mut tx = platform.db.begin().await.unwrap();
        let written = emit(
            &mut tx,
            platform.clock.now(),
            &self.enterprise_id,
            WebhookEvent {
                kind,
                task_id: task_id.to_owned(),
                data: json!({"state": "signing", "signed_parties": 1}),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        written
    }

    pub async fn signed(&self, task_id: &str) -> usize {
        self.emit(TASK_SIGNED, task_id).await
    }

    pub async fn deliveries(&self, endpoint_id: &str) -> Vec<Value> {
        let response = self
            .admin
            .get(&self.path(&format!("/{endpoint_id}/deliveries")))
            .await;
        assert_eq!(response.status(), 200);
        response
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// Runs every due job, as the server's workers would.
    pub async fn drain(&self) -> usize {
        signet_core::platform::jobs::drain(&self.app.platform, &signet_core::job_handlers())
            .await
            .unwrap()
    }
}
