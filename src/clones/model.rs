//! Pure: where each copy of the repository stands (GitHub, this clone, the peers), what
//! is out of step, and the advice in the course's own words. No I/O here.

use crate::work_tree::WorkTree;
use serde::Serialize;
use std::fmt::Write as _;

/// How a copy's HEAD relates to GitHub's branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Relation {
    InSync,
    Behind {
        commits: usize,
    },
    Ahead {
        commits: usize,
    },
    Diverged {
        ahead: usize,
        behind: usize,
    },
    /// HEAD is a commit GitHub does not have; the count is the copy's own (as of its last fetch).
    Unpushed {
        commits: Option<usize>,
    },
    OtherBranch {
        branch: String,
    },
    Detached,
    /// GitHub has no such branch yet.
    NoOriginBranch,
    Unknown,
}

impl Relation {
    pub fn in_step(&self) -> bool {
        matches!(self, Relation::InSync)
    }

    /// The copy has commits GitHub does not.
    pub fn has_unpushed(&self) -> bool {
        matches!(
            self,
            Relation::Ahead { .. } | Relation::Unpushed { .. } | Relation::Diverged { .. }
        )
    }

    pub fn short(&self) -> String {
        match self {
            Relation::InSync => "in sync".into(),
            Relation::Behind { commits } => format!("{commits} behind"),
            Relation::Ahead { commits } => format!("{commits} ahead"),
            Relation::Diverged { ahead, behind } => format!("diverged +{ahead}/-{behind}"),
            Relation::Unpushed { commits: Some(n) } => format!("{n} unpushed"),
            Relation::Unpushed { commits: None } => "unpushed".into(),
            Relation::OtherBranch { branch } => format!("on {branch}"),
            Relation::Detached => "detached".into(),
            Relation::NoOriginBranch => "not on GitHub".into(),
            Relation::Unknown => "?".into(),
        }
    }
}

/// How to get out of an operation stopped halfway.
fn finish_operation(op: &str) -> Vec<String> {
    match op {
        "bisect" => vec!["git bisect reset   (when the bisect is over)".into()],
        _ => vec![
            "git status   (see where it stopped)".into(),
            format!("git {op} --continue   (after resolving the conflicts), or: git {op} --abort"),
        ],
    }
}

/// How a person reaches a copy, for advice: over ssh to a host, or at a local path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Reach {
    #[default]
    Unknown,
    Ssh(String),
    Path(String),
}

impl Reach {
    /// The command that checks the copy can be reached, and what to fix when it cannot.
    fn check(&self, name: &str) -> String {
        match self {
            Reach::Ssh(host) => format!(
                "check that `ssh {host} true` works without a password prompt, and the path of `{name}` under clones: in .release.yml"
            ),
            Reach::Path(path) => format!(
                "check that {path} is a clone of this project (`git -C {path} status`), or fix the path of `{name}` under clones: in .release.yml"
            ),
            Reach::Unknown => format!("fix the entry of `{name}` under clones: in .release.yml"),
        }
    }
}

/// One row of `release status`.
#[derive(Debug, Clone, Serialize)]
pub struct Copy {
    pub name: String,
    pub here: bool,
    pub is_origin: bool,
    /// Why the copy could not be read, when it could not.
    pub error: Option<String>,
    pub branch: Option<String>,
    pub head: Option<String>,
    pub relation: Relation,
    #[serde(rename = "work_tree")]
    pub work: Option<WorkTree>,
    /// Seconds since the epoch of the last fetch (FETCH_HEAD), if any.
    pub last_fetch: Option<i64>,
    /// Whether the newest release tag is present in that copy.
    pub has_release_tag: Option<bool>,
    /// Read over ssh (else a local path).
    pub via_ssh: bool,
    /// Not asked (`--offline` and the copy is over ssh).
    pub skipped: bool,
    /// How a person reaches it (for advice).
    #[serde(skip)]
    pub reach: Reach,
}

impl Copy {
    pub fn in_step(&self) -> bool {
        if self.is_origin {
            return self.error.is_none();
        }
        if self.skipped {
            return true;
        }
        self.error.is_none()
            && self.relation.in_step()
            && self
                .work
                .as_ref()
                .is_none_or(|w| w.modified.is_empty() && w.untracked.is_empty())
    }
}

