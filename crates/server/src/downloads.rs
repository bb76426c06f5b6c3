//! The key agent downloads (证书助手, issue 13): the builds `cargo xtask` puts in the agent
//! folder, served with the platform's origin appended (see [`trailer`]) so that the holder
//! only has to run the file, and listed with the SHA-256 and size of exactly what is served.
//!
//! `GET /downloads/{file}` serves a build; `GET /api/v1/agent/releases` (in `api::agent`) lists
//! them. A file is read and hashed once per change of its modification time.
//!
//! The trailer is `signet_token::agent::BundledConfig`'s format (the server does not depend on
//! the key client; the binary's tests check that the agent reads what [`trailer`] writes):
//! `{"origin":"…"}`, its length as 8 bytes little endian, then `SIGNETAG`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::Digest as _;

use crate::state::AppState;

/// The builds the platform can offer: file in the agent folder, platform, what the holder sees,
/// and the name the browser saves it under.
pub const BUILDS: &[Build] = &[
    Build {
        file: "signet-agent-windows-x86_64.exe",
        platform: "windows-x86_64",
        label: "Windows 10 / 11（64 位）",
        save_as: "signet-agent.exe",
    },
    Build {
        file: "signet-agent-linux-x86_64",
        platform: "linux-x86_64",
        label: "Linux（x86_64）",
        save_as: "signet-agent",
    },
];

/// One build the platform knows how to serve.
#[derive(Debug, Clone, Copy)]
pub struct Build {
    pub file: &'static str,
    pub platform: &'static str,
    pub label: &'static str,
    pub save_as: &'static str,
}

/// A build as served: its bytes (the executable and the trailer), their size and SHA-256.
#[derive(Debug)]
pub struct Served {
    pub build: Build,
    pub bytes: Arc<Vec<u8>>,
    pub sha256: String,
}

type Cache = Mutex<HashMap<(PathBuf, String), (SystemTime, Arc<Served>)>>;

fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// `build` from `dir` as served for `origin`, or `None` when the folder has no such file.
pub fn served(dir: &Path, build: Build, origin: &str) -> std::io::Result<Option<Arc<Served>>> {
    let path = dir.join(build.file);
    let modified = match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() => meta.modified()?,
        Ok(_) => return Ok(None),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let key = (path.clone(), origin.to_owned());
    if let Some((when, served)) = cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
        && *when == modified
    {
        return Ok(Some(Arc::clone(served)));
    }
    let mut bytes = std::fs::read(&path)?;
    bytes.extend_from_slice(&trailer(origin));
    let sha256 = hex(&sha2::Sha256::digest(&bytes));
    let served = Arc::new(Served {
        build,
        bytes: Arc::new(bytes),
        sha256,
    });
    cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, (modified, Arc::clone(&served)));
    Ok(Some(served))
}

/// Every build present in the agent folder, as served for the platform's origin.
pub fn available(state: &AppState) -> Vec<Arc<Served>> {
    let Some(dir) = &state.config.agent_dir else {
        return Vec::new();
    };
    let origin = state.platform.public_url.trim_end_matches('/');
    BUILDS
        .iter()
        .filter_map(|build| match served(dir, *build, origin) {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(file = build.file, %error, "agent build unreadable");
                None
            }
        })
        .collect()
}

/// What the platform appends to a build: the origin the agent is for (see the module's text).
#[must_use]
pub fn trailer(origin: &str) -> Vec<u8> {
    let json = serde_json::json!({ "origin": origin })
        .to_string()
        .into_bytes();
    let mut out = json.clone();
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(b"SIGNETAG");
    out
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/downloads/{file}", get(download))
}

async fn download(State(state): State<AppState>, UrlPath(file): UrlPath<String>) -> Response {
    let found = tokio::task::spawn_blocking(move || {
        available(&state)
            .into_iter()
            .find(|served| served.build.file == file)
    })
    .await
    .ok()
    .flatten();
    let Some(served) = found else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "没有这个下载文件 / no such download",
        )
            .into_response();
    };
    let disposition = format!("attachment; filename=\"{}\"", served.build.save_as);
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        served.bytes.as_ref().clone(),
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", served.sha256)) {
        headers.insert(header::ETAG, value);
    }
    response
}
