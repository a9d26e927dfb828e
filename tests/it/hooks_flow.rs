//! `release hooks install|uninstall|status` and what the installed hooks say, run by real
//! `git commit`, `git push` and `git pull`.

use crate::common;
use common::Sandbox;
use std::path::Path;

fn install(sb: &Sandbox, dir: &Path) -> String {
    let r = sb.release_in(dir, &["hooks", "install"]);
    assert_eq!(r.code, 0, "{}", r.all());
    r.all()
}

fn exec(p: &Path, text: &str) {
    std::fs::write(p, text).unwrap();
    std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

#[test]
fn install_is_idempotent_and_chains_a_foreign_hook() {
    let sb = Sandbox::new();
    let hooks = sb.clone.join(".git/hooks");
    let marker = sb.path("foreign-ran");
    exec(
        &hooks.join("pre-commit"),
        &format!("#!/bin/sh\necho ran > '{}'\n", marker.display()),
    );
    let out = install(&sb, &sb.clone);
    assert!(out.contains("kept as pre-commit.local"), "{out}");
    let first = std::fs::read(hooks.join("pre-commit")).unwrap();
    let out = install(&sb, &sb.clone);
    assert!(out.contains("updated"), "{out}");
    assert_eq!(first, std::fs::read(hooks.join("pre-commit")).unwrap());
    assert!(hooks.join("pre-commit.local").exists() && !hooks.join("pre-commit.local.local").exists());
    let r = sb.release(&["hooks", "status"]);
    assert!(
        r.stdout.contains("pre-commit  installed, runs pre-commit.local first"),
        "{}",
        r.stdout
    );
    // the foreign hook still runs on a real commit
    sb.commit_file("a", "a\n", "feat: a");
    assert!(marker.exists(), "the chained hook did not run");
    // uninstall puts it back
    let r = sb.release(&["hooks", "uninstall"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        std::fs::read_to_string(hooks.join("pre-commit"))
            .unwrap()
            .contains("foreign-ran")
    );
    assert!(!hooks.join("pre-push").exists() && !hooks.join("pre-commit.local").exists());
}

#[test]
fn a_foreign_hook_with_a_local_beside_it_stops_with_a_message() {
    let sb = Sandbox::new();
    let hooks = sb.clone.join(".git/hooks");
    exec(&hooks.join("pre-push"), "#!/bin/sh\nexit 0\n");
    exec(&hooks.join("pre-push.local"), "#!/bin/sh\nexit 0\n");
    let r = sb.release(&["hooks", "install"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("nowhere to keep it"), "{}", r.stderr);
    assert!(
        !hooks.join("pre-commit").exists(),
        "nothing may be installed after a refusal"
    );
}

#[test]
fn core_hooks_path_and_linked_worktrees_are_honoured() {
    let sb = Sandbox::new();
    sb.git(&sb.clone, &["config", "core.hooksPath", ".githooks"]);
    install(&sb, &sb.clone);
    assert!(sb.clone.join(".githooks/pre-commit").exists());
    assert!(!sb.clone.join(".git/hooks/pre-commit").exists());
    sb.git(&sb.clone, &["config", "--unset", "core.hooksPath"]);
    let wt = sb.path("wt");
    sb.git(
        &sb.clone,
        &["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()],
    );
    install(&sb, &wt);
    assert!(
        sb.clone.join(".git/hooks/pre-commit").exists(),
        "worktrees share the main hooks folder"
    );
}

#[test]
fn pre_commit_warns_when_behind_and_strict_blocks() {
    let sb = Sandbox::new();
    install(&sb, &sb.clone);
    let peer = sb.peer("kube-2");
    sb.commit_in(&peer, "k", "k\n", "fix: from kube-2");
    sb.git(&peer, &["push", "-q", "origin", "main"]);
    sb.git(&sb.clone, &["fetch", "-q", "origin"]);
    std::fs::write(sb.clone.join("b"), "b\n").unwrap();
    sb.git(&sb.clone, &["add", "b"]);
    let out = sb.git_out(&sb.clone, &["commit", "-q", "-m", "feat: b"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("release: this clone is 1 commit(s) behind origin/main") && err.contains("`git pull`"),
        "{err}"
    );
    std::fs::write(sb.clone.join(".release.yml"), "hooks:\n  strict: true\n").unwrap();
    std::fs::write(sb.clone.join("c"), "c\n").unwrap();
    sb.git(&sb.clone, &["add", "c"]);
    let out = sb.git_out(&sb.clone, &["commit", "-q", "-m", "feat: c"]);
    assert!(!out.status.success(), "strict must block");
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopped (hooks: strict"));
}

#[test]
fn pre_commit_without_release_on_path_is_silent() {
    let sb = Sandbox::new();
    install(&sb, &sb.clone);
    std::fs::write(sb.clone.join("b"), "b\n").unwrap();
    sb.git(&sb.clone, &["add", "b"]);
    let out = std::process::Command::new("git")
        .args(["commit", "-q", "-m", "feat: b"])
        .current_dir(&sb.clone)
        .env("HOME", &sb.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn pre_push_warns_about_origin_and_peer_changes() {
    let sb = Sandbox::new();
    let peer = sb.peer("kube-2");
    sb.commit_file(
        ".release.yml",
        &format!("clones:\n  kube-2: {}\n", peer.display()),
        "chore: peers",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb.git(&peer, &["pull", "-q", "origin", "main"]);
    install(&sb, &sb.clone);
    // kube-2 edits the file this push changes, without committing
    std::fs::create_dir_all(peer.join("kubernetes/test")).unwrap();
    std::fs::write(peer.join("kubernetes/test/api.yml"), "image: u/api:9\n").unwrap();
    sb.commit_file("kubernetes/test/api.yml", "image: u/api:1\n", "fix: api image");
    let out = sb.git_out(&sb.clone, &["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("release: kube-2 has uncommitted changes to kubernetes/test/api.yml which this push changes too"),
        "{err}"
    );
    // origin moves on: the hook says the push will be rejected
    sb.git(&peer, &["stash", "-q", "-u"]);
    sb.git(&peer, &["pull", "-q", "origin", "main"]);
    sb.commit_in(&peer, "p", "p\n", "fix: p");
    sb.git(&peer, &["push", "-q", "origin", "main"]);
    sb.commit_file("q", "q\n", "fix: q");
    let out = sb.git_out(&sb.clone, &["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("release: origin has commits on refs/heads/main that this clone lacks"),
        "{err}"
    );
}

#[test]
fn post_merge_says_what_changed_and_which_release_runs() {
    let sb = Sandbox::new();
    let r = sb.release(&["init", "--app", "shop", "--user", "alice"]);
    assert_eq!(r.code, 0);
    sb.git(&sb.clone, &["add", "-A"]);
    sb.git(&sb.clone, &["commit", "-q", "-m", "feat: layout"]);
    sb.tag_and_push("0.1.0");
    let peer = sb.peer("kube-2");
    install(&sb, &peer);
    sb.commit_file("x", "x\n", "feat: x");
    assert_eq!(sb.release(&["minor", "--yes", "--skip-images"]).code, 0);
    // a plain pull of the branch does not bring the new tag: the hook says so
    let out = sb.git_out(&peer, &["pull", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("release: this pull changed kubernetes/test/api-deployment.yml"),
        "{err}"
    );
    assert!(
        err.contains("release: kubernetes/test runs 0.2.0, but this clone has no tag 0.2.0: `git fetch --tags`"),
        "{err}"
    );
    // the course's way: git remote update && git pull
    sb.git(&peer, &["reset", "-q", "--hard", "HEAD~1"]);
    sb.git(&peer, &["remote", "update"]);
    let out = sb.git_out(&peer, &["pull", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("release: kubernetes/test runs 0.2.0, the latest release"),
        "{err}"
    );
    assert!(
        err.contains("release: kubernetes/prod runs 0.0.0; 0.2.0 is released: test it, then `release promote 0.2.0`"),
        "{err}"
    );
}

#[test]
fn post_merge_reads_a_kustomization_without_running_kubectl() {
    let sb = Sandbox::new();
    sb.commit_file("k8s/base/kustomization.yaml", "resources:\n  - d.yaml\n", "feat: base");
    sb.commit_file(
        "k8s/base/d.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: alice/api\n",
        "feat: base",
    );
    for env in ["test", "prod"] {
        sb.commit_file(
            &format!("k8s/overlays/{env}/kustomization.yaml"),
            &format!(
                "resources:\n  - ../../base\nnamePrefix: {env}-\nimages:\n  - name: alice/api\n    newTag: \"0.1.0\"\n"
            ),
            "feat: overlays",
        );
    }
    sb.commit_file(".release.yml", "images:\n  - repository: alice/api\n", "chore: images");
    sb.tag_and_push("0.1.0");
    // A kubectl that says it ran: the hook must not call it.
    let bin = sb.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let ran = sb.path("kubectl-ran");
    std::fs::write(
        bin.join("kubectl"),
        format!("#!/bin/sh\ntouch {}\nexit 1\n", ran.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("kubectl"), std::fs::Permissions::from_mode(0o755)).unwrap();
    *sb.path_prefix.borrow_mut() = Some(bin);
    let r = sb.release(&["hooks", "run", "post-merge"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("release: k8s/overlays/test (kustomize) runs 0.1.0, the latest release"),
        "{}",
        r.all()
    );
    assert!(!ran.exists(), "the post-merge hook ran kubectl");
}
