//! A release: preflight reads the facts, each part contributes its steps (changelog,
//! manifests, images), and the transaction applies them.

pub mod auto;
pub mod interrupted;
pub mod plan;
pub mod preflight;
pub mod recover;
pub mod resume;
pub mod version_files;

use crate::error::refused;
use crate::transaction::lock;
use crate::transaction::{Options, execute};
use crate::ui;
use crate::version::Bump;
use anyhow::Result;
use std::path::Path;

/// What to release.
#[derive(Debug, Clone)]
pub enum Request {
    /// A level (or `final`) chosen by the user.
    Bump(Bump),
    /// `release auto`: the level the commits since the last release call for (a
    /// pre-release of it with `pre`).
    Auto { force: bool, pre: Option<String> },
}

/// `release major|minor|patch|final|auto` in the clone at `dir`.
pub fn run(dir: &Path, request: &Request, opts: &Options) -> Result<()> {
    let label = match request {
        Request::Bump(Bump::Level(_, pre)) | Request::Auto { pre, .. } => pre.as_deref(),
        _ => None,
    };
    if let Some(label) = label {
        crate::version::validate_label(label).map_err(|e| refused(e.to_string()))?;
    }
    let _lock = lock::hold(crate::git::open(dir)?.git_dir(), opts.dry_run)?;
    let at = std::time::Instant::now();
    // The project is read once: the manifests go to the version's seed, the image mapping
    // and both parts that use them.
    let root = crate::git::project_root(dir);
    let layout = crate::manifests::Layout::load(&root, &crate::config::Config::load(&root)?)?;
    let facts = preflight::gather(dir, opts.resuming, &layout)?;
    let at = ui::timing("preflight", at);
    let opts = &Options {
        sign: opts.sign || facts.config.sign,
        no_push: opts.no_push || !facts.repo.has_remote(&facts.config.remote),
        ..opts.clone()
    };
    let bump = match request {
        Request::Bump(b) => b.clone(),
        Request::Auto { force, pre } => {
            let d = auto::decide(&facts)?;
            ui::say(&d.explain());
            match d.level {
                Some(l) => Bump::Level(l, pre.clone()),
                None if *force => Bump::Level(crate::version::Level::Patch, pre.clone()),
                None => return Err(refused(d.nothing_to_release())),
            }
        }
    };
    let manifests = |ctx: &crate::project::Brief| crate::manifests::contribute_in(ctx, &layout);
    let images = |ctx: &crate::project::Brief| crate::images::plan::contribute_in(ctx, Some(&layout));
    let contributors: [plan::Contributor; 4] = [
        &crate::changelog::file::contribute,
        &version_files::contribute,
        &manifests,
        &images,
    ];
    let rp = plan::build(&facts, &bump, &contributors, opts)?;
    ui::timing("plan", at);
    if !rp.problems.is_empty() {
        if opts.dry_run {
            // A dry run shows what the release would do, then why it would be refused.
            ui::say(&plan::render(&rp));
            let list = crate::project::problem::list(&rp.problems);
            return Err(refused(format!("dry run: the release above would be refused: {list}")));
        }
        return Err(refused(crate::project::problem::list(&rp.problems)));
    }
    ui::say(&plan::render(&rp));
    if execute(
        facts.target(),
        &rp.plan,
        opts,
        "release",
        &format!("Release {}?", rp.tag),
    )? {
        if opts.no_push {
            ui::say(&plan::push_later(&rp));
            ui::success(&format!("released {} in this clone (not pushed)", rp.tag));
        } else {
            ui::success(&format!("released {} ({} on {})", rp.tag, rp.branch, rp.remote));
        }
    }
    Ok(())
}
