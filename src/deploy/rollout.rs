//! Talking to the cluster about one deploy: the server's own check before anything
//! changes, the diff, waiting for each rollout, checking what runs, and saying why in the
//! cluster's words when it does not.

use super::kubectl::{Kubectl, said};
use crate::error::refused;
use crate::git::Repo;
use crate::manifests::model::{Env, Object};
use crate::ui;
use anyhow::Result;
use std::time::Duration;

const QUICK: Duration = Duration::from_secs(60);

/// `kubectl apply --dry-run=server` (within the deploy's `timeout`): a rejected object
/// stops the deploy before anything changes.
fn check(root: &std::path::Path, k: &Kubectl, stream: &str, timeout: Duration) -> Result<()> {
    let out = k.run(
        root,
        &["apply", "--dry-run=server", "-f", "-"],
        Some(stream.as_bytes()),
        timeout,
    )?;
    if !out.success {
        return Err(refused(format!(
            "the cluster refuses these manifests ({}); nothing was applied:\n  {}",
            k.place(),
            said(&out).replace('\n', "\n  ")
        )));
    }
    Ok(())
}

/// The server dry run and the diff at once (two kubectl calls side by side, not one after
/// the other): the diff summed up, or the server's refusal.
pub fn check_and_diff(repo: &Repo, k: &Kubectl, stream: &str, timeout: Duration) -> Result<String> {
    let root = repo.root.as_path();
    std::thread::scope(|s| {
        let diffing = s.spawn(|| diff(root, k, stream, timeout));
        let checked = check(root, k, stream, timeout);
        let diffed = diffing.join().map_err(|_| anyhow::anyhow!("kubectl diff crashed"))?;
        checked?;
        diffed
    })
}

/// `kubectl diff`, summed up: one line per object that would change.
fn diff(root: &std::path::Path, k: &Kubectl, stream: &str, timeout: Duration) -> Result<String> {
    let out = k.run(root, &["diff", "-f", "-"], Some(stream.as_bytes()), timeout)?;
    let changed: Vec<String> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("diff -u -N "))
        .filter_map(|l| l.split_whitespace().next()?.rsplit('/').next().map(str::to_string))
        .map(|o| format!("  changes: {}", o.replace('.', " ")))
        .collect();
    Ok(match (out.code, changed.is_empty()) {
        (Some(0), _) => "  no changes: the cluster already runs these manifests".into(),
        (Some(1), false) => changed.join("\n"),
        _ => format!(
            "  (kubectl diff could not say: {})",
            said(&out).lines().next().unwrap_or("")
        ),
    })
}

