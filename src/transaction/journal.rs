//! The journal: `.git/release/in-progress`, written (atomically) before the first change
//! and after every step, removed when the transaction ends. It holds what was planned,
//! what was done, and how to take each change back, so a release killed at any moment can
//! be finished (`release resume`) or taken back (`release abort`) by a later process.
//! Old file contents are kept beside it under `backup/`; temporary files under `tmp/`.
//! The journal goes first and its backups after it, so a kill between the two leaves
//! backups without a journal (swept by the next command), never a journal without them.
//! A release made with `--no-push` keeps its journal as `parked`: how it was started
//! (options, branch, tag object) is what `release resume` needs to publish it later.

use super::Options;
use anyhow::{Context as _, Result};
use git2::Oid;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How to take back one change.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "undo", rename_all = "snake_case")]
pub enum Undo {
    /// Put back the file's old bytes (kept in `backup`), or remove it when it was new,
    /// while the file still holds what the step wrote (`wrote`: their SHA-256).
    RestoreFile {
        path: PathBuf,
        backup: Option<PathBuf>,
        #[serde(default)]
        wrote: Option<String>,
    },
    /// Move `branch` back to `to`, if it still points at `from` (the commit this made).
    ResetBranch {
        branch: String,
        to: String,
        from: Option<String>,
    },
    /// Delete the tag, if it still points at `commit` (and names `object`, the tag object
    /// the step made, once known).
    DeleteTag {
        name: String,
        commit: Option<String>,
        #[serde(default)]
        object: Option<String>,
    },
    /// Nothing to undo, but the rollback report must say it (images in a registry).
    Note { text: String },
}

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
    /// How it was started (`--skip-images`, `--no-push`, `--sign`, `--no-verify`...):
    /// resume and abort keep to them.
    #[serde(default)]
    pub options: Options,
    /// Every step of the plan, as the plan said it.
    pub steps: Vec<String>,
    /// How many steps finished.
    pub completed: usize,
    /// The git push had started: origin may have the release.
    pub pushing: bool,
    /// The push was cut or timed out and origin did not have it yet: it may still land.
    /// Nothing is rolled back while this holds; resume confirms or redoes the push.
    #[serde(default)]
    pub uncertain: bool,
    /// Taken back by `release resume` to be released again from the start: nothing of it
    /// is left, only the intent (so a kill before the new release began loses nothing).
    #[serde(default)]
    pub restart: bool,
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

fn parked_path(git_dir: &Path) -> PathBuf {
    state_dir(git_dir).join("parked")
}

fn remove_if_there(p: &Path, dir: bool) -> Result<bool> {
    let res = if dir {
        std::fs::remove_dir_all(p)
    } else {
        std::fs::remove_file(p)
    };
    match res {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("removing {}", p.display())),
    }
}

/// Clears what a killed process left in `.git/release`: its temporary files always (only a
/// live writer needs them, and the caller holds the lock), and backups that no journal
/// names. Says what it removed.
pub fn sweep(git_dir: &Path) -> Result<Vec<String>> {
    let mut said = Vec::new();
    let tmp = tmp_dir(git_dir);
    let had_files = std::fs::read_dir(&tmp).is_ok_and(|mut d| d.next().is_some());
    if remove_if_there(&tmp, true)? && had_files {
        said.push(format!(
            "removed temporary files an interrupted run left in {}",
            tmp.display()
        ));
    }
    let backups = backup_dir(git_dir);
    if !path(git_dir).exists() && remove_if_there(&backups, true)? {
        said.push(format!("removed backups no journal names in {}", backups.display()));
    }
    Ok(said)
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

    /// The transaction is over: the journal goes first, then its backups and temporary
    /// files (a kill in between leaves only backups, which [`sweep`] clears).
    pub fn finish(git_dir: &Path) -> Result<()> {
        remove_if_there(&path(git_dir), false)?;
        remove_if_there(&backup_dir(git_dir), true)?;
        remove_if_there(&tmp_dir(git_dir), true)?;
        Ok(())
    }

    /// A finished release that was not pushed (`--no-push`): the journal is kept as the
    /// parked record of how it was made, for `release resume` to publish it.
    pub fn park(&self, git_dir: &Path) -> Result<()> {
        let text = serde_json::to_vec_pretty(self)?;
        crate::fs::write_atomic_in(&parked_path(git_dir), &text, &tmp_dir(git_dir))?;
        Journal::finish(git_dir)
    }

    /// The parked record of a release made with `--no-push`, if any (one that cannot be
    /// read is as good as none: it only remembers options).
    pub fn load_parked(git_dir: &Path) -> Option<Journal> {
        let bytes = std::fs::read(parked_path(git_dir)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The parked release was published or taken back.
    pub fn unpark(git_dir: &Path) -> Result<()> {
        remove_if_there(&parked_path(git_dir), false).map(|_| ())
    }

    /// The release is settled (on origin, or taken back): neither its journal nor its
    /// parked record stays.
    pub fn settle(git_dir: &Path) -> Result<()> {
        Journal::finish(git_dir)?;
        Journal::unpark(git_dir)
    }

    /// The commit the transaction made: the one its branch step recorded, else the one
    /// its tag names.
    pub fn made_commit(&self, repo: &crate::git::Repo) -> Option<Oid> {
        let from = self.undo.iter().find_map(|u| match u {
            Undo::ResetBranch { from, .. } => from.clone(),
            _ => None,
        });
        from.and_then(|f| Oid::from_str(&f).ok())
            .or_else(|| self.tag.as_deref().and_then(|t| repo.tag_commit(t)))
    }

    /// The tag object the transaction made, as its tag step recorded it (pushed by id,
    /// never by the tag's name).
    pub fn made_tag(&self) -> Option<Oid> {
        self.undo.iter().find_map(|u| match u {
            Undo::DeleteTag { object: Some(o), .. } => Oid::from_str(o).ok(),
            _ => None,
        })
    }

    /// The tag object to publish: the one the release made, else the tag's own, else the
    /// commit (a lightweight tag).
    pub fn tag_object_of(&self, repo: &crate::git::Repo, tag: &str, commit: Oid) -> Oid {
        self.made_tag().or_else(|| repo.tag_object(tag)).unwrap_or(commit)
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
        if self.uncertain {
            s.push_str("\n  the push to origin was cut before origin answered: origin may still get it (uncertain)");
        } else if self.pushing {
            s.push_str("\n  the push to origin had started: origin may have it");
        }
        s
    }
}
