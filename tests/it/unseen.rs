//! Never a wrong change on a project nobody here has seen: synthetic projects in the
//! shapes that went wrong on held-back real ones (not copies of any).

use crate::common::Sandbox;

fn deployment(name: &str, ns: Option<&str>, image: &str, env: &[(&str, &str)]) -> String {
    let ns = ns.map_or(String::new(), |n| format!("  namespace: {n}\n"));
    let env: String = env
        .iter()
        .map(|(k, v)| format!("            - name: {k}\n              value: \"{v}\"\n"))
        .collect();
    let env = if env.is_empty() {
        String::new()
    } else {
        format!("          env:\n{env}")
    };
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{ns}spec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: main\n          image: {image}\n{env}"
    )
}

fn project(files: &[(&str, String)]) -> Sandbox {
    let sb = Sandbox::new();
    for (path, text) in files {
        sb.commit_file(path, text, "feat: manifests");
    }
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb
}

#[test]
fn objects_in_their_own_namespaces_do_not_collide() {
    let sb = project(&[
        (
            "kubernetes/test/api.yml",
            deployment("flask-app", Some("team-a"), "u/app-api:1.0.0", &[]),
        ),
        (
            "kubernetes/prod/api.yml",
            deployment("flask-app", Some("prod"), "u/app-api:1.0.0", &[]),
        ),
    ]);
    let r = sb.release(&["check"]);
    assert!(!r.all().contains("name-shared"), "{}", r.all());
    // Without namespaces both land in the default one: then they do collide, and it says so.
    let sb = project(&[
        (
            "kubernetes/test/api.yml",
            deployment("flask-app", None, "u/app-api:1.0.0", &[]),
        ),
        (
            "kubernetes/prod/api.yml",
            deployment("flask-app", None, "u/app-api:1.0.0", &[]),
        ),
    ]);
    sb.release(&["check"])
        .exits(1, "one namespace")
        .says(&["name-shared", "the default namespace"]);
}

#[test]
fn the_same_object_twice_in_one_environment_is_an_error_naming_both() {
    let sb = project(&[
        (
            "kubernetes/test/api.yml",
            deployment("flask-test", None, "u/app-api:1.0.0", &[]),
        ),
        (
            "kubernetes/prod/api.yml",
            deployment("flask-app", None, "u/app-api:1.0.0", &[]),
        ),
        (
            "kubernetes/prod/api-copy.yml",
            deployment("flask-app", None, "u/app-api:1.0.0", &[]),
        ),
    ]);
    sb.release(&["check"]).exits(1, "a duplicate").says(&[
        "error[duplicate]",
        "kubernetes/prod/api-copy.yml:4",
        "kubernetes/prod/api.yml:4",
    ]);
}

#[test]
fn template_examples_and_secret_names_are_reported() {
    let sb = project(&[
        (
            "kubernetes/test/api.yml",
            deployment("web-test", None, "your-flask-image:tag", &[("KAGGLE_KEY", "abc123")]),
        ),
        (
            "kubernetes/prod/api.yml",
            deployment("web-prod", None, "u/app-api:1.0.0", &[("OPENAI_KEY", "sk-1")]),
        ),
    ]);
    let r = sb.release(&["check"]);
    r.says(&[
        "`your-flask-image:tag` is a template's example",
        "KAGGLE_KEY in `web-test`",
        "OPENAI_KEY in `web-prod`",
    ]);
    assert!(
        !r.all().contains("abc123") && !r.all().contains("sk-1"),
        "a secret is never printed: {}",
        r.all()
    );
    let before = sb.state();
    sb.release(&["minor", "--yes", "--skip-images"])
        .exits(2, "an example image is no image to set")
        .says(&["template's example"]);
    assert_eq!(before, sb.state());
}

#[test]
fn the_worker_never_gets_the_api_image_when_both_have_dockerfiles() {
    let sb = project(&[
        ("docker/Dockerfile.api", "FROM scratch\nCOPY api.py /api.py\n".into()),
        ("docker/Dockerfile.wrk", "FROM scratch\nCOPY wrk.py /wrk.py\n".into()),
        (
            "kubernetes/test/api-deployment.yml",
            deployment("app-test-api", None, "u/app:1.1", &[]),
        ),
        (
            "kubernetes/test/wrk-deployment.yml",
            deployment("app-test-wrk", None, "u/app:1.wrk", &[]),
        ),
        (
            "kubernetes/prod/api-deployment.yml",
            deployment("app-prod-api", None, "u/app:1.1", &[]),
        ),
        (
            "kubernetes/prod/wrk-deployment.yml",
            deployment("app-prod-wrk", None, "u/app:1.wrk", &[]),
        ),
    ]);
    let before = sb.state();
    sb.release(&["images"])
        .exits(2, "images")
        .says(&["worker workload", "docker/Dockerfile.wrk"]);
    sb.release(&["minor", "--yes"])
        .exits(2, "a release asks instead")
        .says(&["worker workload", "docker/Dockerfile.wrk"]);
    assert_eq!(before, sb.state(), "nothing changed");
}

#[test]
fn every_changing_command_takes_yes() {
    let sb = project(&[(
        "kubernetes/prod/api.yml",
        deployment("flask-prod", None, "u/app-api:1.0.0", &[]),
    )]);
    for args in [
        &["init", "--yes", "--dry-run"][..],
        &["sync", "--yes", "--dry-run"],
        &["resume", "--yes"],
        &["abort", "--yes"],
        &["deploy", "test", "--yes", "--dry-run", "--to", "9.9.9"],
    ] {
        let r = sb.release(args);
        assert!(!r.all().contains("unexpected argument"), "{args:?}: {}", r.all());
    }
}
