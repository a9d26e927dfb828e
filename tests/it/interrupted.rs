//! The fault matrix: a release killed (SIGKILL) or interrupted (SIGINT) at every git step
//! boundary, by a `git` wrapper first on PATH that signals the release the moment it is
//! asked to run that step. Afterwards `release resume` gives origin exactly the intended
//! version on the intended commit, and `release abort` leaves refs, index, work tree and
//! origin as they were, byte for byte. No version is ever skipped; nothing is left over.

use crate::common;
use common::{Run, Sandbox, inject};
use std::path::Path;

/// Released 0.1.0 (git only), then a feature commit on origin: ready for `release minor`.
pub(crate) fn ready() -> Sandbox {
    let sb = Sandbox::new();
    sb.commit_file("kubernetes/test/app.yml", DEPLOY, "feat: app");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    sb.commit_file("src/api.py", "print(2)\n", "feat(api): jobs endpoint");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb
}

pub(crate) const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-test-api\nspec:\n  selector:\n    matchLabels:\n      app: app-test-api\n  template:\n    metadata:\n      labels:\n        app: app-test-api\n    spec:\n      containers:\n        - name: api\n          image: alice/app-api:0.0.1  # pinned\n";

pub(crate) fn leftovers(sb: &Sandbox) -> Vec<String> {
    let git = sb.clone.join(".git");
    let mut found = Vec::new();
    for p in [
        "release/in-progress",
        "release/tmp",
        "release/backup",
        "release/lock",
        "index.lock",
    ] {
        if git.join(p).exists() {
            found.push(p.to_string());
        }
    }
    let tmp = sb.git(&sb.clone, &["status", "--porcelain", "--ignored", "-uall"]);
    found.extend(tmp.lines().filter(|l| l.contains(".tmp")).map(str::to_string));
    found
}

/// Origin has exactly `tag` on its main, which is the local HEAD, a single release commit.
pub(crate) fn landed_once(sb: &Sandbox, tag: &str) {
    let head = sb.git(&sb.clone, &["rev-parse", "HEAD"]);
    assert_eq!(sb.origin_tag(tag).as_deref(), Some(head.as_str()), "{tag} on origin");
    assert_eq!(sb.git(&sb.origin, &["rev-parse", "main"]), head, "origin main");
    let subjects = sb.git(&sb.origin, &["log", "--format=%s", "main"]);
    let n = subjects
        .lines()
        .filter(|s| *s == format!("chore(release): {tag}"))
        .count();
    assert_eq!(n, 1, "one release commit of {tag}:\n{subjects}");
    assert!(sb.origin_tag("0.3.0").is_none(), "no version skipped");
    let changelog = std::fs::read_to_string(sb.clone.join("CHANGELOG.md")).unwrap();
    assert_eq!(changelog.matches(&format!("## [{tag}]")).count(), 1, "{changelog}");
    let manifest = std::fs::read_to_string(sb.clone.join("kubernetes/test/app.yml")).unwrap();
    assert_eq!(manifest, DEPLOY.replace("0.0.1", tag), "only the tag's bytes changed");
    assert_eq!(sb.git(&sb.clone, &["status", "--porcelain"]), "", "clean work tree");
    assert!(leftovers(sb).is_empty(), "left over: {:?}", leftovers(sb));
}

fn interrupted(at: &str, sig: &str) -> (Sandbox, String, Run) {
    let sb = ready();
    let before = sb.local_state();
    inject(&sb, at, sig);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert!(
        Path::new(&sb.path("fault-fired")).exists(),
        "the fault at `{at}` never fired:\n{}",
        r.all()
    );
    (sb, before, r)
}

#[test]
fn killed_at_every_step_then_resumed_releases_the_same_version_once() {
    for at in ["add", "commit", "tag", "push"] {
        let (sb, _, r) = interrupted(at, "KILL");
        assert_eq!(r.code, -1, "killed at {at}: {}", r.all());
        let again = sb.release(&["minor", "--yes", "--skip-images"]);
        assert_eq!(again.code, 2, "{at}: {}", again.all());
        assert!(
            again.stderr.contains("was interrupted") && again.stderr.contains("release resume"),
            "{at}: {}",
            again.stderr
        );
        let res = sb.release(&["resume"]);
        assert_eq!(res.code, 0, "resume after kill at {at}: {}", res.all());
        landed_once(&sb, "0.2.0");
    }
}

