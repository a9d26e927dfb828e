//! The steps every transaction has: write a file, commit, tag, push. Each records its
//! undo in the journal before it changes anything.

use super::journal::Undo;
use super::step::{Step, Tx};
use crate::git::PushRefused;
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
    fn writes(&self) -> Option<&std::path::Path> {
        Some(&self.path)
    }
    fn run(&self, tx: &mut Tx) -> Result<()> {
        let full = crate::fs::inside(&tx.repo.root, &self.path)?;
        let old = crate::fs::read_if_exists(&full)?;
        let backup = old.as_deref().map(|b| tx.backup(b)).transpose()?;
        tx.record(Undo::RestoreFile {
            path: self.path.clone(),
            backup,
            wrote: Some(crate::fs::digest(&self.content)),
        })?;
        crate::fs::write_atomic_in(&full, &self.content, &tx.tmp_dir())?;
        tx.wrote(&self.path);
        Ok(())
    }
}

/// Commit every file written by earlier steps, with the `git` program (hooks, signing).
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
        tx.record(Undo::ResetBranch {
            branch: tx.branch.to_string(),
            to: before.to_string(),
            from: None,
        })?;
        let paths = tx.written().to_vec();
        let (verify, sign) = (!tx.options.no_verify, tx.options.sign);
        let oid = tx.repo.commit_paths(&paths, &self.message, verify, sign)?;
        tx.made_commit(oid)
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
        tx.record(Undo::DeleteTag {
            name: self.name.clone(),
            commit: Some(tx.commit.to_string()),
            object: None,
        })?;
        let sign = tx.options.sign;
        tx.repo.create_tag(&self.name, tx.commit, &self.message, sign)?;
        let object = tx
            .repo
            .tag_object(&self.name)
            .with_context(|| format!("tag {} is missing right after it was made", self.name))?;
        tx.made_tag(object)
    }
}

/// Push the transaction's commit as the branch (and the tag, if any) in one atomic push.
#[derive(Debug)]
pub struct PushGit {
    pub remote: String,
    pub branch: String,
    pub tag: Option<String>,
}

crate::message_error!(
    /// A push whose outcome is unknown (it timed out or was cut, and origin did not have it
    /// within the settle time, or could not be asked): nothing may be rolled back, since
    /// origin may still complete it.
    Uncertain
);

/// How long a cut push is watched for landing on origin's side (`RELEASE_PUSH_SETTLE`
/// seconds, default 10).
fn settle_time() -> std::time::Duration {
    let secs = std::env::var("RELEASE_PUSH_SETTLE")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(10);
    std::time::Duration::from_secs(secs)
}

/// git's words when it never reached origin (nothing was sent, so nothing can land).
fn never_reached(e: &anyhow::Error) -> bool {
    let text = format!("{e:#}");
    [
        "does not appear to be a git repository",
        "Could not resolve host",
        "Connection refused",
        "unable to access",
        "Permission denied",
        "Repository not found",
        "No route to host",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// After a cut push: asks origin once a second, for the settle time, whether it landed.
fn watch_landing(
    repo: &crate::git::Repo,
    remote: &str,
    commit: git2::Oid,
    branch: &str,
    tag: Option<(&str, git2::Oid)>,
) -> Result<bool> {
    let end = std::time::Instant::now() + settle_time();
    loop {
        let landed = repo.remote_has(remote, commit, branch, tag)?;
        if landed || std::time::Instant::now() >= end {
            return Ok(landed);
        }
        std::thread::sleep(std::time::Duration::from_millis(1000));
    }
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
    fn publishes(&self) -> bool {
        true
    }
    fn run(&self, tx: &mut Tx) -> Result<()> {
        let (remote, branch) = (&self.remote, &self.branch);
        let tag = match self.tag.as_deref() {
            Some(name) => {
                let object = tx
                    .tag_object()
                    .or_else(|| tx.repo.tag_object(name))
                    .with_context(|| format!("tag {name} is missing: it cannot be pushed"))?;
                Some((name, object))
            }
            None => None,
        };
        let Err(e) = tx.repo.push_atomic(remote, tx.commit, branch, tag) else {
            return Ok(());
        };
        if e.downcast_ref::<PushRefused>().is_some() || never_reached(&e) {
            return Err(e.context(format!(
                "fix: if {remote} moved on, run `git pull --rebase {remote} {branch}` and release again; if it refuses pushes, check its rules"
            )));
        }
        // Cut, timed out or hung up: origin may still complete it on its side.
        match watch_landing(tx.repo, remote, tx.commit, branch, tag) {
            Ok(true) => {
                crate::ui::warn(&format!(
                    "git push reported a failure ({}), but {remote} has the release: it landed",
                    format!("{e:#}").lines().next().unwrap_or("")
                ));
                Ok(())
            }
            Ok(false) => Err(Uncertain(format!(
                "{e:#}\n{remote} did not have it within {} s, but a push that was cut may still land on its side",
                settle_time().as_secs()
            ))
            .into()),
            Err(asked) => Err(Uncertain(format!(
                "{e:#}\n{remote} could not be asked whether the push landed ({asked:#})"
            ))
            .into()),
        }
    }
}
