//! Promote, deploy, sync and init tell the truth under faults: a fake `kubectl` first on
//! PATH that fails or stalls at a chosen call, a corrupt deploy record, a peer stopped
//! mid-rebase or holding a clashing tag, init killed (strace SIGKILL) at each file step.

use crate::common::Sandbox;
use std::path::Path;
use std::time::{Duration, Instant};

fn script(sb: &Sandbox, name: &str, body: &str) {
    let dir = sb.path("fault-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    *sb.path_prefix.borrow_mut() = Some(dir);
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-ENV-api\nspec:\n  selector:\n    matchLabels:\n      app: app-ENV-api\n  template:\n    metadata:\n      labels:\n        app: app-ENV-api\n    spec:\n      containers:\n        - name: api\n          image: alice/app-api:0.0.1\n";

/// test and prod manifests, a `deploy:` section, released as 0.1.0 (git only).
fn deployable(extra: &str) -> Sandbox {
    let sb = Sandbox::new();
    for env in ["test", "prod"] {
        sb.commit_file(
            &format!("kubernetes/{env}/api.yml"),
            &DEPLOY.replace("ENV", env),
            "feat: manifests",
        );
    }
    sb.commit_file(
        ".release.yml",
        "deploy:\n  namespace: nowhere\n  timeout: 3\n",
        "chore: deploy",
    );
    if !extra.is_empty() {
        sb.commit_file("kubernetes/test/big.yml", extra, "feat: settings");
    }
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb.release(&["minor", "--yes", "--skip-images"])
        .exits(0, "first release");
    sb
}

#[test]
fn a_corrupt_deploy_record_is_an_error_naming_it_and_is_never_overwritten() {
    let sb = deployable("");
    let record = sb.clone.join(".git/release/deployed.json");
    std::fs::create_dir_all(record.parent().unwrap()).unwrap();
    std::fs::write(&record, "{\"test\": {\"version\": \"0.1.0\", \"comm").unwrap();
    script(&sb, "kubectl", "echo kubectl must not be reached >&2; exit 1");
    for env in ["test", "prod"] {
        sb.release(&["deploy", env]).exits(2, "a corrupt record").says(&[
            "deployed.json",
            "does not parse",
            "nothing overwrites it",
        ]);
    }
    assert_eq!(
        std::fs::read(&record).unwrap(),
        b"{\"test\": {\"version\": \"0.1.0\", \"comm"
    );
}

#[test]
fn an_apply_that_fails_halfway_exits_4_and_the_record_says_failed() {
    let sb = deployable("");
    script(
        &sb,
        "kubectl",
        "case \"$*\" in\n  *dry-run=server*) cat >/dev/null; exit 0 ;;\n  *diff*) cat >/dev/null; exit 0 ;;\n  *apply*) cat >/dev/null; echo 'deployment.apps/app-test-api configured'; echo 'error: the server has asked for the client to provide credentials' >&2; exit 1 ;;\nesac\nexit 1",
    );
    let r = sb.release(&["deploy", "test"]);
    r.exits(4, "a half-applied deploy")
        .says(&["may have changed", "kubectl get deployments,pods"]);
    assert!(!r.all().contains("nothing was changed"), "{}", r.all());
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.clone.join(".git/release/deployed.json")).unwrap()).unwrap();
    assert_eq!(rec["test"]["state"], "failed", "{rec}");
    assert_eq!(rec["test"]["version"], "0.1.0");
    sb.release(&["promote", "--yes", "--skip-images"]).exits(0, "promote");
    sb.release(&["deploy", "prod"])
        .exits(2, "prod after a failed test deploy")
        .says(&["the deploy of 0.1.0 to test failed"]);
}

#[test]
fn a_kubectl_that_stops_reading_is_cut_at_the_deploy_timeout() {
    // More than a pipe holds, so writing it blocks until someone reads.
    let big = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: \"{}\"\n",
        "x".repeat(300_000)
    );
    let sb = deployable(&big);
    script(&sb, "kubectl", "sleep 60");
    let start = Instant::now();
    let r = sb.release(&["deploy", "test"]);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "it took {:?}:\n{}",
        start.elapsed(),
        r.all()
    );
    assert_ne!(r.code, 0, "{}", r.all());
    r.says(&["did not finish within 3 s"]);
}

