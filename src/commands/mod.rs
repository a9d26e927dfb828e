//! One module per subcommand, each with its clap `Args` beside its `run()`. This file
//! only names them and dispatches; nothing below `commands` imports from here.

pub mod changelog;
pub mod check;
pub mod demo;
pub mod hooks;
pub mod images;
pub mod init;
pub mod promote;
pub mod release;
pub mod resume;
pub mod status;
pub mod version;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

const AFTER: &str = "\
Exit codes:
  0  done
  1  a step failed; everything local was rolled back (`check`: errors found)
  2  refused (bad usage or a preflight problem); nothing was changed
  3  `status`: a copy is out of step
  130  interrupted before the push (Ctrl-C); everything local was rolled back

Interrupted (killed, power lost)? `release resume` finishes it, `release abort` takes it back.

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
    Major(release::LevelArgs),
    /// Release the next minor version (1.4.2 -> 1.5.0).
    #[command(after_help = AFTER)]
    Minor(release::LevelArgs),
    /// Release the next patch version (1.4.2 -> 1.4.3).
    #[command(after_help = AFTER)]
    Patch(release::LevelArgs),
    /// Turn the current pre-release into the final version (0.2.0-rc.2 -> 0.2.0).
    #[command(after_help = AFTER)]
    Final(release::FinalArgs),
    /// Release the level the commits since the last release call for (Conventional Commits).
    #[command(after_help = AFTER)]
    Auto(release::AutoArgs),
    /// Finish a release that was interrupted (push its commit and tag; no version skipped).
    Resume(resume::ResumeArgs),
    /// Take back a release that was interrupted (every local step; origin is untouched).
    Abort(resume::AbortArgs),
    /// Write CHANGELOG.md for the whole history (Keep a Changelog format).
    Changelog(changelog::Args),
    /// Set kubernetes/prod to the images kubernetes/test runs, commit and push.
    #[command(after_help = AFTER)]
    Promote(promote::Args),
    /// Where GitHub, this clone and the other clones stand (exit 3 when any is out of step).
    Status(status::Args),
    /// Install, remove or inspect the git hooks that warn about unsynced clones.
    Hooks(hooks::Args),
    /// Show which images a release builds, from which Dockerfile, and why.
    Images,
    /// Lint the Kubernetes folders: the mistakes that break test or prod (exit 1 on errors).
    Check(check::Args),
    /// Write the reference layout (kubernetes/, docker/, .release.yml) into this project.
    Init(init::Args),
    /// Print the current version and what each level would give.
    Version(version::Args),
    /// Build a sandbox (a bare "GitHub" and two clones) and run a real release in it.
    Demo(demo::Args),
}

/// Runs the command line's command in its folder.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let dir = match cli.dir {
        Some(d) => d,
        None => std::env::current_dir()?,
    };
    dispatch(&dir, cli.command)
}

fn dispatch(dir: &Path, command: Command) -> anyhow::Result<()> {
    use crate::version::Level;
    match command {
        Command::Major(a) => release::level(dir, Level::Major, a),
        Command::Minor(a) => release::level(dir, Level::Minor, a),
        Command::Patch(a) => release::level(dir, Level::Patch, a),
        Command::Final(a) => release::final_(dir, a),
        Command::Auto(a) => release::auto(dir, a),
        Command::Resume(a) => resume::resume(dir, a),
        Command::Abort(a) => resume::abort(dir, a),
        Command::Changelog(a) => changelog::run(dir, a),
        Command::Promote(a) => promote::run(dir, a),
        Command::Status(a) => status::run(dir, a),
        Command::Hooks(a) => hooks::run(dir, a),
        Command::Images => images::run(dir),
        Command::Check(a) => check::run(dir, a),
        Command::Init(a) => init::run(dir, a),
        Command::Version(a) => version::run(dir, a),
        Command::Demo(a) => demo::run(a),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_valid() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
