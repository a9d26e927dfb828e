//! `release hooks install | uninstall | status` (and `run`, which the hooks call).

use anyhow::Result;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand, Clone)]
pub enum Action {
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

pub fn run(dir: &Path, a: Args) -> Result<()> {
    match a.action {
        Action::Install => crate::git_hooks::install(dir),
        Action::Uninstall => crate::git_hooks::uninstall(dir),
        Action::Status => crate::git_hooks::status(dir),
        Action::Run { name, args } => std::process::exit(crate::git_hooks::run::run(&name, &args)),
    }
}
