//! Apply: walk the plan's steps, each recording its undo, and roll back on failure.

use super::Plan;
use super::step::{Tx, Undo};
use crate::error::Failed;
use crate::git::Repo;
use crate::ui;
use anyhow::Result;
use git2::Oid;

/// Runs every step of `plan`; on the first failure undoes what was done, in reverse,
/// and returns a [`Failed`] error saying what failed and what was undone.
pub fn apply(repo: &Repo, plan: &Plan, head: Oid, branch: &str) -> Result<()> {
    let mut tx = Tx::new(repo, branch, head);
    let total = plan.steps.len();
    for (i, step) in plan.steps.iter().enumerate() {
        let label = format!("[{}/{total}] {}", i + 1, step.describe());
        let progress = ui::Progress::start(&label);
        if let Err(e) = step.run(&mut tx) {
            progress.fail(&label);
            let undone = rollback(repo, tx.into_undo());
            let mut msg = format!("step {} of {total} failed: {}\n  {e:#}", i + 1, step.describe());
            if undone.is_empty() {
                msg.push_str("\nnothing had been changed yet.");
            } else {
                msg.push_str("\nrolled back:");
                for u in undone {
                    msg.push_str(&format!("\n  - {u}"));
                }
            }
            return Err(Failed(msg).into());
        }
        progress.done(&label);
    }
    Ok(())
}

/// Undoes in reverse order; returns one line per undo (saying so when one failed).
fn rollback(repo: &Repo, undo: Vec<Undo>) -> Vec<String> {
    let mut lines = Vec::new();
    for u in undo.into_iter().rev() {
        let (what, res) = match &u {
            Undo::DeleteTag(name) => (format!("deleted local tag {name}"), repo.delete_tag(name)),
            Undo::Note(n) => (n.clone(), Ok(())),
            Undo::ResetBranch { branch, oid } => (
                format!("moved {branch} back to {} and reset the index", &oid.to_string()[..7]),
                repo.reset_branch(branch, *oid),
            ),
            Undo::RestoreFile { path, old } => {
                let full = repo.root.join(path);
                match old {
                    Some(bytes) => (
                        format!("restored {}", path.display()),
                        crate::fs::write_atomic(&full, bytes),
                    ),
                    None => (
                        format!("removed {}", path.display()),
                        std::fs::remove_file(&full).map_err(anyhow::Error::from),
                    ),
                }
            }
        };
        match res {
            Ok(()) => lines.push(what),
            Err(e) => lines.push(format!("FAILED to undo ({what}): {e:#}; fix it by hand")),
        }
    }
    lines
}
