//! What changed after a signed revision, sorted into allowed (signatures, DSS, timestamps) and
//! disallowed (content, pages, other annotations, anything else).

use std::collections::{BTreeSet, HashMap, HashSet};

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

fn name<'a>(dict: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    dict.get(key).ok().and_then(|v| v.as_name().ok())
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
    walk(pdf, start, limit, MAX_DEPTH * 4, &mut seen);
    seen
}

/// Whether a walk saw everything reachable or was cut short by a bound.
enum Walk {
    Whole,
    Cut,
}

/// Add to `seen` (closed under what it reaches) what `start` reaches. A walk that comes near
/// a bound says so: the caller then walks from every root again, as [`reachable`] always did.
fn reachable_more(pdf: &Pdf, start: &[Object], limit: usize, seen: &mut HashSet<ObjectId>) -> Walk {
    walk(pdf, start, limit / 2, MAX_DEPTH, seen)
}

fn walk<'a>(
    pdf: &'a Pdf,
    start: &'a [Object],
    limit: usize,
    deepest: usize,
    seen: &mut HashSet<ObjectId>,
) -> Walk {
    let mut stack: Vec<(&'a Object, usize)> = start.iter().map(|o| (o, 0)).collect();
    while let Some((object, depth)) = stack.pop() {
        if depth > deepest || seen.len() > limit {
            return Walk::Cut;
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
    Walk::Whole
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
        let objects = self.objects(newer);
        compare(old, self, &objects, None)
    }

    /// [`Final::analyse`] for the next older revision of a walk from the newest back, `memo`
    /// carrying each object's verdict from the revision analysed before: only the objects
    /// `rewound` (by number, since that revision) and those whose verdict read one of them are
    /// looked at again, so a revision costs what it changed (and its report's length).
    #[must_use]
    pub fn analyse_older(
        &self,
        old: &Pdf,
        newer: &BTreeSet<u32>,
        rewound: &BTreeSet<u32>,
        memo: &mut Memo,
    ) -> Changes {
        memo.forget(rewound);
        let objects = self.objects(Some(newer));
        compare(old, self, &objects, Some(memo))
    }

    fn objects(&self, newer: Option<&BTreeSet<u32>>) -> Vec<(&'a ObjectId, &'a Object)> {
        let objects = &self.new.document.objects;
        match newer {
            None => objects.iter().collect(),
            Some(numbers) => numbers
                .iter()
                .flat_map(|n| objects.range((*n, 0)..=(*n, u16::MAX)))
                .collect(),
        }
    }
}

/// One object's verdict.
#[derive(Clone)]
enum Verdict {
    Same,
    Allowed(String),
    Disallowed(String),
}

/// A verdict and what it read of the older revision besides the object itself.
struct Kept {
    verdict: Verdict,
    /// Other objects (by number) of the older revision the verdict read.
    reads: Vec<u32>,
    /// For an object the older revision does not have: whether it was reachable from the new
    /// signature fields and DSS.
    allowed: Option<bool>,
}

/// Verdicts carried from one revision to the next older one (see [`Final::analyse_older`]).
#[derive(Default)]
pub struct Memo {
    kept: HashMap<ObjectId, Kept>,
    /// The revision's page list and form reference the verdicts were made under.
    made_under: Option<(Vec<ObjectId>, Option<ObjectId>)>,
    /// Objects new since the revision that are signature fields or the DSS, and what is
    /// reachable from them (grown revision by revision while the roots only grow).
    roots: HashSet<ObjectId>,
    allowed: HashSet<ObjectId>,
}

impl Memo {
    /// Drop every verdict about or reading an object rewound.
    fn forget(&mut self, rewound: &BTreeSet<u32>) {
        if rewound.is_empty() {
            return;
        }
        self.kept.retain(|id, kept| {
            !rewound.contains(&id.0) && !kept.reads.iter().any(|n| rewound.contains(n))
        });
    }
}

/// What the verdicts of one revision share.
struct Revision<'p> {
    old: &'p Pdf,
    new: &'p Pdf,
    old_pages: &'p [ObjectId],
    old_form: Option<ObjectId>,
    catalog_id: Option<ObjectId>,
    allowed: &'p HashSet<ObjectId>,
    live: &'p HashSet<ObjectId>,
    /// Which page each content stream draws, needed only when a content stream changed.
    content_page: std::cell::OnceCell<HashMap<ObjectId, usize>>,
}

impl Revision<'_> {
    fn content_page(&self) -> &HashMap<ObjectId, usize> {
        self.content_page.get_or_init(|| {
            let mut map = HashMap::new();
            for (index, page) in self.old_pages.iter().enumerate() {
                for id in self.old.document.get_page_contents(*page) {
                    map.insert(id, index + 1);
                }
            }
            map
        })
    }
}

