//! Pure: Conventional Commits 1.0 parsing and the release level they call for.
//!
//! Tolerant by design: a message that is not conventional, or whose type nobody
//! configured, is kept (it lands under "Other"); nothing here is ever an error.

use crate::version::Level;
use regex::Regex;
use semver::Version;
use std::sync::LazyLock;

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<type>[A-Za-z][A-Za-z0-9_-]*)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?: +(?P<desc>\S.*)$")
        .expect("header regex")
});
static FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<token>BREAKING CHANGE|BREAKING-CHANGE|[A-Za-z][A-Za-z0-9-]*)(?:: | #)(?P<value>.*)$")
        .expect("footer regex")
});
static REVERT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^Revert "(?P<subject>.*)"\s*$"#).expect("revert regex"));

/// One commit message, understood.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The type, lower-cased (`feat`, `fix`, ...); empty when the message is not conventional.
    pub kind: String,
    pub scope: Option<String>,
    /// `!` in the header or a `BREAKING CHANGE:` footer.
    pub breaking: bool,
    /// The description (or the whole first line when not conventional).
    pub description: String,
    pub body: Option<String>,
    pub footers: Vec<(String, String)>,
    /// The text of the `BREAKING CHANGE` footer, when there is one.
    pub breaking_note: Option<String>,
    /// `Revert "..."` (git's own form) or type `revert`.
    pub revert: bool,
    pub conventional: bool,
}

/// Parses a commit message. Never fails.
pub fn parse(message: &str) -> Message {
    let message = message.replace("\r\n", "\n");
    let mut paragraphs = split_paragraphs(&message);
    let header = if paragraphs.is_empty() {
        String::new()
    } else {
        paragraphs.remove(0)
    };
    let header = header.lines().next().unwrap_or("").trim().to_string();
    let mut m = Message::default();

    // Footers: the last paragraph when its first line is a footer.
    if let Some(last) = paragraphs.last()
        && last.lines().next().is_some_and(|l| FOOTER.is_match(l))
    {
        m.footers = parse_footers(last);
        paragraphs.pop();
    }
    if !paragraphs.is_empty() {
        m.body = Some(paragraphs.join("\n\n"));
    }
    for (k, v) in &m.footers {
        if k == "BREAKING CHANGE" || k == "BREAKING-CHANGE" {
            m.breaking = true;
            m.breaking_note = Some(v.clone());
        }
    }

    if let Some(c) = HEADER.captures(&header) {
        m.conventional = true;
        m.kind = c["type"].to_ascii_lowercase();
        m.scope = c
            .name("scope")
            .map(|s| s.as_str().trim().to_string())
            .filter(|s| !s.is_empty());
        m.breaking |= c.name("bang").is_some();
        m.description = c["desc"].trim().to_string();
        m.revert = m.kind == "revert";
    } else if let Some(c) = REVERT.captures(&header) {
        m.revert = true;
        m.kind = "revert".into();
        m.description = format!("revert \"{}\"", &c["subject"]);
    } else {
        m.description = header;
    }
    m
}

fn split_paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(cur.join("\n"));
                cur.clear();
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        out.push(cur.join("\n"));
    }
    out
}

fn parse_footers(par: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in par.lines() {
        match FOOTER.captures(line) {
            Some(c) => out.push((c["token"].to_string(), c["value"].trim().to_string())),
            None => {
                if let Some(last) = out.last_mut() {
                    last.1.push('\n');
                    last.1.push_str(line);
                }
            }
        }
    }
    out
}

/// True for `chore(release): ...`, the bookkeeping commits this tool makes.
/// The tool's own commits: `chore(release): X` and `chore(deploy): promote X to prod`.
pub fn is_release_bookkeeping(m: &Message) -> bool {
    m.kind == "chore"
        && (m.scope.as_deref() == Some("release")
            || (m.scope.as_deref() == Some("deploy") && m.description.starts_with("promote ")))
}

pub use crate::config::commit_types::TypeLevels;

/// The level one commit calls for on its own, before the 0.x rule (`None`: not releasable).
pub fn commit_level(m: &Message, extra: &TypeLevels) -> Option<Level> {
    if m.breaking {
        return Some(Level::Major);
    }
    match m.kind.as_str() {
        "feat" => Some(Level::Minor),
        "fix" | "perf" => Some(Level::Patch),
        k => extra.get(k).copied(),
    }
}

