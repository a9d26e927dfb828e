//! What a project's own build files say about its images: docker-compose services
//! (`build:` with `image:`) and Makefile lines `docker build -t REPO -f DOCKERFILE CONTEXT`.
//! Paths are made relative to the repository root; a Dockerfile that does not exist is
//! no evidence.

use crate::manifests::imageref::ImageRef;
use std::path::{Path, PathBuf};

/// Folders that hold Dockerfiles without being a component themselves.
pub const DOCKER_DIRS: &[&str] = &["", "docker", "Docker", "dockerfiles", "docker-src"];

/// One repository built from one Dockerfile, as a build file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Without its tag (`tagower/asteroid_stats`).
    pub repository: String,
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    /// `docker-src/docker-compose.yml: service flask-app`.
    pub source: String,
}

const COMPOSE_NAMES: &[&str] = &[
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
];

/// Every piece of evidence under `root`, compose files first (their context wins).
pub fn gather(root: &Path) -> Vec<Evidence> {
    let mut out = Vec::new();
    for dir in DOCKER_DIRS {
        for name in COMPOSE_NAMES {
            let rel = Path::new(dir).join(name);
            if let Ok(text) = std::fs::read_to_string(root.join(&rel)) {
                out.extend(compose(root, &rel, &text));
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string(root.join("Makefile")) {
        out.extend(makefile(root, &text));
    }
    out
}

/// `a/./b/../c` -> `a/c`; `None` when it leaves the repository.
fn normal(p: &Path) -> Option<PathBuf> {
    let text = p.to_str()?;
    crate::fs::stays_inside(p).then(|| PathBuf::from(super::dockerignore::clean(text)))
}

fn repository(image: &str) -> Option<String> {
    let r = ImageRef::parse(image).ok()?;
    let repo = r.repository();
    (!repo.contains('$') && !repo.contains("{{")).then_some(repo)
}

fn found(root: &Path, repo: &str, dockerfile: PathBuf, context: PathBuf, source: String) -> Option<Evidence> {
    root.join(&dockerfile).is_file().then(|| Evidence {
        repository: repo.to_string(),
        dockerfile,
        context,
        source,
    })
}

/// Services with both `build:` and `image:`.
fn compose(root: &Path, rel: &Path, text: &str) -> Vec<Evidence> {
    let Ok(doc) = serde_yaml::from_str::<serde_yaml::Value>(text) else {
        return Vec::new();
    };
    let base = rel.parent().unwrap_or(Path::new(""));
    let Some(services) = doc.get("services").and_then(|s| s.as_mapping()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, svc) in services {
        let (Some(name), Some(image)) = (name.as_str(), svc.get("image").and_then(|i| i.as_str())) else {
            continue;
        };
        let Some(repo) = repository(image) else { continue };
        let (context, file) = match svc.get("build") {
            Some(serde_yaml::Value::String(c)) => (c.as_str(), "Dockerfile"),
            Some(b) => (
                b.get("context").and_then(|c| c.as_str()).unwrap_or("."),
                b.get("dockerfile").and_then(|d| d.as_str()).unwrap_or("Dockerfile"),
            ),
            None => continue,
        };
        let (Some(ctx), Some(df)) = (normal(&base.join(context)), normal(&base.join(context).join(file))) else {
            continue;
        };
        let source = format!("{}: service {name}", rel.display());
        out.extend(found(root, &repo, df, ctx, source));
    }
    out
}

/// `NAME = value`, `NAME := value`, `NAME ?= value`, `NAME="value"` (quotes dropped).
fn variables(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with(['\t', ' ', '#']))
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            let k = k.trim_end_matches([':', '?', '+']).trim();
            let ok = !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            ok.then(|| (k.to_string(), v.trim().trim_matches('"').trim_matches('\'').to_string()))
        })
        .collect()
}

fn expand(s: &str, vars: &[(String, String)]) -> String {
    vars.iter().fold(s.to_string(), |acc, (k, v)| {
        acc.replace(&format!("${{{k}}}"), v).replace(&format!("$({k})"), v)
    })
}

/// Options of `docker build` that take a value (so it is not the context).
const VALUED: &[&str] = &[
    "--build-arg",
    "--platform",
    "--target",
    "--network",
    "--label",
    "-o",
    "--output",
    "--secret",
    "--ssh",
    "--cache-from",
    "--progress",
    "--iidfile",
    "--add-host",
];

