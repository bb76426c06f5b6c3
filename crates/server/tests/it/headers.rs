//! Issue 12, finding 18, the HTTP layer's part: every response carries a content security policy
//! that forbids framing and foreign scripts, a referrer policy, and HSTS when the public URL is
//! https; a malformed body is refused and logged without its content (it can carry a PIN).

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;

use crate::support::{app, new_client, phone, problem};

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} on {}", response.url()))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn finding_18_responses_carry_csp_frame_and_referrer_headers_and_hsts_on_https() {
    let app = app().start().await;
    for path in [
        "/",
        "/login",
        "/api/v1/session",
        "/healthz",
        "/api/v1/no-such-route",
    ] {
        let response = new_client().get(app.url(path)).send().await.unwrap();
        let csp = header(&response, "content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            // The web app talks to the key agent on loopback, and to nothing else.
            "connect-src 'self' http://127.0.0.1:17780",
        ] {
            assert!(
                csp.split(';').any(|d| d.trim() == directive),
                "{path}: {directive} missing from {csp}"
            );
        }
        let scripts = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe"), "{scripts}");
        assert_eq!(header(&response, "x-frame-options"), "DENY");
        assert_eq!(header(&response, "referrer-policy"), "no-referrer");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        // Plain http: HSTS would mean nothing (and would lock a sandbox out of http).
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "{path}"
        );
    }
    let https = crate::support::app().https().start().await;
    for path in ["/", "/api/v1/session", "/pki/ca"] {
        let response = new_client().get(https.url(path)).send().await.unwrap();
        assert_eq!(
            header(&response, "strict-transport-security"),
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
        assert_eq!(header(&response, "x-frame-options"), "DENY");
    }
}

/// Log lines written while the guard lives, on this thread (the server of a
/// `#[tokio::test]` runs on the test's own thread).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn finding_18_malformed_bodies_are_logged_without_their_content() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = app().start().await;
    let secret = "73914628";
    let number = phone(50_000_188);
    let bodies = [
        // serde echoes a value of the wrong type …
        format!(
            r#"{{"identifier":"someone","password":{secret},"captcha_id":"x","captcha_answer":"y"}}"#
        ),
        // … and an unknown enum variant …
        format!(
            r#"{{"phone":"{number}","purpose":"{secret}","captcha_id":"x","captcha_answer":"y"}}"#
        ),
        // … while broken syntax names only where it broke.
        format!(r#"{{"identifier":"someone","password":"{secret}""#),
    ];
    let paths = [
        "/api/v1/login/password",
        "/api/v1/sms-codes",
        "/api/v1/login/password",
    ];
    for (path, body) in paths.into_iter().zip(bodies) {
        let response = app
            .client
            .post(app.url(path))
            .header("x-csrf-token", &app.csrf)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let answer = problem(response, StatusCode::BAD_REQUEST, "malformed_request").await;
        assert!(!answer.to_string().contains(secret), "{answer}");
    }
    let logged = logs.text();
    assert!(logged.matches("malformed request").count() >= 3, "{logged}");
    assert!(!logged.contains(secret), "{logged}");
}
