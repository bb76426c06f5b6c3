//! Which agent the platform offers, and the platform the agent was downloaded for.
//!
//! - At start-up the agent asks `GET {platform}/api/v1/agent/releases` for the version the
//!   platform serves; `/v1/status` then says whether this agent is older (the page offers the
//!   download). A platform that cannot be reached changes nothing: the agent works on.
//! - A build downloaded from a platform carries that platform's origin in a trailer appended to
//!   the executable ([`BundledConfig`]), so the holder only has to run it: no command line.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Shared;

/// Where the platform lists the agent builds it serves.
pub const RELEASES_PATH: &str = "/api/v1/agent/releases";

/// Ends the trailer a platform appends to the executable it serves.
const MAGIC: &[u8; 8] = b"SIGNETAG";
/// The trailer's JSON is at most this long.
const MAX_TRAILER: u64 = 4096;

#[derive(Deserialize)]
struct Releases {
    version: String,
}

/// Ask the platform once which version it offers; keep the answer for `/v1/status`.
pub(crate) async fn check(agent: Shared) {
    let url = format!("{}{RELEASES_PATH}", agent.platform);
    let answer = async {
        let response = agent.http.get(&url).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json::<Releases>().await.ok()
    };
    let Some(releases) = answer.await else {
        tracing::info!("the platform's agent version could not be read; carrying on");
        return;
    };
    if is_newer(&releases.version, env!("CARGO_PKG_VERSION")) {
        tracing::warn!(
            offered = %releases.version,
            "证书助手有新版本 / a newer signet-agent is offered by the platform: download it again"
        );
    }
    let _ = agent.latest.set(releases.version);
}

/// Whether `offered` is a later `major.minor.patch` than `running` (anything unreadable: no).
pub(crate) fn is_newer(offered: &str, running: &str) -> bool {
    let parse = |text: &str| -> Option<Vec<u64>> {
        let core = text.trim().trim_start_matches('v');
        let core = core.split(['-', '+']).next()?;
        core.split('.').map(|part| part.parse().ok()).collect()
    };
    match (parse(offered), parse(running)) {
        (Some(offered), Some(running)) => offered > running,
        _ => false,
    }
}

/// What a platform writes into the build it serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundledConfig {
    /// The platform's origin: the one the agent answers and redeems unlock codes at.
    pub origin: String,
}

impl BundledConfig {
    /// The trailer to append to an executable: JSON, its length (8 bytes, little endian) and
    /// the magic.
    #[must_use]
    pub fn trailer(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut out = Vec::with_capacity(json.len() + 16);
        out.extend_from_slice(&json);
        out.extend_from_slice(&(json.len() as u64).to_le_bytes());
        out.extend_from_slice(MAGIC);
        out
    }

    /// The configuration at the end of the executable `path`, if a platform put one there.
    pub fn read_from(path: &Path) -> std::io::Result<Option<Self>> {
        let mut file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        if size < 16 {
            return Ok(None);
        }
        let mut tail = [0_u8; 16];
        file.seek(SeekFrom::Start(size - 16))?;
        file.read_exact(&mut tail)?;
        if &tail[8..] != MAGIC {
            return Ok(None);
        }
        let mut length = [0_u8; 8];
        length.copy_from_slice(&tail[..8]);
        let length = u64::from_le_bytes(length);
        if length > MAX_TRAILER || length + 16 > size {
            return Ok(None);
        }
        let mut json = vec![0_u8; usize::try_from(length).unwrap_or(0)];
        file.seek(SeekFrom::Start(size - 16 - length))?;
        file.read_exact(&mut json)?;
        Ok(serde_json::from_slice(&json).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number() {
        assert!(is_newer("0.2.0", "0.1.9"));
        assert!(is_newer("1.10.0", "1.9.3"));
        assert!(!is_newer("0.1.0", "0.1.0"));
        assert!(!is_newer("0.1.0", "0.2.0"));
        assert!(!is_newer("garbage", "0.1.0"));
        assert!(is_newer("v0.3.0-beta", "0.2.0"));
    }

    #[test]
    fn a_trailer_is_read_back_from_the_end_of_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signet-agent");
        let config = BundledConfig {
            origin: "https://sign.example.com".into(),
        };
        let mut bytes = b"\x7fELF pretend executable".to_vec();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(BundledConfig::read_from(&path).unwrap(), None);
        bytes.extend_from_slice(&config.trailer());
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(BundledConfig::read_from(&path).unwrap(), Some(config));
        // A length that points before the file's start is no trailer.
        let mut broken = b"x".to_vec();
        broken.extend_from_slice(&999_u64.to_le_bytes());
        broken.extend_from_slice(MAGIC);
        std::fs::write(&path, &broken).unwrap();
        assert_eq!(BundledConfig::read_from(&path).unwrap(), None);
    }
}
