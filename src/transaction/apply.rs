//! Apply: write the journal, walk the plan's steps (each recording its undo first), and
//! roll back in reverse when one fails or the user interrupts before the push.

use super::git_steps::Uncertain;
use super::journal::Journal;
use super::signals::Signals;
use super::step::{Tx, Undo};
use super::{Facts, Options, Plan};
use crate::error::{Failed, Interrupted, refused};
use crate::git::Repo;
use crate::ui;
use anyhow::Result;
use git2::Oid;

fn begin(facts: &Facts, plan: &Plan, opts: &Options) -> Journal {
    Journal {
        schema: 1,
        kind: plan.intent.kind.to_string(),
        version: plan.intent.version.clone(),
        tag: plan.intent.tag.clone(),
        branch: facts.branch.clone(),
        remote: facts.config.remote.clone(),
        head_before: facts.head.to_string(),
        skip_images: opts.skip_images,
        steps: plan.steps.iter().map(|s| s.describe()).collect(),
        completed: 0,
        pushing: false,
        undo: Vec::new(),
        pid: std::process::id(),
        started: crate::sync::now(),
    }
}

/// Runs every step of `plan` under a journal; on the first failure (or a signal before
/// the push) undoes what was done, in reverse, and says what failed and what was undone.
pub fn apply(facts: &Facts, plan: &Plan, opts: &Options) -> Result<()> {
    let repo = &facts.repo;
    let git_dir = repo.git_dir().to_path_buf();
    begin(facts, plan, opts)
        .save(&git_dir)
        .map_err(|e| refused(format!("cannot write the release journal ({e:#}): nothing was changed")))?;
    let signals = Signals::arm();
    let mut tx = Tx::new(repo, &facts.branch, facts.head, opts, begin(facts, plan, opts));
    let total = plan.steps.len();
    for (i, step) in plan.steps.iter().enumerate() {
        let label = format!("[{}/{total}] {}", i + 1, step.describe());
        if signals.caught() {
            let undone = undo_all(repo, &tx.into_journal().undo);
            Journal::finish(&git_dir)?;
            return Err(Interrupted(report(&format!("interrupted before step {}", i + 1), &undone)).into());
        }
        if step.publishes() {
            tx.journal_mut().pushing = true;
        }
        let progress = ui::Progress::start(&label);
        let res = step.run(&mut tx).and_then(|()| {
            tx.journal_mut().completed = i + 1;
            tx.journal_mut().save(&git_dir)
        });
        let Err(e) = res else {
            progress.done(&label);
            continue;
        };
        progress.fail(&label);
        let failed = format!("step {} of {total} failed: {}\n  {e:#}", i + 1, step.describe());
        if e.downcast_ref::<Uncertain>().is_some() {
            return Err(Failed(format!(
                "{failed}\nnothing was rolled back, since origin may have the release: run `release resume` to finish it (it checks origin first), or `release abort`"
            ))
            .into());
        }
        let undone = undo_all(repo, &tx.into_journal().undo);
        Journal::finish(&git_dir)?;
        return Err(Failed(report(&failed, &undone)).into());
    }
    Journal::finish(&git_dir)?;
    Ok(())
}

fn report(head: &str, undone: &[String]) -> String {
    let mut msg = head.to_string();
    if undone.is_empty() {
        msg.push_str("\nnothing had been changed yet.");
    } else {
        msg.push_str("\nrolled back:");
        for u in undone {
            msg.push_str(&format!("\n  - {u}"));
        }
    }
    msg
}

/// Takes back every recorded change, newest first; one line for each that changed
/// something (or could not be taken back). Safe to run again: what is already back is
/// passed over.
pub fn undo_all(repo: &Repo, undo: &[Undo]) -> Vec<String> {
    undo.iter().rev().filter_map(|u| undo_one(repo, u)).collect()
}

fn oid(s: &str) -> Option<Oid> {
    Oid::from_str(s).ok()
}

fn undo_one(repo: &Repo, u: &Undo) -> Option<String> {
    let failed = |what: String, e: anyhow::Error| Some(format!("FAILED to undo ({what}): {e:#}; fix it by hand"));
    match u {
        Undo::Note { text } => Some(text.clone()),
        Undo::DeleteTag { name, commit } => match repo.delete_tag_if(name, commit.as_deref().and_then(oid)) {
            Ok(true) => Some(format!("deleted local tag {name}")),
            Ok(false) => None,
            Err(e) => failed(format!("delete tag {name}"), e),
        },
        Undo::ResetBranch { branch, to, from } => {
            let to_oid = oid(to)?;
            match repo.reset_branch_if(branch, to_oid, from.as_deref().and_then(oid)) {
                Ok(true) => Some(format!("moved {branch} back to {} and reset the index", &to[..7])),
                Ok(false) => None,
                Err(e) => failed(format!("move {branch} back to {}", &to[..7]), e),
            }
        }
        Undo::RestoreFile { path, backup } => restore(repo, path, backup.as_deref()),
    }
}

fn restore(repo: &Repo, path: &std::path::Path, backup: Option<&std::path::Path>) -> Option<String> {
    let full = repo.root.join(path);
    let old = match backup.map(std::fs::read).transpose() {
        Ok(o) => o,
        Err(e) => {
            return Some(format!(
                "FAILED to undo (restore {}): its backup is unreadable: {e}",
                path.display()
            ));
        }
    };
    let now = crate::fs::read_if_exists(&full).ok().flatten();
    if now == old {
        return None;
    }
    let res = match &old {
        Some(bytes) => crate::fs::write_atomic(&full, bytes).map(|()| format!("restored {}", path.display())),
        None => std::fs::remove_file(&full)
            .map(|()| format!("removed {}", path.display()))
            .map_err(anyhow::Error::from),
    };
    Some(res.unwrap_or_else(|e| format!("FAILED to undo (restore {}): {e:#}; fix it by hand", path.display())))
}
