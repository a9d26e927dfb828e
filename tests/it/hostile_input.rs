//! Hostile and unlucky input: links that lead out of the repository, paths that climb out,
//! bytes that are not UTF-8, terminal escapes in commit messages, names that would become
//! git options, absurd nesting, the user's own signing and hooks, a push that times out.
//! Each is refused with the place and the fix, or handled, and nothing is lost.

use crate::common;
use common::Sandbox;

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-test-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: alice/app-api:0.1.0\n";

/// A project with one test manifest, released once (git only), and a feature since.
fn project() -> Sandbox {
    let sb = Sandbox::new();
    sb.commit_file("kubernetes/test/app.yml", DEPLOY, "feat: app");
    sb.tag_and_push("0.1.0");
    sb.commit_file("src/api.py", "print(2)\n", "feat(api): jobs endpoint");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb
}

fn refused_unchanged(sb: &Sandbox, args: &[&str], says: &[&str]) {
    let before = sb.local_state();
    let r = sb.release(args);
    assert_eq!(r.code, 2, "{}", r.all());
    for s in says {
        assert!(r.stderr.contains(s), "missing `{s}` in:\n{}", r.stderr);
    }
    assert_eq!(sb.local_state(), before);
}

#[test]
fn a_symlinked_manifest_or_folder_is_refused_and_nothing_outside_is_written() {
    let sb = project();
    let outside = sb.path("outside.yml");
    std::fs::write(&outside, DEPLOY).unwrap();
    std::fs::remove_file(sb.clone.join("kubernetes/test/app.yml")).unwrap();
    std::os::unix::fs::symlink(&outside, sb.clone.join("kubernetes/test/app.yml")).unwrap();
    sb.git(&sb.clone, &["commit", "-qam", "chore: link"]);
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    refused_unchanged(
        &sb,
        &["minor", "--yes", "--skip-images"],
        &["kubernetes/test/app.yml", "symbolic link"],
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), DEPLOY);

    let sb = project();
    let elsewhere = sb.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("app.yml"), DEPLOY).unwrap();
    sb.git(&sb.clone, &["rm", "-rq", "kubernetes/test"]);
    std::fs::create_dir_all(sb.clone.join("kubernetes")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, sb.clone.join("kubernetes/test")).unwrap();
    sb.git(&sb.clone, &["add", "kubernetes/test"]);
    sb.git(&sb.clone, &["commit", "-qm", "chore: link the folder"]);
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    refused_unchanged(
        &sb,
        &["minor", "--yes", "--skip-images"],
        &["kubernetes/test", "symbolic link"],
    );
    assert_eq!(std::fs::read_to_string(elsewhere.join("app.yml")).unwrap(), DEPLOY);
}

#[test]
fn config_paths_and_names_that_escape_are_refused_before_anything_is_written() {
    for (config, says) in [
        ("changelog:\n  path: ../../x.md\n", "outside the repository"),
        ("environments:\n  test: /tmp\n", "outside the repository"),
        ("remote: \"--upload-pack=touch PWNED\"\n", "must not start with `-`"),
    ] {
        let sb = project();
        sb.commit_file(".release.yml", config, "chore: config");
        sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
        refused_unchanged(&sb, &["minor", "--yes", "--skip-images"], &[".release.yml", says]);
        assert!(!sb.path("x.md").exists() && !sb.clone.join("PWNED").exists());
    }
}

#[test]
fn bytes_that_are_not_utf8_are_never_rewritten() {
    let sb = project();
    let mut bytes = DEPLOY.as_bytes().to_vec();
    bytes.extend_from_slice(b"# caf\xe9 (latin-1)\n");
    std::fs::write(sb.clone.join("kubernetes/test/app.yml"), &bytes).unwrap();
    sb.git(&sb.clone, &["commit", "-qam", "docs: a latin-1 comment"]);
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    refused_unchanged(
        &sb,
        &["minor", "--yes", "--skip-images"],
        &["kubernetes/test/app.yml:11", "not valid UTF-8"],
    );
    assert_eq!(std::fs::read(sb.clone.join("kubernetes/test/app.yml")).unwrap(), bytes);

    let sb = project();
    std::fs::write(sb.clone.join("CHANGELOG.md"), b"# Changelog\n\n- caf\xe9\n").unwrap();
    sb.git(&sb.clone, &["add", "CHANGELOG.md"]);
    sb.git(&sb.clone, &["commit", "-qm", "docs: changelog"]);
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    refused_unchanged(
        &sb,
        &["minor", "--yes", "--skip-images"],
        &["CHANGELOG.md:3", "not valid UTF-8"],
    );
}

