//! A run leaves the tree as it found it: the tracked files that differ from `HEAD` (and their
//! contents) before a run, compared with the same after it. Comparing before with after, not with a
//! clean tree, lets a developer run the tests over uncommitted edits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

/// Tracked paths that differ from `HEAD`, each with its status letters and its content's hash.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<String, (String, String)>);

impl Snapshot {
    pub fn take(root: &Path) -> anyhow::Result<Self> {
        let status = git(
            root,
            &["status", "--porcelain=v1", "-z", "--untracked-files=no"],
        )?;
        let mut changed = BTreeMap::new();
        let mut entries = status.split('\0').filter(|e| !e.is_empty());
        while let Some(entry) = entries.next() {
            let (code, path) = entry.split_at(entry.len().min(3));
            let code = code.trim().to_owned();
            // A rename's entry is followed by its old path, which is not in the tree any more.
            if code.starts_with('R') || code.starts_with('C') {
                entries.next();
            }
            let hash = if root.join(path).is_file() {
                git(root, &["hash-object", "--", path])?.trim().to_owned()
            } else {
                "absent".to_owned()
            };
            changed.insert(path.to_owned(), (code, hash));
        }
        Ok(Self(changed))
    }

    /// The tracked files whose state differs between `self` (before) and `after`.
    pub fn changed_since(&self, after: &Self) -> Vec<String> {
        let paths: BTreeSet<&String> = self.0.keys().chain(after.0.keys()).collect();
        paths
            .into_iter()
            .filter(|path| self.0.get(*path) != after.0.get(*path))
            .cloned()
            .collect()
    }
}

/// Fails naming the tracked files the run changed.
pub fn check_unchanged(root: &Path, before: &Snapshot) -> anyhow::Result<String> {
    let after = Snapshot::take(root)?;
    let changed = before.changed_since(&after);
    if changed.is_empty() {
        return Ok("tracked files as before".into());
    }
    bail!(
        "the run changed tracked files (a test or an install step must not write to the tree): {}",
        changed.join(", ")
    )
}

fn git(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .context("starting git")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(entries: &[(&str, &str, &str)]) -> Snapshot {
        Snapshot(
            entries
                .iter()
                .map(|(path, code, hash)| {
                    ((*path).to_owned(), ((*code).to_owned(), (*hash).to_owned()))
                })
                .collect(),
        )
    }

    #[test]
    fn edits_made_before_the_run_are_not_blamed_on_it() {
        let before = snapshot(&[("README.md", "M", "a1")]);
        let after = snapshot(&[("README.md", "M", "a1")]);
        assert!(before.changed_since(&after).is_empty());
    }

    #[test]
    fn a_file_the_run_touched_is_named() {
        let before = snapshot(&[("README.md", "M", "a1")]);
        let after = snapshot(&[
            ("README.md", "M", "a2"),
            ("web/package-lock.json", "M", "b1"),
        ]);
        assert_eq!(
            before.changed_since(&after),
            ["README.md", "web/package-lock.json"]
        );
    }

    #[test]
    fn a_file_the_run_restored_counts_as_a_change() {
        let before = snapshot(&[("README.md", "M", "a1")]);
        let after = snapshot(&[]);
        assert_eq!(before.changed_since(&after), ["README.md"]);
    }
}
