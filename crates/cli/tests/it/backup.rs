//! `signet backup` / `signet restore` from the command line: a backup of an initialised data
//! directory restores into a fresh one where `signet audit verify` passes; a wrong passphrase, a
//! truncated file and a flipped byte are each refused with a clear message, writing nothing.

use std::path::Path;
use std::process::{Command, Output};

use signet_core::testing::{fresh_database_url, s3_blob_url, sandbox_config};

use crate::text;

fn signet_with(data: &Path, database_url: Option<&str>, passphrase: &str, args: &[&str]) -> Output {
    signet_on(data, database_url, None, passphrase, args)
}

/// [`signet_with`] with the blob store at `blob_url` (`SIGNET_BLOB_URL`) when given.
fn signet_on(
    data: &Path,
    database_url: Option<&str>,
    blob_url: Option<&str>,
    passphrase: &str,
    args: &[&str],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signet"));
    command.env_remove("SIGNET_BLOB_URL");
    if let Some(url) = blob_url {
        command.env("SIGNET_BLOB_URL", url);
    }
    command
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("SIGNET_BACKUP_PASSPHRASE", passphrase)
        .env("RUST_LOG", "warn");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command.output().unwrap()
}

#[tokio::test]
async fn backup_restores_into_a_fresh_directory_and_bad_files_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let config = sandbox_config(&data).await;
    let url = config.database_url.clone();
    let pass = "correct horse battery staple";
    let init = signet_with(&data, url.as_deref(), pass, &["init", "--demo"]);
    assert!(init.status.success(), "{}", text(&init));

    let file = dir.path().join("signet.backup");
    let out = file.to_str().unwrap();
    let made = signet_with(
        &data,
        url.as_deref(),
        pass,
        &["backup", "--out", out, "--with-secrets"],
    );
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("backup written"), "{}", text(&made));
    // Never over an existing file.
    let again = signet_with(&data, url.as_deref(), pass, &["backup", "--out", out]);
    assert!(!again.status.success());
    assert!(text(&again).contains("exists"), "{}", text(&again));

    // Each bad input: a clear error, and the target directory never appears.
    let target = dir.path().join("restored");
    let fresh = fresh_database_url().await;
    let target_url = fresh.as_deref();
    let bytes = std::fs::read(&file).unwrap();
    let truncated = dir.path().join("truncated.backup");
    std::fs::write(&truncated, &bytes[..bytes.len() - 40]).unwrap();
    let corrupt = dir.path().join("corrupt.backup");
    let mut flipped = bytes.clone();
    // A byte inside the first frame's ciphertext (after the 66-byte header and its length).
    flipped[100] ^= 0x20;
    std::fs::write(&corrupt, &flipped).unwrap();
    for (path, passphrase, says) in [
        (&file, "wrong passphrase!!", "wrong passphrase"),
        (&truncated, pass, "cut short"),
        (&corrupt, pass, "damaged"),
    ] {
        let refused = signet_with(
            &target,
            target_url,
            passphrase,
            &["restore", path.to_str().unwrap()],
        );
        assert!(!refused.status.success(), "{says}");
        assert!(text(&refused).contains(says), "{says}: {}", text(&refused));
        assert!(
            text(&refused).contains("nothing was written"),
            "{}",
            text(&refused)
        );
        assert!(!target.exists(), "{says}: the target was written");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains("restoring"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    let restored = signet_with(&target, target_url, pass, &["restore", out]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(target.join("secrets").join("master.key").exists());
    let verify = signet_with(&target, target_url, pass, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(
        text(&verify).contains("audit log intact"),
        "{}",
        text(&verify)
    );
    // Restoring over a directory that is not empty is refused.
    let twice = signet_with(&target, target_url, pass, &["restore", out]);
    assert!(!twice.status.success());
    assert!(text(&twice).contains("not empty"), "{}", text(&twice));
}

/// The blob count a `signet backup` reports ("… 12 blobs …").
fn blobs_reported(output: &Output) -> usize {
    let said = text(output);
    let at = said
        .find(" blobs")
        .unwrap_or_else(|| panic!("no blob count in {said}"));
    said[..at]
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no blob count in {said}"))
}

#[tokio::test]
async fn a_restore_for_a_server_on_a_bucket_puts_the_blobs_in_the_bucket() {
    let Some(bucket) = s3_blob_url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let config = sandbox_config(&data).await;
    let url = config.database_url.clone();
    let pass = "correct horse battery staple";
    let init = signet_with(&data, url.as_deref(), pass, &["init", "--demo"]);
    assert!(init.status.success(), "{}", text(&init));
    let file = dir.path().join("signet.backup");
    let out = file.to_str().unwrap();
    let made = signet_with(
        &data,
        url.as_deref(),
        pass,
        &["backup", "--out", out, "--with-secrets"],
    );
    assert!(made.status.success(), "{}", text(&made));
    let blobs = blobs_reported(&made);
    assert!(blobs > 0, "the demo has blobs: {}", text(&made));

    // Restored for a server whose blobs live in the bucket: they go there, none stays local.
    let target = dir.path().join("restored");
    let fresh = fresh_database_url().await;
    let restored = signet_on(
        &target,
        fresh.as_deref(),
        Some(&bucket),
        pass,
        &["restore", out],
    );
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(
        text(&restored).contains(&format!("copied {blobs} blobs")),
        "{}",
        text(&restored)
    );
    assert!(!target.join("blobs").exists());
    // A backup of the restored server, reading the bucket, finds every blob.
    let again = dir.path().join("again.backup");
    let second = signet_on(
        &target,
        fresh.as_deref(),
        Some(&bucket),
        pass,
        &["backup", "--out", again.to_str().unwrap()],
    );
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(blobs_reported(&second), blobs, "{}", text(&second));
}
