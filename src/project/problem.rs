//! The one shape of "something is wrong": what happened, where (file:line or a ref, when
//! known), and the fix. Preflight, `check`, images, manifests and peers all speak it.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// Where a problem is: a file and line, or another place (a ref, an image, a peer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum At {
    Line { file: PathBuf, line: usize },
    Place { place: String },
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Line { file, line } if *line > 0 => write!(f, "{}:{line}", file.display()),
            At::Line { file, .. } => write!(f, "{}", file.display()),
            At::Place { place } => f.write_str(place),
        }
    }
}

/// A reason not to go on, where it is, and the command or edit that fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<At>,
    pub fix: String,
}

impl Problem {
    pub fn new(what: impl Into<String>, fix: impl Into<String>) -> Problem {
        Problem {
            what: what.into(),
            at: None,
            fix: fix.into(),
        }
    }

    /// The same problem, placed at `file:line`.
    pub fn at_line(mut self, file: impl Into<PathBuf>, line: usize) -> Problem {
        self.at = Some(At::Line {
            file: file.into(),
            line,
        });
        self
    }

    /// The same problem, placed at a ref, an image or a peer.
    pub fn at_place(mut self, place: impl Into<String>) -> Problem {
        self.at = Some(At::Place { place: place.into() });
        self
    }

    /// `file:line: what`, or just `what`.
    pub fn headline(&self) -> String {
        match &self.at {
            Some(at) => format!("{at}: {}", self.what),
            None => self.what.clone(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n  fix: {}", self.headline(), self.fix)
    }
}

impl std::error::Error for Problem {}

/// Every problem, each with its fix, under one heading that says nothing was changed.
pub fn list(problems: &[Problem]) -> String {
    let mut s = format!("preflight found {} problem(s); nothing was changed:", problems.len());
    for p in problems {
        s.push_str(&format!("\n  - {}", p.headline()));
        s.push_str(&format!("\n      fix: {}", p.fix));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_place_and_fix() {
        let p = Problem::new("bad tag", "git tag -d x").at_line("k/a.yml", 3);
        assert_eq!(p.headline(), "k/a.yml:3: bad tag");
        assert_eq!(p.to_string(), "k/a.yml:3: bad tag\n  fix: git tag -d x");
        let q = Problem::new("gone", "fetch").at_place("origin/main");
        assert_eq!(
            list(&[q]),
            "preflight found 1 problem(s); nothing was changed:\n  - origin/main: gone\n      fix: fetch"
        );
    }
}
