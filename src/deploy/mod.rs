//! `release deploy test|prod [--to VERSION]`: the seed's last mile. The clone that applies
//! (this one, or `deploy: { via: kube-2 }` over ssh) is first brought to GitHub; then the
//! environment's manifests as the release commit has them are checked by the server
//! (`--dry-run=server`), diffed, applied in dependency order, and every Deployment's rollout
//! is waited for and checked to run exactly the manifests' images. A failure is explained
//! in the cluster's words with the way back (`--to PREVIOUS`).

pub mod kubectl;
pub mod order;
pub mod record;
pub mod rollout;

use crate::clones::peers::{self, Location, parse_location};
use crate::config::Config;
use crate::error::{Incomplete, refused};
use crate::git::Repo;
use crate::manifests::kustomize;
use crate::manifests::model::{Env, Object, read_file};
use crate::manifests::places::Place;
use crate::manifests::project_images;
use crate::ui;
use anyhow::Result;
use git2::Oid;
use kubectl::{Kubectl, Where};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the user asked for.
pub struct Request {
    pub env: String,
    /// A released version to apply instead of the newest (`--to 0.1.0`).
    pub to: Option<String>,
    pub dry_run: bool,
    /// GET this path on every NodePort afterwards, from the clone that applied.
    pub probe: Option<String>,
    /// Deploy prod although test has not run that version well.
    pub force: bool,
    /// No question before applying prod in a terminal.
    pub yes: bool,
}

/// Where kubectl runs: `deploy.via` names a clone, else here.
fn kubectl_for(repo: &Repo, config: &Config) -> Result<Kubectl> {
    let d = &config.deploy;
    let at = match &d.via {
        None => Where::Here,
        Some(name) => {
            let spec = config.clones.get(name).ok_or_else(|| {
                refused(format!(
                    "deploy.via names `{name}`, which is not under clones: in .release.yml: add `clones: {{ {name}: {name}:~/my-api }}`"
                ))
            })?;
            Where::Peer {
                name: name.clone(),
                loc: parse_location(spec, &repo.root)?,
            }
        }
    };
    Ok(Kubectl::new(
        at,
        d.kubeconfig.as_deref(),
        d.context.as_deref(),
        d.namespace.as_deref(),
    ))
}

/// Brings the applying clone to GitHub's branch (the sync rules: a fast-forward of a
/// clean clone, nothing else) and returns the commit it now has.
fn bring_to_release(repo: &Repo, config: &Config, k: &Kubectl) -> Result<Oid> {
    let branch = repo.release_branch(config);
    let remote = &config.remote;
    let (_, tip) = repo.remote_tip(remote, &branch)?;
    let tip = tip.ok_or_else(|| refused(format!("{remote} has no branch {branch}: release first")))?;
    let (facts, loc) = match &k.at {
        Where::Here => (peers::read_here(repo, None), Location::Local(repo.root.clone())),
        Where::Peer { loc, .. } => (peers::read(loc, None, peers::PEER_TIMEOUT), loc.clone()),
    };
    let here = matches!(k.at, Where::Here);
    let mut copy = peers::copy_row(repo, &branch, Some(tip), (&k.place(), here, !here), Some(facts));
    copy.reach = loc.reach();
    match crate::clones::model::sync_action(&copy, &branch, remote, false) {
        crate::clones::model::SyncAction::Nothing => {}
        crate::clones::model::SyncAction::FastForward => {
            ui::say(&format!("bringing {loc} to {remote}/{branch} (fast-forward)"));
            peers::bring_to_github(&loc, remote, &branch, false).map_err(|e| {
                refused(format!(
                    "the clone that applies ({loc}) could not be brought to {remote}/{branch}: {e:#}\nnothing was applied; fix that clone (the words above are git's), then deploy again"
                ))
            })?;
        }
        other => return Err(not_applied(&copy.name, other)),
    }
    Ok(tip)
}

fn not_applied(name: &str, action: crate::clones::model::SyncAction) -> anyhow::Error {
    let (reason, commands) = match action {
        crate::clones::model::SyncAction::Manual { reason, commands } => (reason, commands),
        _ => (
            "has commits that are not on GitHub".to_string(),
            vec!["git push".to_string()],
        ),
    };
    refused(format!(
        "the clone that applies ({name}) {reason}, so what it would apply is not what the release says; nothing was applied.\n  fix: on it run: {}",
        commands.join("; ")
    ))
}

