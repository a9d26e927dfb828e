//! `release check`: the mistakes people really make in these folders, found before they
//! apply them. Pure: works on the loaded environments.

use super::imageref::ImageRef;
use super::model::{Env, Object, pair};
use super::patch::ProjectImages;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: PathBuf,
    pub line: usize,
    pub severity: Severity,
    pub rule: &'static str,
    pub message: String,
    pub fix: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}: {sev}[{}]: {}\n    fix: {}",
            self.file.display(),
            self.line,
            self.rule,
            self.message,
            self.fix
        )
    }
}

struct Out(Vec<Finding>);

impl Out {
    fn add(&mut self, o: (&PathBuf, usize), severity: Severity, rule: &'static str, message: String, fix: String) {
        self.0.push(Finding {
            file: o.0.clone(),
            line: o.1,
            severity,
            rule,
            message,
            fix,
        });
    }
}

fn contains(big: &BTreeMap<String, String>, small: &BTreeMap<String, String>) -> bool {
    !small.is_empty() && small.iter().all(|(k, v)| big.get(k) == Some(v))
}

fn is_workload(o: &Object) -> bool {
    matches!(
        o.kind.as_str(),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob" | "Pod"
    )
}

fn show(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every finding for the two environments, sorted by file and line.
pub fn check(test: &Env, prod: &Env, project: &ProjectImages) -> Vec<Finding> {
    let mut out = Out(Vec::new());
    for env in [test, prod] {
        single_env(env, if env.name == test.name { prod } else { test }, &mut out);
    }
    if !test.exists && !prod.exists {
        return out.0;
    }
    for (env, other) in [(test, prod), (prod, test)] {
        if !env.exists && other.exists {
            out.add(
                (&env.dir, 0),
                if env.name == prod.name {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                "env-missing",
                format!(
                    "there is no {} folder, so {} has no counterpart",
                    env.dir.display(),
                    other.dir.display()
                ),
                format!(
                    "create {} with the same objects (release init writes a sample)",
                    env.dir.display()
                ),
            );
        }
    }
    if test.exists && prod.exists {
        across(test, prod, project, &mut out);
    }
    out.0
        .sort_by(|a, b| (&a.file, a.line, a.rule).cmp(&(&b.file, b.line, b.rule)));
    out.0
}

fn single_env(env: &Env, other: &Env, out: &mut Out) {
    for f in &env.files {
        if let Some(e) = &f.error {
            out.add(
                (&f.path, e.line),
                Severity::Error,
                "yaml",
                format!("the YAML does not parse: {}", e.message),
                "fix the syntax at that line (indent with spaces; quote values with `: ` or `#` in them)".into(),
            );
        }
        if f.error.is_none() && f.empty {
            out.add(
                (&f.path, 1),
                Severity::Warning,
                "empty-file",
                "the file has no objects".into(),
                "remove it, or fill it in".into(),
            );
        }
        if let [o] = f.objects.as_slice()
            && let Some(hint) = kind_hint(&f.path)
            && hint != o.kind
        {
            out.add(
                (&f.path, o.line),
                Severity::Warning,
                "kind-vs-filename",
                format!("the file name says {hint} but it holds a {} (`{}`)", o.kind, o.name),
                "rename the file after what it holds, or check that the right content was pasted".into(),
            );
        }
    }
    let objects: Vec<&Object> = env.objects().collect();
    let unreadable = env.files.iter().any(|f| f.error.is_some());
    let pvcs: Vec<&str> = objects
        .iter()
        .filter(|o| o.kind == "PersistentVolumeClaim")
        .map(|o| o.name.as_str())
        .collect();
    let other_word = &other.name;
    for o in &objects {
        let at = (&o.file, o.line);
        let words: Vec<String> = std::iter::once(&o.name)
            .chain(o.labels.values())
            .flat_map(|s| {
                s.split(['-', '_', '.'])
                    .map(str::to_ascii_lowercase)
                    .collect::<Vec<_>>()
            })
            .collect();
        if words.iter().any(|w| w == other_word) {
            out.add(
                (&o.file, o.name_line),
                Severity::Warning,
                "wrong-env-name",
                format!(
                    "{} `{}` is in {} but its name or labels say `{other_word}` (a copy-paste slip?)",
                    o.kind,
                    o.name,
                    env.dir.display()
                ),
                format!("rename it and its labels for {}", env.name),
            );
        }
        if o.kind == "Service" && !o.selector.is_empty() {
            let here = objects
                .iter()
                .any(|w| is_workload(w) && contains(&w.pod_labels, &o.selector));
            // With a file that does not parse, its pods are unknown: say nothing rather than guess.
            if !here && !unreadable {
                out.add(
                    at,
                    Severity::Error,
                    "selector-matches-nothing",
                    format!(
                        "Service `{}` selects {{{}}} but no pod in {} has those labels",
                        o.name,
                        show(&o.selector),
                        env.dir.display()
                    ),
                    "make the selector equal to the pod template labels of the Deployment it serves".into(),
                );
            }
            if let Some(w) = other
                .objects()
                .find(|w| is_workload(w) && contains(&w.pod_labels, &o.selector))
            {
                out.add(
                    at,
                    Severity::Error,
                    "selector-matches-other-env",
                    format!(
                        "Service `{}` in {} also selects pods of {} `{}` in {}: traffic would cross environments",
                        o.name,
                        env.dir.display(),
                        w.kind,
                        w.name,
                        other.dir.display()
                    ),
                    format!(
                        "give the pods of each environment their own label (for example `env: {}`) and select it",
                        env.name
                    ),
                );
            }
        }
        if is_workload(o) && o.kind != "Pod" && !o.match_labels.is_empty() && !contains(&o.pod_labels, &o.match_labels)
        {
            out.add(
                at,
                Severity::Error,
                "matchlabels-not-in-template",
                format!(
                    "{} `{}`: selector.matchLabels {{{}}} are not all in the pod template labels {{{}}}",
                    o.kind,
                    o.name,
                    show(&o.match_labels),
                    show(&o.pod_labels)
                ),
                "copy the matchLabels into spec.template.metadata.labels".into(),
            );
        }
        for (port, line) in &o.node_ports {
            if !(30000..=32767).contains(port) {
                out.add(
                    (&o.file, *line),
                    Severity::Error,
                    "nodeport-range",
                    format!("nodePort {port} is outside the range Kubernetes allows (30000-32767)"),
                    "pick a free port between 30000 and 32767, or leave nodePort out to get one".into(),
                );
            }
        }
        for (claim, line) in &o.claims {
            if !pvcs.contains(&claim.as_str()) && !unreadable {
                out.add(
                    (&o.file, *line),
                    Severity::Error,
                    "claim-missing",
                    format!(
                        "claimName `{claim}` has no PersistentVolumeClaim in {}",
                        env.dir.display()
                    ),
                    format!("add a PVC named `{claim}` to {}, or fix the name", env.dir.display()),
                );
            }
        }
        for site in &o.images {
            let Some(s) = &site.scalar else { continue };
            let Ok(r) = ImageRef::parse(&s.value) else {
                out.add(
                    (&o.file, site.line),
                    Severity::Error,
                    "image",
                    format!("`{}` is not an image reference", s.value),
                    "write it as user/app:1.2.3".into(),
                );
                continue;
            };
            if r.has_placeholder() {
                out.add(
                    (&o.file, site.line),
                    Severity::Warning,
                    "placeholder",
                    format!(
                        "`{}` is a template placeholder: the file cannot be applied as it is",
                        s.value
                    ),
                    "let release write real tags (it keeps them current), or keep the template step".into(),
                );
            } else if r.is_floating() {
                out.add(
                    (&o.file, site.line),
                    Severity::Warning,
                    "floating-tag",
                    format!(
                        "`{}` names no fixed build, so nobody can tell which version runs",
                        s.value
                    ),
                    "pin a version tag (release sets your own images' tags; --replace-latest does it once)".into(),
                );
            }
        }
    }
}

/// The kind a file name suggests (`api-service.yml` -> Service).
fn kind_hint(path: &std::path::Path) -> Option<&'static str> {
    let stem = path.file_stem()?.to_str()?.to_ascii_lowercase();
    let tokens: Vec<&str> = stem.split(['-', '_', '.']).collect();
    let has = |w: &[&str]| tokens.iter().any(|t| w.contains(t));
    if has(&["pvc", "claim"]) {
        Some("PersistentVolumeClaim")
    } else if has(&["deployment", "deploy"]) {
        Some("Deployment")
    } else if has(&["ingress"]) {
        Some("Ingress")
    } else if has(&["service", "svc", "nodeport"]) {
        Some("Service")
    } else {
        None
    }
}

fn across(test: &Env, prod: &Env, project: &ProjectImages, out: &mut Out) {
    let t: Vec<&Object> = test.objects().collect();
    let p: Vec<&Object> = prod.objects().collect();
    for a in &t {
        for b in p
            .iter()
            .filter(|b| b.kind == a.kind && b.name == a.name && !a.name.is_empty())
        {
            out.add(
                (&a.file, a.name_line),
                Severity::Error,
                "name-shared",
                format!(
                    "{} `{}` has the same name in {} ({}:{}): applying test overwrites prod",
                    a.kind,
                    a.name,
                    prod.dir.display(),
                    b.file.display(),
                    b.name_line
                ),
                format!(
                    "put the environment in the name, e.g. `{}`",
                    env_name(&a.name, &test.name)
                ),
            );
        }
        for (port, line) in &a.node_ports {
            if let Some(b) = p.iter().find(|b| b.node_ports.iter().any(|(q, _)| q == port)) {
                out.add(
                    (&a.file, *line),
                    Severity::Error,
                    "nodeport-shared",
                    format!(
                        "nodePort {port} is used in test and in prod (`{}` in {}): the second apply fails",
                        b.name,
                        b.file.display()
                    ),
                    "give each environment its own nodePort".into(),
                );
            }
        }
        for (host, line) in &a.hosts {
            if !host.is_empty() && p.iter().any(|b| b.hosts.iter().any(|(h, _)| h == host)) {
                out.add(
                    (&a.file, *line),
                    Severity::Error,
                    "host-shared",
                    format!("Ingress host `{host}` is the same in test and prod: one environment would take the other's traffic"),
                    "give test its own host name".into(),
                );
            }
        }
        if is_workload(a)
            && !a.pod_labels.is_empty()
            && let Some(b) = p.iter().find(|b| is_workload(b) && b.pod_labels == a.pod_labels)
        {
            out.add(
                (&a.file, a.line),
                Severity::Warning,
                "labels-shared",
                format!(
                    "{} `{}` has exactly the pod labels of `{}` in prod ({{{}}}): a selector for one matches both",
                    a.kind,
                    a.name,
                    b.name,
                    show(&a.pod_labels)
                ),
                "add an env label (env: test / env: prod) to each and select it".into(),
            );
        }
    }
    let (pairs, t_alone, p_alone) = pair(&t, &p);
    for (i, j) in pairs {
        let (a, b) = (t[i], p[j]);
        let repos = |o: &Object| -> Vec<String> {
            o.images
                .iter()
                .filter_map(|s| ImageRef::parse(&s.scalar.as_ref()?.value).ok())
                .filter(|r| project.contains(r) || !r.is_official_library())
                .map(|r| r.repository())
                .collect()
        };
        let (ra, rb) = (repos(a), repos(b));
        if !ra.is_empty() && !rb.is_empty() && ra != rb {
            out.add(
                (&a.file, a.line),
                Severity::Warning,
                "repository-differs",
                format!(
                    "`{}` runs {} in test but its prod partner `{}` runs {}: promotion copies the test image into prod",
                    a.name,
                    ra.join(", "),
                    b.name,
                    rb.join(", ")
                ),
                "use one repository per image and tell environments apart by tag".into(),
            );
        }
    }
    let lonely = t_alone
        .into_iter()
        .map(|i| (t[i], prod, "or remove this one"))
        .chain(p_alone.into_iter().map(|j| (p[j], test, "so it is tested before prod")));
    for (o, other, why) in lonely {
        out.add(
            (&o.file, o.line),
            Severity::Warning,
            "no-partner",
            format!("{} `{}` has no partner in {}", o.kind, o.name, other.dir.display()),
            format!("add the matching object to {}, {why}", other.dir.display()),
        );
    }
}

fn env_name(name: &str, env: &str) -> String {
    match name.split_once('-') {
        Some((a, b)) => format!("{a}-{env}-{b}"),
        None => format!("{name}-{env}"),
    }
}

#[cfg(test)]
mod tests;
