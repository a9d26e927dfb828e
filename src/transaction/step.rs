//! A step knows how to describe, run and take itself back; [`Tx`] is what it runs
//! against and where it records its [`Undo`].

use crate::git::Repo;
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
    /// Does it; records in `tx` how to take back what it changed, once it changed it.
    fn run(&self, tx: &mut Tx) -> anyhow::Result<()>;
}

/// How to take back one step that was done.
#[derive(Debug, Clone)]
pub enum Undo {
    RestoreFile {
        path: PathBuf,
        old: Option<Vec<u8>>,
    },
    ResetBranch {
        branch: String,
        oid: Oid,
    },
    DeleteTag(String),
    /// Nothing to undo, but the rollback report must say it (images in a registry).
    Note(String),
}

/// The state of a running transaction.
pub struct Tx<'a> {
    pub repo: &'a Repo,
    pub branch: &'a str,
    /// The commit a tag goes on: HEAD, then the release commit once it exists.
    pub tag_target: Oid,
    written: Vec<PathBuf>,
    undo: Vec<Undo>,
}

impl<'a> Tx<'a> {
    pub fn new(repo: &'a Repo, branch: &'a str, head: Oid) -> Tx<'a> {
        Tx {
            repo,
            branch,
            tag_target: head,
            written: Vec::new(),
            undo: Vec::new(),
        }
    }

    /// Remembers how to take back what a step just changed.
    pub fn record(&mut self, undo: Undo) {
        self.undo.push(undo);
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

    /// The undos, newest last.
    pub fn into_undo(self) -> Vec<Undo> {
        self.undo
    }
}