/// The commit an environment's manifests are taken from for `--to V`: for test the
/// release tag of V; for prod the commit that promoted V to prod (at V's tag prod did not
/// run V yet), searched on the release branch up to `tip`.
fn commit_for(repo: &Repo, tip: Oid, env: &str, v: &str) -> Result<Oid> {
    let bare = v.trim_start_matches('v');
    if env == "prod" {
        let promoted = |s: &str| {
            s.strip_prefix("chore(deploy): promote ")
                .and_then(|r| r.strip_suffix(" to prod"))
                .is_some_and(|p| p.trim_start_matches('v') == bare)
        };
        let found = repo
            .commits_since(None, tip)?
            .into_iter()
            .find(|c| promoted(&c.summary));
        return found.map(|c| c.id).ok_or_else(|| {
            refused(format!(
                "prod never ran {v} by this history: no commit promoted {v} to prod. Pick a version prod ran (release deploy prod shows the record), or promote {v} first (release promote {v})"
            ))
        });
    }
    [v.to_string(), format!("v{bare}"), bare.to_string()]
        .into_iter()
        .find_map(|t| repo.tag_commit(&t))
        .ok_or_else(|| refused(format!("there is no tag {v} here: `git fetch --tags`, or pick a released version (release version --explain lists them)")))
}

/// A kustomize overlay at `commit`, rendered by the kubectl here from the whole tree of
/// that commit (its bases may sit anywhere in the repository).
fn rendered(repo: &Repo, commit: Oid, place: &Place) -> Result<(Oid, Vec<(String, String)>)> {
    let tmp = tempfile::tempdir()?;
    for (rel, bytes) in repo.files_at(commit, Path::new(""))? {
        let to = tmp.path().join(&rel);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&to, bytes)?;
    }
    let text = kustomize::render(tmp.path(), &place.dir).map_err(|e| {
        refused(format!(
            "{} cannot be rendered at {}: {e:#}
nothing was applied",
            place.label,
            &commit.to_string()[..7]
        ))
    })?;
    Ok((
        commit,
        vec![(kustomize::rendered_path(&place.dir).display().to_string(), text)],
    ))
}

/// The files of `place` at `commit`.
fn source(repo: &Repo, commit: Oid, place: &Place) -> Result<(Oid, Vec<(String, String)>)> {
    if place.holds == crate::manifests::places::Holds::Kustomize {
        return rendered(repo, commit, place);
    }
    if place.holds == crate::manifests::places::Holds::Helm {
        let values = place
            .also
            .first()
            .map_or_else(|| "VALUES".to_string(), |v| v.display().to_string());
        return Err(refused(format!(
            "{} is a Helm chart environment, which release does not apply (that needs helm): apply it with `helm upgrade --install RELEASE {} -f {values}`; nothing was applied",
            place.label,
            place.dir.display()
        )));
    }
    let files: Vec<(String, String)> = repo
        .files_at(commit, &place.dir)?
        .into_iter()
        .filter(|(p, _)| place.holds(p))
        .map(|(p, b)| (p.display().to_string(), String::from_utf8_lossy(&b).into_owned()))
        .collect();
    if files.is_empty() {
        return Err(refused(format!(
            "{} has no manifests at {}: nothing to apply",
            place.label,
            &commit.to_string()[..7]
        )));
    }
    Ok((commit, files))
}

/// The parsed environment of those files, and the version its project images run.
fn environment(name: &str, place: &Place, files: &[(String, String)], config: &Config) -> Result<(Env, String)> {
    let env = Env {
        name: name.to_string(),
        place: place.clone(),
        exists: true,
        files: files
            .iter()
            .map(|(p, t)| read_file(PathBuf::from(p), t.clone()))
            .collect(),
    };
    let project = project_images(config, &[&env]);
    let mut tags: Vec<String> = env
        .objects()
        .flat_map(|o| o.images.iter().filter_map(|s| s.scalar.as_ref()))
        .filter_map(|s| crate::manifests::imageref::ImageRef::parse(&s.value).ok())
        .filter(|r| project.contains(r))
        .filter_map(|r| r.tag.as_deref().map(|t| project.version_of(t).to_string()))
        .collect();
    tags.sort();
    tags.dedup();
    Ok((env, tags.join(", ")))
}

