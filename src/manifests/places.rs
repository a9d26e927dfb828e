//! Where a project keeps its test and prod manifests when `.release.yml` does not say:
//! the environment's word in a folder (`k8s/test/api/`, `kubernetes/api/prod/`) or a
//! file name (`kubes/gene-prod-api.yml`), else the objects' `env:` labels. Files under
//! the manifest folder that carry neither word belong to the one environment there is,
//! or, when both exist, are shared by them (`kubernetes/db/`).

use serde::Deserialize as _;
use std::path::{Path, PathBuf};

/// Folders projects keep their manifests in, the usual one first.
const ROOTS: &[&str] = &[
    "kubernetes",
    "k8s",
    "kube",
    "kubes",
    "deploy",
    "deployment",
    "deployments",
    "manifests",
    "k8files",
    "k8",
];

const TEST_WORDS: &[&str] = &["test", "testing", "tst", "staging", "stage"];
const PROD_WORDS: &[&str] = &["prod", "production", "prd"];
/// Environments the release does not know: their files are neither test's, prod's nor
/// shared (applying `k8s/dev/` with prod would be wrong), and are only counted.
const OTHER_WORDS: &[&str] = &["dev", "development", "qa", "uat"];

/// Folders of dependencies and build output: never a project's manifests (and huge).
const NOT_MANIFESTS: &[&str] = &[
    "node_modules",
    "target",
    "vendor",
    "venv",
    "__pycache__",
    "site-packages",
    "dist",
    "build",
];

/// How deep below the manifest folder files are read (`k8s/test/api/x.yml` is two).
const MAX_DEPTH: usize = 4;

/// Which files under a place's folder belong to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holds {
    /// Every manifest under the folder (a folder per environment, or `environments:`).
    All,
    /// Files whose path names this environment first (`app-test-api.yml`, `api/test/`).
    Marked(&'static str),
    /// Those, and files that name no environment (the only environment there is).
    MarkedOrUnmarked(&'static str),
    /// Files that name no environment while both exist: shared by test and prod.
    Unmarked,
    /// These files (relative to the root): no path names an environment, the objects'
    /// `env:` labels do, file by file.
    Listed(Vec<PathBuf>),
    /// A kustomize overlay: the folder's kustomization, rendered by `kubectl kustomize`
    /// (its YAML files are its own; the bases it names are read through it).
    Kustomize,
    /// A Helm chart's values file for the environment (in `also`): never rendered here.
    Helm,
}

/// One environment's (or the shared) manifests: a folder and which files in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub dir: PathBuf,
    pub holds: Holds,
    /// How to name it to a person: `k8s/test`, `kubes/ (files named *prod*)`.
    pub label: String,
    /// Files it holds beyond its rule (relative to the root): a `-test` file outside
    /// test's folder, `x.yml` beside its `x-test.yml` copy (prod's).
    pub also: Vec<PathBuf>,
    /// Files its rule would take that are another's (`x.yml` beside `x-test.yml` is not
    /// shared).
    pub except: Vec<PathBuf>,
}

impl Place {
    /// A whole folder.
    pub fn folder(dir: PathBuf) -> Place {
        let label = dir.display().to_string();
        Place {
            dir,
            holds: Holds::All,
            label,
            also: Vec::new(),
            except: Vec::new(),
        }
    }

    /// A kustomize overlay (`k8s/overlays/test`); `why` says why this one, when asked.
    pub fn kustomize(dir: PathBuf, why: Option<&str>) -> Place {
        let label = match why {
            Some(why) => format!("{} (kustomize; {why})", dir.display()),
            None => format!("{} (kustomize)", dir.display()),
        };
        Place {
            dir,
            holds: Holds::Kustomize,
            label,
            also: Vec::new(),
            except: Vec::new(),
        }
    }

