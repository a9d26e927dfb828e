//! `release major|minor|patch|final` end to end against a real bare origin.

use crate::common;
use common::Sandbox;

#[test]
fn minor_tags_and_pushes_branch_and_tag_to_origin() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    sb.commit_file("api.py", "print(1)\n", "feat(api): jobs endpoint");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("0.1.0 -> 0.2.0"), "{}", r.stderr);
    assert!(r.stderr.contains("feat(api): jobs endpoint"), "{}", r.stderr);
    let head = sb.git(&sb.clone, &["rev-parse", "HEAD"]);
    assert_eq!(sb.origin_tag("0.2.0").as_deref(), Some(head.as_str()));
    // annotated, with a message
    assert_eq!(sb.git(&sb.origin, &["cat-file", "-t", "refs/tags/0.2.0"]), "tag");
    assert_eq!(sb.git(&sb.origin, &["rev-parse", "main"]), head);
}

#[test]
fn first_release_is_0_1_0_whatever_the_level() {
    let sb = Sandbox::new();
    let r = sb.release(&["major", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("0.1.0").is_some());
    assert!(sb.origin_tag("1.0.0").is_none());
}

#[test]
fn unpushed_commits_are_pushed_with_the_tag() {
    let sb = Sandbox::new();
    sb.tag_and_push("v1.4.2");
    sb.commit_file("fix.txt", "x\n", "fix: off by one");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    // prefix follows the existing tags
    let head = sb.git(&sb.clone, &["rev-parse", "HEAD"]);
    assert_eq!(sb.origin_tag("v1.4.3").as_deref(), Some(head.as_str()));
    assert_eq!(sb.git(&sb.origin, &["rev-parse", "main"]), head);
}

#[test]
fn prerelease_then_again_then_final() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    sb.commit_file("a", "a\n", "feat: a");
    assert_eq!(sb.release(&["minor", "--pre", "rc", "--yes"]).code, 0);
    sb.commit_file("b", "b\n", "fix: b");
    assert_eq!(sb.release(&["minor", "--pre", "rc", "--yes"]).code, 0);
    assert!(sb.origin_tag("0.2.0-rc.1").is_some());
    assert!(sb.origin_tag("0.2.0-rc.2").is_some());
    sb.commit_file("c", "c\n", "fix: c");
    let r = sb.release(&["final", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("0.2.0").is_some());
}

#[test]
fn dry_run_changes_nothing_anywhere() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    sb.commit_file("x", "x\n", "feat: x");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let before = sb.state();
    let r = sb.release(&["minor", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("dry run"), "{}", r.stderr);
    assert!(r.stderr.contains("create annotated tag 0.2.0"), "{}", r.stderr);
    assert_eq!(before, sb.state());
}

#[test]
fn without_a_terminal_yes_is_required() {
    let sb = Sandbox::new();
    let before = sb.state();
    let r = sb.release(&["minor"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert_eq!(before, sb.state());
}

#[test]
fn refused_push_rolls_everything_back() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    sb.commit_file("x", "x\n", "feat: x");
    let hook = sb.origin.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'protected: no pushes today' >&2\nexit 1\n").unwrap();
    make_executable(&hook);
    let before = sb.state();
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("protected: no pushes today"), "{}", r.stderr);
    assert!(r.stderr.contains("rolled back"), "{}", r.stderr);
    assert!(r.stderr.contains("deleted local tag 0.2.0"), "{}", r.stderr);
    assert_eq!(before, sb.state());
    assert!(sb.origin_tag("0.2.0").is_none());
}

#[test]
fn push_race_with_another_clone_rolls_back() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    let other = sb.path("kube-2");
    sb.git(sb.tmp.path(), &["clone", "-q", "origin.git", "kube-2"]);
    sb.commit_in(
        &other,
        "kubernetes/test/api.yml",
        "image: u/api:0.1.0\n",
        "fix: yaml on kube-2",
    );
    sb.commit_file("x", "x\n", "feat: x");
    // The clone's own pre-push hook lets kube-2 push first: after release's preflight, before
    // its push reaches origin. A real race, decided by origin.
    let hook = sb.clone.join(".git/hooks/pre-push");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\ngit -C '{}' push -q origin main >&2\n", other.display()),
    )
    .unwrap();
    make_executable(&hook);
    let before = sb.state();
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("rolled back"), "{}", r.stderr);
    assert!(
        sb.origin_tag("0.2.0").is_none(),
        "atomic push must not leave the tag on origin"
    );
    // origin moved (kube-2's commit); the clone itself is exactly as before
    let after = sb.state();
    let strip = |s: &str| s.split("--origin").next().unwrap().to_string() + s.split("--index").nth(1).unwrap();
    assert_eq!(strip(&before), strip(&after));
}

fn make_executable(p: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}
