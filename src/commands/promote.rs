//! `release promote [VERSION]`: set prod to exactly what test runs.

use crate::transaction::Options;
use anyhow::Result;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// The version to promote; refused unless test runs exactly it (default: what test runs).
    #[arg(value_name = "VERSION")]
    pub target: Option<String>,
    /// Print the plan and the diff, and stop; nothing is changed.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(short, long)]
    pub yes: bool,
    /// Do not check that the images are in their registry.
    #[arg(long)]
    pub skip_images: bool,
    /// Skip your git hooks (pre-commit, commit-msg) for the promote commit.
    #[arg(long)]
    pub no_verify: bool,
    /// Sign the promote commit.
    #[arg(long)]
    pub sign: bool,
}

pub fn run(dir: &Path, a: Args) -> Result<()> {
    let opts = Options {
        dry_run: a.dry_run,
        yes: a.yes,
        skip_images: a.skip_images,
        no_verify: a.no_verify,
        sign: a.sign,
        ..Options::default()
    };
    crate::promote::run(dir, a.target.as_deref(), &opts)
}
