//! `signet backup` and `signet restore`: a consistent snapshot of a running platform (audit
//! checkpoints, then the database, then the blobs; the data directory's secrets only when asked),
//! written as one encrypted stream ([`sealed`]) of entries ([`entries`]); and its restoration
//! into a fresh data directory, all or nothing. docs/operations.md "Backup and restore".

pub mod entries;
pub mod sealed;
pub mod snapshot;

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use self::entries::{read_header, safe_relative, write_end, write_entry};
use self::sealed::{OpenReader, SealWriter};
use super::Platform;
use super::clock::Clock as _;
use super::crypto::sha256_hex;
use super::random::Random;
use crate::error::CoreError;

const MANIFEST: &str = "manifest.json";

/// What a backup holds, written first in it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: u32,
    pub signet_version: String,
    /// Unix seconds.
    pub created_at: i64,
    /// `sqlite` or `postgres`.
    pub database: String,
    pub blobs: usize,
    pub with_secrets: bool,
}

fn io_error(what: &str) -> impl Fn(std::io::Error) -> CoreError + '_ {
    move |e| CoreError::internal(format!("{what}: {e}"))
}

/// Files under `dir`, recursively, as (relative name with `/`, path); none when it is absent.
fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>, CoreError> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let entries = match std::fs::read_dir(&at) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error("read directory")(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_error("read directory"))?;
            let kind = entry.file_type().map_err(io_error("read directory"))?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file()
                && let Ok(relative) = entry.path().strip_prefix(dir)
                && let Some(name) = relative.to_str()
            {
                found.push((name.replace('\\', "/"), entry.path()));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Writes the backup of `platform` (data directory `data_dir`) to `out`, which must not exist:
/// first to a temporary file beside it, renamed into place when complete.
pub async fn backup(
    platform: &Platform,
    data_dir: &Path,
    database_url: Option<&str>,
    out: &Path,
    passphrase: &[u8],
    with_secrets: bool,
) -> Result<Manifest, CoreError> {
    if out.exists() {
        return Err(CoreError::internal(format!(
            "{} exists: a backup never overwrites a file",
            out.display()
        )));
    }
    let partial = out.with_extension(format!("partial-{}", &Random.token()?[..8]));
    let work = data_dir
        .join("tmp")
        .join(format!("backup-{}", &Random.token()?[..8]));
    std::fs::create_dir_all(&work).map_err(io_error("backup work folder"))?;
    let result = write_backup(
        platform,
        data_dir,
        database_url,
        &partial,
        &work,
        passphrase,
        with_secrets,
    )
    .await;
    let _ = std::fs::remove_dir_all(&work);
    match result {
        Ok(manifest) => {
            std::fs::rename(&partial, out).map_err(io_error("backup rename"))?;
            Ok(manifest)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

async fn write_backup(
    platform: &Platform,
    data_dir: &Path,
    database_url: Option<&str>,
    partial: &Path,
    work: &Path,
    passphrase: &[u8],
    with_secrets: bool,
) -> Result<Manifest, CoreError> {
    // Checkpoints first: each names a prefix of the audit log, so every one copied is covered
    // by the database copied after it.
    let checkpoints = data_dir.join("audit").join("checkpoints");
    let checkpoint_dir = work.join("checkpoints");
    std::fs::create_dir_all(&checkpoint_dir).map_err(io_error("backup work folder"))?;
    let mut audit = Vec::new();
    for (name, path) in files_under(&checkpoints)? {
        let copy = checkpoint_dir.join(audit.len().to_string());
        // A checkpoint pruned meanwhile is simply not in the backup.
        if std::fs::copy(&path, &copy).is_ok() {
            audit.push((format!("audit/checkpoints/{name}"), copy));
        }
    }
    // The database, then the blobs: blobs are written before the rows that name them and are
    // never deleted, so every blob the copy names is listed after it.
    let db_copy = work.join("database");
    let db_entry = snapshot::dump(&platform.db, database_url, &db_copy).await?;
    let digests = platform.blobs.list().await?;
    let secrets = if with_secrets {
        files_under(&data_dir.join("secrets"))?
    } else {
        Vec::new()
    };

    let manifest = Manifest {
        format: 1,
        signet_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: platform.clock.now(),
        database: platform.db.backend().name().to_owned(),
        blobs: digests.len(),
        with_secrets,
    };
    let file = File::create_new(partial).map_err(io_error("create backup file"))?;
    let mut out = SealWriter::new(BufWriter::new(file), passphrase)?;
    let write = io_error("write backup");
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| CoreError::internal(format!("manifest: {e}")))?;
    write_entry(&mut out, MANIFEST, json.len() as u64, &mut &json[..]).map_err(&write)?;
    for (name, path) in audit.iter().chain([(db_entry.to_owned(), db_copy)].iter()) {
        let mut file = File::open(path).map_err(io_error("read backup part"))?;
        let size = file.metadata().map_err(&write)?.len();
        write_entry(&mut out, name, size, &mut file).map_err(&write)?;
    }
    for digest in &digests {
        let bytes = platform.blobs.get(digest).await?;
        let name = format!("blobs/{}/{digest}", &digest[..2]);
        write_entry(&mut out, &name, bytes.len() as u64, &mut &bytes[..]).map_err(&write)?;
    }
    for (name, path) in &secrets {
        let mut file = File::open(path).map_err(io_error("read secret"))?;
        let size = file.metadata().map_err(&write)?.len();
        write_entry(&mut out, &format!("secrets/{name}"), size, &mut file).map_err(&write)?;
    }
    write_end(&mut out).map_err(&write)?;
    let file = out
        .finish()
        .map_err(&write)?
        .into_inner()
        .map_err(|e| CoreError::internal(format!("write backup: {e}")))?;
    file.sync_all().map_err(&write)?;
    Ok(manifest)
}

/// Why a restore refused; nothing was written when it did.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Open(#[from] sealed::OpenError),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl From<std::io::Error> for RestoreError {
    fn from(e: std::io::Error) -> Self {
        // The decrypting reader reports its own errors through `std::io::Error`.
        if e.get_ref()
            .is_some_and(<dyn std::error::Error + Send + Sync>::is::<sealed::OpenError>)
        {
            if let Some(inner) = e.into_inner()
                && let Ok(open) = inner.downcast::<sealed::OpenError>()
            {
                return Self::Open(*open);
            }
            return Self::Refused("the backup file is damaged".into());
        }
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            return Self::Refused("the backup's contents end early: the file is damaged".into());
        }
        Self::Refused(format!("restore: {e}"))
    }
}

/// Restores `file` into the data directory `target`, which must be absent or empty. Everything
/// is decrypted and checked into a folder beside `target` first; only then is a PostgreSQL
/// dump loaded (into `database_url`, an empty database, in one transaction) and the folder
/// renamed to `target`. On any error nothing is left behind.
pub async fn restore(
    file: &Path,
    target: &Path,
    passphrase: &[u8],
    database_url: Option<&str>,
) -> Result<Manifest, RestoreError> {
    if target.exists()
        && std::fs::read_dir(target)
            .map_err(|e| RestoreError::Refused(format!("{}: {e}", target.display())))?
            .next()
            .is_some()
    {
        return Err(RestoreError::Refused(format!(
            "{} is not empty: restore into a new data directory",
            target.display()
        )));
    }
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(parent)?;
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("data");
    let staging = parent.join(format!(".{name}.restoring-{}", &Random.token()?[..8]));
    std::fs::create_dir(&staging)?;
    let result = restore_into(file, &staging, passphrase, database_url).await;
    match result {
        Ok(manifest) => {
            if target.exists() {
                std::fs::remove_dir(target)?;
            }
            if let Err(e) = std::fs::rename(&staging, target) {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e.into());
            }
            Ok(manifest)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one pass over the entries, each kind checked where it is read"
)]
async fn restore_into(
    file: &Path,
    staging: &Path,
    passphrase: &[u8],
    database_url: Option<&str>,
) -> Result<Manifest, RestoreError> {
    let input =
        File::open(file).map_err(|e| RestoreError::Refused(format!("{}: {e}", file.display())))?;
    let mut input = BufReader::new(OpenReader::new(BufReader::new(input), passphrase)?);
    let first = read_header(&mut input)?
        .filter(|h| h.name == MANIFEST && h.size < 1 << 20)
        .ok_or_else(|| RestoreError::Refused("the backup has no manifest".into()))?;
    let mut json = Vec::new();
    (&mut input).take(first.size).read_to_end(&mut json)?;
    let manifest: Manifest = serde_json::from_slice(&json)
        .map_err(|e| RestoreError::Refused(format!("the backup's manifest: {e}")))?;
    if manifest.format != 1 {
        return Err(RestoreError::Refused(format!(
            "backup format {} is newer than this signet reads",
            manifest.format
        )));
    }
    match (manifest.database.as_str(), database_url) {
        ("sqlite", None) | ("postgres", Some(_)) => {}
        ("sqlite", Some(_)) => {
            return Err(RestoreError::Refused(
                "this backup holds a SQLite database: restore it without --database-url".into(),
            ));
        }
        ("postgres", None) => {
            return Err(RestoreError::Refused(
                "this backup holds a PostgreSQL database: give --database-url (DATABASE_URL) of an empty database".into(),
            ));
        }
        (other, _) => {
            return Err(RestoreError::Refused(format!(
                "unknown database kind {other}"
            )));
        }
    }

    let mut database = None;
    let mut blobs = 0_usize;
    while let Some(header) = read_header(&mut input)? {
        let relative = safe_relative(&header.name).ok_or_else(|| {
            RestoreError::Refused(format!(
                "entry {:?} escapes the data directory",
                header.name
            ))
        })?;
        let mut content = (&mut input).take(header.size);
        let destination = match header.name.as_str() {
            snapshot::SQLITE_ENTRY | snapshot::POSTGRES_ENTRY if database.is_none() => {
                let path = if header.name == snapshot::SQLITE_ENTRY {
                    staging.join("signet.db")
                } else {
                    staging.join("postgres.dump")
                };
                database = Some(path.clone());
                path
            }
            name if name.starts_with("blobs/") => {
                let digest = relative
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                super::blobs::check_digest(&digest).map_err(|_| {
                    RestoreError::Refused(format!("entry {name} is not a blob name"))
                })?;
                if name != format!("blobs/{}/{digest}", &digest[..2]) {
                    return Err(RestoreError::Refused(format!("entry {name} is misplaced")));
                }
                let mut bytes = Vec::new();
                content.read_to_end(&mut bytes)?;
                if sha256_hex(&bytes) != digest {
                    return Err(RestoreError::Refused(format!(
                        "blob {digest} does not match its name"
                    )));
                }
                write_new(&staging.join(&relative), &mut &bytes[..], 0o644)?;
                blobs += 1;
                continue;
            }
            name if name.starts_with("audit/checkpoints/") => staging.join(&relative),
            name if name.starts_with("secrets/") && manifest.with_secrets => {
                write_new(&staging.join(&relative), &mut content, 0o600)?;
                continue;
            }
            name => {
                return Err(RestoreError::Refused(format!("unexpected entry {name}")));
            }
        };
        write_new(&destination, &mut content, 0o644)?;
    }
    // Nothing may follow the end marker inside the stream either.
    let mut rest = [0_u8; 1];
    if input.read(&mut rest)? != 0 {
        return Err(RestoreError::Refused("data after the backup's end".into()));
    }
    let database =
        database.ok_or_else(|| RestoreError::Refused("the backup holds no database".into()))?;
    if blobs != manifest.blobs {
        return Err(RestoreError::Refused(format!(
            "the backup holds {blobs} blobs, its manifest says {}",
            manifest.blobs
        )));
    }
    if let Some(url) = database_url {
        snapshot::pg_restore(&database, url).await?;
        std::fs::remove_file(&database)?;
    }
    Ok(manifest)
}

/// Writes `content` to the new file `path` (its folders made), with `mode` on Unix.
fn write_new(path: &Path, content: &mut impl Read, mode: u32) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = BufWriter::new(options.open(path)?);
    std::io::copy(content, &mut file)?;
    let file = file
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    file.sync_all()
}
