//! Apply: write the journal, walk the plan's steps (each recording its undo first), and
//! roll back in reverse when one fails or the user interrupts before the push. The journal
//! goes only once everything is back; a push whose outcome is unknown rolls nothing back.

use super::git_steps::Uncertain;
use super::journal::{Journal, state_dir};
use super::signals::Signals;
use super::step::Tx;
use super::undo::{Report, undo_all};
use super::{Options, Plan, Target};
use crate::error::{Failed, Incomplete, Interrupted, refused};
use crate::ui;
use anyhow::Result;

fn begin(target: Target, plan: &Plan, opts: &Options, prior: Option<&Journal>) -> Journal {
    Journal {
        schema: 2,
        kind: plan.intent.kind.to_string(),
        version: plan.intent.version.clone(),
        tag: plan.intent.tag.clone(),
        branch: target.branch.to_string(),
        remote: target.remote.to_string(),
        head_before: prior.map_or_else(|| target.head.to_string(), |p| p.head_before.clone()),
        options: opts.clone(),
        steps: plan.steps.iter().map(|s| s.describe()).collect(),
        completed: 0,
        pushing: false,
        uncertain: false,
        restart: false,
        undo: prior.map(|p| p.undo.clone()).unwrap_or_default(),
        pid: std::process::id(),
        started: crate::clock::now(),
    }
}

/// Runs every step of `plan` under a journal; on the first failure (or a signal before
/// the push) undoes what was done, in reverse, and says what failed and what was undone.
pub fn apply(target: Target, plan: &Plan, opts: &Options) -> Result<()> {
    apply_from(target, plan, opts, None)
}

/// [`apply`] continuing an interrupted transaction (`release resume`): the new journal
/// starts with `prior`'s undos and tag object, so a resume killed halfway can still be
/// taken back whole.
pub fn apply_from(target: Target, plan: &Plan, opts: &Options, prior: Option<&Journal>) -> Result<()> {
    let repo = target.repo;
    let git_dir = repo.git_dir().to_path_buf();
    begin(target, plan, opts, prior).save(&git_dir).map_err(|e| {
        refused(format!(
            "cannot write the release journal in {} ({e:#}): nothing was changed",
            state_dir(&git_dir).display()
        ))
    })?;
    let signals = Signals::arm();
    let mut tx = Tx::new(repo, target.branch, target.head, opts, begin(target, plan, opts, prior));
    let total = plan.steps.len();
    for (i, step) in plan.steps.iter().enumerate() {
        let label = format!("[{}/{total}] {}", i + 1, step.describe());
        if signals.caught() {
            return Err(roll_back(
                tx,
                Stop::Interrupted,
                &format!("interrupted before step {}", i + 1),
            ));
        }
        if step.publishes() {
            // Said before the push starts: from here on origin may get the release.
            tx.journal_mut().pushing = true;
            tx.journal_mut().save(&git_dir)?;
        }
        let progress = ui::Progress::start(&label);
        let at = std::time::Instant::now();
        let res = step.run(&mut tx).and_then(|()| {
            tx.journal_mut().completed = i + 1;
            tx.journal_mut().save(&git_dir)
        });
        ui::timing(&format!("step-{}", i + 1), at);
        let Err(e) = res else {
            progress.done(&label);
            continue;
        };
        progress.fail(&label);
        let failed = format!("step {} of {total} failed: {}\n  {e:#}", i + 1, step.describe());
        if e.downcast_ref::<Uncertain>().is_some() {
            return Err(uncertain(tx, &failed));
        }
        if signals.caught() {
            let head = format!(
                "interrupted (Ctrl-C or a signal) during step {} of {total}: {}",
                i + 1,
                step.describe()
            );
            return Err(roll_back(tx, Stop::Interrupted, &format!("{head}\n  {e:#}")));
        }
        return Err(roll_back(tx, Stop::Failed, &failed));
    }
    let journal = tx.into_journal();
    if opts.no_push && journal.tag.is_some() {
        journal.park(&git_dir)
    } else {
        Journal::finish(&git_dir)
    }
}

/// Why the steps stopped before the end.
#[derive(Clone, Copy)]
enum Stop {
    Failed,
    Interrupted,
}

/// Undoes everything in the journal; the journal goes only when all is back.
fn roll_back(tx: Tx, stop: Stop, head: &str) -> anyhow::Error {
    let repo = tx.repo;
    let git_dir = repo.git_dir().to_path_buf();
    let journal = tx.into_journal();
    let report = match take_back(repo, &journal.undo, false, head) {
        Ok(r) => r,
        Err(left) => return left,
    };
    let text = report_text(head, &report);
    if let Err(e) = Journal::finish(&git_dir) {
        return Incomplete(format!(
            "{text}\neverything was rolled back, but the journal could not be removed ({e:#}): run `release abort` to finish"
        ))
        .into();
    }
    match stop {
        Stop::Failed => Failed(text).into(),
        Stop::Interrupted => Interrupted(text).into(),
    }
}

/// A push was cut and origin did not confirm it: nothing is rolled back, the journal says so.
fn uncertain(tx: Tx, failed: &str) -> anyhow::Error {
    let git_dir = tx.repo.git_dir().to_path_buf();
    let mut journal = tx.into_journal();
    journal.uncertain = true;
    let saved = journal
        .save(&git_dir)
        .err()
        .map(|e| format!("\n(the journal could not be updated: {e:#})"))
        .unwrap_or_default();
    Incomplete(format!(
        "{failed}\nUNCERTAIN: origin may still get the release, so nothing was rolled back.{saved}\n  release resume   asks origin: confirms the release if it landed, else pushes it again\n  release abort    is refused while origin may still get it (--force once you know it will not)"
    ))
    .into()
}

/// Takes back `undo` (each guarded); unless everything is back, an `Incomplete` error that
/// starts with `head`, says what is left, and that the journal stays.
pub fn take_back(repo: &crate::git::Repo, undo: &[super::Undo], keep_edits: bool, head: &str) -> Result<Report> {
    let report = undo_all(repo, undo, keep_edits);
    if !report.complete() {
        let text = report_text(head, &report);
        return Err(Incomplete(format!("{text}\n{}", kept_journal(repo.git_dir()))).into());
    }
    Ok(report)
}

/// What to tell when undos are left: the journal stays, and how to finish.
fn kept_journal(git_dir: &std::path::Path) -> String {
    format!(
        "not everything is back as it was, so the journal stays ({}): fix what is named above, then run `release abort` again (`release abort --keep-edits` keeps the files you changed since)",
        state_dir(git_dir).join("in-progress").display()
    )
}

/// The head line, then what the rollback did (or that nothing had changed).
fn report_text(head: &str, report: &Report) -> String {
    let lines = report.lines();
    let mut msg = head.to_string();
    if lines.is_empty() {
        msg.push_str("\nnothing had been changed yet.");
    } else if report.complete() {
        msg.push_str("\nrolled back:");
    } else {
        msg.push_str("\nrolled back, except what is marked:");
    }
    for u in lines {
        msg.push_str(&format!("\n  - {u}"));
    }
    msg
}
