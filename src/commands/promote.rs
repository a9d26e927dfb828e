//! `release promote [VERSION]`: set prod to exactly what test runs.

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
    /// Write prod's images as `repo:0.2.0@sha256:...`, the digest the registry has for the
    /// tag now, so a re-pushed tag never changes prod (`promote: { pin_digest: true }`).
    #[arg(long)]
    pub pin_digest: bool,
}

pub fn run(dir: &Path, a: Args) -> Result<()> {
    let opts = a.tx.options().with_flag(crate::images::SKIP, a.skip_images);
    let how = crate::promote::How {
        allow_downgrade: a.allow_downgrade,
        pin_digest: a.pin_digest,
    };
    crate::promote::run(dir, a.target.as_deref(), &opts, how)
}
