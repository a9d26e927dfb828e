//! The transaction's vocabulary and its engine: a [`Plan`] is a list of [`Step`]s decided
//! before anything changes; [`apply`](apply::apply) runs them, records each one's
//! [`Undo`] in the journal before it changes anything, and takes everything local back in
//! reverse when a step fails ([`undo`] guards each against later edits). It changes one
//! clone ([`Target`]) the way the user asked ([`Options`]: the parts' own switches ride
//! along as named flags it only keeps). Parts of a release (changelog, manifests, images)
//! add steps through a `project::Contribution`; promote builds its own plan. This module
//! knows no images, manifests or changelog: they implement [`Step`].

pub mod apply;
pub mod git_steps;
pub mod hooks;
pub mod journal;
pub mod lock;
pub mod options;
pub mod signals;
pub mod step;
pub mod undo;

pub use journal::Undo;
pub use options::{Options, Target};
pub use step::{Step, Tx};

use crate::error::refused;
use crate::ui;
use anyhow::Result;
use std::fmt::Write as _;

/// What a plan is for, as the journal records it.
#[derive(Debug, Default, Clone)]
pub struct Intent {
    /// `release` or `promote`.
    pub kind: &'static str,
    pub version: String,
    pub tag: Option<String>,
}

/// Steps in order, and what is worth saying about them.
#[derive(Debug, Default)]
pub struct Plan {
    pub intent: Intent,
    pub steps: Vec<Box<dyn Step>>,
    pub notices: Vec<String>,
    /// The user's commands before and after.
    pub hooks: hooks::Hooks,
}

impl Plan {
    /// The numbered steps with their previews, then the notes.
    pub fn render_steps(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "\nSteps:");
        s.push_str(&self.hooks.render());
        for (i, step) in self.steps.iter().enumerate() {
            let _ = writeln!(s, "  {}. {}", i + 1, step.describe());
            for line in step.preview().lines() {
                let _ = writeln!(s, "{}", format!("       {line}").trim_end());
            }
        }
        for note in &self.notices {
            let _ = writeln!(s, "\nnote: {note}");
        }
        s
    }
}

/// After the plan was shown: stop on `--dry-run`, else ask (or take `--yes`) and apply.
/// Returns whether it was applied.
pub fn execute(target: Target, plan: &Plan, opts: &Options, verb: &str, question: &str) -> Result<bool> {
    execute_from(target, plan, opts, verb, question, None)
}

/// [`execute`] continuing the interrupted transaction of `prior` (its undos are kept).
pub fn execute_from(
    target: Target,
    plan: &Plan,
    opts: &Options,
    verb: &str,
    question: &str,
    prior: Option<&journal::Journal>,
) -> Result<bool> {
    if opts.dry_run {
        ui::say("dry run: nothing was changed.");
        return Ok(false);
    }
    if !opts.yes {
        if !ui::stdin_is_terminal() {
            return Err(refused(format!(
                "stdin is not a terminal, so I cannot ask: add --yes to {verb} without asking"
            )));
        }
        if !ui::confirm(question)? {
            return Err(refused("cancelled; nothing was changed"));
        }
    }
    if !opts.no_verify {
        plan.hooks.run_pre(&target.repo.root)?;
    }
    apply::apply_from(target, plan, opts, prior)?;
    if !opts.no_verify {
        plan.hooks.run_post(&target.repo.root);
    }
    Ok(true)
}
