//! What each hook checks. Warnings go to stderr, prefixed `release:`; they block only with
//! `hooks: { strict: true }`. A hook never fails because of release's own trouble, and
//! never waits long: pre-commit reads only what is on disk.

use crate::clones::peers;
use crate::config::Config;
use crate::git::Repo;
use crate::manifests::Layout;
use crate::version::Versions;
use git2::Oid;
use std::collections::BTreeSet;
use std::io::Read;
use std::time::Duration;

/// How long pre-push waits for the peers, all together.
const PEER_WAIT: Duration = Duration::from_secs(5);

fn say(msg: &str) {
    crate::ui::say(&format!("release: {msg}"));
}

/// Runs hook `name`; returns the exit code for git.
pub fn run(name: &str, args: &[String]) -> i32 {
    let Ok(cwd) = std::env::current_dir() else { return 0 };
    let Ok(repo) = crate::git::open(&cwd) else { return 0 };
    let config = Config::load(&repo.root).unwrap_or_else(|e| {
        say(&format!("{e:#} (using the defaults)"));
        Config::default()
    });
    let warnings = match name {
        "pre-commit" => pre_commit(&repo, &config),
        "pre-push" => {
            let mut input = String::new();
            let _ = std::io::stdin().read_to_string(&mut input);
            pre_push(&repo, &config, args.first().map(String::as_str), &input)
        }
        "post-merge" => {
            post_merge(&repo, &config);
            Vec::new()
        }
        other => {
            say(&format!("there is no hook called {other}"));
            return 2;
        }
    };
    for w in &warnings {
        say(w);
    }
    if !warnings.is_empty() && config.hooks.git.strict && name != "post-merge" {
        say(
            "stopped (hooks: strict in .release.yml); `git commit --no-verify` / `git push --no-verify` skips hooks once",
        );
        return 1;
    }
    0
}

/// Behind origin according to the refs on disk; starts a background fetch when stale.
pub fn pre_commit(repo: &Repo, config: &Config) -> Vec<String> {
    let mut w = Vec::new();
    let Some(branch) = repo.branch() else { return w };
    let remote = &config.remote;
    let fetched = repo.last_fetch();
    let now = crate::clock::now();
    if let (Some(head), Some(up)) = (repo.head_commit(), repo.remote_branch_commit(remote, &branch))
        && let Ok((_, behind)) = repo.ahead_behind(head, up)
        && behind > 0
    {
        let when = if fetched.is_some() {
            crate::clock::age(fetched, now)
        } else {
            "never fetched".into()
        };
        w.push(format!(
            "this clone is {behind} commit(s) behind {remote}/{branch} (as of the last fetch, {when}): `git pull` before you commit, or your push will be refused"
        ));
    }
    let limit = (config.hooks.git.fetch_after_minutes * 60) as i64;
    let stale = fetched.is_none_or(|t| now - t > limit);
    if stale && repo.has_remote(remote) {
        repo.fetch_in_background(remote, &branch);
    }
    w
}

