//! Real projects as they are (synthetic copies of the patterns the course produced): a
//! prod-only project and `manifests: { patch: false }` release git only; Dockerfiles named
//! `Dockerfile_api`, kept in component folders, or used by no manifest.

use crate::common;
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
    assert!(
        r.stderr.contains("no test manifests (kubernetes/test has none)")
            && r.stderr.contains("`release init` builds them"),
        "{}",
        r.stderr
    );
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
        r.stdout.contains("current: v1.0 (read as 1.0.0)") && r.stdout.contains("v1.0 is read as 1.0.0"),
        "{}",
        r.all()
    );
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("v1.1.0").is_some(), "{}", r.all());
    let api = std::fs::read_to_string(sb.clone.join("kubernetes/test/api.yml")).unwrap();
    // The image tags never carried the `v` the git tags do: the new one does not either.
    assert!(api.contains("alice/app-api:1.1.0"), "{api}");
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

fn read(sb: &Sandbox, rel: &str) -> String {
    std::fs::read_to_string(sb.clone.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn flat_files_named_by_env_with_a_shared_file_and_component_then_env() {
    let sb = Sandbox::new();
    for env in ["test", "prod"] {
        sb.commit_file(&format!("kubes/app-{env}-api.yaml"), &deploy(env, "api"), "feat: api");
    }
    let pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n";
    sb.commit_file("kubes/data-pvc.yml", pvc, "feat: shared claim");
    sb.tag_and_push("0.1.0");
    sb.commit_file("src/api.py", "x\n", "feat(api): more");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["check"]);
    assert!(
        r.stdout.starts_with(
            "test: kubes/*test* (1 files), prod: kubes/*prod* (1 files), shared: kubes/ (files naming no environment) (1 files)"
        ),
        "{}",
        r.all()
    );
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        read(&sb, "kubes/app-test-api.yaml"),
        deploy("test", "api").replace(":0.1.0", ":0.2.0")
    );
    assert_eq!(read(&sb, "kubes/app-prod-api.yaml"), deploy("prod", "api"));
    assert_eq!(read(&sb, "kubes/data-pvc.yml"), pvc, "shared files are never patched");
    // component then env: kubernetes/api/test, kubernetes/api/prod
    let sb = Sandbox::new();
    for env in ["test", "prod"] {
        sb.commit_file(&format!("kubernetes/api/{env}/d.yml"), &deploy(env, "api"), "feat: api");
    }
    let r = sb.release(&["check"]);
    assert!(
        r.stdout
            .starts_with("test: kubernetes/*test* (1 files), prod: kubernetes/*prod* (1 files), shared: none"),
        "{}",
        r.all()
    );
}

#[test]
fn one_unnamed_environment_is_told_by_its_labels() {
    let sb = Sandbox::new();
    let labelled = deploy("x", "api").replace(
        "metadata:\n  name: app-x-api\n",
        "metadata:\n  name: app-api\n  labels:\n    env: test\n",
    );
    sb.commit_file("deploy/api/api.yml", &labelled, "feat: api");
    sb.tag_and_push("0.1.0");
    sb.commit_file("src/api.py", "x\n", "fix(api): more");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["check"]);
    assert!(
        r.stdout.starts_with("test: deploy/ (labelled env: test) (1 files)"),
        "{}",
        r.all()
    );
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(read(&sb, "deploy/api/api.yml").contains("alice/app-api:0.1.1"));
}

