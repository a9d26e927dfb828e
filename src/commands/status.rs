//! `release status [--offline] [--json]`: exit 0 when all copies agree, 3 otherwise.

use crate::config::Config;
use crate::error::OutOfStep;
use crate::status::{gather, render};
use crate::ui;
use anyhow::Result;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Use only what is on disk (no fetch, no ssh).
    #[arg(long)]
    pub offline: bool,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(dir: &Path, a: Args) -> Result<()> {
    let repo = crate::git::open(dir)?;
    let config = Config::load(&repo.root)?;
    let st = gather(&repo, &config, a.offline)?;
    if a.json {
        ui::out(&serde_json::to_string_pretty(&st)?);
    } else {
        ui::out(&render(&st));
        if config.clones.is_empty() {
            ui::out("(no other clones configured: add `clones: { kube-2: kube-2:~/my-api }` to .release.yml)");
        }
    }
    if st.in_step { Ok(()) } else { Err(OutOfStep.into()) }
}
