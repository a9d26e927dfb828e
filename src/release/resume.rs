//! `release resume`: finish what an interruption left, as the release was started: its
//! branch, its tag object and its options, whatever HEAD is now. With the tag made,
//! nothing is built again that the registry has from this commit, and the commit and tag
//! are pushed (by id); without it nothing was published, so the local steps are taken
//! back and the same version is released again. No version is ever skipped. The resumed
//! steps run under a journal that keeps the interrupted one's undos, so a resume killed
//! halfway can still be taken back whole.

use super::interrupted::{Unpushed, unpushed_release};
use super::preflight;
use crate::error::refused;
use crate::git::Repo;
use crate::project::{Brief, Facts};
use crate::transaction::git_steps::PushGit;
use crate::transaction::hooks::Hooks;
use crate::transaction::journal::Journal;
use crate::transaction::lock;
use crate::transaction::{self, apply};
use crate::transaction::{Intent, Options, Plan, execute_from};
use crate::ui;
use crate::version::{Bump, parse_tag};
use anyhow::Result;
use git2::Oid;
use std::path::Path;

/// The release to finish, and how it was started.
pub struct Unfinished {
    pub tag: String,
    pub version: String,
    pub branch: Option<String>,
    /// HEAD before the release (the revision its images carry).
    pub head_before: String,
    /// The release's options, with this run's `--dry-run` (and `--skip-images`) on top.
    pub options: Options,
}

impl Unfinished {
    /// From a journal; `publish` for a parked `--no-push` release (resume pushes it now).
    pub fn of(j: &Journal, now: &Options, publish: bool) -> Unfinished {
        Unfinished {
            tag: j.tag.clone().unwrap_or_default(),
            version: j.version.clone(),
            branch: Some(j.branch.clone()),
            head_before: j.head_before.clone(),
            options: Options {
                dry_run: now.dry_run,
                yes: true,
                no_push: j.options.no_push && !publish,
                ..j.options.clone()
            }
            .with_flag(
                crate::images::SKIP,
                crate::images::skipped(&j.options) || crate::images::skipped(now),
            ),
        }
    }

    /// From an unpushed release commit with no record of how it was made.
    pub fn unpushed(facts: &Facts, u: &Unpushed, now: &Options) -> Unfinished {
        Unfinished {
            tag: u.tag.clone(),
            version: parse_tag(&u.tag, None).map(|(_, v)| v.to_string()).unwrap_or_default(),
            branch: None,
            head_before: facts.repo.parent(u.commit).map(|p| p.to_string()).unwrap_or_default(),
            options: Options {
                yes: true,
                no_push: false,
                ..now.clone()
            },
        }
    }
}

/// Takes back the interrupted transaction's local steps; an error when any is left.
fn take_back(repo: &Repo, j: &Journal) -> Result<()> {
    let report = apply::take_back(
        repo,
        &j.undo,
        false,
        "the interrupted steps could not all be taken back",
    )?;
    for line in report.lines() {
        ui::say(&format!("took back: {line}"));
    }
    Ok(())
}

/// Finishes a release whose journal (or unpushed commit, or parked record) names `t`.
/// `lock` is this clone's release lock, held by the caller.
pub fn release(facts: Facts, journal: Option<Journal>, t: Unfinished, lock: Option<lock::Lock>) -> Result<()> {
    let git_dir = facts.repo.git_dir().to_path_buf();
    // The tag object the release made is pushed by id, but only while a tag of that name
    // is here: with none, the tag step never ran or was already taken back (a rollback
    // killed halfway), and the release is made again rather than published from leftovers.
    let local = facts.repo.tag_object(&t.tag);
    let object = local.and(journal.as_ref().and_then(Journal::made_tag)).or(local);
    let Some((object, commit)) = object.and_then(|o| Some((o, facts.repo.commit_of(o)?))) else {
        // The tag was never made (or a rollback took it back, which it does only when origin
        // said no), so nothing reached origin under it: take the
        // local steps back, keeping the intent in the journal until the new release's own
        // journal replaces it.
        if let Some(j) = &journal {
            take_back(&facts.repo, j)?;
            let mut restart = j.clone();
            restart.undo.clear();
            restart.completed = 0;
            restart.restart = true;
            restart.save(&git_dir)?;
        }
        drop(lock);
        ui::say(&format!("releasing {} again from the start", t.tag));
        let version = semver::Version::parse(&t.version).map_err(|e| refused(format!("{}: {e}", t.version)))?;
        let req = super::Request::Bump(Bump::Exact(version));
        let options = Options {
            resuming: true,
            ..t.options.clone()
        };
        return super::run(&facts.repo.root.clone(), &req, &options);
    };
    let branch = t.branch.clone().unwrap_or_else(|| facts.branch.clone());
    let remote = facts.config.remote.clone();
    if !t.options.no_push
        && facts
            .repo
            .remote_has(&remote, commit, &branch, Some((&t.tag, object)))?
    {
        Journal::settle(&git_dir)?;
        ui::success(&format!(
            "{remote} already has {} on {branch}: the release is complete",
            t.tag
        ));
        return Ok(());
    }
    if facts.repo.tag_object(&t.tag).is_some_and(|now| now != object) {
        ui::warn(&format!(
            "tag {} was moved here since the release made it: the release's own tag object ({}) is what is pushed",
            t.tag,
            &object.to_string()[..7]
        ));
    }
    let plan = finish_plan(&facts, &t, &branch)?;
    ui::say(&format!("Finishing the release of {}\n{}", t.tag, plan.render_steps()));
    let prior = journal.unwrap_or_else(|| Journal::load_parked(&git_dir).unwrap_or_else(|| bare_journal(&t, commit)));
    let target = transaction::Target {
        branch: &branch,
        head: commit,
        ..facts.target()
    };
    if execute_from(target, &plan, &t.options, "resume", "", Some(&prior))? {
        drop(lock);
        if t.options.no_push {
            ui::success(&format!("released {} in this clone (not pushed)", t.tag));
        } else {
            Journal::unpark(&git_dir)?;
            ui::success(&format!("released {} ({branch} on {remote})", t.tag));
        }
    }
    Ok(())
}

