//! The release transaction: preflight -> plan -> apply -> rollback.

pub mod apply;
pub mod auto;
pub mod plan;
pub mod preflight;

use crate::error::refused;
use crate::ui;
use crate::version::Bump;
use anyhow::Result;
use std::path::Path;

/// How the user asked to run it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub dry_run: bool,
    pub yes: bool,
    /// Pin `latest`/untagged project images in kubernetes/test to the new version.
    pub replace_latest: bool,
    /// Release git only: no images are built or pushed.
    pub skip_images: bool,
}

/// What to release.
#[derive(Debug, Clone)]
pub enum Request {
    /// A level (or `final`) chosen by the user.
    Bump(Bump),
    /// `release auto`: the level the commits since the last release call for.
    Auto { force: bool },
}

/// `release major|minor|patch|final|auto` in the clone at `dir`.
pub fn run(dir: &Path, request: &Request, opts: &Options) -> Result<()> {
    if let Request::Bump(Bump::Level(_, Some(label))) = request {
        crate::version::validate_label(label).map_err(|e| refused(e.to_string()))?;
    }
    let mut facts = preflight::gather(dir)?;
    let bump = match request {
        Request::Bump(b) => b.clone(),
        Request::Auto { force } => {
            let d = auto::decide(&facts)?;
            ui::say(&d.explain());
            match d.level {
                Some(l) => Bump::Level(l, None),
                None if *force => Bump::Level(crate::version::Level::Patch, None),
                None => return Err(refused(d.nothing_to_release())),
            }
        }
    };
    let contributors: [plan::Contributor; 3] = [
        &crate::changelog_file::contribute,
        &crate::manifests::contribute,
        &crate::images::contribute,
    ];
    let plan = plan::build(&mut facts, &bump, &contributors, opts)?;
    if !facts.problems.is_empty() {
        return Err(refused(problems_text(&facts.problems)));
    }
    ui::say(&plan::render(&plan));
    if execute(&facts, &plan, opts, "release", &format!("Release {}?", plan.tag))? {
        ui::success(&format!("released {} ({} on {})", plan.tag, plan.branch, plan.remote));
    }
    Ok(())
}

/// After the plan was shown: stop on `--dry-run`, else ask (or take `--yes`) and apply.
/// Returns whether it was applied.
pub fn execute(
    facts: &preflight::Facts,
    plan: &plan::Plan,
    opts: &Options,
    verb: &str,
    question: &str,
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
    apply::apply(&facts.repo, plan, facts.head)?;
    Ok(true)
}

/// Every preflight problem, each with its fix.
pub fn problems_text(problems: &[preflight::Problem]) -> String {
    let mut s = format!("preflight found {} problem(s); nothing was changed:", problems.len());
    for p in problems {
        s.push_str(&format!("\n  - {}", p.what));
        if !p.fix.is_empty() {
            s.push_str(&format!("\n      fix: {}", p.fix));
        }
    }
    s
}