    /// A Helm chart environment: the chart's folder and the environment's values file.
    pub fn helm(chart: PathBuf, values: Option<PathBuf>) -> Place {
        let label = match &values {
            Some(v) => format!("{} (helm)", v.display()),
            None => format!("{} (helm; no values file for it)", chart.display()),
        };
        Place {
            dir: chart,
            holds: Holds::Helm,
            label,
            also: values.into_iter().collect(),
            except: Vec::new(),
        }
    }

    fn marked(dir: &Path, env: &'static str, unmarked: bool) -> Place {
        let holds = if unmarked {
            Holds::MarkedOrUnmarked(env)
        } else {
            Holds::Marked(env)
        };
        let label = if unmarked {
            format!("{}/", dir.display())
        } else {
            format!("{}/*{env}*", dir.display())
        };
        Place {
            dir: dir.to_path_buf(),
            holds,
            label,
            also: Vec::new(),
            except: Vec::new(),
        }
    }

    /// Whether the file at `rel` (relative to the repository root) belongs here.
    pub fn holds(&self, rel: &Path) -> bool {
        if self.except.iter().any(|e| e == rel) {
            return false;
        }
        if self.also.iter().any(|a| a == rel) {
            return true;
        }
        self.holds_by_rule(rel)
    }

    fn holds_by_rule(&self, rel: &Path) -> bool {
        let Ok(inner) = rel.strip_prefix(&self.dir) else {
            return false;
        };
        let is_yaml = rel.extension().is_some_and(|x| x == "yml" || x == "yaml");
        is_yaml
            && match &self.holds {
                Holds::All | Holds::Kustomize => true,
                Holds::Helm => false,
                Holds::Marked(e) => mark(inner) == Some(*e),
                Holds::MarkedOrUnmarked(e) => mark(inner).is_none_or(|m| m == *e),
                Holds::Unmarked => mark(inner).is_none(),
                Holds::Listed(files) => files.iter().any(|f| f == rel),
            }
    }

    /// Its manifest files, relative to `root`, sorted.
    pub fn files(&self, root: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        yaml_files(root, &self.dir, 0, &mut out);
        out.extend(
            self.also
                .iter()
                .filter(|a| !a.starts_with(&self.dir) && root.join(a).is_file())
                .cloned(),
        );
        out.retain(|p| self.holds(p));
        out.sort();
        out
    }

    /// Where `rel`, a file of the other environment, goes in environment `to`: every
    /// word of the other environment in its path swapped (`kubes/gene-prod-api.yml` ->
    /// `kubes/gene-test-api.yml`, `k8s/prod/api/ged-prod-x.yml` -> `k8s/test/api/ged-test-x.yml`).
    pub fn counterpart(rel: &Path, to: &'static str) -> Option<PathBuf> {
        swap_words(rel.to_str()?, to).map(PathBuf::from)
    }
}

/// `text` with every word of the other environment swapped for `to`'s, case kept
/// (`gene-prod-api` -> `gene-test-api`); `None` when it names none.
pub fn swap_words(text: &str, to: &'static str) -> Option<String> {
    let from = if to == "test" { "prod" } else { "test" };
    let (mut out, mut at, mut swapped) = (String::new(), 0, false);
    for (start, end) in words(text) {
        out.push_str(&text[at..start]);
        let word = &text[start..end];
        if env_of_word(&word.to_ascii_lowercase()) == Some(from) {
            out.push_str(&match_case(word, to));
            swapped = true;
        } else {
            out.push_str(word);
        }
        at = end;
    }
    out.push_str(&text[at..]);
    swapped.then_some(out)
}

/// The byte ranges of the words of a path or name, split at `/ - _ .` (and `\`).
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    text.char_indices()
        .chain(std::iter::once((text.len(), '/')))
        .filter(|(_, c)| matches!(c, '/' | '-' | '_' | '.' | '\\'))
        .map(move |(i, c)| {
            let word = (start, i);
            start = i + c.len_utf8();
            word
        })
}

