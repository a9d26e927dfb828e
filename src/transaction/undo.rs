//! Taking back what a transaction changed, newest first. Every undo is guarded: it acts
//! only while the state is exactly what its step left (the file's bytes hash to what the
//! step wrote, the ref names what the step made); otherwise the current state is kept and
//! said, so an edit made after an interruption is never overwritten. Running it again is
//! safe: what is already back is passed over.

use super::journal::{Undo, tmp_dir};
use crate::fs::digest;
use crate::git::{BranchBack, Repo};
use git2::Oid;
use std::path::Path;

/// What one undo found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It took the change back.
    Done(String),
    /// The change was already back (or never made): nothing to do.
    Back,
    /// The state moved on since the step (a user's edit): kept as it is.
    Kept(String),
    /// Taking it back failed; the journal must stay.
    Failed(String),
}

/// The outcomes of one rollback, newest change first.
#[derive(Debug, Default)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// Whether everything is back as it was (nothing kept, nothing failed).
    pub fn complete(&self) -> bool {
        self.outcomes
            .iter()
            .all(|o| matches!(o, Outcome::Done(_) | Outcome::Back))
    }

    /// One line for each undo that did or found something.
    pub fn lines(&self) -> Vec<String> {
        self.outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Done(s) => Some(s.clone()),
                Outcome::Kept(s) => Some(format!("KEPT {s}")),
                Outcome::Failed(s) => Some(format!("FAILED {s}")),
                Outcome::Back => None,
            })
            .collect()
    }
}

/// Takes back every recorded change, newest first, after clearing the lock files a killed
/// git left on what they touch. With `keep_edits`, a file changed since its step counts as
/// settled (the user chose to keep it).
pub fn undo_all(repo: &Repo, undo: &[Undo], keep_edits: bool) -> Report {
    let branch = undo.iter().find_map(|u| match u {
        Undo::ResetBranch { branch, .. } => Some(branch.as_str()),
        _ => None,
    });
    let tag = undo.iter().find_map(|u| match u {
        Undo::DeleteTag { name, .. } => Some(name.as_str()),
        _ => None,
    });
    let cleared = clear_stale_locks(repo, branch, tag);
    let outcomes = cleared
        .into_iter()
        .map(Outcome::Done)
        .chain(undo.iter().rev().map(|u| match undo_one(repo, u) {
            Outcome::Kept(s) if keep_edits => Outcome::Done(format!("kept as you left it: {s}")),
            o => o,
        }))
        .collect();
    Report { outcomes }
}

fn oid(s: &str) -> Option<Oid> {
    Oid::from_str(s).ok()
}

fn undo_one(repo: &Repo, u: &Undo) -> Outcome {
    let failed = |what: String, e: anyhow::Error| Outcome::Failed(format!("to undo ({what}): {e:#}"));
    match u {
        Undo::Note { text } => Outcome::Done(text.clone()),
        Undo::DeleteTag { name, commit, object } => {
            if let (Some(made), Some(now)) = (object.as_deref().and_then(oid), repo.tag_object(name))
                && made != now
            {
                return Outcome::Kept(format!(
                    "tag {name}: it was moved since the release made it (now {}); left alone",
                    &now.to_string()[..7]
                ));
            }
            match repo.delete_tag_if(name, commit.as_deref().and_then(oid)) {
                Ok(true) => Outcome::Done(format!("deleted local tag {name}")),
                Ok(false) => Outcome::Back,
                Err(e) => Outcome::Kept(format!("tag {name}: {e:#}")),
            }
        }
        Undo::ResetBranch { branch, to, from } => {
            let Some(to_oid) = oid(to) else {
                return Outcome::Failed(format!("to undo (move {branch} back): the journal names no commit"));
            };
            match repo.reset_branch_if(branch, to_oid, from.as_deref().and_then(oid)) {
                Ok(BranchBack::Moved) => {
                    Outcome::Done(format!("moved {branch} back to {} and reset the index", &to[..7]))
                }
                Ok(BranchBack::AlreadyThere) => Outcome::Back,
                Ok(BranchBack::MovedOn(now)) => Outcome::Kept(format!(
                    "{branch} moved on to {} since: left alone (look at `git log {branch}`)",
                    &now.to_string()[..7]
                )),
                Err(e) => failed(format!("move {branch} back to {}", &to[..7]), e),
            }
        }
        Undo::RestoreFile { path, backup, wrote } => restore(repo, path, backup.as_deref(), wrote.as_deref()),
    }
}

fn restore(repo: &Repo, path: &Path, backup: Option<&Path>, wrote: Option<&str>) -> Outcome {
    let full = repo.root.join(path);
    let shown = path.display();
    let old = match backup.map(std::fs::read).transpose() {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(format!("to undo (restore {shown}): its backup is unreadable: {e}")),
    };
    let now = match crate::fs::read_if_exists(&full) {
        Ok(n) => n,
        Err(e) => return Outcome::Failed(format!("to undo (restore {shown}): {e:#}")),
    };
    if now == old {
        return Outcome::Back;
    }
    if let Some(w) = wrote
        && now.as_deref().map(digest).as_deref() != Some(w)
    {
        return Outcome::Kept(format!(
            "{shown}: it was changed after the release wrote it; your version stays (the release's old copy: {})",
            backup.map_or("none, the file was new".to_string(), |b| b.display().to_string())
        ));
    }
    let res = match &old {
        Some(bytes) => {
            crate::fs::write_atomic_in(&full, bytes, &tmp_dir(repo.git_dir())).map(|()| format!("restored {shown}"))
        }
        None => std::fs::remove_file(&full)
            .map(|()| format!("removed {shown}"))
            .map_err(anyhow::Error::from),
    };
    match res {
        Ok(s) => Outcome::Done(s),
        Err(e) => Outcome::Failed(format!("to undo (restore {shown}): {e:#}")),
    }
}

/// Lock files a killed git left in the repository (`index.lock`, `HEAD.lock`,
/// `packed-refs.lock`, the branch's and tag's ref locks): removed when no git process runs
/// in this repository and no process has them open. Says what it removed, or why not.
pub fn clear_stale_locks(repo: &Repo, branch: Option<&str>, tag: Option<&str>) -> Vec<String> {
    let g = repo.git_dir();
    let mut locks = vec![g.join("index.lock"), g.join("HEAD.lock"), g.join("packed-refs.lock")];
    if let Some(b) = branch {
        locks.push(g.join(format!("refs/heads/{b}.lock")));
    }
    if let Some(t) = tag {
        locks.push(g.join(format!("refs/tags/{t}.lock")));
    }
    locks.retain(|l| l.exists());
    if locks.is_empty() {
        return Vec::new();
    }
    if let Some(pid) = crate::proc::git_running_in(&repo.root, g) {
        return vec![format!(
            "git (pid {pid}) is running in this repository: its lock files are left; wait for it and run this again"
        )];
    }
    locks
        .iter()
        .filter(|l| !crate::fs::held_open(l))
        .map(|l| match std::fs::remove_file(l) {
            Ok(()) => format!("removed {} (left by a git command that was killed)", l.display()),
            Err(e) => format!("could not remove the stale {}: {e}", l.display()),
        })
        .collect()
}