#[test]
fn compose_and_makefile_say_which_dockerfile_builds_which_image() {
    let sb = Sandbox::new();
    for role in ["stats", "wrk"] {
        sb.commit_file(
            &format!("k8/app-test-{role}.yml"),
            &deploy("test", role),
            "feat: manifests",
        );
    }
    sb.commit_file("docker-src/Dockerfile", "FROM scratch\n", "feat: image");
    sb.commit_file("docker-src/Dockerfile.worker", "FROM scratch\n", "feat: image");
    sb.commit_file(
        "docker-src/docker-compose.yml",
        "services:\n  web:\n    build:\n      context: ./\n      dockerfile: ./Dockerfile\n    image: alice/app-stats:final\n",
        "feat: compose",
    );
    sb.commit_file(
        "Makefile",
        "NS = alice\nbuild:\n\tdocker build -t $(NS)/app-wrk:${VER} \\\n\t\t-f docker-src/Dockerfile.worker .\n",
        "feat: make",
    );
    let r = sb.release(&["images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("alice/app-stats\n    dockerfile: docker-src/Dockerfile\n    context:    docker-src ("),
        "compose's context wins: {}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("found by:   docker-src/docker-compose.yml: service web ->"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("found by:   Makefile:3: docker build -t alice/app-wrk ->"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_images_version_seeds_the_first_release_and_initial_version_overrides() {
    let sb = Sandbox::new();
    sb.commit_file(
        "kubernetes/test/api.yml",
        &deploy("test", "api").replace(":0.1.0", ":1.0"),
        "feat: api",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["version", "--explain"]);
    assert!(
        r.stdout
            .contains("current: 1.0.0 (no release tag yet; the images run it)")
            && r.stdout.contains("image tag 1.0 at kubernetes/test/api.yml:10"),
        "{}",
        r.all()
    );
    std::fs::write(sb.clone.join(".release.yml"), "initial_version: 2.0.0\n").unwrap();
    let r = sb.release(&["version", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["next"]["minor"]["version"], "2.0.0", "{}", r.stdout);
    assert_eq!(v["seed"]["exact"], true);
    std::fs::remove_file(sb.clone.join(".release.yml")).unwrap();
    // a third party's image beside it (`bob/tool:3.1`) is no version of this project once
    // the project's own images are known by their Dockerfile
    sb.commit_file(
        "kubernetes/test/tool.yml",
        &deploy("test", "tool").replace("alice/app-tool:0.1.0", "bob/tool:3.1"),
        "feat: a sidecar",
    );
    sb.commit_file("docker/Dockerfile.api", "FROM scratch\n", "feat: api image");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["version"]);
    assert!(r.stdout.contains("current: 1.0.0"), "{}", r.all());
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("1.1.0").is_some(), "{}", r.all());
    assert!(read(&sb, "kubernetes/test/api.yml").contains("alice/app-api:1.1.0"));
    // and the release sets only the images the project builds
    assert!(read(&sb, "kubernetes/test/tool.yml").contains("image: bob/tool:3.1"));
    assert!(
        r.stderr
            .contains("`bob/tool:3.1` is built by no Dockerfile here, so the release leaves it as it is"),
        "{}",
        r.stderr
    );
}

#[test]
fn component_tags_of_one_repository_get_the_version_after_the_component() {
    let sb = Sandbox::new();
    for env in ["test", "prod"] {
        for role in ["api", "wrk"] {
            let y = deploy(env, role).replace(&format!("alice/app-{role}:0.1.0"), &format!("alice/app:{role}"));
            sb.commit_file(&format!("kubernetes/{env}/{role}.yml"), &y, "feat: manifests");
        }
    }
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["check"]);
    assert!(
        !r.stdout.contains("floating-tag"),
        "a component tag is not floating: {}",
        r.stdout
    );
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(read(&sb, "kubernetes/test/api.yml").contains("image: alice/app:api-0.1.0"));
    sb.commit_file("src/x", "x\n", "fix: x");
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(read(&sb, "kubernetes/test/wrk.yml").contains("image: alice/app:wrk-0.1.1"));
    // promote copies each component's image; test runs one version, 0.1.1
    let r = sb.release(&["promote", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("promoted 0.1.1"), "{}", r.stderr);
    assert_eq!(
        read(&sb, "kubernetes/prod/api.yml"),
        deploy("prod", "api").replace("alice/app-api:0.1.0", "alice/app:api-0.1.1")
    );
    // any other word on a project image is floating, not only `latest`
    sb.commit_file(
        "kubernetes/test/api.yml",
        &deploy("test", "api").replace(":0.1.0", ":release"),
        "fix: release tag",
    );
    let r = sb.release(&["check"]);
    assert!(
        r.stdout.contains("`alice/app-api:release` names no fixed build"),
        "{}",
        r.stdout
    );
}

#[test]
fn lint_errors_block_unless_allowed_on_purpose() {
    let sb = Sandbox::new();
    for env in ["test", "prod"] {
        // both environments name their Deployment the same: applying test overwrites prod
        sb.commit_file(&format!("kubernetes/{env}/api.yml"), &deploy("x", "api"), "feat: api");
    }
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let before = sb.local_state();
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("--allow-check-errors") && r.stderr.contains("allow: [name-shared]"),
        "{}",
        r.stderr
    );
    assert_eq!(before, sb.local_state());
    let cfg = sb.home.join("release.yml");
    let cfg_arg = cfg.to_str().unwrap();
    std::fs::write(&cfg, "check:\n  allow: [name-shared]\n").unwrap();
    let r = sb.release(&["minor", "--dry-run", "--skip-images", "--config", cfg_arg]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("allowed by check.allow: [name-shared]"),
        "{}",
        r.stderr
    );
    std::fs::write(&cfg, "check:\n  allow: [no-such-rule]\n").unwrap();
    let r = sb.release(&["minor", "--dry-run", "--skip-images", "--config", cfg_arg]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("`no-such-rule`, which is no rule"), "{}", r.stderr);
    let r = sb.release(&["minor", "--yes", "--skip-images", "--allow-check-errors"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("allowed by --allow-check-errors"), "{}", r.stderr);
}

#[test]
fn init_builds_test_from_a_prod_only_project_that_then_releases() {
    let sb = Sandbox::new();
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: app-prod-api\nspec:\n  type: NodePort\n  selector:\n    app: api\n  ports:\n    - port: 5000\n      nodePort: 30500\n";
    let dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-prod-api\nspec:\n  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          image: alice/app-api:1.2.0\n";
    sb.commit_file("kubernetes/prod/api-deployment.yml", dep, "feat: prod");
    sb.commit_file("kubernetes/prod/api-service.yml", svc, "feat: prod");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let home = sb.home.join("portinfo");
    std::fs::write(&home, "your ports: 30500 30501\n").unwrap();
    let r = sb.release(&["init", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("--- kubernetes/test/api-service.yml (from kubernetes/prod/api-service.yml)"),
        "{}",
        r.stdout
    );
    assert!(!sb.clone.join("kubernetes/test").exists());
    let r = sb.release(&["init"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        read(&sb, "kubernetes/test/api-service.yml"),
        svc.replace("app-prod-api", "app-test-api")
            .replace("app: api", "app: api-test")
            .replace("30500", "30501")
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(sb.clone.join("kubernetes/test/api-service.yml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0o044 & mode, "the umask's mode, not 0600: {mode:o}");
    assert_ne!(mode & 0o044, 0, "readable by others as umask 022 gives: {mode:o}");
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let umask = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .and_then(|u| u32::from_str_radix(u.trim(), 8).ok())
        .unwrap();
    assert_eq!(mode & 0o777, 0o666 & !umask, "exactly the umask's mode: {mode:o}");
    let r = sb.release(&["check"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("0 error(s)"), "{}", r.stdout);
    sb.git(&sb.clone, &["add", "-A"]);
    sb.git(&sb.clone, &["commit", "-q", "-m", "feat: test environment"]);
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(read(&sb, "kubernetes/test/api-deployment.yml").contains("alice/app-api:1.3.0"));
    assert_eq!(read(&sb, "kubernetes/prod/api-deployment.yml"), dep);
    // with both there: nothing written
    let r = sb.release(&["init"]);
    assert!(r.stderr.contains("nothing to write"), "{}", r.all());
}

#[test]
fn init_that_cannot_write_every_file_leaves_none() {
    let sb = Sandbox::new();
    sb.commit_file("kubernetes/prod/a.yml", &deploy("prod", "api"), "feat: prod api");
    sb.commit_file(
        "kubernetes/prod/sub/b.yml",
        &deploy("prod", "worker"),
        "feat: prod worker",
    );
    // `kubernetes/test/sub` is a file, so the second copy cannot be written
    std::fs::create_dir_all(sb.clone.join("kubernetes/test")).unwrap();
    std::fs::write(sb.clone.join("kubernetes/test/sub"), "not a folder\n").unwrap();
    let r = sb.release(&["init"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("writing kubernetes/test/sub/b.yml; nothing was written"),
        "{}",
        r.stderr
    );
    assert!(
        !sb.clone.join("kubernetes/test/a.yml").exists(),
        "the first copy was taken back"
    );
    assert_eq!(read(&sb, "kubernetes/test/sub"), "not a folder\n");
}

#[test]
fn the_component_tag_format_is_configurable() {
    let sb = Sandbox::new();
    for role in ["api", "wrk"] {
        let y = deploy("test", role).replace(&format!("alice/app-{role}:0.1.0"), &format!("alice/app:{role}"));
        sb.commit_file(&format!("kubernetes/test/{role}.yml"), &y, "feat: manifests");
    }
    sb.commit_file(
        ".release.yml",
        "manifests:\n  component_tag: \"{version}_{component}\"\n",
        "chore: tags",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(read(&sb, "kubernetes/test/api.yml").contains("image: alice/app:0.1.0_api"));
    sb.commit_file("src/x", "x\n", "fix: x");
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(read(&sb, "kubernetes/test/wrk.yml").contains("image: alice/app:0.1.1_wrk"));
    std::fs::write(
        sb.clone.join(".release.yml"),
        "manifests:\n  component_tag: \"{component}{version}\"\n",
    )
    .unwrap();
    let r = sb.release(&["check"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains(".release.yml: manifests: component_tag `{component}{version}`"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_project_in_a_subfolder_builds_from_its_own_dockerfile_and_context() {
    let sb = Sandbox::new();
    // an older copy at the root, the real project in final/ (as found in the wild)
    sb.commit_file("Dockerfile.api", "FROM scratch\nCOPY api.py /app/\n", "feat: old");
    sb.commit_file("api.py", "x\n", "feat: old");
    sb.commit_file(
        "final/Dockerfile.api",
        "FROM scratch\nCOPY ./source /app/\n",
        "feat: api",
    );
    sb.commit_file("final/source/api.py", "x\n", "feat: api");
    sb.commit_file(
        "final/deploy/test/api/api.yml",
        &deploy("test", "api"),
        "feat: manifests",
    );
    let r = sb.release(&["images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.starts_with("test: final/ (1 files), prod: none"),
        "the manifests are found below a top-level folder: {}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("alice/app-api\n    dockerfile: final/Dockerfile.api\n    context:    final ("),
        "one image, one Dockerfile (the one beside its manifests), its COPY sources' folder as context: {}",
        r.stdout
    );
    assert_eq!(r.stdout.matches("alice/app-api\n").count(), 1, "{}", r.stdout);
}

#[test]
fn init_writes_no_sample_beside_another_environment() {
    let sb = Sandbox::new();
    sb.commit_file("k8s/dev/api.yml", &deploy("dev", "api"), "feat: dev");
    let before = sb.local_state();
    let r = sb.release(&["init", "--user", "alice"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("not used: 1 file(s) of other environments (k8s/dev/api.yml)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("environments: { test: k8s/dev"), "{}", r.stderr);
    assert_eq!(before, sb.local_state());
    assert!(!sb.clone.join("kubernetes").exists());
    // named as test, init builds prod from it
    sb.commit_file(
        ".release.yml",
        "environments:\n  test: k8s/dev\n  prod: k8s/prod\n",
        "chore: envs",
    );
    let r = sb.release(&["init"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.clone.join("k8s/prod/api.yml").exists(), "{}", r.all());
}

#[test]
fn image_tags_keep_their_form_whatever_the_git_tags_carry() {
    let sb = Sandbox::new();
    // git tags carry a `v`, the images do not (and the worker's the other way round).
    sb.commit_file("kubernetes/test/api.yml", &deploy("test", "api"), "feat: test api");
    let wrk = deploy("test", "wrk").replace(":0.1.0", ":v0.1.0");
    sb.commit_file("kubernetes/test/wrk.yml", &wrk, "feat: test wrk");
    sb.commit_file("kubernetes/prod/api.yml", &deploy("prod", "api"), "feat: prod api");
    sb.commit_file("kubernetes/prod/wrk.yml", &deploy("prod", "wrk"), "feat: prod wrk");
    sb.tag_and_push("v0.1.0");
    sb.commit_file("src/api.py", "x\n", "fix: y");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sb.origin_tag("v0.1.1").is_some(), "{}", r.all());
    let read = |f: &str| std::fs::read_to_string(sb.clone.join(f)).unwrap();
    assert_eq!(
        read("kubernetes/test/api.yml"),
        deploy("test", "api").replace(":0.1.0", ":0.1.1")
    );
    assert_eq!(read("kubernetes/test/wrk.yml"), wrk.replace(":v0.1.0", ":v0.1.1"));
}

#[test]
fn a_helm_values_project_goes_release_promote_and_deploy_says_how() {
    let sb = Sandbox::new();
    sb.commit_file(
        "charts/shop/Chart.yaml",
        "apiVersion: v2\nname: shop\nversion: 0.3.0\nappVersion: \"0.0.1\"\n",
        "feat: chart",
    );
    sb.commit_file(
        "charts/shop/values.yaml",
        "image:\n  repository: alice/shop-api\n  tag: \"\"\nworker:\n  image:\n    repository: alice/shop-wrk\n    tag: \"\"\nredis:\n  image: redis:7\n",
        "feat: values",
    );
    let test_values = "# test\nimage:\n  tag: \"0.0.1\"   # set by release\nworker:\n  replicas: 1\n";
    sb.commit_file("charts/shop/values-test.yaml", test_values, "feat: test values");
    sb.commit_file("charts/shop/values-prod.yaml", "replicas: 3\n", "feat: prod values");
    // Without a Dockerfile or `images:`, which images are the project's is unknown, and a
    // values file pins third-party images too: nothing is set.
    sb.commit_file("src/api.py", "x\n", "feat(api): first");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes", "--skip-images", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("which images are the project's is unknown: nothing was set"),
        "{}",
        r.stderr
    );
    sb.commit_file(
        ".release.yml",
        "chart:\n  bump_version: true\nimages:\n  - repository: alice/shop-api\n  - repository: alice/shop-wrk\n",
        "chore: the project's images, and bump the chart too",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("test: charts/shop/values-test.yaml (helm)"),
        "{}",
        r.stderr
    );
    let read = |f: &str| std::fs::read_to_string(sb.clone.join(f)).unwrap();
    // The api's tag in place; the worker's written under its map (base values only).
    assert_eq!(
        read("charts/shop/values-test.yaml"),
        "# test\nimage:\n  tag: \"0.1.0\"   # set by release\nworker:\n  replicas: 1\n  image:\n    tag: 0.1.0\n"
    );
    assert_eq!(
        read("charts/shop/Chart.yaml"),
        "apiVersion: v2\nname: shop\nversion: 0.3.1\nappVersion: \"0.1.0\"\n",
        "appVersion set, and the chart's own version raised (the first release: a patch)"
    );
    assert!(sb.origin_tag("0.1.0").is_some());
    let r = sb.release(&["check"]);
    assert!(
        r.stdout.contains("values-prod.yaml sets no tag for alice/shop-api") && r.stdout.contains("helm-render"),
        "{}",
        r.all()
    );
    let r = sb.release(&["promote", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        read("charts/shop/values-prod.yaml"),
        "replicas: 3\nimage:\n  tag: 0.1.0\nworker:\n  image:\n    tag: 0.1.0\n"
    );
    let r = sb.release(&["deploy", "test"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("helm upgrade --install RELEASE charts/shop -f charts/shop/values-test.yaml"),
        "{}",
        r.stderr
    );
}

#[test]
fn init_writes_the_missing_overlay_or_values_file_from_the_other() {
    let sb = Sandbox::new();
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          image: alice/api\n";
    sb.commit_file(
        "k8s/base/kustomization.yaml",
        "resources:\n  - deployment.yaml\n",
        "feat: base",
    );
    sb.commit_file("k8s/base/deployment.yaml", deployment, "feat: base");
    let prod = "resources:\n  - ../../base\nnamePrefix: prod-\ncommonLabels:\n  env: prod\nimages:\n  - name: alice/api\n    newTag: \"0.1.0\"  # Production\n";
    sb.commit_file("k8s/overlays/prod/kustomization.yaml", prod, "feat: prod overlay");
    let r = sb.release(&["init"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let test = std::fs::read_to_string(sb.clone.join("k8s/overlays/test/kustomization.yaml")).unwrap();
    assert_eq!(test, prod.replace("prod", "test").replace("Production", "test"));
    assert!(!sb.clone.join("kubernetes").exists(), "no sample beside the overlays");
    let r = sb.release(&["check"]);
    assert_eq!(r.code, 0, "the new overlay renders its own names: {}", r.all());
    // A chart with prod's values only gets test's beside them; never over a file.
    let sb = Sandbox::new();
    sb.commit_file("charts/shop/Chart.yaml", "name: shop\nversion: 0.1.0\n", "feat: chart");
    sb.commit_file(
        "charts/shop/values-prod.yaml",
        "host: shop.prod.example.com\nimage:\n  repository: alice/api\n  tag: 0.1.0\n",
        "feat: values",
    );
    let r = sb.release(&["init"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        std::fs::read_to_string(sb.clone.join("charts/shop/values-test.yaml")).unwrap(),
        "host: shop.test.example.com\nimage:\n  repository: alice/api\n  tag: 0.1.0\n"
    );
    assert!(!sb.clone.join("kubernetes").exists(), "no sample beside the chart");
    let r = sb.release(&["init"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("nothing to write"), "{}", r.stderr);
}

#[test]
fn a_charts_values_seed_the_first_version() {
    let sb = Sandbox::new();
    sb.commit_file("charts/shop/Chart.yaml", "name: shop\nversion: 0.1.0\n", "feat: chart");
    sb.commit_file(
        "charts/shop/values-prod.yaml",
        "image:\n  repository: alice/shop-api\n  tag: \"1.4.0\"\n",
        "feat: prod values",
    );
    sb.commit_file(
        ".release.yml",
        "images:\n  - repository: alice/shop-api\n",
        "chore: images",
    );
    let r = sb.release(&["version", "--explain"]);
    assert!(
        r.stdout.contains("image tag 1.4.0 at charts/shop/values-prod.yaml"),
        "{}",
        r.all()
    );
    let r = sb.release(&["minor", "--dry-run", "--skip-images"]);
    assert!(r.stderr.contains("1.5.0"), "{}", r.all());
}

#[test]
fn a_file_two_parts_would_write_is_refused_before_anything_changes() {
    // The chart part sets Chart.yaml's appVersion; listing it in version_files as well
    // would have one write undo the other's.
    let sb = Sandbox::new();
    sb.commit_file(
        "charts/shop/Chart.yaml",
        "name: shop\nversion: 0.1.0\nappVersion: \"0.0.1\"\n",
        "feat: chart",
    );
    sb.commit_file(
        "charts/shop/values-test.yaml",
        "image:\n  repository: alice/shop-api\n  tag: 0.0.1\n",
        "feat: values",
    );
    sb.commit_file(
        ".release.yml",
        "images:\n  - repository: alice/shop-api\nversion_files:\n  - charts/shop/Chart.yaml\n",
        "chore: config",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let before = sb.local_state();
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("charts/shop/Chart.yaml would be written twice"),
        "{}",
        r.stderr
    );
    assert_eq!(sb.local_state(), before);
}
