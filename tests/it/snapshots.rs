//! What users see, as whole snapshots (insta): the plan, refusals, `status`, `check`,
//! `sync`, `deploy`, `init`, `version --explain`, `notes` and `abort`, in real sandboxes
//! (a bare origin, real clones, the real binary). Commit ids, dates, ages and temporary paths are redacted, so a reviewer reads
//! the text a user reads and a change to it shows up in the diff.

use crate::common;
use common::{Run, Sandbox};

/// Redacts what differs between runs: temporary paths, commit ids, dates and ages.
fn settle(sb: &Sandbox, text: &str) -> String {
    let tmp = sb.tmp.path().to_string_lossy().into_owned();
    let mut s = text.replace(&tmp, "[TMP]");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    if !host.trim().is_empty() {
        s = s.replace(host.trim(), "[HOST]");
    }
    s
}

fn snapshot(name: &str, sb: &Sandbox, r: &Run, which: &str) {
    let text = match which {
        "stdout" => &r.stdout,
        _ => &r.stderr,
    };
    let body = format!("exit: {}\n{}", r.code, settle(sb, text));
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9a-f]{40}\b", "[OID]");
    settings.add_filter(r"\b[0-9a-f]{7,12}\b", "[ID]");
    settings.add_filter(r"\d{4}-\d{2}-\d{2}", "[DATE]");
    settings.add_filter(r"\b\d+ (second|minute|hour|day)s? ago\b", "[AGE]");
    settings.add_filter(r"\bjust now\b", "[AGE]");
    settings.add_filter(r"\bpid \d+", "pid [PID]");
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, body));
}

/// A project with the reference layout, released once as 0.1.0, and one feature since.
fn project() -> Sandbox {
    let sb = Sandbox::new();
    let r = sb.release(&["init", "--app", "shop", "--user", "alice"]);
    assert_eq!(r.code, 0, "{}", r.all());
    sb.git(&sb.clone, &["add", "-A"]);
    sb.git(&sb.clone, &["commit", "-q", "-m", "feat: shop api and worker"]);
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    sb.commit_file("src/api.py", "print('jobs')\n", "feat(api): jobs endpoint");
    sb.commit_file("src/worker.py", "print('w')\n", "fix(worker): retry on timeout");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb
}

