//! Helm values: a chart (`Chart.yaml`) with a values file per environment, found by its
//! name (`values-test.yaml`, `values.test.yaml`, `values/test.yaml`, `env/test/values.yaml`),
//! and the project's image tags in it set byte-exact: `image.tag`, `<component>.image.tag`,
//! `image: repo:tag`, a flat `imageTag` beside `image: repo`, and tags inside lists. The
//! repository may sit only in the chart's base `values.yaml`. Nothing here renders a chart:
//! that needs `helm`.

use super::imageref::ImageRef;
use super::kustomize::{Changes, PROD_NAMES, TEST_NAMES, Want, canonical};
use super::yaml::{self, Node, Scalar};
use saphyr_parser::ScalarStyle;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAX_DEPTH: usize = 4;

/// A chart and its environments' values files (relative to the repository root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub dir: PathBuf,
    pub test: Option<PathBuf>,
    pub prod: Option<PathBuf>,
}

/// The values file of environment `name` in chart folder `dir`, if there is one.
fn values_of(root: &Path, dir: &Path, name: &str) -> Option<PathBuf> {
    [
        format!("values-{name}.yaml"),
        format!("values-{name}.yml"),
        format!("values.{name}.yaml"),
        format!("values.{name}.yml"),
        format!("values/{name}.yaml"),
        format!("values/{name}.yml"),
        format!("env/{name}/values.yaml"),
        format!("envs/{name}/values.yaml"),
        format!("environments/{name}/values.yaml"),
    ]
    .into_iter()
    .map(|f| dir.join(f))
    .find(|p| root.join(p).is_file())
}

/// Every chart under `root` (at most four levels down) with a values file for test or prod,
/// in path order; test is `test`, else `staging`, else `dev`.
pub fn find_all(root: &Path) -> Vec<Chart> {
    let mut charts = Vec::new();
    chart_dirs(root, Path::new(""), 0, &mut charts);
    charts.sort();
    charts
        .into_iter()
        .filter_map(|dir| {
            let test = TEST_NAMES.iter().find_map(|n| values_of(root, &dir, n));
            let prod = PROD_NAMES.iter().find_map(|n| values_of(root, &dir, n));
            (test.is_some() || prod.is_some()).then_some(Chart { dir, test, prod })
        })
        .collect()
}

fn chart_dirs(root: &Path, dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if root.join(dir).join("Chart.yaml").is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if depth < MAX_DEPTH
            && e.file_type().is_ok_and(|t| t.is_dir())
            && !name.starts_with('.')
            && name != "node_modules"
        {
            chart_dirs(root, &dir.join(&name), depth + 1, out);
        }
    }
}

/// How a values file writes an image's tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// `tag:` in a map with (or inheriting) `repository:`.
    Map,
    /// `image: repo:tag` (the tag's bytes are inside the string).
    Inline,
    /// `imageTag:` beside `image: repo`.
    Flat,
}

/// One place a values file sets (or should set) a project image's tag.
#[derive(Debug, Clone)]
pub struct Site {
    /// `api.image.tag`, `jobs[0].image`.
    pub path: String,
    pub repository: String,
    pub form: Form,
    /// The tag's scalar (for `Inline`, the whole `repo:tag` string); `None`: no tag yet.
    pub tag: Option<Scalar>,
}

impl Site {
    /// The tag it holds now.
    pub fn tag_value(&self) -> Option<String> {
        let s = self.tag.as_ref()?;
        match self.form {
            Form::Inline => ImageRef::parse(&s.value).ok()?.tag,
            _ => Some(s.value.clone()),
        }
    }
}

/// An environment's values file as read, with the chart it belongs to.
#[derive(Debug, Clone)]
pub struct Values {
    pub file: PathBuf,
    pub text: String,
    /// The chart's folder (`Chart.yaml`, the base `values.yaml`).
    pub chart: PathBuf,
    /// The chart's base `values.yaml`, parsed (repositories often sit only there).
    pub base: Option<Node>,
    /// Why the file cannot be read as YAML, if it cannot.
    pub error: Option<yaml::SyntaxError>,
}

impl Values {
    /// Reads `file` of the chart in `chart` (both relative to `root`).
    pub fn load(root: &Path, chart: &Path, file: &Path) -> anyhow::Result<Values> {
        let text =
            std::fs::read_to_string(root.join(file)).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
        let base = ["values.yaml", "values.yml"]
            .iter()
            .find_map(|n| std::fs::read_to_string(root.join(chart).join(n)).ok())
            .and_then(|t| parse(&t).ok().flatten());
        let error = parse(&text).err();
        Ok(Values {
            file: file.to_path_buf(),
            text,
            chart: chart.to_path_buf(),
            base,
            error,
        })
    }

