//! `TestApp`: a running server with a cookie-keeping client, and helpers that walk the sandbox.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use signet_core::Platform;
use signet_core::platform::PlatformConfig;
use signet_core::testing::sandbox_config;
use signet_server::{AppState, ServerConfig};

pub struct TestApp {
    pub base: String,
    pub platform: Arc<Platform>,
    pub client: Client,
    pub csrf: String,
    /// How the server's platform was opened: another `Platform::open` of it plays a second
    /// process (the command line) on the same database.
    pub config: PlatformConfig,
    _dir: tempfile::TempDir,
}

pub struct Builder {
    sandbox: bool,
    writes_per_minute: u32,
    ca: bool,
    https: bool,
    agent_dir: Option<std::path::PathBuf>,
    /// Where regulator reports go; `None`: the sandbox's own `/dev/regulator`, as `serve` does.
    regulator: Option<String>,
    blob_url: Option<String>,
}

impl Builder {
    /// Sends regulator reports to `url` instead of the server's own `/dev/regulator`.
    pub fn regulator(mut self, url: &str) -> Self {
        self.regulator = Some(url.to_owned());
        self
    }

    pub fn without_sandbox(mut self) -> Self {
        self.sandbox = false;
        self
    }

    /// Creates the rsa, ecc and sm2 hierarchies, publishing at the test server's address.
    pub fn with_ca(mut self) -> Self {
        self.ca = true;
        self
    }

    /// A server whose public URL is https (Secure cookies, HSTS); the test still speaks http.
    pub fn https(mut self) -> Self {
        self.https = true;
        self
    }

    /// Offers the key agent builds in `dir` for download.
    pub fn agent_dir(mut self, dir: &std::path::Path) -> Self {
        self.agent_dir = Some(dir.to_path_buf());
        self
    }

    /// Keeps the blobs at `url` (`s3://…` for the SeaweedFS bucket) instead of the data directory.
    pub fn blob_url(mut self, url: &str) -> Self {
        self.blob_url = Some(url.to_owned());
        self
    }

    pub fn writes_per_minute(mut self, n: u32) -> Self {
        self.writes_per_minute = n;
        self
    }

    pub async fn start(self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = sandbox_config(dir.path()).await;
        config.sandbox = self.sandbox;
        if let Some(url) = &self.blob_url {
            config.blobs = Some(signet_gateways::blobs::open(Some(url), dir.path(), None).unwrap());
        }
        let mut platform = Platform::open(&config).await.unwrap();
        // As `signet serve` does in both modes.
        platform.webhooks =
            Arc::new(signet_gateways::webhooks::HttpWebhooks::new(self.sandbox).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        // As `signet serve` does: links in SMS and e-mail start with the public URL.
        platform.public_url = format!("http://{address}");
        // As `signet serve` does; a short timeout so a test of one costs little.
        platform.regulator =
            Arc::new(signet_gateways::regulator::HttpRegulator::new(REGULATOR_TIMEOUT).unwrap());
        platform.regulator_url = self.regulator.clone().or_else(|| {
            self.sandbox
                .then(|| format!("http://{address}/dev/regulator"))
        });
        if self.ca {
            signet_core::ca::init_hierarchies(&platform, &format!("http://{address}"))
                .await
                .unwrap();
        }
        let server_config = ServerConfig {
            writes_per_minute: self.writes_per_minute,
            secure_cookies: self.https,
            pki_per_minute: self.writes_per_minute,
            guarded_per_minute: self.writes_per_minute,
            agent_dir: self.agent_dir,
            ..ServerConfig::default()
        };
        let mut platform = platform;
        if server_config.agent_dir.is_some() {
            // The downloads carry the platform's origin.
            platform.public_url = format!("http://{address}");
        }
        let state = AppState::new(platform, server_config);
        let platform = state.platform.clone();
        tokio::spawn(signet_server::serve(listener, state));
        let mut app = TestApp {
            base: format!("http://{address}"),
            platform,
            client: new_client(),
            csrf: String::new(),
            config,
            _dir: dir,
        };
        app.refresh_session().await;
        app
    }
}

pub fn new_client() -> Client {
    Client::builder().cookie_store(true).build().unwrap()
}

pub fn app() -> Builder {
    Builder {
        sandbox: true,
        writes_per_minute: 10_000,
        ca: false,
        https: false,
        agent_dir: None,
        regulator: None,
        blob_url: None,
    }
}

/// How long the test servers wait for a regulator's answer.
pub const REGULATOR_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A phone number unique enough for one test run.
pub fn phone(tail: u32) -> String {
    format!("139{tail:08}")
}

pub const PASSWORD: &str = "Signet#2026";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Reads the session (creating it on first call) and remembers its CSRF token.
    pub async fn refresh_session(&mut self) -> Value {
        let body: Value = self
            .client
            .get(self.url("/api/v1/session"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["csrf_token"]
            .as_str()
            .unwrap()
            .clone_into(&mut self.csrf);
        body
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// The newest code the sandbox kept for `to` (a phone or a captcha id).
    pub async fn inbox_code(&self, to: &str) -> String {
        let list: Value = self
            .get(&format!("/dev/inbox?to={to}"))
            .await
            .json()
            .await
            .unwrap();
        // Order messages from the outbox may have arrived after the code: skip them.
        list.as_array()
            .into_iter()
            .flatten()
            .find_map(|message| message["code"].as_str())
            .unwrap_or_else(|| panic!("no code for {to}: {list}"))
            .to_owned()
    }

    /// A fresh captcha and its answer.
    pub async fn captcha(&self) -> (String, String) {
        let body: Value = self
            .post("/api/v1/captcha", json!({}))
            .await
            .json()
            .await
            .unwrap();
        let id = body["captcha_id"].as_str().unwrap().to_owned();
        assert!(
            body["image"]
                .as_str()
                .unwrap()
                .starts_with("data:image/png;base64,")
        );
        let answer = self.inbox_code(&id).await;
        (id, answer)
    }

    pub async fn request_code(&self, phone: &str, purpose: &str) -> Response {
        let (captcha_id, captcha_answer) = self.captcha().await;
        self.post(
            "/api/v1/sms-codes",
            json!({"phone": phone, "purpose": purpose, "captcha_id": captcha_id, "captcha_answer": captcha_answer}),
        )
        .await
    }

    /// Sends a code and returns it from the sandbox inbox.
    pub async fn code_for(&self, phone: &str, purpose: &str) -> String {
        let response = self.request_code(phone, purpose).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            response.text().await.unwrap()
        );
        self.inbox_code(phone).await
    }

    /// Moves the platform clock as CA staff would through `POST /dev/clock` (which only staff
    /// may call: `security::the_sandbox_clock_needs_staff_and_only_moves_forward`).
    #[expect(
        clippy::unused_async,
        reason = "callers await it like every other step"
    )]
    pub async fn advance_clock(&self, seconds: i64) {
        assert!(seconds >= 0);
        self.platform.clock.advance(seconds);
    }

