//! The journal: `.git/release/in-progress`, written (atomically) before the first change
//! and after every step, removed when the transaction ends. It holds what was planned,
//! what was done, and how to take each change back, so a release killed at any moment can
//! be finished (`release resume`) or taken back (`release abort`) by a later process.
//! Old file contents are kept beside it under `backup/`; temporary files under `tmp/`.

use super::step::Undo;
use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What is in progress, and how far it got.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub schema: u32,
    /// `release` or `promote`.
    pub kind: String,
    /// The version released or promoted (`0.2.0`).
    pub version: String,
    /// The release tag (`None` for a promote).
    pub tag: Option<String>,
    pub branch: String,
    pub remote: String,
    /// HEAD before anything changed.
    pub head_before: String,
    /// The release was git only (`--skip-images`).
    pub skip_images: bool,
    /// Every step of the plan, as the plan said it.
    pub steps: Vec<String>,
    /// How many steps finished.
    pub completed: usize,
    /// The git push had started: origin may have the release.
    pub pushing: bool,
    /// How to take back what was changed, oldest first.
    pub undo: Vec<Undo>,
    /// The process that wrote it, and when (seconds since the epoch).
    pub pid: u32,
    pub started: i64,
}

/// `.git/release`: the journal, the lock, backups and temporary files.
pub fn state_dir(git_dir: &Path) -> PathBuf {
    git_dir.join("release")
}

fn path(git_dir: &Path) -> PathBuf {
    state_dir(git_dir).join("in-progress")
}

/// Where a step's temporary files go (renamed into place, so on the same file system).
pub fn tmp_dir(git_dir: &Path) -> PathBuf {
    state_dir(git_dir).join("tmp")
}

fn backup_dir(git_dir: &Path) -> PathBuf {
    state_dir(git_dir).join("backup")
}

impl Journal {
    /// The journal of an interrupted transaction, if there is one.
    pub fn load(git_dir: &Path) -> Result<Option<Journal>> {
        let p = path(git_dir);
        let Some(bytes) = crate::fs::read_if_exists(&p)? else {
            return Ok(None);
        };
        let j = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not a journal this version understands: look at it, then remove it by hand",
                p.display()
            )
        })?;
        Ok(Some(j))
    }

    /// Writes it atomically (a crash leaves the old or the new journal, never half).
    pub fn save(&self, git_dir: &Path) -> Result<()> {
        let text = serde_json::to_vec_pretty(self)?;
        crate::fs::write_atomic_in(&path(git_dir), &text, &tmp_dir(git_dir))
    }

    /// Keeps `old` (a file's bytes before a step changed it) beside the journal.
    pub fn backup(&self, git_dir: &Path, old: &[u8]) -> Result<PathBuf> {
        let dir = backup_dir(git_dir);
        let name = dir.join(format!("{}", self.undo.len()));
        crate::fs::write_atomic_in(&name, old, &tmp_dir(git_dir))?;
        Ok(name)
    }

    /// The transaction is over: the journal, its backups and temporary files go.
    pub fn finish(git_dir: &Path) -> Result<()> {
        for d in [backup_dir(git_dir), tmp_dir(git_dir)] {
            match std::fs::remove_dir_all(&d) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("removing {}", d.display())),
            }
        }
        match std::fs::remove_file(path(git_dir)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing {}", path(git_dir).display())),
        }
    }

    /// One paragraph for people: what was in progress and how far it got.
    pub fn describe(&self) -> String {
        let what = match &self.tag {
            Some(t) => format!("a {} of {t}", self.kind),
            None => format!("a {} of {}", self.kind, self.version),
        };
        let mut s = format!(
            "{what} was interrupted after {} of {} steps (pid {}):",
            self.completed,
            self.steps.len(),
            self.pid
        );
        for (i, step) in self.steps.iter().enumerate() {
            let mark = if i < self.completed { "done" } else { "    " };
            s.push_str(&format!("\n  {mark} {}. {step}", i + 1));
        }
        if self.pushing {
            s.push_str("\n  the push to origin had started: origin may have it");
        }
        s
    }
}