#[test]
fn killed_at_every_step_then_aborted_leaves_everything_as_before() {
    for at in ["add", "commit", "tag", "push"] {
        let (sb, before, r) = interrupted(at, "KILL");
        assert_eq!(r.code, -1, "killed at {at}: {}", r.all());
        let res = sb.release(&["abort"]);
        assert_eq!(res.code, 0, "abort after kill at {at}: {}", res.all());
        assert_eq!(sb.local_state(), before, "abort after kill at {at}: {}", res.all());
        assert!(sb.origin_tag("0.2.0").is_none());
        assert!(leftovers(&sb).is_empty(), "{at}: left over: {:?}", leftovers(&sb));
        let again = sb.release(&["minor", "--yes", "--skip-images"]);
        assert_eq!(again.code, 0, "{at}: {}", again.all());
        landed_once(&sb, "0.2.0");
    }
}

#[test]
fn ctrl_c_before_the_push_rolls_back_and_exits_130() {
    for at in ["add", "commit", "tag"] {
        let (sb, before, r) = interrupted(at, "INT");
        assert_eq!(r.code, 130, "INT at {at}: {}", r.all());
        assert!(
            r.stderr.contains("interrupted") && r.stderr.contains("rolled back"),
            "{}",
            r.stderr
        );
        assert_eq!(sb.local_state(), before, "INT at {at}");
        assert!(leftovers(&sb).is_empty(), "{at}: left over: {:?}", leftovers(&sb));
        let res = sb.release(&["resume"]);
        assert!(res.stderr.contains("nothing to resume"), "{}", res.all());
    }
}

#[test]
fn ctrl_c_during_the_push_waits_for_it() {
    let (sb, _, r) = interrupted("push", "INT");
    assert_eq!(r.code, 0, "{}", r.all());
    landed_once(&sb, "0.2.0");
}

/// What an older version (or a hand-made mess) leaves: the release commit and tag, local.
fn leave_an_unpushed_release(sb: &Sandbox) {
    std::fs::write(
        sb.clone.join("CHANGELOG.md"),
        "# Changelog\n\n## [0.2.0] - 2026-01-01\n",
    )
    .unwrap();
    sb.git(&sb.clone, &["commit", "-qam", "chore(release): 0.2.0"]);
    sb.git(&sb.clone, &["tag", "-a", "0.2.0", "-m", "Release 0.2.0"]);
}

#[test]
fn an_unpushed_release_commit_without_journal_is_noticed_and_finished() {
    let sb = ready();
    leave_an_unpushed_release(&sb);
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("stopped before its push"), "{}", r.stderr);
    let res = sb.release(&["resume", "--skip-images"]);
    assert_eq!(res.code, 0, "{}", res.all());
    let head = sb.git(&sb.clone, &["rev-parse", "HEAD"]);
    assert_eq!(sb.origin_tag("0.2.0").as_deref(), Some(head.as_str()));
}

#[test]
fn an_unpushed_release_commit_without_journal_can_be_aborted() {
    let sb = ready();
    let before = sb.local_state();
    leave_an_unpushed_release(&sb);
    let res = sb.release(&["abort"]);
    assert_eq!(res.code, 0, "{}", res.all());
    assert_eq!(sb.local_state(), before);
}

#[test]
fn two_releases_at_once_one_wins_and_origin_tag_is_on_origin_branch() {
    for round in 0..20 {
        let sb = ready();
        inject(&sb, "push", "CONT");
        sb.set_env("FAULT_SLEEP", "1");
        let run = || {
            sb.command(&sb.clone, &["patch", "--yes", "--skip-images"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (run(), run());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let codes = [a.status.code(), b.status.code()];
        let errs = format!(
            "{}\n---\n{}",
            String::from_utf8_lossy(&a.stderr),
            String::from_utf8_lossy(&b.stderr)
        );
        assert!(
            codes.contains(&Some(0)) && codes.contains(&Some(2)),
            "round {round}: {codes:?}\n{errs}"
        );
        assert!(errs.contains("another release is running"), "round {round}: {errs}");
        let tag = sb.origin_tag("0.1.1").expect("the winner's tag");
        assert_eq!(sb.git(&sb.origin, &["rev-parse", "main"]), tag, "round {round}");
        assert!(leftovers(&sb).is_empty(), "round {round}: {:?}", leftovers(&sb));
    }
}
