//! Property tests for the manifest patcher: for any input it never panics, and whatever it
//! writes differs from the input only inside image values. `PROPTEST_CASES=100000` for a
//! long run.

use kube_release::manifests::model::{Env, read_file};
use kube_release::manifests::patch::{self, ProjectImages};
use proptest::prelude::*;
use std::path::PathBuf;

fn env_of(text: String) -> Env {
    Env {
        name: "test".into(),
        place: kube_release::manifests::places::Place::folder("k".into()),
        exists: true,
        files: vec![read_file(PathBuf::from("k/x.yml"), text)],
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

/// Checks the invariant on one input; returns how many edits were made.
fn invariant(text: String) -> usize {
    let env = env_of(text.clone());
    let opts = patch::Options {
        replace_floating: true,
        ..Default::default()
    };
    let Ok(patches) = patch::plan(&env, &project(), "9.9.9", opts) else {
        return 0;
    };
    let mut n = 0;
    for p in patches {
        assert_eq!(p.old_text, text);
        let mut rebuilt = String::new();
        let mut at = 0;
        for e in &p.edits {
            assert!(at <= e.bytes.start, "overlapping edits");
            rebuilt.push_str(&text[at..e.bytes.start]);
            assert_eq!(&text[e.bytes.clone()], e.old, "edit range is not the old value");
            rebuilt.push_str(&e.new);
            at = e.bytes.end;
            n += 1;
        }
        rebuilt.push_str(&text[at..]);
        assert_eq!(rebuilt, p.new_text, "bytes changed outside image values");
        // and the result re-reads with the new values
        let again = env_of(p.new_text.clone());
        assert!(again.files[0].error.is_none());
    }
    n
}

fn image_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("u/api:0.1.0".to_string()),
        Just("u/wrk:latest".to_string()),
        Just("u/api".to_string()),
        Just("localhost:5000/u/app:1.2.3".to_string()),
        Just(format!("u/api:1.0@sha256:{}", "ab".repeat(32))),
        Just("redis:7".to_string()),
        Just("u/api:${TAG}".to_string()),
        "[a-z/:.0-9@-]{0,20}",
    ]
}

fn quoted(v: String, style: u8) -> String {
    match style {
        0 => v,
        1 => format!("'{v}'"),
        _ => format!("\"{v}\""),
    }
}

fn manifest() -> impl Strategy<Value = String> {
    let container = (
        image_value(),
        0u8..3,
        "[ ]{0,3}",
        prop_oneof![Just(""), Just(" # pinned"), Just("   ")],
    )
        .prop_map(|(v, s, pad, tail)| format!("        - name: c\n          image:{pad} {}{tail}\n", quoted(v, s)));
    let kind = prop_oneof![Just("Deployment"), Just("StatefulSet"), Just("Job"), Just("Service")];
    (
        kind,
        proptest::collection::vec(container, 0..4),
        any::<bool>(),
        any::<bool>(),
        "[#a-z: \n-]{0,30}",
    )
        .prop_map(|(kind, containers, crlf, final_nl, junk)| {
            let mut t = format!(
                "# top\nkind: {kind}\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers:\n{}",
                containers.concat()
            );
            t.push_str(&format!("# {}\n", junk.replace('\n', " ")));
            if crlf {
                t = t.replace('\n', "\r\n");
            }
            if !final_nl {
                t.pop();
            }
            t
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        invariant(text);
    }

    #[test]
    fn yaml_like_text_never_panics(text in "[a-z:\\-\\[\\]{}'\"&*|>#!\\t \\n]{0,200}") {
        invariant(text);
    }

}

/// Runs `check` on `cases` generated inputs; returns how many of them really got an edit,
/// so a generator that never reaches the patching path fails instead of passing.
pub(crate) fn edited_cases<S: Strategy>(strategy: S, check: impl Fn(S::Value) -> usize) -> (usize, u32) {
    use proptest::test_runner::{Config, TestRunner};
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(512);
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    let edited = std::cell::Cell::new(0usize);
    runner
        .run(&strategy, |v| {
            if check(v) > 0 {
                edited.set(edited.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    (edited.get(), cases)
}

#[test]
fn manifests_change_only_inside_image_values() {
    let (edited, cases) = edited_cases(manifest(), invariant);
    assert!(
        edited * 4 > cases as usize,
        "only {edited} of {cases} generated manifests were edited"
    );
}

#[test]
fn multi_document_streams() {
    let (edited, cases) = edited_cases((manifest(), manifest()), |(a, b)| invariant(format!("{a}\n---\n{b}")));
    assert!(
        edited * 4 > cases as usize,
        "only {edited} of {cases} generated streams were edited"
    );
}

#[test]
fn the_generator_does_produce_edits() {
    // Guard against a generator that never reaches the interesting path.
    let t = "kind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: 'u/api:0.1.0' # pinned\r\n";
    assert_eq!(invariant(t.to_string()), 1);
}
