//! A browser of the two-node test: one cookie jar for every node (cookies are kept by host, not
//! by port, as behind a load balancer), so a session opened on one node is sent to the other.

use reqwest::multipart::Form;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::node::Node;

pub struct Web {
    client: reqwest::Client,
    csrf: String,
}

/// The body of `response`, which must have `status`.
pub async fn expect(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let url = response.url().clone();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{url}: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}

impl Web {
    pub fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            csrf: String::new(),
        }
    }

    /// Reads the session on `node` (opening one on first call) and keeps its CSRF token.
    pub async fn session(&mut self, node: &Node) -> Value {
        let body = expect(self.get(node, "/api/v1/session").await, StatusCode::OK).await;
        body["csrf_token"]
            .as_str()
            .unwrap()
            .clone_into(&mut self.csrf);
        body
    }

    pub async fn get(&self, node: &Node, path: &str) -> Response {
        self.client.get(node.url(path)).send().await.unwrap()
    }

    pub async fn get_ok(&self, node: &Node, path: &str) -> Value {
        expect(self.get(node, path).await, StatusCode::OK).await
    }

    pub async fn send(&self, node: &Node, method: Method, path: &str, body: &Value) -> Response {
        self.client
            .request(method, node.url(path))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, node: &Node, path: &str, body: &Value) -> Response {
        self.send(node, Method::POST, path, body).await
    }

    pub async fn multipart(&self, node: &Node, path: &str, form: Form) -> Response {
        self.client
            .post(node.url(path))
            .header("x-csrf-token", &self.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// The newest code the sandbox kept for `to` (a phone or a captcha id), as `node` lists it
    /// (the inbox also runs the jobs that are due, on that node).
    pub async fn inbox_code(&self, node: &Node, to: &str) -> String {
        let list = self.get_ok(node, &format!("/dev/inbox?to={to}")).await;
        list.as_array()
            .into_iter()
            .flatten()
            .find_map(|message| message["code"].as_str())
            .unwrap_or_else(|| panic!("no code for {to}: {list}"))
            .to_owned()
    }

    /// Signs in on `node` with a password and the captcha's answer from the inbox.
    pub async fn login(&mut self, node: &Node, identifier: &str, password: &str) {
        self.session(node).await;
        let captcha = expect(
            self.post(node, "/api/v1/captcha", &json!({})).await,
            StatusCode::OK,
        )
        .await;
        let id = captcha["captcha_id"].as_str().unwrap().to_owned();
        let answer = self.inbox_code(node, &id).await;
        expect(
            self.post(
                node,
                "/api/v1/login/password",
                &json!({"identifier": identifier, "password": password,
                        "captcha_id": id, "captcha_answer": answer}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        // Signing in renews the session and its CSRF token.
        self.session(node).await;
    }

    /// Asks for the SMS code confirming the intent to sign `task` and signs with it, all on
    /// `node`; the task as the answer shows it.
    pub async fn sign(&self, node: &Node, task: &str, phone: &str) -> Value {
        expect(
            self.post(node, &format!("/api/v1/tasks/{task}/sign-code"), &json!({}))
                .await,
            StatusCode::OK,
        )
        .await;
        let code = self.inbox_code(node, phone).await;
        expect(
            self.post(
                node,
                &format!("/api/v1/tasks/{task}/sign"),
                &json!({ "sms_code": code }),
            )
            .await,
            StatusCode::OK,
        )
        .await
    }

    /// Moves `node`'s sandbox clock forward (the caller must be signed in as CA staff).
    pub async fn advance_clock(&self, node: &Node, seconds: i64) {
        let moved = expect(
            self.post(node, "/dev/clock", &json!({ "advance_seconds": seconds }))
                .await,
            StatusCode::OK,
        )
        .await;
        assert!(moved["offset_seconds"].is_i64(), "{moved}");
    }
}
