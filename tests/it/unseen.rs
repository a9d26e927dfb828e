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

fn service(name: &str, app: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {app}\n  ports:\n    - port: 6379\n"
    )
}

/// How many files the found line counts for `env` (`test: kubernetes/test (3 files)`).
fn files_of(found: &str, env: &str) -> String {
    found
        .split(&format!("{env}: "))
        .nth(1)
        .and_then(|s| s.split(" files)").next())
        .and_then(|s| s.rsplit('(').next())
        .unwrap_or("")
        .to_string()
}

/// The numbers of the found line: (test files, prod files, shared files).
fn counts(sb: &Sandbox) -> String {
    let r = sb.release(&["check"]);
    r.stdout.lines().next().unwrap_or_default().to_string()
}

#[test]
fn one_environment_in_component_folders_is_found_unnamed_and_init_asks_which() {
    let sb = project(&[
        ("docker/Dockerfile.api", "FROM scratch\nCOPY api.py /api.py\n".into()),
        ("docker/Dockerfile.wrk", "FROM scratch\nCOPY wrk.py /wrk.py\n".into()),
        (
            "kubernetes/api/api-deployment.yml",
            deployment("flask-api", None, "u/app-api:1.0.0", &[]),
        ),
        ("kubernetes/db/redis.yml", service("redis", "redis")),
        (
            "kubernetes/worker/wrk-deployment.yml",
            deployment("flask-wrk", None, "u/app-wrk:1.0.0", &[]),
        ),
    ]);
    let found = counts(&sb);
    assert!(
        found.contains("names no environment") && found.contains("(3 files)"),
        "{found}"
    );
    let r = sb.release(&["images"]);
    r.says(&["u/app-api", "u/app-wrk"]);
    let before = sb.state();
    sb.release(&["init"])
        .exits(2, "init must ask")
        .says(&["--as prod", "--as test"]);
    assert_eq!(before, sb.state());
    sb.release(&["init", "--as", "prod"]).exits(0, "init --as prod");
    let found = counts(&sb);
    assert!(
        found.contains("test: ") && !found.contains("names no environment"),
        "{found}"
    );
    let n = |env: &str| files_of(&found, env);
    assert_eq!(n("test"), "3", "{found}");
    assert_eq!(n("prod"), "3", "{found}");
    assert!(found.contains("shared: none"), "{found}");
}

#[test]
fn a_file_naming_its_environment_belongs_to_it_wherever_it_sits() {
    let sb = project(&[
        (
            "kubernetes/test/api.yml",
            deployment("app-test-api", None, "u/app-api:1.0.0", &[]),
        ),
        (
            "kubernetes/prod/api.yml",
            deployment("app-prod-api", None, "u/app-api:1.0.0", &[]),
        ),
        (
            "kubernetes/db/x-deployment.yml",
            deployment("x-prod", None, "redis:7", &[]),
        ),
        (
            "kubernetes/db/x-deployment-test.yml",
            deployment("x-test", None, "redis:7", &[]),
        ),
        // a broken selector in the -test file: it is counted, so it is reported
        (
            "kubernetes/db/x-service-test.yml",
            service("x-test", "nothing-has-this-label"),
        ),
    ]);
    let found = counts(&sb);
    assert!(
        found.contains("shared: none"),
        "the prod copy beside its -test file is prod's: {found}"
    );
    assert!(found.contains("(3 files)") && found.contains("(2 files)"), "{found}");
    sb.release(&["check"])
        .says(&["kubernetes/db/x-service-test.yml", "selector-matches-nothing"]);
}

#[test]
fn every_file_init_writes_is_counted_in_its_environment() {
    let sb = project(&[
        (
            "kubernetes/prod/api.yml",
            deployment("app-prod-api", None, "u/app-api:1.0.0", &[]),
        ),
        ("kubernetes/prod/redis.yml", service("app-prod-redis", "app-prod-api")),
        (
            "kubernetes/deployment-python-debug.yml",
            deployment("python-debug", None, "u/app-api:1.0.0", &[]),
        ),
    ]);
    sb.release(&["init"]).exits(0, "init builds test");
    let found = counts(&sb);
    assert!(found.contains("shared: none"), "{found}");
    let files = |env: &str| files_of(&found, env);
    assert_eq!(files("test"), "3", "{found}");
    assert_eq!(files("prod"), "3", "{found}");
}

#[test]
fn init_never_copies_prods_addresses_into_test_and_check_catches_a_shared_one() {
    let prod_redis = service("app-prod-redis", "app-prod-redis");
    let sb = project(&[
        (
            "kubernetes/prod/api.yml",
            deployment(
                "app-prod-api",
                None,
                "u/app-api:1.0.0",
                &[("REDIS_IP", "10.111.152.210")],
            ),
        ),
        ("kubernetes/prod/redis-service.yml", prod_redis),
    ]);
    sb.release(&["init"])
        .exits(0, "init builds test")
        .says(&["REDIS_IP", "10.111.152.210", "`app-test-redis`"]);
    let test = std::fs::read_to_string(sb.clone.join("kubernetes/test/api.yml")).unwrap();
    assert!(test.contains("value: \"app-test-redis\""), "{test}");
    assert!(!test.contains("10.111.152.210"), "{test}");
    // A test that still names prod's address is an error.
    let sb = project(&[
        (
            "kubernetes/test/api.yml",
            deployment("app-test-api", None, "u/app-api:1.0.0", &[("REDIS_IP", "10.1.2.3")]),
        ),
        (
            "kubernetes/prod/api.yml",
            deployment("app-prod-api", None, "u/app-api:1.0.0", &[("REDIS_IP", "10.1.2.3")]),
        ),
    ]);
    sb.release(&["check"])
        .exits(1, "a shared address")
        .says(&["error[address-shared]", "test would use prod's Service"]);
}
