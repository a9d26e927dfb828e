//! A set of new files written all or nothing, across a kill too (`release init`). The list
//! of paths, the hashes of their bytes and the folders to create go first into
//! `init-in-progress` (in `.git/release`, or `.release-init` outside git); each file is
//! written whole in a temporary file there and moved into place without replacing
//! anything ([`crate::fs::write_new_in`]); the list goes last. A run that finds a list
//! left by a killed one removes exactly the files it names that still hold those bytes,
//! and the folders it made that are empty, before it starts again.

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Pending {
    /// Each file (relative to the root) and the SHA-256 of what it gets.
    files: Vec<(PathBuf, String)>,
    /// Folders that did not exist, parents first.
    folders: Vec<PathBuf>,
}

fn state_dir(root: &Path) -> PathBuf {
    match crate::git::open(root) {
        Ok(r) => r.git_dir().join("release"),
        Err(_) => root.join(".release-init"),
    }
}

fn list_path(root: &Path) -> PathBuf {
    state_dir(root).join("init-in-progress")
}

/// Init's own temporary folder (init does not take the release lock, whose holder sweeps
/// `.git/release/tmp`).
fn tmp_dir(root: &Path) -> PathBuf {
    state_dir(root).join("init-tmp")
}

/// Takes back what a killed run left (its files that still hold its bytes, its empty
/// folders, its temporary files) and says what it removed.
pub fn recover(root: &Path) -> Result<Vec<String>> {
    let list = list_path(root);
    let Some(bytes) = crate::fs::read_if_exists(&list)? else {
        return Ok(Vec::new());
    };
    let pending: Pending = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} does not parse: look at it, then remove it by hand", list.display()))?;
    let mut said = undo(root, &pending);
    let _ = std::fs::remove_dir_all(tmp_dir(root));
    std::fs::remove_file(&list).with_context(|| format!("removing {}", list.display()))?;
    said.insert(
        0,
        "an earlier `release init` was interrupted: its files are taken back first".into(),
    );
    Ok(said)
}

/// Removes the files `p` names that hold what it wrote, then its folders left empty.
fn undo(root: &Path, p: &Pending) -> Vec<String> {
    let mut said = Vec::new();
    for (rel, hash) in &p.files {
        let full = root.join(rel);
        let ours = std::fs::read(&full).is_ok_and(|b| crate::fs::digest(&b) == *hash);
        if ours && std::fs::remove_file(&full).is_ok() {
            said.push(format!("removed  {}", rel.display()));
        }
    }
    for dir in p.folders.iter().rev() {
        let _ = std::fs::remove_dir(root.join(dir));
    }
    said
}

/// Writes every file of `files` (relative paths, none of which may exist) or none.
pub fn write_all(root: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    let mut pending = Pending::default();
    for (rel, bytes) in files {
        let full = crate::fs::inside(root, rel)?;
        if full.exists() {
            anyhow::bail!("{} exists already: nothing was written", rel.display());
        }
        for dir in rel.ancestors().skip(1).collect::<Vec<_>>().into_iter().rev() {
            if !dir.as_os_str().is_empty() && !root.join(dir).exists() && !pending.folders.iter().any(|f| f == dir) {
                pending.folders.push(dir.to_path_buf());
            }
        }
        pending.files.push((rel.clone(), crate::fs::digest(bytes)));
    }
    let tmp = tmp_dir(root);
    crate::fs::write_atomic_in(&list_path(root), &serde_json::to_vec_pretty(&pending)?, &tmp)
        .with_context(|| format!("cannot write {} (nothing was written)", list_path(root).display()))?;
    for (rel, bytes) in files {
        if let Err(e) = crate::fs::write_new_in(&root.join(rel), bytes, &tmp) {
            let _ = undo(root, &pending);
            let _ = std::fs::remove_file(list_path(root));
            return Err(e.context(format!("writing {}; nothing was written", rel.display())));
        }
    }
    std::fs::remove_file(list_path(root)).with_context(|| format!("removing {}", list_path(root).display()))
}
