//! The plan: a plain value saying what a release will do. `--dry-run` prints it.

use super::Options;
use super::preflight::{Facts, Problem};
use crate::git::CommitInfo;
use crate::version::{Bump, tag_name};
use semver::Version;
use std::fmt::Write as _;
use std::path::PathBuf;

/// One step of the transaction. Each kind has an undo in `apply`.
#[derive(Debug, Clone)]
pub enum Step {
    /// Replace (or create) a file in the work tree; CHANGELOG.md and manifests use this.
    WriteFile {
        path: PathBuf,
        content: Vec<u8>,
        why: String,
        /// A unified diff, or the new section, for people reading the plan.
        preview: String,
    },
    /// Commit every file written by earlier steps.
    Commit { message: String },
    /// Create the annotated tag on the release commit (or on HEAD when nothing changed).
    Tag { name: String, message: String },
    /// Build the release's images (all at once), tagged with the release tag.
    BuildImages {
        jobs: Vec<crate::images::ImageJob>,
        revision: String,
        version: String,
        endpoint: String,
        preview: String,
    },
    /// Push the release's images (all at once), the tag always explicit.
    PushImages { jobs: Vec<crate::images::ImageJob> },
    /// Push the branch (and the tag, if any) to the remote in one atomic push.
    PushGit {
        remote: String,
        branch: String,
        tag: Option<String>,
    },
}

/// The whole release, decided before anything changes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub from: Option<String>,
    pub to: String,
    pub tag: String,
    pub branch: String,
    pub remote: String,
    pub commits: Vec<CommitInfo>,
    pub steps: Vec<Step>,
    pub notices: Vec<String>,
}

impl Plan {
    /// Paths of every file a step writes.
    pub fn written_paths(&self) -> Vec<PathBuf> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::WriteFile { path, .. } => Some(path.clone()),
                _ => None,
            })
            .collect()
    }
}

/// What the parts that write files (changelog, manifests) are told about the release.
pub struct Context<'a> {
    pub facts: &'a Facts,
    pub next: &'a Version,
    pub tag: &'a str,
    /// The tag of the current release, if any.
    pub prev_tag: Option<&'a str>,
    /// Commits since the current release, newest first.
    pub commits: &'a [CommitInfo],
    /// How the user asked to run it (`--replace-latest`, `--skip-images`, ...).
    pub options: &'a Options,
}

/// A part of the release that may add file writes to the release commit.
pub type Contributor<'f> = &'f dyn Fn(&Context) -> anyhow::Result<Contribution>;

/// File writes for the release commit, notes for the plan, and reasons to refuse.
#[derive(Default)]
pub struct Contribution {
    pub steps: Vec<Step>,
    pub notices: Vec<String>,
    pub problems: Vec<Problem>,
    /// Steps that run after the tag and before the git push (images).
    pub after_tag: Vec<Step>,
}

