//! Rules that compare test with prod.

use super::{Hits, PairView, identity, is_workload, ns, ns_said, show};
use crate::manifests::imageref::ImageRef;
use crate::manifests::model::{Env, Labels, Object, pair};
use std::collections::{HashMap, HashSet};

fn missing(env: &Env, other: &Env, out: &mut Hits) {
    if !env.exists && other.exists {
        out.add(
            (&env.place.dir, 0),
            format!(
                "no {} manifests ({} has none), so {} has no counterpart",
                env.name,
                env.label(),
                other.label()
            ),
            format!(
                "create them with the same objects: `release init` builds them from {}",
                other.label()
            ),
        );
    }
}

pub fn test_missing(test: &Env, prod: &Env, out: &mut Hits) {
    missing(test, prod, out);
}

pub fn prod_missing(test: &Env, prod: &Env, out: &mut Hits) {
    missing(prod, test, out);
}

pub fn name_shared(v: &PairView, out: &mut Hits) {
    // Names are unique per namespace (and kind): the same name in two namespaces is fine.
    let mut by_name: HashMap<(&str, &str, &str), Vec<&Object>> = HashMap::new();
    for b in &v.p {
        by_name.entry(identity(b, v.project)).or_default().push(b);
    }
    for a in v.t.iter().filter(|a| !a.name.is_empty()) {
        let key = identity(a, v.project);
        for b in by_name.get(&key).into_iter().flatten() {
            out.add(
                (&a.file, a.name_line),
                format!(
                    "{} `{}` has the same name in {} ({}:{}), both in {}: applying test overwrites prod",
                    a.kind,
                    a.name,
                    v.prod.label(),
                    b.file.display(),
                    b.name_line,
                    ns_said(a, v.project)
                ),
                if v.prod.place.holds == crate::manifests::places::Holds::Kustomize {
                    "give each overlay its own names: `namePrefix: test-` in the test overlay's kustomization and `namePrefix: prod-` in prod's (or a namespace each)".to_string()
                } else {
                    rename_fix(a, b, &v.test.name, &v.prod.name)
                },
            );
        }
    }
}

/// Which copy to rename: when the shared name already says `test`, the fault is the prod
/// copy (pasted from test); otherwise both need their environment in the name.
fn rename_fix(a: &Object, b: &Object, test: &str, prod: &str) -> String {
    let says_test = a.name.split(['-', '_', '.']).any(|w| w.eq_ignore_ascii_case(test));
    if says_test {
        let renamed: Vec<String> = a
            .name
            .split('-')
            .map(|w| {
                if w.eq_ignore_ascii_case(test) {
                    prod.to_string()
                } else {
                    w.to_string()
                }
            })
            .collect();
        format!(
            "the prod copy ({}:{}) still has test's name: rename it `{}` (and its labels)",
            b.file.display(),
            b.name_line,
            renamed.join("-")
        )
    } else {
        format!("put the environment in the name, e.g. `{}`", env_name(&a.name, test))
    }
}

fn env_name(name: &str, env: &str) -> String {
    match name.split_once('-') {
        Some((a, b)) => format!("{a}-{env}-{b}"),
        None => format!("{name}-{env}"),
    }
}

pub fn nodeport_shared(v: &PairView, out: &mut Hits) {
    let mut by_port: HashMap<i64, &Object> = HashMap::new();
    for b in &v.p {
        for (q, _) in b.node_ports() {
            by_port.entry(q).or_insert(b);
        }
    }
    for a in &v.t {
        for (port, line) in a.node_ports() {
            if let Some(b) = by_port.get(&port) {
                out.add(
                    (&a.file, line),
                    format!(
                        "nodePort {port} is used in test and in prod (`{}` in {}): the second apply fails",
                        b.name,
                        b.file.display()
                    ),
                    "give each environment its own nodePort",
                );
            }
        }
    }
}

pub fn host_shared(v: &PairView, out: &mut Hits) {
    let hosts: HashSet<&str> =
        v.p.iter()
            .flat_map(|b| b.hosts().iter().map(|(h, _)| h.as_str()))
            .collect();
    for a in &v.t {
        for (host, line) in a.hosts() {
            if !host.is_empty() && hosts.contains(host.as_str()) {
                out.add(
                    (&a.file, *line),
                    format!("Ingress host `{host}` is the same in test and prod: one environment would take the other's traffic"),
                    "give test its own host name",
                );
            }
        }
    }
}

pub fn labels_shared(v: &PairView, out: &mut Hits) {
    // A selector reaches pods of its own namespace only.
    let mut by_labels: HashMap<(&str, &Labels), &Object> = HashMap::new();
    for b in v.p.iter().filter(|b| is_workload(b)) {
        by_labels.entry((ns(b, v.project), &b.pod_labels)).or_insert(b);
    }
    for a in v.t.iter().filter(|a| is_workload(a) && !a.pod_labels.is_empty()) {
        if let Some(b) = by_labels.get(&(ns(a, v.project), &a.pod_labels)) {
            out.add(
                (&a.file, a.line),
                format!(
                    "{} `{}` has exactly the pod labels of `{}` in prod ({{{}}}): a selector for one matches both",
                    a.kind,
                    a.name,
                    b.name,
                    show(&a.pod_labels)
                ),
                "add an env label (env: test / env: prod) to each and select it",
            );
        }
    }
}

pub fn repository_differs(v: &PairView, out: &mut Hits) {
    let repos = |o: &Object| -> Vec<String> {
        o.images
            .iter()
            .filter_map(|s| ImageRef::parse(&s.scalar.as_ref()?.value).ok())
            .filter(|r| v.project.contains(r) || !r.is_official_library())
            .map(|r| r.repository())
            .collect()
    };
    let (pairs, _, _) = pair(&v.t, &v.p);
    for (i, j) in pairs {
        let (a, b) = (v.t[i], v.p[j]);
        let (ra, rb) = (repos(a), repos(b));
        if !ra.is_empty() && !rb.is_empty() && ra != rb {
            out.add(
                (&a.file, a.line),
                format!(
                    "`{}` runs {} in test but its prod partner `{}` runs {}: promotion copies the test image into prod",
                    a.name,
                    ra.join(", "),
                    b.name,
                    rb.join(", ")
                ),
                "use one repository per image and tell environments apart by tag",
            );
        }
    }
}

pub fn no_partner(v: &PairView, out: &mut Hits) {
    let (_, t_alone, p_alone) = pair(&v.t, &v.p);
    let lonely = t_alone
        .into_iter()
        .map(|i| (v.t[i], v.prod, "or remove this one"))
        .chain(
            p_alone
                .into_iter()
                .map(|j| (v.p[j], v.test, "so it is tested before prod")),
        );
    for (side, other, empty) in [(&v.t, v.prod, v.p.is_empty()), (&v.p, v.test, v.t.is_empty())] {
        // The other side has no objects at all: one finding for the environment, not one
        // per object (a 50 MB test manifest would print a quarter of a million lines).
        if empty && side.len() > 1 {
            let first = side[0];
            out.add(
                (&first.file, first.line),
                format!(
                    "{} has no objects, so none of the {} objects here has a partner there ({} `{}` is the first)",
                    other.label(),
                    side.len(),
                    first.kind,
                    first.name
                ),
                format!("add the matching objects to {}", other.label()),
            );
            return;
        }
    }
    for (o, other, why) in lonely {
        out.add(
            (&o.file, o.line),
            format!("{} `{}` has no partner in {}", o.kind, o.name, other.label()),
            format!("add the matching object to {}, {why}", other.label()),
        );
    }
}