/// A journal for an unpushed release nobody recorded (its tag is pushed as it stands).
fn bare_journal(t: &Unfinished, commit: Oid) -> Journal {
    Journal {
        schema: 2,
        kind: "release".into(),
        version: t.version.clone(),
        tag: Some(t.tag.clone()),
        branch: t.branch.clone().unwrap_or_default(),
        remote: String::new(),
        head_before: if t.head_before.is_empty() {
            commit.to_string()
        } else {
            t.head_before.clone()
        },
        options: t.options.clone(),
        steps: Vec::new(),
        completed: 0,
        pushing: false,
        uncertain: false,
        restart: false,
        undo: Vec::new(),
        pid: std::process::id(),
        started: crate::clock::now(),
    }
}

/// The steps left: the images (those in the registry from this commit are reused) and
/// the push of the release commit and tag.
fn finish_plan(facts: &Facts, t: &Unfinished, branch: &str) -> Result<Plan> {
    let next = semver::Version::parse(&t.version).map_err(|e| refused(format!("{}: {e}", t.version)))?;
    let images = crate::images::contribute(&Brief {
        facts,
        // The images carry the revision the release was cut from.
        revision: Oid::from_str(&t.head_before).unwrap_or(facts.head),
        next: &next,
        tag: &t.tag,
        prev_tag: None,
        commits: &[],
        options: &t.options,
    })?;
    if !images.problems.is_empty() {
        return Err(refused(crate::project::problem::list(&images.problems)));
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
        hooks: Hooks::new(&[], &facts.config.hooks.release.post_release, &t.version, &t.tag, ""),
    };
    if !t.options.no_push {
        plan.steps.push(Box::new(PushGit {
            remote: facts.config.remote.clone(),
            branch: branch.to_string(),
            tag: Some(t.tag.clone()),
        }));
    }
    Ok(plan)
}

/// Finishes an interrupted promote: pushes its commit to the journal's branch when it was
/// made, else takes it back.
pub fn promote(facts: Facts, j: &Journal, opts: &Options) -> Result<()> {
    let git_dir = facts.repo.git_dir().to_path_buf();
    let Some(made) = j.made_commit(&facts.repo) else {
        take_back(&facts.repo, j)?;
        Journal::finish(&git_dir)?;
        ui::success("the promote had not committed yet, so it was taken back: run release promote again");
        return Ok(());
    };
    if facts.repo.remote_has(&j.remote, made, &j.branch, None)? {
        Journal::finish(&git_dir)?;
        ui::success(&format!(
            "{} already has the promote of {}: it is complete",
            j.remote, j.version
        ));
        return Ok(());
    }
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
    let options = Options {
        dry_run: opts.dry_run,
        yes: true,
        no_push: false,
        ..j.options.clone()
    };
    let target = transaction::Target {
        branch: &j.branch,
        head: made,
        ..facts.target()
    };
    if execute_from(target, &plan, &options, "resume", "", Some(j))? {
        ui::success(&format!("promoted {} ({} on {})", j.version, j.branch, j.remote));
    }
    Ok(())
}

/// `release resume`: finishes the interrupted release (or promote) as it was started:
/// the journal's branch, tag object and options, whatever HEAD is now.
pub fn run(dir: &Path, opts: &Options) -> Result<()> {
    let facts = preflight::read_near(dir)?;
    let git_dir = facts.repo.git_dir().to_path_buf();
    let lock = lock::hold(&git_dir, opts.dry_run)?;
    let journal = Journal::load(&git_dir)?;
    if let Some(j) = &journal
        && j.tag.is_none()
    {
        return promote(facts, j, opts);
    }
    let target = match &journal {
        Some(j) => Unfinished::of(j, opts, false),
        None => {
            let refs = facts.repo.ls_remote(&facts.config.remote).ok();
            let Some(u) = unpushed_release(&facts.repo, refs.as_ref().map(|r| &r.tags)) else {
                Journal::unpark(&git_dir)?;
                ui::success("no release is in progress here: nothing to resume");
                return Ok(());
            };
            // A release made with --no-push left its record: publish it as it was made.
            match Journal::load_parked(&git_dir).filter(|p| p.tag.as_deref() == Some(u.tag.as_str())) {
                Some(p) => Unfinished::of(&p, opts, true),
                None => Unfinished::unpushed(&facts, &u, opts),
            }
        }
    };
    release(facts, journal, target, lock)
}
