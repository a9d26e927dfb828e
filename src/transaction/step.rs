//! A step knows how to describe, run and take itself back; [`Tx`] is what it runs against:
//! it writes each [`Undo`] into the journal *before* the change it takes back, so a
//! process killed halfway can still be rolled back by `release abort`. Each undo names
//! what the step left (the hash of the bytes written, the commit or tag object made), so
//! taking back acts only on exactly that and never on a change made since.

use super::Options;
use super::journal::{Journal, Undo, tmp_dir};
use crate::git::Repo;
use anyhow::Result;
use git2::Oid;
use std::path::{Path, PathBuf};

/// One step of a plan.
pub trait Step: std::fmt::Debug {
    /// One line saying what it does.
    fn describe(&self) -> String;
    /// More lines for people reading the plan (a diff, the new changelog section).
    fn preview(&self) -> String {
        String::new()
    }
    /// Whether it publishes to origin (the git push): once it starts, an interruption
    /// waits for it instead of rolling back.
    fn publishes(&self) -> bool {
        false
    }
    /// The file it writes, if it writes one (two steps of a plan never write the same).
    fn writes(&self) -> Option<&std::path::Path> {
        None
    }
    /// Does it; records in `tx` how to take it back before changing anything.
    fn run(&self, tx: &mut Tx) -> Result<()>;
}

/// The state of a running transaction.
pub struct Tx<'a> {
    pub repo: &'a Repo,
    pub branch: &'a str,
    pub options: &'a Options,
    /// The commit a tag and the push use: HEAD, then the commit this transaction made.
    pub commit: Oid,
    written: Vec<PathBuf>,
    journal: Journal,
}

impl<'a> Tx<'a> {
    pub fn new(repo: &'a Repo, branch: &'a str, head: Oid, options: &'a Options, journal: Journal) -> Tx<'a> {
        Tx {
            repo,
            branch,
            options,
            commit: head,
            written: Vec::new(),
            journal,
        }
    }

    fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    /// Records how to take back the change a step is about to make (journal first).
    pub fn record(&mut self, undo: Undo) -> Result<()> {
        self.journal.undo.push(undo);
        self.journal.save(self.repo.git_dir())
    }

    /// Fills in the commit the last branch move made, so abort can check it is still there.
    pub fn made_commit(&mut self, oid: Oid) -> Result<()> {
        self.commit = oid;
        if let Some(Undo::ResetBranch { from, .. }) = self.journal.undo.last_mut() {
            *from = Some(oid.to_string());
        }
        self.journal.save(self.repo.git_dir())
    }

    /// Fills in the tag object the last tag step made: the push sends it by id, and abort
    /// deletes the tag only while it still names it.
    pub fn made_tag(&mut self, object: Oid) -> Result<()> {
        if let Some(Undo::DeleteTag { object: o, .. }) = self.journal.undo.last_mut() {
            *o = Some(object.to_string());
        }
        self.journal.save(self.repo.git_dir())
    }

    /// The tag object this transaction made, if any.
    pub fn tag_object(&self) -> Option<Oid> {
        self.journal.made_tag()
    }

    /// Keeps a file's old bytes beside the journal; the path to name in its undo.
    pub fn backup(&self, old: &[u8]) -> Result<PathBuf> {
        self.journal.backup(self.git_dir(), old)
    }

    /// Where temporary files go (inside `.git/release`, cleaned by resume and abort).
    pub fn tmp_dir(&self) -> PathBuf {
        tmp_dir(self.git_dir())
    }

    /// Remembers a file written for the next commit.
    pub fn wrote(&mut self, path: &Path) {
        if !self.written.iter().any(|p| p == path) {
            self.written.push(path.to_path_buf());
        }
    }

    /// Files written so far, relative to the root.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }

    /// The journal as it stands.
    pub fn journal_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }

    /// The undos, oldest first.
    pub fn into_journal(self) -> Journal {
        self.journal
    }
}
