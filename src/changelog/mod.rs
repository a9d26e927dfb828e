//! Pure: Keep a Changelog 1.1 sections from commits, the whole file, and splicing a new
//! release into an existing CHANGELOG.md without touching anything else in it.

pub mod commits;
pub mod file;
pub mod history;

use crate::changelog::commits::{Message, is_release_bookkeeping};
pub use crate::config::commit_types::{Section, TypeSections};
use regex::Regex;
use std::fmt::Write as _;
use std::sync::LazyLock;

/// One line of a release section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub section: Section,
    pub breaking: bool,
    pub scope: Option<String>,
    pub text: String,
    pub breaking_note: Option<String>,
    pub short: String,
}

/// The section a commit type goes to.
pub fn section_of(kind: &str, extra: &TypeSections) -> Section {
    match kind {
        "feat" => Section::Added,
        "fix" => Section::Fixed,
        "perf" | "refactor" => Section::Changed,
        "revert" => Section::Removed,
        "deprecate" | "deprecated" => Section::Deprecated,
        "security" | "sec" => Section::Security,
        k => extra.get(k).copied().unwrap_or(Section::Other),
    }
}

/// The changelog line for a commit, or `None` for merges and release bookkeeping.
pub fn entry(m: &Message, short: &str, parents: usize, extra: &TypeSections) -> Option<Entry> {
    if parents > 1 || is_release_bookkeeping(m) {
        return None;
    }
    let text = if m.description.is_empty() {
        "(no message)".to_string()
    } else {
        plain(&m.description)
    };
    Some(Entry {
        section: section_of(&m.kind, extra),
        breaking: m.breaking,
        scope: m.scope.as_deref().map(plain),
        text,
        breaking_note: m.breaking_note.as_ref().and_then(|n| n.lines().next()).map(plain),
        short: short.to_string(),
    })
}

/// Commit text as it may stand in CHANGELOG.md: control characters (ESC and the other C0
/// and C1 controls, DEL) dropped, so no terminal sequence reaches the file; tabs become spaces.
pub fn plain(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// One release (or the unreleased part) of the changelog.
#[derive(Debug, Clone)]
pub struct Release {
    /// The version as written in the heading (`0.2.0`); `None` for Unreleased.
    pub version: Option<String>,
    /// The tag (`v0.2.0`), for links.
    pub tag: Option<String>,
    pub date: Option<String>,
    pub entries: Vec<Entry>,
}

fn entry_line(e: &Entry) -> String {
    let mut s = String::from("- ");
    if e.breaking {
        s.push_str("**BREAKING** ");
    }
    if let Some(scope) = &e.scope {
        let _ = write!(s, "**{scope}:** ");
    }
    let _ = write!(s, "{} ({})", e.text, e.short);
    if let Some(note) = &e.breaking_note
        && note != &e.text
    {
        let _ = write!(s, "\n  - {note}");
    }
    s
}

/// `### Added` -> lines, in Keep a Changelog order, breaking first within each.
fn grouped(entries: &[Entry]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for sec in Section::ALL {
        let mut lines: Vec<&Entry> = entries.iter().filter(|e| e.section == sec).collect();
        lines.sort_by_key(|e| !e.breaking);
        if !lines.is_empty() {
            out.push((sec.title().to_string(), lines.into_iter().map(entry_line).collect()));
        }
    }
    out
}

fn heading(r: &Release) -> String {
    match (&r.version, &r.date) {
        (Some(v), Some(d)) => format!("## [{v}] - {d}"),
        (Some(v), None) => format!("## [{v}]"),
        (None, _) => "## [Unreleased]".to_string(),
    }
}

fn render_groups(groups: &[(String, Vec<String>)]) -> String {
    let mut s = String::new();
    for (title, lines) in groups {
        let _ = write!(s, "\n### {title}\n\n");
        for l in lines {
            let _ = writeln!(s, "{l}");
        }
    }
    s
}

/// The section for one release, `## [X.Y.Z] - date` and its groups (`\n` line ends).
pub fn render_release(r: &Release) -> String {
    format!("{}\n{}", heading(r), render_groups(&grouped(&r.entries)))
}

pub const INTRO: &str = "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\nThe format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\nand this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n";

/// A whole CHANGELOG.md: `releases` newest first, the first may be Unreleased.
pub fn render_full(releases: &[Release], forge: Option<&Forge>) -> String {
    let mut s = String::from(INTRO);
    for r in releases {
        let _ = write!(s, "\n{}", render_release(r));
    }
    if let Some(f) = forge {
        let mut defs = String::new();
        for (i, r) in releases.iter().enumerate() {
            let prev = releases.get(i + 1).and_then(|p| p.tag.as_deref());
            let _ = writeln!(defs, "{}", f.link_def(r.version.as_deref(), r.tag.as_deref(), prev));
        }
        if !defs.is_empty() {
            let _ = write!(s, "\n{defs}");
        }
    }
    s
}

/// A code forge whose compare links we know how to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forge {
    /// `https://github.com/user/repo`
    pub base: String,
    gitlab: bool,
}

