use super::*;
use crate::manifests::model::{Env, read_file};

fn env(files: &[(&str, &str)]) -> Env {
    Env {
        name: "test".into(),
        place: crate::manifests::places::Place::folder("kubernetes/test".into()),
        exists: true,
        files: files
            .iter()
            .map(|(p, t)| read_file(PathBuf::from(p), t.to_string()))
            .collect(),
    }
}

fn project() -> ProjectImages {
    ProjectImages::new(
        ["u/api", "u/wrk", "localhost:5000/u/app"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    )
}

const D: &str = "kind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n";

fn patched(text: &str) -> String {
    let e = env(&[("k.yml", text)]);
    let p = plan(&e, &project(), "0.2.0", Options::default()).unwrap();
    p.first()
        .map(|p| p.new_text.clone())
        .unwrap_or_else(|| text.to_string())
}

#[test]
fn only_the_tag_bytes_change_in_every_style() {
    let cases = [
        ("        - image: u/api:0.1.0\n", "        - image: u/api:0.2.0\n"),
        (
            "        - image: 'u/api:0.1.0'   # pinned\n",
            "        - image: 'u/api:0.2.0'   # pinned\n",
        ),
        (
            "        - image: \"u/api:0.1.0\"\r\n",
            "        - image: \"u/api:0.2.0\"\r\n",
        ),
        ("        - image: u/api:0.1.0   \n", "        - image: u/api:0.2.0   \n"),
        ("        - image: u/api:0.1.0", "        - image: u/api:0.2.0"),
        (
            "        - image: localhost:5000/u/app:1.0\n",
            "        - image: localhost:5000/u/app:0.2.0\n",
        ),
        (
            "        - {name: x, image: u/wrk:9}\n",
            "        - {name: x, image: u/wrk:0.2.0}\n",
        ),
    ];
    for (before, after) in cases {
        assert_eq!(patched(&format!("{D}{before}")), format!("{D}{after}"), "{before:?}");
    }
}

#[test]
fn third_party_images_are_never_touched() {
    let t = format!("{D}        - image: redis:7\n        - image: python:3.9\n        - image: u/api:0.1.0\n");
    assert_eq!(
        patched(&t),
        format!("{D}        - image: redis:7\n        - image: python:3.9\n        - image: u/api:0.2.0\n")
    );
}

#[test]
fn stale_digest_dropped_with_a_note() {
    let t = format!("{D}        - image: u/api:0.1.0@sha256:{}\n", "a".repeat(64));
    let e = env(&[("k.yml", &t)]);
    let p = plan(&e, &project(), "0.2.0", Options::default()).unwrap();
    assert_eq!(p[0].new_text, format!("{D}        - image: u/api:0.2.0\n"));
    assert!(p[0].edits[0].note.as_ref().unwrap().contains("digest"));
}

#[test]
fn placeholders_floating_anchors_and_blocks_are_refused() {
    let refused = |t: String, opts: Options| {
        let e = env(&[("k.yml", &t)]);
        plan(&e, &project(), "0.2.0", opts).unwrap_err()
    };
    let r = refused(format!("{D}        - image: u/api:${{TAG}}\n"), Options::default());
    assert!(r[0].message.contains("placeholder") && r[0].line == 8, "{r:?}");
    let r = refused(format!("{D}        - image: u/api:latest\n"), Options::default());
    assert!(r[0].message.contains("--replace-latest"), "{r:?}");
    let r = refused(format!("{D}        - image: u/api\n"), Options::default());
    assert!(r[0].message.contains("no tag"), "{r:?}");
    let r = refused(
        format!("{D}        - image: &i u/api:1\n        - image: *i\n"),
        Options::default(),
    );
    assert_eq!(r.len(), 2, "{r:?}");
    let r = refused(
        format!("{D}        - image: >-\n            u/api:1\n"),
        Options::default(),
    );
    assert!(r[0].message.contains("block scalar"), "{r:?}");
    // with the flag, latest becomes the version
    let e = env(&[("k.yml", &format!("{D}        - image: u/api:latest\n"))]);
    let p = plan(
        &e,
        &project(),
        "0.2.0",
        Options {
            replace_floating: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p[0].new_text, format!("{D}        - image: u/api:0.2.0\n"));
}

#[test]
fn unchanged_files_are_left_out_and_diffs_read_well() {
    let e = env(&[
        ("a.yml", &format!("{D}        - image: u/api:0.2.0\n")),
        ("b.yml", &format!("{D}        - image: u/wrk:0.1.0\n")),
    ]);
    let p = plan(&e, &project(), "0.2.0", Options::default()).unwrap();
    assert_eq!(p.len(), 1);
    let d = diff(&p[0]);
    assert!(
        d.contains("--- a/b.yml")
            && d.contains("-        - image: u/wrk:0.1.0")
            && d.contains("+        - image: u/wrk:0.2.0"),
        "{d}"
    );
}

#[test]
fn verify_catches_a_wrong_edit() {
    let t = format!("{D}        - image: u/api:0.1.0\n        - name: x\n");
    let at = t.find("name: x").unwrap() + 6;
    let bad = Edit {
        line: 9,
        bytes: at..at + 1,
        old: "x".into(),
        new: "y".into(),
        note: None,
    };
    let new = splice(&t, std::slice::from_ref(&bad));
    // an edit that is not on the image value it claims is caught
    let claimed = Edit {
        bytes: t.find("u/api").unwrap()..t.find("u/api").unwrap() + 11,
        ..bad.clone()
    };
    assert!(verify(&t, &new, &[claimed]).is_err());
    assert!(verify(&t, &t, &[]).is_ok());
}

#[test]
fn verify_reads_many_documents_side_by_side_and_names_each_failure() {
    let doc = |i: usize| format!("---\nkind: Deployment\nmetadata:\n  name: a{i}\nspec:\n  image: u/api:0.1.0\n");
    let old: String = (0..50).map(doc).collect();
    let at = old.rfind("0.1.0").unwrap();
    let edit = Edit {
        line: old[..at].lines().count(),
        bytes: at - 6..at + 5,
        old: "u/api:0.1.0".into(),
        new: "u/api:0.2.0".into(),
        note: None,
    };
    let new = splice(&old, std::slice::from_ref(&edit));
    assert!(verify(&old, &new, std::slice::from_ref(&edit)).is_ok());
    let err = |new: &str, edits: &[Edit]| verify(&old, new, edits).unwrap_err().to_string();
    assert!(err(&format!("{new}---\nkind: x\n"), std::slice::from_ref(&edit)).contains("different shape"));
    assert!(
        err(&new.replacen("name: a3", "name: b3", 1), std::slice::from_ref(&edit))
            .contains("`a3` would change to `b3`")
    );
    assert!(err(&old, std::slice::from_ref(&edit)).contains("reads back as `u/api:0.1.0`"));
    let nowhere = Edit { bytes: 0..1, ..edit };
    assert!(err(&old, &[nowhere]).contains("did not land"));
    assert!(err(&format!("{new}\n  bad: [\n"), &[]).contains("does not parse"));
}

#[test]
fn the_configured_image_tag_form_wins_over_the_old_tags_form() {
    let mut p = project();
    assert_eq!(p.tag_for(Some("1.1.0"), "v1.2.0"), "1.2.0");
    p.image_tag = Some("v{version}".into());
    assert_eq!(p.tag_for(Some("1.1.0"), "v1.2.0"), "v1.2.0");
    assert_eq!(p.tag_for(Some("1.1.0"), "1.2.0"), "v1.2.0");
    p.image_tag = Some("{version}-slim".into());
    assert_eq!(p.tag_for(None, "v1.2.0"), "1.2.0-slim");
}
