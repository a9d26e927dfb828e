//! Human output on stderr (colour only on a terminal, never with `NO_COLOR`), spinners,
//! and the confirmation prompt. Machine output (`--json`) goes to stdout elsewhere.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

fn colour() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn paint(code: &str, s: &str) -> String {
    if colour() {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// A plain message for people.
pub fn say(msg: &str) {
    eprintln!("{}", msg.trim_end());
}

pub fn success(msg: &str) {
    eprintln!("{} {msg}", paint("32;1", "done:"));
}

pub fn warn(msg: &str) {
    eprintln!("{} {msg}", paint("33;1", "warning:"));
}

pub fn error(msg: &str) {
    eprintln!("{} {msg}", paint("31;1", "error:"));
}

pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks a yes/no question on the terminal; only `y`/`yes` says yes.
pub fn confirm(question: &str) -> std::io::Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// A spinner while a step runs on a terminal; plain lines otherwise.
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub fn start(label: &str) -> Spinner {
        if !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let pb = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
            pb.set_style(style);
        }
        pb.set_message(label.to_string());
        pb.enable_steady_tick(Duration::from_millis(100));
        Spinner(Some(pb))
    }

    pub fn done(self, label: &str) {
        self.finish(&format!("{} {label}", paint("32", "ok ")));
    }

    pub fn fail(self, label: &str) {
        self.finish(&format!("{} {label}", paint("31", "FAIL")));
    }

    fn finish(self, line: &str) {
        if let Some(pb) = self.0 {
            pb.finish_and_clear();
        }
        eprintln!("{line}");
    }
}