static REMOTE_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:https?|ssh|git)://(?:[^@/]+@)?|[^@/]+@)?(?P<host>github\.com|gitlab\.com|codeberg\.org)(?::\d+)?[:/](?P<path>[^\s]+?)(?:\.git)?/?$")
        .expect("remote regex")
});

impl Forge {
    /// From origin's URL: GitHub/GitLab/Codeberg in https, ssh:// or scp form.
    pub fn from_remote_url(url: &str) -> Option<Forge> {
        let c = REMOTE_URL.captures(url.trim())?;
        let host = &c["host"];
        Some(Forge {
            base: format!("https://{host}/{}", &c["path"]),
            gitlab: host == "gitlab.com",
        })
    }

    fn compare(&self, a: &str, b: &str) -> String {
        let sep = if self.gitlab { "/-/compare/" } else { "/compare/" };
        format!("{}{sep}{a}...{b}", self.base)
    }

    /// `[0.2.0]: .../compare/0.1.0...0.2.0`, `[unreleased]: .../compare/0.2.0...HEAD`.
    pub fn link_def(&self, version: Option<&str>, tag: Option<&str>, prev_tag: Option<&str>) -> String {
        match (version, tag) {
            (Some(v), Some(t)) => match prev_tag {
                Some(p) => format!("[{v}]: {}", self.compare(p, t)),
                None => {
                    let sep = if self.gitlab { "/-/tags/" } else { "/releases/tag/" };
                    format!("[{v}]: {}{sep}{t}", self.base)
                }
            },
            _ => match prev_tag {
                Some(p) => format!("[unreleased]: {}", self.compare(p, "HEAD")),
                None => format!("[unreleased]: {}/commits", self.base),
            },
        }
    }
}

static UNRELEASED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^##\s+\[?unreleased\]?\s*$").expect("unreleased regex"));
static RELEASE_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^##\s+\[?v?\d+\.\d+\.\d+").expect("release heading regex"));
static LINK_DEF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[(?P<label>[^\]]+)\]:\s*\S").expect("link def regex"));

/// The result of splicing a release into an existing file.
#[derive(Debug, Clone)]
pub struct Spliced {
    pub text: String,
    pub warnings: Vec<String>,
}

