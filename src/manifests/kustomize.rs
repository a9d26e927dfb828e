//! kustomize environments: overlays found by their folders (`k8s/overlays/test`), the
//! `images:` entries of a kustomization set byte-exact (quotes, comments, indentation and
//! order kept), and an overlay rendered by `kubectl kustomize` (the kubectl on PATH).

use super::imageref::ImageRef;
use super::yaml::{self, Node, Scalar};
use saphyr_parser::ScalarStyle;
use std::path::{Path, PathBuf};

/// The names kustomize reads, in its order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
/// Folders that hold one overlay per environment.
const OVERLAY_DIRS: [&str; 3] = ["overlays", "envs", "environments"];
/// Non-prod environment names (overlays, values files), the one taken for test first.
pub const TEST_NAMES: [&str; 5] = ["test", "staging", "stage", "dev", "development"];
/// Prod's names.
pub const PROD_NAMES: [&str; 2] = ["prod", "production"];
/// How deep below the repository root an overlays folder is looked for.
const MAX_DEPTH: usize = 3;

/// The kustomization file of folder `dir` (relative to `root`), if it has one.
pub fn file_in(root: &Path, dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| root.join(p).is_file())
}

/// The overlays a project keeps its environments in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlays {
    pub test: PathBuf,
    pub prod: PathBuf,
    /// Why test is the overlay it is, when it is not named `test`.
    pub test_why: Option<String>,
}

/// Overlays under `root`: every folder named `overlays`, `envs` or `environments` (at most
/// three levels down) whose subfolders hold kustomizations for a prod or non-prod name,
/// in path order (a monorepo has one set per app; the first is the layout).
pub fn find_all(root: &Path) -> Vec<Overlays> {
    let mut found = Vec::new();
    folders_named(root, Path::new(""), 0, &mut found);
    found.sort();
    found.into_iter().filter_map(|dir| overlays_in(root, &dir)).collect()
}

fn folders_named(root: &Path, dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if !e.file_type().is_ok_and(|t| t.is_dir()) || name.starts_with('.') || name == "node_modules" {
            continue;
        }
        let rel = dir.join(&name);
        if OVERLAY_DIRS.contains(&name.as_str()) {
            out.push(rel);
        } else if depth + 1 < MAX_DEPTH {
            folders_named(root, &rel, depth + 1, out);
        }
    }
}

fn overlays_in(root: &Path, dir: &Path) -> Option<Overlays> {
    let at = |n: &str| overlay_dir(root, &dir.join(n));
    let prod = PROD_NAMES.iter().find_map(|n| at(n));
    let test_name = TEST_NAMES.iter().find(|n| at(n).is_some()).copied();
    if prod.is_none() && test_name.is_none() {
        return None;
    }
    let test_why = test_name.filter(|t| *t != "test").map(|t| {
        let present: Vec<&str> = TEST_NAMES.iter().filter(|n| at(n).is_some()).copied().collect();
        format!(
            "{t}, the first of {} present (test, staging, dev in that order)",
            present.join(", ")
        )
    });
    Some(Overlays {
        test: test_name.and_then(at).unwrap_or_else(|| dir.join("test")),
        prod: prod.unwrap_or_else(|| dir.join("prod")),
        test_why,
    })
}

/// An environment's overlay folder: `dir` itself when it holds a kustomization, else the
/// first of its subfolders that does (`overlays/prod/manual/`).
fn overlay_dir(root: &Path, dir: &Path) -> Option<PathBuf> {
    if file_in(root, dir).is_some() {
        return Some(dir.to_path_buf());
    }
    let mut subs: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| dir.join(e.file_name()))
        .filter(|d| file_in(root, d).is_some())
        .collect();
    subs.sort();
    subs.into_iter().next()
}

/// One entry of a kustomization's `images:` list.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<Scalar>,
    pub digest: Option<Scalar>,
    /// Its first line (1-based).
    pub line: usize,
    /// The column its keys start at, and the last line it spans (1-based).
    key_column: usize,
    last_line: usize,
}

