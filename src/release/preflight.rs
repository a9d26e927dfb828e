//! Preflight: gather the facts and report every problem at once, each with its fix.

use crate::config::Config;
use crate::error::refused;
use crate::git::{RemoteRefs, Repo};
use crate::project::Facts;
use crate::project::problem::Problem;
use crate::version::{Seed, Versions, parse_tag};
use anyhow::{Context as _, Result};
use git2::Oid;

fn problem(what: impl Into<String>, fix: impl Into<String>) -> Problem {
    Problem::new(what, fix)
}

/// Opens the repository at `dir` and reads the facts that read-only commands need
/// (`version`, `changelog`): no checks, no network, no work-tree scan; every tag's
/// reachability from HEAD is known.
pub fn read(dir: &std::path::Path) -> Result<Facts> {
    read_with(dir, true, None)
}

/// [`read`] with only the tags near HEAD (what a release, resume or abort needs).
pub fn read_near(dir: &std::path::Path) -> Result<Facts> {
    read_with(dir, false, None)
}

/// [`read`]; with `all_tags: false` only the tags down to the current stable release are
/// looked at (a release needs no more; vuejs/core has 295 tags over 7,000 commits).
/// `layout`: the project's manifests when the caller has read them already (a release
/// reads them once and hands them to every part).
fn read_with(dir: &std::path::Path, all_tags: bool, layout: Option<&crate::manifests::Layout>) -> Result<Facts> {
    let repo = crate::git::open(dir)?;
    let config = Config::load(&repo.root)?;
    let Some(head) = repo.head_commit() else {
        return Err(refused(format!(
            "{}: the repository has no commits yet, so there is nothing to release.\n  fix: commit your project first: git add -A && git commit -m \"feat: first version\"",
            repo.root.display()
        )));
    };
    let prefix = config.tag_prefix.as_deref();
    let mut versions = if all_tags {
        Versions::from_tags(&repo.tag_infos(Some(head))?, prefix)
    } else {
        // If git cannot say which tags HEAD reaches, the current version is unknown: an
        // error, never "no tag reachable".
        Versions::near_head(&repo.tag_names()?, prefix, |batch| {
            repo.reached_tags(head, batch)
                .context("asking git which release tags HEAD reaches")
        })?
    };
    if versions.tags.is_empty() {
        versions.seed = seed(&repo.root, &config, layout);
    }
    let above: Vec<&str> = versions.unreachable_above().iter().map(|t| t.name.as_str()).collect();
    let notices = match above.as_slice() {
        [] => Vec::new(),
        [one] => vec![format!(
            "tag {one} is higher than the current version but not in this branch's history (it is on another branch or an orphaned commit); it is not counted"
        )],
        many => vec![format!(
            "{} tags are higher than the current version but not in this branch's history (other branches or orphaned commits); they are not counted: {}",
            many.len(),
            many.join(", ")
        )],
    };
    let branch = repo.branch().unwrap_or_else(|| repo.release_branch(&config));
    Ok(Facts {
        repo,
        config,
        head,
        branch,
        versions,
        remote: None,
        problems: Vec::new(),
        notices,
        built: None,
    })
}

/// Before the first release tag: `initial_version:`, else the highest version the
/// project's images carry in the manifests (`:1.0`, `:v1.3.0`; `:0.0.0`, what `release
/// init` writes, says nothing was released yet).
fn seed(root: &std::path::Path, config: &Config, read: Option<&crate::manifests::Layout>) -> Option<Seed> {
    if let Some(v) = &config.initial_version {
        let (prefix, version) = crate::version::parse_loose(v)?;
        return Some(Seed {
            version,
            prefix,
            from: "initial_version in .release.yml".into(),
            exact: true,
        });
    }
    let loaded;
    let layout = match read {
        Some(l) => l,
        None => {
            loaded = crate::manifests::Layout::load_to_read(root, config).ok()?;
            &loaded
        }
    };
    // The images the project builds, when that is known: a third party's `tool:3.1` is no
    // version of this project.
    let built: std::collections::HashSet<String> = crate::images::specs_in(root, config, layout)
        .map(|specs| specs.iter().map(|s| s.repository.clone()).collect())
        .unwrap_or_default();
    [&layout.test, &layout.prod]
        .into_iter()
        .flat_map(|env| layout.tag_uses(env))
        .filter_map(|u| Some((u.image.repository(), u.image.tag?, u.at)))
        .filter(|(repo, _, _)| built.is_empty() || built.contains(repo))
        .filter_map(|(_, tag, at)| {
            let tag = layout.project.version_of(&tag);
            let (prefix, version) =
                crate::version::parse_loose(tag).filter(|(_, v)| *v > semver::Version::new(0, 0, 0))?;
            Some(Seed {
                version,
                prefix,
                from: format!("image tag {tag} at {at}"),
                exact: false,
            })
        })
        .max_by(|a, b| a.version.cmp_precedence(&b.version).then_with(|| b.from.cmp(&a.from)))
}

/// Which images the project builds: a release sets only those (a third party's image is
/// left alone). `None` when no Dockerfile says.
fn built(f: &Facts, layout: &crate::manifests::Layout) -> Option<Vec<String>> {
    crate::images::specs_in(&f.repo.root, &f.config, layout)
        .ok()
        .filter(|specs| !specs.is_empty())
        .map(|specs| specs.into_iter().map(|s| s.repository).collect())
}

