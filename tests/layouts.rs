//! Real projects as they are (synthetic copies of the patterns the course produced): a
//! prod-only project and `manifests: { patch: false }` release git only; Dockerfiles named
//! `Dockerfile_api`, kept in component folders, or used by no manifest.

mod common;
use common::Sandbox;

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-ENV-ROLE\nspec:\n  template:\n    spec:\n      containers:\n        - name: ROLE\n          image: alice/app-ROLE:0.1.0\n";

fn deploy(env: &str, role: &str) -> String {
    DEPLOY.replace("ENV", env).replace("ROLE", role)
}

#[test]
fn a_prod_only_project_releases_git_only_with_a_note() {
    let sb = Sandbox::new();
    sb.commit_file("kubernetes/prod/api.yml", &deploy("prod", "api"), "feat: prod api");
    sb.tag_and_push("0.1.0");
    sb.commit_file("src/api.py", "x\n", "feat(api): more");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("no test manifests: kubernetes/test does not exist") && r.stderr.contains("git only"),
        "{}",
        r.stderr
    );
    assert!(sb.origin_tag("0.2.0").is_some());
    assert_eq!(
        std::fs::read_to_string(sb.clone.join("kubernetes/prod/api.yml")).unwrap(),
        deploy("prod", "api")
    );
    let r = sb.release(&["promote", "--yes"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("there is no kubernetes/test folder"), "{}", r.stderr);
}

#[test]
fn patch_false_leaves_the_manifests_alone() {
    let sb = Sandbox::new();
    sb.commit_file("kubernetes/test/api.yml", &deploy("test", "api"), "feat: test api");
    sb.commit_file("kubernetes/prod/api.yml", &deploy("prod", "api"), "feat: prod api");
    sb.commit_file(".release.yml", "manifests:\n  patch: false\n", "chore: no patching");
    sb.tag_and_push("0.1.0");
    sb.commit_file("src/api.py", "x\n", "fix: y");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("manifests: { patch: false }"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(sb.clone.join("kubernetes/test/api.yml")).unwrap(),
        deploy("test", "api")
    );
}

#[test]
fn dockerfiles_by_underscore_component_folder_and_unused_ones() {
    let sb = Sandbox::new();
    for role in ["api", "worker"] {
        sb.commit_file(
            &format!("kubernetes/test/{role}.yml"),
            &deploy("test", role),
            "feat: manifests",
        );
    }
    sb.commit_file("docker/Dockerfile_api", "FROM scratch\n", "feat: api image");
    sb.commit_file("worker/dockerfile", "FROM scratch\n", "feat: worker image");
    sb.commit_file("docker/Dockerfile_test", "FROM scratch\n", "test: a test runner image");
    let r = sb.release(&["images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("alice/app-api\n    dockerfile: docker/Dockerfile_api"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("alice/app-worker\n    dockerfile: worker/dockerfile"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("Dockerfile_test"), "{}", r.stdout);
}

#[test]
fn environments_in_k8s_nested_by_component_are_found_and_patched() {
    let sb = Sandbox::new();
    for env in ["test", "prod"] {
        for role in ["api", "worker"] {
            sb.commit_file(
                &format!("k8s/{env}/{role}/{role}-deployment.yml"),
                &deploy(env, role),
                "feat: manifests",
            );
        }
    }
    sb.tag_and_push("0.1.0");
    sb.commit_file("src/api.py", "x\n", "feat(api): more");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["check"]);
    assert!(
        r.stdout
            .starts_with("test: k8s/test (2 files), prod: k8s/prod (2 files)"),
        "{}",
        r.all()
    );
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let api = std::fs::read_to_string(sb.clone.join("k8s/test/api/api-deployment.yml")).unwrap();
    assert_eq!(api, deploy("test", "api").replace(":0.1.0", ":0.2.0"));
    assert_eq!(
        std::fs::read_to_string(sb.clone.join("k8s/prod/api/api-deployment.yml")).unwrap(),
        deploy("prod", "api")
    );
    let r = sb.release(&["promote", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let prod = std::fs::read_to_string(sb.clone.join("k8s/prod/worker/worker-deployment.yml")).unwrap();
    assert!(prod.contains("alice/app-worker:0.2.0"), "{prod}");
}

#[test]
fn a_short_1_0_tag_is_the_version_to_continue_from() {
    let sb = Sandbox::new();
    sb.commit_file(
        "kubernetes/test/api.yml",
        &deploy("test", "api").replace(":0.1.0", ":1.0"),
        "feat: api",
    );
    sb.git(&sb.clone, &["tag", "-a", "v1.0", "-m", "course submission"]);
    sb.git(&sb.clone, &["push", "-q", "origin", "main", "v1.0"]);
    sb.commit_file("src/api.py", "x\n", "feat(api): more");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["version", "--explain"]);
    assert!(
        r.stdout.contains("current: 1.0.0") && r.stdout.contains("v1.0 is read as 1.0.0"),
        "{}",
        r.all()
    );
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("v1.1.0").is_some(), "{}", r.all());
    let api = std::fs::read_to_string(sb.clone.join("kubernetes/test/api.yml")).unwrap();
    assert!(api.contains("alice/app-api:v1.1.0"), "{api}");
}

#[test]
fn promote_refuses_to_lower_prod_unless_asked() {
    let sb = Sandbox::new();
    sb.commit_file("kubernetes/test/api.yml", &deploy("test", "api"), "feat: test api");
    sb.commit_file(
        "kubernetes/prod/api.yml",
        &deploy("prod", "api").replace(":0.1.0", ":1.2.0"),
        "feat: prod api",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let before = sb.local_state();
    let r = sb.release(&["promote", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("prod runs 1.2.0") && r.stderr.contains("--allow-downgrade"),
        "{}",
        r.stderr
    );
    assert_eq!(sb.local_state(), before);
    let r = sb.release(&["promote", "--yes", "--skip-images", "--allow-downgrade"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        std::fs::read_to_string(sb.clone.join("kubernetes/prod/api.yml"))
            .unwrap()
            .contains(":0.1.0")
    );
}