/// New objects hanging from new signature fields or the DSS are allowed.
fn is_allowed_root(new: &Pdf, id: ObjectId, object: &Object) -> bool {
    as_dict(object).is_some_and(|dict| {
        is_signature_widget(new, id) || name(dict, b"Type") == Some(b"DSS".as_slice())
    })
}

fn compare(
    old: &Pdf,
    last: &Final<'_>,
    objects: &[(&ObjectId, &Object)],
    mut memo: Option<&mut Memo>,
) -> Changes {
    let new = last.new;
    let mut changes = Changes::default();
    let (Ok(old_pages), Some(new_pages)) = (old.pages(), last.pages.as_ref()) else {
        changes.disallowed.push("page tree unreadable".into());
        if let Some(memo) = memo {
            *memo = Memo::default();
        }
        return changes;
    };
    if &old_pages != new_pages {
        changes.disallowed.push(format!(
            "pages added, removed or reordered ({} pages signed, {} now)",
            old_pages.len(),
            new_pages.len()
        ));
    }
    let old_form = old
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|f| f.as_reference().ok());
    let roots: HashSet<ObjectId> = objects
        .iter()
        .filter(|(id, object)| {
            !old.document.objects.contains_key(id) && is_allowed_root(new, **id, object)
        })
        .map(|(id, _)| **id)
        .collect();
    let allowed = match memo.as_deref_mut() {
        Some(memo) => {
            if memo
                .made_under
                .as_ref()
                .is_none_or(|(pages, form)| *pages != old_pages || *form != old_form)
            {
                memo.kept.clear();
                memo.made_under = Some((old_pages.clone(), old_form));
            }
            if memo.roots.is_subset(&roots) {
                // What the roots reach only grows with them: walk from the new ones alone.
                let more: Vec<Object> = roots
                    .difference(&memo.roots)
                    .map(|id| Object::Reference(*id))
                    .collect();
                match reachable_more(new, &more, 1_000_000, &mut memo.allowed) {
                    Walk::Whole => {}
                    Walk::Cut => {
                        memo.allowed = reachable(new, &sorted_roots(objects, &roots), 1_000_000);
                    }
                }
            } else {
                memo.allowed = reachable(new, &sorted_roots(objects, &roots), 1_000_000);
            }
            memo.roots = roots;
            std::mem::take(&mut memo.allowed)
        }
        None => reachable(new, &sorted_roots(objects, &roots), 1_000_000),
    };
    let revision = Revision {
        old,
        new,
        old_pages: &old_pages,
        old_form,
        catalog_id: last.catalog_id,
        allowed: &allowed,
        live: &last.live,
        content_page: std::cell::OnceCell::new(),
    };
    let mut verdicts = Vec::with_capacity(objects.len());
    let mut made = Vec::new();
    for &(id, object) in objects {
        let known = memo.as_deref().and_then(|m| m.kept.get(id)).filter(|kept| {
            kept.allowed
                .is_none_or(|was| was == revision.allowed.contains(id))
        });
        if let Some(kept) = known {
            verdicts.push(kept.verdict.clone());
            continue;
        }
        let (verdict, reads, allowed) = judge(&revision, *id, object);
        verdicts.push(verdict.clone());
        if let Some(reads) = reads {
            made.push((
                *id,
                Kept {
                    verdict,
                    reads,
                    allowed,
                },
            ));
        }
    }
    if let Some(memo) = memo {
        memo.kept.extend(made);
        memo.allowed = allowed;
    }
    for verdict in verdicts {
        match verdict {
            Verdict::Same => {}
            Verdict::Allowed(text) => changes.allowed.push(text),
            Verdict::Disallowed(text) => changes.disallowed.push(text),
        }
    }
    changes
}

/// The roots in the order the objects come (the walk is the same whatever the order, unless
/// it is cut short; then it is the order it always had).
fn sorted_roots(objects: &[(&ObjectId, &Object)], roots: &HashSet<ObjectId>) -> Vec<Object> {
    objects
        .iter()
        .filter(|(id, _)| roots.contains(id))
        .map(|(id, _)| Object::Reference(**id))
        .collect()
}

