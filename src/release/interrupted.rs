//! What an interruption left, and the problem that names it: a journal, or a release
//! commit at HEAD whose tag origin lacks (no journal needed). Every command that changes
//! something refuses while one is there, with the two ways out.

use crate::git::Repo;
use crate::project::Facts;
use crate::project::problem::Problem;
use crate::transaction::journal::{Journal, state_dir};
use crate::version::parse_tag;
use git2::Oid;

const WAYS_OUT: &str = "release resume   (finish it: push the commit and tag; images already pushed are reused)\n      or: release abort    (take every local step back; nothing on origin is touched)";
const WAYS_OUT_PROMOTE: &str = "release resume   (finish it: push the promote commit)\n      or: release abort    (take the promote back: prod's files and the commit; nothing on origin is touched)";

/// A release commit at HEAD whose tag is here but not on origin (no journal needed).
pub struct Unpushed {
    pub commit: Oid,
    pub tag: String,
}

/// HEAD is `chore(release): X` with a release tag on it that `remote_tags` lacks.
pub fn unpushed_release(
    repo: &Repo,
    remote_tags: Option<&std::collections::HashMap<String, String>>,
) -> Option<Unpushed> {
    let head = repo.head_commit()?;
    let summary = repo.summary(head)?;
    let version = summary.strip_prefix("chore(release): ")?.trim();
    let tag = repo
        .tags()
        .ok()?
        .into_iter()
        .filter(|(_, c)| *c == head)
        .map(|(n, _)| n)
        .find(|n| parse_tag(n, None).is_some_and(|(_, v)| v.to_string() == version))?;
    let on_origin = remote_tags.is_some_and(|t| t.contains_key(&tag));
    (!on_origin).then_some(Unpushed { commit: head, tag })
}

/// Problems that stop any command that changes something: a release in progress (but
/// not, for the release `resume` starts again, the journal it took back to do so).
pub fn problems(facts: &Facts, resuming: bool) -> Vec<Problem> {
    let git_dir = facts.repo.git_dir();
    match Journal::load(git_dir) {
        Ok(Some(j)) if j.restart && resuming => Vec::new(),
        Ok(Some(j)) => {
            let ways = if j.tag.is_none() { WAYS_OUT_PROMOTE } else { WAYS_OUT };
            vec![
                Problem::new(j.describe(), ways).at_place(state_dir(git_dir).join("in-progress").display().to_string()),
            ]
        }
        Err(e) => vec![Problem::new(
            format!("{e:#}"),
            "look at the file, then remove it by hand",
        )],
        Ok(None) => {
            let tags = facts.remote.as_ref().map(|r| &r.tags);
            match unpushed_release(&facts.repo, tags).filter(|_| facts.remote.is_some()) {
                Some(u) => vec![Problem::new(
                    format!(
                        "HEAD is the release commit of {} but origin does not have that tag: an earlier release stopped before its push",
                        u.tag
                    ),
                    WAYS_OUT,
                )],
                None => Vec::new(),
            }
        }
    }
}
