//! `release status`: where GitHub, this clone and each configured peer stand, and what
//! to do about it. Origin and peers are asked in parallel, each with a timeout.

use crate::config::Config;
use crate::error::OutOfStep;
use crate::git::Repo;
use crate::peers::{self, PeerFacts};
use crate::sync::{self, Copy, Relation, WorkTree};
use crate::version::{TagInfo, Versions};
use anyhow::Result;
use git2::Oid;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// How long one peer or origin may take.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Serialize)]
pub struct Status {
    pub branch: String,
    /// The newest release tag (on GitHub, or here when offline).
    pub tag: Option<String>,
    pub offline: bool,
    pub copies: Vec<Copy>,
    pub advice: Vec<String>,
    pub in_step: bool,
}

/// The newest release (not pre-release) tag among `names`.
fn newest_tag(names: impl Iterator<Item = String>, prefix: Option<&str>) -> Option<String> {
    let infos: Vec<TagInfo> = names.map(|name| TagInfo { name, reachable: true }).collect();
    Versions::from_tags(&infos, prefix)
        .current_stable()
        .map(|t| t.name.clone())
}
/// How `head` on `branch` relates to origin's `tip`, using this clone's objects.
pub fn relation(repo: &Repo, work: &WorkTree, want: &str, tip: Option<Oid>) -> Relation {
    let (branch, head, ab) = (work.branch.as_deref(), work.head.as_deref(), work.ab);
    let Some(b) = branch else { return Relation::Detached };
    if b != want {
        return Relation::OtherBranch { branch: b.to_string() };
    }
    let Some(tip) = tip else {
        return Relation::NoOriginBranch;
    };
    let Some(head) = head.and_then(|h| Oid::from_str(h).ok()) else {
        return Relation::Unknown;
    };
    if head == tip {
        return Relation::InSync;
    }
    if repo.repo.find_commit(head).is_err() {
        // Commits GitHub has never seen; the copy's own counts are as of its last fetch.
        return match ab {
            Some((a, b)) if a > 0 && b > 0 => Relation::Diverged { ahead: a, behind: b },
            other => Relation::Unpushed {
                commits: other.map(|(a, _)| a).filter(|a| *a > 0),
            },
        };
    }
    if repo.repo.find_commit(tip).is_err() {
        return Relation::Unknown;
    }
    match repo.ahead_behind(head, tip) {
        Ok((0, b)) => Relation::Behind { commits: b },
        Ok((a, 0)) => Relation::Ahead { commits: a },
        Ok((a, b)) => Relation::Diverged { ahead: a, behind: b },
        Err(_) => Relation::Unknown,
    }
}

