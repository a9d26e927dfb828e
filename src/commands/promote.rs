//! `release promote [VERSION]`: set prod to exactly what test runs.

use crate::transaction::Options;
use anyhow::Result;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// The version to promote; refused unless test runs exactly it (default: what test runs).
    #[arg(value_name = "VERSION")]
    pub target: Option<String>,
    #[command(flatten)]
    pub tx: super::release::TxArgs,
    /// Do not check that the images are in their registry.
    #[arg(long)]
    pub skip_images: bool,
    /// Promote even when that lowers prod's version (going back on purpose).
    #[arg(long)]
    pub allow_downgrade: bool,
}

pub fn run(dir: &Path, a: Args) -> Result<()> {
    let opts = Options {
        skip_images: a.skip_images,
        ..a.tx.options()
    };
    crate::promote::run(dir, a.target.as_deref(), &opts, a.allow_downgrade)
}
