use clap::Parser;
use release::commands::{self, Cli};
use release::error::{EXIT_DONE, exit_code};

fn main() {
    let code = match commands::run(Cli::parse()) {
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