/// A sandbox whose `.release.yml` names the clone `kube-2` (a local path) as the applier.
fn with_peer() -> (Sandbox, std::path::PathBuf) {
    let sb = Sandbox::new();
    let peer = sb.peer("kube-2");
    sb.commit_file(
        ".release.yml",
        &format!("clones:\n  kube-2: \"{}\"\n", peer.display()),
        "chore: peers",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb.git(&peer, &["pull", "-q", "origin", "main"]);
    (sb, peer)
}

#[test]
fn a_peer_stopped_mid_rebase_is_named_with_the_way_out() {
    let (sb, peer) = with_peer();
    sb.commit_file("notes.txt", "ours\n", "feat: notes");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb.commit_in(&peer, "notes.txt", "theirs\n", "feat: their notes");
    let out = sb.git_out(&peer, &["pull", "--rebase", "-q", "origin", "main"]);
    assert!(!out.status.success(), "the rebase stops on the conflict");
    let r = sb.release(&["sync"]);
    r.says(&[
        "in the middle of a rebase",
        "git rebase --continue",
        "git rebase --abort",
    ]);
    assert!(!r.all().contains("git add -A"), "{}", r.all());
}

#[test]
fn a_tag_clash_on_the_peer_shows_gits_reason() {
    let (sb, peer) = with_peer();
    sb.git(&peer, &["tag", "-a", "0.1.0", "-m", "theirs"]);
    sb.commit_file("a.txt", "a\n", "feat: a");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb.tag_and_push("0.1.0");
    let r = sb.release(&["sync"]);
    assert_ne!(r.code, 0, "{}", r.all());
    r.says(&["0.1.0", "clobber"]);
}

/// What `release init` leaves behind: the files of the project's working tree.
fn tree(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn init_killed_at_every_file_step_then_run_again_writes_every_file_once() {
    let reference = {
        let sb = Sandbox::new();
        sb.commit_file("kubernetes/prod/api.yml", &DEPLOY.replace("ENV", "prod"), "feat: prod");
        sb.release(&["init"]).exits(0, "init with no fault");
        (
            tree(&sb.clone),
            std::fs::read_to_string(sb.clone.join("kubernetes/test/api.yml")).unwrap(),
        )
    };
    let prod_only = || {
        let sb = Sandbox::new();
        sb.commit_file("kubernetes/prod/api.yml", &DEPLOY.replace("ENV", "prod"), "feat: prod");
        (sb, ())
    };
    let fired = crate::common::kill_matrix(prod_only, &["init"], |sb, _, run, what| {
        if run.code != 0 {
            sb.release(&["init"]).exits(0, &format!("init again after {what}"));
        }
        assert_eq!(tree(&sb.clone), reference.0, "{what}");
        let test = std::fs::read_to_string(sb.clone.join("kubernetes/test/api.yml")).unwrap();
        assert_eq!(test, reference.1, "{what}");
        assert!(!sb.clone.join(".git/release/init-in-progress").exists());
    });
    assert!(fired >= 2, "the matrix reached only {fired} kill points");
}

#[test]
fn init_sample_that_cannot_write_a_file_leaves_nothing() {
    let sb = Sandbox::new();
    // A file where init needs a folder: the sample's docker/ files cannot be written.
    sb.commit_file("docker", "not a folder\n", "chore: in the way");
    let before = tree(&sb.clone);
    let r = sb.release(&["init", "--app", "shop", "--user", "alice"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert_eq!(tree(&sb.clone), before, "{}", r.all());
}

#[test]
fn a_killed_promote_whose_push_origin_refuses_is_rolled_back_whole_by_resume() {
    let sb = deployable("");
    let before = sb.local_state();
    crate::common::inject(&sb, "push", "KILL");
    sb.release(&["promote", "--yes", "--skip-images"])
        .exits(-1, "promote killed at its push");
    *sb.path_prefix.borrow_mut() = None;
    let again = sb.release(&["promote", "--yes", "--skip-images"]);
    again
        .exits(2, "a promote in progress")
        .says(&["push the promote commit", "release abort"]);
    assert!(!again.all().contains("git add -A"), "{}", again.all());
    assert!(!again.all().contains("images already pushed"), "{}", again.all());
    let hook = sb.origin.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\ncat >/dev/null\necho no >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    sb.release(&["resume"])
        .exits(1, "origin refuses the promote")
        .says(&["rolled back:"]);
    assert_eq!(sb.local_state(), before, "the whole promote is taken back");
    std::fs::remove_file(&hook).unwrap();
    sb.release(&["promote", "--yes", "--skip-images"])
        .exits(0, "promote again");
    let prod = sb.git(&sb.origin, &["show", "main:kubernetes/prod/api.yml"]);
    assert!(prod.contains("alice/app-api:0.1.0"), "{prod}");
}

#[test]
fn deploy_after_the_applying_clone_fails_to_sync_says_why() {
    let sb = Sandbox::new();
    let peer = sb.peer("kube-2");
    for env in ["test", "prod"] {
        sb.commit_file(
            &format!("kubernetes/{env}/api.yml"),
            &DEPLOY.replace("ENV", env),
            "feat: manifests",
        );
    }
    let config = format!(
        "clones:\n  kube-2: \"{}\"\ndeploy:\n  via: kube-2\n  timeout: 3\n",
        peer.display()
    );
    sb.commit_file(".release.yml", &config, "chore: deploy from kube-2");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    // kube-2 made its own 0.1.0 on another commit.
    sb.git(&peer, &["tag", "-a", "0.1.0", "-m", "theirs"]);
    sb.release(&["minor", "--yes", "--skip-images"])
        .exits(0, "release 0.1.0");
    script(&sb, "kubectl", "echo kubectl must not be reached >&2; exit 1");
    sb.release(&["deploy", "test"])
        .exits(2, "the applying clone cannot be brought to GitHub")
        .says(&[
            "could not be brought to origin/main",
            "0.1.0",
            "clobber",
            "nothing was applied",
        ]);
}

#[test]
fn advice_for_a_local_peer_names_its_path() {
    let sb = Sandbox::new();
    let not_a_clone = sb.path("elsewhere");
    std::fs::create_dir_all(&not_a_clone).unwrap();
    sb.commit_file(
        ".release.yml",
        &format!("clones:\n  kube-2: \"{}\"\n", not_a_clone.display()),
        "chore: peers",
    );
    let r = sb.release(&["status"]);
    r.says(&[&format!("check that {} is a clone", not_a_clone.display())]);
    assert!(!r.all().contains("ssh kube-2"), "{}", r.all());
}

#[test]
fn a_peer_that_switches_branch_during_the_fetch_is_not_fast_forwarded() {
    let (sb, peer) = with_peer();
    sb.commit_file("a.txt", "a\n", "feat: a");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    // The peer's user switches branch while sync fetches.
    let real = crate::common::real_git();
    script(
        &sb,
        "git",
        &format!(
            "if [ \"$1\" = fetch ] && [ ! -e \"{mark}\" ]; then touch \"{mark}\"; {real} checkout -q -b other; fi\nexec {real} \"$@\"",
            mark = sb.path("switched").display()
        ),
    );
    let r = sb.release(&["sync"]);
    assert_ne!(r.code, 0, "{}", r.all());
    r.says(&["the clone is on other, not main"]);
    *sb.path_prefix.borrow_mut() = None;
    let main = sb.git(&peer, &["rev-parse", "main"]);
    let other = sb.git(&peer, &["rev-parse", "other"]);
    assert_eq!(main, other, "neither branch moved");
    assert_ne!(
        main,
        sb.git(&sb.origin, &["rev-parse", "main"]),
        "nothing was fast-forwarded"
    );
}
