//! `release resume` and `release abort`: the two ways out of an interrupted release.

use crate::transaction::Options;
use anyhow::Result;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct ResumeArgs {
    /// Do not build or push images (git only), even if the release had them.
    #[arg(long)]
    pub skip_images: bool,
    /// Print what is left and stop; nothing is changed.
    #[arg(long)]
    pub dry_run: bool,
    /// Accepted for scripts that pass --yes to every changing command (resume never asks).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, clap::Args, Clone)]
pub struct AbortArgs {
    /// Keep the files you changed after the interruption as they are (their release edits
    /// are not taken back) and finish the abort.
    #[arg(long)]
    pub keep_edits: bool,
    /// Take the release back even though its cut push may still land on origin.
    #[arg(long)]
    pub force: bool,
    /// Accepted for scripts that pass --yes to every changing command (abort never asks).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `release resume`
pub fn resume(dir: &Path, a: ResumeArgs) -> Result<()> {
    let opts = Options {
        dry_run: a.dry_run,
        yes: true,
        ..Options::default()
    }
    .with_flag(crate::images::SKIP, a.skip_images);
    crate::release::resume::run(dir, &opts)
}

/// `release abort`
pub fn abort(dir: &Path, a: AbortArgs) -> Result<()> {
    let how = crate::release::recover::AbortOpts {
        keep_edits: a.keep_edits,
        force: a.force,
    };
    crate::release::recover::abort(dir, how)
}
