//! Where GitHub, this clone and each configured peer stand, and what to do about it.
//! Origin and peers are asked in parallel, each with a timeout.

use crate::clones::model::{self, Copy, Relation};
use crate::clones::peers;
use crate::config::Config;
use crate::git::Repo;
use crate::version::{TagInfo, Versions};
use anyhow::Result;
use git2::Oid;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Status {
    /// The JSON shape's version (see docs/json.md).
    pub schema: u32,
    pub branch: String,
    /// The newest release tag (on GitHub, or here when offline).
    pub tag: Option<String>,
    pub offline: bool,
    pub copies: Vec<Copy>,
    pub advice: Vec<String>,
    pub in_step: bool,
    /// What each environment runs in the cluster, when `deploy:` is set and it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<std::collections::BTreeMap<String, String>>,
}

/// The newest release (not pre-release) tag among `names`.
fn newest_tag(names: impl Iterator<Item = String>, prefix: Option<&str>) -> Option<String> {
    let infos: Vec<TagInfo> = names.map(|name| TagInfo { name, reachable: true }).collect();
    Versions::from_tags(&infos, prefix)
        .current_stable()
        .map(|t| t.name.clone())
}
/// This clone's name: `git config release.name`, else the machine's host name.
pub fn clone_name(repo: &Repo) -> String {
    if let Some(n) = repo.config_string("release.name") {
        return n;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this clone".into())
}

/// GitHub's row: its branch tip (asked now, or as of the last fetch).
fn origin_row(branch: &str, tag: Option<&str>, offline: bool, tip: Option<Oid>, error: Option<String>) -> Copy {
    Copy {
        name: if offline {
            "GitHub (last fetch)".into()
        } else {
            "GitHub".into()
        },
        here: false,
        is_origin: true,
        error,
        branch: Some(branch.to_string()),
        head: tip.map(|t| t.to_string()),
        relation: Relation::InSync,
        work: None,
        last_fetch: None,
        has_release_tag: tag.map(|_| true),
        via_ssh: false,
        skipped: false,
        reach: crate::clones::model::Reach::Unknown,
    }
}

/// Asks everybody and builds the status. `offline`: only what is on disk already.
pub fn gather(repo: &Repo, config: &Config, offline: bool) -> Result<Status> {
    let branch = repo.release_branch(config);
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
        _ => newest_tag(repo.tag_names()?.into_iter(), prefix),
    };
    let answers = std::thread::scope(|s| {
        let tag = tag.as_deref();
        let root = repo.root.clone();
        let others = s.spawn(move || peers::read_all(&config.clones, &root, tag, peers::PEER_TIMEOUT, offline));
        others.join().unwrap_or_default()
    });
    let here = peers::read_here(repo, tag.as_deref());
    let (tip, error) = match &origin {
        Some(Ok((_, tip))) => (*tip, None),
        Some(Err(e)) => (repo.remote_branch_commit(&remote, &branch), Some(format!("{e:#}"))),
        None => (repo.remote_branch_commit(&remote, &branch), None),
    };
    let mut copies = vec![origin_row(&branch, tag.as_deref(), offline, tip, error)];
    copies.push(peers::copy_row(
        repo,
        &branch,
        tip,
        (&clone_name(repo), true, false),
        Some(here),
    ));
    for a in answers {
        let mut row = peers::copy_row(repo, &branch, tip, (&a.name, false, a.via_ssh), a.facts);
        row.reach = a.reach;
        copies.push(row);
    }
    let (advice, in_step) = if repo.has_remote(&remote) {
        (
            model::advice(&copies, &branch, tag.as_deref()),
            copies.iter().all(Copy::in_step),
        )
    } else {
        let add = format!(
            "this clone has no remote `{remote}` (GitHub), so nothing can be compared: add it with `git remote add {remote} git@github.com:USER/REPO.git`, then `git push -u {remote} {branch}`"
        );
        (vec![add], false)
    };
    let cluster = if offline {
        None
    } else {
        crate::deploy::running(repo, config)
    };
    Ok(Status {
        schema: 1,
        cluster,
        branch,
        tag,
        offline,
        copies,
        advice,
        in_step,
    })
}

/// The table, what the cluster runs, then one line of advice per copy out of step.
pub fn render(st: &Status) -> String {
    let mut s = model::render_table(&st.copies, crate::clock::now(), st.tag.as_deref());
    if let Some(c) = &st.cluster {
        let runs: Vec<String> = c.iter().map(|(env, v)| format!("{env} runs {v}")).collect();
        s.push_str(&format!("cluster: {}\n", runs.join(", ")));
    }
    for a in &st.advice {
        s.push_str(a);
        s.push('\n');
    }
    s
}
