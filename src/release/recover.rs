//! After an interruption: notice it (a journal, or an unpushed release commit without
//! one), and the two ways out: `release resume` finishes the release, `release abort`
//! takes every local step back, unless origin already has the release.

use super::preflight;
use crate::git::Repo;
use crate::problem::Problem;
use crate::transaction::apply::undo_all;
use crate::transaction::journal::{Journal, state_dir};
use crate::transaction::lock;
use crate::transaction::{Facts, Options};
use crate::ui;
use crate::version::parse_tag;
use anyhow::Result;
use git2::Oid;
use std::path::Path;

const WAYS_OUT: &str = "release resume   (finish it: push the commit and tag; images already pushed are reused)\n      or: release abort    (take every local step back; nothing on origin is touched)";

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

/// Problems that stop any command that changes something: a release in progress.
pub fn problems(facts: &Facts) -> Vec<Problem> {
    let git_dir = facts.repo.git_dir();
    match Journal::load(git_dir) {
        Ok(Some(j)) => vec![
            Problem::new(j.describe(), WAYS_OUT).at_place(state_dir(git_dir).join("in-progress").display().to_string()),
        ],
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

/// `release abort`: takes the interrupted release back, or completes it when origin has it.
pub fn abort(dir: &Path) -> Result<()> {
    let facts = preflight::read_near(dir)?;
    let _lock = lock::hold(facts.repo.git_dir(), false)?;
    let git_dir = facts.repo.git_dir().to_path_buf();
    match Journal::load(&git_dir)? {
        Some(j) => abort_journal(&facts, &j),
        None => abort_unpushed(&facts),
    }?;
    Journal::finish(&git_dir)
}

fn abort_journal(facts: &Facts, j: &Journal) -> Result<()> {
    let repo = &facts.repo;
    if let Some(c) = super::resume::made_commit(repo, j)
        && repo
            .remote_has(&j.remote, c, &j.branch, j.tag.as_deref())
            .unwrap_or(false)
    {
        ui::success(&format!(
            "{} already has {}: the {} had landed, so nothing was taken back (run `git pull` to update this clone)",
            j.remote,
            j.tag.as_deref().unwrap_or(&j.version),
            j.kind
        ));
        return Ok(());
    }
    let undone = undo_all(repo, &j.undo);
    remove_stale_index_lock(repo, j.started);
    if undone.is_empty() {
        ui::success("nothing had been changed; the journal is removed");
    } else {
        ui::say("rolled back:");
        undone.iter().for_each(|u| ui::say(&format!("  - {u}")));
        ui::success(&format!(
            "the {} of {} was taken back",
            j.kind,
            j.tag.as_deref().unwrap_or(&j.version)
        ));
    }
    Ok(())
}

fn abort_unpushed(facts: &Facts) -> Result<()> {
    let repo = &facts.repo;
    let refs = repo.ls_remote(&facts.config.remote).ok();
    let Some(u) = unpushed_release(repo, refs.as_ref().map(|r| &r.tags)) else {
        ui::success("no release is in progress here: nothing to abort");
        return Ok(());
    };
    let parent = repo
        .parent(u.commit)
        .ok_or_else(|| anyhow::anyhow!("the release commit has no parent"))?;
    repo.delete_tag_if(&u.tag, Some(u.commit))?;
    repo.reset_keep(parent)?;
    ui::success(&format!(
        "took back the unpushed release {}: deleted the tag, moved {} back to {}",
        u.tag,
        facts.branch,
        &parent.to_string()[..7]
    ));
    Ok(())
}

/// A `.git/index.lock` left by a git process killed during the release (no git process
/// can still own it once the release's journal is being cleaned up).
fn remove_stale_index_lock(repo: &Repo, started: i64) {
    let lock = repo.git_dir().join("index.lock");
    let made = std::fs::metadata(&lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    if made.is_some_and(|m| m.as_secs() as i64 >= started - 1) && std::fs::remove_file(&lock).is_ok() {
        ui::say(&format!(
            "removed {} (left by an interrupted git command)",
            lock.display()
        ));
    }
}

/// `release resume`: finishes the interrupted release.
pub fn resume(dir: &Path, opts: &Options) -> Result<()> {
    let facts = preflight::read_near(dir)?;
    let git_dir = facts.repo.git_dir().to_path_buf();
    let journal = Journal::load(&git_dir)?;
    let repo = &facts.repo;
    let (tag, version, skip_images, head_before) = match &journal {
        Some(j) => {
            let Some(tag) = j.tag.clone() else {
                return super::resume::promote(&facts, j, opts);
            };
            (
                tag,
                j.version.clone(),
                j.skip_images || opts.skip_images,
                j.head_before.clone(),
            )
        }
        None => {
            let refs = repo.ls_remote(&facts.config.remote).ok();
            let Some(u) = unpushed_release(repo, refs.as_ref().map(|r| &r.tags)) else {
                ui::success("no release is in progress here: nothing to resume");
                return Ok(());
            };
            let before = repo.parent(u.commit).map(|p| p.to_string()).unwrap_or_default();
            let version = parse_tag(&u.tag, None).map(|(_, v)| v.to_string()).unwrap_or_default();
            (u.tag, version, opts.skip_images, before)
        }
    };
    super::resume::release(
        facts,
        journal,
        super::resume::Target {
            tag,
            version,
            skip_images,
            head_before,
        },
        opts,
    )
}