/// Origin has commits this clone lacks; a peer has unpushed commits or changes to files
/// this push touches. `input` is git's pre-push stdin.
pub fn pre_push(repo: &Repo, config: &Config, remote_arg: Option<&str>, input: &str) -> Vec<String> {
    let mut w = Vec::new();
    let remote = remote_arg.unwrap_or(&config.remote);
    let zero = |s: &str| s.chars().all(|c| c == '0');
    let mut files = BTreeSet::new();
    let mut branch_tip: Option<(String, Option<Oid>)> = None;
    for line in input.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [_, local_sha, remote_ref, remote_sha] = parts[..] else {
            continue;
        };
        if zero(local_sha) {
            continue;
        }
        let Ok(local) = Oid::from_str(local_sha) else { continue };
        let remote_oid = if zero(remote_sha) {
            None
        } else {
            Oid::from_str(remote_sha).ok()
        };
        if let Some(r) = remote_oid {
            let contained = repo.has_commit(r) && repo.contains(local, r);
            if !contained {
                w.push(format!(
                    "{remote} has commits on {remote_ref} that this clone lacks: the push will be rejected; run `git pull --rebase {remote}` first"
                ));
            }
        }
        if let Some(b) = remote_ref.strip_prefix("refs/heads/") {
            files.extend(repo.changed_files(remote_oid.filter(|r| repo.has_commit(*r)), local));
            branch_tip = Some((b.to_string(), remote_oid));
        }
    }
    if config.clones.is_empty() || branch_tip.is_none() {
        return w;
    }
    let (branch, tip) = branch_tip.unwrap_or_default();
    for answer in peers::read_all(&config.clones, &repo.root, None, PEER_WAIT, false) {
        let name = &answer.name;
        let Some(Ok(f)) = answer.facts else { continue };
        let rel = peers::relation(repo, &f.work, &branch, tip);
        if rel.has_unpushed() {
            w.push(format!(
                "{name} has commits that are not on GitHub ({}): push them from {name} too (`release sync --push` does it from here), or they will collide",
                rel.short()
            ));
        }
        let clash: Vec<&String> = f.work.changed().filter(|p| files.contains(*p)).collect();
        if !clash.is_empty() {
            let list: Vec<&str> = clash.iter().map(|s| s.as_str()).collect();
            w.push(format!(
                "{name} has uncommitted changes to {} which this push changes too: on {name} commit or stash them, then `release sync` brings it up to date",
                list.join(", ")
            ));
        }
    }
    w
}

/// The version a folder's project images run (`None` if none; several if they disagree).
fn env_versions(env: &crate::manifests::model::Env, layout: &Layout) -> BTreeSet<String> {
    layout
        .tag_uses(env)
        .into_iter()
        .map(|p| {
            p.image
                .tag
                .as_deref()
                .map_or_else(|| "latest".into(), |t| layout.project.version_of(t).to_string())
        })
        .collect()
}

/// After a pull: what changed under the environment folders, and whether test and prod run
/// the latest release.
pub fn post_merge(repo: &Repo, config: &Config) {
    let Some(head) = repo.head_commit() else { return };
    let orig = repo.ref_commit("ORIG_HEAD");
    let places = crate::manifests::places::of_project(&repo.root, config);
    let changed: Vec<String> = repo
        .changed_files(orig, head)
        .into_iter()
        .filter(|p| places.holds(std::path::Path::new(p)))
        .collect();
    if !changed.is_empty() {
        say(&format!("this pull changed {}", changed.join(", ")));
    }
    let Ok(layout) = Layout::load_to_read_at(&repo.root, config, places) else {
        return;
    };
    if !layout.exists() {
        return;
    }
    let Ok(infos) = repo.tag_infos(Some(head)) else { return };
    let versions = Versions::from_tags(&infos, config.tag_prefix.as_deref());
    let latest = versions.current().map(|t| t.name.clone());
    for env in [&layout.test, &layout.prod] {
        if !env.exists {
            continue;
        }
        let runs = env_versions(env, &layout);
        let runs_text = runs.iter().cloned().collect::<Vec<_>>().join(", ");
        let unknown: Vec<&String> = runs
            .iter()
            .filter(|r| {
                // 0.0.0 is what `release init` writes: nothing released yet, no tag to fetch.
                crate::version::parse_tag(r, config.tag_prefix.as_deref())
                    .is_some_and(|(_, v)| versions.find(&v).is_none() && v != semver::Version::new(0, 0, 0))
            })
            .collect();
        if let Some(u) = unknown.first() {
            say(&format!(
                "{} runs {u}, but this clone has no tag {u}: `git fetch --tags` (the course's `git remote update` does it)",
                env.label()
            ));
            continue;
        }
        match (&latest, runs.len()) {
            (_, 0) => {}
            (Some(l), 1) if runs.contains(l) => say(&format!("{} runs {l}, the latest release", env.label())),
            (Some(l), _) if env.name == "prod" => say(&format!(
                "{} runs {runs_text}; {l} is released: test it, then `release promote {l}`",
                env.label()
            )),
            (Some(l), _) => say(&format!(
                "{} runs {runs_text}, but the latest release is {l}",
                env.label()
            )),
            (None, _) => say(&format!(
                "{} runs {runs_text}; there is no release tag yet",
                env.label()
            )),
        }
    }
}
