use clap::Parser;
use release::cli::{Cli, Command};
use release::error::{EXIT_DONE, exit_code};
use release::release::Options;
use release::version::{Bump, Level};

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(()) => EXIT_DONE,
        Err(e) => {
            release::ui::error(&format!("{e:#}"));
            exit_code(&e)
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let dir = match cli.dir {
        Some(d) => d,
        None => std::env::current_dir()?,
    };
    let release = |bump: Bump, a: &release::cli::ApplyArgs| {
        let opts = Options {
            dry_run: a.dry_run,
            yes: a.yes,
        };
        release::release::run(&dir, &bump, &opts).map(|_| ())
    };
    match cli.command {
        Command::Major(a) => release(Bump::Level(Level::Major, a.pre), &a.apply),
        Command::Minor(a) => release(Bump::Level(Level::Minor, a.pre), &a.apply),
        Command::Patch(a) => release(Bump::Level(Level::Patch, a.pre), &a.apply),
        Command::Final(a) => release(Bump::Final, &a.apply),
        Command::Version(a) => release::version_report::run(&dir, a.explain, a.json),
        Command::Demo(a) => release::demo::run(a.into.as_deref()),
    }
}
