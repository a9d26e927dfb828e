//! Bad input: a clear error, exit 2, and nothing changed.

use crate::common;
use common::Sandbox;

#[test]
fn not_a_repository() {
    let sb = Sandbox::new();
    let dir = sb.path("plain");
    std::fs::create_dir_all(&dir).unwrap();
    let r = sb.release_in(&dir, &["minor", "--yes"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not inside a git repository"), "{}", r.stderr);
    assert!(
        std::fs::read_dir(&dir).unwrap().next().is_none(),
        "nothing may be created"
    );
}

#[test]
fn empty_repository() {
    let sb = Sandbox::new();
    sb.git(sb.tmp.path(), &["init", "-q", "empty"]);
    let r = sb.release_in(&sb.path("empty"), &["minor", "--yes"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no commits yet") && r.stderr.contains("git commit"),
        "{}",
        r.stderr
    );
}

#[test]
fn malformed_config_names_the_file_and_key() {
    let sb = Sandbox::new();
    sb.commit_file(".release.yml", "tag_prefix: v\nbrnch: main\n", "chore: config");
    let before = sb.state();
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains(".release.yml") && r.stderr.contains("brnch"),
        "{}",
        r.stderr
    );
    assert_eq!(before, sb.state());
    sb.commit_file(".release.yml", "branch: [main\n", "chore: config");
    let r = sb.release(&["version"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(".release.yml") && r.stderr.contains("line"),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_level_is_a_usage_error() {
    let sb = Sandbox::new();
    let r = sb.release(&["mega", "--yes"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unrecognized subcommand 'mega'"), "{}", r.stderr);
}

#[test]
fn invalid_pre_label() {
    let sb = Sandbox::new();
    let before = sb.state();
    let r = sb.release(&["minor", "--pre", "rc.1", "--yes"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`rc.1` is not a valid pre-release label"),
        "{}",
        r.stderr
    );
    assert_eq!(before, sb.state());
}

#[test]
fn only_non_semver_tags_start_at_0_1_0() {
    // A short `1.0` now counts as 1.0.0 when there are no full tags (issue "Real projects as
    // they are"; tests/layouts.rs); tags that are no version at all still start at 0.1.0.
    let sb = Sandbox::new();
    for t in ["latest", "final-project", "nightly"] {
        sb.git(&sb.clone, &["tag", t]);
    }
    let r = sb.release(&["version", "--explain"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("current: none"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("ignored (not semantic versions MAJOR.MINOR.PATCH): final-project, latest, nightly"),
        "{}",
        r.stdout
    );
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("0.1.0").is_some());
}

#[test]
fn final_on_a_stable_version_is_refused() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.3.0");
    let r = sb.release(&["final", "--yes"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a pre-release"), "{}", r.stderr);
}