impl Entry {
    /// The repository the rendered objects carry: `newName`, else `name`.
    pub fn repository(&self) -> &str {
        self.new_name.as_deref().unwrap_or(&self.name)
    }
}

/// The `images:` list of a kustomization and where a new entry would go.
#[derive(Debug, Clone, Default)]
pub struct Images {
    pub entries: Vec<Entry>,
    /// The line of `images:` (1-based), if there is one.
    key_line: Option<usize>,
    /// The column of the list's dashes.
    dash_column: usize,
    /// The last line of the list (1-based).
    last_line: usize,
}

/// Reads the `images:` entries of a kustomization.
pub fn images(text: &str) -> Result<Images, yaml::SyntaxError> {
    let docs = yaml::parse(text)?;
    let Some(Some(doc)) = docs.into_iter().next() else {
        return Ok(Images::default());
    };
    let Some((key, list)) = doc.pairs().iter().find(|(k, _)| k.as_str() == Some("images")) else {
        return Ok(Images::default());
    };
    let mut out = Images {
        key_line: Some(key.line()),
        last_line: key.line(),
        ..Images::default()
    };
    for item in list.items() {
        let mut scalars = Vec::new();
        item.scalars(&mut scalars);
        let last_line = scalars.iter().map(|s| s.line).max().unwrap_or(item.line());
        out.last_line = out.last_line.max(last_line);
        let Some((first_key, _)) = item.pairs().first() else {
            continue;
        };
        let key_column = first_key.as_scalar().map_or(0, |s| yaml::column(text, s.bytes.start));
        out.dash_column = key_column.saturating_sub(2);
        let get = |k: &str| item.get(k).and_then(Node::as_scalar).cloned();
        out.entries.push(Entry {
            name: get("name").map(|s| s.value).unwrap_or_default(),
            new_name: get("newName").map(|s| s.value),
            new_tag: get("newTag"),
            digest: get("digest"),
            line: item.line(),
            key_column,
            last_line,
        });
    }
    Ok(out)
}

/// An image the overlay should run: its repository and tag, and a digest to pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    /// The repository as the objects name it (`org/api`), matched on the full name.
    pub repository: String,
    pub tag: String,
    pub digest: Option<String>,
}

/// The `newTag` the overlay's entry for `repository` says now, if any.
pub fn current_tag<'a>(o: &'a Overlay, repository: &str) -> Option<&'a str> {
    o.images
        .entries
        .iter()
        .find(|e| canonical(e.repository()) == canonical(repository))
        .and_then(|e| e.new_tag.as_ref())
        .map(|s| s.value.as_str())
}

/// What [`set`] changed, one line each, for the plan.
pub type Changes = Vec<String>;

/// `text` with each wanted image's entry set: `newTag` (and `digest`) replaced in place,
/// added to an entry without it, or a new entry appended, as `kustomize edit set image`
/// would; every other byte kept. Entries match on `name`, else `newName`, as full names.
pub fn set(text: &str, images: &Images, wants: &[Want]) -> (String, Changes) {
    let mut edits = yaml::Edits::new();
    let mut changes = Changes::new();
    let mut appended = String::new();
    // New lines end the way the file's lines do.
    let nl = yaml::newline_of(text);
    let mut seen = std::collections::BTreeSet::new();
    for w in wants.iter().filter(|w| seen.insert(canonical(&w.repository))) {
        let wanted = canonical(&w.repository);
        let same = |s: &str| canonical(s) == wanted;
        let entry = images
            .entries
            .iter()
            .find(|e| same(&e.name))
            .or_else(|| images.entries.iter().find(|e| e.new_name.as_deref().is_some_and(same)));
        match entry {
            Some(e) => edit_entry(text, e, w, nl, (&mut edits, &mut changes)),
            None => {
                let pad = " ".repeat(images.dash_column);
                appended.push_str(&format!(
                    "{pad}- name: {}{nl}{pad}  newTag: {}{nl}",
                    w.repository,
                    yaml::quoted(&w.tag)
                ));
                if let Some(d) = &w.digest {
                    appended.push_str(&format!("{pad}  digest: {d}{nl}"));
                }
                changes.push(format!("{}: entry added with newTag {}", w.repository, w.tag));
            }
        }
    }
    if !appended.is_empty() {
        let at = match images.key_line {
            Some(_) => yaml::line_start(text, images.last_line + 1),
            None => text.len(),
        };
        let mut block = String::new();
        if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
            block.push_str(nl);
        }
        if images.key_line.is_none() {
            block.push_str("images:");
            block.push_str(nl);
        }
        block.push_str(&appended);
        edits.push((at, at, block));
    }
    (yaml::splice(text, edits), changes)
}

