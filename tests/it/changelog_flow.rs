//! CHANGELOG.md in releases, `release auto` and `release changelog`, on real repositories.

use crate::common;
use common::Sandbox;

fn changelog(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.clone.join("CHANGELOG.md")).unwrap()
}

#[test]
fn release_commit_carries_the_new_section_and_the_tag_points_at_it() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    sb.commit_file("api.py", "1\n", "feat(api): add jobs");
    sb.commit_file("b.py", "1\n", "fix: empty body");
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let text = changelog(&sb);
    assert!(text.contains("## [0.2.0] - "), "{text}");
    assert!(text.contains("### Added\n\n- **api:** add jobs ("), "{text}");
    assert!(text.contains("### Fixed\n\n- empty body ("), "{text}");
    let head = sb.git(&sb.clone, &["rev-parse", "HEAD"]);
    assert_eq!(
        sb.git(&sb.clone, &["log", "-1", "--format=%s"]),
        "chore(release): 0.2.0"
    );
    assert_eq!(sb.origin_tag("0.2.0").as_deref(), Some(head.as_str()));
    // what origin has at the tag is the file we see
    assert_eq!(sb.git(&sb.origin, &["show", "0.2.0:CHANGELOG.md"]), text.trim_end());
    assert_eq!(sb.git(&sb.clone, &["status", "--porcelain"]), "");
}

#[test]
fn hand_edits_and_crlf_survive_byte_for_byte() {
    let sb = Sandbox::new();
    let old = "# Changes\r\n\r\nHand notes  \r\n\r\n## [0.1.0] - 2020-01-01\r\n\r\n- first\r\n";
    sb.commit_file("CHANGELOG.md", old, "docs: changelog");
    sb.tag_and_push("0.1.0");
    sb.commit_file("x", "x\n", "fix: x");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let text = changelog(&sb);
    let start = text.find("## [0.1.1]").unwrap();
    let end = text.find("## [0.1.0]").unwrap();
    let without = format!("{}{}", &text[..start], &text[end..]);
    assert_eq!(without, old, "everything but the new section must stay as it was");
    assert!(!text.replace("\r\n", "").contains('\n'), "mixed line endings");
}

#[test]
fn failed_push_restores_an_existing_changelog_exactly() {
    let sb = Sandbox::new();
    let old = "# Changelog\n\n## [Unreleased]\n\n- hand entry\n\n## [0.1.0] - 2020-01-01\n";
    sb.commit_file("CHANGELOG.md", old, "docs: changelog");
    sb.tag_and_push("0.1.0");
    sb.commit_file("x", "x\n", "feat: x");
    let hook = sb.origin.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let before = sb.state();
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("restored CHANGELOG.md") && r.stderr.contains("moved main back"),
        "{}",
        r.stderr
    );
    assert_eq!(changelog(&sb), old);
    assert_eq!(before, sb.state());
}