/// This clone's name: `git config release.name`, else the machine's host name.
pub fn clone_name(repo: &Repo) -> String {
    if let Ok(cfg) = repo.repo.config()
        && let Ok(n) = cfg.get_string("release.name")
        && !n.trim().is_empty()
    {
        return n.trim().to_string();
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this clone".into())
}

/// Asks everybody and builds the status. `offline`: only what is on disk already.
pub fn gather(repo: &Repo, config: &Config, offline: bool) -> Result<Status> {
    let branch = crate::release::preflight::release_branch(repo, config);
    let remote = config.remote.clone();
    // GitHub first (the peers need the release tag's name), then everyone in parallel.
    let origin = if offline || !repo.has_remote(&remote) {
        None
    } else {
        Some(repo.remote_tip(&remote, &branch))
    };
    let prefix = config.tag_prefix.as_deref();
    let tag = match &origin {
        Some(Ok((r, _))) => newest_tag(r.tags.keys().cloned(), prefix),
        _ => newest_tag(repo.tags()?.into_iter().map(|(n, _)| n), prefix),
    };
    let (here, answers) = std::thread::scope(|s| {
        let tag = tag.as_deref();
        let root = repo.root.clone();
        let others = s.spawn(move || peers::read_all(&config.clones, &root, tag, PEER_TIMEOUT, offline));
        (peers::read_here(repo, tag), others.join().unwrap_or_default())
    });

    let mut origin_row = Copy {
        name: if offline {
            "GitHub (last fetch)".into()
        } else {
            "GitHub".into()
        },
        here: false,
        is_origin: true,
        error: None,
        branch: Some(branch.clone()),
        head: None,
        relation: Relation::InSync,
        work: None,
        last_fetch: None,
        has_release_tag: tag.as_ref().map(|_| true),
        via_ssh: false,
        skipped: false,
    };
    let tip: Option<Oid> = match &origin {
        Some(Ok((_, tip))) => *tip,
        Some(Err(e)) => {
            origin_row.error = Some(format!("{e:#}"));
            repo.remote_branch_commit(&remote, &branch)
        }
        None => repo.remote_branch_commit(&remote, &branch),
    };
    origin_row.head = tip.map(|t| t.to_string());

    let mut copies = vec![origin_row];
    let make = |name: &str, here: bool, via_ssh: bool, facts: Option<Result<PeerFacts, String>>| -> Copy {
        match facts {
            Some(Ok(f)) => {
                let rel = relation(repo, &f.work, &branch, tip);
                Copy {
                    name: name.to_string(),
                    here,
                    is_origin: false,
                    error: None,
                    branch: f.work.branch.clone(),
                    head: f.work.head.clone(),
                    relation: rel,
                    work: Some(f.work),
                    last_fetch: f.last_fetch,
                    has_release_tag: f.has_tag,
                    via_ssh,
                    skipped: false,
                }
            }
            other => Copy {
                name: name.to_string(),
                here,
                is_origin: false,
                skipped: other.is_none(),
                error: other.and_then(Result::err),
                via_ssh,
                branch: None,
                head: None,
                relation: Relation::Unknown,
                work: None::<WorkTree>,
                last_fetch: None,
                has_release_tag: None,
            },
        }
    };
    let here_name = clone_name(repo);
    copies.push(make(&here_name, true, false, Some(here)));
    for a in answers {
        copies.push(make(&a.name, false, a.via_ssh, a.facts));
    }
    let advice = sync::advice(&copies, &branch, tag.as_deref());
    let in_step = copies.iter().all(Copy::in_step);
    Ok(Status {
        branch,
        tag,
        offline,
        copies,
        advice,
        in_step,
    })
}

/// The table, then one line of advice per copy out of step.
pub fn render(st: &Status) -> String {
    let mut s = sync::render_table(&st.copies, sync::now(), st.tag.as_deref());
    for a in &st.advice {
        s.push_str(a);
        s.push('\n');
    }
    s
}

/// `release status [--offline] [--json]`: exit 0 when all copies agree, 3 otherwise.
pub fn run(dir: &Path, offline: bool, json: bool) -> Result<()> {
    let repo = crate::git::open(dir)?;
    let config = Config::load(&repo.root)?;
    let st = gather(&repo, &config, offline)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&st)?);
    } else {
        print!("{}", render(&st));
        if config.clones.is_empty() {
            println!("(no other clones configured: add `clones: {{ kube-2: kube-2:~/my-api }}` to .release.yml)");
        }
    }
    if st.in_step { Ok(()) } else { Err(OutOfStep.into()) }
}

/// For release preflight: peers whose uncommitted or unpushed changes under the environment
/// folders would collide with the release commit. Unreachable peers are said, not fatal.
pub fn peer_warnings(repo: &Repo, config: &Config, branch: &str, tip: Option<Oid>) -> Vec<String> {
    let dirs = [&config.environments.test, &config.environments.prod];
    let answers = peers::read_all(&config.clones, &repo.root, None, PEER_TIMEOUT, false);
    let mut out = Vec::new();
    for a in answers {
        let name = &a.name;
        match a.facts.unwrap_or_else(|| Err("not asked".into())) {
            Err(e) => out.push(format!("could not read {name} ({e}): its changes cannot be checked")),
            Ok(f) => {
                let under: Vec<&String> = f
                    .work
                    .changed()
                    .filter(|p| dirs.iter().any(|d| Path::new(p).starts_with(d)))
                    .collect();
                if !under.is_empty() {
                    let list: Vec<&str> = under.iter().map(|s| s.as_str()).collect();
                    out.push(format!(
                        "{name} has uncommitted changes to {}: they will collide with the release commit; on {name} commit and push them first (or stash them)",
                        list.join(", ")
                    ));
                }
                let rel = relation(repo, &f.work, branch, tip);
                if rel.has_unpushed() {
                    out.push(format!(
                        "{name} has commits that are not on GitHub ({}): if they touch the manifests they will conflict with the release commit; push them first",
                        rel.short()
                    ));
                }
            }
        }
    }
    out
}
