//! One module per subcommand, each with its clap `Args` beside its `run()`. This file
//! only names them and dispatches; nothing below `commands` imports from here.

pub mod changelog;
pub mod check;
pub mod completions;
pub mod demo;
mod demo_cluster;
pub mod deploy;
pub mod hooks;
pub mod images;
pub mod init;
pub mod new_files;
pub mod notes;
pub mod promote;
pub mod release;
pub mod resume;
pub mod sample;
pub mod status;
pub mod sync;
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
    /// Read this config file instead of .release.yml (also RELEASE_CONFIG).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Say more: every git and engine call.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Say only errors and the final line.
    #[arg(short, long, global = true)]
    pub quiet: bool,
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
    /// Release exactly this version (`release set 2.0.0`, or just `release 2.0.0`).
    #[command(after_help = AFTER)]
    Set(release::SetArgs),
    /// Finish a release that was interrupted (push its commit and tag; no version skipped).
    Resume(resume::ResumeArgs),
    /// Take back a release that was interrupted (every local step; origin is untouched).
    Abort(resume::AbortArgs),
    /// Write CHANGELOG.md for the whole history (Keep a Changelog format).
    Changelog(changelog::Args),
    /// Set kubernetes/prod to the images kubernetes/test runs, commit and push.
    #[command(after_help = AFTER)]
    Promote(promote::Args),
    /// Apply test's (or prod's) manifests to the cluster, wait for the rollouts, check what runs.
    Deploy(deploy::Args),
    /// Where GitHub, this clone and the other clones stand (exit 3 when any is out of step).
    Status(status::Args),
    /// Bring the other clones to GitHub where that is safe (fast-forward; push with --push).
    Sync(sync::Args),
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
    /// Print one release's changelog section without its heading (for `gh release create`).
    Notes(notes::Args),
    /// Build a sandbox (a bare "GitHub" and two clones) and run a real release in it.
    Demo(demo::Args),
    /// Print the shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Write the manual pages (roff) into a folder, or `release.1` to stdout.
    Man(completions::ManArgs),
    #[command(external_subcommand)]
    Other(Vec<String>),
}

/// Runs the command line's command in its folder.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    crate::ui::set_level(match (cli.quiet, cli.verbose) {
        (true, _) => 0,
        (_, true) => 2,
        _ => 1,
    });
    if let Some(c) = cli.config {
        crate::config::use_file(c);
    }
    let dir = match cli.dir {
        Some(d) if !d.is_dir() => {
            return Err(crate::error::refused(format!(
                "{} does not exist (or is not a folder): give -C the path of your project's clone",
                d.display()
            )));
        }
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
        Command::Set(a) => release::set(dir, a),
        Command::Resume(a) => resume::resume(dir, a),
        Command::Abort(a) => resume::abort(dir, a),
        Command::Changelog(a) => changelog::run(dir, a),
        Command::Promote(a) => promote::run(dir, a),
        Command::Status(a) => status::run(dir, a),
        Command::Deploy(a) => deploy::run(dir, a),
        Command::Sync(a) => sync::run(dir, a),
        Command::Hooks(a) => hooks::run(dir, a),
        Command::Images => images::run(dir),
        Command::Check(a) => check::run(dir, a),
        Command::Init(a) => init::run(dir, a),
        Command::Version(a) => version::run(dir, a),
        Command::Demo(a) => demo::run(a),
        Command::Notes(a) => notes::run(dir, a),
        Command::Completions(a) => completions::completions(a),
        Command::Man(a) => completions::man(a),
        Command::Other(args) => other(dir, args),
    }
}

/// `release 2.0.0 [--yes ...]` is `release set 2.0.0`; anything else is not a command.
fn other(dir: &Path, args: Vec<String>) -> anyhow::Result<()> {
    let first = args.first().map(String::as_str).unwrap_or("");
    if semver::Version::parse(first.trim_start_matches('v')).is_err() {
        use clap::CommandFactory;
        let cmd = Cli::command();
        let close = cmd
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(|c| (strsim::jaro(first, c.get_name()), c.get_name().to_string()))
            .filter(|(score, _)| *score > 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let tip = close.map_or(String::new(), |(_, name)| {
            format!(" (a similar command exists: '{name}')")
        });
        return Err(crate::error::refused(format!(
            "unrecognized subcommand '{first}'{tip}: it is neither a command nor a version (an explicit version looks like 2.0.0); see `release --help`"
        )));
    }
    let argv = ["release", "set"].into_iter().map(String::from).chain(args);
    match Cli::try_parse_from(argv) {
        Ok(Cli {
            command: Command::Set(a),
            ..
        }) => release::set(dir, a),
        Ok(_) => Err(crate::error::refused("see `release --help`")),
        Err(e) => e.exit(),
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
