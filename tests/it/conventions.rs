//! What users of release tools expect, against real repositories: completions and man
//! pages, -v/-q, --config, explicit versions, --no-push and no remote, release hooks,
//! release notes, one JSON shape per command, and the small things that were broken.

use crate::common;
use common::Sandbox;

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-test-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: alice/app-api:0.1.0\n";

/// Released 0.1.0 (tag on origin) with one manifest, and a feature since.
fn project() -> Sandbox {
    let sb = Sandbox::new();
    sb.commit_file("kubernetes/test/app.yml", DEPLOY, "feat: app");
    sb.tag_and_push("0.1.0");
    sb.commit_file("src/api.py", "print(2)\n", "feat(api): jobs endpoint");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb
}

#[test]
fn completions_for_every_shell_and_man_pages() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = sb.release(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.all());
        assert!(r.stdout.contains("release") && r.stdout.contains("promote"), "{shell}");
    }
    let dir = sb.path("man");
    let r = sb.release(&["man", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.all());
    for page in ["release.1", "release-minor.1", "release-resume.1"] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}: {text}");
    }
    let r = sb.release(&["man"]);
    assert!(r.stdout.contains(".TH release"), "{}", r.stdout);
}

#[test]
fn quiet_says_only_the_final_line_and_verbose_shows_every_git_call() {
    let sb = project();
    let r = sb.release(&["minor", "--yes", "--skip-images", "-q"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("done: released 0.2.0"), "{}", r.stderr);
    sb.commit_file("src/x.py", "x\n", "fix: x");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["patch", "--yes", "--skip-images", "-v"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("+ git push --atomic") && r.stderr.contains("+ git commit"),
        "{}",
        r.stderr
    );
}

#[test]
fn config_from_a_flag_or_the_environment() {
    let sb = project();
    let other = sb.path("other.yml");
    std::fs::write(&other, "tag_prefix: v\n").unwrap();
    let r = sb.release(&["version", "--config", other.to_str().unwrap()]);
    assert!(r.stdout.contains("minor:   v0.2.0"), "{}", r.all());
    sb.set_env("RELEASE_CONFIG", other.to_str().unwrap());
    let r = sb.release(&["version"]);
    assert!(r.stdout.contains("minor:   v0.2.0"), "{}", r.all());
    let r = sb.release(&["version", "--config", "/nonexistent.yml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent.yml"), "{}", r.stderr);
}

#[test]
fn explicit_versions_and_auto_pre_releases() {
    let sb = project();
    let r = sb.release(&["0.0.9", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    let r = sb.release(&["banana"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("neither a command nor a version"), "{}", r.stderr);
    let r = sb.release(&["mionr"]);
    assert!(r.stderr.contains("similar command exists: 'minor'"), "{}", r.stderr);
    let r = sb.release(&["auto", "--pre", "rc", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("0.2.0-rc.1").is_some());
    let r = sb.release(&["2.0.0", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let head = sb.git(&sb.clone, &["rev-parse", "HEAD"]);
    assert_eq!(sb.origin_tag("2.0.0").as_deref(), Some(head.as_str()));
    let r = sb.release(&["set", "v2.1.0", "--dry-run", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("2.0.0 -> 2.1.0"), "{}", r.stderr);
}

#[test]
fn no_push_keeps_it_local_and_resume_publishes_it() {
    let sb = project();
    let r = sb.release(&["minor", "--yes", "--skip-images", "--no-push"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("release resume"), "{}", r.stderr);
    assert!(sb.origin_tag("0.2.0").is_none());
    assert_eq!(sb.git(&sb.clone, &["tag", "--list", "0.2.0"]), "0.2.0");
    let r = sb.release(&["resume", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("0.2.0").is_some());
}

#[test]
fn a_repository_without_a_remote_releases_locally() {
    let sb = Sandbox::new();
    let local = sb.path("local");
    sb.git(sb.tmp.path(), &["init", "-q", "-b", "main", "local"]);
    sb.commit_in(&local, "a.txt", "a\n", "feat: first");
    let r = sb.release_in(&local, &["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("no remote `origin`"), "{}", r.stderr);
    assert_eq!(sb.git(&local, &["tag"]), "0.1.0");
    let r = sb.release_in(&local, &["status"]);
    assert!(
        r.stdout.contains("git remote add origin") && !r.stdout.contains("push -u origin main`."),
        "{}",
        r.stdout
    );
}

#[test]
fn release_hooks_run_around_it_and_a_failing_pre_hook_changes_nothing() {
    let sb = project();
    let log = sb.home.join("hooks.log");
    let config = format!(
        "hooks:\n  pre_release:\n    - echo \"pre $RELEASE_VERSION $RELEASE_TAG $RELEASE_PREVIOUS\" >> {l}\n  post_release:\n    - echo \"post $RELEASE_TAG\" >> {l}\n    - echo 'deploy failed' >&2; exit 4\n",
        l = log.display()
    );
    sb.commit_file(".release.yml", &config, "chore: hooks");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--dry-run", "--skip-images"]);
    assert!(
        r.stderr.contains("before: sh -c") && r.stderr.contains("after: sh -c"),
        "{}",
        r.stderr
    );
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "pre 0.2.0 0.2.0 0.1.0\npost 0.2.0\n"
    );
    assert!(
        r.stderr.contains("a post hook failed") && r.stderr.contains("deploy failed"),
        "{}",
        r.stderr
    );

    sb.commit_file(
        ".release.yml",
        "hooks:\n  pre_release:\n    - echo 'tests failed' >&2; exit 3\n",
        "chore: failing hook",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let before = sb.local_state();
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("tests failed") && r.stderr.contains("exit 3"),
        "{}",
        r.stderr
    );
    assert_eq!(sb.local_state(), before);
    let r = sb.release(&["patch", "--yes", "--skip-images", "--no-verify"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn release_notes_print_one_section_without_its_heading() {
    let sb = project();
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["notes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.starts_with("### Added") && r.stdout.contains("jobs endpoint"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("## ["), "{}", r.stdout);
    let r = sb.release(&["notes", "0.1.0"]);
    assert!(r.stdout.contains("app"), "{}", r.all());
    let r = sb.release(&["notes", "9.9.9"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no release 9.9.9") && r.stderr.contains("0.2.0"),
        "{}",
        r.stderr
    );
}

#[test]
fn every_json_output_parses_with_a_schema_key() {
    let sb = project();
    for args in [&["version", "--json"][..], &["status", "--json"], &["check", "--json"]] {
        let r = sb.release(args);
        let v: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", r.stdout));
        assert_eq!(v["schema"], 1, "{args:?}");
    }
    let v: serde_json::Value = serde_json::from_str(&sb.release(&["status", "--json"]).stdout).unwrap();
    assert!(
        v["copies"][1]["work_tree"].is_object() && v["copies"][1].get("work").is_none(),
        "{v}"
    );
    let v: serde_json::Value = serde_json::from_str(&sb.release(&["check", "--json"]).stdout).unwrap();
    // A missing environment is about the folder as a whole: a place, no line.
    assert_eq!(v["findings"][0]["at"]["place"], "kubernetes/prod", "{v}");
    assert_eq!(v["findings"][0]["severity"], "warning", "{v}");
}

#[test]
fn the_small_things_that_were_broken() {
    let sb = project();
    let r = sb.release(&["-C", "/does/not/exist", "version"]);
    assert!(r.stderr.contains("/does/not/exist does not exist"), "{}", r.stderr);
    let r = sb.release(&["version", "--version"]);
    assert_eq!(r.stdout.trim(), format!("release {}", env!("CARGO_PKG_VERSION")));
    let empty = sb.path("empty");
    sb.git(sb.tmp.path(), &["init", "-q", "empty"]);
    let r = sb.release_in(&empty, &["version"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("no commits yet") && r.stdout.contains("0.1.0"),
        "{}",
        r.stdout
    );
    let r = sb.release_in(&empty, &["check"]);
    assert_eq!(r.code, 2, "{}", r.all());
    let r = sb.release_in(&empty, &["init", "--app", "shop"]);
    assert_eq!(r.code, 2, "init needs --user: {}", r.all());
    assert!(r.stderr.contains("--user"), "{}", r.stderr);
    // Higher tags on another branch: one note, not one each.
    sb.git(&sb.clone, &["switch", "-q", "-c", "old"]);
    for t in ["5.0.0", "6.0.0", "7.0.0"] {
        sb.commit_file(&format!("{t}.txt"), "x\n", "chore: old line");
        sb.git(&sb.clone, &["tag", t]);
    }
    sb.git(&sb.clone, &["switch", "-q", "main"]);
    let r = sb.release(&["minor", "--dry-run", "--skip-images"]);
    assert_eq!(
        r.stderr.matches("higher than the current version").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("5.0.0, 6.0.0, 7.0.0") || r.stderr.contains("7.0.0, 6.0.0, 5.0.0"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_pinned_floating_tag_is_said_once_and_promote_commits_are_not_changes() {
    let sb = Sandbox::new();
    sb.commit_file(
        "kubernetes/test/app.yml",
        &DEPLOY.replace("0.1.0", "latest"),
        "feat: app",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--dry-run", "--skip-images", "--replace-latest"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let mentions = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("note: kubernetes/test/app.yml:10"))
        .count();
    assert_eq!(mentions, 1, "{}", r.stderr);
    sb.commit_file("x.txt", "x\n", "chore(deploy): promote 0.1.0 to prod");
    let r = sb.release(&["changelog", "--unreleased"]);
    assert!(!r.stdout.contains("promote 0.1.0"), "{}", r.stdout);
}
