use clap::{CommandFactory, FromArgMatches};
use kube_release::commands::{self, Cli};
use kube_release::error::{EXIT_DONE, exit_code};

fn main() {
    // Every command's --version says `release X.Y.Z`, not `release-version X.Y.Z`.
    let matches = Cli::command()
        .mut_subcommands(|s| s.display_name("release"))
        .get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let code = match commands::run(cli) {
        Ok(()) => EXIT_DONE,
        Err(e) => {
            let msg = format!("{e:#}");
            if !msg.is_empty() {
                kube_release::ui::error(&msg);
            }
            exit_code(&e)
        }
    };
    std::process::exit(code);
}