/// One object's verdict; the other objects of the older revision it read (`None` when it
/// read more than can be followed: the verdict is not kept); whether it was allowed, for an
/// object the older revision does not have.
#[expect(
    clippy::too_many_lines,
    reason = "one decision table over every kind of changed object"
)]
fn judge(
    revision: &Revision<'_>,
    id: ObjectId,
    object: &Object,
) -> (Verdict, Option<Vec<u32>>, Option<bool>) {
    let (old, new) = (revision.old, revision.new);
    let kind = as_dict(object).and_then(|d| name(d, b"Type"));
    if matches!(kind, Some(b"XRef" | b"ObjStm")) {
        return (Verdict::Same, Some(Vec::new()), None);
    }
    let label = |what: &str| {
        format!(
            "object {} {}{}: {what}",
            id.0,
            id.1,
            kind.map(|k| format!(" (/{})", String::from_utf8_lossy(k)))
                .unwrap_or_default()
        )
    };
    let Some(before) = old.document.objects.get(&id) else {
        let allowed = revision.allowed.contains(&id);
        let verdict = if allowed {
            if is_signature_widget(new, id) {
                Verdict::Allowed(label("signature field added"))
            } else if kind == Some(b"DSS".as_slice()) {
                Verdict::Allowed(label("document security store added"))
            } else {
                Verdict::Same
            }
        } else if revision.live.contains(&id) {
            Verdict::Disallowed(label("added"))
        } else {
            Verdict::Same
        };
        return (verdict, Some(Vec::new()), Some(allowed));
    };
    if before == object {
        return (Verdict::Same, Some(Vec::new()), None);
    }
    let (Some(old_dict), Some(new_dict)) = (as_dict(before), as_dict(object)) else {
        // Arrays: only signature widgets/fields may be appended.
        let verdict = if let (Object::Array(a), Object::Array(b)) = (before, object)
            && b.starts_with(a)
            && b[a.len()..]
                .iter()
                .all(|i| i.as_reference().is_ok_and(|r| is_signature_widget(new, r)))
        {
            Verdict::Allowed(label("signature fields appended"))
        } else {
            Verdict::Disallowed(label("modified"))
        };
        return (verdict, Some(Vec::new()), None);
    };
    // Whether it is a signature field reads its parent (recorded whatever branch is taken).
    let mut reads = Vec::new();
    if let Ok(parent) = old_dict.get(b"Parent").and_then(Object::as_reference) {
        reads.push(parent.0);
        if matches!(
            old.document.objects.get(&parent),
            Some(Object::Reference(_))
        ) {
            // A chain of references: not followed for keeping.
            reads.push(u32::MAX);
        }
    }
    let verdict = if Some(id) == revision.catalog_id {
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
            Verdict::Allowed(label("form or DSS reference updated"))
        } else {
            Verdict::Disallowed(label(&format!("catalog changed: {}", keys.join(", "))))
        }
    } else if let Some(page) = revision
        .old_pages
        .iter()
        .position(|p| *p == id)
        .map(|i| i + 1)
    {
        let keys = differing(old_dict, new_dict, &[b"Annots"]);
        let annots = old_dict.get(b"Annots").ok();
        if let Some(Object::Reference(array)) = annots {
            reads.push(array.0);
            if matches!(old.document.objects.get(array), Some(Object::Reference(_))) {
                // A chain of references: not followed for keeping.
                reads.clear();
                reads.push(u32::MAX);
            }
        }
        let old_annots = references(annots, old);
        let new_annots = references(new_dict.get(b"Annots").ok(), new);
        let added_ok = new_annots.starts_with(&old_annots)
            && new_annots[old_annots.len()..]
                .iter()
                .all(|a| is_signature_widget(new, *a));
        if !keys.is_empty() {
            Verdict::Disallowed(format!("page {page}: {} changed", keys.join(", ")))
        } else if added_ok {
            Verdict::Allowed(format!("page {page}: signature widget added"))
        } else {
            Verdict::Disallowed(format!(
                "page {page}: annotations other than signature widgets changed"
            ))
        }
    } else if Some(id) == revision.old_form {
        let keys = differing(old_dict, new_dict, &[b"Fields", b"SigFlags"]);
        if keys.is_empty() {
            Verdict::Allowed(label("signature fields registered"))
        } else {
            Verdict::Disallowed(label(&format!("form changed: {}", keys.join(", "))))
        }
    } else if is_signature_widget(old, id)
        && !old_dict.has(b"V")
        && differing(old_dict, new_dict, &[b"V", b"AP"]).is_empty()
    {
        Verdict::Allowed(label("empty signature field signed"))
    } else if kind == Some(b"DSS".as_slice()) {
        Verdict::Allowed(label("document security store updated"))
    } else if let Some(page) = revision.content_page().get(&id) {
        // Read every page's contents: not kept.
        return (
            Verdict::Disallowed(format!(
                "page {page}: content stream {} {} modified",
                id.0, id.1
            )),
            None,
            None,
        );
    } else {
        return (Verdict::Disallowed(label("modified")), None, None);
    };
    let reads = (!reads.contains(&u32::MAX)).then_some(reads);
    (verdict, reads, None)
}
