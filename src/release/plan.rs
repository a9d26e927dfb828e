//! The release plan: the next version, the commits it carries, and the steps; a plain
//! value that `--dry-run` prints.

use crate::git::CommitInfo;
use crate::project::problem::Problem;
use crate::project::{Brief, Contribution, Facts};
use crate::transaction::git_steps::{Commit, PushGit, Tag};
use crate::transaction::hooks::Hooks;
use crate::transaction::{Intent, Options, Plan};
use crate::version::{Bump, tag_name};
use semver::Version;
use std::fmt::Write as _;

/// A part of the release that may add steps (file writes, images).
pub type Contributor<'f> = &'f dyn Fn(&Brief) -> anyhow::Result<Contribution>;

/// The whole release, decided before anything changes.
#[derive(Debug)]
pub struct ReleasePlan {
    pub from: Option<String>,
    pub to: String,
    pub tag: String,
    pub branch: String,
    pub remote: String,
    pub commits: Vec<CommitInfo>,
    pub plan: Plan,
    /// Why it would be refused: preflight's problems, the version's, each part's.
    pub problems: Vec<Problem>,
}

/// Problems with the version itself: already tagged here or on the remote.
fn version_problems(facts: &Facts, next: &Version, tag: &str) -> Vec<Problem> {
    let remote = &facts.config.remote;
    let mut problems = Vec::new();
    if let Some(existing) = facts.versions.find(next) {
        let place = if existing.reachable {
            "in this branch's history"
        } else {
            "on a commit this branch does not contain"
        };
        problems.push(
            Problem::new(
                format!("version {next} is already released here: tag {} exists {place}", existing.name),
                format!(
                    "pick a higher level, or delete the tag if it was a mistake: git tag -d {} && git push {remote} :refs/tags/{}",
                    existing.name, existing.name
                ),
            )
            .at_place(format!("refs/tags/{}", existing.name)),
        );
    }
    if facts.remote.as_ref().is_some_and(|r| r.tags.contains_key(tag)) {
        problems.push(
            Problem::new(
                format!("tag {tag} already exists on {remote}"),
                format!("git fetch --tags {remote}, then pick a higher level"),
            )
            .at_place(format!("{remote}:refs/tags/{tag}")),
        );
    }
    problems
}

/// Works out the next version and the git steps; each contributor adds its steps.
pub fn build(
    facts: &Facts,
    bump: &Bump,
    contributors: &[Contributor],
    options: &Options,
) -> anyhow::Result<ReleasePlan> {
    let next = facts
        .versions
        .next(bump)
        .map_err(|e| crate::error::refused(e.to_string()))?;
    let prefix = facts.versions.prefix_for_new(facts.config.tag_prefix.as_deref());
    let tag = tag_name(&prefix, &next);
    let remote = facts.config.remote.clone();
    // Facts stay as gathered: the plan's own problems are the plan's.
    let mut problems = facts.problems.clone();
    problems.extend(version_problems(facts, &next, &tag));

    let current = facts.versions.current().cloned();
    let from_commit = current.as_ref().and_then(|c| facts.repo.tag_commit(&c.name));
    let commits = facts.repo.commits_since(from_commit, facts.head)?;

    let mut all = Contribution::default();
    {
        let ctx = Brief {
            revision: facts.head,
            facts,
            next: &next,
            tag: &tag,
            prev_tag: current.as_ref().map(|c| c.name.as_str()),
            commits: &commits,
            options,
        };
        for c in contributors {
            all.absorb(c(&ctx)?);
        }
    }
    problems.append(&mut all.problems);
    let h = &facts.config.hooks.release;
    let previous = current.as_ref().map_or("", |c| c.name.as_str());
    let mut plan = Plan {
        intent: Intent {
            kind: "release",
            version: next.to_string(),
            tag: Some(tag.clone()),
        },
        steps: all.steps,
        notices: facts.notices.iter().cloned().chain(all.notices).collect(),
        hooks: Hooks::new(&h.pre_release, &h.post_release, &next.to_string(), &tag, previous),
    };
    if !plan.steps.is_empty() {
        plan.steps.push(Box::new(Commit {
            message: format!("chore(release): {next}"),
        }));
    }
    plan.steps.push(Box::new(Tag {
        name: tag.clone(),
        message: format!("Release {next}"),
    }));
    plan.steps.extend(all.after_tag);
    if !options.no_push {
        plan.steps.push(Box::new(PushGit {
            remote: remote.clone(),
            branch: facts.branch.clone(),
            tag: Some(tag.clone()),
        }));
    }
    Ok(ReleasePlan {
        from: current.map(|c| c.name),
        to: next.to_string(),
        tag,
        branch: facts.branch.clone(),
        remote,
        commits,
        plan,
        problems,
    })
}

/// What to run to publish a release made with `--no-push` (or without a remote).
pub fn push_later(rp: &ReleasePlan) -> String {
    format!(
        "not pushed: the commit, tag {tag} and any images stay here. To publish them later:\n  release resume\n  (or by hand: git push --atomic {remote} {branch} refs/tags/{tag}, after pushing the images)",
        tag = rp.tag,
        remote = rp.remote,
        branch = rp.branch
    )
}

/// The plan in plain words, for people.
pub fn render(rp: &ReleasePlan) -> String {
    let mut s = String::new();
    let from = rp.from.as_deref().unwrap_or("(no release yet)");
    let _ = writeln!(
        s,
        "Release {from} -> {}  (branch {}, remote {})",
        rp.tag, rp.branch, rp.remote
    );
    let n = rp.commits.len();
    let _ = writeln!(s, "\n{n} commit(s) since {from}:");
    for c in rp.commits.iter().take(20) {
        let _ = writeln!(s, "  {} {}", c.short, c.summary);
    }
    if n > 20 {
        let _ = writeln!(s, "  ... and {} more", n - 20);
    }
    s.push_str(&rp.plan.render_steps());
    s
}
