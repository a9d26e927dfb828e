//! Command-line types (clap derive). No logic here.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER: &str = "\
Exit codes:
  0  done
  1  a step failed; everything local was rolled back (`check`: errors found)
  2  refused (bad usage or a preflight problem); nothing was changed
  3  `status`: a copy is out of step

Configuration: an optional .release.yml at the repository root, e.g.
  tag_prefix: v        # prefix for new tags (default: what existing tags use)
  branch: main         # branch releases are cut from (default: origin's HEAD branch)
  remote: origin       # the remote that stands for GitHub
  and changelog:, types:, environments:, manifests:, images:, clones:, hooks: (see README.md)";

/// Cut a release in one safe step: next semantic version, CHANGELOG.md, kubernetes/test
/// image tags, images built and pushed with that tag, git tag, and push.
#[derive(Debug, Parser)]
#[command(name = "release", version, about, after_help = AFTER, propagate_version = true)]
pub struct Cli {
    /// Run as if started in this folder.
    #[arg(short = 'C', long = "dir", global = true, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Release the next major version (1.4.2 -> 2.0.0).
    #[command(after_help = AFTER)]
    Major(ReleaseArgs),
    /// Release the next minor version (1.4.2 -> 1.5.0).
    #[command(after_help = AFTER)]
    Minor(ReleaseArgs),
    /// Release the next patch version (1.4.2 -> 1.4.3).
    #[command(after_help = AFTER)]
    Patch(ReleaseArgs),
    /// Turn the current pre-release into the final version (0.2.0-rc.2 -> 0.2.0).
    #[command(after_help = AFTER)]
    Final(FinalArgs),
    /// Release the level the commits since the last release call for (Conventional Commits).
    #[command(after_help = AFTER)]
    Auto(AutoArgs),
    /// Write CHANGELOG.md for the whole history (Keep a Changelog format).
    Changelog(ChangelogArgs),
    /// Set kubernetes/prod to the images kubernetes/test runs, commit and push.
    #[command(after_help = AFTER)]
    Promote(PromoteArgs),
    /// Where GitHub, this clone and the other clones stand (exit 3 when any is out of step).
    Status(StatusArgs),
    /// Install, remove or inspect the git hooks that warn about unsynced clones.
    Hooks(HooksArgs),
    /// Show which images a release builds, from which Dockerfile, and why.
    Images,
    /// Lint the Kubernetes folders: the mistakes that break test or prod (exit 1 on errors).
    Check(CheckArgs),
    /// Write the reference layout (kubernetes/, docker/, .release.yml) into this project.
    Init(InitArgs),
    /// Print the current version and what each level would give.
    Version(VersionArgs),
    /// Build a sandbox (a bare "GitHub" and two clones) and run a real release in it.
    Demo(DemoArgs),
}

#[derive(Debug, Args, Clone, Default)]
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
}

#[derive(Debug, Args, Clone)]
pub struct ReleaseArgs {
    /// Make a pre-release with this label: `--pre rc` gives 0.2.0-rc.1, then rc.2, ...
    #[arg(long, value_name = "LABEL")]
    pub pre: Option<String>,
    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, Args, Clone)]
pub struct FinalArgs {
    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, Args, Clone)]
pub struct AutoArgs {
    /// Release a patch even when no commit calls for a release.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, Args, Clone)]
pub struct ChangelogArgs {
    /// Print it on stdout instead of writing the file.
    #[arg(long)]
    pub stdout: bool,
    /// Print only what the next release would say.
    #[arg(long, conflicts_with = "stdout")]
    pub unreleased: bool,
}

#[derive(Debug, Args, Clone)]
pub struct PromoteArgs {
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
}

#[derive(Debug, Args, Clone)]
pub struct StatusArgs {
    /// Use only what is on disk (no fetch, no ssh).
    #[arg(long)]
    pub offline: bool,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Clone)]
pub struct HooksArgs {
    #[command(subcommand)]
    pub action: HooksAction,
}

#[derive(Debug, Subcommand, Clone)]
pub enum HooksAction {
    /// Put pre-commit, pre-push and post-merge where git looks (keeps existing hooks).
    Install,
    /// Remove release's hooks and restore any hook they had set aside.
    Uninstall,
    /// Show which hooks are installed.
    Status,
    /// Run one hook's checks (the installed hooks call this).
    #[command(hide = true)]
    Run {
        name: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// Print the findings as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// The app's name, used in object names (lower-case, digits, `-`).
    #[arg(long, default_value = "hello")]
    pub app: String,
    /// Your Docker Hub user: images are USER/APP-api and USER/APP-wrk.
    #[arg(long, default_value = "demo")]
    pub user: String,
    /// The test API's nodePort (30000-32767).
    #[arg(long, default_value_t = 30081)]
    pub nodeport_test: u16,
    /// The prod API's nodePort (30000-32767, not the test one).
    #[arg(long, default_value_t = 30082)]
    pub nodeport_prod: u16,
}

#[derive(Debug, Args, Clone)]
pub struct VersionArgs {
    /// Say which tag was chosen and why, and which tags were ignored.
    #[arg(long)]
    pub explain: bool,
    /// Print JSON on stdout (stable keys) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Build the sandbox in this folder (must not exist yet) instead of a new temporary one.
    #[arg(long, value_name = "PATH")]
    pub into: Option<PathBuf>,
    /// Push the demo's images to this registry (default: localhost:5000 when it answers).
    #[arg(long, value_name = "HOST:PORT")]
    pub registry: Option<String>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_valid() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