#[test]
fn plan_of_a_minor_release() {
    let sb = project();
    let r = sb.release(&["minor", "--dry-run", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    snapshot("plan_minor_dry_run", &sb, &r, "stderr");
}

#[test]
fn version_explained() {
    let sb = project();
    sb.tag_and_push("latest");
    sb.tag_and_push("final-project");
    let r = sb.release(&["version", "--explain"]);
    assert_eq!(r.code, 0, "{}", r.all());
    snapshot("version_explain", &sb, &r, "stdout");
}

#[test]
fn status_with_a_peer_behind_and_dirty() {
    let sb = project();
    let peer = sb.peer("kube-2");
    sb.commit_file(
        ".release.yml",
        "clones:\n  kube-2: ../kube-2\n",
        "chore: kube-2 is a peer",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    std::fs::write(peer.join("kubernetes/test/api-service.yml"), "edited on kube-2\n").unwrap();
    sb.git(&sb.clone, &["config", "release.name", "isp"]);
    let r = sb.release(&["status"]);
    assert_eq!(r.code, 3, "{}", r.all());
    snapshot("status_peer_behind_dirty", &sb, &r, "stdout");
}

#[test]
fn check_finds_what_breaks_a_deployment() {
    let sb = project();
    let svc = std::fs::read_to_string(sb.clone.join("kubernetes/prod/api-service.yml")).unwrap();
    let broken = svc.replace("shop-prod-api", "shop-test-api");
    std::fs::write(sb.clone.join("kubernetes/prod/api-service.yml"), broken).unwrap();
    let r = sb.release(&["check"]);
    assert_eq!(r.code, 1, "{}", r.all());
    snapshot("check_broken_prod_service", &sb, &r, "stdout");
}

#[test]
fn refusal_lists_every_problem_with_its_fix() {
    let sb = project();
    let other = sb.peer("laptop");
    sb.commit_in(&other, "notes.txt", "x\n", "docs: notes");
    sb.git(&other, &["push", "-q", "origin", "main"]);
    std::fs::write(sb.clone.join("scratch.txt"), "wip\n").unwrap();
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    snapshot("refusal_dirty_and_behind", &sb, &r, "stderr");
}

#[test]
fn init_builds_test_from_prod() {
    let sb = project();
    sb.git(&sb.clone, &["rm", "-q", "-r", "kubernetes/test"]);
    sb.git(&sb.clone, &["commit", "-q", "-m", "chore: prod only"]);
    let r = sb.release(&["init"]);
    assert_eq!(r.code, 0, "{}", r.all());
    snapshot("init_adopt_prod", &sb, &r, "stderr");
}

#[test]
fn sync_fast_forwards_a_peer_and_leaves_a_dirty_one() {
    let sb = project();
    let behind = sb.peer("kube-2");
    let dirty = sb.peer("laptop");
    sb.commit_file(
        ".release.yml",
        "clones:\n  kube-2: ../kube-2\n  laptop: ../laptop\n",
        "chore: peers",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    std::fs::write(dirty.join("notes.txt"), "wip\n").unwrap();
    let _ = behind;
    let r = sb.release(&["sync"]);
    assert_eq!(r.code, 3, "{}", r.all());
    snapshot("sync_ff_and_dirty", &sb, &r, "stderr");
}

#[test]
fn notes_of_a_release() {
    let sb = project();
    let r = sb.release(&["notes", "0.1.0"]);
    assert_eq!(r.code, 0, "{}", r.all());
    snapshot("notes_0_1_0", &sb, &r, "stdout");
}

#[test]
fn an_interrupted_release_is_named_with_the_ways_out() {
    let sb = project();
    crate::common::inject(&sb, "tag", "KILL");
    assert_eq!(sb.release(&["minor", "--yes", "--skip-images"]).code, -1);
    *sb.path_prefix.borrow_mut() = None;
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    snapshot("refusal_interrupted_release", &sb, &r, "stderr");
    let r = sb.release(&["abort"]);
    assert_eq!(r.code, 0, "{}", r.all());
    snapshot("abort_takes_it_back", &sb, &r, "stderr");
}

#[test]
fn deploy_refuses_a_clone_that_differs_from_github() {
    let sb = project();
    sb.commit_file("src/api.py", "print('local')\n", "feat(api): not pushed yet");
    std::fs::write(sb.clone.join("scratch.txt"), "wip\n").unwrap();
    let r = sb.release(&["deploy", "test"]);
    assert_eq!(r.code, 2, "{}", r.all());
    snapshot("deploy_clone_differs", &sb, &r, "stderr");
}

#[test]
fn check_renders_kustomize_overlays() {
    let sb = Sandbox::new();
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          image: org/api\n";
    sb.commit_file(
        "k8s/base/kustomization.yaml",
        "resources:\n  - deployment.yaml\n",
        "feat: base",
    );
    sb.commit_file("k8s/base/deployment.yaml", deployment, "feat: base");
    // Neither overlay renames anything, and test names an image no object runs.
    sb.commit_file(
        "k8s/overlays/test/kustomization.yaml",
        "bases:\n  - ../../base\nimages:\n  - name: org/api\n    newTag: \"0.1.0\"\n  - name: org/ap1\n    newTag: IMAGE_TAG\n",
        "feat: test",
    );
    sb.commit_file(
        "k8s/overlays/production/kustomization.yaml",
        "bases:\n  - ../../base\nimages:\n  - name: org/api\n    newTag: \"0.1.0\"\n",
        "feat: prod",
    );
    let r = sb.release(&["check"]);
    assert_eq!(r.code, 1, "{}", r.all());
    snapshot("check_kustomize", &sb, &r, "stdout");
}
