//! Routes and the OpenAPI document come from one list: every route the API serves is in the
//! document, every operation in the document is served, and the URLs of today stay public contracts.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::app;

/// Every method and path `/api/v1` served when the routes and the document were joined. Removing
/// one breaks a client; adding one means adding it here too.
const CONTRACT: &[(&str, &str)] = &[
    ("GET", "/api/v1/agent/releases"),
    ("GET", "/api/v1/archives/{id}"),
    ("GET", "/api/v1/archives/{id}/pdf"),
    ("GET", "/api/v1/archives/{id}/timestamp"),
    ("POST", "/api/v1/archives/{id}/void"),
    ("GET", "/api/v1/billing/packages"),
    ("GET", "/api/v1/bulk-launches/{id}"),
    ("POST", "/api/v1/bulk-launches/{id}/launch"),
    ("GET", "/api/v1/bulk-launches/{id}/rows/{row}/pdf"),
    ("POST", "/api/v1/captcha"),
    ("GET", "/api/v1/catalog"),
    ("GET", "/api/v1/catalog/{code}"),
    ("GET", "/api/v1/certificates"),
    ("GET", "/api/v1/certificates/{serial}"),
    ("POST", "/api/v1/certificates/{serial}/cloud-code"),
    ("PUT", "/api/v1/certificates/{serial}/cloud-pin"),
    ("POST", "/api/v1/certificates/{serial}/cloud-sign"),
    ("GET", "/api/v1/certificates/{serial}/download"),
    ("POST", "/api/v1/certificates/{serial}/orders"),
    ("POST", "/api/v1/certificates/{serial}/revocation-code"),
    ("POST", "/api/v1/certificates/{serial}/revoke"),
    ("POST", "/api/v1/certificates/{serial}/unlock-authorisation"),
    ("POST", "/api/v1/certificates/{serial}/unlock-code"),
    ("GET", "/api/v1/contracts/consent-texts"),
    ("GET", "/api/v1/employee-forms/{token}"),
    ("POST", "/api/v1/employee-forms/{token}"),
    ("GET", "/api/v1/employee-join/{code}"),
    ("POST", "/api/v1/employee-join/{code}"),
    ("GET", "/api/v1/employee-template.xlsx"),
    ("GET", "/api/v1/enterprise-directory"),
    ("POST", "/api/v1/enterprises"),
    ("GET", "/api/v1/enterprises/{id}"),
    ("GET", "/api/v1/enterprises/{id}/admin-claims"),
    ("POST", "/api/v1/enterprises/{id}/admin-claims"),
    (
        "POST",
        "/api/v1/enterprises/{id}/admin-claims/{claim_id}/withdraw",
    ),
    ("POST", "/api/v1/enterprises/{id}/admin/claim"),
    ("POST", "/api/v1/enterprises/{id}/admin/transfer"),
    ("GET", "/api/v1/enterprises/{id}/archive-fields"),
    ("GET", "/api/v1/enterprises/{id}/archive-workbook"),
    ("GET", "/api/v1/enterprises/{id}/archives"),
    ("POST", "/api/v1/enterprises/{id}/archives"),
    ("POST", "/api/v1/enterprises/{id}/archives/bulk"),
    ("POST", "/api/v1/enterprises/{id}/archives/bulk/check"),
    ("GET", "/api/v1/enterprises/{id}/billing"),
    ("GET", "/api/v1/enterprises/{id}/billing/invoices"),
    ("POST", "/api/v1/enterprises/{id}/billing/invoices"),
    (
        "GET",
        "/api/v1/enterprises/{id}/billing/invoices/{invoice_id}/pdf",
    ),
    ("GET", "/api/v1/enterprises/{id}/billing/purchases"),
    ("POST", "/api/v1/enterprises/{id}/billing/purchases"),
    (
        "GET",
        "/api/v1/enterprises/{id}/billing/purchases/{purchase_id}",
    ),
    ("GET", "/api/v1/enterprises/{id}/billing/records"),
    ("GET", "/api/v1/enterprises/{id}/billing/records.xlsx"),
    ("POST", "/api/v1/enterprises/{id}/bulk-launches"),
    ("GET", "/api/v1/enterprises/{id}/bulk-launches/workbook"),
    ("GET", "/api/v1/enterprises/{id}/business-types"),
    ("POST", "/api/v1/enterprises/{id}/business-types"),
    ("PUT", "/api/v1/enterprises/{id}/business-types/{type_id}"),
    ("GET", "/api/v1/enterprises/{id}/certificate"),
    ("GET", "/api/v1/enterprises/{id}/certificates"),
    (
        "POST",
        "/api/v1/enterprises/{id}/certificates/{serial}/renew",
    ),
    ("POST", "/api/v1/enterprises/{id}/change"),
    ("GET", "/api/v1/enterprises/{id}/contacts"),
    ("POST", "/api/v1/enterprises/{id}/contacts"),
    ("DELETE", "/api/v1/enterprises/{id}/contacts/{contact_id}"),
    ("GET", "/api/v1/enterprises/{id}/departments"),
    ("POST", "/api/v1/enterprises/{id}/departments"),
    (
        "DELETE",
        "/api/v1/enterprises/{id}/departments/{department_id}",
    ),
    (
        "PUT",
        "/api/v1/enterprises/{id}/departments/{department_id}",
    ),
    (
        "PUT",
        "/api/v1/enterprises/{id}/departments/{department_id}/parent",
    ),
    ("GET", "/api/v1/enterprises/{id}/employee-fields"),
    ("PUT", "/api/v1/enterprises/{id}/employee-fields"),
    ("GET", "/api/v1/enterprises/{id}/employee-join-link"),
    ("POST", "/api/v1/enterprises/{id}/employee-join-link"),
    ("GET", "/api/v1/enterprises/{id}/employees"),
    ("POST", "/api/v1/enterprises/{id}/employees"),
    ("POST", "/api/v1/enterprises/{id}/employees/import"),
    ("GET", "/api/v1/enterprises/{id}/employees/{employee_id}"),
    (
        "POST",
        "/api/v1/enterprises/{id}/employees/{employee_id}/approve",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/employees/{employee_id}/reject",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/employees/{employee_id}/resend",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/employees/{employee_id}/resign",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/employees/{employee_id}/transfer",
    ),
    ("GET", "/api/v1/enterprises/{id}/grant-options"),
    ("GET", "/api/v1/enterprises/{id}/join-requests"),
    ("POST", "/api/v1/enterprises/{id}/join-requests"),
    (
        "POST",
        "/api/v1/enterprises/{id}/join-requests/{user_id}/approve",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/join-requests/{user_id}/reject",
    ),
    ("GET", "/api/v1/enterprises/{id}/launch-options"),
    ("GET", "/api/v1/enterprises/{id}/members"),
    ("PUT", "/api/v1/enterprises/{id}/members/{user_id}"),
    ("POST", "/api/v1/enterprises/{id}/members/{user_id}/remove"),
    ("POST", "/api/v1/enterprises/{id}/membership/withdraw"),
    (
        "POST",
        "/api/v1/enterprises/{id}/orders/{order_id}/withdraw",
    ),
    ("POST", "/api/v1/enterprises/{id}/recertify"),
    ("GET", "/api/v1/enterprises/{id}/seal-grantees"),
    ("GET", "/api/v1/enterprises/{id}/seal-log"),
    ("GET", "/api/v1/enterprises/{id}/seals"),
    ("POST", "/api/v1/enterprises/{id}/seals"),
    ("POST", "/api/v1/enterprises/{id}/seals/upload"),
    ("POST", "/api/v1/enterprises/{id}/seals/{seal_id}/disable"),
    ("POST", "/api/v1/enterprises/{id}/seals/{seal_id}/enable"),
    ("POST", "/api/v1/enterprises/{id}/seals/{seal_id}/grants"),
    (
        "DELETE",
        "/api/v1/enterprises/{id}/seals/{seal_id}/grants/{user_id}",
    ),
    ("PUT", "/api/v1/enterprises/{id}/seals/{seal_id}/image"),
    ("GET", "/api/v1/enterprises/{id}/seals/{seal_id}/image.png"),
    (
        "POST",
        "/api/v1/enterprises/{id}/seals/{seal_id}/regenerate",
    ),
    ("POST", "/api/v1/enterprises/{id}/tasks"),
    ("POST", "/api/v1/enterprises/{id}/tasks/from-templates"),
    ("GET", "/api/v1/enterprises/{id}/template-fields"),
    ("POST", "/api/v1/enterprises/{id}/template-fields"),
    (
        "DELETE",
        "/api/v1/enterprises/{id}/template-fields/{field_id}",
    ),
    ("GET", "/api/v1/enterprises/{id}/templates"),
    ("POST", "/api/v1/enterprises/{id}/templates"),
    ("GET", "/api/v1/enterprises/{id}/templates/{template_id}"),
    (
        "PUT",
        "/api/v1/enterprises/{id}/templates/{template_id}/draft",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/templates/{template_id}/preview",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/templates/{template_id}/publish",
    ),
    (
        "GET",
        "/api/v1/enterprises/{id}/templates/{template_id}/versions/{version_id}/pdf",
    ),
    ("GET", "/api/v1/enterprises/{id}/webhooks"),
    ("POST", "/api/v1/enterprises/{id}/webhooks"),
    ("DELETE", "/api/v1/enterprises/{id}/webhooks/{webhook_id}"),
    (
        "GET",
        "/api/v1/enterprises/{id}/webhooks/{webhook_id}/deliveries",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/webhooks/{webhook_id}/rotate-secret",
    ),
    (
        "POST",
        "/api/v1/enterprises/{id}/webhooks/{webhook_id}/test",
    ),
    ("POST", "/api/v1/enterprises/{id}/withdraw"),
    ("GET", "/api/v1/handwriting-captures/{token}"),
    ("POST", "/api/v1/handwriting-captures/{token}"),
    ("GET", "/api/v1/jobs/{id}"),
    ("POST", "/api/v1/login/certificate"),
    ("POST", "/api/v1/login/certificate/challenge"),
    ("POST", "/api/v1/login/password"),
    ("POST", "/api/v1/login/sms"),
    ("POST", "/api/v1/logout"),
    ("GET", "/api/v1/materials"),
    ("GET", "/api/v1/materials/{id}"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/me/avatar"),
    ("POST", "/api/v1/me/avatar"),
    ("GET", "/api/v1/me/certificates"),
    ("POST", "/api/v1/me/certificates"),
    ("POST", "/api/v1/me/certificates/challenge"),
    ("DELETE", "/api/v1/me/certificates/{serial}"),
    ("POST", "/api/v1/me/consents"),
    ("PUT", "/api/v1/me/email"),
    ("GET", "/api/v1/me/enterprises"),
    ("POST", "/api/v1/me/handwriting-captures"),
    ("GET", "/api/v1/me/handwriting-captures/{id}/image"),
    ("GET", "/api/v1/me/handwriting-captures/{id}/wait"),
    ("GET", "/api/v1/me/joined-enterprises"),
    ("PUT", "/api/v1/me/login-name"),
    ("PUT", "/api/v1/me/password"),
    ("POST", "/api/v1/me/password/initial"),
    ("GET", "/api/v1/me/person-certificate"),
    ("PUT", "/api/v1/me/phone"),
    ("POST", "/api/v1/me/phone/verify-old"),
    ("GET", "/api/v1/me/real-name"),
    ("POST", "/api/v1/me/real-name"),
    ("GET", "/api/v1/me/seals"),
    ("GET", "/api/v1/me/seals/{id}/image.png"),
    ("GET", "/api/v1/me/signing-pin"),
    ("PUT", "/api/v1/me/signing-pin"),
    ("POST", "/api/v1/me/signing-pin/code"),
    ("GET", "/api/v1/me/spaces"),
    ("GET", "/api/v1/mobile-upload/{token}"),
    ("POST", "/api/v1/mobile-upload/{token}"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/orders"),
    ("POST", "/api/v1/orders"),
    ("GET", "/api/v1/orders/{id}"),
    ("GET", "/api/v1/orders/{id}/application-form.pdf"),
    ("GET", "/api/v1/orders/{id}/authorisation-letter.pdf"),
    ("POST", "/api/v1/orders/{id}/cancel"),
    ("GET", "/api/v1/orders/{id}/certificates"),
    ("PUT", "/api/v1/orders/{id}/form"),
    ("GET", "/api/v1/orders/{id}/invoice.pdf"),
    ("POST", "/api/v1/orders/{id}/key-update"),
    ("POST", "/api/v1/orders/{id}/materials"),
    ("POST", "/api/v1/orders/{id}/offline"),
    ("GET", "/api/v1/orders/{id}/payments"),
    ("POST", "/api/v1/orders/{id}/payments"),
    ("POST", "/api/v1/orders/{id}/refund"),
    ("PUT", "/api/v1/orders/{id}/shipping"),
    ("POST", "/api/v1/orders/{id}/signing-code"),
    ("POST", "/api/v1/orders/{id}/submit"),
    ("POST", "/api/v1/orders/{id}/unlock-authorisation"),
    ("POST", "/api/v1/orders/{id}/upload-links"),
    ("POST", "/api/v1/orders/{id}/verifications"),
    ("POST", "/api/v1/orders/{id}/verifications/{vid}/deposit"),
    ("POST", "/api/v1/password/reset"),
    ("POST", "/api/v1/payments/notify"),
    ("POST", "/api/v1/payments/notify/alipay"),
    ("POST", "/api/v1/payments/notify/wechat"),
    ("POST", "/api/v1/qr-logins"),
    ("POST", "/api/v1/qr-logins/{id}/complete"),
    ("GET", "/api/v1/qr-logins/{id}/wait"),
    ("GET", "/api/v1/qr-scans/{secret}"),
    ("POST", "/api/v1/qr-scans/{secret}/confirm"),
    ("POST", "/api/v1/qr-scans/{secret}/refuse"),
    ("POST", "/api/v1/register"),
    ("POST", "/api/v1/register/phone"),
    ("GET", "/api/v1/seal-types"),
    ("GET", "/api/v1/session"),
    ("POST", "/api/v1/sms-codes"),
    ("GET", "/api/v1/staff/billing/invoices"),
    ("POST", "/api/v1/staff/billing/invoices/{invoice_id}/issue"),
    ("GET", "/api/v1/staff/billing/packages"),
    ("POST", "/api/v1/staff/billing/packages"),
    ("PUT", "/api/v1/staff/billing/packages/{package_id}"),
    ("GET", "/api/v1/staff/catalog"),
    ("PUT", "/api/v1/staff/catalog/projects"),
    ("PUT", "/api/v1/staff/catalog/projects/{id}/products"),
    ("POST", "/api/v1/staff/certificates/{serial}/revoke"),
    ("GET", "/api/v1/staff/dashboard"),
    ("PUT", "/api/v1/staff/econtract-settings"),
    ("GET", "/api/v1/staff/jobs"),
    ("POST", "/api/v1/staff/jobs/{id}/retry"),
    ("GET", "/api/v1/staff/materials/{id}"),
    ("GET", "/api/v1/staff/orders"),
    ("GET", "/api/v1/staff/orders/{id}"),
    ("POST", "/api/v1/staff/orders/{id}/approve"),
    ("GET", "/api/v1/staff/orders/{id}/production"),
    ("POST", "/api/v1/staff/orders/{id}/production"),
    ("POST", "/api/v1/staff/orders/{id}/refund"),
    ("POST", "/api/v1/staff/orders/{id}/reject"),
    ("POST", "/api/v1/staff/orders/{id}/ship"),
    ("GET", "/api/v1/staff/regulator-reports"),
    ("POST", "/api/v1/staff/regulator-reports/{id}/resend"),
    ("GET", "/api/v1/staff/roles"),
    ("GET", "/api/v1/tasks"),
    ("POST", "/api/v1/tasks/batch-sign"),
    ("POST", "/api/v1/tasks/batch-sign/code"),
    ("GET", "/api/v1/tasks/batch-sign/{batch_id}"),
    ("POST", "/api/v1/tasks/withdraw"),
    ("GET", "/api/v1/tasks/{id}"),
    ("GET", "/api/v1/tasks/{id}/documents/{document_id}/evidence"),
    ("GET", "/api/v1/tasks/{id}/documents/{document_id}/pdf"),
    ("POST", "/api/v1/tasks/{id}/refuse"),
    ("POST", "/api/v1/tasks/{id}/remind"),
    ("POST", "/api/v1/tasks/{id}/sign"),
    ("POST", "/api/v1/tasks/{id}/sign-code"),
    ("POST", "/api/v1/token-unlock/{code}"),
    ("POST", "/api/v1/token-unlock/{code}/confirm"),
    ("POST", "/api/v1/verify"),
    (
        "GET",
        "/api/v1/verify/tasks/{task}/documents/{document}/pages/{page}",
    ),
    (
        "GET",
        "/api/v1/verify/tasks/{task}/documents/{document}/pages/{page}/png",
    ),
];

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

/// The (method, path) pairs of the document, sorted.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            if METHODS.contains(&method.as_str()) {
                found.push((method, path.clone()));
            }
        }
    }
    found.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    found
}

