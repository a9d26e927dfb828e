//! Recovery that never lies: every class of fault around `resume` and `abort`, with real
//! git and real processes. A push cut before origin answered is "uncertain" and never
//! rolled back; resume keeps the journal's branch, tag object and options; an undo never
//! overwrites an edit made since; success means everything is back, else the journal stays
//! and the exit code says so; the recovery itself killed at every file step (strace
//! injects SIGKILL) and run again ends exactly as an uninterrupted one would.

use crate::common::{Run, Sandbox, inject, kill_matrix};
use crate::interrupted::{landed_once, leftovers, ready};
use std::path::Path;
use std::time::{Duration, Instant};

const UNCERTAIN: i32 = 4;

/// A release killed (SIGKILL, by the git wrapper) when it asks git to run `at`.
fn killed_at(at: &str) -> (Sandbox, String) {
    let sb = ready();
    let before = sb.local_state();
    inject(&sb, at, "KILL");
    sb.release(&["minor", "--yes", "--skip-images"])
        .exits(-1, &format!("killed at {at}"));
    *sb.path_prefix.borrow_mut() = None;
    (sb, before)
}

fn journal(sb: &Sandbox) -> serde_json::Value {
    let text = std::fs::read_to_string(sb.clone.join(".git/release/in-progress")).expect("a journal");
    serde_json::from_str(&text).unwrap()
}

