//! `release check`: the mistakes people really make in these folders, found before they
//! apply them. Pure: works on the loaded environments. Every rule is a row of [`RULES`]
//! (id, severity, where it looks, the function); `env_rules` and `pair_rules` hold them.

mod env_rules;
mod pair_rules;
mod wiring_rules;

use super::model::{Env, Labels, Object};
use super::patch::{ProjectImages, Schemes};
use crate::project::problem::Problem;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding: which rule, how bad, and the problem (file:line, what, fix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: &'static str,
    #[serde(flatten)]
    pub problem: Problem,
}

impl Finding {
    /// The file and line it points at.
    pub fn place(&self) -> (&Path, usize) {
        match &self.problem.at {
            Some(crate::project::problem::At::Line { file, line }) => (file, *line),
            _ => (Path::new(""), 0),
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = match &self.problem.at {
            Some(crate::project::problem::At::Line { file, line }) => format!("{}:{line}: ", file.display()),
            Some(crate::project::problem::At::Place { place }) => format!("{place}: "),
            _ => String::new(),
        };
        write!(
            f,
            "{at}{sev}[{}]: {}\n    fix: {}",
            self.rule, self.problem.what, self.problem.fix
        )
    }
}

/// What a rule found: where, what, and the fix (the table adds rule and severity).
pub struct Hit {
    pub file: PathBuf,
    pub line: usize,
    pub what: String,
    pub fix: String,
}

/// Collects a rule's hits.
#[derive(Default)]
pub struct Hits(Vec<Hit>);

impl Hits {
    pub fn add(&mut self, (file, line): (&Path, usize), what: String, fix: impl Into<String>) {
        self.0.push(Hit {
            file: file.to_path_buf(),
            line,
            what,
            fix: fix.into(),
        });
    }
}

/// One environment as a rule sees it: its objects, and the other environment.
pub struct EnvView<'a> {
    pub env: &'a Env,
    pub other: &'a Env,
    pub objects: Vec<&'a Object>,
    /// A file does not parse: rules about what is missing say nothing rather than guess.
    pub unreadable: bool,
    /// Workloads by pod label, here and in the other environment.
    pub pods: PodIndex<'a>,
    pub other_pods: PodIndex<'a>,
    pub project: &'a ProjectImages,
    /// Component tags in use (`u/app:api`, `u/app:wrk`).
    pub schemes: Schemes,
}

impl<'a> EnvView<'a> {
    /// `env` as it is applied: its own objects and the shared ones.
    fn new(env: &'a Env, other: &'a Env, shared: Option<&'a Env>, project: &'a ProjectImages) -> EnvView<'a> {
        let with_shared = || env.objects().chain(shared.into_iter().flat_map(Env::objects));
        EnvView {
            project,
            schemes: Schemes::of(with_shared(), project),
            env,
            other,
            objects: with_shared().collect(),
            unreadable: env
                .files
                .iter()
                .chain(shared.into_iter().flat_map(|s| &s.files))
                .any(|f| f.error.is_some()),
            pods: PodIndex::new(with_shared()),
            other_pods: PodIndex::new(other.objects()),
        }
    }

    /// The shared files on their own: their pods may serve either environment.
    fn shared(shared: &'a Env, [test, prod, none]: [&'a Env; 3], project: &'a ProjectImages) -> EnvView<'a> {
        EnvView {
            project,
            schemes: Schemes::of(shared.objects(), project),
            env: shared,
            other: none,
            objects: shared.objects().collect(),
            unreadable: [shared, test, prod]
                .iter()
                .flat_map(|e| &e.files)
                .any(|f| f.error.is_some()),
            pods: PodIndex::new(shared.objects().chain(test.objects()).chain(prod.objects())),
            other_pods: PodIndex::new(none.objects()),
        }
    }
}

/// Workloads by each `key=value` of their pod labels, so a selector is matched against the
/// few workloads that share its rarest label, not against all of them.
pub struct PodIndex<'a>(std::collections::HashMap<(&'a str, &'a str), Vec<&'a Object>>);