/// A concrete URL for a templated path (`{id}` → `0`).
fn concrete(path: &str) -> String {
    let mut url = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                url.push('0');
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => url.push(c),
        }
    }
    url
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_public_routes() {
    let app = app().start().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let want: Vec<(String, String)> = CONTRACT
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(operations(&doc), want);
}

#[tokio::test]
async fn every_documented_operation_is_served_and_no_other_method_is() {
    let mut app = app().writes_per_minute(100_000).start().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let documented = operations(&doc);
    assert!(documented.len() >= CONTRACT.len());
    for path in documented
        .iter()
        .map(|(_, p)| p)
        .collect::<std::collections::BTreeSet<_>>()
    {
        let url = concrete(path);
        for method in METHODS {
            let served = documented.iter().any(|(m, p)| m == method && p == path);
            // Sign-in and sign-out rotate the CSRF token; a stale one would answer 403 first.
            app.refresh_session().await;
            let response = app
                .send(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    &url,
                    Some(Value::Null),
                )
                .await;
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            let unrouted = status == StatusCode::NOT_FOUND && body.contains("No such endpoint");
            if served {
                assert!(
                    status != StatusCode::METHOD_NOT_ALLOWED && !unrouted,
                    "{method} {url} is documented but not served: {status} {body}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {url} is served but not documented: {body}"
                );
            }
        }
    }
}

/// The document would miss a route added beside `routes!`: the API module declares none that way.
#[test]
fn the_api_declares_routes_only_through_routes_macro() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut stack = vec![dir];
    let mut offenders = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains(".route(")
                    || text.contains("axum::routing")
                    || text.contains(".nest(")
                {
                    offenders.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "routes outside routes!(): {offenders:?}"
    );
}