/// Reads the facts and checks everything a release or promote needs, origin included.
/// `layout`: the project's manifests, read once by the caller and shared with the plan.
pub fn gather(dir: &std::path::Path, resuming: bool, layout: &crate::manifests::Layout) -> Result<Facts> {
    let mut f = read_with(dir, false, Some(layout))?;
    f.built = built(&f, layout);
    let remote = f.config.remote.clone();
    let mut problems = Vec::new();
    if f.repo.is_shallow() {
        problems.push(problem(
            "this is a shallow clone: older commits and tags are missing, so the version cannot be trusted",
            format!("git fetch --unshallow --tags {remote}"),
        ));
    }
    let expected = f.repo.release_branch(&f.config);
    match f.repo.branch() {
        Some(b) if b != expected => problems.push(problem(
            format!("you are on branch `{b}`, but releases are cut from `{expected}`"),
            format!("git switch {expected}   (or set `branch: {b}` in .release.yml)"),
        )),
        Some(_) => {}
        None => problems.push(problem(
            "HEAD is detached (not on a branch)",
            format!("git switch {expected}"),
        )),
    }
    let (sparse, dirty): (Vec<_>, Vec<_>) = f.repo.dirty_paths()?.into_iter().partition(|d| d.sparse);
    if !sparse.is_empty() {
        let mut list: Vec<&str> = sparse.iter().take(10).map(|d| d.path.as_str()).collect();
        if sparse.len() > 10 {
            list.push("...");
        }
        problems.push(problem(
            format!(
                "this is a sparse checkout that leaves out files a release reads and writes: {}",
                list.join(", ")
            ),
            "git sparse-checkout disable   (or bring the folders in: git sparse-checkout add <folder>)",
        ));
    }
    // The files an interrupted release or promote left are its own, not the user's: its
    // journal is the problem to name (with resume and abort), never "commit them".
    let interrupted =
        crate::transaction::journal::Journal::load(f.repo.git_dir()).is_ok_and(|j| j.is_some_and(|j| !j.restart));
    if !dirty.is_empty() && !interrupted {
        let mut list: Vec<String> = dirty.iter().take(10).map(ToString::to_string).collect();
        if dirty.len() > 10 {
            list.push(format!("... and {} more", dirty.len() - 10));
        }
        problems.push(problem(
            format!("the work tree has uncommitted changes: {}", list.join(", ")),
            "commit them (git add -A && git commit), or set them aside with git stash -u",
        ));
    }
    if let Some(p) = f.repo.signature_problem() {
        problems.push(problem(
            p,
            "git config --global user.name \"Your Name\" && git config --global user.email you@example.com",
        ));
    }
    if !f.repo.has_remote(&remote) {
        f.notices.push(format!(
            "there is no remote `{remote}`: the release stays in this clone (nothing is pushed); add one with `git remote add {remote} git@github.com:USER/REPO.git`, then `release resume` pushes it"
        ));
    } else {
        match check_remote(&f.repo, &remote, &f.branch, f.head, &f.config, &mut problems) {
            Ok(r) => f.remote = Some(r),
            Err(e) => problems.push(problem(
                format!("{remote} cannot be reached: {e:#}"),
                format!("check the network and `git remote -v`, then try `git fetch {remote}`"),
            )),
        }
    }
    if !f.config.clones.is_empty() {
        let tip = f.repo.remote_branch_commit(&remote, &f.branch);
        let warnings = crate::clones::peers::warnings(&f.repo, &f.config, &f.branch, tip);
        f.notices.extend(warnings);
    }
    f.problems = problems;
    let in_progress = super::interrupted::problems(&f, resuming);
    f.problems.splice(0..0, in_progress);
    Ok(f)
}

fn check_remote(
    repo: &Repo,
    remote: &str,
    branch: &str,
    head: Oid,
    config: &Config,
    problems: &mut Vec<Problem>,
) -> Result<RemoteRefs> {
    let (refs, tip) = repo.remote_tip(remote, branch)?;
    if let Some(up) = tip {
        let (ahead, behind) = repo.ahead_behind(head, up)?;
        if behind > 0 && ahead > 0 {
            problems.push(problem(
                format!(
                    "{branch} has diverged from {remote}/{branch}: {ahead} local and {behind} remote commits differ"
                ),
                format!("git pull --rebase {remote} {branch}   (then resolve any conflicts)"),
            ));
        } else if behind > 0 {
            problems.push(problem(
                format!("{branch} is {behind} commit(s) behind {remote}/{branch}: a release from here would miss them"),
                format!("git pull {remote} {branch}"),
            ));
        }
    }
    let mut missing: Vec<&String> = refs
        .tags
        .keys()
        .filter(|t| parse_tag(t, config.tag_prefix.as_deref()).is_some() && repo.tag_commit(t).is_none())
        .collect();
    missing.sort();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        problems.push(problem(
            format!("{remote} has release tags this clone lacks: {}", names.join(", ")),
            format!("git fetch --tags {remote}"),
        ));
    }
    Ok(refs)
}
