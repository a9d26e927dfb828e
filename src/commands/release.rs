//! `release major|minor|patch|final|auto`: cut a release.

use crate::release::Request;
use crate::transaction::Options;
use crate::version::{Bump, Level};
use anyhow::Result;
use std::path::Path;

/// How any transaction runs (release and promote).
#[derive(Debug, clap::Args, Clone, Default)]
pub struct TxArgs {
    /// Print the plan and stop; nothing is changed.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(short, long)]
    pub yes: bool,
    /// Skip your git hooks (pre-commit, commit-msg) and the release hooks of .release.yml.
    #[arg(long)]
    pub no_verify: bool,
    /// Sign the commit (and tag) the tool makes (git's commit.gpgsign / tag.gpgSign apply anyway).
    #[arg(long)]
    pub sign: bool,
}

impl TxArgs {
    /// The options these flags give; the rest are off.
    pub fn options(&self) -> Options {
        Options {
            dry_run: self.dry_run,
            yes: self.yes,
            no_verify: self.no_verify,
            sign: self.sign,
            ..Options::default()
        }
    }
}

/// How to apply: shared by every kind of release.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub tx: TxArgs,
    /// Pin project images tagged `latest` (or untagged) in kubernetes/test to the new version.
    #[arg(long)]
    pub replace_latest: bool,
    /// Release git only: build and push no images (for repositories without Docker).
    #[arg(long)]
    pub skip_images: bool,
    /// Keep the commit, tag and images local; `release resume` pushes them later.
    #[arg(long)]
    pub no_push: bool,
    /// Go on although `release check` finds errors (the plan lists them); for one rule at a
    /// time, `check: { allow: [RULE] }` in .release.yml.
    #[arg(long)]
    pub allow_check_errors: bool,
}

impl ApplyArgs {
    fn options(&self) -> Options {
        Options {
            no_push: self.no_push,
            ..self.tx.options()
        }
        .with_flag(crate::manifests::REPLACE_LATEST, self.replace_latest)
        .with_flag(crate::images::SKIP, self.skip_images)
        .with_flag(crate::manifests::ALLOW_CHECK_ERRORS, self.allow_check_errors)
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
    /// Make a pre-release of the level the commits call for: `--pre rc` gives 0.3.0-rc.1.
    #[arg(long, value_name = "LABEL")]
    pub pre: Option<String>,
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
    let req = Request::Auto {
        force: a.force,
        pre: a.pre,
    };
    crate::release::run(dir, &req, &a.apply.options())
}

#[derive(Debug, clap::Args, Clone)]
pub struct SetArgs {
    /// The version to release, above the current one (`2.0.0`, `1.5.0-rc.1`; a leading `v` is fine).
    #[arg(value_name = "VERSION", id = "target")]
    pub target: String,
    #[command(flatten)]
    pub apply: ApplyArgs,
}

/// `release set X.Y.Z` (also `release X.Y.Z`)
pub fn set(dir: &Path, a: SetArgs) -> Result<()> {
    let text = a.target.trim().trim_start_matches('v');
    let v = semver::Version::parse(text).map_err(|e| {
        crate::error::refused(format!(
            "`{}` is not a version MAJOR.MINOR.PATCH ({e}): for example release 2.0.0",
            a.target
        ))
    })?;
    crate::release::run(dir, &Request::Bump(Bump::Exact(v)), &a.apply.options())
}