#[test]
fn terminal_escapes_in_commit_messages_reach_neither_the_terminal_nor_the_changelog() {
    let sb = project();
    let evil = "feat: \x1b]0;pwned\x07\x1b[2J\rreleased 9.9.9";
    sb.commit_file("src/x.py", "x\n", evil);
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        !r.stderr.contains('\x1b') && !r.stderr.contains('\x07'),
        "{:?}",
        r.stderr
    );
    assert!(r.stderr.contains("\\x1b]0;pwned"), "{}", r.stderr);
    let changelog = std::fs::read_to_string(sb.clone.join("CHANGELOG.md")).unwrap();
    assert!(!changelog.chars().any(|c| c.is_control() && c != '\n'), "{changelog:?}");
}

#[test]
fn absurd_nesting_is_a_clear_error_at_once() {
    let sb = project();
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(sb.clone.join("kubernetes/test/deep.yml"), &deep).unwrap();
    let t = std::time::Instant::now();
    let r = sb.release(&["check"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("kubernetes/test/deep.yml:1") && r.stdout.contains("nested more than 64"),
        "{}",
        r.stdout
    );
    // A guard against a hang, not a benchmark (bench/parse.sh measures).
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn a_large_manifest_of_many_documents_is_checked_and_patched() {
    let sb = project();
    let mut big = String::new();
    for i in 0..20_000 {
        big.push_str(&format!(
            "---\nkind: Deployment\nmetadata:\n  name: w{i}-test\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: alice/app-api:0.1.0\n"
        ));
    }
    std::fs::write(sb.clone.join("kubernetes/test/big.yml"), &big).unwrap();
    sb.git(&sb.clone, &["add", "-A"]);
    sb.git(&sb.clone, &["commit", "-qm", "feat: many workers"]);
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let after = std::fs::read_to_string(sb.clone.join("kubernetes/test/big.yml")).unwrap();
    assert_eq!(after, big.replace("alice/app-api:0.1.0", "alice/app-api:0.2.0"));
}

#[test]
fn a_failing_commit_msg_hook_refuses_and_rolls_back_unless_no_verify() {
    let sb = project();
    let hook = sb.clone.join(".git/hooks/commit-msg");
    std::fs::write(&hook, "#!/bin/sh\necho 'commit-msg: JIRA-123 missing' >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let before = sb.local_state();
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("JIRA-123 missing") && r.stderr.contains("rolled back"),
        "{}",
        r.stderr
    );
    assert_eq!(sb.local_state(), before);
    let r = sb.release(&["minor", "--yes", "--skip-images", "--no-verify"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("0.2.0").is_some());
}

#[test]
fn git_signing_settings_sign_the_release_commit_and_tag() {
    let sb = project();
    let gnupg = sb.path("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&gnupg, std::fs::Permissions::from_mode(0o700)).unwrap();
    let keygen = std::process::Command::new("gpg")
        .env("GNUPGHOME", &gnupg)
        .args([
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            "Test User <test@example.invalid>",
            "ed25519",
            "sign",
            "never",
        ])
        .output()
        .expect("gpg is needed for this test: apt-get install gnupg (.ci/run installs it)");
    assert!(keygen.status.success(), "{}", String::from_utf8_lossy(&keygen.stderr));
    sb.set_env("GNUPGHOME", gnupg.to_str().unwrap());
    sb.git(&sb.clone, &["config", "commit.gpgsign", "true"]);
    sb.git(&sb.clone, &["config", "tag.gpgSign", "true"]);
    sb.git(&sb.clone, &["config", "user.signingkey", "test@example.invalid"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let verify = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(&sb.clone)
            .env("GNUPGHOME", &gnupg)
            .env("HOME", &sb.home)
            .output()
            .unwrap()
    };
    let c = verify(&["verify-commit", "HEAD"]);
    assert!(
        c.status.success(),
        "commit not signed: {}",
        String::from_utf8_lossy(&c.stderr)
    );
    let t = verify(&["verify-tag", "0.2.0"]);
    assert!(
        t.status.success(),
        "tag not signed: {}",
        String::from_utf8_lossy(&t.stderr)
    );
}

#[test]
fn a_push_that_times_out_but_landed_is_reported_as_landed_never_rolled_back() {
    let sb = project();
    let hook = sb.origin.join("hooks/post-receive");
    std::fs::write(&hook, "#!/bin/sh\nsleep 6\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    sb.set_env("RELEASE_NETWORK_TIMEOUT", "2");
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("it landed") && !r.stderr.contains("rolled back"),
        "{}",
        r.stderr
    );
    let head = sb.git(&sb.clone, &["rev-parse", "HEAD"]);
    assert_eq!(sb.origin_tag("0.2.0").as_deref(), Some(head.as_str()));
}
