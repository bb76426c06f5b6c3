//! What changed after a signed revision, sorted into allowed (signatures, DSS, timestamps) and
//! disallowed (content, pages, other annotations, anything else).

use std::collections::{BTreeSet, HashSet};

use lopdf::{Dictionary, Object, ObjectId};

use crate::reader::{MAX_DEPTH, Pdf};

/// The changes found.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Changes {
    /// Allowed: later signatures, DSS, document timestamps.
    pub allowed: Vec<String>,
    /// Everything else, named.
    pub disallowed: Vec<String>,
}

fn name(dict: &Dictionary, key: &[u8]) -> Option<Vec<u8>> {
    dict.get(key)
        .ok()
        .and_then(|v| v.as_name().ok())
        .map(<[u8]>::to_vec)
}

fn as_dict(object: &Object) -> Option<&Dictionary> {
    match object {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// Objects reachable from `start` (bounded), walked by reference: copying each object on the
/// way cost a riding-sealed file's verification most of its time (each slice walks every later
/// slice's field and appearance).
fn reachable<'a>(pdf: &'a Pdf, start: &'a [Object], limit: usize) -> HashSet<ObjectId> {
    let mut seen = HashSet::new();
    let mut stack: Vec<(&'a Object, usize)> = start.iter().map(|o| (o, 0)).collect();
    while let Some((object, depth)) = stack.pop() {
        if depth > MAX_DEPTH * 4 || seen.len() > limit {
            break;
        }
        match object {
            Object::Reference(id) => {
                if seen.insert(*id)
                    && let Ok(target) = pdf.document.get_object(*id)
                {
                    stack.push((target, depth + 1));
                }
            }
            Object::Array(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            Object::Dictionary(dict) => {
                stack.extend(
                    dict.iter()
                        .filter(|(k, _)| k.as_slice() != b"Parent" && k.as_slice() != b"P")
                        .map(|(_, v)| (v, depth + 1)),
                );
            }
            Object::Stream(stream) => {
                stack.extend(stream.dict.iter().map(|(_, v)| (v, depth + 1)));
            }
            _ => {}
        }
    }
    seen
}

fn is_signature_widget(pdf: &Pdf, id: ObjectId) -> bool {
    let Ok(dict) = pdf.dict(id) else { return false };
    let own = name(dict, b"FT").is_some_and(|n| n == b"Sig");
    let parent = dict
        .get(b"Parent")
        .and_then(Object::as_reference)
        .ok()
        .and_then(|p| pdf.dict(p).ok())
        .is_some_and(|p| name(p, b"FT").is_some_and(|n| n == b"Sig"));
    own || parent
}

fn references(object: Option<&Object>, pdf: &Pdf) -> Vec<ObjectId> {
    object
        .and_then(|o| pdf.resolve(o).ok())
        .and_then(|o| o.as_array().ok())
        .map(|a| a.iter().filter_map(|i| i.as_reference().ok()).collect())
        .unwrap_or_default()
}

/// Keys of two dictionaries whose values differ, outside `ignored`.
fn differing(old: &Dictionary, new: &Dictionary, ignored: &[&[u8]]) -> Vec<String> {
    let keys: BTreeSet<&Vec<u8>> = old
        .iter()
        .map(|(k, _)| k)
        .chain(new.iter().map(|(k, _)| k))
        .collect();
    keys.into_iter()
        .filter(|k| !ignored.contains(&k.as_slice()))
        .filter(|k| old.get(k).ok() != new.get(k).ok())
        .map(|k| format!("/{}", String::from_utf8_lossy(k)))
        .collect()
}

/// Compare the signed revision `old` with the final document `new`.
pub fn analyse(old: &Pdf, new: &Pdf) -> Changes {
    Final::new(new).analyse(old, None)
}

/// What the analysis needs of the final document, worked out once for all its signatures.
pub struct Final<'a> {
    new: &'a Pdf,
    pages: Option<Vec<ObjectId>>,
    catalog_id: Option<ObjectId>,
    /// Objects reachable from the catalog.
    live: HashSet<ObjectId>,
}

impl<'a> Final<'a> {
    /// The final document `new`.
    #[must_use]
    pub fn new(new: &'a Pdf) -> Self {
        let live = new
            .document
            .trailer
            .get(b"Root")
            .map(|r| reachable(new, std::slice::from_ref(r), 5_000_000))
            .unwrap_or_default();
        Self {
            new,
            pages: new.pages().ok(),
            catalog_id: new.catalog_id().ok(),
            live,
        }
    }

    /// Compare the signed revision `old` with the final document. `newer` names the objects
    /// (by number) that later revisions wrote, when known: every other object is the same in
    /// both and is not looked at. `None` compares every object.
    #[must_use]
    pub fn analyse(&self, old: &Pdf, newer: Option<&BTreeSet<u32>>) -> Changes {
        let new = self.new;
        let objects: Vec<(&ObjectId, &Object)> = match newer {
            None => new.document.objects.iter().collect(),
            Some(numbers) => numbers
                .iter()
                .flat_map(|n| new.document.objects.range((*n, 0)..=(*n, u16::MAX)))
                .collect(),
        };
        compare(old, self, &objects)
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one decision table over every kind of changed object"
)]
fn compare(old: &Pdf, last: &Final<'_>, objects: &[(&ObjectId, &Object)]) -> Changes {
    let new = last.new;
    let mut changes = Changes::default();
    let (Ok(old_pages), Some(new_pages)) = (old.pages(), last.pages.as_ref()) else {
        changes.disallowed.push("page tree unreadable".into());
        return changes;
    };
    if &old_pages != new_pages {
        changes.disallowed.push(format!(
            "pages added, removed or reordered ({} pages signed, {} now)",
            old_pages.len(),
            new_pages.len()
        ));
    }
    let page_of = |id: ObjectId| old_pages.iter().position(|p| *p == id).map(|i| i + 1);
    // Which page each content stream draws, needed only when a content stream changed.
    let content_page = std::cell::OnceCell::new();
    let content_page = || {
        content_page.get_or_init(|| {
            let mut map = std::collections::HashMap::new();
            for (index, page) in old_pages.iter().enumerate() {
                for id in old.document.get_page_contents(*page) {
                    map.insert(id, index + 1);
                }
            }
            map
        })
    };
    let catalog_id = last.catalog_id;
    let old_form = old
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|f| f.as_reference().ok());
    // New objects hanging from new signature fields or the DSS are allowed.
    let mut allowed_roots = Vec::new();
    for &(id, object) in objects {
        if old.document.objects.contains_key(id) {
            continue;
        }
        if let Some(dict) = as_dict(object) {
            let kind = name(dict, b"Type");
            if is_signature_widget(new, *id) || kind.as_deref() == Some(b"DSS") {
                allowed_roots.push(Object::Reference(*id));
            }
        }
    }
    let allowed = reachable(new, &allowed_roots, 1_000_000);
    let live = &last.live;
    for &(id, object) in objects {
        let kind = as_dict(object).and_then(|d| name(d, b"Type"));
        if matches!(kind.as_deref(), Some(b"XRef" | b"ObjStm")) {
            continue;
        }
        let label = |what: &str| {
            format!(
                "object {} {}{}: {what}",
                id.0,
                id.1,
                kind.as_ref()
                    .map(|k| format!(" (/{})", String::from_utf8_lossy(k)))
                    .unwrap_or_default()
            )
        };
        let Some(before) = old.document.objects.get(id) else {
            if allowed.contains(id) {
                if is_signature_widget(new, *id) {
                    changes.allowed.push(label("signature field added"));
                } else if kind.as_deref() == Some(b"DSS") {
                    changes.allowed.push(label("document security store added"));
                }
            } else if live.contains(id) {
                changes.disallowed.push(label("added"));
            }
            continue;
        };
        if before == object {
            continue;
        }
        let (Some(old_dict), Some(new_dict)) = (as_dict(before), as_dict(object)) else {
            // Arrays: only signature widgets/fields may be appended.
            if let (Object::Array(a), Object::Array(b)) = (before, object)
                && b.starts_with(a)
                && b[a.len()..]
                    .iter()
                    .all(|i| i.as_reference().is_ok_and(|r| is_signature_widget(new, r)))
            {
                changes.allowed.push(label("signature fields appended"));
            } else {
                changes.disallowed.push(label("modified"));
            }
            continue;
        };
        if Some(*id) == catalog_id {
            let mut keys = differing(old_dict, new_dict, &[b"AcroForm", b"DSS"]);
            if let (Ok(Object::Dictionary(a)), Ok(Object::Dictionary(b))) =
                (old_dict.get(b"AcroForm"), new_dict.get(b"AcroForm"))
            {
                keys.extend(
                    differing(a, b, &[b"Fields", b"SigFlags"])
                        .into_iter()
                        .map(|k| format!("/AcroForm {k}")),
                );
            }
            if keys.is_empty() {
                changes.allowed.push(label("form or DSS reference updated"));
            } else {
                changes
                    .disallowed
                    .push(label(&format!("catalog changed: {}", keys.join(", "))));
            }
        } else if let Some(page) = page_of(*id) {
            let keys = differing(old_dict, new_dict, &[b"Annots"]);
            let old_annots = references(old_dict.get(b"Annots").ok(), old);
            let new_annots = references(new_dict.get(b"Annots").ok(), new);
            let added_ok = new_annots.starts_with(&old_annots)
                && new_annots[old_annots.len()..]
                    .iter()
                    .all(|a| is_signature_widget(new, *a));
            if !keys.is_empty() {
                changes
                    .disallowed
                    .push(format!("page {page}: {} changed", keys.join(", ")));
            } else if added_ok {
                changes
                    .allowed
                    .push(format!("page {page}: signature widget added"));
            } else {
                changes.disallowed.push(format!(
                    "page {page}: annotations other than signature widgets changed"
                ));
            }
        } else if Some(*id) == old_form {
            let keys = differing(old_dict, new_dict, &[b"Fields", b"SigFlags"]);
            if keys.is_empty() {
                changes.allowed.push(label("signature fields registered"));
            } else {
                changes
                    .disallowed
                    .push(label(&format!("form changed: {}", keys.join(", "))));
            }
        } else if is_signature_widget(old, *id)
            && !old_dict.has(b"V")
            && differing(old_dict, new_dict, &[b"V", b"AP"]).is_empty()
        {
            changes.allowed.push(label("empty signature field signed"));
        } else if kind.as_deref() == Some(b"DSS") {
            changes
                .allowed
                .push(label("document security store updated"));
        } else if let Some(page) = content_page().get(id) {
            changes.disallowed.push(format!(
                "page {page}: content stream {} {} modified",
                id.0, id.1
            ));
        } else {
            changes.disallowed.push(label("modified"));
        }
    }
    changes
}
