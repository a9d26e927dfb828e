use super::*;
use crate::changelog::commits::parse;

fn e(msg: &str, short: &str) -> Entry {
    entry(&parse(msg), short, 1, &TypeSections::new()).unwrap()
}

fn rel(v: &str, entries: Vec<Entry>) -> Release {
    Release {
        version: Some(v.into()),
        tag: Some(v.into()),
        date: Some("2026-11-27".into()),
        entries,
    }
}

fn gh() -> Forge {
    Forge::from_remote_url("git@github.com:u/app.git").unwrap()
}

#[test]
fn sections_in_order_breaking_first_scope_bold_short_id() {
    let r = rel(
        "0.2.0",
        vec![
            e("fix(api): handle empty body", "aaaaaaa"),
            e("feat: add jobs", "bbbbbbb"),
            e(
                "feat(api)!: drop /v1\n\nBREAKING CHANGE: clients must use /v2",
                "ccccccc",
            ),
            e("perf: faster queue", "ddddddd"),
            e("Revert \"feat: add login\"", "eeeeeee"),
            e("wip: poking around", "fffffff"),
            e("updated readme", "0000000"),
        ],
    );
    let text = render_release(&r);
    let expected = "## [0.2.0] - 2026-11-27

### Added

- **BREAKING** **api:** drop /v1 (ccccccc)
  - clients must use /v2
- add jobs (bbbbbbb)

### Changed

- faster queue (ddddddd)

### Removed

- revert \"feat: add login\" (eeeeeee)

### Fixed

- **api:** handle empty body (aaaaaaa)

### Other

- poking around (fffffff)
- updated readme (0000000)
";
    assert_eq!(text, expected);
}

#[test]
fn bookkeeping_and_merges_are_left_out() {
    assert!(entry(&parse("chore(release): 1.0.0"), "a", 1, &TypeSections::new()).is_none());
    assert!(entry(&parse("Merge branch 'x'"), "a", 2, &TypeSections::new()).is_none());
    assert_eq!(
        entry(&parse(""), "a", 1, &TypeSections::new()).unwrap().text,
        "(no message)"
    );
    let mut extra = TypeSections::new();
    extra.insert("dx".into(), Section::Changed);
    assert_eq!(
        entry(&parse("dx: nicer"), "a", 1, &extra).unwrap().section,
        Section::Changed
    );
}

#[test]
fn forge_urls() {
    for url in [
        "git@github.com:u/app.git",
        "https://github.com/u/app.git",
        "https://github.com/u/app",
        "ssh://git@github.com/u/app.git",
        "https://token@github.com/u/app.git",
    ] {
        assert_eq!(
            Forge::from_remote_url(url).unwrap().base,
            "https://github.com/u/app",
            "{url}"
        );
    }
    assert!(Forge::from_remote_url("/srv/git/app.git").is_none());
    assert!(Forge::from_remote_url("kube-2:~/app").is_none());
    let g = gh();
    assert_eq!(
        g.link_def(Some("0.2.0"), Some("v0.2.0"), Some("v0.1.0")),
        "[0.2.0]: https://github.com/u/app/compare/v0.1.0...v0.2.0"
    );
    assert_eq!(
        g.link_def(Some("0.1.0"), Some("0.1.0"), None),
        "[0.1.0]: https://github.com/u/app/releases/tag/0.1.0"
    );
    assert_eq!(
        g.link_def(None, None, Some("0.2.0")),
        "[unreleased]: https://github.com/u/app/compare/0.2.0...HEAD"
    );
    let gl = Forge::from_remote_url("git@gitlab.com:g/sub/app.git").unwrap();
    assert_eq!(
        gl.link_def(Some("1.0.0"), Some("1.0.0"), Some("0.9.0")),
        "[1.0.0]: https://gitlab.com/g/sub/app/-/compare/0.9.0...1.0.0"
    );
}

#[test]
fn splice_below_unreleased_moves_its_entries_and_keeps_the_rest() {
    let old = "# Changelog\n\nHand-written intro.\n\n## [Unreleased]\n\n### Fixed\n\n- a hand note\n\n### Notes\n\n- careful\n\n## [0.1.0] - 2026-01-01\n\n### Added\n\n- first (1111111)\n\n[unreleased]: https://github.com/u/app/compare/0.1.0...HEAD\n[0.1.0]: https://github.com/u/app/releases/tag/0.1.0\n";
    let r = rel("0.2.0", vec![e("fix: b", "2222222"), e("feat: c", "3333333")]);
    let s = splice(old, &r, Some("0.1.0"), Some(&gh()));
    let expected = "# Changelog\n\nHand-written intro.\n\n## [Unreleased]\n\n## [0.2.0] - 2026-11-27\n\n### Added\n\n- c (3333333)\n\n### Fixed\n\n- b (2222222)\n- a hand note\n\n### Notes\n\n- careful\n\n## [0.1.0] - 2026-01-01\n\n### Added\n\n- first (1111111)\n\n[unreleased]: https://github.com/u/app/compare/0.2.0...HEAD\n[0.2.0]: https://github.com/u/app/compare/0.1.0...0.2.0\n[0.1.0]: https://github.com/u/app/releases/tag/0.1.0\n";
    assert_eq!(s.text, expected);
    assert!(s.warnings.is_empty());
}

