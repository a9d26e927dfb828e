//! The steps every transaction has: write a file, commit, tag, push.

use super::step::{Step, Tx, Undo};
use anyhow::{Context as _, Result};
use std::path::PathBuf;

/// Replace (or create) a file in the work tree.
#[derive(Debug)]
pub struct WriteFile {
    pub path: PathBuf,
    pub content: Vec<u8>,
    pub why: String,
    /// A unified diff, or the new section, for people reading the plan.
    pub preview: String,
}

impl Step for WriteFile {
    fn describe(&self) -> String {
        format!("write {} ({})", self.path.display(), self.why)
    }
    fn preview(&self) -> String {
        self.preview.clone()
    }
    fn run(&self, tx: &mut Tx) -> Result<()> {
        let full = tx.repo.root.join(&self.path);
        let old = crate::fs::read_if_exists(&full)?;
        crate::fs::write_atomic(&full, &self.content)?;
        tx.record(Undo::RestoreFile {
            path: self.path.clone(),
            old,
        });
        tx.wrote(&self.path);
        Ok(())
    }
}

/// Commit every file written by earlier steps.
#[derive(Debug)]
pub struct Commit {
    pub message: String,
}

impl Step for Commit {
    fn describe(&self) -> String {
        format!("commit \"{}\"", self.message)
    }
    fn run(&self, tx: &mut Tx) -> Result<()> {
        let before = tx.repo.head_commit().context("HEAD has no commit")?;
        let oid = tx.repo.commit_paths(tx.written(), &self.message)?;
        tx.record(Undo::ResetBranch {
            branch: tx.branch.to_string(),
            oid: before,
        });
        tx.tag_target = oid;
        Ok(())
    }
}

/// Create the annotated tag on the release commit (or on HEAD when nothing changed).
#[derive(Debug)]
pub struct Tag {
    pub name: String,
    pub message: String,
}

impl Step for Tag {
    fn describe(&self) -> String {
        format!("create annotated tag {}", self.name)
    }
    fn run(&self, tx: &mut Tx) -> Result<()> {
        tx.repo.create_tag(&self.name, tx.tag_target, &self.message)?;
        tx.record(Undo::DeleteTag(self.name.clone()));
        Ok(())
    }
}

/// Push the branch (and the tag, if any) to the remote in one atomic push.
#[derive(Debug)]
pub struct PushGit {
    pub remote: String,
    pub branch: String,
    pub tag: Option<String>,
}

impl Step for PushGit {
    fn describe(&self) -> String {
        match &self.tag {
            Some(tag) => format!(
                "push {} and {tag} to {} (atomic: both or neither)",
                self.branch, self.remote
            ),
            None => format!("push {} to {}", self.branch, self.remote),
        }
    }
    fn run(&self, tx: &mut Tx) -> Result<()> {
        let (remote, branch) = (&self.remote, &self.branch);
        tx.repo.push_atomic(remote, branch, self.tag.as_deref()).map_err(|e| {
            anyhow::anyhow!(
                "{e:#}\nfix: if {remote} moved on, run `git pull --rebase {remote} {branch}` and release again; \
                     if it refuses pushes, check its rules"
            )
        })
    }
}