/// The level for a set of commits given the current version: from 1.0.0 on, breaking ->
/// major; before it (0.x), breaking -> minor. Returns the level and the deciding commits'
/// indexes (those that call for that level).
pub fn decide(messages: &[Message], current: Option<&Version>, extra: &TypeLevels) -> (Option<Level>, Vec<usize>) {
    let zero = current.is_none_or(|v| v.major == 0);
    let levels: Vec<Option<Level>> = messages
        .iter()
        .map(|m| commit_level(m, extra).map(|l| if zero && l == Level::Major { Level::Minor } else { l }))
        .collect();
    let top = levels.iter().flatten().max().copied();
    let deciding = match top {
        Some(t) => levels
            .iter()
            .enumerate()
            .filter(|(_, l)| **l == Some(t))
            .map(|(i, _)| i)
            .collect(),
        None => Vec::new(),
    };
    (top, deciding)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The examples of https://www.conventionalcommits.org/en/v1.0.0/#examples
    #[test]
    fn spec_breaking_footer() {
        let m = parse(
            "feat: allow provided config object to extend other configs\n\nBREAKING CHANGE: `extends` key in config file is now used for extending other config files",
        );
        assert_eq!(m.kind, "feat");
        assert!(m.breaking);
        assert_eq!(m.description, "allow provided config object to extend other configs");
        assert!(m.breaking_note.unwrap().starts_with("`extends` key"));
        assert_eq!(m.body, None);
    }

    #[test]
    fn spec_bang() {
        let m = parse("feat!: send an email to the customer when a product is shipped");
        assert!(m.breaking && m.kind == "feat" && m.scope.is_none());
        let m = parse("feat(api)!: send an email to the customer when a product is shipped");
        assert!(m.breaking && m.scope.as_deref() == Some("api"));
        let m = parse(
            "chore!: drop support for Node 6\n\nBREAKING CHANGE: use JavaScript features not available in Node 6.",
        );
        assert!(m.breaking && m.kind == "chore");
    }

    #[test]
    fn spec_no_body_scope_and_multi_paragraph() {
        let m = parse("docs: correct spelling of CHANGELOG");
        assert_eq!(
            (m.kind.as_str(), m.description.as_str()),
            ("docs", "correct spelling of CHANGELOG")
        );
        let m = parse("feat(lang): add Polish language");
        assert_eq!(m.scope.as_deref(), Some("lang"));
        let m = parse(
            "fix: prevent racing of requests\n\nIntroduce a request id and a reference to latest request. Dismiss\nincoming responses other than from latest request.\n\nRemove timeouts which were used to mitigate the racing issue but are\nobsolete now.\n\nReviewed-by: Z\nRefs: #123\n",
        );
        assert_eq!(m.kind, "fix");
        assert!(!m.breaking);
        assert_eq!(
            m.footers,
            vec![("Reviewed-by".into(), "Z".into()), ("Refs".into(), "#123".into())]
        );
        assert!(m.body.unwrap().contains("obsolete now."));
    }

    #[test]
    fn breaking_change_hyphen_footer_and_case() {
        let m = parse("Fix(Parser): handle CRLF\r\n\r\nBREAKING-CHANGE: tokens changed\r\n");
        assert_eq!(m.kind, "fix");
        assert_eq!(m.scope.as_deref(), Some("Parser"));
        assert!(m.breaking);
    }

    #[test]
    fn reverts_merges_and_non_conventional_are_kept() {
        let m = parse("Revert \"feat: add login\"\n\nThis reverts commit abc.");
        assert!(m.revert && m.kind == "revert");
        assert_eq!(m.description, "revert \"feat: add login\"");
        let m = parse("revert: let us never again speak of the noodle incident\n\nRefs: 676104e, a215868");
        assert!(m.revert);
        let m = parse("Merge branch 'main' of github.com:u/r");
        assert!(!m.conventional && m.kind.is_empty());
        assert_eq!(m.description, "Merge branch 'main' of github.com:u/r");
        let m = parse("updated stuff");
        assert!(!m.conventional);
        let m = parse("dx: nicer errors");
        assert!(m.conventional && m.kind == "dx");
        assert_eq!(parse("").description, "");
        assert!(!parse("feat:no space").conventional);
    }

    #[test]
    fn levels_before_and_after_1_0() {
        let msgs: Vec<Message> = ["fix: a", "feat: b", "feat!: c", "chore: d"]
            .iter()
            .map(|m| parse(m))
            .collect();
        let none = TypeLevels::new();
        let one = Version::new(1, 2, 0);
        let zero = Version::new(0, 3, 0);
        assert_eq!(decide(&msgs, Some(&one), &none), (Some(Level::Major), vec![2]));
        assert_eq!(decide(&msgs, Some(&zero), &none), (Some(Level::Minor), vec![1, 2]));
        assert_eq!(decide(&msgs[..1], Some(&one), &none), (Some(Level::Patch), vec![0]));
        assert_eq!(decide(&msgs[3..], Some(&one), &none), (None, vec![]));
        let perf = [parse("perf: faster")];
        assert_eq!(decide(&perf, Some(&one), &none).0, Some(Level::Patch));
        let mut extra = TypeLevels::new();
        extra.insert("dx".into(), Level::Patch);
        assert_eq!(decide(&[parse("dx: nicer")], Some(&one), &extra).0, Some(Level::Patch));
        assert!(is_release_bookkeeping(&parse("chore(release): 1.2.0")));
    }
}
