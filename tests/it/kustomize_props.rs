//! Property tests for the kustomization editor: for any `images:` list (indented by 2 or 4
//! or at column 0, tags plain or quoted, comments, `newName` and `digest` entries, CRLF),
//! setting a tag changes only the wanted entries' lines, keeps every other entry as it
//! was, and reads back with the new tag. `PROPTEST_CASES=100000` for a long run.

use kube_release::manifests::kustomize::{self, Want};
use proptest::prelude::*;

const NAMES: [&str; 4] = ["org/api", "org/api/migrations", "redis", "org/wrk"];

fn entry() -> impl Strategy<Value = (usize, bool, Option<(u8, &'static str)>, bool, &'static str)> {
    (
        0..NAMES.len(),
        any::<bool>(),
        proptest::option::of((
            0u8..3,
            prop_oneof![Just("0.1.0"), Just("v0.1.0"), Just("1.0"), Just("latest")],
        )),
        any::<bool>(),
        prop_oneof![Just(""), Just("  # pinned"), Just(" ")],
    )
}

fn kustomization() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just(0usize), Just(2), Just(4)],
        proptest::collection::vec(entry(), 0..4),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(dash, entries, prefix, crlf, images_key)| {
            let pad = " ".repeat(dash);
            let mut t = String::from("# overlay\nresources:\n  - ../../base\n");
            if images_key {
                t.push_str("images:\n");
                for (n, new_name, tag, digest, tail) in entries {
                    t.push_str(&format!("{pad}- name: {}{tail}\n", NAMES[n]));
                    if new_name {
                        t.push_str(&format!("{pad}  newName: reg.example.com/{}\n", NAMES[n]));
                    }
                    if let Some((style, v)) = tag {
                        let v = match style {
                            0 => v.to_string(),
                            1 => format!("'{v}'"),
                            _ => format!("\"{v}\""),
                        };
                        t.push_str(&format!("{pad}  newTag: {v}{tail}\n"));
                    }
                    if digest {
                        t.push_str(&format!("{pad}  digest: sha256:{}\n", "ab".repeat(32)));
                    }
                }
            }
            if prefix {
                t.push_str("namePrefix: prod-\n");
            }
            if crlf {
                t = t.replace('\n', "\r\n");
            }
            t
        })
}

/// (name, newName, newTag, digest) of an entry.
type Said = (String, Option<String>, Option<String>, Option<String>);

/// What every entry says.
fn entries(text: &str) -> Vec<Said> {
    let images = kustomize::images(text).expect("re-reads");
    images
        .entries
        .iter()
        .map(|e| {
            (
                e.name.clone(),
                e.new_name.clone(),
                e.new_tag.as_ref().map(|s| s.value.clone()),
                e.digest.as_ref().map(|s| s.value.clone()),
            )
        })
        .collect()
}

/// Checks the invariant on one kustomization; returns whether it was edited.
fn invariant(text: String) -> bool {
    let Ok(images) = kustomize::images(&text) else {
        return false;
    };
    let want = Want {
        repository: "org/api".into(),
        tag: "9.9.9".into(),
        digest: None,
    };
    let (out, changes) = kustomize::set(&text, &images, std::slice::from_ref(&want));
    let (before, after) = (entries(&text), entries(&out));
    let is_api = |e: &Said| e.0 == "org/api" || e.1.as_deref() == Some("org/api");
    // The wanted image has its tag, and no digest that would override it.
    let api: Vec<_> = after.iter().filter(|e| is_api(e)).collect();
    assert!(!api.is_empty(), "{out}");
    let first = api[0];
    assert_eq!((first.2.as_deref(), first.3.as_deref()), (Some("9.9.9"), None), "{out}");
    // Every other entry is exactly as it was, in its order.
    let others = |v: &[Said]| {
        let first_api = v.iter().position(is_api);
        v.iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != first_api)
            .map(|(_, e)| e.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(others(&before), others(&after), "{text}\n=>\n{out}");
    // Lines outside the entry's tag and digest are kept; added lines say only what they set.
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let diff = similar::TextDiff::from_lines(&text, &out);
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches(nl).trim();
        match change.tag() {
            similar::ChangeTag::Equal => {}
            similar::ChangeTag::Delete => assert!(
                line.starts_with("newTag:") || line.starts_with("digest:"),
                "a line went that was not a tag: {line:?}\n{text}\n=>\n{out}"
            ),
            similar::ChangeTag::Insert => assert!(
                ["newTag:", "- name: org/api", "images:"]
                    .iter()
                    .any(|p| line.starts_with(p)),
                "an unexpected line came: {line:?}\n{text}\n=>\n{out}"
            ),
        }
        assert!(
            change.tag() == similar::ChangeTag::Equal || change.value().ends_with(nl) || !out.ends_with(nl),
            "line ending changed: {:?}\n{text:?}\n=>\n{out:?}",
            change.value()
        );
    }
    !changes.is_empty()
}

#[test]
fn kustomizations_change_only_the_wanted_entries() {
    let (edited, cases) = crate::patcher_props::edited_cases(kustomization(), |t| usize::from(invariant(t)));
    assert!(
        edited * 2 > cases as usize,
        "only {edited} of {cases} generated kustomizations were edited"
    );
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "[a-z:\\-'\"#\\r\\n ]{0,200}") {
        if let Ok(images) = kustomize::images(&text) {
            let _ = kustomize::set(&text, &images, &[Want { repository: "org/api".into(), tag: "1".into(), digest: None }]);
        }
    }
}