impl<'a> PodIndex<'a> {
    fn new(objects: impl Iterator<Item = &'a Object>) -> PodIndex<'a> {
        let mut m: std::collections::HashMap<(&str, &str), Vec<&Object>> = std::collections::HashMap::new();
        for w in objects.filter(|o| is_workload(o)) {
            for (k, v) in &w.pod_labels {
                m.entry((k, v)).or_default().push(w);
            }
        }
        PodIndex(m)
    }

    /// The first workload whose pod labels contain all of `selector`.
    pub fn first_match(&self, selector: &Labels) -> Option<&'a Object> {
        let rarest = selector
            .iter()
            .map(|(k, v)| self.0.get(&(k, v)).map_or(&[][..], Vec::as_slice))
            .min_by_key(|l| l.len())?;
        rarest.iter().copied().find(|w| contains(&w.pod_labels, selector))
    }
}

/// Both environments, for the rules that compare them.
pub struct PairView<'a> {
    pub test: &'a Env,
    pub prod: &'a Env,
    pub t: Vec<&'a Object>,
    pub p: Vec<&'a Object>,
    pub project: &'a ProjectImages,
}

/// Where a rule looks.
pub enum Scope {
    /// Each existing environment on its own.
    Env(fn(&EnvView, &mut Hits)),
    /// Test and prod together, when both exist.
    Pair(fn(&PairView, &mut Hits)),
    /// Test and prod when at least one exists (the folders themselves).
    Folders(fn(&Env, &Env, &mut Hits)),
}

/// A lint rule.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub scope: Scope,
}

const fn rule(id: &'static str, severity: Severity, scope: Scope) -> Rule {
    Rule { id, severity, scope }
}

use Severity::{Error, Warning};

/// Every rule `release check` runs.
pub const RULES: &[Rule] = &[
    rule("yaml", Error, Scope::Env(env_rules::yaml)),
    rule("empty-file", Warning, Scope::Env(env_rules::empty_file)),
    rule("kind-vs-filename", Warning, Scope::Env(env_rules::kind_vs_filename)),
    rule("wrong-env-name", Warning, Scope::Env(env_rules::wrong_env_name)),
    rule("duplicate", Error, Scope::Env(env_rules::duplicate)),
    rule(
        "selector-matches-nothing",
        Error,
        Scope::Env(env_rules::selector_matches_nothing),
    ),
    rule(
        "selector-matches-other-env",
        Error,
        Scope::Env(env_rules::selector_matches_other_env),
    ),
    rule(
        "matchlabels-not-in-template",
        Error,
        Scope::Env(env_rules::matchlabels_not_in_template),
    ),
    rule("nodeport-range", Error, Scope::Env(env_rules::nodeport_range)),
    rule("claim-missing", Error, Scope::Env(env_rules::claim_missing)),
    rule("image", Error, Scope::Env(env_rules::image_invalid)),
    rule("placeholder", Warning, Scope::Env(env_rules::placeholder)),
    rule("floating-tag", Warning, Scope::Env(env_rules::floating_tag)),
    rule("ingress-backend", Error, Scope::Env(wiring_rules::ingress_backend)),
    rule("host-target", Error, Scope::Env(wiring_rules::host_target)),
    rule("hard-coded-ip", Warning, Scope::Env(wiring_rules::hard_coded_ip)),
    rule("plaintext-secret", Warning, Scope::Env(wiring_rules::plaintext_secret)),
    rule("env-missing", Warning, Scope::Folders(pair_rules::test_missing)),
    rule("env-missing", Warning, Scope::Folders(pair_rules::prod_missing)),
    rule("name-shared", Error, Scope::Pair(pair_rules::name_shared)),
    rule("nodeport-shared", Error, Scope::Pair(pair_rules::nodeport_shared)),
    rule("host-shared", Error, Scope::Pair(pair_rules::host_shared)),
    rule("address-shared", Error, Scope::Pair(wiring_rules::address_shared)),
    rule("labels-shared", Warning, Scope::Pair(pair_rules::labels_shared)),
    rule(
        "repository-differs",
        Warning,
        Scope::Pair(pair_rules::repository_differs),
    ),
    rule("no-partner", Warning, Scope::Pair(pair_rules::no_partner)),
];

/// Everything the rules look at, built once.
struct Views<'a> {
    test: &'a Env,
    prod: &'a Env,
    envs: Vec<EnvView<'a>>,
    pair: PairView<'a>,
    /// The shared files: test's and prod's views see them (their pods and claims count),
    /// but what is wrong in them is said once, by the shared view, naming their folder.
    shared_files: std::collections::HashSet<PathBuf>,
}