    /// Registers through both steps and stays signed in.
    pub async fn register(&mut self, phone: &str, login_name: &str) -> Value {
        let code = self.code_for(phone, "register").await;
        let step1 = self
            .post(
                "/api/v1/register/phone",
                json!({"phone": phone, "sms_code": code, "agree": true}),
            )
            .await;
        assert_eq!(step1.status(), StatusCode::OK);
        let response = self
            .post(
                "/api/v1/register",
                json!({"login_name": login_name, "real_name": "张三", "email": format!("{login_name}@example.com"), "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let user: Value = response.json().await.unwrap();
        self.refresh_session().await;
        user
    }

    pub async fn logout(&mut self) {
        assert_eq!(
            self.post("/api/v1/logout", json!({})).await.status(),
            StatusCode::NO_CONTENT
        );
        self.refresh_session().await;
    }

    pub async fn login(&mut self, identifier: &str, password: &str) -> Response {
        let (captcha_id, captcha_answer) = self.captcha().await;
        let response = self
            .post(
                "/api/v1/login/password",
                json!({"identifier": identifier, "password": password, "captcha_id": captcha_id, "captcha_answer": captcha_answer}),
            )
            .await;
        if response.status() == StatusCode::OK {
            self.refresh_session().await;
        }
        response
    }

    /// Another client on the same server, signed out (a second user).
    pub async fn clone_signed_out(&self) -> TestApp {
        let mut other = TestApp {
            base: self.base.clone(),
            platform: self.platform.clone(),
            client: new_client(),
            csrf: String::new(),
            config: self.config.clone(),
            _dir: tempfile::tempdir().unwrap(),
        };
        other.refresh_session().await;
        other
    }

    pub async fn user_count(&self) -> i64 {
        use sqlx::Row as _;
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.platform.db.pool())
            .await
            .unwrap();
        row.try_get("n").unwrap()
    }
}

/// Asserts a problem+json answer with this status and code; returns its body.
pub async fn problem(response: Response, status: StatusCode, code: &str) -> Value {
    let actual = response.status();
    let content_type = response.headers()["content-type"].clone();
    let body: Value = response.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["code"], code, "{body}");
    assert!(!body["message"]["zh-CN"].as_str().unwrap().is_empty());
    assert!(!body["message"]["en"].as_str().unwrap().is_empty());
    body
}
