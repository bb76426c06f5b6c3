//! Writes the OpenAPI document of `/api/v1` to the file named as the first argument (stdout when
//! none), without starting a server: `cargo xtask openapi` turns it into the web app's types.

use std::io::Write as _;

fn main() -> std::io::Result<()> {
    let document = signet_server::openapi_json();
    match std::env::args_os().nth(1) {
        Some(path) => std::fs::write(path, document),
        None => std::io::stdout().write_all(document.as_bytes()),
    }
}
