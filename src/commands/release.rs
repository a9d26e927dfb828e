//! `release major|minor|patch|final|auto`: cut a release.

use crate::release::Request;
use crate::transaction::Options;
use crate::version::{Bump, Level};
use anyhow::Result;
use std::path::Path;

/// How to apply: shared by every kind of release.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct ApplyArgs {
    /// Print the plan and stop; nothing is changed.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(short, long)]
    pub yes: bool,
    /// Pin project images tagged `latest` (or untagged) in kubernetes/test to the new version.
    #[arg(long)]
    pub replace_latest: bool,
    /// Release git only: build and push no images (for repositories without Docker).
    #[arg(long)]
    pub skip_images: bool,
    /// Skip your git hooks (pre-commit, commit-msg) for the release commit.
    #[arg(long)]
    pub no_verify: bool,
    /// Sign the release commit and tag (git's commit.gpgsign / tag.gpgSign apply anyway).
    #[arg(long)]
    pub sign: bool,
}

impl ApplyArgs {
    fn options(&self) -> Options {
        Options {
            dry_run: self.dry_run,
            yes: self.yes,
            replace_latest: self.replace_latest,
            skip_images: self.skip_images,
            no_verify: self.no_verify,
            sign: self.sign,
        }
    }
}

#[derive(Debug, clap::Args, Clone)]
pub struct LevelArgs {
    /// Make a pre-release with this label: `--pre rc` gives 0.2.0-rc.1, then rc.2, ...
    #[arg(long, value_name = "LABEL")]
    pub pre: Option<String>,
    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, clap::Args, Clone)]
pub struct FinalArgs {
    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, clap::Args, Clone)]
pub struct AutoArgs {
    /// Release a patch even when no commit calls for a release.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub apply: ApplyArgs,
}

/// `release major|minor|patch [--pre LABEL]`
pub fn level(dir: &Path, level: Level, a: LevelArgs) -> Result<()> {
    let req = Request::Bump(Bump::Level(level, a.pre));
    crate::release::run(dir, &req, &a.apply.options())
}

/// `release final`
pub fn final_(dir: &Path, a: FinalArgs) -> Result<()> {
    crate::release::run(dir, &Request::Bump(Bump::Final), &a.apply.options())
}

/// `release auto [--force]`
pub fn auto(dir: &Path, a: AutoArgs) -> Result<()> {
    crate::release::run(dir, &Request::Auto { force: a.force }, &a.apply.options())
}
