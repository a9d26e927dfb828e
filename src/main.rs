use clap::Parser;
use release::cli::{ApplyArgs, Cli, Command, HooksAction};
use release::error::{EXIT_DONE, exit_code};
use release::release::{Options, Request};
use release::version::{Bump, Level};
use std::path::Path;

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(()) => EXIT_DONE,
        Err(e) => {
            let msg = format!("{e:#}");
            if !msg.is_empty() {
                release::ui::error(&msg);
            }
            exit_code(&e)
        }
    };
    std::process::exit(code);
}

fn release(dir: &Path, req: Request, a: &ApplyArgs) -> anyhow::Result<()> {
    let opts = Options {
        dry_run: a.dry_run,
        yes: a.yes,
        replace_latest: a.replace_latest,
        skip_images: a.skip_images,
    };
    release::release::run(dir, &req, &opts)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let dir = match cli.dir {
        Some(d) => d,
        None => std::env::current_dir()?,
    };
    let level = |l: Level, pre: Option<String>| Request::Bump(Bump::Level(l, pre));
    match cli.command {
        Command::Major(a) => release(&dir, level(Level::Major, a.pre), &a.apply),
        Command::Minor(a) => release(&dir, level(Level::Minor, a.pre), &a.apply),
        Command::Patch(a) => release(&dir, level(Level::Patch, a.pre), &a.apply),
        Command::Final(a) => release(&dir, Request::Bump(Bump::Final), &a.apply),
        Command::Auto(a) => release(&dir, Request::Auto { force: a.force }, &a.apply),
        Command::Changelog(a) => release::changelog_file::run(&dir, a.stdout, a.unreleased),
        Command::Promote(a) => {
            let opts = Options {
                dry_run: a.dry_run,
                yes: a.yes,
                skip_images: a.skip_images,
                ..Options::default()
            };
            release::promote::run(&dir, a.target.as_deref(), &opts)
        }
        Command::Status(a) => release::status_cmd::run(&dir, a.offline, a.json),
        Command::Hooks(h) => match h.action {
            HooksAction::Install => release::hooks::install(&dir),
            HooksAction::Uninstall => release::hooks::uninstall(&dir),
            HooksAction::Status => release::hooks::status(&dir),
            HooksAction::Run { name, args } => std::process::exit(release::hooks::run::run(&name, &args)),
        },
        Command::Images => release::images::show(&dir),
        Command::Check(a) => release::check_cmd::run(&dir, a.json),
        Command::Init(a) => {
            let names = release::init::Names {
                app: a.app,
                user: a.user,
                nodeport_test: a.nodeport_test,
                nodeport_prod: a.nodeport_prod,
            };
            release::init::run(&dir, &names)
        }
        Command::Version(a) => release::version_report::run(&dir, a.explain, a.json),
        Command::Demo(a) => release::demo::run(a.into.as_deref(), a.registry.as_deref()),
    }
}