#[test]
fn dry_run_shows_the_section() {
    let sb = Sandbox::new();
    sb.commit_file("x", "x\n", "feat(ui): colour");
    let before = sb.local_state();
    let r = sb.release(&["minor", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("write CHANGELOG.md") && r.stderr.contains("- **ui:** colour ("),
        "{}",
        r.stderr
    );
    assert!(!sb.clone.join("CHANGELOG.md").exists());
    assert_eq!(before, sb.local_state());
}

#[test]
fn auto_picks_the_level_and_says_why() {
    let sb = Sandbox::new();
    sb.tag_and_push("1.2.0");
    sb.commit_file("a", "a\n", "fix: a");
    sb.commit_file("b", "b\n", "feat: b");
    let r = sb.release(&["auto", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("auto: minor, because of 1 commit(s) since 1.2.0") && r.stderr.contains("feat: b"),
        "{}",
        r.stderr
    );
    assert!(sb.origin_tag("1.3.0").is_some());
    sb.commit_file("c", "c\n", "refactor!: new config format");
    let r = sb.release(&["auto", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("2.0.0").is_some());
}

#[test]
fn auto_before_1_0_breaking_is_minor() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.3.0");
    sb.commit_file("c", "c\n", "feat(api)!: drop v1");
    let r = sb.release(&["auto", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("before 1.0.0 a breaking change is a minor release"),
        "{}",
        r.stderr
    );
    assert!(sb.origin_tag("0.4.0").is_some());
}

#[test]
fn auto_with_nothing_releasable_refuses_unless_forced() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.3.0");
    sb.commit_file("d", "d\n", "docs: readme");
    sb.commit_file("e", "e\n", "chore: tidy");
    let before = sb.local_state();
    let r = sb.release(&["auto", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("nothing to release")
            && r.stderr.contains("docs: readme")
            && r.stderr.contains("chore: tidy"),
        "{}",
        r.stderr
    );
    assert_eq!(before, sb.local_state());
    let r = sb.release(&["auto", "--force", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("0.3.1").is_some());
}

#[test]
fn configured_types_count() {
    let sb = Sandbox::new();
    sb.commit_file(
        ".release.yml",
        "types:\n  dx: { level: patch, section: Changed }\n",
        "chore: config",
    );
    sb.tag_and_push("1.0.0");
    sb.commit_file("d", "d\n", "dx: better errors");
    let r = sb.release(&["auto", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(changelog(&sb).contains("### Changed\n\n- better errors ("));
}

#[test]
fn full_history_one_section_per_release_with_odd_input() {
    let sb = Sandbox::new(); // "feat: first"
    sb.tag_and_push("0.1.0");
    sb.commit_file("a", "a\n", "fix: a");
    // two tags on one commit: the higher wins
    sb.git(&sb.clone, &["tag", "-a", "0.2.0-rc.1", "-m", "rc"]);
    sb.git(&sb.clone, &["tag", "-a", "0.2.0", "-m", "final"]);
    // a commit with no message, a 1 MB message, a non-UTF-8 message
    std::fs::write(sb.clone.join("n"), "n").unwrap();
    sb.git(&sb.clone, &["add", "n"]);
    sb.git(&sb.clone, &["commit", "-q", "--allow-empty-message", "-m", ""]);
    let big = format!("feat: big\n\n{}", "x".repeat(1 << 20));
    std::fs::write(sb.path("big.txt"), &big).unwrap();
    std::fs::write(sb.clone.join("b"), "b").unwrap();
    sb.git(&sb.clone, &["add", "b"]);
    sb.git(&sb.clone, &["commit", "-q", "-F", sb.path("big.txt").to_str().unwrap()]);
    std::fs::write(sb.path("latin1.txt"), b"fix: caf\xe9 menu\n").unwrap();
    std::fs::write(sb.clone.join("c"), "c").unwrap();
    sb.git(&sb.clone, &["add", "c"]);
    sb.git(
        &sb.clone,
        &[
            "-c",
            "i18n.commitEncoding=latin1",
            "commit",
            "-q",
            "-F",
            sb.path("latin1.txt").to_str().unwrap(),
        ],
    );
    // a tag on a side branch, not an ancestor of HEAD
    sb.git(&sb.clone, &["switch", "-q", "-c", "side", "0.1.0"]);
    sb.commit_file("s", "s\n", "feat: side");
    sb.git(&sb.clone, &["tag", "-a", "0.1.5", "-m", "side"]);
    sb.git(&sb.clone, &["switch", "-q", "main"]);

    let r = sb.release(&["changelog", "--stdout"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let t = &r.stdout;
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("missing {s:?} in\n{t}"));
    assert!(pos("## [Unreleased]") < pos("## [0.2.0] - ") && pos("## [0.2.0] - ") < pos("## [0.1.0] - "));
    assert!(!t.contains("0.2.0-rc.1") && !t.contains("0.1.5"), "{t}");
    assert!(
        r.stderr.contains("0.2.0-rc.1 and 0.2.0 are on the same commit"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("tag 0.1.5 is not in HEAD's history"), "{}", r.stderr);
    // sections hold the right commits
    let unreleased = &t[pos("## [Unreleased]")..pos("## [0.2.0] - ")];
    assert!(
        unreleased.contains("- big (")
            && unreleased.contains("(no message)")
            && unreleased.contains("- caf\u{fffd} menu ("),
        "{unreleased}"
    );
    assert!(t[pos("## [0.2.0] - ")..pos("## [0.1.0] - ")].contains("- a ("));
    assert!(t[pos("## [0.1.0] - ")..].contains("- first ("));
    assert!(t.len() < 10_000, "the 1 MB body must not be copied into the changelog");
    // deterministic
    assert_eq!(sb.release(&["changelog", "--stdout"]).stdout, r.stdout);
    // --unreleased shows only what the next release would say
    let u = sb.release(&["changelog", "--unreleased"]);
    assert!(
        u.stdout.starts_with("## [Unreleased]") && !u.stdout.contains("## [0.2.0]"),
        "{}",
        u.stdout
    );
}

#[test]
fn changelog_writes_the_file_but_never_over_uncommitted_edits() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    let r = sb.release(&["changelog"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(changelog(&sb).contains("## [0.1.0] - "));
    std::fs::write(sb.clone.join("CHANGELOG.md"), "my notes\n").unwrap();
    let r = sb.release(&["changelog"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("uncommitted changes"), "{}", r.stderr);
    assert_eq!(changelog(&sb), "my notes\n");
}

#[test]
fn links_from_a_github_origin() {
    let sb = Sandbox::new();
    sb.tag_and_push("0.1.0");
    sb.commit_file("a", "a\n", "feat: a");
    sb.git(&sb.clone, &["remote", "add", "github", "git@github.com:u/app.git"]);
    sb.commit_file(".release.yml", "remote: origin\n", "chore: cfg");
    // links follow the configured remote's URL: origin is a path here, so no links
    let r = sb.release(&["changelog", "--stdout"]);
    assert!(!r.stdout.contains("]: https://"), "{}", r.stdout);
    sb.commit_file(".release.yml", "remote: github\n", "chore: cfg");
    let r = sb.release(&["changelog", "--stdout"]);
    assert!(
        r.stdout
            .contains("[unreleased]: https://github.com/u/app/compare/0.1.0...HEAD"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("[0.1.0]: https://github.com/u/app/releases/tag/0.1.0"),
        "{}",
        r.stdout
    );
}

#[test]
fn empty_repository_is_refused() {
    let sb = Sandbox::new();
    sb.git(sb.tmp.path(), &["init", "-q", "empty"]);
    let r = sb.release_in(&sb.path("empty"), &["changelog", "--stdout"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no commits yet"), "{}", r.stderr);
}
