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
}

#[derive(Debug, clap::Args, Clone)]
pub struct AbortArgs {}

/// `release resume`
pub fn resume(dir: &Path, a: ResumeArgs) -> Result<()> {
    let opts = Options {
        skip_images: a.skip_images,
        dry_run: a.dry_run,
        yes: true,
        ..Options::default()
    };
    crate::release::recover::resume(dir, &opts)
}

/// `release abort`
pub fn abort(dir: &Path, _a: AbortArgs) -> Result<()> {
    crate::release::recover::abort(dir)
}