fn match_case(original: &str, word: &str) -> String {
    if original.len() > 1 && original.chars().all(|c| c.is_ascii_uppercase()) {
        word.to_ascii_uppercase()
    } else if original.starts_with(|c: char| c.is_ascii_uppercase()) {
        let mut w = word.to_string();
        w[..1].make_ascii_uppercase();
        w
    } else {
        word.to_string()
    }
}

/// The environment a path names first, by its words (split at `/ - _ .`).
pub fn mark(rel: &Path) -> Option<&'static str> {
    let text = rel.to_str()?;
    words(text).find_map(|(s, e)| env_of_word(&text[s..e].to_ascii_lowercase()))
}

fn env_of_word(word: &str) -> Option<&'static str> {
    if TEST_WORDS.contains(&word) {
        Some("test")
    } else if PROD_WORDS.contains(&word) {
        Some("prod")
    } else if OTHER_WORDS.contains(&word) {
        Some("other")
    } else {
        None
    }
}

/// Both environments and what they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    pub test: Place,
    pub prod: Place,
    pub shared: Option<Place>,
    /// Files of environments the release does not know (`k8s/dev/`): never read.
    pub other: Vec<PathBuf>,
    /// The only manifests name no environment (by path or label): they are taken as prod
    /// until `release init --as test|prod` says which they are.
    pub unnamed: bool,
}

impl Places {
    /// The places `.release.yml` names.
    pub fn configured(test: PathBuf, prod: PathBuf) -> Places {
        Places {
            test: Place::folder(test),
            prod: Place::folder(prod),
            shared: None,
            other: Vec::new(),
            unnamed: false,
        }
    }

    /// The place of environment `env` (`test` or `prod`).
    pub fn of(&self, env: &str) -> Option<&Place> {
        match env {
            "test" => Some(&self.test),
            "prod" => Some(&self.prod),
            _ => None,
        }
    }

    /// Whether a file (relative to the root) is a manifest of either environment.
    pub fn holds(&self, rel: &Path) -> bool {
        self.test.holds(rel) || self.prod.holds(rel) || self.shared.as_ref().is_some_and(|s| s.holds(rel))
    }

    /// Looks for the manifests under `root` (nothing found: `kubernetes/{test,prod}`).
    pub fn find(root: &Path) -> Places {
        let plain = Places::plain(root);
        let mut overlays = super::kustomize::find_all(root).into_iter();
        let first = overlays.next();
        let others: Vec<PathBuf> = overlays
            .flat_map(|o| [o.test, o.prod])
            .filter_map(|d| super::kustomize::file_in(root, &d))
            .collect();
        if let Some(o) = first {
            // Overlays are the layout unless plain manifests of an environment live
            // outside their tree (a project's YAML beside another tool's overlays).
            let tree = o.test.ancestors().nth(2).unwrap_or(Path::new("")).to_path_buf();
            let outside = [&plain.test, &plain.prod]
                .into_iter()
                .flat_map(|p| p.files(root))
                .any(|f| !f.starts_with(&tree) && !super::kustomize::is_kustomization(&f));
            if !outside {
                // Another app's overlays are counted in the found line, never touched.
                return Places {
                    test: Place::kustomize(o.test, o.test_why.as_deref()),
                    prod: Place::kustomize(o.prod, None),
                    shared: None,
                    other: others,
                    unnamed: false,
                };
            }
        }
        // A chart is the layout only where no plain manifest is any environment's: a
        // project that applies YAML and vendors a chart beside it keeps its YAML.
        if !plain.test.holds_any(root)
            && !plain.prod.holds_any(root)
            && let [c, rest @ ..] = super::helm::find_all(root).as_slice()
        {
            return Places {
                test: Place::helm(c.dir.clone(), c.test.clone()),
                prod: Place::helm(c.dir.clone(), c.prod.clone()),
                shared: None,
                other: rest
                    .iter()
                    .flat_map(|r| r.test.iter().chain(&r.prod))
                    .cloned()
                    .collect(),
                unnamed: false,
            };
        }
        plain
    }

