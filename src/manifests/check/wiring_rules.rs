//! Rules about what ties objects together: an Ingress's backend Service and port, the
//! hosts that env values name, and secrets written in plain text. Values of secrets are
//! never repeated in a finding.

use super::{EnvView, Hits, is_workload};
use crate::manifests::model::Object;
use crate::manifests::wiring::{BackendPort, ServicePort};
use std::collections::HashMap;

fn services<'a>(objects: &[&'a Object]) -> HashMap<&'a str, &'a Object> {
    objects
        .iter()
        .filter(|o| o.kind == "Service")
        .map(|o| (o.name.as_str(), *o))
        .collect()
}

fn ports(svc: &Object) -> &[ServicePort] {
    svc.wiring.as_ref().map_or(&[], |w| w.ports())
}

fn show_ports(svc: &Object) -> String {
    let list: Vec<String> = ports(svc)
        .iter()
        .filter_map(|p| p.port)
        .map(|p| p.to_string())
        .collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

fn names(map: &HashMap<&str, &Object>) -> String {
    let mut v: Vec<&str> = map.keys().copied().collect();
    v.sort();
    if v.is_empty() { "none".into() } else { v.join(", ") }
}

/// An Ingress must route to a Service of its environment, on one of that Service's ports
/// (not its nodePort, not a leftover placeholder).
pub fn ingress_backend(v: &EnvView, out: &mut Hits) {
    let svcs = services(&v.objects);
    for o in v.objects.iter().filter(|o| o.kind == "Ingress") {
        for b in o.wiring.iter().flat_map(|w| w.backends()) {
            let at = (&*o.file, b.line);
            let Some(svc) = svcs.get(b.service.as_str()) else {
                if !v.unreadable {
                    out.add(
                        at,
                        format!(
                            "Ingress `{}` routes to Service `{}`, which is not in {}",
                            o.name,
                            b.service,
                            v.env.label()
                        ),
                        format!("name one of its Services ({}), or add the Service", names(&svcs)),
                    );
                }
                continue;
            };
            let fix = format!(
                "set the backend port to a port of Service `{}` ({})",
                svc.name,
                show_ports(svc)
            );
            let what = match &b.port {
                BackendPort::Number(n) if ports(svc).iter().any(|p| p.port.map(i64::from) == Some(*n)) => continue,
                BackendPort::Name(n) if ports(svc).iter().any(|p| p.name.as_deref() == Some(n.as_str())) => continue,
                BackendPort::Number(n) if ports(svc).iter().any(|p| p.node_port.map(i64::from) == Some(*n)) => {
                    format!(
                        "Ingress `{}` targets Service `{}` by its nodePort {n}: an Ingress reaches a Service on its port ({}), so this route answers 503",
                        o.name,
                        svc.name,
                        show_ports(svc)
                    )
                }
                // A number in the nodePort range the Service never declared: said as it is.
                BackendPort::Number(n) if (30000..=32767).contains(n) => format!(
                    "Ingress `{}`: port {n} is not a port of Service `{}` ({}), and the Service declares no nodePort {n} either (an Ingress reaches a Service on its port; this route answers 503)",
                    o.name,
                    svc.name,
                    show_ports(svc)
                ),
                BackendPort::Number(n) => format!(
                    "Ingress `{}`: port {n} is not a port of Service `{}` ({})",
                    o.name,
                    svc.name,
                    show_ports(svc)
                ),
                BackendPort::Name(n) => format!("Ingress `{}`: Service `{}` has no port named `{n}`", o.name, svc.name),
                BackendPort::Bad(t) => format!(
                    "Ingress `{}`: the backend port `{t}` is neither a number nor a port name (a placeholder left in?)",
                    o.name
                ),
                BackendPort::Missing => format!(
                    "Ingress `{}`: the backend for Service `{}` names no port",
                    o.name, svc.name
                ),
            };
            out.add(at, what, fix);
        }
    }
}

/// Env variables that name a host (`REDIS_IP`, `REDIS_HOST`, `DB_ADDR`).
fn host_values<'a>(v: &'a EnvView) -> impl Iterator<Item = (&'a Object, &'a crate::manifests::wiring::EnvValue)> {
    v.objects.iter().copied().flat_map(|o| {
        o.wiring
            .iter()
            .flat_map(|w| w.env())
            .filter(|e| names_host(&e.name))
            .map(move |e| (o, e))
    })
}

fn names_host(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n == "HOST"
        || ["_HOST", "_IP", "_ADDR", "_ADDRESS", "_SERVER", "_HOSTNAME"]
            .iter()
            .any(|s| n.ends_with(s))
}

