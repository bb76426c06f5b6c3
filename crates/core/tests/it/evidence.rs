//! Evidence packages: built from synthetic task events, checked offline; a changed event,
//! a removed event, a swapped PDF and re-chained JSON each fail with a precise finding.

use std::io::{Read as _, Write as _};

use signet_core::ca::{init_hierarchies, trust_material};
use signet_core::contracts::evidence::{
    self, EVIDENCE_JSON, EVIDENCE_PDF, EvidenceEvent, EvidenceInput, EvidenceJson, EvidenceKind,
    SIGNED_PDF, canonical_hash, sha256_hex,
};
use signet_core::platform::clock::Clock as _;
use signet_pdf::document::{Block, TextDocument, render};

use crate::platform;

fn contract(text: &str) -> Vec<u8> {
    render(
        &TextDocument {
            title: "劳动合同".into(),
            blocks: vec![Block::Paragraph(text.into())],
        },
        None,
    )
    .unwrap()
}

fn event(
    kind: EvidenceKind,
    at: i64,
    before: Option<&[u8]>,
    after: Option<&[u8]>,
) -> EvidenceEvent {
    EvidenceEvent {
        kind,
        at,
        actor: "张*丰".into(),
        phone: Some("13912345678".into()),
        ip: Some("203.0.113.7".into()),
        user_agent: Some("Mozilla/5.0 (iPhone) Safari".into()),
        hash_before: before.map(sha256_hex),
        hash_after: after.map(sha256_hex),
        detail: None,
    }
}

/// A launched, viewed, confirmed, signed and completed document.
fn input(now: i64) -> EvidenceInput {
    let launched = contract("甲方与乙方订立本合同。");
    let signed = contract("甲方与乙方订立本合同。（已签）");
    let completed = contract("甲方与乙方订立本合同。（已签，已完成）");
    EvidenceInput {
        task_id: "task-1".into(),
        task_title: "2027 年劳动合同".into(),
        document_id: "doc-1".into(),
        document_name: "劳动合同.pdf".into(),
        signed_pdf: completed.clone(),
        events: vec![
            event(EvidenceKind::Launch, now - 500, None, Some(&launched)),
            event(EvidenceKind::View, now - 400, None, None),
            event(EvidenceKind::SmsSent, now - 300, None, None),
            event(EvidenceKind::IntentConfirmed, now - 200, None, None),
            event(
                EvidenceKind::Signed,
                now - 100,
                Some(&launched),
                Some(&signed),
            ),
            event(
                EvidenceKind::Completed,
                now,
                Some(&signed),
                Some(&completed),
            ),
        ],
    }
}

