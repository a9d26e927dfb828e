//! Pure: which context paths a Dockerfile can read. The legacy builder reads the context
//! only through COPY/ADD (and ONBUILD triggers of base images, checked by the caller), so
//! when every source is a literal path, only those paths need to be sent, as BuildKit does.
//! Anything unusual (variables, `--parents`, heredocs, an escape directive) means "send
//! the whole context".

/// What a Dockerfile reads from the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    /// Cleaned source paths or patterns, relative to the context root; `None`: everything.
    pub sources: Option<Vec<String>>,
    /// Images named by FROM (stage names and `scratch` left out), for the ONBUILD check.
    pub bases: Vec<String>,
}

/// Instructions as (keyword, arguments), continuations joined and comments dropped.
fn instructions(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut at_top = true;
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim_start();
        if at_top && t.starts_with('#') {
            let d = t[1..].trim().to_ascii_lowercase();
            if d.starts_with("escape") && d.split('=').nth(1).is_some_and(|v| v.trim() != "\\") {
                return None;
            }
            continue;
        }
        if t.starts_with('#') {
            continue; // comment lines vanish, even inside continuations
        }
        if t.is_empty() && cur.is_empty() {
            continue;
        }
        at_top = false;
        match t.strip_suffix('\\') {
            Some(part) => {
                cur.push_str(part);
                cur.push(' ');
            }
            None => {
                cur.push_str(t);
                let whole = std::mem::take(&mut cur);
                let whole = whole.trim();
                if whole.is_empty() {
                    continue;
                }
                let (kw, rest) = whole.split_once(char::is_whitespace).unwrap_or((whole, ""));
                out.push((kw.to_ascii_uppercase(), rest.trim().to_string()));
            }
        }
    }
    if !cur.trim().is_empty() {
        let whole = cur.trim().to_string();
        let (kw, rest) = whole.split_once(char::is_whitespace).unwrap_or((&whole, ""));
        out.push((kw.to_ascii_uppercase(), rest.trim().to_string()));
    }
    Some(out)
}

/// Splits COPY/ADD arguments into flags and (sources, destination).
fn copy_args(args: &str) -> Option<(Vec<String>, Vec<String>)> {
    let mut rest = args.trim();
    let mut flags = Vec::new();
    while let Some(r) = rest.strip_prefix("--") {
        let (flag, after) = r.split_once(char::is_whitespace).unwrap_or((r, ""));
        flags.push(flag.to_string());
        rest = after.trim_start();
    }
    let words: Vec<String> = if rest.starts_with('[') {
        serde_json::from_str::<Vec<String>>(rest).ok()?
    } else {
        rest.split_whitespace().map(str::to_string).collect()
    };
    if words.len() < 2 {
        return None;
    }
    Some((flags, words[..words.len() - 1].to_vec()))
}

