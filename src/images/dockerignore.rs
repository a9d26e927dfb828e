//! Pure: `.dockerignore` with Docker's own rules (moby's patternmatcher), which are not
//! gitignore's: patterns are anchored at the context root (`*.log` only at the top,
//! `**/*.log` anywhere); `dir/`, `/dir` and `./dir` all mean `dir`; a pattern that matches
//! a directory excludes everything below it, yet a later `!dir/keep` re-includes a file
//! inside it; only `#` in column 1 starts a comment; `*` and `?` never cross `/`.

use regex::Regex;

#[derive(Debug, Clone)]
struct Pattern {
    exclusion: bool,
    re: Regex,
}

/// The compiled rules of one `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

/// `filepath.Clean` for slash paths: drops `.` and empty parts, resolves `..`.
pub(crate) fn clean(p: &str) -> String {
    let abs = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    match (abs, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Docker's pattern -> regex translation (`**` may cross `/`, `*` and `?` may not).
fn compile(pattern: &str) -> Option<Regex> {
    let mut re = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 1;
                if chars.get(i + 1) == Some(&'/') {
                    i += 1;
                }
                if i + 1 >= chars.len() {
                    re.push_str(".*");
                } else {
                    re.push_str("(.*/)?");
                }
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '\\' => {
                i += 1;
                if let Some(n) = chars.get(i) {
                    re.push_str(&regex::escape(&n.to_string()));
                }
            }
            '[' => {
                // a character class passes through; `[!...]` is Go's negation
                let end = chars[i..].iter().position(|&ch| ch == ']').map(|p| p + i)?;
                let body: String = chars[i + 1..end].iter().collect();
                let body = body.strip_prefix('!').map(|b| format!("^{b}")).unwrap_or(body);
                re.push('[');
                re.push_str(&body.replace('\\', "\\\\"));
                re.push(']');
                i = end;
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    Regex::new(&re).ok()
}

impl DockerIgnore {
    /// Reads the text of a `.dockerignore`. Patterns that cannot be compiled are reported.
    pub fn parse(text: &str) -> anyhow::Result<DockerIgnore> {
        let mut patterns = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            if raw.starts_with('#') {
                continue;
            }
            let mut p = raw.trim();
            if p.is_empty() {
                continue;
            }
            let exclusion = p.starts_with('!');
            if exclusion {
                p = p[1..].trim();
                if p.is_empty() {
                    return Err(anyhow::anyhow!(
                        ".dockerignore line {}: `!` alone is not a pattern",
                        n + 1
                    ));
                }
            }
            let mut cleaned = clean(p);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            let re = compile(&cleaned)
                .ok_or_else(|| anyhow::anyhow!(".dockerignore line {}: `{raw}` is not a valid pattern", n + 1))?;
            patterns.push(Pattern { exclusion, re });
        }
        Ok(DockerIgnore { patterns })
    }

    /// Whether any `!` pattern exists (then excluded folders must still be walked).
    pub fn has_exclusions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// True when `path` (slash-separated, relative to the context root) is left out.
    /// The last matching pattern decides; a pattern also matches when it matches one of
    /// the path's parent folders.
    pub fn excludes(&self, path: &str) -> bool {
        let parents: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
        let mut matched = false;
        for p in &self.patterns {
            if p.exclusion && !matched {
                continue;
            }
            let hit = p.re.is_match(path) || parents.iter().any(|d| p.re.is_match(d));
            if hit {
                matched = !p.exclusion;
            }
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ig(t: &str) -> DockerIgnore {
        DockerIgnore::parse(t).unwrap()
    }

    #[test]
    fn anchored_at_the_root_unlike_gitignore() {
        let d = ig("*.log\n");
        assert!(d.excludes("a.log"));
        assert!(!d.excludes("sub/a.log"), "*.log only matches at the top");
        let d = ig("**/*.log\n");
        assert!(d.excludes("a.log") && d.excludes("sub/deep/a.log"));
    }

    #[test]
    fn dir_spellings_and_parents() {
        for p in ["dir", "dir/", "/dir", "./dir", "dir/."] {
            let d = ig(p);
            assert!(d.excludes("dir") && d.excludes("dir/a") && d.excludes("dir/x/y"), "{p}");
            assert!(!d.excludes("other/dir"), "{p}");
        }
    }

    #[test]
    fn later_exclusion_reincludes_inside_an_excluded_dir() {
        let d = ig("data\n!data/keep.txt\n");
        assert!(d.excludes("data/big.bin"));
        assert!(!d.excludes("data/keep.txt"));
        let d = ig("*\n!src\n");
        assert!(d.excludes("README.md") && !d.excludes("src/app.py"));
        // order matters: the last match wins
        let d = ig("!keep\nkeep\n");
        assert!(d.excludes("keep"));
    }

    #[test]
    fn comments_only_in_column_one_and_star_never_crosses_slash() {
        let d = ig("# comment\n #notacomment\n");
        assert!(d.excludes("#notacomment"));
        assert!(!d.excludes("# comment"));
        let d = ig("src/*.pyc\n");
        assert!(d.excludes("src/a.pyc") && !d.excludes("src/x/a.pyc"));
        let d = ig("?.txt\n");
        assert!(d.excludes("a.txt") && !d.excludes("ab.txt"));
        let d = ig("a/**/b\n");
        assert!(d.excludes("a/b") && d.excludes("a/x/y/b"));
        let d = ig("[a-c].md\n[!a].cfg\n");
        assert!(d.excludes("b.md") && !d.excludes("d.md") && d.excludes("b.cfg") && !d.excludes("a.cfg"));
        let d = ig("f\\*\n");
        assert!(d.excludes("f*") && !d.excludes("fx"));
    }

    #[test]
    fn errors() {
        assert!(DockerIgnore::parse("!\n").is_err());
        assert!(DockerIgnore::parse("[abc\n").is_err());
        assert_eq!(clean("./a/../b/"), "b");
        assert_eq!(clean("/x/./y"), "/x/y");
    }
}
