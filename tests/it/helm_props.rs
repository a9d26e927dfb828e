//! Property tests for the Helm values editor: for values files with image maps at any
//! depth (2- or 4-space indents, quoted or plain tags, comments, `image: repo:tag`
//! strings, lists, CRLF), setting the project's tag changes only the lines that hold (or
//! now hold) its tag, keeps every other image's tag, and reads back with the new one.

use kube_release::manifests::helm;
use kube_release::manifests::kustomize::Want;
use proptest::prelude::*;

type Site = (u8, &'static str, &'static str, &'static str);

fn site() -> impl Strategy<Value = Site> {
    let repo = prop_oneof![
        Just("org/api"),
        Just("org/api/migrations"),
        Just("redis"),
        Just("org/wrk")
    ];
    let tag = prop_oneof![
        Just("0.1.0"),
        Just("\"0.1.0\""),
        Just("'v0.1.0'"),
        Just("\"\""),
        Just("1.0")
    ];
    let tail = prop_oneof![Just(""), Just("  # pinned")];
    (0u8..4, repo, tag, tail)
}

/// One component's image lines: (column relative to the component's keys, text), for an
/// indent unit `u`.
fn lines((form, repo, tag, tail): Site, u: usize) -> Vec<(usize, String)> {
    match form {
        0 => vec![
            (0, "image:".into()),
            (u, format!("repository: {repo}")),
            (u, format!("tag: {tag}{tail}")),
        ],
        1 => vec![
            (0, "image:".into()),
            (u, format!("repository: {repo}")),
            (u, format!("pullPolicy: IfNotPresent{tail}")),
        ],
        2 => {
            let bare = tag.trim_matches(['"', '\'']);
            let bare = if bare.is_empty() { "0.1.0" } else { bare };
            vec![(0, format!("image: {repo}:{bare}{tail}"))]
        }
        _ => vec![
            (0, "jobs:".into()),
            (u, "- name: j".into()),
            (u + 2, "image:".into()),
            (2 * u + 2, format!("repository: {repo}")),
            (2 * u + 2, format!("tag: {tag}")),
        ],
    }
}

fn values() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(site(), 1..4),
        any::<bool>(),
        prop_oneof![Just(2usize), Just(4)],
    )
        .prop_map(|(sites, crlf, u)| {
            let mut t = String::from("# values\nreplicas: 1\n");
            for (i, s) in sites.into_iter().enumerate() {
                t.push_str(&format!("c{i}:\n"));
                for (col, line) in lines(s, u) {
                    t.push_str(&format!("{}{line}\n", " ".repeat(u + col)));
                }
            }
            if crlf {
                t = t.replace('\n', "\r\n");
            }
            t
        })
}

/// (path, repository, tag) of every site.
fn said(text: &str) -> Vec<(String, String, Option<String>)> {
    let doc = helm::parse(text).expect("re-reads");
    helm::sites(doc.as_ref(), None)
        .into_iter()
        .map(|s| (s.path.clone(), s.repository.clone(), s.tag_value()))
        .collect()
}

fn invariant(text: String) -> bool {
    let want = Want {
        repository: "org/api".into(),
        tag: "9.9.9".into(),
        digest: None,
    };
    // The file is its own base: a map with a repository and no tag gets one written.
    let base = helm::parse(&text).expect("valid values");
    let (out, changes) = helm::set(&text, base.as_ref(), &[want]).expect("valid values");
    let (before, after) = (said(&text), said(&out));
    assert_eq!(before.len(), after.len(), "{text}\n=>\n{out}");
    let tagged = |v: &[(String, String, Option<String>)]| v.iter().any(|s| s.1 == "org/api" && s.2.is_some());
    if before.iter().any(|s| s.1 == "org/api") && !tagged(&before) {
        assert!(
            after
                .iter()
                .any(|s| s.1 == "org/api" && s.2.as_deref() == Some("9.9.9")),
            "no tag written:\n{text}\n=>\n{out}"
        );
    }
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b.0, &b.1), (&a.0, &a.1), "{text}\n=>\n{out}");
        if b.1 == "org/api" && b.2.is_some() {
            assert_eq!(a.2.as_deref(), Some("9.9.9"), "{text}\n=>\n{out}");
        } else if b.1 != "org/api" {
            assert_eq!(a.2, b.2, "another image's tag changed:\n{text}\n=>\n{out}");
        }
    }
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    for change in similar::TextDiff::from_lines(&text, &out).iter_all_changes() {
        let line = change.value().trim();
        if change.tag() != similar::ChangeTag::Equal {
            assert!(
                line.starts_with("tag:") || line.starts_with("image:") || line.starts_with("imageTag:"),
                "a line changed that holds no tag: {line:?}\n{text}\n=>\n{out}"
            );
            assert!(change.value().ends_with(nl), "line ending: {:?}", change.value());
        }
    }
    !changes.is_empty()
}

#[test]
fn values_change_only_the_wanted_tags() {
    let (edited, cases) = crate::patcher_props::edited_cases(values(), |t| usize::from(invariant(t)));
    assert!(
        edited * 3 > cases as usize,
        "only {edited} of {cases} generated values files were edited"
    );
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "[a-z:\\-'\"#\\r\\n ]{0,200}") {
        let _ = helm::set(&text, None, &[Want { repository: "org/api".into(), tag: "1".into(), digest: None }]);
        let _ = helm::set_app_version(&text, "1.0.0");
    }
}
