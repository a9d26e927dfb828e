//! Files that carry the app's version (`version_files:` in `.release.yml`): the release
//! sets the version in each, in the release commit, changing only the version's bytes.
//! Pure locators find those bytes: `pyproject.toml` (`[project]` or `[tool.poetry]`),
//! `package.json` (the top-level `"version"`), `Cargo.toml` (`[package]`), `Chart.yaml`
//! (`appVersion`), a Python file's `__version__ = "..."`, or a regex of one group. Git
//! tags stay the source of truth: a file that lags them is set all the same, and said.

use crate::config::VersionFile;
use crate::project::{Brief, Contribution};
use crate::transaction::git_steps::WriteFile;
use anyhow::Result;
use std::ops::Range;
use std::path::Path;

/// Where the version sits in `text`, by the file's kind (`pattern` when given).
pub fn locate(path: &Path, text: &str, pattern: Option<&regex::Regex>) -> Option<Range<usize>> {
    if let Some(re) = pattern {
        return re.captures(text)?.get(1).map(|m| m.range());
    }
    let name = path.file_name()?.to_str()?;
    match name {
        "pyproject.toml" => toml_key(text, &["project", "tool.poetry"], "version"),
        "Cargo.toml" => toml_key(text, &["package"], "version"),
        "package.json" => json_top_version(text),
        "Chart.yaml" | "Chart.yml" => crate::manifests::helm::app_version_at(text),
        n if n.ends_with(".py") => line_value(text, r#"(?m)^__version__[ \t]*=[ \t]*["']([^"']*)["']"#),
        _ => None,
    }
}

fn line_value(text: &str, re: &str) -> Option<Range<usize>> {
    regex::Regex::new(re).ok()?.captures(text)?.get(1).map(|m| m.range())
}

/// `key = "..."` inside one of the `[sections]` of a TOML file (the value's bytes).
fn toml_key(text: &str, sections: &[&str], key: &str) -> Option<Range<usize>> {
    let value = regex::Regex::new(&format!(r#"^[ \t]*{key}[ \t]*=[ \t]*"([^"]*)""#)).ok()?;
    let mut inside = false;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            let name = trimmed.trim_start_matches('[').split(']').next().unwrap_or("").trim();
            inside = sections.contains(&name);
        } else if inside && let Some(m) = value.captures(line).and_then(|c| c.get(1)) {
            return Some(at + m.start()..at + m.end());
        }
        at += line.len();
    }
    None
}

/// The string value of the top-level `"version"` key of a JSON object.
fn json_top_version(text: &str) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let end = string_end(bytes, i)?;
                let is_key = bytes[end + 1..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b':');
                if depth == 1 && is_key && &text[i + 1..end] == "version" {
                    let rest = &bytes[end + 1..];
                    let colon = rest.iter().position(|b| *b == b':')?;
                    let start =
                        end + 1 + colon + 1 + rest[colon + 1..].iter().position(|b| !b.is_ascii_whitespace())?;
                    if bytes[start] != b'"' {
                        return None;
                    }
                    let close = string_end(bytes, start)?;
                    return Some(start + 1..close);
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the quote that closes the JSON string opened at `open`.
fn string_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Files at the top of the project that carry a version the release could keep current
/// (for `release init` to offer): each with the version it holds.
pub fn candidates(root: &Path) -> Vec<(String, String)> {
    ["pyproject.toml", "package.json", "Cargo.toml", "Chart.yaml"]
        .iter()
        .filter_map(|name| {
            let text = std::fs::read_to_string(root.join(name)).ok()?;
            let at = locate(Path::new(name), &text, None)?;
            Some((name.to_string(), text[at].to_string()))
        })
        .collect()
}

/// One listed file, read: its text, and where its version sits (`None`: nowhere the
/// release looks).
fn read(root: &Path, vf: &VersionFile) -> Result<(String, Option<Range<usize>>)> {
    let pattern = match vf {
        VersionFile::Pattern { pattern, .. } => regex::Regex::new(pattern).ok(),
        VersionFile::Path(_) => None,
    };
    let text = std::fs::read_to_string(crate::fs::inside(root, vf.path())?)?;
    let at = locate(vf.path(), &text, pattern.as_ref());
    Ok((text, at))
}

/// A listed file that holds no version: what to say, for a release and for `check` alike.
pub fn no_version(path: &Path) -> String {
    format!(
        "{} is listed in version_files, but holds no version where the release looks",
        path.display()
    )
}

/// The fix of [`no_version`].
pub const NO_VERSION_FIX: &str =
    "give it its version field, or write the entry as { path, pattern } with a regex of one group";

/// What each listed version file holds now (`None`: no version where the release looks,
/// or unreadable).
pub fn holds(root: &Path, files: &[VersionFile]) -> Vec<(std::path::PathBuf, Option<String>)> {
    files
        .iter()
        .map(|vf| {
            let held = read(root, vf).ok().and_then(|(t, at)| at.map(|r| t[r].to_string()));
            (vf.path().to_path_buf(), held)
        })
        .collect()
}

/// The release's writes to the listed version files, and what each held.
pub fn contribute(ctx: &Brief) -> Result<Contribution> {
    let mut c = Contribution::default();
    let root = &ctx.facts.repo.root;
    let version = ctx.next.to_string();
    for vf in &ctx.facts.config.version_files {
        let path = vf.path().to_path_buf();
        let shown = path.display().to_string();
        let problem =
            |what: String, fix: &str| crate::project::problem::Problem::new(what, fix).at_place(shown.clone());
        let (text, at) = match read(root, vf) {
            Ok(read) => read,
            Err(e) => {
                c.problems.push(problem(
                    format!("{shown} (version_files) cannot be read: {e:#}"),
                    "fix its path under version_files: in .release.yml, or remove it",
                ));
                continue;
            }
        };
        let Some(at) = at else {
            c.problems.push(problem(no_version(&path), NO_VERSION_FIX));
            continue;
        };
        let old = text[at.clone()].to_string();
        if old == version {
            continue;
        }
        let mut new = text.clone();
        new.replace_range(at, &version);
        c.notices.push(format!(
            "{shown} held version {old}; the release sets {version} (git tags decide)"
        ));
        c.steps.push(Box::new(WriteFile {
            path,
            content: new.into_bytes(),
            why: format!("version {old} -> {version}"),
            preview: String::new(),
        }));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, text: &str) -> String {
        let at = locate(Path::new(name), text, None).unwrap_or_else(|| panic!("{name}: no version in {text}"));
        let mut t = text.to_string();
        t.replace_range(at, "9.9.9");
        t
    }

    #[test]
    fn each_kind_changes_only_the_versions_bytes() {
        let py = "[build-system]\nversion = \"x\"\n\n[project]\nname = \"a\"\nversion = \"0.1.0\"  # keep\n";
        assert_eq!(set("pyproject.toml", py), py.replace("0.1.0", "9.9.9"));
        let poetry = "[tool.poetry]\r\nversion = \"1.0\"\r\n";
        assert_eq!(set("pyproject.toml", poetry), poetry.replace("1.0", "9.9.9"));
        let cargo = "[package]\nname = \"a\"\nversion = \"0.2.0\"\n[dependencies]\nversion = \"1\"\n";
        assert_eq!(set("Cargo.toml", cargo), cargo.replace("0.2.0", "9.9.9"));
        let json =
            "{\n  \"name\": \"a\",\n  \"dependencies\": { \"version\": \"3.0.0\" },\n  \"version\" : \"0.3.0\"\n}\n";
        assert_eq!(set("package.json", json), json.replace("0.3.0", "9.9.9"));
        let chart = "apiVersion: v2\nversion: 0.1.0\nappVersion: \"1.16.0\" # app\n";
        assert_eq!(set("Chart.yaml", chart), chart.replace("1.16.0", "9.9.9"));
        let init = "\"\"\"pkg\"\"\"\n__version__ = '0.0.9'\n";
        assert_eq!(set("src/app/__init__.py", init), init.replace("0.0.9", "9.9.9"));
        let re = regex::Regex::new(r"VERSION=(\S+)").unwrap();
        let mk = "IMG=u/app\nVERSION=0.4.0\n";
        let at = locate(Path::new("Makefile"), mk, Some(&re)).unwrap();
        assert_eq!(&mk[at], "0.4.0");
    }

    #[test]
    fn a_file_without_its_version_field_is_none() {
        assert!(locate(Path::new("package.json"), "{\"deps\": {\"version\": \"1\"}}", None).is_none());
        assert!(locate(Path::new("Cargo.toml"), "[workspace]\nversion = \"1\"\n", None).is_none());
        assert!(locate(Path::new("notes.txt"), "version 1", None).is_none());
    }
}
