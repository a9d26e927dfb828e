//! Preflight refuses (exit 2), lists every problem with its fix, and changes nothing.

use crate::common;
use common::Sandbox;

fn refused(sb: &Sandbox, args: &[&str]) -> String {
    let before = sb.local_state();
    let r = sb.release(args);
    assert_eq!(r.code, 2, "expected a refusal: {}", r.all());
    assert_eq!(before, sb.local_state(), "a refusal changed something");
    r.stderr
}

#[test]
fn reports_every_problem_at_once() {
    let sb = Sandbox::new();
    sb.git(&sb.clone, &["switch", "-q", "-c", "feature"]);
    std::fs::write(sb.clone.join("scratch.txt"), "x").unwrap();
    std::fs::write(sb.clone.join("README.md"), "changed\n").unwrap();
    std::fs::write(sb.home.join(".gitconfig"), "[init]\n\tdefaultBranch = main\n").unwrap();
    let e = refused(&sb, &["minor", "--yes"]);
    assert!(e.contains("3 problem(s)"), "{e}");
    assert!(e.contains("branch `feature`") && e.contains("git switch main"), "{e}");
    assert!(
        e.contains("scratch.txt (untracked)") && e.contains("README.md (modified)"),
        "{e}"
    );
    assert!(
        e.contains("user.name") && e.contains("git config --global user.name"),
        "{e}"
    );
}

#[test]
fn detached_head() {
    let sb = Sandbox::new();
    sb.git(&sb.clone, &["checkout", "-q", "--detach"]);
    let e = refused(&sb, &["patch", "--yes"]);
    assert!(e.contains("detached") && e.contains("git switch main"), "{e}");
}

#[test]
fn behind_and_diverged_after_fetch() {
    let sb = Sandbox::new();
    sb.git(sb.tmp.path(), &["clone", "-q", "origin.git", "kube-2"]);
    let k = sb.path("kube-2");
    sb.commit_in(&k, "k.yml", "a: 1\n", "fix: from kube-2");
    sb.git(&k, &["push", "-q", "origin", "main"]);
    let e = refused(&sb, &["patch", "--yes", "--dry-run"]);
    assert!(
        e.contains("1 commit(s) behind origin/main") && e.contains("git pull origin main"),
        "{e}"
    );
    sb.commit_file("isp.txt", "i\n", "feat: from isp");
    let e = refused(&sb, &["patch", "--yes"]);
    assert!(e.contains("diverged") && e.contains("git pull --rebase"), "{e}");
}

#[test]
fn origin_unreachable() {
    let sb = Sandbox::new();
    sb.git(&sb.clone, &["remote", "set-url", "origin", "/nonexistent/repo.git"]);
    let e = refused(&sb, &["minor", "--yes"]);
    assert!(
        e.contains("origin cannot be reached") && e.contains("git remote -v"),
        "{e}"
    );
}

#[test]
fn no_remote_at_all_releases_locally_with_a_note() {
    // Changed on purpose (issue "What users of release tools expect"): a clone without a
    // remote is released locally, and the note says how to publish it later.
    let sb = Sandbox::new();
    sb.git(&sb.clone, &["remote", "remove", "origin"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("no remote `origin`") && r.stderr.contains("git remote add origin"),
        "{}",
        r.stderr
    );
    assert_eq!(sb.git(&sb.clone, &["tag"]), "0.1.0");
    assert!(sb.origin_tag("0.1.0").is_none());
}

#[test]
fn tag_on_origin_but_not_here() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    sb.git(&sb.clone, &["tag", "-d", "0.1.0"]);
    let e = refused(&sb, &["minor", "--yes"]);
    assert!(
        e.contains("release tags this clone lacks: 0.1.0") && e.contains("git fetch --tags origin"),
        "{e}"
    );
}

#[test]
fn new_tag_already_exists_unreachable() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    // 0.2.0 on a side branch: the next minor collides with it.
    sb.git(&sb.clone, &["switch", "-q", "-c", "side"]);
    sb.commit_file("s", "s\n", "feat: side");
    sb.git(&sb.clone, &["tag", "-a", "0.2.0", "-m", "side release"]);
    sb.git(&sb.clone, &["switch", "-q", "main"]);
    let e = refused(&sb, &["minor", "--yes"]);
    assert!(
        e.contains("version 0.2.0 is already released here") && e.contains("does not contain"),
        "{e}"
    );
    // version --explain says why
    let r = sb.release(&["version", "--explain"]);
    assert!(
        r.stdout.contains("0.2.0 is higher but not in this branch's history"),
        "{}",
        r.stdout
    );
}

#[test]
fn shallow_clone_says_how_to_unshallow() {
    let sb = Sandbox::new();
    sb.commit_file("b", "b\n", "feat: b");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let url = format!("file://{}", sb.origin.display());
    sb.git(sb.tmp.path(), &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let dir = sb.path("shallow");
    let r = sb.release_in(&dir, &["minor", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("shallow clone") && r.stderr.contains("git fetch --unshallow"),
        "{}",
        r.stderr
    );
}
