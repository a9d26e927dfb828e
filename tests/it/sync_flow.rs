//! `release status` and release's peer checks against real clones: local paths and
//! a real sshd on 127.0.0.1 (`.ci/services start`).

use crate::common;
use common::{Sandbox, ssh_config};
use std::path::Path;
use std::time::Instant;

/// A sandbox whose clone names `kube-2` (at `location`, `{}` = the peer's path) as a peer.
fn with_peer(location: &str) -> (Sandbox, std::path::PathBuf) {
    let sb = Sandbox::new();
    sb.git(&sb.clone, &["config", "release.name", "isp"]);
    let peer = sb.peer("kube-2");
    let loc = location.replace("{}", peer.to_str().unwrap());
    sb.commit_file(
        ".release.yml",
        &format!("clones:\n  kube-2: \"{loc}\"\n"),
        "chore: peers",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb.git(&peer, &["pull", "-q", "origin", "main"]);
    (sb, peer)
}

fn status(sb: &Sandbox, args: &[&str]) -> (i32, String) {
    let mut a = vec!["status"];
    a.extend_from_slice(args);
    let r = sb.release(&a);
    (r.code, r.all())
}

fn row<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no row {name} in\n{out}"))
}

#[test]
fn local_peer_in_sync_then_behind_then_dirty() {
    let (sb, peer) = with_peer("{}");
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        row(&out, "isp (here)").contains("in sync") && row(&out, "kube-2").contains("in sync"),
        "{out}"
    );
    sb.commit_file("a.py", "a\n", "feat: a");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    std::fs::write(peer.join(".release.yml"), "changed: yes\n").unwrap();
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        row(&out, "kube-2").contains("1 behind") && row(&out, "kube-2").contains("1 modified"),
        "{out}"
    );
    assert!(out.contains("kube-2: 1 commit(s) behind GitHub and .release.yml changed there: on kube-2 commit or stash it, then `git pull`."), "{out}");
    let r = sb.release(&["status", "--json"]);
    assert_eq!(r.code, 3);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["in_step"], false);
    assert_eq!(v["copies"][2]["relation"]["state"], "behind");
}

#[test]
fn local_peer_unpushed_and_diverged() {
    let (sb, peer) = with_peer("{}");
    sb.commit_in(&peer, "k.yml", "k\n", "fix: on kube-2 only");
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 3);
    assert!(row(&out, "kube-2").contains("unpushed"), "{out}");
    assert!(out.contains("on kube-2 `git pull --rebase` then `git push`"), "{out}");
    sb.commit_file("i.py", "i\n", "feat: on isp");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb.git(&peer, &["fetch", "-q", "origin"]);
    let (_, out) = status(&sb, &[]);
    assert!(row(&out, "kube-2").contains("diverged +1/-1"), "{out}");
}

#[test]
fn other_branch_detached_and_not_a_repository() {
    let (sb, peer) = with_peer("{}");
    sb.git(&peer, &["switch", "-q", "-c", "yaml-fixes"]);
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 3);
    assert!(
        out.contains("kube-2: on branch yaml-fixes, not main: on kube-2 `git switch main`."),
        "{out}"
    );
    sb.git(&sb.clone, &["checkout", "-q", "--detach"]);
    let (_, out) = status(&sb, &[]);
    assert!(row(&out, "isp (here)").contains("detached"), "{out}");
    sb.git(&sb.clone, &["switch", "-q", "main"]);
    std::fs::remove_dir_all(peer.join(".git")).unwrap();
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 3);
    assert!(row(&out, "kube-2").contains("not a git repository"), "{out}");
}

#[test]
fn origin_unreachable_and_offline() {
    let (sb, _peer) = with_peer("{}");
    sb.git(&sb.clone, &["remote", "set-url", "origin", "/nonexistent/x.git"]);
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(row(&out, "GitHub").contains("unreachable"), "{out}");
    assert!(out.contains("GitHub could not be reached"), "{out}");
    // offline: no network at all, the refs on disk
    let (code, out) = status(&sb, &["--offline"]);
    assert_eq!(code, 0, "{out}");
    assert!(row(&out, "GitHub (last fetch)").contains("main"), "{out}");
}

