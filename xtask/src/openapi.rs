//! `cargo xtask openapi`: the web app's API types (`web/src/api/schema.d.ts`) generated from the
//! server's OpenAPI document, and the check `cargo xtask test` runs that they are not stale.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use crate::shell::{self, cargo};

/// The generated file, relative to the workspace root.
pub const SCHEMA: &str = "web/src/api/schema.d.ts";

/// Writes the OpenAPI document and the TypeScript types generated from it.
pub fn command(root: &Path) -> anyhow::Result<()> {
    let target = root.join(SCHEMA);
    generate(root, &target)?;
    println!("wrote {}", target.display());
    Ok(())
}

/// Generates the types into a temporary file and fails when they differ from the committed ones.
pub fn check(root: &Path) -> anyhow::Result<String> {
    let fresh = scratch_dir(root).join("schema.d.ts");
    generate(root, &fresh)?;
    let want = std::fs::read_to_string(&fresh).context("reading the generated types")?;
    let have = std::fs::read_to_string(root.join(SCHEMA)).unwrap_or_default();
    if want != have {
        bail!(
            "{SCHEMA} is stale: the server's OpenAPI document changed; run `cargo xtask openapi` and commit the result"
        );
    }
    Ok("up to date".into())
}

fn scratch_dir(root: &Path) -> PathBuf {
    let dir = shell::target_dir(root).join("xtask-openapi");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The server prints its document (no running server needed); `openapi-typescript` turns it into
/// types at `out`.
fn generate(root: &Path, out: &Path) -> anyhow::Result<()> {
    let document = scratch_dir(root).join("openapi.json");
    shell::run(
        cargo()
            .args([
                "run",
                "--quiet",
                "--locked",
                "-p",
                "signet-server",
                "--example",
                "openapi",
                "--",
            ])
            .arg(&document)
            .current_dir(root),
    )?;
    let web = root.join("web");
    shell::run(
        Command::new("npx")
            .args(["--no-install", "openapi-typescript"])
            .arg(&document)
            .arg("--output")
            .arg(out)
            .current_dir(&web),
    )
}
