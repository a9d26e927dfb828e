//! After an interruption: notice it (a journal, or an unpushed release commit without
//! one), and the two ways out: `release resume` finishes the release, `release abort`
//! takes every local step back, unless origin already has the release.

use super::preflight;
use crate::error::{Incomplete, refused};
use crate::git::Repo;
use crate::problem::Problem;
use crate::transaction::apply::{kept_journal, report_text};
use crate::transaction::journal::{Journal, state_dir};
use crate::transaction::lock;
use crate::transaction::undo::undo_all;
use crate::transaction::{Facts, Options};
use crate::ui;
use crate::version::parse_tag;
use anyhow::Result;
use git2::Oid;
use std::path::Path;

const WAYS_OUT: &str = "release resume   (finish it: push the commit and tag; images already pushed are reused)\n      or: release abort    (take every local step back; nothing on origin is touched)";
const WAYS_OUT_PROMOTE: &str = "release resume   (finish it: push the promote commit)\n      or: release abort    (take the promote back: prod's files and the commit; nothing on origin is touched)";

/// A release commit at HEAD whose tag is here but not on origin (no journal needed).
pub struct Unpushed {
    pub commit: Oid,
    pub tag: String,
}

/// HEAD is `chore(release): X` with a release tag on it that `remote_tags` lacks.
pub fn unpushed_release(
    repo: &Repo,
    remote_tags: Option<&std::collections::HashMap<String, String>>,
) -> Option<Unpushed> {
    let head = repo.head_commit()?;
    let summary = repo.summary(head)?;
    let version = summary.strip_prefix("chore(release): ")?.trim();
    let tag = repo
        .tags()
        .ok()?
        .into_iter()
        .filter(|(_, c)| *c == head)
        .map(|(n, _)| n)
        .find(|n| parse_tag(n, None).is_some_and(|(_, v)| v.to_string() == version))?;
    let on_origin = remote_tags.is_some_and(|t| t.contains_key(&tag));
    (!on_origin).then_some(Unpushed { commit: head, tag })
}

/// Problems that stop any command that changes something: a release in progress (but
/// not, for the release `resume` starts again, the journal it took back to do so).
pub fn problems(facts: &Facts, resuming: bool) -> Vec<Problem> {
    let git_dir = facts.repo.git_dir();
    match Journal::load(git_dir) {
        Ok(Some(j)) if j.restart && resuming => Vec::new(),
        Ok(Some(j)) => {
            let ways = if j.tag.is_none() { WAYS_OUT_PROMOTE } else { WAYS_OUT };
            vec![
                Problem::new(j.describe(), ways).at_place(state_dir(git_dir).join("in-progress").display().to_string()),
            ]
        }
        Err(e) => vec![Problem::new(
            format!("{e:#}"),
            "look at the file, then remove it by hand",
        )],
        Ok(None) => {
            let tags = facts.remote.as_ref().map(|r| &r.tags);
            match unpushed_release(&facts.repo, tags).filter(|_| facts.remote.is_some()) {
                Some(u) => vec![Problem::new(
                    format!(
                        "HEAD is the release commit of {} but origin does not have that tag: an earlier release stopped before its push",
                        u.tag
                    ),
                    WAYS_OUT,
                )],
                None => Vec::new(),
            }
        }
    }
}

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
    let Some(c) = super::resume::made_commit(repo, j) else {
        return Ok(None);
    };
    let tag = j.tag.as_deref().map(|t| (t, super::resume::tag_object(repo, j, t, c)));
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
        Journal::finish(git_dir)?;
        Journal::unpark(git_dir)?;
        ui::success(&format!(
            "{} already has {what}: the {} had landed, so nothing was taken back (run `git pull` to update this clone)",
            j.remote, j.kind
        ));
        return Ok(());
    }
    let report = undo_all(repo, &j.undo, how.keep_edits);
    if !report.complete() {
        let text = report_text(&format!("the {} of {what} was not fully taken back", j.kind), &report);
        return Err(Incomplete(format!("{text}\n{}", kept_journal(git_dir))).into());
    }
    Journal::finish(git_dir)?;
    Journal::unpark(git_dir)?;
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

/// `release resume`: finishes the interrupted release (or promote) as it was started:
/// the journal's branch, tag object and options, whatever HEAD is now.
pub fn resume(dir: &Path, opts: &Options) -> Result<()> {
    let facts = preflight::read_near(dir)?;
    let git_dir = facts.repo.git_dir().to_path_buf();
    let lock = lock::hold(&git_dir, opts.dry_run)?;
    let journal = Journal::load(&git_dir)?;
    if let Some(j) = &journal
        && j.tag.is_none()
    {
        return super::resume::promote(facts, j, opts);
    }
    let target = match &journal {
        Some(j) => super::resume::Target::of(j, opts, false),
        None => {
            let refs = facts.repo.ls_remote(&facts.config.remote).ok();
            let Some(u) = unpushed_release(&facts.repo, refs.as_ref().map(|r| &r.tags)) else {
                Journal::unpark(&git_dir)?;
                ui::success("no release is in progress here: nothing to resume");
                return Ok(());
            };
            // A release made with --no-push left its record: publish it as it was made.
            match Journal::load_parked(&git_dir).filter(|p| p.tag.as_deref() == Some(u.tag.as_str())) {
                Some(p) => super::resume::Target::of(&p, opts, true),
                None => super::resume::Target::unpushed(&facts, &u, opts),
            }
        }
    };
    super::resume::release(facts, journal, target, lock)
}
