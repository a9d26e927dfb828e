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

use crate::config::Config;
use crate::error::{Failed, refused};
use crate::git::Repo;
use crate::manifests::model::{Env, Object, read_file};
use crate::manifests::places::Place;
use crate::manifests::project_images;
use crate::peers::{self, Location, parse_location};
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
    let copy = peers::copy_row(repo, &branch, Some(tip), (&k.place(), here, !here), Some(facts));
    match crate::sync::sync_action(&copy, &branch, remote, false) {
        crate::sync::SyncAction::Nothing => {}
        crate::sync::SyncAction::FastForward => {
            ui::say(&format!("bringing {loc} to {remote}/{branch} (fast-forward)"));
            peers::bring_to_github(&loc, remote, &branch, false)?;
        }
        other => return Err(not_applied(&copy.name, other)),
    }
    Ok(tip)
}

fn not_applied(name: &str, action: crate::sync::SyncAction) -> anyhow::Error {
    let (reason, commands) = match action {
        crate::sync::SyncAction::Manual { reason, commands } => (reason, commands),
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

/// The commit and files to apply: the release's, or those of tag `to`.
fn source(repo: &Repo, tip: Oid, to: Option<&str>, place: &Place) -> Result<(Oid, Vec<(String, String)>)> {
    let commit = match to {
        None => tip,
        Some(v) => {
            let tag = [
                v.to_string(),
                format!("v{}", v.trim_start_matches('v')),
                v.trim_start_matches('v').to_string(),
            ]
            .into_iter()
            .find_map(|t| repo.tag_commit(&t));
            tag.ok_or_else(|| refused(format!("there is no tag {v} here: `git fetch --tags`, or pick a released version (release version --explain lists them)")))?
        }
    };
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

/// `release deploy ENV [--to VERSION] [--dry-run]`.
pub fn run(dir: &Path, req: &Request) -> Result<()> {
    let repo = crate::git::open(dir)?;
    let config = Config::load(&repo.root)?;
    let places = crate::manifests::places::of_project(&repo.root, &config);
    let Some(place) = places.of(&req.env).cloned() else {
        return Err(refused(format!(
            "`{}` is not an environment: release deploy test, or release deploy prod",
            req.env
        )));
    };
    let k = kubectl_for(&repo, &config)?;
    let tip = bring_to_release(&repo, &config, &k)?;
    let (commit, files) = source(&repo, tip, req.to.as_deref(), &place)?;
    let (env, version) = environment(&req.env, &place, &files, &config)?;
    let shared = match &places.shared {
        Some(s) => source(&repo, commit, None, s).map(|(_, f)| f).unwrap_or_default(),
        None => Vec::new(),
    };
    let files: Vec<(String, String)> = shared.into_iter().chain(files).collect();
    let deployed = record::read(&repo, &k)?;
    if req.env == "prod" && req.to.is_none() {
        record::require_tested(&deployed, &version)?;
    }
    let stream = order::stream(&files);
    let timeout = Duration::from_secs(config.deploy.timeout.unwrap_or(120));
    rollout::check(&repo, &k, &stream)?;
    let diff = rollout::diff(&repo, &k, &stream)?;
    ui::say(&format!(
        "Deploy {version} to {} ({}, kubectl {}) from {}:\n{diff}",
        req.env,
        place.label,
        k.place(),
        &commit.to_string()[..7]
    ));
    if req.dry_run {
        ui::say("dry run: nothing was applied.");
        return Ok(());
    }
    k.ok(&repo.root, &["apply", "-f", "-"], Some(stream.as_bytes()), timeout)?;
    let workloads: Vec<&Object> = env.objects().filter(|o| o.kind == "Deployment").collect();
    if let Err(why) = rollout::wait_all(&repo, &k, &workloads, timeout) {
        let back = record::previous(&deployed, &req.env, &version).map_or(String::new(), |p| {
            format!("\n  to go back: release deploy {} --to {p}", req.env)
        });
        return Err(Failed(format!(
            "the rollout of {version} to {} did not finish:\n{why}{back}",
            req.env
        ))
        .into());
    }
    record::write(&repo, &k, deployed, &req.env, &version, commit)?;
    for line in rollout::node_ports(&env) {
        ui::say(&line);
    }
    if let Some(path) = &req.probe {
        rollout::probe(&repo, &k, &env, path).map_err(|e| Failed(format!("{} runs {version}, but {e}", req.env)))?;
    }
    ui::success(&format!(
        "{} runs {version} ({} workload(s) rolled out)",
        req.env,
        workloads.len()
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
        let files = source(repo, head, None, place).map(|(_, f)| f).unwrap_or_default();
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
