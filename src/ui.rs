//! The one output layer. People read stderr (colour only on a terminal, never with
//! `NO_COLOR`); `--json` and listings go to stdout through [`out`]. Every line passes
//! through [`escape`], so text from outside (commit subjects, file and clone names,
//! registry replies) can never move the cursor or retitle the terminal. Progress lines
//! (one spinner per running step or image) share one `MultiProgress`, so nothing that is
//! printed meanwhile tears them.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::borrow::Cow;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

/// How much to say: 0 quiet (errors and the final line), 1 normal, 2 verbose (every git
/// and engine call too).
static LEVEL: AtomicU8 = AtomicU8::new(1);

/// `-q` gives 0, nothing 1, `-v` 2.
pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

/// What the tool is doing under the hood (`-v`): a program it runs, an engine call.
pub fn trace(msg: &str) {
    if level() >= 2 {
        line(&format!("{} {}", paint("2", "+"), escape(msg)));
    }
}
use std::time::Duration;

/// With `RELEASE_TIMING` set: `timing: PHASE MS` on stderr, the wall time since `since`
/// (what `bench/deploy.sh` reads to say where the time goes). Returns now, for the next.
pub fn timing(phase: &str, since: std::time::Instant) -> std::time::Instant {
    if std::env::var_os("RELEASE_TIMING").is_some() {
        eprintln!("timing: {phase} {}", since.elapsed().as_millis());
    }
    std::time::Instant::now()
}

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

/// Control characters made visible (`\x1b`), except newline and tab: what reaches the
/// terminal is what the text says, never what it would do.
pub fn escape(s: &str) -> Cow<'_, str> {
    let bad = |c: char| (c.is_control() && c != '\n' && c != '\t') || c == '\u{7f}';
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            o.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            o.push(c);
        }
    }
    Cow::Owned(o)
}

/// The progress area, when stderr is a terminal.
fn multi() -> Option<&'static MultiProgress> {
    static M: OnceLock<Option<MultiProgress>> = OnceLock::new();
    M.get_or_init(|| std::io::stderr().is_terminal().then(MultiProgress::new))
        .as_ref()
}

/// Prints one already-escaped line on stderr above any progress lines.
fn line(text: &str) {
    match multi() {
        Some(m) => {
            let _ = m.println(text);
        }
        None => eprintln!("{text}"),
    }
}

/// A plain message for people (not with `-q`).
pub fn say(msg: &str) {
    if level() >= 1 {
        line(escape(msg.trim_end()).as_ref());
    }
}

pub fn success(msg: &str) {
    line(&format!("{} {}", paint("32;1", "done:"), escape(msg)));
}

pub fn warn(msg: &str) {
    if level() >= 1 {
        line(&format!("{} {}", paint("33;1", "warning:"), escape(msg)));
    }
}

pub fn error(msg: &str) {
    line(&format!("{} {}", paint("31;1", "error:"), escape(msg)));
}

/// A line on stdout (listings, `--json`), escaped like everything else.
pub fn out(text: &str) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{}", escape(text.strip_suffix('\n').unwrap_or(text)));
}

pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks a yes/no question on the terminal; only `y`/`yes` says yes.
pub fn confirm(question: &str) -> std::io::Result<bool> {
    eprint!("{} [y/N] ", escape(question));
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// `12.3 MiB`
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// One running thing (a step, an image): a spinner on a terminal, plain lines otherwise.
pub struct Progress {
    bar: Option<ProgressBar>,
    prefix: String,
}

impl Progress {
    /// A spinner showing `label`; without a terminal nothing is printed until it ends.
    pub fn start(label: &str) -> Progress {
        Progress::with_template("{spinner} {msg}", "", label)
    }

    /// A spinner for `name` whose message changes as it goes ([`Progress::set`]); without
    /// a terminal each message is a line `  name: message`.
    pub fn named(name: &str) -> Progress {
        Progress::with_template("  {spinner} {prefix}: {wide_msg}", name, "")
    }

    fn with_template(template: &str, prefix: &str, msg: &str) -> Progress {
        let bar = multi().filter(|_| level() >= 1).map(|m| {
            let pb = m.add(ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template(template) {
                pb.set_style(style);
            }
            pb.set_prefix(escape(prefix).into_owned());
            pb.set_message(escape(msg).into_owned());
            pb.enable_steady_tick(Duration::from_millis(110));
            pb
        });
        Progress {
            bar,
            prefix: prefix.to_string(),
        }
    }

    /// What it is doing now.
    pub fn set(&self, msg: &str) {
        match &self.bar {
            Some(pb) => pb.set_message(escape(msg).into_owned()),
            None => say(&format!("  {}: {msg}", self.prefix)),
        }
    }

    /// `ok  label`
    pub fn done(self, label: &str) {
        self.finish(&format!("{} {}", paint("32", "ok "), escape(label)));
    }

    /// `FAIL label`
    pub fn fail(self, label: &str) {
        self.finish(&format!("{} {}", paint("31", "FAIL"), escape(label)));
    }

    /// `  name: message`, the spinner gone.
    pub fn end(self, msg: &str) {
        let text = format!("  {}: {}", escape(&self.prefix), escape(msg));
        self.finish(&text);
    }

    fn finish(self, text: &str) {
        if let Some(pb) = &self.bar {
            pb.finish_and_clear();
            if let Some(m) = multi() {
                m.remove(pb);
            }
        }
        if level() >= 1 {
            line(text);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_makes_controls_visible() {
        assert_eq!(super::escape("a\tb\nc"), "a\tb\nc");
        assert_eq!(super::escape("\x1b]0;pwned\x07x"), "\\x1b]0;pwned\\x07x");
        assert_eq!(super::escape("\u{9b}2J\u{7f}"), "\\x9b2J\\x7f");
    }
}