/// What one deploy applies.
struct Target {
    env: Env,
    version: String,
    commit: Oid,
    stream: String,
    label: String,
}

/// Reads what to apply: the environment at the release (or `--to`) commit, with shared files.
fn target(repo: &Repo, config: &Config, req: &Request, tip: Oid) -> Result<Target> {
    let places = crate::manifests::places::of_project(&repo.root, config);
    let Some(place) = places.of(&req.env).cloned() else {
        return Err(refused(format!(
            "`{}` is not an environment: release deploy test, or release deploy prod",
            req.env
        )));
    };
    let commit = match req.to.as_deref() {
        Some(v) => commit_for(repo, tip, &req.env, v)?,
        None => tip,
    };
    let (commit, files) = source(repo, commit, &place)?;
    let (env, version) = environment(&req.env, &place, &files, config)?;
    let shared = match &places.shared {
        Some(s) => match source(repo, commit, s) {
            Ok((_, f)) => f,
            Err(e) if e.downcast_ref::<crate::error::Refused>().is_some() => Vec::new(),
            Err(e) => return Err(e.context(format!("reading the shared manifests in {}", s.label))),
        },
        None => Vec::new(),
    };
    let files: Vec<(String, String)> = shared.into_iter().chain(files).collect();
    Ok(Target {
        env,
        version,
        commit,
        stream: order::stream(&files),
        label: place.label.clone(),
    })
}

/// `release deploy ENV [--to VERSION] [--dry-run]`.
pub fn run(dir: &Path, req: &Request) -> Result<()> {
    let repo = crate::git::open(dir)?;
    let config = Config::load(&repo.root)?;
    let k = kubectl_for(&repo, &config)?;
    let at = std::time::Instant::now();
    let tip = bring_to_release(&repo, &config, &k)?;
    let at = ui::timing("sync", at);
    let t = target(&repo, &config, req, tip)?;
    let mut deployed = record::read(&repo, &k)?;
    if req.env == "prod" && !req.force {
        record::require_tested(&deployed, &t.version, req.to.is_some())?;
    }
    let at = ui::timing("read", at);
    let timeout = Duration::from_secs(config.deploy.timeout.unwrap_or(120));
    let diff = rollout::check_and_diff(&repo, &k, &t.stream, timeout)?;
    let at = ui::timing("check+diff", at);
    ui::say(&format!(
        "Deploy {} to {} ({}, kubectl {}) from {}:\n{diff}",
        t.version,
        req.env,
        t.label,
        k.place(),
        &t.commit.to_string()[..7]
    ));
    if req.dry_run {
        ui::say("dry run: nothing was applied.");
        return Ok(());
    }
    if req.env == "prod"
        && !req.yes
        && ui::stdin_is_terminal()
        && !ui::confirm(&format!("Apply {} to prod?", t.version))?
    {
        return Err(refused("cancelled; nothing was applied"));
    }
    let back = record::previous(&deployed, &req.env, &t.version).map_or(String::new(), |p| {
        format!("\n  to go back: release deploy {} --to {p}", req.env)
    });
    record::mark(
        &repo,
        &k,
        &mut deployed,
        &req.env,
        &t.version,
        t.commit,
        record::APPLYING,
    )
    .map_err(|e| {
        refused(format!(
            "cannot write the deploy record before applying ({e:#}): nothing was applied"
        ))
    })?;
    let at = ui::timing("record", at);
    let workloads: Vec<&Object> = t.env.objects().filter(|o| o.kind == "Deployment").collect();
    let applied = apply_and_wait(&repo, &k, &t.stream, &workloads, (timeout, at));
    if let Err(why) = applied {
        let unrecorded = record::mark(&repo, &k, &mut deployed, &req.env, &t.version, t.commit, record::FAILED)
            .err()
            .map_or(String::new(), |e| {
                format!("\n(the deploy record could not be updated: {e:#})")
            });
        return Err(Incomplete(format!(
            "the deploy of {} to {} failed: {why}\nthe cluster may have changed: some objects may run {} while others do not. See it with: kubectl get deployments,pods{}{back}{unrecorded}",
            t.version,
            req.env,
            t.version,
            k.flags.iter().map(|f| format!(" {f}")).collect::<String>()
        ))
        .into());
    }
    record::mark(&repo, &k, &mut deployed, &req.env, &t.version, t.commit, record::DONE).map_err(|e| {
        Incomplete(format!(
            "{} runs {}, but the deploy record could not be written ({e:#}): it still says `applying`, so `deploy prod` will not count it; run release deploy {} again",
            req.env, t.version, req.env
        ))
    })?;
    finish(&repo, &k, req, &t, workloads.len())
}

