//! `release resume`: finish what an interruption left. With the tag made, nothing is
//! built again that the registry has from this commit, and the commit and tag are pushed;
//! without it nothing was published, so the local steps are taken back and the same
//! version is released again. No version is ever skipped.

use crate::error::refused;
use crate::git::Repo;
use crate::transaction::apply::undo_all;
use crate::transaction::git_steps::PushGit;
use crate::transaction::hooks::Hooks;
use crate::transaction::journal::Journal;
use crate::transaction::lock;
use crate::transaction::{Context, Facts, Intent, Options, Plan, execute};
use crate::ui;
use crate::version::Bump;
use anyhow::Result;
use git2::Oid;

/// The release to finish.
pub struct Target {
    pub tag: String,
    pub version: String,
    pub skip_images: bool,
    /// HEAD before the release (the revision its images carry).
    pub head_before: String,
}

fn finish_opts(opts: &Options, skip_images: bool) -> Options {
    Options {
        dry_run: opts.dry_run,
        yes: true,
        skip_images,
        ..opts.clone()
    }
}

/// Finishes a release whose journal (or unpushed commit) names `t`.
pub fn release(mut facts: Facts, journal: Option<Journal>, t: Target, opts: &Options) -> Result<()> {
    let git_dir = facts.repo.git_dir().to_path_buf();
    let lock = lock::hold(&git_dir, false)?;
    let Some(commit) = facts.repo.tag_commit(&t.tag) else {
        // The tag was never made, so nothing reached origin or a registry under it.
        if let Some(j) = &journal {
            take_back(&facts.repo, j);
        }
        Journal::finish(&git_dir)?;
        drop(lock);
        ui::say(&format!("releasing {} again from the start", t.tag));
        let version = semver::Version::parse(&t.version).map_err(|e| refused(format!("{}: {e}", t.version)))?;
        let req = super::Request::Bump(Bump::Exact(version));
        return super::run(&facts.repo.root.clone(), &req, &finish_opts(opts, t.skip_images));
    };
    let (remote, branch) = (facts.config.remote.clone(), facts.branch.clone());
    if facts.repo.remote_has(&remote, commit, &branch, Some(&t.tag))? {
        Journal::finish(&git_dir)?;
        ui::success(&format!(
            "{remote} already has {} on {branch}: the release is complete",
            t.tag
        ));
        return Ok(());
    }
    if facts.repo.head_commit() != Some(commit) {
        return Err(refused(format!(
            "HEAD is not the release commit of {} ({}): switch back to it (git switch {branch}), or run release abort",
            t.tag,
            &commit.to_string()[..7]
        )));
    }
    let plan = finish_plan(&mut facts, &t, commit, opts)?;
    ui::say(&format!("Finishing the release of {}\n{}", t.tag, plan.render_steps()));
    Journal::finish(&git_dir)?;
    drop(lock);
    if execute(&facts, &plan, &finish_opts(opts, t.skip_images), "resume", "")? {
        ui::success(&format!("released {} ({branch} on {remote})", t.tag));
    }
    Ok(())
}

/// The steps left: the images (those in the registry from this commit are reused) and
/// the push of the release commit and tag.
fn finish_plan(facts: &mut Facts, t: &Target, commit: Oid, opts: &Options) -> Result<Plan> {
    let next = semver::Version::parse(&t.version).map_err(|e| refused(format!("{}: {e}", t.version)))?;
    let options = finish_opts(opts, t.skip_images);
    // The images carry the revision the release was cut from.
    facts.head = Oid::from_str(&t.head_before).unwrap_or(commit);
    let images = crate::images::contribute(&Context {
        facts,
        next: &next,
        tag: &t.tag,
        prev_tag: None,
        commits: &[],
        options: &options,
    })?;
    facts.head = commit;
    if !images.problems.is_empty() {
        return Err(refused(crate::problem::list(&images.problems)));
    }
    let mut plan = Plan {
        intent: Intent {
            kind: "release",
            version: t.version.clone(),
            tag: Some(t.tag.clone()),
        },
        steps: images.after_tag,
        notices: images.notices,
        // The pre hooks ran before the interruption; the post hooks follow the push.
        hooks: Hooks::new(&[], &facts.config.hooks.post_release, &t.version, &t.tag, ""),
    };
    plan.steps.push(Box::new(PushGit {
        remote: facts.config.remote.clone(),
        branch: facts.branch.clone(),
        tag: Some(t.tag.clone()),
    }));
    Ok(plan)
}

/// Finishes an interrupted promote: pushes its commit when it was made, else takes it back.
pub fn promote(facts: &Facts, j: &Journal, opts: &Options) -> Result<()> {
    let git_dir = facts.repo.git_dir().to_path_buf();
    let lock = lock::hold(&git_dir, false)?;
    let made = made_commit(&facts.repo, j);
    if made.filter(|c| facts.repo.head_commit() == Some(*c)).is_none() {
        take_back(&facts.repo, j);
        Journal::finish(&git_dir)?;
        ui::success("the promote had not committed yet, so it was taken back: run release promote again");
        return Ok(());
    };
    Journal::finish(&git_dir)?;
    drop(lock);
    let plan = Plan {
        intent: Intent {
            kind: "promote",
            version: j.version.clone(),
            tag: None,
        },
        steps: vec![Box::new(PushGit {
            remote: j.remote.clone(),
            branch: j.branch.clone(),
            tag: None,
        })],
        notices: Vec::new(),
        hooks: Hooks::default(),
    };
    if execute(facts, &plan, &finish_opts(opts, true), "resume", "")? {
        ui::success(&format!("promoted {} ({} on {})", j.version, j.branch, j.remote));
    }
    Ok(())
}

/// Takes back what the interrupted transaction changed, saying each.
fn take_back(repo: &Repo, j: &Journal) {
    for line in undo_all(repo, &j.undo) {
        ui::say(&format!("took back: {line}"));
    }
}

/// The commit the transaction made, per its journal.
pub fn made_commit(repo: &Repo, j: &Journal) -> Option<Oid> {
    let from = j.undo.iter().find_map(|u| match u {
        crate::transaction::Undo::ResetBranch { from, .. } => from.clone(),
        _ => None,
    });
    from.and_then(|f| Oid::from_str(&f).ok())
        .or_else(|| j.tag.as_deref().and_then(|t| repo.tag_commit(t)))
}