fn work_text(w: &WorkTree) -> String {
    match (w.modified.len(), w.untracked.len()) {
        (0, 0) => "clean".into(),
        (m, 0) => format!("{m} modified"),
        (0, u) => format!("{u} untracked"),
        (m, u) => format!("{m} modified, {u} untracked"),
    }
}

/// The table, one row per copy.
pub fn render_table(copies: &[Copy], now: i64, tag: Option<&str>) -> String {
    let mut rows = vec![vec![
        "copy".to_string(),
        "branch".into(),
        "HEAD".into(),
        "vs GitHub".into(),
        "work tree".into(),
        "last fetch".into(),
        format!("has {}", tag.unwrap_or("release")),
    ]];
    for c in copies {
        let name = if c.here {
            format!("{} (here)", c.name)
        } else {
            c.name.clone()
        };
        if c.skipped {
            rows.push(vec![
                name,
                "-".into(),
                "-".into(),
                "not asked (--offline)".into(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        if let Some(e) = &c.error {
            let what = if c.via_ssh || c.is_origin {
                "unreachable"
            } else {
                "not read"
            };
            rows.push(vec![
                name,
                "-".into(),
                "-".into(),
                format!("{what}: {}", first_line(e)),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        let short = c
            .head
            .as_deref()
            .map(|h| h.chars().take(7).collect())
            .unwrap_or_else(|| "-".into());
        rows.push(vec![
            name,
            c.branch.clone().unwrap_or_else(|| "(detached)".into()),
            short,
            if c.is_origin { "-".into() } else { c.relation.short() },
            c.work.as_ref().map_or_else(|| "-".into(), work_text),
            if c.is_origin {
                "-".into()
            } else {
                crate::clock::age(c.last_fetch, now)
            },
            match c.has_release_tag {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => "-".into(),
            },
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut s = String::new();
    for r in rows {
        let line: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(s, "{}", line.join("  ").trim_end());
    }
    s
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// One line of advice per copy out of step, with the commands that fix it.
pub fn advice(copies: &[Copy], branch: &str, tag: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for c in copies {
        if c.is_origin {
            if let Some(e) = &c.error {
                out.push(format!(
                    "GitHub could not be reached ({}): check the network and `git remote -v`.",
                    first_line(e)
                ));
            }
            continue;
        }
        if c.skipped {
            continue;
        }
        let on = if c.here {
            "here".to_string()
        } else {
            format!("on {}", c.name)
        };
        if let Some(e) = &c.error {
            let how = c.reach.check(&c.name);
            out.push(format!("{}: could not be read ({}): {how}.", c.name, first_line(e)));
            continue;
        }
        if let Some(l) = relation_advice(c, &on, branch) {
            out.push(format!("{}: {l}.", c.name));
        }
        if c.has_release_tag == Some(false)
            && let Some(t) = tag
        {
            out.push(format!(
                "{}: does not have release tag {t}: {on} `git fetch --tags`.",
                c.name
            ));
        }
    }
    out
}

/// What a copy that was read should do about where it stands (`on` says where: `here`,
/// `on kube-2`).
fn relation_advice(c: &Copy, on: &str, branch: &str) -> Option<String> {
    let w = c.work.clone().unwrap_or_default();
    let dirty: Vec<&String> = w.changed().collect();
    let dirty_text = match dirty.len() {
        0 => String::new(),
        1 => format!("{} changed there", dirty[0]),
        n => format!("{n} files changed there ({}, ...)", dirty[0]),
    };
    let stash = if dirty.is_empty() {
        ""
    } else {
        "commit or stash it, then "
    };
    match &c.relation {
        Relation::InSync if dirty.is_empty() => None,
        Relation::InSync => Some(format!(
            "{dirty_text}: {on} commit and `git push` it (or `git stash` it)"
        )),
        Relation::Behind { commits } => Some(format!(
            "{commits} commit(s) behind GitHub{}: {on} {stash}`git pull`{}",
            if dirty.is_empty() {
                String::new()
            } else {
                format!(" and {dirty_text}")
            },
            if dirty.is_empty() && !c.here {
                " (or `release sync` from here)"
            } else {
                ""
            }
        )),
        Relation::Ahead { commits } => Some(format!("{commits} commit(s) not on GitHub yet: {on} `git push`")),
        Relation::Unpushed { .. } => Some(format!(
            "commits not on GitHub yet: {on} `git pull --rebase` then `git push`"
        )),
        Relation::Diverged { ahead, behind } => Some(format!(
            "diverged from GitHub ({ahead} local, {behind} remote commits): {on} {stash}`git pull --rebase`, resolve, then `git push`"
        )),
        Relation::OtherBranch { branch: b } => Some(format!("on branch {b}, not {branch}: {on} `git switch {branch}`")),
        Relation::Detached => Some(format!("HEAD is detached: {on} `git switch {branch}`")),
        Relation::NoOriginBranch => Some(format!(
            "GitHub has no branch {branch} yet: {on} `git push -u origin {branch}`"
        )),
        Relation::Unknown => None,
    }
}

/// What `release sync` does for one clone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SyncAction {
    /// In step already.
    Nothing,
    /// Clean and only behind (or missing release tags): fetch with tags, fast-forward.
    FastForward,
    /// Clean and only ahead, and `--push` was given: push its branch.
    Push,
    /// A person decides: why, and the commands to run in that clone.
    Manual { reason: String, commands: Vec<String> },
}

/// By the clone's own count against its upstream (as of its last fetch): ahead, not behind.
fn only_ahead(c: &Copy) -> bool {
    c.work.as_ref().and_then(|w| w.ab).is_some_and(|(a, b)| a > 0 && b == 0)
}

/// Pure: what syncing `c` to GitHub's `branch` on `remote` may do on its own. Never a
/// merge, rebase or stash: anything but a fast-forward (or a push, when asked) is a person's.
pub fn sync_action(c: &Copy, branch: &str, remote: &str, push: bool) -> SyncAction {
    let manual = |reason: String, commands: &[String]| SyncAction::Manual {
        reason,
        commands: commands.to_vec(),
    };
    if let Some(e) = &c.error {
        return manual(
            format!("could not be read ({})", first_line(e)),
            &[c.reach.check(&c.name)],
        );
    }
    if let Some(op) = c.work.as_ref().and_then(|w| w.in_progress.as_deref()) {
        return manual(
            format!("is in the middle of a {op} (stopped halfway)"),
            &finish_operation(op),
        );
    }
    let dirty: Vec<&String> = c.work.iter().flat_map(|w| w.changed()).collect();
    if !dirty.is_empty() {
        let list: Vec<&str> = dirty.iter().take(5).map(|s| s.as_str()).collect();
        return manual(
            format!("has uncommitted changes ({})", list.join(", ")),
            &[
                "git status".into(),
                format!(
                    "git add -A && git commit -m \"...\" && git pull --rebase {remote} {branch} && git push {remote} {branch}   (or git stash)"
                ),
            ],
        );
    }
    let pull = format!("git pull --rebase {remote} {branch}");
    match &c.relation {
        Relation::InSync if c.has_release_tag == Some(false) => SyncAction::FastForward,
        Relation::InSync => SyncAction::Nothing,
        Relation::Behind { .. } => SyncAction::FastForward,
        Relation::Ahead { .. } if push => SyncAction::Push,
        Relation::Ahead { commits } => manual(
            format!("{commits} commit(s) are not on GitHub"),
            &[format!("git push {remote} {branch}   (or: release sync --push)")],
        ),
        Relation::Diverged { ahead, behind } => manual(
            format!("diverged from GitHub ({ahead} local, {behind} remote commits)"),
            &[
                pull,
                "(resolve any conflicts)".into(),
                format!("git push {remote} {branch}"),
            ],
        ),
        // Commits this clone has not seen; by its own count (as of its last fetch) it is only
        // ahead, so a push is a fast-forward or is refused by GitHub, never a loss.
        Relation::Unpushed { .. } if only_ahead(c) && push => SyncAction::Push,
        Relation::Unpushed { .. } if only_ahead(c) => manual(
            "has commits that are not on GitHub".into(),
            &[format!("git push {remote} {branch}   (or: release sync --push)")],
        ),
        Relation::Unpushed { .. } => manual(
            "has commits GitHub does not have".into(),
            &[
                format!("git fetch {remote}"),
                pull,
                format!("git push {remote} {branch}"),
            ],
        ),
        Relation::OtherBranch { branch: b } => manual(format!("is on branch {b}"), &[format!("git switch {branch}")]),
        Relation::Detached => manual("HEAD is detached".into(), &[format!("git switch {branch}")]),
        Relation::NoOriginBranch => manual(
            format!("GitHub has no branch {branch}"),
            &[format!("git push -u {remote} {branch}")],
        ),
        Relation::Unknown => manual(
            "its state is unknown".into(),
            &[format!("git fetch {remote}"), "release sync".into()],
        ),
    }
}

#[cfg(test)]
mod sync_tests {
    use super::*;

    fn copy(relation: Relation, dirty: bool) -> Copy {
        Copy {
            name: "kube-2".into(),
            here: false,
            is_origin: false,
            error: None,
            branch: Some("main".into()),
            head: None,
            relation,
            work: Some(WorkTree {
                modified: if dirty { vec!["k.yml".into()] } else { vec![] },
                ..WorkTree::default()
            }),
            last_fetch: None,
            has_release_tag: Some(true),
            via_ssh: true,
            skipped: false,
            reach: Reach::Unknown,
        }
    }

    #[test]
    fn only_fast_forwards_and_asked_pushes_happen_on_their_own() {
        let act = |r, d, p| sync_action(&copy(r, d), "main", "origin", p);
        assert_eq!(act(Relation::InSync, false, false), SyncAction::Nothing);
        assert_eq!(
            act(Relation::Behind { commits: 2 }, false, false),
            SyncAction::FastForward
        );
        assert_eq!(act(Relation::Ahead { commits: 1 }, false, true), SyncAction::Push);
        for (r, d) in [
            (Relation::Behind { commits: 2 }, true),
            (Relation::Ahead { commits: 1 }, false),
            (Relation::Diverged { ahead: 1, behind: 1 }, false),
            (Relation::OtherBranch { branch: "x".into() }, false),
            (Relation::Detached, false),
        ] {
            assert!(
                matches!(act(r.clone(), d, false), SyncAction::Manual { .. }),
                "{r:?} dirty={d}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(name: &str, relation: Relation, work: WorkTree) -> Copy {
        Copy {
            name: name.into(),
            here: false,
            is_origin: false,
            error: None,
            branch: Some("main".into()),
            head: Some("9e01b7d".into()),
            relation,
            work: Some(work),
            last_fetch: Some(1000),
            has_release_tag: Some(true),
            via_ssh: true,
            skipped: false,
            reach: Reach::Unknown,
        }
    }

    #[test]
    fn the_issue_example() {
        let w = WorkTree {
            modified: vec!["kubernetes/test/api-deployment.yml".into()],
            ..WorkTree::default()
        };
        let c = copy("kube-2", Relation::Behind { commits: 1 }, w);
        assert!(!c.in_step());
        let a = advice(std::slice::from_ref(&c), "main", Some("0.2.0"));
        assert_eq!(
            a,
            vec![
                "kube-2: 1 commit(s) behind GitHub and kubernetes/test/api-deployment.yml changed there: on kube-2 commit or stash it, then `git pull`."
            ]
        );
        let t = render_table(&[c], 1000 + 3 * 3600, Some("0.2.0"));
        assert!(
            t.contains("kube-2  main    9e01b7d  1 behind   1 modified  3 h ago"),
            "{t}"
        );
    }

    #[test]
    fn in_sync_and_clean_needs_no_advice() {
        let c = copy("isp", Relation::InSync, WorkTree::default());
        assert!(c.in_step());
        assert!(advice(&[c], "main", None).is_empty());
    }

    #[test]
    fn every_relation_has_words() {
        for r in [
            Relation::Ahead { commits: 2 },
            Relation::Unpushed { commits: Some(1) },
            Relation::Diverged { ahead: 1, behind: 2 },
            Relation::OtherBranch { branch: "dev".into() },
            Relation::Detached,
            Relation::NoOriginBranch,
        ] {
            let a = advice(&[copy("k", r.clone(), WorkTree::default())], "main", None);
            assert_eq!(a.len(), 1, "{r:?}");
            assert!(a[0].contains('`'), "{a:?}");
        }
        let mut c = copy("k", Relation::Unknown, WorkTree::default());
        c.error = Some("ssh: connect to host 127.0.0.1 port 1: Connection refused".into());
        assert!(advice(&[c], "main", None)[0].contains("could not be read"));
    }
}