/// Works out the next version and the git steps; each contributor may add file writes,
/// which land in the release commit.
pub fn build(facts: &mut Facts, bump: &Bump, contributors: &[Contributor], options: &Options) -> anyhow::Result<Plan> {
    let next = facts
        .versions
        .next(bump)
        .map_err(|e| crate::error::refused(e.to_string()))?;
    let prefix = facts.versions.prefix_for_new(facts.config.tag_prefix.as_deref());
    let tag = tag_name(&prefix, &next);
    let remote = facts.config.remote.clone();

    if let Some(existing) = facts.versions.find(&next) {
        let place = if existing.reachable {
            "in this branch's history"
        } else {
            "on a commit this branch does not contain"
        };
        facts.problems.push(Problem {
            what: format!("version {next} is already released here: tag {} exists {place}", existing.name),
            fix: format!(
                "pick a higher level, or delete the tag if it was a mistake: git tag -d {} && git push {remote} :refs/tags/{}",
                existing.name, existing.name
            ),
        });
    }
    if let Some(r) = &facts.remote
        && r.tags.contains_key(&tag)
    {
        facts.problems.push(Problem {
            what: format!("tag {tag} already exists on {remote}"),
            fix: format!("git fetch --tags {remote}, then pick a higher level"),
        });
    }

    let current = facts.versions.current().cloned();
    let from_commit = current.as_ref().and_then(|c| facts.repo.tag_commit(&c.name));
    let commits = facts.repo.commits_since(from_commit, facts.head)?;

    let mut steps = Vec::new();
    let mut notices = facts.notices.clone();
    let mut problems = Vec::new();
    let mut after_tag = Vec::new();
    {
        let ctx = Context {
            facts,
            next: &next,
            tag: &tag,
            prev_tag: current.as_ref().map(|c| c.name.as_str()),
            commits: &commits,
            options,
        };
        for c in contributors {
            let part = c(&ctx)?;
            steps.extend(part.steps);
            notices.extend(part.notices);
            problems.extend(part.problems);
            after_tag.extend(part.after_tag);
        }
    }
    facts.problems.extend(problems);
    if !steps.is_empty() {
        steps.push(Step::Commit {
            message: format!("chore(release): {next}"),
        });
    }
    steps.push(Step::Tag {
        name: tag.clone(),
        message: format!("Release {next}"),
    });
    steps.extend(after_tag);
    steps.push(Step::PushGit {
        remote: remote.clone(),
        branch: facts.branch.clone(),
        tag: Some(tag.clone()),
    });

    let plan = Plan {
        from: current.map(|c| c.name),
        to: next.to_string(),
        tag,
        branch: facts.branch.clone(),
        remote,
        commits,
        steps,
        notices,
    };
    Ok(plan)
}

/// The plan in plain words, for people.
pub fn render(plan: &Plan) -> String {
    let mut s = String::new();
    let from = plan.from.as_deref().unwrap_or("(no release yet)");
    let _ = writeln!(
        s,
        "Release {from} -> {}  (branch {}, remote {})",
        plan.tag, plan.branch, plan.remote
    );
    let n = plan.commits.len();
    let _ = writeln!(s, "\n{n} commit(s) since {from}:");
    for c in plan.commits.iter().take(20) {
        let _ = writeln!(s, "  {} {}", c.short, c.summary);
    }
    if n > 20 {
        let _ = writeln!(s, "  ... and {} more", n - 20);
    }
    s.push_str(&render_steps(&plan.steps, &plan.notices));
    s
}

/// The numbered steps with their previews, then the notes.
pub fn render_steps(steps: &[Step], notices: &[String]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nSteps:");
    for (i, step) in steps.iter().enumerate() {
        let _ = writeln!(s, "  {}. {}", i + 1, describe(step));
        let preview = match step {
            Step::WriteFile { preview, .. } | Step::BuildImages { preview, .. } => preview.as_str(),
            _ => "",
        };
        for line in preview.lines() {
            let _ = writeln!(s, "{}", format!("       {line}").trim_end());
        }
    }
    for note in notices {
        let _ = writeln!(s, "\nnote: {note}");
    }
    s
}

/// One line saying what a step does.
pub fn describe(step: &Step) -> String {
    match step {
        Step::WriteFile { path, why, .. } => format!("write {} ({why})", path.display()),
        Step::Commit { message } => format!("commit \"{message}\""),
        Step::Tag { name, .. } => format!("create annotated tag {name}"),
        Step::PushGit {
            remote,
            branch,
            tag: Some(tag),
        } => {
            format!("push {branch} and {tag} to {remote} (atomic: both or neither)")
        }
        Step::PushGit {
            remote,
            branch,
            tag: None,
        } => format!("push {branch} to {remote}"),
        Step::BuildImages { jobs, endpoint, .. } => {
            let n = jobs.iter().filter(|j| j.reuse.is_none()).count();
            format!("build {n} image(s) with the engine at {endpoint}")
        }
        Step::PushImages { jobs } => {
            let regs: std::collections::BTreeSet<&str> = jobs.iter().map(|j| j.registry.as_str()).collect();
            let n = jobs.iter().filter(|j| j.reuse.is_none()).count();
            format!(
                "push {n} image(s) to {}",
                regs.into_iter().collect::<Vec<_>>().join(", ")
            )
        }
    }
}
