//! `signet verify --evidence FILE.zip`: a package built by the platform passes offline with a
//! clear verdict (exit 0); a swapped PDF fails naming the mismatch (exit 1).

use std::io::{Read as _, Write as _};

use signet_core::Platform;
use signet_core::contracts::evidence::{self, EvidenceEvent, EvidenceInput, EvidenceKind};
use signet_core::platform::clock::Clock as _;
use signet_core::testing::sandbox_config;

use crate::{signet, text};

fn event(kind: EvidenceKind, at: i64, after: Option<&[u8]>) -> EvidenceEvent {
    EvidenceEvent {
        kind,
        at,
        actor: "测试科技有限公司".into(),
        phone: Some("13912345678".into()),
        ip: Some("192.0.2.10".into()),
        user_agent: Some("Mozilla/5.0".into()),
        hash_before: None,
        hash_after: after.map(evidence::sha256_hex),
        detail: Some("乙方".into()),
    }
}

#[tokio::test]
async fn verify_evidence_passes_a_package_and_names_a_swapped_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let platform = Platform::open(&config).await.unwrap();
    signet_core::ca::init_hierarchies(&platform, "http://127.0.0.1:8080")
        .await
        .unwrap();
    let pdf = b"%PDF-1.7 stand-in for a completed contract".to_vec();
    let now = platform.clock.now();
    let zip = evidence::build(
        &platform,
        EvidenceInput {
            task_id: "task-9".into(),
            task_title: "采购合同".into(),
            document_id: "doc-9".into(),
            document_name: "采购合同.pdf".into(),
            signed_pdf: pdf.clone(),
            events: vec![
                event(EvidenceKind::Launch, now - 60, None),
                event(EvidenceKind::Signed, now - 30, Some(&pdf)),
                event(EvidenceKind::Completed, now, Some(&pdf)),
            ],
        },
    )
    .await
    .unwrap();
    let good = dir.path().join("evidence.zip");
    std::fs::write(&good, &zip).unwrap();
    let args = ["verify", "--evidence", good.to_str().unwrap()];
    let passed = signet(dir.path(), config.database_url.as_deref(), &args);
    assert!(passed.status.success(), "{}", text(&passed));
    assert!(
        text(&passed).contains("证据包完整有效"),
        "{}",
        text(&passed)
    );
    assert!(
        text(&passed).contains("哈希链完整：3 条事件记录"),
        "{}",
        text(&passed)
    );

    // The same package with another PDF in it.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        if name == evidence::SIGNED_PDF {
            bytes = b"%PDF-1.7 another contract".to_vec();
        }
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(&bytes).unwrap();
    }
    let swapped = dir.path().join("swapped.zip");
    std::fs::write(&swapped, writer.finish().unwrap().into_inner()).unwrap();
    let args = ["verify", "--evidence", swapped.to_str().unwrap()];
    let failed = signet(dir.path(), config.database_url.as_deref(), &args);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(
        text(&failed).contains("signed.pdf does not match the evidence"),
        "{}",
        text(&failed)
    );
    assert!(
        text(&failed).contains("证据包未通过核验"),
        "{}",
        text(&failed)
    );
}