/// `docker build` lines (continuations joined, variables of the Makefile expanded).
fn makefile(root: &Path, text: &str) -> Vec<Evidence> {
    let vars = variables(text);
    let joined = text.replace("\\\n", " ");
    let mut out = Vec::new();
    for (i, line) in joined.lines().enumerate() {
        let Some(at) = line.find("docker build").or_else(|| line.find("docker image build")) else {
            continue;
        };
        let words: Vec<String> = expand(&line[at..], &vars)
            .split_whitespace()
            .skip(2)
            .map(|w| w.trim_matches(['"', '\'']).to_string())
            .collect();
        let (mut tags, mut file, mut context) = (Vec::new(), None, None);
        let mut it = words.iter();
        while let Some(w) = it.next() {
            match w.as_str() {
                "-t" | "--tag" => tags.extend(it.next().cloned()),
                "-f" | "--file" => file = it.next().cloned(),
                v if VALUED.contains(&v) => {
                    it.next();
                }
                v if v.starts_with("--tag=") => tags.push(v[6..].to_string()),
                v if v.starts_with("--file=") => file = Some(v[7..].to_string()),
                v if v.starts_with('-') => {}
                v if [";", "&&", "||", "|"].contains(&v) => break,
                v => context = Some(v.to_string()),
            }
        }
        let context = context.unwrap_or_else(|| ".".into());
        let file = file.map_or_else(|| Path::new(&context).join("Dockerfile"), PathBuf::from);
        let (Some(ctx), Some(df)) = (normal(Path::new(&context)), normal(&file)) else {
            continue;
        };
        for repo in tags.iter().filter_map(|t| repository(t)) {
            let source = format!("Makefile:{}: docker build -t {repo}", line_of(text, i));
            out.extend(found(root, &repo, df.clone(), ctx.clone(), source));
        }
    }
    out
}

/// The line number in the original text of the `n`th joined line.
fn line_of(text: &str, n: usize) -> usize {
    let mut joined = 0;
    for (i, l) in text.lines().enumerate() {
        if joined == n {
            return i + 1;
        }
        if !l.ends_with('\\') {
            joined += 1;
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (p, t) in files {
            let p = d.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, t).unwrap();
        }
        d
    }

    #[test]
    fn compose_build_and_image_with_its_context() {
        let d = project(&[
            ("docker-src/Dockerfile.wrk", "FROM scratch\n"),
            (
                "docker-src/docker-compose.yml",
                "services:\n  w:\n    build:\n      context: ./\n      dockerfile: ./Dockerfile.wrk\n    image: u/wrk:final\n  r:\n    image: redis:7\n  gone:\n    build: .\n    image: u/x:1\n",
            ),
        ]);
        let e = gather(d.path());
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            (
                e[0].repository.as_str(),
                e[0].dockerfile.as_path(),
                e[0].context.as_path()
            ),
            ("u/wrk", Path::new("docker-src/Dockerfile.wrk"), Path::new("docker-src"))
        );
    }

    #[test]
    fn makefile_build_lines_with_variables_and_continuations() {
        let d = project(&[
            ("docker/Dockerfile.api", "FROM scratch\n"),
            ("api/dockerfile", "FROM scratch\n"),
            (
                "Makefile",
                "NSPACE=\"wallen\"\nAPP := pssp\nVER=\"0.3.4\"\n\nbuild-api:\n\tdocker build -t ${NSPACE}/$(APP)-api:${VER} \\\n                     -f docker/Dockerfile.api \\\n                     ./\nb:\n\tdocker build --file api/dockerfile --tag wallen/x:1 --build-arg A=1 .\nw:\n\tdocker build --file worker/ --tag u/w:1 ./\n",
            ),
        ]);
        let e = gather(d.path());
        let got: Vec<(&str, &str)> = e
            .iter()
            .map(|e| (e.repository.as_str(), e.dockerfile.to_str().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("wallen/pssp-api", "docker/Dockerfile.api"),
                ("wallen/x", "api/dockerfile")
            ]
        );
        assert_eq!(e[0].source, "Makefile:6: docker build -t wallen/pssp-api");
    }
}