fn clean(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// Reads a Dockerfile's text.
pub fn needs(text: &str) -> Needs {
    let all = Needs {
        sources: None,
        bases: Vec::new(),
    };
    let Some(ins) = instructions(text) else { return all };
    let mut stages: Vec<String> = Vec::new();
    let mut bases = Vec::new();
    let mut sources = Vec::new();
    let mut everything = false;
    for (kw, args) in ins {
        match kw.as_str() {
            "FROM" => {
                let words: Vec<&str> = args.split_whitespace().filter(|w| !w.starts_with("--")).collect();
                let Some(image) = words.first() else { return all };
                let lower = image.to_ascii_lowercase();
                if image.contains('$') {
                    everything = true;
                } else if lower != "scratch" && !stages.contains(&lower) {
                    bases.push(image.to_string());
                }
                if let [_, kw, name] = words.as_slice()
                    && kw.eq_ignore_ascii_case("as")
                {
                    stages.push(name.to_ascii_lowercase());
                }
            }
            "COPY" | "ADD" => {
                if args.contains("<<") {
                    return all;
                }
                let Some((flags, srcs)) = copy_args(&args) else {
                    return all;
                };
                if flags.iter().any(|f| f.starts_with("from=")) {
                    continue;
                }
                if flags.iter().any(|f| f.starts_with("parents")) {
                    return all;
                }
                for s in srcs {
                    if kw == "ADD" && (s.starts_with("http://") || s.starts_with("https://") || s.starts_with("git@")) {
                        continue;
                    }
                    if s.contains('$') {
                        return all;
                    }
                    let c = clean(&s);
                    if c.is_empty() {
                        everything = true;
                    } else {
                        sources.push(c);
                    }
                }
            }
            _ => {}
        }
    }
    Needs {
        sources: (!everything).then_some(sources),
        bases,
    }
}

/// Does the context path `entry` have to be sent for `sources`? (It is a source, lies
/// below one, matches a wildcard source, or is a folder on the way to one.)
pub fn wanted(entry: &str, sources: &[String]) -> bool {
    sources.iter().any(|s| {
        if s.contains(['*', '?', '[']) {
            let parts_e: Vec<&str> = entry.split('/').collect();
            let parts_s: Vec<&str> = s.split('/').collect();
            let n = parts_s.len().min(parts_e.len());
            parts_e[..n].iter().zip(&parts_s[..n]).all(|(e, p)| glob_part(p, e))
        } else {
            entry == s || entry.starts_with(&format!("{s}/")) || s.starts_with(&format!("{entry}/"))
        }
    })
}

/// One path component against one pattern component (`*`, `?`, `[...]`), as filepath.Match.
fn glob_part(pat: &str, name: &str) -> bool {
    let mut re = String::from("^");
    let mut chars = pat.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                let mut class = String::from("[");
                if chars.peek() == Some(&'!') {
                    chars.next();
                    class.push('^');
                }
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    if d == '\\' {
                        class.push_str("\\\\");
                    } else {
                        class.push(d);
                    }
                }
                class.push(']');
                re.push_str(&class);
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(t: &str) -> Option<Vec<String>> {
        needs(t).sources
    }

    #[test]
    fn literal_sources_in_every_form() {
        let t = "# syntax=docker/dockerfile:1\nFROM python:3.11 AS build\nCOPY requirements.txt /app/\nRUN pip install \\\n  # a comment inside\n  -r /app/requirements.txt\nCOPY --chown=1000:1000 ./src/ /app/src\nADD [\"data/a b.json\", \"/d/\"]\nADD https://example.com/x.tgz /x\nFROM scratch\nCOPY --from=build /app /app\ncopy docs/*.md /docs/\n";
        assert_eq!(
            src(t).unwrap(),
            vec!["requirements.txt", "src", "data/a b.json", "docs/*.md"]
        );
        assert_eq!(needs(t).bases, vec!["python:3.11"]);
    }

    #[test]
    fn anything_unusual_means_the_whole_context() {
        for t in [
            "FROM scratch\nCOPY . /app\n",
            "FROM scratch\nCOPY ./ /app\n",
            "FROM scratch\nARG D=src\nCOPY $D /app\n",
            "FROM scratch\nCOPY --parents a/b /x\n",
            "FROM scratch\nCOPY <<EOF /x\nhi\nEOF\n",
            "# escape=`\nFROM scratch\nCOPY a /b\n",
            "FROM ${BASE}\nCOPY a /b\n",
            "FROM scratch\nCOPY onlyone\n",
        ] {
            assert_eq!(src(t), None, "{t}");
        }
    }

    #[test]
    fn stages_are_not_bases() {
        let n = needs("FROM golang:1.22 AS b\nFROM b AS c\nFROM c\nFROM scratch\n");
        assert_eq!(n.bases, vec!["golang:1.22"]);
    }

    #[test]
    fn what_is_wanted() {
        let s = vec!["src".to_string(), "requirements.txt".into(), "docs/*.md".into()];
        for yes in [
            "src",
            "src/app.py",
            "src/pkg/x.py",
            "requirements.txt",
            "docs",
            "docs/a.md",
        ] {
            assert!(wanted(yes, &s), "{yes}");
        }
        for no in [
            "srcx",
            "data",
            "data/big.bin",
            "docs/a.txt",
            ".git/HEAD",
            "requirements.txt.bak",
        ] {
            assert!(!wanted(no, &s), "{no}");
        }
        assert!(wanted("app", &["app/main.py".to_string()]), "a folder on the way");
    }
}
