//! An API error opened as a page (a download link, say, followed by the browser itself) reads as
//! a page: the problem's Chinese and English messages and a way back, not raw JSON. Requests
//! from the web app and other clients (`Accept` without `text/html`) keep problem+json.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Problems are small; anything larger is passed on as it is.
const MAX_PROBLEM_BYTES: usize = 16 * 1024;

pub async fn html_for_browsers(request: Request, next: Next) -> Response {
    let wants_html = request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    let response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !wants_html || !is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PROBLEM_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let text = |lang: &str| {
        problem["message"][lang]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let page = render(parts.status.as_u16(), &text("zh-CN"), &text("en"));
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    (parts, page).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render(status: u16, zh: &str, en: &str) -> String {
    format!(
        "<!doctype html><html lang=zh-CN><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>Signet · {status}</title>\
         <body style=\"font-family:system-ui,sans-serif;max-width:640px;margin:48px auto;padding:0 16px;color:#303133\">\
         <h1 style=\"font-size:20px\" data-testid=problem-page>{zh}</h1>\
         <p style=\"color:#606266\" lang=en>{en}</p>\
         <p><a href=\"/orders\">我的订单 / My orders</a> · <a href=\"/\">首页 / Home</a></p>\
         </body></html>",
        zh = escape(zh),
        en = escape(en),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_what_it_shows() {
        let page = render(404, "<b>未找到</b>", "Not \"found\"");
        assert!(page.contains("&lt;b&gt;未找到&lt;/b&gt;"));
        assert!(page.contains("Not &quot;found&quot;"));
        assert!(!page.contains("<b>"));
    }
}
