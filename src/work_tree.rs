//! A work tree's state as `git status --porcelain=v2 --branch` tells it (pure parsing),
//! and the git operations a clone can be stopped in the middle of.

use serde::Serialize;

/// A work tree's state, from `git status --porcelain=v2 --branch`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WorkTree {
    /// `None` when detached.
    pub branch: Option<String>,
    pub head: Option<String>,
    pub upstream: Option<String>,
    /// (ahead, behind) against its own upstream as of its last fetch.
    #[serde(rename = "ahead_behind_upstream", serialize_with = "ahead_behind")]
    pub ab: Option<(usize, usize)>,
    pub modified: Vec<String>,
    pub untracked: Vec<String>,
    /// A git operation stopped halfway: `rebase`, `merge`, `cherry-pick`, `revert`, `bisect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_progress: Option<String>,
}

/// The git operation a clone is in the middle of, by the files git keeps in its git dir
/// while it runs (names from `git status`'s own checks).
pub const OPERATIONS: [(&str, &str); 6] = [
    ("rebase-merge", "rebase"),
    ("rebase-apply", "rebase"),
    ("MERGE_HEAD", "merge"),
    ("CHERRY_PICK_HEAD", "cherry-pick"),
    ("REVERT_HEAD", "revert"),
    ("BISECT_LOG", "bisect"),
];

/// `{"ahead": 1, "behind": 0}` rather than a bare pair.
fn ahead_behind<S: serde::Serializer>(ab: &Option<(usize, usize)>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct AheadBehind {
        ahead: usize,
        behind: usize,
    }
    ab.map(|(ahead, behind)| AheadBehind { ahead, behind }).serialize(s)
}

impl WorkTree {
    /// Every path that differs from HEAD: modified, staged, or untracked.
    pub fn changed(&self) -> impl Iterator<Item = &String> {
        self.modified.iter().chain(&self.untracked)
    }
}

/// Parses `git status --porcelain=v2 --branch` output.
pub fn parse_porcelain(text: &str) -> WorkTree {
    let mut w = WorkTree::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# branch.oid ") {
            w.head = (rest != "(initial)").then(|| rest.to_string());
        } else if let Some(rest) = line.strip_prefix("# branch.head ") {
            w.branch = (rest != "(detached)").then(|| rest.to_string());
        } else if let Some(rest) = line.strip_prefix("# branch.upstream ") {
            w.upstream = Some(rest.to_string());
        } else if let Some(rest) = line.strip_prefix("# branch.ab ") {
            let mut it = rest
                .split_whitespace()
                .map(|s| s.trim_start_matches(['+', '-']).parse::<usize>().ok());
            if let (Some(Some(a)), Some(Some(b))) = (it.next(), it.next()) {
                w.ab = Some((a, b));
            }
        } else if let Some(rest) = line.strip_prefix("? ") {
            w.untracked.push(rest.to_string());
        } else if line.starts_with("1 ") {
            w.modified.extend(line.splitn(9, ' ').nth(8).map(str::to_string));
        } else if line.starts_with("2 ") {
            let path = line.splitn(10, ' ').nth(9).unwrap_or("");
            w.modified.push(path.split('\t').next().unwrap_or(path).to_string());
        } else if line.starts_with("u ") {
            w.modified.extend(line.splitn(11, ' ').nth(10).map(str::to_string));
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORCELAIN: &str = "# branch.oid 9e01b7d0000000000000000000000000000000aa\n# branch.head main\n# branch.upstream origin/main\n# branch.ab +0 -1\n1 .M N... 100644 100644 100644 aaa bbb kubernetes/test/api deployment.yml\n2 R. N... 100644 100644 100644 aaa bbb R100 new.yml\told.yml\n? notes.txt\n";

    #[test]
    fn porcelain_v2() {
        let w = parse_porcelain(PORCELAIN);
        assert_eq!(w.branch.as_deref(), Some("main"));
        assert_eq!(w.ab, Some((0, 1)));
        assert_eq!(w.modified, vec!["kubernetes/test/api deployment.yml", "new.yml"]);
        assert_eq!(w.untracked, vec!["notes.txt"]);
        let d = parse_porcelain("# branch.oid (initial)\n# branch.head (detached)\n");
        assert_eq!((d.branch, d.head), (None, None));
    }
}