    /// Plain manifest files: where the environments' words, file pairs or labels put them.
    fn plain(root: &Path) -> Places {
        let Some((dir, files)) = manifest_root(root) else {
            return Places::configured("kubernetes/test".into(), "kubernetes/prod".into());
        };
        let raw: Vec<Option<&str>> = files.iter().map(|f| mark(f.strip_prefix(&dir).unwrap_or(f))).collect();
        // `x.yml` beside `x-test.yml` is the other environment's, not unmarked; so is a
        // file whose objects are labelled with one environment (once some path names one).
        let any_marked = raw.iter().any(|m| matches!(m, Some("test" | "prod")));
        let marks: Vec<Option<&str>> = files
            .iter()
            .zip(&raw)
            .map(|(f, m)| {
                m.or_else(|| partner_of(f, &files))
                    .or_else(|| any_marked.then(|| label_of(root, f)).flatten())
            })
            .collect();
        let has = |e: &str| marks.contains(&Some(e));
        let unmarked = marks.contains(&None);
        let other: Vec<PathBuf> = files.iter().filter(|f| names_other(&dir, f)).cloned().collect();
        let mut places = match (has("test"), has("prod")) {
            (false, false) => {
                let known: Vec<PathBuf> = files.iter().filter(|f| !names_other(&dir, f)).cloned().collect();
                let mut places = by_labels(root, &dir, &known);
                if !places.test.holds_any(root) && !places.prod.holds_any(root) && !known.is_empty() {
                    places = unnamed(&dir);
                }
                places
            }
            (t, p) => {
                let one = t != p;
                let test = t.then(|| env_place(root, &dir, "test", one, &files));
                let prod = p.then(|| env_place(root, &dir, "prod", one, &files));
                let mut places = Places {
                    test: test.clone().unwrap_or_else(|| absent(&dir, "test", prod.as_ref())),
                    prod: prod.clone().unwrap_or_else(|| absent(&dir, "prod", test.as_ref())),
                    shared: None,
                    other: Vec::new(),
                    unnamed: false,
                };
                if !one && unmarked {
                    places.shared = Some(Place {
                        dir: dir.clone(),
                        holds: Holds::Unmarked,
                        label: format!("{}/ (files naming no environment)", dir.display()),
                        also: Vec::new(),
                        except: Vec::new(),
                    });
                }
                places.claim_strays(&files, &marks, &raw);
                places
            }
        };
        places.other = other;
        places
    }

    /// A file that names an environment belongs to it wherever it sits, and `x.yml` beside
    /// its `x-test.yml` copy is prod's: what the places' rules miss goes into `also`, and
    /// the shared place gives those up (`except`).
    fn claim_strays(&mut self, files: &[PathBuf], marks: &[Option<&str>], raw: &[Option<&str>]) {
        for ((f, m), r) in files.iter().zip(marks).zip(raw) {
            let place = match m {
                Some("test") => &mut self.test,
                Some("prod") => &mut self.prod,
                _ => continue,
            };
            if !place.holds(f) {
                place.also.push(f.clone());
            }
            if r.is_none()
                && let Some(shared) = &mut self.shared
                && shared.holds(f)
            {
                shared.except.push(f.clone());
            }
        }
        for (place, env) in [(&mut self.test, "test"), (&mut self.prod, "prod")] {
            if !place.also.is_empty() {
                place.label = format!("{} + {} file(s) naming {env} beside", place.label, place.also.len());
            }
        }
    }
}

/// The environment an unmarked file belongs to by its copy beside it: `x.yml` beside
/// `x-test.yml` (or `x_test`, `test-x`, `test_x`) is prod's, and the other way round.
fn partner_of(f: &Path, files: &[PathBuf]) -> Option<&'static str> {
    let (dir, stem, ext) = (f.parent()?, f.file_stem()?.to_str()?, f.extension()?.to_str()?);
    for (env, words) in [("test", TEST_WORDS), ("prod", PROD_WORDS)] {
        for w in words {
            let names = [
                format!("{stem}-{w}"),
                format!("{stem}_{w}"),
                format!("{w}-{stem}"),
                format!("{w}_{stem}"),
            ];
            let beside = names
                .iter()
                .flat_map(|n| ["yml", "yaml", ext].map(|x| dir.join(format!("{n}.{x}"))))
                .any(|p| files.contains(&p));
            if beside {
                return Some(if env == "test" { "prod" } else { "test" });
            }
        }
    }
    None
}

