//! `GET /api/v1/agent/releases`: the key agent builds this platform serves, each with the
//! SHA-256 and size of exactly the file `/downloads/{file}` sends. The install page lists them,
//! and the agent compares its own version with `version` at start-up.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::downloads;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AgentReleases {
    /// The agent version the platform offers (the platform's own).
    pub version: String,
    /// The builds present on this server; empty when none were built.
    pub builds: Vec<AgentBuild>,
}

#[derive(Serialize, ToSchema)]
pub struct AgentBuild {
    /// `windows-x86_64` or `linux-x86_64`.
    pub platform: String,
    /// What the holder reads, e.g. `Windows 10 / 11（64 位）`.
    pub label: String,
    /// Where to download it (same origin).
    pub url: String,
    /// The name the browser saves it under.
    pub file_name: String,
    /// Bytes.
    pub size: u64,
    /// Hex SHA-256 of the file as served.
    pub sha256: String,
}

/// The key agent builds offered for download, with their checksums, and the current version.
#[utoipa::path(get, path = "/api/v1/agent/releases", tag = "help",
    responses((status = 200, body = AgentReleases)))]
pub async fn releases(State(state): State<AppState>) -> Json<AgentReleases> {
    let served = tokio::task::spawn_blocking(move || downloads::available(&state))
        .await
        .unwrap_or_default();
    Json(AgentReleases {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        builds: served
            .iter()
            .map(|served| AgentBuild {
                platform: served.build.platform.to_owned(),
                label: served.build.label.to_owned(),
                url: format!("/downloads/{}", served.build.file),
                file_name: served.build.save_as.to_owned(),
                size: served.bytes.len() as u64,
                sha256: served.sha256.clone(),
            })
            .collect(),
    })
}
