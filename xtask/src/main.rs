//! `cargo xtask run | test | fuzz | bench`: the commands the README names.

mod agent;
mod architecture;
mod bench;
mod example_contracts;
mod example_outputs;
mod examples;
mod fuzz;
mod openapi;
mod pool;
mod prereqs;
mod run;
mod seaweed;
mod shell;
mod test;
mod tree;

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("run") => run::run(&root, &args[1..]),
        Some("test") => test::run(&root, &args[1..]),
        Some("fuzz") => fuzz::command(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("openapi") if args.iter().any(|a| a == "--check") => {
            openapi::check(&root).map(|note| println!("{}: {note}", openapi::SCHEMA))
        }
        Some("openapi") => openapi::command(&root),
        Some("examples") => examples::command(&root),
        Some("agent") => agent::build(&root).map(|note| println!("signet-agent: {note}")),
        Some("s3") => seaweed::serve(),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  run    build everything, prepare ./data with demo data, serve http://127.0.0.1:8080 (sandbox)\n  test   every test: Rust on SQLite and PostgreSQL, fuzz targets briefly, web unit tests, Playwright in Chromium\n  fuzz   [TARGET...] [--seconds N]: only the cargo-fuzz targets (csr, ocsp_request, tsa_request, pdf_reader) for 80 s in all, or N s each\n  openapi  [--check]: write web/src/api/schema.d.ts (the web app's API types) from the server's OpenAPI document, or only check it is current\n  examples  run the examples/ walkthroughs against a fresh `init --demo` sandbox server (needs a built signet)\n  s3     start SeaweedFS (weed server -s3) as the test command does and print the variables for `cargo test`; Enter stops it\n  agent  build the signet-agent downloads (Linux x86_64; Windows x86_64 with mingw-w64) into <target>/agent-dist\n  bench  [pdf|pki|contracts [ROWS]]: speed beside a reference (pyHanko, openssl) measured in the same run; contracts: bulk launch and signing beside the issue's goals"
            );
            std::process::exit(2);
        }
    }
}

/// The checkout xtask was run from: `cargo run` sets `CARGO_MANIFEST_DIR` for the process. The
/// compile-time value is only a fallback: with a build directory shared between clones, the
/// binary may have been linked for another checkout.
fn workspace_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
