//! `release changelog [--stdout] [--unreleased]`: CHANGELOG.md from the whole history.

use crate::changelog::file::{forge, full_history};
use crate::changelog::{self, Release};
use crate::release::preflight;
use crate::ui;
use anyhow::Result;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Print it on stdout instead of writing the file.
    #[arg(long)]
    pub stdout: bool,
    /// Print only what the next release would say.
    #[arg(long, conflicts_with = "stdout")]
    pub unreleased: bool,
}

pub fn run(dir: &Path, a: Args) -> Result<()> {
    let (stdout, unreleased) = (a.stdout, a.unreleased);
    let facts = preflight::read(dir)?;
    let (releases, warnings) = full_history(&facts)?;
    for w in &warnings {
        ui::warn(w);
    }
    if unreleased {
        let r = releases.first().cloned().unwrap_or(Release {
            version: None,
            tag: None,
            date: None,
            entries: vec![],
        });
        ui::out(&changelog::render_release(&r));
        return Ok(());
    }
    let text = changelog::render_full(&releases, forge(&facts.repo, &facts.config).as_ref());
    if stdout {
        ui::out(&text);
        return Ok(());
    }
    if let Some(j) = crate::transaction::journal::Journal::load(facts.repo.git_dir())? {
        return Err(crate::error::refused(format!(
            "{}\n  fix: release resume, or release abort, first",
            j.describe()
        )));
    }
    let rel_path = &facts.config.changelog.path;
    let dirty = facts.repo.dirty_paths()?;
    let rel_str = rel_path.to_string_lossy();
    if dirty.iter().any(|d| d.path == rel_str) {
        return Err(crate::error::refused(format!(
            "{rel_str} has uncommitted changes that a full rewrite would lose: commit or stash them first (git stash), or use --stdout"
        )));
    }
    crate::fs::write_atomic(&crate::fs::inside(&facts.repo.root, rel_path)?, text.as_bytes())?;
    ui::success(&format!(
        "wrote {rel_str} ({} releases)",
        releases.len().saturating_sub(1)
    ));
    Ok(())
}