    /// Its image sites.
    pub fn sites(&self) -> Vec<Site> {
        sites(parse(&self.text).ok().flatten().as_ref(), self.base.as_ref())
    }

    /// Every repository its sites or the base values name (the chart's images).
    pub fn repositories(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .sites()
            .into_iter()
            .chain(sites(self.base.as_ref(), None))
            .map(|s| s.repository)
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// The first document of a values file (`None` when empty).
pub fn parse(text: &str) -> Result<Option<Node>, yaml::SyntaxError> {
    Ok(yaml::parse(text)?.into_iter().next().flatten())
}

/// Every image site of `doc`; a map's `repository` may come from `base` (the chart's own
/// `values.yaml`) at the same path.
pub fn sites(doc: Option<&Node>, base: Option<&Node>) -> Vec<Site> {
    let mut base_repos = BTreeMap::new();
    if let Some(b) = base {
        let mut found = Vec::new();
        walk(b, &mut String::new(), &BTreeMap::new(), &mut found);
        base_repos = found
            .into_iter()
            .filter(|s| s.form == Form::Map)
            .map(|s| (s.path.trim_end_matches(".tag").to_string(), s.repository))
            .collect();
    }
    let mut out = Vec::new();
    if let Some(d) = doc {
        walk(d, &mut String::new(), &base_repos, &mut out);
    }
    out
}

fn repository_of(map: &Node) -> Option<String> {
    let repo = map.get("repository")?.as_str()?;
    Some(
        match map.get("registry").and_then(Node::as_str).filter(|r| !r.is_empty()) {
            Some(reg) => format!("{reg}/{repo}"),
            None => repo.to_string(),
        },
    )
}

fn walk(node: &Node, path: &mut String, base_repos: &BTreeMap<String, String>, out: &mut Vec<Site>) {
    match node {
        Node::Map(pairs, _) => {
            let here = path.clone();
            let repo = repository_of(node).or_else(|| base_repos.get(&here).cloned());
            if let Some(repository) = repo.filter(|_| node.get("tag").is_some() || node.get("repository").is_some()) {
                out.push(Site {
                    path: join(&here, "tag"),
                    repository,
                    form: Form::Map,
                    tag: node.get("tag").and_then(Node::as_scalar).cloned(),
                });
            }
            if let Some(image) = node.get("image").and_then(Node::as_scalar)
                && let Ok(r) = ImageRef::parse(&image.value)
            {
                let flat = node.get("imageTag").and_then(Node::as_scalar);
                let (form, tag) = match flat {
                    Some(t) => (Form::Flat, Some(t.clone())),
                    // The whole string: a tag goes into it even where it has none.
                    None => (Form::Inline, Some(image.clone())),
                };
                let name = if form == Form::Flat { "imageTag" } else { "image" };
                out.push(Site {
                    path: join(&here, name),
                    repository: r.repository(),
                    form,
                    tag,
                });
            }
            for (k, v) in pairs {
                let Some(key) = k.as_str() else { continue };
                let mut p = join(&here, key);
                walk(v, &mut p, base_repos, out);
            }
        }
        Node::Seq(items, _) => {
            for (i, item) in items.iter().enumerate() {
                let mut p = format!("{path}[{i}]");
                walk(item, &mut p, base_repos, out);
            }
        }
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `text` (a values file) with each wanted image's tag set where the file sets it, and a
/// `tag:` written under the image's map where the file sets none (the chart would fall
/// back to `appVersion`, which every environment shares); every other byte kept.
pub fn set(text: &str, base: Option<&Node>, wants: &[Want]) -> Result<(String, Changes), yaml::SyntaxError> {
    let doc = parse(text)?;
    let found = sites(doc.as_ref(), base);
    let nl = yaml::newline_of(text);
    let (mut edits, mut changes) = (Vec::new(), Changes::new());
    let mut seen = std::collections::BTreeSet::new();
    for w in wants.iter().filter(|w| seen.insert(canonical(&w.repository))) {
        let mine: Vec<&Site> = found
            .iter()
            .filter(|s| canonical(&s.repository) == canonical(&w.repository))
            .collect();
        for s in &mine {
            let Some(scalar) = &s.tag else { continue };
            let new = match s.form {
                Form::Inline => format!("{}:{}", s.repository, w.tag),
                _ if scalar.style == ScalarStyle::Plain => yaml::quoted(&w.tag),
                _ => w.tag.clone(),
            };
            if scalar.value != new.trim_matches('"') {
                edits.push((scalar.bytes.start, scalar.bytes.end, new));
                changes.push(format!(
                    "{}: {} -> {}",
                    s.path,
                    s.tag_value().unwrap_or_default(),
                    w.tag
                ));
            }
        }
        if mine.iter().all(|s| s.tag.is_none())
            && let Some(at) = base_path_of(base, &w.repository)
        {
            let path: Vec<&str> = at.split('.').collect();
            edits.push(insert_path(
                text,
                doc.as_ref(),
                &path,
                &format!("tag: {}", yaml::quoted(&w.tag)),
                nl,
            ));
            changes.push(format!("{at}.tag: {} written (it had none)", w.tag));
        }
    }
    Ok((yaml::splice(text, edits), changes))
}

/// The path of the base values' image map for `repository` (`api.image`).
fn base_path_of(base: Option<&Node>, repository: &str) -> Option<String> {
    sites(base, None)
        .into_iter()
        .find(|s| s.form == Form::Map && canonical(&s.repository) == canonical(repository))
        .map(|s| s.path.trim_end_matches(".tag").to_string())
}

/// The edit that writes `leaf` (`tag: 0.2.0`) at `path` (`api.image`): under the deepest
/// map of the path the file has, after its last line, with the keys it lacks.
fn insert_path(text: &str, doc: Option<&Node>, path: &[&str], leaf: &str, nl: &str) -> (usize, usize, String) {
    let mut node = doc;
    let mut depth = 0;
    while depth < path.len() {
        match node
            .and_then(|n| n.get(path[depth]))
            .filter(|n| matches!(n, Node::Map(..)))
        {
            Some(next) => {
                node = Some(next);
                depth += 1;
            }
            None => break,
        }
    }
    let (column, at) = match node.filter(|_| depth > 0) {
        Some(map) => {
            let mut scalars = Vec::new();
            map.scalars(&mut scalars);
            let first = scalars.first().map_or(0, |s| s.bytes.start);
            let col = yaml::column(text, first);
            let last = scalars.iter().map(|s| s.line).max().unwrap_or(map.line());
            (col, yaml::line_start(text, last + 1))
        }
        None => (0, text.len()),
    };
    let mut block = String::new();
    if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        block.push_str(nl);
    }
    let mut indent = column;
    for key in &path[depth..] {
        block.push_str(&format!("{}{key}:{nl}", " ".repeat(indent)));
        indent += 2;
    }
    block.push_str(&format!("{}{leaf}{nl}", " ".repeat(indent)));
    (at, at, block)
}

/// `Chart.yaml`'s own `version` raised by `level` (`0.3.1` + minor = `0.4.0`), byte-exact;
/// `None` when it has no semantic version there.
pub fn bump_chart_version(
    text: &str,
    level: crate::version::Level,
) -> Result<Option<(String, String)>, yaml::SyntaxError> {
    let doc = parse(text)?;
    let Some(s) = doc.as_ref().and_then(|d| d.get("version")).and_then(Node::as_scalar) else {
        return Ok(None);
    };
    let Ok(v) = semver::Version::parse(s.value.trim_start_matches('v')) else {
        return Ok(None);
    };
    let next = crate::version::bump_level(&v, level);
    let written = if s.value.starts_with('v') {
        format!("v{next}")
    } else {
        next.to_string()
    };
    let mut out = text.to_string();
    out.replace_range(s.bytes.clone(), &written);
    Ok(Some((out, written)))
}

/// The bytes of `Chart.yaml`'s `appVersion` value, quotes excluded.
pub fn app_version_at(text: &str) -> Option<std::ops::Range<usize>> {
    let doc = parse(text).ok()??;
    Some(doc.get("appVersion")?.as_scalar()?.bytes.clone())
}

/// `Chart.yaml` with `appVersion` set to `version` (added after `version:` when absent).
pub fn set_app_version(text: &str, version: &str) -> Result<Option<String>, yaml::SyntaxError> {
    let doc = parse(text)?;
    let nl = yaml::newline_of(text);
    let current = doc.as_ref().and_then(|d| d.get("appVersion")).and_then(Node::as_scalar);
    let edit = match current {
        Some(s) if s.value == version => return Ok(None),
        Some(s) => {
            let v = if s.style == ScalarStyle::Plain {
                yaml::quoted(version)
            } else {
                version.to_string()
            };
            (s.bytes.start, s.bytes.end, v)
        }
        None => {
            let after = doc.as_ref().and_then(|d| d.get("version")).map(Node::line);
            let at = after.map_or(text.len(), |l| yaml::line_start(text, l + 1));
            let lead = if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
                nl
            } else {
                ""
            };
            (at, at, format!("{lead}appVersion: \"{version}\"{nl}"))
        }
    };
    let mut out = text.to_string();
    out.replace_range(edit.0..edit.1, &edit.2);
    Ok(Some(out))
}

#[cfg(test)]
mod tests;