pub fn canonical(repository: &str) -> Option<String> {
    ImageRef::parse(repository).ok().map(|r| r.canonical_repository())
}

fn edit_entry(text: &str, e: &Entry, w: &Want, nl: &str, (edits, changes): (&mut yaml::Edits, &mut Changes)) {
    let pad = " ".repeat(e.key_column);
    let insert_at = yaml::line_start(text, e.last_line + 1);
    match &e.new_tag {
        Some(s) if s.value == w.tag => {}
        Some(s) => {
            let value = if s.style == ScalarStyle::Plain {
                yaml::quoted(&w.tag)
            } else {
                w.tag.clone()
            };
            edits.push((s.bytes.start, s.bytes.end, value));
            changes.push(format!("{}: newTag {} -> {}", e.name, s.value, w.tag));
        }
        None => {
            edits.push((
                insert_at,
                insert_at,
                format!("{pad}newTag: {}{nl}", yaml::quoted(&w.tag)),
            ));
            changes.push(format!("{}: newTag {} added", e.name, w.tag));
        }
    }
    match (&e.digest, &w.digest) {
        (Some(s), Some(d)) if s.value != *d => {
            edits.push((s.bytes.start, s.bytes.end, d.clone()));
            changes.push(format!("{}: digest pinned to {d}", e.name));
        }
        (Some(_), Some(_)) => {}
        (None, Some(d)) => {
            edits.push((insert_at, insert_at, format!("{pad}digest: {d}{nl}")));
            changes.push(format!("{}: digest pinned to {d}", e.name));
        }
        (Some(s), None) => {
            // A digest beside the new tag would still pick the old image: it goes.
            let (from, to) = (yaml::line_start(text, s.line), yaml::line_start(text, s.line + 1));
            edits.push((from, to, String::new()));
            changes.push(format!("{}: digest {} removed (the tag decides)", e.name, s.value));
        }
        (None, None) => {}
    }
}

/// An environment's kustomization as read: its file, text and `images:` entries, and why
/// the overlay could not be rendered, if it could not.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub file: PathBuf,
    pub text: String,
    pub images: Images,
    /// Without it, the environment's objects are the overlay folder's own files.
    pub not_rendered: Option<String>,
}

/// The name the rendered objects of an overlay are reported under.
pub fn rendered_path(dir: &Path) -> PathBuf {
    PathBuf::from(format!("{} (rendered)", dir.display()))
}

/// Whether a file is a kustomization (not a manifest of its own).
pub fn is_kustomization(rel: &Path) -> bool {
    rel.file_name().is_some_and(|n| FILE_NAMES.iter().any(|k| n == *k))
}

/// The overlay at `dir` (relative to `root`) rendered by `kubectl kustomize`.
pub fn render(root: &Path, dir: &Path) -> anyhow::Result<String> {
    // A folder's name is data, never an option: `-x/overlays/test` goes as `./-x/...`.
    let dir = match dir.to_string_lossy() {
        d if d.starts_with('-') => format!("./{d}"),
        d => d.into_owned(),
    };
    let out = crate::proc::run("kubectl", &["kustomize", &dir], root, crate::proc::LOCAL_TIMEOUT)
        .map_err(|e| anyhow::anyhow!("kubectl kustomize {dir} could not run: {e:#}"))?;
    if !out.success {
        anyhow::bail!("kubectl kustomize {dir} failed: {}", out.complaint());
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests;
