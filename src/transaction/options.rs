//! How the user asked to run a transaction, and which clone and branch it changes.
//! The parts' own switches (`skip_images`, ...) ride along as named flags this module
//! only keeps, so the journal can give them back to `release resume`.

use crate::git::Repo;
use git2::Oid;
use std::collections::BTreeMap;

/// How the user asked to run it (kept in the journal, so resume keeps to it).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Options {
    pub dry_run: bool,
    pub yes: bool,
    /// Skip the user's git hooks (`pre-commit`, `commit-msg`) for the release commit.
    pub no_verify: bool,
    /// Sign the release commit and tag (`--sign`, or `sign: true` in .release.yml).
    pub sign: bool,
    /// Keep the commit, tag and images local (`--no-push`, or no remote at all).
    pub no_push: bool,
    /// Run by `release resume` in place of a journal it took back (`restart`): that
    /// journal is not a release in progress for this run.
    #[serde(skip)]
    pub resuming: bool,
    /// The parts' switches by name (each part owns its names); kept in the journal
    /// beside the fields above, as older journals wrote them.
    #[serde(flatten)]
    pub flags: BTreeMap<String, bool>,
}

impl Options {
    /// A part's switch (`false` when never set).
    pub fn flag(&self, name: &str) -> bool {
        self.flags.get(name).copied().unwrap_or(false)
    }

    /// Sets a part's switch.
    pub fn with_flag(mut self, name: &str, on: bool) -> Options {
        self.flags.insert(name.to_string(), on);
        self
    }
}

/// The clone and branch a transaction changes, as they were before it began.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    pub repo: &'a Repo,
    pub branch: &'a str,
    /// The remote the push goes to.
    pub remote: &'a str,
    /// HEAD before anything changed.
    pub head: Oid,
}

#[cfg(test)]
mod tests {
    use super::Options;

    #[test]
    fn a_parts_flag_survives_the_journal_as_older_journals_wrote_it() {
        let old = r#"{"dry_run":false,"yes":true,"skip_images":true,"no_push":true}"#;
        let o: Options = serde_json::from_str(old).unwrap();
        assert!(o.flag("skip_images") && o.no_push && !o.flag("replace_latest"));
        let again: serde_json::Value = serde_json::to_value(&o).unwrap();
        assert_eq!(again["skip_images"], true);
        assert_eq!(again["no_push"], true);
        let off = o.with_flag("skip_images", false);
        assert!(!off.flag("skip_images"));
    }
}
