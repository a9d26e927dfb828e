//! Apply: walk the plan's steps, record an undo for each, and roll back on failure.

use super::plan::{Plan, Step, describe};
use crate::error::Failed;
use crate::git::Repo;
use crate::ui;
use anyhow::{Context, Result};
use git2::Oid;
use std::path::{Path, PathBuf};

/// How to take back one step that was done.
#[derive(Debug)]
enum Undo {
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

/// Runs every step of `plan`; on the first failure undoes what was done, in reverse,
/// and returns a [`Failed`] error saying what failed and what was undone.
pub fn apply(repo: &Repo, plan: &Plan, head: Oid) -> Result<()> {
    let mut undo: Vec<Undo> = Vec::new();
    let mut tag_target = head;
    let total = plan.steps.len();
    for (i, step) in plan.steps.iter().enumerate() {
        let label = format!("[{}/{total}] {}", i + 1, describe(step));
        let spin = ui::Spinner::start(&label);
        let res = run_step(repo, plan, step, &mut undo, &mut tag_target);
        match res {
            Ok(()) => spin.done(&label),
            Err(e) => {
                spin.fail(&label);
                let undone = rollback(repo, undo);
                let mut msg = format!("step {} of {total} failed: {}\n  {e:#}", i + 1, describe(step));
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
        }
    }
    Ok(())
}

fn run_step(repo: &Repo, plan: &Plan, step: &Step, undo: &mut Vec<Undo>, tag_target: &mut Oid) -> Result<()> {
    match step {
        Step::WriteFile { path, content, .. } => {
            let full = repo.root.join(path);
            let old = match std::fs::read(&full) {
                Ok(b) => Some(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e).with_context(|| format!("reading {}", full.display())),
            };
            undo.push(Undo::RestoreFile {
                path: path.clone(),
                old,
            });
            write_atomic(&full, content)
        }
        Step::Commit { message } => {
            let before = repo.head_commit().context("HEAD has no commit")?;
            let oid = repo.commit_paths(&plan.written_paths(), message)?;
            undo.push(Undo::ResetBranch {
                branch: plan.branch.clone(),
                oid: before,
            });
            *tag_target = oid;
            Ok(())
        }
        Step::Tag { name, message } => {
            repo.create_tag(name, *tag_target, message)?;
            undo.push(Undo::DeleteTag(name.clone()));
            Ok(())
        }
        Step::BuildImages {
            jobs,
            revision,
            version,
            ..
        } => crate::images::run::build_all(&repo.root, jobs, revision, version).map_err(anyhow::Error::msg),
        Step::PushImages { jobs } => match crate::images::run::push_all(jobs) {
            Ok(pushed) => {
                if !pushed.is_empty() {
                    undo.push(Undo::Note(format!(
                            "these images stay in their registry (a registry keeps what it got; running the same release again reuses them): {}",
                            pushed.join(", ")
                        )));
                }
                Ok(())
            }
            Err((e, pushed)) => {
                if !pushed.is_empty() {
                    undo.push(Undo::Note(format!(
                            "these images did reach their registry and stay there (running the same release again reuses them): {}",
                            pushed.join(", ")
                        )));
                }
                Err(anyhow::anyhow!(e))
            }
        },
        Step::PushGit { remote, branch, tag } => repo.push_atomic(remote, branch, tag.as_deref()).map_err(|e| {
            anyhow::anyhow!(
                "{e:#}\nfix: if {remote} moved on, run `git pull --rebase {remote} {branch}` and release again; \
                 if it refuses pushes, check its rules"
            )
        }),
    }
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
                    Some(bytes) => (format!("restored {}", path.display()), write_atomic(&full, bytes)),
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

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("writing in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = tmp.as_file().set_permissions(meta.permissions());
    }
    tmp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}