fn hook(sb: &Sandbox, repo: &Path, name: &str, body: &str) {
    let dir = repo.join(if repo == sb.origin { "hooks" } else { ".git/hooks" });
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn wait_for_origin_tag(sb: &Sandbox, tag: &str, secs: u64) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if sb.origin_tag(tag).is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

#[test]
fn a_cut_push_is_uncertain_never_rolled_back_and_resume_confirms_it() {
    let sb = ready();
    // Origin takes the pack, then thinks for 6 s before it accepts.
    hook(&sb, &sb.origin, "pre-receive", "cat >/dev/null\nsleep 10");
    sb.set_env("RELEASE_NETWORK_TIMEOUT", "2");
    sb.set_env("RELEASE_PUSH_SETTLE", "1");
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    r.exits(UNCERTAIN, "a cut push").says(&["UNCERTAIN", "release resume"]);
    assert!(!r.all().contains("rolled back:"), "{}", r.all());
    assert_eq!(journal(&sb)["uncertain"], true);
    let made = sb.git(&sb.clone, &["rev-parse", "0.1.1^{commit}"]);
    assert_eq!(
        sb.git(&sb.clone, &["rev-parse", "HEAD"]),
        made,
        "the release commit stays"
    );
    let before_abort = sb.local_state();
    sb.release(&["abort"])
        .exits(2, "abort while origin may get it")
        .says(&["may still land", "--force"]);
    assert_eq!(sb.local_state(), before_abort, "a refused abort changes nothing");
    assert!(wait_for_origin_tag(&sb, "0.1.1", 25), "origin completes the cut push");
    sb.release(&["resume"])
        .exits(0, "resume after it landed")
        .says(&["already has 0.1.1"]);
    assert!(leftovers(&sb).is_empty(), "{:?}", leftovers(&sb));
    assert_eq!(sb.origin_tag("0.1.1").as_deref(), Some(made.as_str()));
}

#[test]
fn a_cut_push_that_lands_within_the_settle_time_is_a_release() {
    let sb = ready();
    hook(&sb, &sb.origin, "pre-receive", "cat >/dev/null\nsleep 4");
    sb.set_env("RELEASE_NETWORK_TIMEOUT", "2");
    sb.set_env("RELEASE_PUSH_SETTLE", "15");
    sb.release(&["minor", "--yes", "--skip-images"])
        .exits(0, "landed after the cut")
        .says(&["it landed"]);
    landed_once(&sb, "0.2.0");
}

#[test]
fn a_refused_push_rolls_back_everything() {
    let sb = ready();
    let before = sb.local_state();
    hook(&sb, &sb.origin, "pre-receive", "cat >/dev/null\necho no >&2\nexit 1");
    sb.release(&["minor", "--yes", "--skip-images"])
        .exits(1, "origin said no")
        .says(&["rolled back:"]);
    assert_eq!(sb.local_state(), before);
    assert!(leftovers(&sb).is_empty(), "{:?}", leftovers(&sb));
}

#[test]
fn resume_publishes_on_the_journals_branch_whatever_head_is() {
    let (sb, _) = killed_at("push");
    sb.git(&sb.clone, &["checkout", "-q", "-b", "look"]);
    sb.release(&["resume"]).exits(0, "resume from another branch");
    let released = sb.git(&sb.clone, &["rev-parse", "main"]);
    assert_eq!(sb.git(&sb.origin, &["rev-parse", "main"]), released);
    assert_eq!(sb.origin_tag("0.2.0").as_deref(), Some(released.as_str()));
    assert!(
        sb.git_out(&sb.origin, &["rev-parse", "--verify", "-q", "look"])
            .stdout
            .is_empty(),
        "no branch `look` on origin"
    );
}

#[test]
fn resume_pushes_the_tag_object_the_release_made_not_a_moved_tag() {
    let (sb, _) = killed_at("push");
    let j = journal(&sb);
    let made = j["undo"]
        .as_array()
        .and_then(|u| u.iter().find_map(|u| u["object"].as_str()))
        .expect("the tag object is journaled")
        .to_string();
    sb.git(&sb.clone, &["tag", "-f", "-a", "0.2.0", "-m", "moved", "HEAD~1"]);
    sb.release(&["resume"])
        .exits(0, "resume with a moved tag")
        .says(&["was moved"]);
    assert_eq!(sb.git(&sb.origin, &["rev-parse", "refs/tags/0.2.0"]), made);
    assert_eq!(sb.origin_tag("0.2.0"), Some(sb.git(&sb.clone, &["rev-parse", "main"])));
}

#[test]
fn abort_and_resume_never_overwrite_an_edit_made_after_the_interruption() {
    for cmd in ["abort", "resume"] {
        let (sb, before) = killed_at("commit");
        let file = sb.clone.join("kubernetes/test/app.yml");
        let mut edited = std::fs::read(&file).unwrap();
        edited.extend_from_slice(b"# my edit\n");
        std::fs::write(&file, &edited).unwrap();
        sb.release(&[cmd])
            .exits(UNCERTAIN, &format!("{cmd} finds an edit"))
            .says(&["KEPT", "kubernetes/test/app.yml", "--keep-edits"]);
        assert_eq!(std::fs::read(&file).unwrap(), edited, "{cmd}: the edit stays");
        assert!(
            sb.clone.join(".git/release/in-progress").exists(),
            "{cmd}: the journal stays"
        );
        sb.release(&["abort", "--keep-edits"])
            .exits(0, "abort keeping the edit");
        assert_eq!(std::fs::read(&file).unwrap(), edited, "the edit is still there");
        assert!(leftovers(&sb).is_empty(), "{:?}", leftovers(&sb));
        assert_ne!(before, sb.local_state());
        assert!(
            !std::fs::read_to_string(sb.clone.join("CHANGELOG.md"))
                .unwrap()
                .contains("## [0.2.0]")
        );
    }
}

#[test]
fn stale_git_locks_from_a_killed_process_are_cleared_with_a_note() {
    let (sb, before) = killed_at("tag");
    let g = sb.clone.join(".git");
    std::fs::write(g.join("index.lock"), "").unwrap();
    std::fs::write(g.join("refs/heads/main.lock"), "").unwrap();
    std::fs::write(g.join("refs/tags/0.2.0.lock"), "").unwrap();
    sb.release(&["abort"])
        .exits(0, "abort with stale locks")
        .says(&["index.lock", "main.lock"]);
    assert_eq!(sb.local_state(), before);
    assert!(leftovers(&sb).is_empty(), "{:?}", leftovers(&sb));
}

#[test]
fn an_undo_that_fails_keeps_the_journal_and_says_so() {
    let (sb, before) = killed_at("commit");
    // A lock someone still holds open: the index cannot be reset, so the abort is not done.
    let lock = sb.clone.join(".git/index.lock");
    std::fs::write(&lock, "").unwrap();
    let mut holder = std::process::Command::new("sh")
        .args(["-c", "exec 3<\"$0\"; exec sleep 30", lock.to_str().unwrap()])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let r = sb.release(&["abort"]);
    r.exits(UNCERTAIN, "abort with a held lock")
        .says(&["FAILED", "journal stays"]);
    assert!(!r.all().contains("was taken back"), "{}", r.all());
    assert!(sb.clone.join(".git/release/in-progress").exists());
    holder.kill().unwrap();
    holder.wait().unwrap();
    sb.release(&["abort"]).exits(0, "abort once the holder is gone");
    assert_eq!(sb.local_state(), before);
    assert!(leftovers(&sb).is_empty(), "{:?}", leftovers(&sb));
}

#[test]
fn leftovers_of_a_kill_before_the_journal_and_during_cleanup_are_swept() {
    let sb = ready();
    let tmp = sb.clone.join(".git/release/tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join(".tmpAbC123"), "half").unwrap();
    let backup = sb.clone.join(".git/release/backup");
    std::fs::create_dir_all(&backup).unwrap();
    std::fs::write(backup.join("0"), "old").unwrap();
    sb.release(&["resume"])
        .exits(0, "resume with only leftovers")
        .says(&["nothing to resume"]);
    assert!(leftovers(&sb).is_empty(), "{:?}", leftovers(&sb));
    sb.release(&["minor", "--yes", "--skip-images"])
        .exits(0, "release after the sweep");
    landed_once(&sb, "0.2.0");
}

#[test]
fn a_killed_resume_keeps_the_undo_record_of_the_whole_release() {
    let (sb, before) = killed_at("push");
    std::fs::remove_dir(sb.path("fault-fired")).unwrap();
    inject(&sb, "push", "KILL");
    sb.release(&["resume"]).exits(-1, "resume killed at its push");
    *sb.path_prefix.borrow_mut() = None;
    sb.release(&["abort"]).exits(0, "abort after a killed resume");
    assert_eq!(
        sb.local_state(),
        before,
        "the release commit, tag and files are all taken back"
    );
    assert!(leftovers(&sb).is_empty(), "{:?}", leftovers(&sb));
}

#[test]
fn resume_keeps_the_options_the_release_was_started_with() {
    let sb = ready();
    sb.commit_file(
        "docker/Dockerfile.api",
        "FROM scratch\nCOPY src /src\n",
        "build: api image",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    // No engine here: an image build or push would fail.
    sb.set_env("DOCKER_HOST", "unix:///nonexistent/docker.sock");
    sb.release(&["minor", "--yes", "--skip-images", "--no-push"])
        .exits(0, "a local release");
    assert!(sb.origin_tag("0.2.0").is_none());
    sb.release(&["minor", "--dry-run"])
        .exits(2, "the unpushed release is noticed")
        .says(&["release resume"]);
    sb.release(&["resume"])
        .exits(0, "resume of a --skip-images --no-push release");
    landed_once(&sb, "0.2.0");
}

#[test]
fn ctrl_c_during_a_slow_pre_commit_hook_exits_130_and_rolls_back() {
    let sb = ready();
    let before = sb.local_state();
    hook(&sb, &sb.clone, "pre-commit", "sleep 5");
    let mut cmd = sb.command(&sb.clone, &["minor", "--yes", "--skip-images"]);
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    // The terminal's Ctrl-C: SIGINT to the whole foreground group (the tool, git, the hook).
    let group = format!("-{}", child.id());
    let sent = std::process::Command::new("kill")
        .args(["-s", "INT", "--", &group])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -s INT -- {group}");
    let r = Run::of(child.wait_with_output().unwrap());
    r.exits(130, "Ctrl-C in the hook").says(&["interrupted", "rolled back"]);
    assert_eq!(sb.local_state(), before);
    assert!(leftovers(&sb).is_empty(), "{:?}", leftovers(&sb));
}

#[test]
fn abort_killed_at_every_file_step_then_run_again_restores_every_byte() {
    let fired = kill_matrix(
        || killed_at("commit"),
        &["abort"],
        |sb, before, run, what| {
            if run.code != 0 {
                sb.release(&["abort"]).exits(0, &format!("abort again after {what}"));
            }
            assert_eq!(&sb.local_state(), before, "{what}, then again");
            assert!(leftovers(sb).is_empty(), "{what}: {:?}", leftovers(sb));
        },
    );
    assert!(fired >= 3, "the matrix reached only {fired} kill points");
}

#[test]
fn resume_killed_at_every_file_step_then_run_again_releases_once() {
    let fired = kill_matrix(
        || killed_at("tag"),
        &["resume"],
        |sb, before, run, what| {
            if run.code != 0 {
                let r = sb.release(&["resume"]);
                r.exits(0, &format!("resume again after {what}"));
                if r.all().contains("nothing to resume") && sb.origin_tag("0.2.0").is_none() {
                    // The resumed release was rolled back whole (origin refused, or the kill
                    // came after its rollback removed the journal): then nothing at all is
                    // left, and releasing again releases once.
                    assert_eq!(&sb.local_state(), before, "{what}: nothing to resume, nothing left");
                    sb.release(&["minor", "--yes", "--skip-images"])
                        .exits(0, &format!("release again after {what}"));
                }
                assert!(sb.origin_tag("0.2.0").is_some(), "{what}: {}", r.all());
            }
            landed_once(sb, "0.2.0");
        },
    );
    assert!(fired >= 3, "the matrix reached only {fired} kill points");
}

#[test]
fn a_sparse_checkout_is_named_as_such_not_as_uncommitted_changes() {
    let sb = ready();
    sb.git(&sb.clone, &["sparse-checkout", "set", "--cone", "src"]);
    assert!(
        !sb.clone.join("kubernetes/test/app.yml").exists(),
        "the cone leaves kubernetes/ out"
    );
    let r = sb.release(&["minor", "--dry-run", "--skip-images"]);
    r.exits(2, "a sparse checkout").says(&[
        "sparse checkout",
        "kubernetes/test/app.yml",
        "git sparse-checkout disable",
    ]);
    assert!(!r.all().contains("uncommitted"), "{}", r.all());
    assert!(!r.all().contains("git stash"), "{}", r.all());
}

/// A small tmpfs mounted over the clone (root only, as CI runs), unmounted when dropped.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn under_clone(sb: &Sandbox) -> SmallDisk {
        let aside = sb.path("isp-aside");
        std::fs::rename(&sb.clone, &aside).unwrap();
        std::fs::create_dir(&sb.clone).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs", sb.clone.to_str().unwrap()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "this test mounts a 4 MiB tmpfs and needs root for it (CI runs as root)"
        );
        let disk = SmallDisk(sb.clone.clone());
        let copied = std::process::Command::new("cp")
            .args(["-a", &format!("{}/.", aside.display()), sb.clone.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(copied.success());
        disk
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_mid_release_keeps_the_journal_and_says_what_is_left() {
    let sb = ready();
    let _disk = SmallDisk::under_clone(&sb);
    let before = sb.local_state();
    // The user's pre-commit hook fills the disk, then fails: the rollback has no room.
    hook(
        &sb,
        &sb.clone,
        "pre-commit",
        "dd if=/dev/zero of=\"$(git rev-parse --git-dir)/filler\" bs=64k >/dev/null 2>&1\nexit 1",
    );
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    r.exits(UNCERTAIN, "a full disk")
        .says(&["FAILED", "No space left on device", "journal stays"]);
    assert!(!r.all().contains("everything local was rolled back"), "{}", r.all());
    assert!(sb.clone.join(".git/release/in-progress").exists(), "the journal stays");
    std::fs::remove_file(sb.clone.join(".git/filler")).unwrap();
    std::fs::remove_file(sb.clone.join(".git/hooks/pre-commit")).unwrap();
    sb.release(&["abort"]).exits(0, "abort once there is room");
    assert_eq!(sb.local_state(), before);
    assert!(leftovers(&sb).is_empty(), "{:?}", leftovers(&sb));
}
