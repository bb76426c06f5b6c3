//! Who the agent answers: the platform's origin, loopback hosts, CORS preflights.

use serde_json::json;
use signet_token::Token;

use super::{PLATFORM, Running, init};
use crate::support::{USER_PIN, softhsm};

#[test]
fn the_agent_answers_only_the_platform_on_loopback() {
    let Some(hsm) = softhsm() else { return };
    let serial = init(&hsm, "agent guard");
    let agent = Running::start(&hsm);
    let tokens = agent.url("/v1/tokens");

    // The CLI and curl send no Origin: answered, without CORS headers.
    let plain = agent.get("/v1/tokens");
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("access-control-allow-origin"), None);
    assert_eq!(plain.header("cache-control"), Some("no-store"));

    // The platform's pages: answered, with CORS headers naming exactly that origin.
    let platform = agent.send(agent.client.get(&tokens).header("origin", PLATFORM));
    assert_eq!(platform.status, 200, "{}", platform.json);
    assert_eq!(
        platform.header("access-control-allow-origin"),
        Some(PLATFORM)
    );
    assert_eq!(platform.header("vary"), Some("origin"));

    // Any other page: refused, without CORS headers, and nothing happens.
    for origin in [
        "http://evil.example",
        "http://127.0.0.1:8081",
        "https://127.0.0.1:8080",
        "http://127.0.0.1:8080.evil.example",
        "null",
    ] {
        let refused = agent.send(agent.client.get(&tokens).header("origin", origin));
        refused.refused(403, "agent.origin_refused");
        assert_eq!(refused.header("access-control-allow-origin"), None);
    }
    let keys = agent.url(&format!("/v1/tokens/{serial}/keys"));
    let forged = agent.send(
        agent
            .client
            .post(&keys)
            .header("origin", "http://evil.example")
            .json(&json!({"pin": USER_PIN, "algorithm": "ecdsa-p256", "subject_dn": "CN=x"})),
    );
    forged.refused(403, "agent.origin_refused");
    let token = Token::open(&hsm.module, &serial).unwrap();
    token.login_user(USER_PIN).unwrap();
    assert!(token.certificates().unwrap().is_empty());
    assert!(
        token
            .key(&token.random_key_id().unwrap())
            .unwrap_err()
            .code()
            == "token.key_not_found"
    );
    token.logout().unwrap();

    // A browser request from another site without an Origin (an <img>, a no-cors fetch).
    let sneaky = agent.send(
        agent
            .client
            .get(&tokens)
            .header("sec-fetch-site", "cross-site"),
    );
    sneaky.refused(403, "agent.cross_site");
    let typed = agent.send(agent.client.get(&tokens).header("sec-fetch-site", "none"));
    assert_eq!(typed.status, 200);

    // CORS preflight, with Chrome's Private Network Access.
    let sign = agent.url(&format!("/v1/tokens/{serial}/sign"));
    let preflight = |origin: &str, private_network: bool| {
        let mut request = agent
            .client
            .request(reqwest::Method::OPTIONS, &sign)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type");
        if private_network {
            request = request.header("access-control-request-private-network", "true");
        }
        agent.send(request)
    };
    let allowed = preflight(PLATFORM, true);
    assert_eq!(allowed.status, 204);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some(PLATFORM)
    );
    let methods = allowed.header("access-control-allow-methods").unwrap();
    for method in ["GET", "POST", "DELETE"] {
        assert!(methods.contains(method), "{methods}");
    }
    assert_eq!(
        allowed.header("access-control-allow-headers"),
        Some("content-type")
    );
    assert_eq!(
        allowed.header("access-control-allow-private-network"),
        Some("true")
    );
    let without_pna = preflight(PLATFORM, false);
    assert_eq!(without_pna.status, 204);
    assert_eq!(
        without_pna.header("access-control-allow-private-network"),
        None
    );
    let foreign = preflight("http://evil.example", true);
    foreign.refused(403, "agent.origin_refused");
    assert_eq!(foreign.header("access-control-allow-origin"), None);
    assert_eq!(foreign.header("access-control-allow-private-network"), None);

    // DNS rebinding: a name that resolves here is still not ours.
    let port = agent.address.port();
    for host in ["evil.example", &format!("evil.example:{port}"), "10.0.0.1"] {
        let rebound = agent.send(agent.client.get(&tokens).header("host", host));
        rebound.refused(403, "agent.host_refused");
    }
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let local = agent.send(agent.client.get(&tokens).header("host", host));
        assert_eq!(local.status, 200, "{}", local.json);
    }
}