#[test]
fn a_clone_with_no_upstream() {
    let sb = Sandbox::new();
    let dir = sb.path("fresh");
    sb.git(sb.tmp.path(), &["init", "-q", "-b", "main", "fresh"]);
    sb.git(&dir, &["remote", "add", "origin", sb.origin.to_str().unwrap()]);
    sb.git(&dir, &["fetch", "-q", "origin"]);
    sb.git(&dir, &["reset", "-q", "--hard", "origin/main"]);
    let r = sb.release_in(&dir, &["status"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("in sync"), "{}", r.stdout);
}

#[test]
fn clone_names_with_spaces_are_refused() {
    let sb = Sandbox::new();
    sb.commit_file(".release.yml", "clones:\n  kube 2: /tmp/x\n", "chore: peers");
    let r = sb.release(&["status"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`kube 2` is not a usable clone name"), "{}", r.stderr);
}

#[test]
fn release_warns_about_peer_changes_under_kubernetes() {
    let (sb, peer) = with_peer("{}");
    std::fs::create_dir_all(peer.join("kubernetes/test")).unwrap();
    std::fs::write(peer.join("kubernetes/test/api.yml"), "kind: Service\n").unwrap();
    sb.commit_file("x", "x\n", "feat: x");
    let r = sb.release(&["minor", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("kube-2 has uncommitted changes to kubernetes/test/api.yml"),
        "{}",
        r.stderr
    );
}

// ---- over ssh (a real sshd on 127.0.0.1) ----

#[test]
fn ssh_peer_behind_and_in_sync() {
    let _cfg = ssh_config();
    let (sb, peer) = with_peer("kube-2:{}");
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(row(&out, "kube-2").contains("in sync"), "{out}");
    sb.commit_file("a.py", "a\n", "feat: a");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 3);
    assert!(row(&out, "kube-2").contains("1 behind"), "{out}");
    sb.git(&peer, &["pull", "-q", "origin", "main"]);
    assert_eq!(status(&sb, &[]).0, 0);
}

#[test]
fn ssh_alias_with_proxyjump_and_ssh_url() {
    let _cfg = ssh_config();
    let (sb, _peer) = with_peer("kube-jump:{}");
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 0, "{out}");
    let (sb, _peer) = with_peer("ssh://kube-2/{}");
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn unreachable_and_password_asking_peers_never_hang() {
    let _cfg = ssh_config();
    for host in ["kube-down", "kube-password"] {
        let (sb, _peer) = with_peer(&format!("{host}:{{}}"));
        let t = Instant::now();
        let (code, out) = status(&sb, &[]);
        assert!(t.elapsed().as_secs() < 15, "{host} took {:?}", t.elapsed());
        assert_eq!(code, 3, "{out}");
        assert!(row(&out, "kube-2").contains("unreachable"), "{out}");
        assert!(
            out.contains(&format!("check that `ssh {host} true` works without a password prompt")),
            "{out}"
        );
        // the release itself still works, with a notice
        sb.commit_file("x", "x\n", "feat: x");
        let r = sb.release(&["minor", "--dry-run"]);
        assert_eq!(r.code, 0, "{}", r.all());
        assert!(r.stderr.contains("could not read kube-2"), "{}", r.stderr);
    }
}

#[test]
fn ssh_peer_path_that_is_not_a_repository() {
    let _cfg = ssh_config();
    let sb = Sandbox::new();
    let plain = sb.path("plain");
    std::fs::create_dir_all(&plain).unwrap();
    sb.commit_file(
        ".release.yml",
        &format!("clones:\n  kube-2: kube-2:{}\n", plain.display()),
        "chore: peers",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let (code, out) = status(&sb, &[]);
    assert_eq!(code, 3);
    assert!(row(&out, "kube-2").contains("not a git repository"), "{out}");
    assert!(Path::new(&plain).read_dir().unwrap().next().is_none());
}

#[test]
fn sync_fast_forwards_a_clean_clone_that_is_behind() {
    let (sb, peer) = with_peer("{}");
    sb.commit_file("api.py", "v2\n", "feat: v2");
    sb.tag_and_push("0.2.0");
    let r = sb.release(&["sync"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("kube-2: fetched and fast-forwarded"), "{}", r.stderr);
    let origin_main = sb.git(&sb.origin, &["rev-parse", "main"]);
    assert_eq!(sb.git(&peer, &["rev-parse", "HEAD"]), origin_main);
    assert_eq!(sb.git(&peer, &["tag", "--list", "0.2.0"]), "0.2.0");
    let r = sb.release(&["sync"]);
    assert!(r.stderr.contains("kube-2: in step"), "{}", r.stderr);
}

#[test]
fn sync_leaves_dirty_and_diverged_clones_alone_with_the_commands() {
    let (sb, peer) = with_peer("{}");
    sb.commit_file("api.py", "v2\n", "feat: v2");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    std::fs::write(peer.join("k.yml"), "edited on kube-2\n").unwrap();
    let before = sb.git(&peer, &["rev-parse", "HEAD"]);
    let r = sb.release(&["sync"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stderr.contains("uncommitted changes (k.yml); left alone") && r.stderr.contains("git status"),
        "{}",
        r.stderr
    );
    assert_eq!(sb.git(&peer, &["rev-parse", "HEAD"]), before);
    std::fs::remove_file(peer.join("k.yml")).unwrap();
    sb.commit_in(&peer, "k.yml", "k\n", "fix: on kube-2 only");
    sb.git(&peer, &["fetch", "-q", "origin"]);
    let r = sb.release(&["sync", "--push"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stderr.contains("diverged") && r.stderr.contains("git pull --rebase origin main"),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&sb.release(&["sync", "--json"]).stdout).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["clones"][0]["action"], "manual");
}

#[test]
fn sync_pushes_a_clone_that_is_only_ahead_when_asked() {
    let (sb, peer) = with_peer("{}");
    sb.commit_in(&peer, "k.yml", "k\n", "fix(k8s): nodePort on kube-2");
    let r = sb.release(&["sync"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stderr.contains("release sync --push"), "{}", r.stderr);
    let r = sb.release(&["sync", "--push"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        sb.git(&sb.origin, &["rev-parse", "main"]),
        sb.git(&peer, &["rev-parse", "HEAD"])
    );
}

#[test]
fn sync_over_ssh_fast_forwards_kube_2() {
    let _ = ssh_config();
    let (sb, peer) = with_peer("kube-2:{}");
    sb.commit_file("api.py", "v3\n", "feat: v3");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["sync"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        sb.git(&peer, &["rev-parse", "HEAD"]),
        sb.git(&sb.origin, &["rev-parse", "main"])
    );
}
