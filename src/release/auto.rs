//! `release auto`: the level the commits since the last release call for, and why.

use crate::changelog::commits;
use crate::git::CommitInfo;
use crate::project::Facts;
use crate::version::Level;
use anyhow::Result;
use std::fmt::Write as _;

/// The decision and the commits behind it.
pub struct Decision {
    pub level: Option<Level>,
    pub since: String,
    pub deciding: Vec<CommitInfo>,
    pub all: Vec<CommitInfo>,
    pub pre_1_0: bool,
}

/// Reads the commits since the current release and decides.
pub fn decide(facts: &Facts) -> Result<Decision> {
    let current = facts.versions.current();
    let from = current.and_then(|c| facts.repo.tag_commit(&c.name));
    let all: Vec<CommitInfo> = facts
        .repo
        .commits_since(from, facts.head)?
        .into_iter()
        .filter(|c| c.parents <= 1)
        .filter(|c| !commits::is_release_bookkeeping(&commits::parse(&c.message)))
        .collect();
    let messages: Vec<commits::Message> = all.iter().map(|c| commits::parse(&c.message)).collect();
    let (level, idx) = commits::decide(&messages, current.map(|c| &c.version), &facts.config.type_levels());
    Ok(Decision {
        level,
        since: current
            .map(|c| c.name.clone())
            .unwrap_or_else(|| "the first commit".into()),
        deciding: idx.into_iter().map(|i| all[i].clone()).collect(),
        all,
        pre_1_0: current.is_none_or(|c| c.version.major == 0),
    })
}

impl Decision {
    /// "minor, because of: ..." with the deciding commits.
    pub fn explain(&self) -> String {
        let mut s = String::new();
        match self.level {
            Some(l) => {
                let _ = write!(
                    s,
                    "auto: {l}, because of {} commit(s) since {}:",
                    self.deciding.len(),
                    self.since
                );
                for c in self.deciding.iter().take(10) {
                    let _ = write!(s, "\n  {} {}", c.short, c.summary);
                }
                if self.deciding.len() > 10 {
                    let _ = write!(s, "\n  ... and {} more", self.deciding.len() - 10);
                }
                if self.pre_1_0
                    && l == Level::Minor
                    && self.deciding.iter().any(|c| commits::parse(&c.message).breaking)
                {
                    let _ = write!(s, "\n  (before 1.0.0 a breaking change is a minor release)");
                }
            }
            None => {
                let _ = write!(s, "auto: nothing releasable since {}", self.since);
            }
        }
        s
    }

    /// The refusal when no commit calls for a release.
    pub fn nothing_to_release(&self) -> String {
        let mut s = format!(
            "nothing to release: none of the {} commit(s) since {} is a feat, fix, perf or breaking change:",
            self.all.len(),
            self.since
        );
        for c in self.all.iter().take(20) {
            let _ = write!(s, "\n  {} {}", c.short, c.summary);
        }
        s.push_str("\n  fix: release a level by name (release patch), or use release auto --force");
        s
    }
}
