//! Lean loading holds the file once: stream data stays in the file bytes (whether `/Length`
//! is direct or not), and a signature's padding, blanked for the parse, is back in the file
//! and in the parsed `/Contents` afterwards.

use lopdf::Object;
use signet_pdf::Level;
use signet_pdf::reader::{load, load_lean};

use crate::signing::{Step, sign_step};
use crate::support::{fixture, fixture_pdf};

#[test]
fn lean_load_leaves_stream_data_in_the_file_and_gives_the_contents_as_written() {
    let f = fixture();
    let signed = sign_step(
        &fixture_pdf("libreoffice-contract10.pdf"),
        &Step {
            who: &f.alice,
            level: Level::BT,
            seal_page: None,
            riding: None,
        },
    );
    let lean = load_lean(signed.clone()).unwrap();
    let full = load(signed.clone()).unwrap();
    // The bytes are the file's, padding included.
    assert!(lean.bytes == signed, "the file bytes changed");
    // Same objects, but no stream data held: each stream's data is read from the file and is
    // what a full parse holds.
    assert_eq!(lean.document.objects.len(), full.document.objects.len());
    let mut streams = 0;
    for (id, object) in &full.document.objects {
        let lean_object = lean.document.objects.get(id).unwrap();
        match (object, lean_object) {
            (Object::Stream(whole), Object::Stream(left)) => {
                if whole.dict.has_type(b"ObjStm") || whole.dict.has_type(b"XRef") {
                    continue;
                }
                streams += 1;
                assert!(
                    left.content.len() < 64,
                    "stream {id:?} holds {} bytes",
                    left.content.len()
                );
                assert_eq!(
                    lean.stream_data(left).unwrap().as_ref(),
                    whole.content.as_slice(),
                    "stream {id:?}"
                );
            }
            (whole, left) => assert!(whole == left, "object {id:?} differs"),
        }
    }
    assert!(streams > 10, "{streams} streams");
    // The signature's /Contents is the whole reservation, zeros included.
    let found = signet_pdf::signatures::find_signatures(&lean).unwrap();
    let range = &found[0].byte_range;
    let hole = usize::try_from(range[2] - range[1] - 2).unwrap();
    let contents = lean
        .dict(found[0].dictionary)
        .unwrap()
        .get(b"Contents")
        .unwrap()
        .as_str()
        .unwrap();
    assert_eq!(contents.len(), hole / 2);
    assert!(contents.len() > found[0].contents.len() + 256);
}
