use super::*;

fn want(repo: &str, tag: &str) -> Want {
    Want {
        repository: repo.into(),
        tag: tag.into(),
        digest: None,
    }
}

fn set_text(text: &str, wants: &[Want]) -> (String, Changes) {
    set(text, &images(text).unwrap(), wants)
}

#[test]
fn new_tag_is_set_in_place_keeping_every_other_byte() {
    let text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  # ours\n  - name: org/api\n    newTag: \"0.1.0\"   # set by release\n  - name: org/api/migrations\n    newTag: 0.1.0\n  - name: redis\n    newTag: 7.2\n";
    let (out, changes) = set_text(text, &[want("org/api", "0.2.0")]);
    assert_eq!(out, text.replacen("\"0.1.0\"", "\"0.2.0\"", 1));
    assert_eq!(changes, ["org/api: newTag 0.1.0 -> 0.2.0"]);
}

#[test]
fn lists_at_column_zero_and_missing_keys_and_entries() {
    let text = "images:\n- name: org/api\n  newName: registry.example.com/org/api\n- name: org/wrk\n  newTag: 0.1.0\n  digest: sha256:aaaa\nnamePrefix: prod-\n";
    let (out, changes) = set_text(
        text,
        &[
            want("org/api", "0.2.0"),
            want("org/wrk", "0.2.0"),
            want("org/new", "1.10"),
        ],
    );
    assert_eq!(
        out,
        "images:\n- name: org/api\n  newName: registry.example.com/org/api\n  newTag: 0.2.0\n- name: org/wrk\n  newTag: 0.2.0\n- name: org/new\n  newTag: \"1.10\"\nnamePrefix: prod-\n"
    );
    assert_eq!(changes.len(), 4, "{changes:?}");
}

#[test]
fn matched_by_new_name_and_pinned_by_digest() {
    let text = "images:\n    - name: api\n      newName: org/api\n      newTag: 0.1.0\n";
    let w = Want {
        repository: "org/api".into(),
        tag: "0.2.0".into(),
        digest: Some("sha256:bbbb".into()),
    };
    let (out, _) = set_text(text, &[w]);
    assert_eq!(
        out,
        "images:\n    - name: api\n      newName: org/api\n      newTag: 0.2.0\n      digest: sha256:bbbb\n"
    );
}

#[test]
fn a_file_without_images_gets_the_list() {
    let text = "resources:\n- ../../base";
    let (out, _) = set_text(text, &[want("org/api", "0.2.0")]);
    assert_eq!(
        out,
        "resources:\n- ../../base\nimages:\n- name: org/api\n  newTag: 0.2.0\n"
    );
}

#[test]
fn overlays_are_found_and_the_test_overlay_chosen_by_name() {
    let d = tempfile::tempdir().unwrap();
    for env in ["dev", "staging", "production"] {
        let dir = d.path().join("deploy/k8s/overlays").join(env);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kustomization.yaml"), "resources: []\n").unwrap();
    }
    let o = find_all(d.path()).remove(0);
    assert_eq!(o.test, PathBuf::from("deploy/k8s/overlays/staging"));
    assert_eq!(o.prod, PathBuf::from("deploy/k8s/overlays/production"));
    assert!(o.test_why.unwrap().contains("staging, the first of staging, dev"));
    let nested = tempfile::tempdir().unwrap();
    for dir in ["k8s/overlays/test", "k8s/overlays/prod/manual"] {
        std::fs::create_dir_all(nested.path().join(dir)).unwrap();
        std::fs::write(nested.path().join(dir).join("Kustomization"), "resources: []\n").unwrap();
    }
    let o = find_all(nested.path()).remove(0);
    assert_eq!(
        (o.test, o.prod),
        ("k8s/overlays/test".into(), "k8s/overlays/prod/manual".into())
    );
    let none = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(none.path().join("k8s/overlays/qa")).unwrap();
    assert_eq!(find_all(none.path()), []);
}

#[test]
fn a_folder_named_like_an_option_is_rendered_as_a_path() {
    // `kubectl kustomize -o/overlays/test` would take `-o` as its output flag, render the
    // folder it runs in (no kustomization there: an error) and write to /overlays/test.
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("-o/overlays/test");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("kustomization.yaml"), "commonLabels:\n  app: x\n").unwrap();
    let out = render(d.path(), Path::new("-o/overlays/test")).unwrap_or_else(|e| {
        panic!("the folder renders (this test needs kubectl on PATH, as .ci/run installs it): {e:#}")
    });
    assert!(!out.contains("Error"), "{out}");
}
