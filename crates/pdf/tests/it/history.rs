//! Rewinding revisions through the cross-reference sections finds exactly what parsing each
//! signed revision from the start of the file found, on our files and on updates lopdf writes.

use signet_pdf::Level;
use signet_pdf::reader::{bytes_parsed, find, load_lean};
use signet_pdf::verify::changes::Final;
use signet_pdf::verify::history::{later_changes, prefix_changes};

use crate::signing::{Step, sign_step};
use crate::support::{fixture, fixture_pdf};

/// Ends of every revision but the last.
fn earlier_ends(bytes: &[u8]) -> Vec<Option<usize>> {
    let mut ends = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"%%EOF") {
        let mut end = at + found + 5;
        while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
            end += 1;
        }
        ends.push(Some(end));
        at = end;
    }
    ends.pop();
    ends
}

fn same_as_parsing_each_revision(bytes: &[u8]) -> usize {
    let pdf = load_lean(bytes.to_vec()).unwrap();
    let ends = earlier_ends(bytes);
    let before = bytes_parsed();
    let rewound = later_changes(&pdf, &ends);
    let parsed = bytes_parsed() - before;
    // Rewound, not parsed again: only the objects later revisions replaced are read.
    assert!(
        parsed < bytes.len() as u64 / 2,
        "rewinding parsed {parsed} bytes of a {}-byte file",
        bytes.len()
    );
    let last = Final::new(&pdf);
    for (end, changes) in ends.iter().zip(&rewound) {
        let end = end.unwrap();
        let parsed = prefix_changes(&pdf, end, &last);
        assert_eq!(
            format!(
                "{:?}",
                changes
                    .as_ref()
                    .unwrap()
                    .as_ref()
                    .map_err(ToString::to_string)
            ),
            format!("{:?}", parsed.map_err(|e| e.to_string())),
            "revision ending at {end}"
        );
    }
    ends.len()
}

#[test]
fn rewound_revisions_match_parsed_ones_for_riding_seals_and_every_level() {
    let f = fixture();
    let one = sign_step(
        &fixture_pdf("libreoffice-contract10.pdf"),
        &Step {
            who: &f.alice,
            level: Level::BLTA,
            seal_page: Some(10),
            riding: Some((1, 10)),
        },
    );
    let two = sign_step(
        &one,
        &Step {
            who: &f.bob,
            level: Level::BT,
            seal_page: Some(2),
            riding: None,
        },
    );
    assert!(same_as_parsing_each_revision(&two) >= 13);
}

#[test]
fn rewound_revisions_match_parsed_ones_after_a_foreign_update() {
    let f = fixture();
    let signed = sign_step(
        &fixture_pdf("chromium-contract10.pdf"),
        &Step {
            who: &f.alice,
            level: Level::BT,
            seal_page: Some(1),
            riding: None,
        },
    );
    // lopdf appends a revision that rewrites page 3's content and adds an object.
    let mut document = lopdf::Document::load_mem(&signed).unwrap();
    let page = *document.get_pages().get(&3).unwrap();
    let content = document.add_object(lopdf::Stream::new(
        lopdf::Dictionary::new(),
        b"BT /F1 12 Tf 100 100 Td (PAID) Tj ET".to_vec(),
    ));
    let mut incremental = lopdf::IncrementalDocument::create_from(signed.clone(), document.clone());
    incremental
        .new_document
        .set_object(content, document.get_object(content).unwrap().clone());
    incremental.opt_clone_object_to_new_document(page).unwrap();
    incremental
        .new_document
        .get_dictionary_mut(page)
        .unwrap()
        .set("Contents", lopdf::Object::Reference(content));
    let mut tampered = Vec::new();
    incremental.save_to(&mut tampered).unwrap();
    assert_eq!(same_as_parsing_each_revision(&tampered), 2);
}

#[test]
fn rewound_revisions_match_parsed_ones_with_object_and_cross_reference_streams() {
    let f = fixture();
    // The contract rewritten with its objects in object streams and a cross-reference stream.
    let mut document = lopdf::Document::load_mem(&fixture_pdf("chromium-contract10.pdf")).unwrap();
    let mut packed = Vec::new();
    document
        .save_with_options(
            &mut packed,
            lopdf::SaveOptions::builder()
                .use_object_streams(true)
                .use_xref_streams(true)
                .build(),
        )
        .unwrap();
    assert!(find(&packed, b"/ObjStm").is_some());
    let one = sign_step(
        &packed,
        &Step {
            who: &f.alice,
            level: Level::BT,
            seal_page: Some(1),
            riding: Some((1, 3)),
        },
    );
    let two = sign_step(
        &one,
        &Step {
            who: &f.bob,
            level: Level::BLTA,
            seal_page: None,
            riding: None,
        },
    );
    assert!(same_as_parsing_each_revision(&two) >= 5);
}