/// The one environment a file's objects are labelled with (`env: test`), if exactly one.
fn label_of(root: &Path, f: &Path) -> Option<&'static str> {
    match labelled(root, f).into_iter().collect::<Vec<_>>().as_slice() {
        [one @ ("test" | "prod")] => Some(*one),
        _ => None,
    }
}

/// Manifests that name no environment, by path or label: one unnamed environment, taken
/// as prod (linted, its images found) until `release init --as test|prod` says which.
fn unnamed(dir: &Path) -> Places {
    let mut prod = Place::folder(dir.to_path_buf());
    prod.label = format!(
        "{}/ (names no environment: one environment, taken as prod; `release init --as prod` or `--as test` says which and builds the other)",
        dir.display()
    );
    Places {
        test: Place::marked(dir, "test", false),
        prod,
        shared: None,
        other: Vec::new(),
        unnamed: true,
    }
}

impl Place {
    /// Whether it holds any file under `root` now.
    fn holds_any(&self, root: &Path) -> bool {
        !self.files(root).is_empty()
    }
}

/// The places of `.release.yml`'s `environments:`, else the ones found under `root`.
pub fn of_project(root: &Path, config: &crate::config::Config) -> Places {
    match &config.environments {
        Some(e) => {
            let mut places = Places::configured(e.test.clone(), e.prod.clone());
            for place in [&mut places.test, &mut places.prod] {
                if super::kustomize::file_in(root, &place.dir).is_some() {
                    *place = Place::kustomize(place.dir.clone(), None);
                }
            }
            places
        }
        None => Places::find(root),
    }
}

/// The place of an environment that has no file yet, beside the other's.
fn absent(dir: &Path, env: &'static str, other: Option<&Place>) -> Place {
    match other {
        Some(o) if o.holds == Holds::All => {
            Place::folder(Place::counterpart(&o.dir, env).unwrap_or_else(|| dir.join(env)))
        }
        _ => Place::marked(dir, env, false),
    }
}

/// An environment's place under the manifest folder `dir`: its own folder
/// (`k8s/test`) when it has one, else the files that name it.
/// Whether a file under `dir` names an environment the release does not know.
fn names_other(dir: &Path, f: &Path) -> bool {
    mark(f.strip_prefix(dir).unwrap_or(f)) == Some("other")
}

fn env_place(root: &Path, dir: &Path, env: &'static str, only_env: bool, files: &[PathBuf]) -> Place {
    let words = if env == "test" { TEST_WORDS } else { PROD_WORDS };
    let own = words.iter().map(|w| dir.join(w)).find(|d| root.join(d).is_dir());
    match own {
        Some(d) if !only_env || files.iter().filter(|f| !names_other(dir, f)).all(|f| f.starts_with(&d)) => {
            Place::folder(d)
        }
        _ => Place::marked(dir, env, only_env),
    }
}

/// The environment words of a file's objects' `env`/`environment`/`tier`/`stage` labels.
fn labelled(root: &Path, file: &Path) -> std::collections::BTreeSet<&'static str> {
    let mut seen = std::collections::BTreeSet::new();
    let Ok(text) = std::fs::read_to_string(root.join(file)) else {
        return seen;
    };
    // The labels of each object and of its pod template, read straight from the YAML
    // (a document that does not parse names no environment).
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let Ok(v) = serde_yaml::Value::deserialize(doc) else {
            continue;
        };
        let pod = &v["spec"]["template"]["metadata"]["labels"];
        for labels in [&v["metadata"]["labels"], pod] {
            for key in ["env", "environment", "tier", "stage"] {
                if let Some(word) = labels[key].as_str() {
                    seen.extend(env_of_word(&word.to_ascii_lowercase()));
                }
            }
        }
    }
    seen
}