fn unzip(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            (file.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer
            .start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The package with `evidence.json` (parsed) changed by `edit`, re-serialised as built.
fn with_json(zip: &[u8], edit: impl FnOnce(&mut EvidenceJson)) -> Vec<u8> {
    let mut files = unzip(zip);
    let (_, bytes) = files
        .iter_mut()
        .find(|(name, _)| name == EVIDENCE_JSON)
        .unwrap();
    let mut json: EvidenceJson = serde_json::from_slice(bytes).unwrap();
    edit(&mut json);
    *bytes = serde_json::to_vec_pretty(&json).unwrap();
    rezip(&files)
}

fn failures(check: &evidence::EvidenceCheck) -> Vec<String> {
    check.failures().map(|f| f.en.clone()).collect()
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one tampering after another, each checked"
)]
async fn a_package_passes_offline_and_each_tampering_is_named() {
    let test = platform().await;
    let platform = &test.platform;
    init_hierarchies(platform, "http://127.0.0.1:8080")
        .await
        .unwrap();
    let now = platform.clock.now();
    let roots = trust_material(platform).await.unwrap().roots;
    let at = signet_core::ca::system_time(now);

    // Nothing to report is refused before anything is issued.
    let mut empty = input(now);
    empty.events.clear();
    let refused = evidence::build(platform, empty).await.unwrap_err();
    assert!(format!("{refused}").contains("needs events"), "{refused}");

    let zip = evidence::build(platform, input(now)).await.unwrap();
    let files = unzip(&zip);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [SIGNED_PDF, EVIDENCE_JSON, EVIDENCE_PDF, "certificates.pem"]
    );
    let json: EvidenceJson = serde_json::from_slice(&files[1].1).unwrap();
    // Linked: each prev is the digest of the entry before (the header's for the first).
    assert_eq!(json.events[0].prev, canonical_hash(&json.task));
    for pair in json.events.windows(2) {
        assert_eq!(pair[1].prev, canonical_hash(&pair[0]));
    }
    assert_eq!(json.head, canonical_hash(json.events.last().unwrap()));
    // Masked whatever was given.
    assert_eq!(json.events[0].phone.as_deref(), Some("139****5678"));

    let good = evidence::check(&zip, roots.clone(), at);
    assert!(good.ok, "{:?}", good.findings);
    assert!(!good.trust_from_package);
    assert_eq!(good.events, 6);
    // Without a trust anchor the package's own root is used, and said so.
    let carried = evidence::check(&zip, Vec::new(), at);
    assert!(
        carried.ok && carried.trust_from_package,
        "{:?}",
        carried.findings
    );
    // The report is signed under a one-off platform certificate and timestamped (B-T).
    let report = signet_pdf::verify_pdf(
        &files[2].1,
        &signet_pdf::VerifyOptions {
            trust_roots: roots.clone(),
            now: at,
            other_certificates: trust_material(platform).await.unwrap().others,
        },
    )
    .unwrap();
    assert!(report.all_valid);
    assert_eq!(report.signatures[0].level, Some(signet_pdf::Level::BT));
    assert_eq!(
        report.signatures[0]
            .certificate
            .as_ref()
            .and_then(|c| c.common_name.as_deref()),
        Some(evidence::SIGNER_NAME)
    );

    // A changed event: the IP of event 3.
    let changed = with_json(&zip, |json| {
        json.events[2].ip = Some("198.51.100.1".into());
    });
    let verdict = evidence::check(&changed, roots.clone(), at);
    assert!(!verdict.ok);
    let failed = failures(&verdict);
    assert!(
        failed
            .iter()
            .any(|f| f.starts_with("Event #3 (SmsSent) was altered")),
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .any(|f| f.contains("does not match the signed report")),
        "{failed:?}"
    );

    // A removed event: event 4.
    let removed = with_json(&zip, |json| {
        json.events.remove(3);
    });
    let failed = failures(&evidence::check(&removed, roots.clone(), at));
    assert!(
        failed
            .iter()
            .any(|f| f.starts_with("Event #4 is missing (removed)")),
        "{failed:?}"
    );

    // The last event removed: the chain's head no longer matches.
    let cut = with_json(&zip, |json| {
        json.events.pop();
    });
    let failed = failures(&evidence::check(&cut, roots.clone(), at));
    assert!(
        failed
            .iter()
            .any(|f| f.contains("events after it were removed")),
        "{failed:?}"
    );

    // Re-chained after an edit: the chain holds, but the signed report names other data.
    let rechained = with_json(&zip, |json| {
        json.events[1].actor = "李*".into();
        let mut prev = canonical_hash(&json.task);
        for entry in &mut json.events {
            entry.prev = prev;
            prev = canonical_hash(&*entry);
        }
        json.head = prev;
    });
    let verdict = evidence::check(&rechained, roots.clone(), at);
    let failed = failures(&verdict);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains("does not match the signed report"));

    // A swapped PDF.
    let mut swapped = unzip(&zip);
    swapped[0].1 = contract("另一份合同");
    let failed = failures(&evidence::check(&rezip(&swapped), roots.clone(), at));
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].starts_with("signed.pdf does not match the evidence"),
        "{failed:?}"
    );

    // A report changed after signing (one byte of its text stream).
    let mut altered = unzip(&zip);
    let middle = altered[2].1.len() / 3;
    altered[2].1[middle] ^= 0x01;
    let failed = failures(&evidence::check(&rezip(&altered), roots.clone(), at));
    assert!(
        failed
            .iter()
            .any(|f| f.contains("report")
                && (f.contains("not valid") || f.contains("cannot be read"))),
        "{failed:?}"
    );

    // Not a package at all, or one with a file missing.
    assert!(!evidence::check(b"not a zip", roots.clone(), at).ok);
    let partial = rezip(&unzip(&zip)[..2]);
    let failed = failures(&evidence::check(&partial, roots, at));
    assert!(failed[0].contains("incomplete"), "{failed:?}");
}
