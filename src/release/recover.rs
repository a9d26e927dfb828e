//! `release abort`: takes every local step of an interrupted release (or promote) back,
//! each only while it is what the release left, unless origin has (or may still get) it.

use super::interrupted::unpushed_release;
use super::preflight;
use crate::error::refused;
use crate::git::Repo;
use crate::project::Facts;
use crate::transaction::apply::take_back;
use crate::transaction::journal::Journal;
use crate::transaction::lock;
use crate::ui;
use anyhow::Result;
use std::path::Path;

/// How `release abort` may go further than its default.
#[derive(Debug, Clone, Copy, Default)]
pub struct AbortOpts {
    /// Files changed since the release wrote them stay as they are, and count as settled.
    pub keep_edits: bool,
    /// Take back even while a cut push may still land on origin.
    pub force: bool,
}

/// `release abort`: takes the interrupted release back, or completes it when origin has it.
pub fn abort(dir: &Path, how: AbortOpts) -> Result<()> {
    let facts = preflight::read_near(dir)?;
    let _lock = lock::hold(facts.repo.git_dir(), false)?;
    let git_dir = facts.repo.git_dir().to_path_buf();
    match Journal::load(&git_dir)? {
        Some(j) => abort_journal(&facts, &j, how),
        None => abort_unpushed(&facts),
    }
}

/// Whether origin has what the journal's push would publish: `Some(true)` it landed.
fn landed(repo: &Repo, j: &Journal) -> Result<Option<bool>> {
    let Some(c) = j.made_commit(repo) else {
        return Ok(None);
    };
    let tag = j.tag.as_deref().map(|t| (t, j.tag_object_of(repo, t, c)));
    repo.remote_has(&j.remote, c, &j.branch, tag).map(Some)
}

/// Refuses to take back a release whose push may still land on origin.
fn push_may_land(facts: &Facts, j: &Journal, how: AbortOpts) -> Result<bool> {
    let repo = &facts.repo;
    if (j.pushing || j.uncertain)
        && let Some(pid) = crate::proc::git_running_in(&repo.root, repo.git_dir())
    {
        return Err(refused(format!(
            "a git command (pid {pid}) is still running in this repository, perhaps the interrupted push: wait for it to end, then run `release resume` (it asks origin first); nothing was changed"
        )));
    }
    let what = j.tag.as_deref().unwrap_or(&j.version);
    match landed(repo, j) {
        Ok(Some(true)) => Ok(true),
        Ok(_) if j.uncertain && !how.force => Err(refused(format!(
            "the push of {what} was cut before {} answered, and a cut push may still land there: run `release resume` (it confirms the release if it landed, else pushes it again); once you know it will not land, `release abort --force` takes it back; nothing was changed",
            j.remote
        ))),
        Err(e) if (j.pushing || j.uncertain) && !how.force => Err(refused(format!(
            "{} could not be asked whether the push of {what} landed ({e:#}): run this again when it answers (`--force` takes it back anyway); nothing was changed",
            j.remote
        ))),
        _ => Ok(false),
    }
}

fn abort_journal(facts: &Facts, j: &Journal, how: AbortOpts) -> Result<()> {
    let repo = &facts.repo;
    let git_dir = repo.git_dir();
    let what = j.tag.as_deref().unwrap_or(&j.version).to_string();
    if push_may_land(facts, j, how)? {
        Journal::settle(git_dir)?;
        ui::success(&format!(
            "{} already has {what}: the {} had landed, so nothing was taken back (run `git pull` to update this clone)",
            j.remote, j.kind
        ));
        return Ok(());
    }
    let head = format!("the {} of {what} was not fully taken back", j.kind);
    let report = take_back(repo, &j.undo, how.keep_edits, &head)?;
    Journal::settle(git_dir)?;
    let lines = report.lines();
    if lines.is_empty() {
        ui::success("nothing had been changed; the journal is removed");
    } else {
        ui::say("rolled back:");
        lines.iter().for_each(|u| ui::say(&format!("  - {u}")));
        ui::success(&format!("the {} of {what} was taken back", j.kind));
    }
    Ok(())
}

fn abort_unpushed(facts: &Facts) -> Result<()> {
    let repo = &facts.repo;
    let refs = repo.ls_remote(&facts.config.remote).ok();
    let Some(u) = unpushed_release(repo, refs.as_ref().map(|r| &r.tags)) else {
        Journal::unpark(repo.git_dir())?;
        ui::success("no release is in progress here: nothing to abort");
        return Ok(());
    };
    let parent = repo
        .parent(u.commit)
        .ok_or_else(|| anyhow::anyhow!("the release commit has no parent"))?;
    repo.delete_tag_if(&u.tag, Some(u.commit))?;
    repo.reset_keep(parent)?;
    Journal::unpark(repo.git_dir())?;
    ui::success(&format!(
        "took back the unpushed release {}: deleted the tag, moved {} back to {}",
        u.tag,
        facts.branch,
        &parent.to_string()[..7]
    ));
    Ok(())
}