/// Puts `release` into `existing` (the text of CHANGELOG.md): below `## [Unreleased]` (whose
/// entries move into the release), else above the newest release, else after the title.
/// Every other byte stays as it was; the file's line ending (LF or CRLF) is kept.
pub fn splice(existing: &str, release: &Release, prev_tag: Option<&str>, forge: Option<&Forge>) -> Spliced {
    let nl = if existing.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines: Vec<String> = existing.split_inclusive('\n').map(str::to_string).collect();
    let bare = |l: &str| l.trim_end_matches(['\n', '\r']).to_string();
    let mut warnings = Vec::new();
    let mut groups = grouped(&release.entries);

    let unreleased = lines.iter().position(|l| UNRELEASED.is_match(&bare(l)));
    let insert_at;
    if let Some(u) = unreleased {
        // Its body runs to the next `## ` heading or link definition.
        let end = (u + 1..lines.len())
            .find(|&i| bare(&lines[i]).starts_with("## ") || LINK_DEF.is_match(&bare(&lines[i])))
            .unwrap_or(lines.len());
        let body: Vec<String> = lines[u + 1..end].iter().map(|l| bare(l)).collect();
        merge_hand_entries(&mut groups, &body);
        lines.drain(u + 1..end);
        lines.insert(u + 1, nl.to_string());
        insert_at = u + 2;
    } else if let Some(r) = lines.iter().position(|l| RELEASE_HEADING.is_match(&bare(l))) {
        insert_at = r;
    } else {
        match lines.iter().position(|l| bare(l).starts_with("# ")) {
            Some(t) => {
                warnings.push("CHANGELOG.md has no release headings (`## [X.Y.Z]`): the new section was put right after its title".into());
                if !lines[t].ends_with('\n') {
                    lines[t].push_str(nl);
                }
                lines.insert(t + 1, nl.to_string());
                insert_at = t + 2;
            }
            None => {
                warnings
                    .push("CHANGELOG.md has no title or release headings: the new section was put at the top".into());
                insert_at = 0;
            }
        }
    }
    let section = format!("{}\n{}\n", heading(release), render_groups(&groups));
    let section = if nl == "\r\n" {
        section.replace('\n', "\r\n")
    } else {
        section
    };
    lines.insert(insert_at, section);

    if let Some(f) = forge {
        update_links(&mut lines, release, prev_tag, f, nl);
    }
    Spliced {
        text: lines.concat(),
        warnings,
    }
}

/// Hand-written `## [Unreleased]` lines join the release, under their own `### ` titles.
fn merge_hand_entries(groups: &mut Vec<(String, Vec<String>)>, body: &[String]) {
    let mut title = "Other".to_string();
    for line in body {
        if let Some(t) = line.strip_prefix("### ") {
            title = Section::from_title(t)
                .map(|s| s.title().to_string())
                .unwrap_or_else(|| t.trim().to_string());
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(t, _)| *t == title) {
            Some((_, lines)) => lines.push(line.clone()),
            None => groups.push((title.clone(), vec![line.clone()])),
        }
    }
    let order = |t: &str| Section::from_title(t).map(|s| s as usize).unwrap_or(usize::MAX);
    groups.sort_by_key(|(t, _)| order(t));
}

fn update_links(lines: &mut Vec<String>, release: &Release, prev_tag: Option<&str>, f: &Forge, nl: &str) {
    let (Some(v), Some(t)) = (release.version.as_deref(), release.tag.as_deref()) else {
        return;
    };
    let label_of = |l: &str| LINK_DEF.captures(l.trim_end()).map(|c| c["label"].to_ascii_lowercase());
    if lines
        .iter()
        .any(|l| label_of(l).as_deref() == Some(&v.to_ascii_lowercase()))
    {
        return;
    }
    let new_def = format!("{}{nl}", f.link_def(Some(v), Some(t), prev_tag));
    if let Some(u) = lines.iter().position(|l| label_of(l).as_deref() == Some("unreleased")) {
        lines[u] = format!("{}{nl}", f.link_def(None, None, Some(t)));
        lines.insert(u + 1, new_def);
    } else if let Some(first) = lines
        .iter()
        .position(|l| label_of(l).is_some_and(|lb| RELEASE_HEADING.is_match(&format!("## {lb}"))))
    {
        lines.insert(first, new_def);
    } else {
        if let Some(last) = lines.last_mut()
            && !last.ends_with('\n')
        {
            last.push_str(nl);
        }
        lines.push(nl.to_string());
        lines.push(new_def);
    }
}

/// `YYYY-MM-DD` for a time in seconds since the epoch, seen at `offset_minutes` from UTC.
pub fn date(seconds: i64, offset_minutes: i32) -> String {
    let days = (seconds + i64::from(offset_minutes) * 60).div_euclid(86_400);
    // Civil-from-days (H. Hinnant), proleptic Gregorian.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests;