#[test]
fn splice_above_newest_release_keeps_every_other_byte() {
    let old = "# Changelog\n\nSome   odd   spacing \n\n## 0.1.0 (hand heading)\n\n* star list\n";
    let r = rel("0.2.0", vec![e("feat: x", "4444444")]);
    let s = splice(old, &r, Some("0.1.0"), None);
    assert_eq!(
        s.text,
        "# Changelog\n\nSome   odd   spacing \n\n## [0.2.0] - 2026-11-27\n\n### Added\n\n- x (4444444)\n\n## 0.1.0 (hand heading)\n\n* star list\n"
    );
    // removing exactly the inserted section gives the original bytes back
    let inserted = "## [0.2.0] - 2026-11-27\n\n### Added\n\n- x (4444444)\n\n";
    assert_eq!(s.text.replacen(inserted, "", 1), old);
}

#[test]
fn splice_keeps_crlf() {
    let old = "# Changelog\r\n\r\n## [0.1.0] - 2026-01-01\r\n\r\n- a\r\n";
    let r = rel("0.2.0", vec![e("fix: y", "5555555")]);
    let s = splice(old, &r, Some("0.1.0"), Some(&gh()));
    assert!(
        !s.text.replace("\r\n", "").contains('\n'),
        "a bare LF slipped in: {:?}",
        s.text
    );
    assert!(s.text.starts_with(
        "# Changelog\r\n\r\n## [0.2.0] - 2026-11-27\r\n\r\n### Fixed\r\n\r\n- y (5555555)\r\n\r\n## [0.1.0]"
    ));
    assert!(
        s.text
            .ends_with("- a\r\n\r\n[0.2.0]: https://github.com/u/app/compare/0.1.0...0.2.0\r\n"),
        "{:?}",
        s.text
    );
}

#[test]
fn splice_without_release_headings_goes_after_title_and_warns() {
    let old = "# My project's changes\nfree text, no final newline";
    let r = rel("0.1.0", vec![e("feat: z", "6666666")]);
    let s = splice(old, &r, None, None);
    assert_eq!(
        s.text,
        "# My project's changes\n\n## [0.1.0] - 2026-11-27\n\n### Added\n\n- z (6666666)\n\nfree text, no final newline"
    );
    assert_eq!(s.warnings.len(), 1);
    let s = splice("", &r, None, None);
    assert!(s.text.starts_with("## [0.1.0]"));
    assert_eq!(s.warnings.len(), 1);
}

#[test]
fn full_file_with_links() {
    let releases = vec![
        Release {
            version: None,
            tag: None,
            date: None,
            entries: vec![e("fix: later", "7777777")],
        },
        rel("0.2.0", vec![e("feat: two", "8888888")]),
        rel("0.1.0", vec![e("feat: one", "9999999")]),
    ];
    let text = render_full(&releases, Some(&gh()));
    assert!(text.starts_with(INTRO));
    assert!(text.contains("\n## [Unreleased]\n\n### Fixed\n\n- later (7777777)\n\n## [0.2.0] - 2026-11-27\n"));
    assert!(text.ends_with("\n[unreleased]: https://github.com/u/app/compare/0.2.0...HEAD\n[0.2.0]: https://github.com/u/app/compare/0.1.0...0.2.0\n[0.1.0]: https://github.com/u/app/releases/tag/0.1.0\n"), "{text}");
}

#[test]
fn dates() {
    assert_eq!(date(0, 0), "1970-01-01");
    assert_eq!(date(951_782_400, 0), "2000-02-29");
    assert_eq!(date(1_795_737_600, 0), "2026-11-27");
    // 23:30 UTC on the 26th is already the 27th at +01:00
    assert_eq!(date(1_795_737_600 - 1_800, 60), "2026-11-27");
    assert_eq!(date(1_795_737_600 - 1_800, 0), "2026-11-26");
    assert_eq!(date(-86_400, 0), "1969-12-31");
}

#[test]
fn control_characters_never_reach_the_file() {
    let m = crate::changelog::commits::parse("feat(a\x1b[2J): x\x1b]0;pwn\x07 released 9.9.9\u{9b}\n");
    let e = entry(&m, "abc1234", 1, &Default::default()).unwrap();
    let r = render_release(&Release {
        version: Some("1.0.0".into()),
        tag: Some("1.0.0".into()),
        date: Some("2026-01-01".into()),
        entries: vec![e],
    });
    assert!(!r.chars().any(|c| c.is_control() && c != '\n'), "{r:?}");
    assert!(r.contains("x]0;pwn released 9.9.9"), "{r}");
}