/// `kubectl apply` of the stream, then every rollout waited for and checked.
fn apply_and_wait(
    repo: &Repo,
    k: &Kubectl,
    stream: &str,
    workloads: &[&Object],
    (timeout, at): (Duration, std::time::Instant),
) -> Result<(), String> {
    let applied = k
        .ok(&repo.root, &["apply", "-f", "-"], Some(stream.as_bytes()), timeout)
        .map_err(|e| format!("kubectl apply did not finish: {e:#}"));
    let at = ui::timing("apply", at);
    let applied = applied.and_then(|_| {
        rollout::wait_all(repo, k, workloads, timeout).map_err(|why| format!("the rollout did not finish:\n{why}"))
    });
    ui::timing("rollout", at);
    applied
}

/// After a good rollout: the NodePorts, the probe, the last word.
fn finish(repo: &Repo, k: &Kubectl, req: &Request, t: &Target, workloads: usize) -> Result<()> {
    for line in rollout::node_ports(&t.env) {
        ui::say(&line);
    }
    if let Some(path) = &req.probe {
        rollout::probe(repo, k, &t.env, path)
            .map_err(|e| Incomplete(format!("{} runs {}, but {e}", req.env, t.version)))?;
    }
    ui::success(&format!(
        "{} runs {} ({workloads} workload(s) rolled out)",
        req.env, t.version
    ));
    Ok(())
}

/// Which version each environment runs in the cluster (read-only), for `release status`:
/// `None` when no `deploy:` is configured or the cluster does not answer.
pub fn running(repo: &Repo, config: &Config) -> Option<std::collections::BTreeMap<String, String>> {
    if config.deploy == crate::config::DeployConfig::default() {
        return None;
    }
    let k = kubectl_for(repo, config).ok()?;
    let head = repo.head_commit()?;
    // One question to the cluster: every Deployment with its images.
    let fmt = "-o=jsonpath={range .items[*]}{.metadata.name}={.spec.template.spec.containers[*].image}{\"\\n\"}{end}";
    let live = k
        .ok(&repo.root, &["get", "deployments", fmt], None, Duration::from_secs(10))
        .ok()?;
    let live: std::collections::HashMap<&str, &str> = live.lines().filter_map(|l| l.split_once('=')).collect();
    let mut out = std::collections::BTreeMap::new();
    let places = crate::manifests::places::of_project(&repo.root, config);
    for (name, place) in [("test", &places.test), ("prod", &places.prod)] {
        let files = source(repo, head, place).map(|(_, f)| f).unwrap_or_default();
        let (env, _) = environment(name, place, &files, config).ok()?;
        let project = project_images(config, &[&env]);
        let tags: std::collections::BTreeSet<String> = env
            .objects()
            .filter(|o| o.kind == "Deployment")
            .filter_map(|o| live.get(o.name.as_str()))
            .flat_map(|images| images.split_whitespace())
            .filter_map(|i| crate::manifests::imageref::ImageRef::parse(i).ok())
            .filter(|r| project.contains(r))
            .filter_map(|r| r.tag)
            .collect();
        let runs = if tags.is_empty() {
            "nothing".to_string()
        } else {
            tags.into_iter().collect::<Vec<_>>().join(", ")
        };
        out.insert(name.to_string(), runs);
    }
    Some(out)
}
