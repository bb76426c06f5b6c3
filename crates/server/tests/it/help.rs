//! Help (issue 13): the key agent downloads with their checksums, and each channel's operation
//! manual as a real PDF with the user guide's pictures.

use reqwest::StatusCode;
use serde_json::Value;
use sha2::Digest as _;

use crate::support::app;

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[tokio::test]
async fn the_agent_downloads_are_served_with_the_size_and_sha256_of_what_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let linux = b"\x7fELF a pretend signet-agent build".repeat(1000);
    std::fs::write(dir.path().join("signet-agent-linux-x86_64"), &linux).unwrap();
    let app = app().agent_dir(dir.path()).start().await;

    let releases: Value = app
        .get("/api/v1/agent/releases")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(releases["version"], env!("CARGO_PKG_VERSION"));
    // Only what was built is offered.
    let builds = releases["builds"].as_array().unwrap();
    assert_eq!(builds.len(), 1, "{releases}");
    let build = &builds[0];
    assert_eq!(build["platform"], "linux-x86_64");
    assert_eq!(build["file_name"], "signet-agent");

    let response = app.get(build["url"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename=\"signet-agent\"")
    );
    let served = response.bytes().await.unwrap();
    assert_eq!(served.len() as u64, build["size"].as_u64().unwrap());
    assert_eq!(hex(&sha2::Sha256::digest(&served)), build["sha256"]);
    // The build itself, then the platform's origin for the agent to find (it needs no options).
    assert!(served.starts_with(&linux));
    assert!(served.ends_with(b"SIGNETAG"));
    let trailer = String::from_utf8_lossy(&served[linux.len()..]);
    assert!(
        trailer.contains(&format!("\"origin\":\"{}\"", app.base)),
        "{trailer}"
    );

    // A new build is picked up (and hashed again).
    std::fs::write(
        dir.path().join("signet-agent-windows-x86_64.exe"),
        b"MZ pretend",
    )
    .unwrap();
    let releases: Value = app
        .get("/api/v1/agent/releases")
        .await
        .json()
        .await
        .unwrap();
    let windows = releases["builds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["platform"] == "windows-x86_64")
        .cloned()
        .expect("the Windows build is offered");
    assert_eq!(windows["file_name"], "signet-agent.exe");
    let served = app
        .get(windows["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(hex(&sha2::Sha256::digest(&served)), windows["sha256"]);

    // Nothing else in the folder, and no path tricks, is served.
    std::fs::write(dir.path().join("secret.txt"), b"no").unwrap();
    for path in [
        "/downloads/secret.txt",
        "/downloads/..%2Fsecret.txt",
        "/downloads/signet-agent-macos",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_server_without_builds_offers_none() {
    let app = app().start().await;
    let releases: Value = app
        .get("/api/v1/agent/releases")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(releases["builds"], serde_json::json!([]));
    assert_eq!(
        app.get("/downloads/signet-agent-linux-x86_64")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// Pages and pictures of a PDF.
fn pages_and_images(pdf: &[u8]) -> (usize, usize) {
    // The manual parses.
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let images = doc
        .objects
        .values()
        .filter(|object| {
            object.as_stream().is_ok_and(|stream| {
                stream
                    .dict
                    .get(b"Subtype")
                    .and_then(lopdf::Object::as_name)
                    .is_ok_and(|name| name == b"Image")
            })
        })
        .count();
    (doc.get_pages().len(), images)
}

#[tokio::test]
async fn each_channel_manual_is_a_pdf_with_the_guide_and_its_pictures() {
    let app = app().with_ca().start().await;
    signet_core::desk::demo::seed_catalog(&app.platform)
        .await
        .unwrap();
    let catalog: Value = app.get("/api/v1/catalog").await.json().await.unwrap();
    for project in catalog.as_array().unwrap() {
        let link = project["help"]["manual_url"].as_str().unwrap();
        assert!(link.starts_with("/manuals/"), "{link}");
        let response = app.get(link).await;
        assert_eq!(response.status(), StatusCode::OK, "{link}");
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let pdf = response.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let media: Vec<&str> = project["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["settings"]["medium"].as_str().unwrap())
            .collect();
        let usb = media.iter().any(|m| *m != "cloud");
        let cloud = media.contains(&"cloud");
        let (pages, images) = pages_and_images(&pdf);
        assert_eq!(
            images,
            signet_core::desk::manual::pictures_in(usb, cloud),
            "{link}: every picture of its chapters, once"
        );
        assert!(pages >= 3, "{link}: {pages} pages");
        // Its own introduction is in it (the title is the channel's).
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Title"), "{link}");
    }
    // The USB-key channel's manual has the key agent chapter's picture; the cloud one not.
    assert!(
        signet_core::desk::manual::pictures_in(true, false)
            > signet_core::desk::manual::pictures_in(false, true)
    );
    assert_eq!(
        app.get("/manuals/no-such-channel.pdf").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/manuals/ggzy").await.status(),
        StatusCode::NOT_FOUND
    );
}
