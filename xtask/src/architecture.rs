//! The architecture rules, checked from the source tree (its unit tests run with
//! `cargo test --workspace`, so the test command fails when a rule is broken):
//! - inside `crates/core/src`, the floor `platform` names nothing of the wings `ca`, `desk`,
//!   `contracts`; `ca` names nothing of `desk` or `contracts`; `desk` and `contracts` name only
//!   what the other's `mod.rs` makes public itself (its public face), never its submodules;
//!   the crate's `error.rs` (the error every wing converts into) names no wing either: the
//!   wings' error enums plug into it through its `WingError` trait, so it and `ca` (or any
//!   wing) never import each other;
//! - between crates, normal dependencies follow `cli → server → core → pdf → pki`,
//!   `cli → gateways → core` and `cli → token → pki`.
//!
//! Paths are read from the text (`crate::…`, `super::…`, groups in braces), after comments and
//! string literals are dropped; a name brought in by `use` and used later is judged at the `use`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// The wings of `signet-core` and the floor they stand on.
const WINGS: [&str; 4] = ["platform", "ca", "desk", "contracts"];

/// The crate's error module: it stands with the floor and names no wing.
const ERROR_MODULE: &str = "error";

/// Each workspace crate and the crates it may depend on (directly), by package name.
const LAYERS: [(&str, &[&str]); 7] = [
    ("signet-pki", &[]),
    ("signet-pdf", &["signet-pki"]),
    ("signet-token", &["signet-pki"]),
    ("signet-core", &["signet-pdf", "signet-pki"]),
    (
        "signet-server",
        &["signet-core", "signet-pdf", "signet-pki"],
    ),
    // The real providers (SMTP, SMS vendors, payment gateways) behind core's provider traits;
    // only the binary chooses them (ADR 0011).
    ("signet-gateways", &["signet-core"]),
    (
        "signet",
        &[
            "signet-server",
            "signet-gateways",
            "signet-core",
            "signet-pdf",
            "signet-pki",
            "signet-token",
        ],
    ),
];

/// One broken rule: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    pub file: PathBuf,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

/// Every broken rule of the workspace at `root`.
pub fn check(root: &Path) -> anyhow::Result<Vec<Violation>> {
    let mut found = check_core(&root.join("crates/core/src"))?;
    found.extend(check_crates(&root.join("crates"))?);
    Ok(found)
}

/// The import rules between the floor and the wings of `signet-core` (`src` is its `src`).
pub fn check_core(src: &Path) -> anyhow::Result<Vec<Violation>> {
    let mut files = Vec::new();
    rust_files(src, &mut files)?;
    anyhow::ensure!(!files.is_empty(), "no Rust files under {}", src.display());
    let faces: Vec<(&str, BTreeSet<String>)> = WINGS
        .iter()
        .map(|wing| Ok((*wing, public_face(&src.join(wing).join("mod.rs"))?)))
        .collect::<anyhow::Result<_>>()?;
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src)?;
        let module = module_path(relative);
        let Some(from) = module
            .first()
            .filter(|m| WINGS.contains(&m.as_str()) || m.as_str() == ERROR_MODULE)
        else {
            continue;
        };
        let code = strip(&std::fs::read_to_string(&file)?);
        for path in references(&code, &module) {
            let Some(to) = path.first().filter(|m| WINGS.contains(&m.as_str())) else {
                continue;
            };
            if to == from {
                continue;
            }
            let item = path.get(1).map(String::as_str);
            let face = faces
                .iter()
                .find(|(wing, _)| wing == to)
                .map(|(_, face)| face);
            if let Some(why) = forbidden(from, to, item, face) {
                found.push(Violation {
                    file: file.clone(),
                    message: format!("{why}: crate::{}", path.join("::")),
                });
            }
        }
    }
    Ok(found)
}