/// No path names an environment: the objects' labels may. One environment labelled: the
/// whole folder is it. Both: each file goes where its labels say, the rest is shared.
fn by_labels(root: &Path, dir: &Path, files: &[PathBuf]) -> Places {
    let (mut test, mut prod, mut neither) = (Vec::new(), Vec::new(), Vec::new());
    for f in files {
        match labelled(root, f).into_iter().collect::<Vec<_>>().as_slice() {
            ["test"] => test.push(f.clone()),
            ["prod"] => prod.push(f.clone()),
            ["other"] => {}
            _ => neither.push(f.clone()),
        }
    }
    let place = |env: &str, holds: Holds| Place {
        dir: dir.to_path_buf(),
        holds,
        label: format!("{}/ (labelled env: {env})", dir.display()),
        also: Vec::new(),
        except: Vec::new(),
    };
    let none = |env: &str| Place::folder(dir.join(env));
    match (test.is_empty(), prod.is_empty()) {
        (false, true) => Places {
            test: place("test", Holds::All),
            prod: none("prod"),
            shared: None,
            other: Vec::new(),
            unnamed: false,
        },
        (true, false) => Places {
            test: none("test"),
            prod: place("prod", Holds::All),
            shared: None,
            other: Vec::new(),
            unnamed: false,
        },
        (false, false) => Places {
            test: place("test", Holds::Listed(test)),
            prod: place("prod", Holds::Listed(prod)),
            shared: (!neither.is_empty()).then(|| Place {
                dir: dir.to_path_buf(),
                holds: Holds::Listed(neither),
                label: format!("{}/ (labelled with neither)", dir.display()),
                also: Vec::new(),
                except: Vec::new(),
            }),
            other: Vec::new(),
            unnamed: false,
        },
        (true, true) => Places::configured(dir.join("test"), dir.join("prod")),
    }
}

/// The folder holding the project's Kubernetes manifests, with its YAML files: the first
/// usual one with YAML in it, else the top-level folder with the most files that look like
/// manifests.
fn manifest_root(root: &Path) -> Option<(PathBuf, Vec<PathBuf>)> {
    let with_yaml = |d: PathBuf| {
        let mut v = Vec::new();
        yaml_files(root, &d, 0, &mut v);
        (d, v)
    };
    if let Some(found) = ROOTS
        .iter()
        .map(PathBuf::from)
        .map(with_yaml)
        .find(|(_, v)| !v.is_empty())
    {
        return Some(found);
    }
    let top = std::fs::read_dir(root).ok()?;
    top.filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| with_yaml(PathBuf::from(e.file_name())))
        .map(|(d, v)| (v.iter().filter(|f| looks_like_manifest(&root.join(f))).count(), d, v))
        .filter(|(n, _, _)| *n > 0)
        .max_by_key(|(n, _, _)| *n)
        .map(|(_, d, v)| (d, v))
}

/// `apiVersion:` and `kind:` at the start of a line in the file's first 8 KiB.
fn looks_like_manifest(path: &Path) -> bool {
    use std::io::Read;
    let mut head = vec![0; 8192];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&head[..n]);
    let starts = |k: &str| text.lines().any(|l| l.starts_with(k));
    starts("apiVersion:") && starts("kind:")
}

/// The `.yml`/`.yaml` files under `dir` (relative to `root`), hidden folders skipped.
fn yaml_files(root: &Path, dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name();
        let rel = dir.join(&name);
        let Ok(kind) = e.file_type() else { continue };
        let text = name.to_string_lossy();
        if kind.is_dir() && depth < MAX_DEPTH && !text.starts_with('.') && !NOT_MANIFESTS.contains(&text.as_ref()) {
            yaml_files(root, &rel, depth + 1, out);
        } else if !kind.is_dir() && rel.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(rel);
        }
    }
}

#[cfg(test)]
mod tests;
