//! The loopback agent over real HTTP: a tokio runtime and the agent inside each child test,
//! reqwest as the browser or the CLI, `SoftHSM2` as the token.

use std::net::SocketAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use reqwest::header::HeaderMap;
use serde_json::Value;
use signet_pki::csr::VerifiedCsr;
use signet_pki::{KeyAlgorithm, Signer};
use signet_token::agent::{AgentConfig, router, serve};
use signet_token::{PinRule, Token};
use spki::SubjectPublicKeyInfoOwned;
use tokio::runtime::Runtime;

use crate::support::{SO_PIN, SoftHsm, USER_PIN};

mod guard;
mod init;
mod keys;
mod pins;
mod refusals;
mod unlock;

/// The platform's origin the agent is started for.
pub const PLATFORM: &str = "http://127.0.0.1:8080";

/// A login challenge as the platform makes them: `signet-login:<256-bit hex nonce>:<time>`.
pub const LOGIN_CHALLENGE: &str =
    "signet-login:7c1e02a94f3b5d6e8a1c2b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071:1793491200";

/// An agent serving on 127.0.0.1:0 in this (child) process.
pub struct Running {
    runtime: Runtime,
    pub address: SocketAddr,
    pub client: reqwest::Client,
    /// The platform origin the agent serves.
    pub origin: String,
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Assert an error reply: status and code.
    pub fn refused(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.json);
        assert_eq!(self.json["code"], code, "{}", self.json);
        assert!(self.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

impl Running {
    pub fn start(hsm: &SoftHsm) -> Self {
        Self::start_for(hsm, PLATFORM)
    }

    /// An agent serving the platform at `origin`.
    pub fn start_for(hsm: &SoftHsm, origin: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let config = AgentConfig {
            listen: address,
            allowed_origin: origin.into(),
            module: hsm.module_path.clone(),
        };
        runtime.spawn(async move { serve(listener, config).await.unwrap() });
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        Self {
            runtime,
            address,
            client,
            origin: origin.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        self.runtime.block_on(async {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let text = response.text().await.unwrap();
            let json = serde_json::from_str(&text).unwrap_or(Value::Null);
            Reply {
                status,
                headers,
                json,
            }
        })
    }

    /// Send all `requests` at once and wait for every answer (in the order given).
    pub fn send_all(&self, requests: Vec<reqwest::RequestBuilder>) -> Vec<Reply> {
        self.runtime.block_on(async {
            let mut running = tokio::task::JoinSet::new();
            for (at, request) in requests.into_iter().enumerate() {
                running.spawn(async move {
                    let response = request.send().await.unwrap();
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    let json = response.json().await.unwrap_or(Value::Null);
                    (
                        at,
                        Reply {
                            status,
                            headers,
                            json,
                        },
                    )
                });
            }
            let mut replies = running.join_all().await;
            replies.sort_by_key(|(at, _)| *at);
            replies.into_iter().map(|(_, reply)| reply).collect()
        })
    }

    /// The body of `GET path` as text.
    pub fn text(&self, path: &str) -> String {
        let request = self.client.get(self.url(path));
        self.runtime
            .block_on(async { request.send().await.unwrap().text().await.unwrap() })
    }

    pub fn get(&self, path: &str) -> Reply {
        self.send(self.client.get(self.url(path)))
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.client.post(self.url(path)).json(body))
    }
}

/// Only the public key of a request, for the throwaway CA to certify.
pub struct Requested(pub VerifiedCsr);

impl Signer for Requested {
    fn key_algorithm(&self) -> KeyAlgorithm {
        self.0.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.0.public_key
    }

    fn sign(&self, _: &[u8]) -> signet_pki::Result<Vec<u8>> {
        unreachable!("the CA signs, not the request")
    }
}

/// Initialise a token with [`SO_PIN`] and [`USER_PIN`], leaving nobody logged in; its serial.
pub fn init(hsm: &SoftHsm, label: &str) -> String {
    let pin = PinRule::DIGITS_1_TO_8.check(USER_PIN).unwrap();
    hsm.module
        .init_token(hsm.blank().slot, SO_PIN, label, &pin)
        .unwrap()
        .serial
}

/// Whether anyone in this process is logged in to the token (login state is per token).
pub fn logged_in(hsm: &SoftHsm, serial: &str) -> bool {
    Token::open(&hsm.module, serial)
        .unwrap()
        .is_logged_in()
        .unwrap()
}

pub fn base64(value: &Value) -> Vec<u8> {
    B64.decode(value.as_str().unwrap()).unwrap()
}

#[test]
fn the_agent_refuses_to_listen_beyond_loopback() {
    let module = "/nonexistent/libvendor-pkcs11.so";
    let config = |listen: &str, origin: &str| AgentConfig {
        listen: listen.parse().unwrap(),
        allowed_origin: origin.into(),
        module: module.into(),
    };
    for listen in ["0.0.0.0:7000", "[::]:7000", "192.168.1.10:7000"] {
        let error = router(config(listen, PLATFORM)).unwrap_err();
        assert_eq!(error.code(), "agent.not_loopback", "{listen}");
        assert!(error.to_string().contains("loopback only"), "{error}");
    }
    for origin in ["*", "null", "127.0.0.1:8080", "http://127.0.0.1:8080/login"] {
        let error = router(config("127.0.0.1:7000", origin)).unwrap_err();
        assert_eq!(error.code(), "agent.invalid_origin", "{origin}");
    }
    // Checked before anything else: the module comes last.
    let error = router(config("[::1]:7000", PLATFORM)).unwrap_err();
    assert_eq!(error.code(), "token.module_load");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        serve(listener, config("0.0.0.0:0", PLATFORM))
            .await
            .unwrap_err()
    });
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("loopback only"), "{error}");
}