/// Why `from` may not name `to::item`, or `None` when it may.
fn forbidden(
    from: &str,
    to: &str,
    item: Option<&str>,
    face: Option<&BTreeSet<String>>,
) -> Option<String> {
    match (from, to) {
        (_, "platform") | ("desk" | "contracts", "ca") => None,
        ("platform", _) => Some(format!("the platform floor imports from the {to} wing")),
        (ERROR_MODULE, _) => Some(format!(
            "the crate's error module imports from the {to} wing (wings plug in through \
             `WingError`)"
        )),
        ("ca", _) => Some(format!("the ca wing imports from the {to} wing")),
        _ => match item {
            Some(name) if face.is_some_and(|face| face.contains(name)) => None,
            _ => Some(format!(
                "the {from} wing reaches past the public face of the {to} wing (only what \
                 {to}/mod.rs itself makes public)"
            )),
        },
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The module a file under `src` defines: `desk/orders/mod.rs` → `[desk, orders]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// The names a wing's `mod.rs` makes public itself: its `pub use` names and its own public
/// items, not its `pub mod`s (those are its internals as far as other wings go).
fn public_face(mod_rs: &Path) -> anyhow::Result<BTreeSet<String>> {
    let mut face = BTreeSet::new();
    if !mod_rs.exists() {
        return Ok(face);
    }
    let code = strip(&std::fs::read_to_string(mod_rs)?);
    let mut rest = code.as_str();
    while let Some(at) = rest.find("pub ") {
        let after = &rest[at + 4..];
        rest = after;
        if !boundary_before(&code, code.len() - after.len() - 4) {
            continue;
        }
        let words: Vec<&str> = after.split_whitespace().take(3).collect();
        match words.first().copied() {
            Some("use") => {
                let end = after.find(';').unwrap_or(after.len());
                face.extend(use_names(&after[3..end]));
            }
            Some("fn" | "struct" | "enum" | "trait" | "type" | "const" | "static") => {
                if let Some(name) = words.get(1) {
                    face.insert(ident_prefix(name).to_owned());
                }
            }
            Some("async" | "unsafe") if words.get(1) == Some(&"fn") => {
                if let Some(name) = words.get(2) {
                    face.insert(ident_prefix(name).to_owned());
                }
            }
            _ => {}
        }
    }
    Ok(face)
}

/// The names a `use` tree binds: the last segment of each leaf, or its `as` alias.
fn use_names(tree: &str) -> Vec<String> {
    let mut names = Vec::new();
    for leaf in tree.split([',', '{', '}']) {
        let leaf = leaf.trim();
        if leaf.is_empty() {
            continue;
        }
        let name = match leaf.split_once(" as ") {
            Some((_, alias)) => alias.trim(),
            None => leaf.rsplit("::").next().unwrap_or(leaf).trim(),
        };
        if !name.is_empty() && name != "self" && name != "*" {
            names.push(name.to_owned());
        }
    }
    names
}

fn ident_prefix(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn boundary_before(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_none_or(|c| !is_ident(c))
}

/// The code without comments and without the insides of string and char literals (so that a
/// doc comment or a SQL string naming a module is not read as a path).
fn strip(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == '"' || (c == 'r' && matches!(next, Some('"' | '#')) && raw_start(&chars, i))
        {
            i = skip_string(&chars, i);
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\'') or a lifetime ('a): skip only the former.
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether the `r` at `i` opens a raw string (`r"…"`, `r#"…"#`) rather than ending a name.
fn raw_start(chars: &[char], i: usize) -> bool {
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    chars.get(j) == Some(&'"') && (i == 0 || !is_ident(chars[i - 1]))
}

/// The index after the string literal starting at `i` (plain or raw).
fn skip_string(chars: &[char], mut i: usize) -> usize {
    if chars[i] == 'r' {
        i += 1;
        let mut hashes = 0;
        while chars.get(i) == Some(&'#') {
            hashes += 1;
            i += 1;
        }
        i += 1;
        while i < chars.len() {
            if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                return i + 1 + hashes;
            }
            i += 1;
        }
        return i;
    }
    i += 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Every absolute module path (`[desk, orders, OrderId]`) the code of module `module` names
/// through `crate::` or `super::`, groups in braces expanded.
fn references(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for start in ["crate", "super"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            if !boundary_before(code, at) || ident_prefix(&code[at..]) != start {
                continue;
            }
            let mut base: Vec<String> = Vec::new();
            let mut cursor = at;
            if start == "super" {
                base = module.to_vec();
            }
            // `super::super::…` and `crate::…`: consume the leading keywords.
            loop {
                let word = ident_prefix(&code[cursor..]);
                match word {
                    "crate" if cursor == at => base.clear(),
                    "super" => {
                        base.pop();
                    }
                    _ => break,
                }
                cursor += word.len();
                if let Some(rest) = code[cursor..].trim_start().strip_prefix("::") {
                    cursor = code.len() - rest.len();
                } else {
                    cursor = usize::MAX;
                    break;
                }
            }
            if cursor == usize::MAX {
                continue;
            }
            from = cursor.max(from);
            for tail in path_tails(&code[cursor..]) {
                let mut path = base.clone();
                path.extend(tail);
                found.push(path);
            }
        }
    }
    found
}

/// The paths a (possibly grouped) path tail names: `a::{b, c::d}` → `[a, b]`, `[a, c, d]`.
fn path_tails(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start();
    if let Some(group) = text.strip_prefix('{') {
        let mut tails = Vec::new();
        for item in split_group(group) {
            let item = item.trim();
            if item.is_empty() || item == "self" || item.starts_with('*') {
                tails.push(Vec::new());
                continue;
            }
            tails.extend(path_tails(item));
        }
        return tails;
    }
    let word = ident_prefix(text);
    if word.is_empty() {
        return vec![Vec::new()];
    }
    let rest = text[word.len()..].trim_start();
    match rest.strip_prefix("::") {
        Some(rest) if !rest.trim_start().starts_with('<') => path_tails(rest)
            .into_iter()
            .map(|tail| {
                let mut path = vec![word.to_owned()];
                path.extend(tail);
                path
            })
            .collect(),
        _ => vec![vec![word.to_owned()]],
    }
}

/// The items of a brace group (the text after `{`), split at its top-level commas.
fn split_group(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&text[start..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

/// The dependency direction between the crates under `crates` (normal dependencies only).
pub fn check_crates(crates: &Path) -> anyhow::Result<Vec<Violation>> {
    let mut found = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(crates)?.collect::<Result<_, _>>()?;
    dirs.sort_by_key(std::fs::DirEntry::path);
    for dir in dirs {
        let manifest = dir.path().join("Cargo.toml");
        if !manifest.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest)?;
        let (name, dependencies) = manifest_facts(&text);
        let Some((_, allowed)) = LAYERS.iter().find(|(layer, _)| *layer == name) else {
            found.push(Violation {
                file: manifest,
                message: format!(
                    "crate {name} is not in the layering (xtask/src/architecture.rs LAYERS)"
                ),
            });
            continue;
        };
        for dependency in dependencies {
            let known = LAYERS.iter().any(|(layer, _)| *layer == dependency);
            if known && !allowed.contains(&dependency.as_str()) {
                found.push(Violation {
                    file: manifest.clone(),
                    message: format!(
                        "{name} depends on {dependency}, against cli → server → core → pdf → \
                         pki, cli → token → pki"
                    ),
                });
            }
        }
    }
    Ok(found)
}

/// A manifest's package name and the package names of its normal dependencies (including
/// target-specific ones; not dev- or build-dependencies).
fn manifest_facts(text: &str) -> (String, Vec<String>) {
    let mut name = String::new();
    let mut dependencies = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            header.trim().clone_into(&mut section);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if section == "package" && key == "name" {
            value.trim_matches('"').clone_into(&mut name);
        } else if section == "dependencies" || section.ends_with(".dependencies") {
            let package = value
                .split_once("package")
                .and_then(|(_, rest)| rest.split('"').nth(1))
                .unwrap_or(key);
            dependencies.push(package.trim_matches('"').to_owned());
        }
    }
    (name, dependencies)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// A throw-away `src` tree: each `(path, text)` written under a fresh directory.
    fn tree(files: &[(&str, &str)]) -> tempdir::Dir {
        let dir = tempdir::Dir::new();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    const CLEAN: [(&str, &str); 7] = [
        (
            "lib.rs",
            "pub mod platform; pub mod ca; pub mod desk; pub mod contracts;",
        ),
        (
            "error.rs",
            "use crate::platform::clock;\npub trait WingError {}\npub enum CoreError { Wing }",
        ),
        (
            "platform/mod.rs",
            "pub mod db;\n/// Not `crate::desk` (a comment).\npub struct Platform;",
        ),
        (
            "platform/db.rs",
            "use super::Platform;\nconst SQL: &str = \"crate::desk::x\";",
        ),
        (
            "ca/mod.rs",
            "use crate::platform::Platform;\npub fn issue() {}",
        ),
        (
            "desk/mod.rs",
            "mod orders;\npub use orders::OrderId;\nuse crate::ca::{self, issue};",
        ),
        (
            "contracts/mod.rs",
            "use crate::desk::OrderId;\npub struct Contract;",
        ),
    ];

    fn with(extra: (&str, &str)) -> Vec<Violation> {
        let mut files = CLEAN.to_vec();
        files.retain(|(path, _)| *path != extra.0);
        files.push(extra);
        let dir = tree(&files);
        check_core(dir.path()).unwrap()
    }

    #[test]
    fn the_workspace_keeps_its_architecture() {
        let found = check(&workspace()).unwrap();
        assert!(
            found.is_empty(),
            "architecture rules broken:\n{}",
            found
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn a_clean_fake_tree_passes() {
        let dir = tree(&CLEAN);
        assert_eq!(check_core(dir.path()).unwrap(), Vec::new());
    }

    #[test]
    fn the_floor_may_not_import_a_wing() {
        let found = with(("platform/db.rs", "use crate::desk::DeskError;"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .contains("platform floor imports from the desk")
        );
        let found = with(("platform/db.rs", "fn f() { crate::ca::issue(); }"));
        assert_eq!(found.len(), 1, "{found:?}");
        // Through `super` and a group, too.
        let found = with((
            "platform/db.rs",
            "use super::super::{contracts::Contract, platform};",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("contracts"));
    }

    #[test]
    fn the_ca_may_not_import_the_desk_or_contracts() {
        let found = with((
            "ca/mod.rs",
            "use crate::{desk::OrderId, platform::Platform};",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("ca wing imports from the desk"));
        assert_eq!(
            with(("ca/mod.rs", "use crate::contracts::Contract;")).len(),
            1
        );
    }

    #[test]
    fn the_error_module_may_not_import_a_wing() {
        let found = with(("error.rs", "pub enum CoreError { Ca(crate::ca::CaError) }"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .contains("error module imports from the ca wing"),
            "{found:?}"
        );
        let found = with(("error.rs", "use crate::{desk::DeskError, platform::clock};"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("desk"));
    }

    #[test]
    fn desk_and_contracts_see_only_each_others_public_face() {
        // `OrderId` is re-exported by desk/mod.rs; `orders` is a module behind it.
        assert!(with(("contracts/mod.rs", "use crate::desk::OrderId;")).is_empty());
        let found = with(("contracts/mod.rs", "use crate::desk::orders::OrderId;"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("public face of the desk"));
        let found = with((
            "desk/mod.rs",
            "mod orders;\npub use orders::OrderId;\nuse crate::contracts::{Contract, signing::Task};",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn crates_follow_the_dependency_direction() {
        let manifest = |name: &str, deps: &str| {
            format!(
                "[package]\nname = \"{name}\"\n\n[dependencies]\n{deps}\n\n[dev-dependencies]\n\
                 signet-server = {{ path = \"../server\" }}\n"
            )
        };
        let good = tree(&[
            (
                "pki/Cargo.toml",
                manifest("signet-pki", "der = \"0.8\"").as_str(),
            ),
            (
                "pdf/Cargo.toml",
                manifest("signet-pdf", "signet-pki = { path = \"../pki\" }").as_str(),
            ),
        ]);
        assert_eq!(check_crates(good.path()).unwrap(), Vec::new());
        let bad = tree(&[
            ("pki/Cargo.toml", manifest("signet-pki", "").as_str()),
            (
                "pdf/Cargo.toml",
                manifest(
                    "signet-pdf",
                    "core = { package = \"signet-core\", path = \"../core\" }",
                )
                .as_str(),
            ),
            (
                "token/Cargo.toml",
                manifest("signet-token", "signet-pdf = { path = \"../pdf\" }").as_str(),
            ),
        ]);
        let found = check_crates(bad.path()).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0]
                .message
                .contains("signet-pdf depends on signet-core")
        );
        assert!(
            found[1]
                .message
                .contains("signet-token depends on signet-pdf")
        );
    }

    #[test]
    fn paths_are_read_through_groups_supers_and_comments() {
        let module = ["desk".to_owned(), "orders".to_owned()];
        let code = strip("use super::{a::b, c}; // crate::x\nlet s = \"crate::y\"; crate::z::w;");
        let mut found = references(&code, &module);
        found.sort();
        let expect: Vec<Vec<String>> = [vec!["desk", "a", "b"], vec!["desk", "c"], vec!["z", "w"]]
            .iter()
            .map(|p| p.iter().map(|s| (*s).to_owned()).collect())
            .collect();
        assert_eq!(found, expect);
        assert_eq!(module_path(Path::new("desk/orders/mod.rs")), module);
        let face = use_names("a::{B, c::D as E, self}");
        assert_eq!(face, ["B", "E"]);
    }

    /// A directory removed when dropped (std only; xtask takes no test dependencies).
    mod tempdir {
        use std::path::{Path, PathBuf};
        use std::sync::atomic::{AtomicUsize, Ordering};

        static NEXT: AtomicUsize = AtomicUsize::new(0);

        pub struct Dir(PathBuf);

        impl Dir {
            pub fn new() -> Self {
                let n = NEXT.fetch_add(1, Ordering::SeqCst);
                let path = std::env::temp_dir()
                    .join(format!("xtask-architecture-{}-{n}", std::process::id()));
                let _ = std::fs::remove_dir_all(&path);
                std::fs::create_dir_all(&path).unwrap();
                Self(path)
            }

            pub fn path(&self) -> &Path {
                &self.0
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