fn run(rule: &Rule, v: &Views) -> Hits {
    let mut hits = Hits::default();
    match rule.scope {
        Scope::Env(f) => {
            for (i, e) in v.envs.iter().enumerate() {
                let mut found = Hits::default();
                f(e, &mut found);
                let own_view = i >= 2;
                hits.0.extend(
                    found
                        .0
                        .into_iter()
                        .filter(|h| own_view || !v.shared_files.contains(&h.file)),
                );
            }
        }
        Scope::Folders(f) if v.test.exists || v.prod.exists => f(v.test, v.prod, &mut hits),
        Scope::Pair(f) if v.test.exists && v.prod.exists => f(&v.pair, &mut hits),
        _ => {}
    }
    hits
}

/// Every finding for the two environments (and the files they share), sorted by file and
/// line.
pub fn check(test: &Env, prod: &Env, shared: Option<&Env>, project: &ProjectImages) -> Vec<Finding> {
    let none = Env {
        name: "none".into(),
        place: super::places::Place::folder(PathBuf::new()),
        exists: false,
        files: Vec::new(),
    };
    // The shared view names the shared files' own folders (`kubernetes/db`).
    let shared_named = shared.map(|s| {
        let mut folders: Vec<String> = s
            .files
            .iter()
            .filter_map(|f| f.path.parent().map(|p| p.display().to_string()))
            .collect();
        folders.sort();
        folders.dedup();
        let mut named = s.clone();
        named.place.label = format!("{} (shared by test and prod)", folders.join(", "));
        named
    });
    let mut envs = vec![
        EnvView::new(test, prod, shared, project),
        EnvView::new(prod, test, shared, project),
    ];
    envs.extend(
        shared_named
            .as_ref()
            .map(|s| EnvView::shared(s, [test, prod, &none], project)),
    );
    let shared_files = shared
        .iter()
        .flat_map(|s| s.files.iter().map(|f| f.path.clone()))
        .collect();
    let views = Views {
        test,
        prod,
        envs,
        pair: PairView {
            test,
            prod,
            t: test.objects().collect(),
            p: prod.objects().collect(),
            project,
        },
        shared_files,
    };
    let mut out: Vec<Finding> = RULES
        .iter()
        .flat_map(|r| {
            run(r, &views).0.into_iter().map(|h| Finding {
                severity: r.severity,
                rule: r.id,
                // Line 0: about a folder or a file as a whole, said without a line.
                problem: if h.line == 0 {
                    Problem::new(h.what, h.fix).at_place(h.file.display().to_string())
                } else {
                    Problem::new(h.what, h.fix).at_line(h.file, h.line)
                },
            })
        })
        .collect();
    out.sort_by(|a, b| (a.place(), a.rule).cmp(&(b.place(), b.rule)));
    // A shared object is seen from test and from prod: said once.
    out.dedup_by(|a, b| a.rule == b.rule && a.problem == b.problem);
    out
}

/// The namespace `o` is applied in: its own, else `deploy: { namespace }`, else the
/// cluster's default one.
pub(crate) fn ns<'a>(o: &'a Object, project: &'a ProjectImages) -> &'a str {
    o.namespace
        .as_deref()
        .or(project.namespace.as_deref())
        .unwrap_or("default")
}

/// What an object is applied as: its namespace, kind and name (unique together in a
/// cluster).
pub(crate) fn identity<'a>(o: &'a Object, project: &'a ProjectImages) -> (&'a str, &'a str, &'a str) {
    (ns(o, project), o.kind.as_str(), o.name.as_str())
}

/// How a namespace was decided, for messages: ` (namespace prod)`, or the assumed one.
pub(crate) fn ns_said(o: &Object, project: &ProjectImages) -> String {
    match (&o.namespace, &project.namespace) {
        (Some(n), _) => format!("namespace {n}"),
        (None, Some(n)) => format!("namespace {n}, from deploy: in .release.yml"),
        (None, None) => "the default namespace (it names none)".to_string(),
    }
}

pub(crate) fn contains(big: &Labels, small: &Labels) -> bool {
    !small.is_empty() && small.iter().all(|(k, v)| big.get(k) == Some(v))
}

pub(crate) fn is_workload(o: &Object) -> bool {
    matches!(
        o.kind.as_str(),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob" | "Pod"
    )
}

pub(crate) fn show(m: &Labels) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