/// `k=v,k2=v2` for `kubectl -l`.
fn selector(o: &Object) -> String {
    o.match_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Waits for every Deployment's rollout, one progress line each, then checks that its pods
/// run exactly the manifest's images; the error says why in the cluster's words. The
/// Deployments roll out at once in the cluster, so they are waited for at once too.
pub fn wait_all(repo: &Repo, k: &Kubectl, workloads: &[&Object], timeout: Duration) -> Result<(), String> {
    let root = repo.root.as_path();
    let problems: Vec<String> = std::thread::scope(|s| {
        let waits: Vec<_> = workloads
            .iter()
            .map(|o| s.spawn(move || wait_one(root, k, o, timeout)))
            .collect();
        waits
            .into_iter()
            .zip(workloads)
            .filter_map(|(w, o)| match w.join() {
                Ok(r) => r.err(),
                Err(_) => Some(format!("  {}: waiting for it crashed", o.name)),
            })
            .collect()
    });
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// One Deployment: its rollout, then what its pods run.
fn wait_one(root: &std::path::Path, k: &Kubectl, o: &Object, timeout: Duration) -> Result<(), String> {
    let progress = ui::Progress::named(&format!("deployment/{}", o.name));
    progress.set("rolling out");
    let t = format!("--timeout={}s", timeout.as_secs());
    let name = format!("deployment/{}", o.name);
    match k.run(root, &["rollout", "status", &name, &t], None, timeout + QUICK) {
        Ok(out) if out.success => match verify(root, k, o) {
            Ok(()) => {
                progress.end("rolled out, runs the manifest's image(s)");
                Ok(())
            }
            Err(e) => {
                progress.end("FAILED");
                Err(format!("  {}: {e}", o.name))
            }
        },
        _ => {
            progress.end("FAILED");
            Err(format!("  {}: {}", o.name, diagnose(root, k, o)))
        }
    }
}

/// The live pods of `o` run exactly its images (no old ReplicaSet left serving).
fn verify(root: &std::path::Path, k: &Kubectl, o: &Object) -> Result<(), String> {
    let mut want: Vec<String> = o
        .images
        .iter()
        .filter_map(|s| Some(s.scalar.as_ref()?.value.clone()))
        .collect();
    want.sort();
    let fmt = "-o=jsonpath={range .items[*]}{.metadata.name}|{.metadata.deletionTimestamp}|{range .spec.containers[*]}{.image} {end}|{range .status.containerStatuses[*]}{.imageID} {end}{\"\\n\"}{end}";
    let sel = selector(o);
    let out = k
        .ok(root, &["get", "pods", "-l", &sel, fmt], None, QUICK)
        .map_err(|e| format!("{e:#}"))?;
    for line in out.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.splitn(4, '|').collect();
        let [pod, deleting, images, ids] = parts[..] else {
            continue;
        };
        if !deleting.is_empty() {
            continue;
        }
        // A reference pinned by digest must run exactly that digest (the imageID a kubelet
        // reports), not whatever the tag points at.
        for pinned in want.iter().filter_map(|w| w.split_once('@').map(|(_, d)| d)) {
            if !ids.split_whitespace().any(|id| id.ends_with(pinned)) {
                return Err(format!(
                    "pod {pod} does not run the pinned digest {pinned} (its image IDs: {})",
                    if ids.trim().is_empty() {
                        "none reported"
                    } else {
                        ids.trim()
                    }
                ));
            }
        }
        let mut have: Vec<String> = images.split_whitespace().map(str::to_string).collect();
        have.sort();
        // Only the manifest's own containers are compared (init containers are not listed).
        if want.iter().filter(|w| !have.contains(w)).count() > 0 {
            return Err(format!(
                "pod {pod} runs {} instead of {}: an old ReplicaSet is still serving",
                have.join(", "),
                want.join(", ")
            ));
        }
    }
    Ok(())
}

/// Why `o`'s pods are not ready, from the pods' own status.
fn diagnose(root: &std::path::Path, k: &Kubectl, o: &Object) -> String {
    let fmt = "-o=jsonpath={range .items[*]}{.metadata.name}|{.status.phase}|{range .status.containerStatuses[*]}{.image}^{.state.waiting.reason}^{.state.waiting.message};{end}|{range .status.conditions[*]}{.type}={.status}^{.message};{end}{\"\\n\"}{end}";
    let sel = selector(o);
    let Ok(out) = k.ok(root, &["get", "pods", "-l", &sel, fmt], None, QUICK) else {
        return "the rollout timed out, and its pods could not be read".into();
    };
    for line in out.lines() {
        let parts: Vec<&str> = line.splitn(4, '|').collect();
        let [pod, phase, containers, conditions] = parts[..] else {
            continue;
        };
        for c in containers.split(';').filter(|c| !c.is_empty()) {
            let f: Vec<&str> = c.splitn(3, '^').collect();
            match f[..] {
                [image, "ImagePullBackOff" | "ErrImagePull", _] => {
                    return format!(
                        "pod {pod} cannot pull {image} (ImagePullBackOff): the image is not in its registry; release it (its images are pushed with the tag), or fix the tag"
                    );
                }
                [_, "CrashLoopBackOff", _] => {
                    let logs = k.ok(root, &["logs", pod, "--tail=10"], None, QUICK).unwrap_or_default();
                    return format!(
                        "pod {pod} keeps crashing (CrashLoopBackOff); its last log lines:\n    | {}",
                        logs.trim_end().replace('\n', "\n    | ")
                    );
                }
                [_, reason, msg] if !reason.is_empty() => return format!("pod {pod} waits: {reason}: {msg}"),
                _ => {}
            }
        }
        if phase == "Pending"
            && let Some(msg) = conditions
                .split(';')
                .find_map(|c| c.strip_prefix("PodScheduled=False^"))
        {
            return format!(
                "pod {pod} cannot be scheduled: {msg} (no node for it, or its PersistentVolumeClaim is not bound)"
            );
        }
    }
    "the rollout timed out (its pods are not ready; kubectl describe pods shows why)".into()
}

/// `api: NodePort 30081` for every NodePort Service of the environment.
pub fn node_ports(env: &Env) -> Vec<String> {
    env.objects()
        .filter(|o| o.kind == "Service")
        .flat_map(|o| {
            o.node_ports()
                .map(move |(p, _)| format!("{}: reachable on NodePort {p} of every node", o.name))
        })
        .collect()
}

const PROBE: &str = r#"curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "$2""#;

/// GETs `path` on every NodePort of `env` from the machine that applied; status and time
/// for each, an error when one does not answer with 2xx or 3xx.
pub fn probe(repo: &Repo, k: &Kubectl, env: &Env, path: &str) -> Result<(), String> {
    let path = path.trim_start_matches('/');
    let ports: Vec<i64> = env
        .objects()
        .filter(|o| o.kind == "Service")
        .flat_map(|o| o.node_ports().map(|(p, _)| p))
        .collect();
    if ports.is_empty() {
        return Err("there is no NodePort Service to probe".into());
    }
    for port in ports {
        let url = format!("http://127.0.0.1:{port}/{path}");
        let out = match &k.at {
            super::kubectl::Where::Here => crate::proc::run(
                "curl",
                &[
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code} %{time_total}",
                    "--max-time",
                    "5",
                    &url,
                ],
                &repo.root,
                QUICK,
            ),
            super::kubectl::Where::Peer { loc, .. } => {
                crate::clones::peers::run_script(loc, &format!("cd \"$1\" 2>/dev/null; {PROBE}"), &[&url], QUICK)
            }
        }
        .map_err(|e| format!("the probe of {url} could not run: {e:#}"))?;
        let said = out.stdout.trim().to_string();
        let (code, secs) = said.split_once(' ').unwrap_or((&said, "0"));
        let ms = secs.parse::<f64>().map_or(0.0, |s| s * 1000.0);
        if code.starts_with('2') || code.starts_with('3') {
            ui::say(&format!("probe GET {url} ({}): {code} in {ms:.0} ms", k.place()));
        } else {
            return Err(format!(
                "GET {url} ({}) answered {} after {ms:.0} ms",
                k.place(),
                if code == "000" { "nothing (no connection)" } else { code }
            ));
        }
    }
    Ok(())
}