/// `10.98.221.5`-like: digits and dots only.
fn looks_like_ip(s: &str) -> bool {
    s.contains('.') && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Test and prod naming the same hard-coded address: one environment uses the other's
/// Service (an init that copied prod's `REDIS_IP`, a paste).
pub fn address_shared(v: &super::PairView, out: &mut Hits) {
    let hosts = |objects: &[&'_ Object]| -> Vec<(std::sync::Arc<std::path::Path>, usize, String, String, String)> {
        objects
            .iter()
            .flat_map(|o| {
                o.wiring
                    .iter()
                    .flat_map(|w| w.env())
                    .filter(|e| names_host(&e.name) && looks_like_ip(e.value.trim()))
                    .map(|e| {
                        (
                            o.file.clone(),
                            e.line,
                            e.name.clone(),
                            e.value.trim().to_string(),
                            o.name.to_string(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let prod = hosts(&v.p);
    for (file, line, name, value, object) in hosts(&v.t) {
        if let Some((pf, pl, _, _, po)) = prod.iter().find(|(_, _, _, pv, _)| *pv == value) {
            out.add(
                (&file, line),
                format!(
                    "{name} in `{object}` is {value}, the same address prod's `{po}` uses ({}:{pl}): test would use prod's Service",
                    pf.display()
                ),
                format!("name test's own Service in {name} (its DNS name), not an address"),
            );
        }
    }
}

/// A host named in env must be a Service of this environment (a Deployment's name or a
/// Service of the other environment does not answer here), or a valid address.
pub fn host_target(v: &EnvView, out: &mut Hits) {
    let svcs = services(&v.objects);
    let others: Vec<&Object> = v.other.objects().collect();
    for (o, e) in host_values(v) {
        // A bare name resolves in the object's own namespace: the other environment's
        // Services elsewhere cannot answer it.
        let here = super::ns(o, v.project);
        let near: Vec<&Object> = others
            .iter()
            .copied()
            .filter(|s| super::ns(s, v.project) == here)
            .collect();
        let other_svcs = services(&near);
        let value = e.value.trim();
        let at = (&*o.file, e.line);
        if looks_like_ip(value) {
            if value.parse::<std::net::Ipv4Addr>().is_err() {
                out.add(
                    at,
                    format!("{} in `{}` is `{value}`, which is not an IP address", e.name, o.name),
                    "name the Service instead (its DNS name never changes)",
                );
            }
            continue;
        }
        let host = value
            .strip_suffix(".svc.cluster.local")
            .or_else(|| value.strip_suffix(".svc"))
            .unwrap_or(value);
        let skip = host.is_empty() || host.contains(['$', '{', '.', ':', '/']) || host == "localhost" || v.unreadable;
        if skip || svcs.contains_key(host) {
            continue;
        }
        let fix = format!("name one of the Services of {} ({})", v.env.label(), names(&svcs));
        if let Some(w) = v.objects.iter().find(|w| w.name == host && is_workload(w)) {
            out.add(
                at,
                format!(
                    "{} in `{}` names {} `{host}`, not a Service: pods are reached through a Service's name",
                    e.name, o.name, w.kind
                ),
                fix,
            );
        } else if other_svcs.contains_key(host) {
            out.add(
                at,
                format!(
                    "{} in `{}` names Service `{host}` of {}: this environment would use the other's",
                    e.name,
                    o.name,
                    v.other.label()
                ),
                fix,
            );
        } else {
            out.add(
                at,
                format!(
                    "{} in `{}` names `{host}`, but no Service of that name is in {}",
                    e.name,
                    o.name,
                    v.env.label()
                ),
                fix,
            );
        }
    }
}

/// A ClusterIP written into env changes whenever the Service is re-created.
pub fn hard_coded_ip(v: &EnvView, out: &mut Hits) {
    for (o, e) in host_values(v) {
        let value = e.value.trim();
        if looks_like_ip(value) && value.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| !ip.is_loopback()) {
            out.add(
                (&*o.file, e.line),
                format!("{} in `{}` is a hard-coded address ({value}): a Service's ClusterIP changes when it is re-created, and differs per environment", e.name, o.name),
                "name the Service instead (e.g. the redis Service's name); its DNS name never changes",
            );
        }
    }
}

/// Names that hold secrets: any `*_KEY`, `*_SECRET`, `*_TOKEN`, `*PASSWORD*` or `*_PASS`
/// (`KAGGLE_KEY`, `OPENAI_KEY`), and the usual spellings inside a name.
pub(crate) fn secret_name(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    let inside = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
    ];
    let ends = ["_KEY", "_PASS", "_PWD"];
    inside.iter().any(|w| k.contains(w)) || ends.iter().any(|w| k.ends_with(w)) || k == "PASS" || k == "KEY"
}

/// Passwords and tokens written in env values or ConfigMaps are in git for anyone to read.
pub fn plaintext_secret(v: &EnvView, out: &mut Hits) {
    let fix = "move it to a Secret (kubectl create secret generic ...) and read it with valueFrom.secretKeyRef; change it too, since git history keeps the old one";
    for o in &v.objects {
        let Some(w) = &o.wiring else { continue };
        for e in w
            .env()
            .iter()
            .filter(|e| secret_name(&e.name) && !e.value.trim().is_empty() && !e.value.contains('$'))
        {
            out.add(
                (&*o.file, e.line),
                format!("{} in `{}` is written in plain text", e.name, o.name),
                fix,
            );
        }
        for (key, line) in w.data_keys().iter().filter(|(k, _)| secret_name(k)) {
            out.add(
                (&*o.file, *line),
                format!("ConfigMap `{}` holds {key} in plain text", o.name),
                fix,
            );
        }
    }
}
