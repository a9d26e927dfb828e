//! Images end to end against the real engine and registries (`.ci/services start`):
//! image tag == git tag, no `latest`, digests match, credentials (with `>>>` and `?`) never
//! shown, failures roll git back and say which images reached the registry.

use crate::common;
use common::{DockerEnv, Sandbox, docker_env, registry_digest, registry_tags};
use std::process::Command;

/// A project with docker/Dockerfile.{api,wrk} (FROM scratch) whose test manifests use
/// `REG/NS/api` and `REG/NS/wrk`; tag 0.1.0 on origin. Returns (sandbox, namespace).
fn project(reg: &str) -> (Sandbox, String) {
    let sb = Sandbox::new();
    let ns = format!(
        "t{}",
        sb.tmp
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_ascii_lowercase()
            .replace(['.', '_'], "")
    );
    sb.commit_file(
        "docker/Dockerfile.api",
        "FROM scratch\nCOPY src/api.py /app/api.py\n",
        "feat: api image",
    );
    sb.commit_file(
        "docker/Dockerfile.wrk",
        "FROM scratch\nCOPY src/wrk.py /app/wrk.py\n",
        "feat: worker image",
    );
    sb.commit_file("src/api.py", "print('api')\n", "feat: api");
    sb.commit_file("src/wrk.py", "print('wrk')\n", "feat: worker");
    for (role, file) in [("api", "api-deployment.yml"), ("wrk", "wrk-deployment.yml")] {
        let y = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-test-{role}\nspec:\n  selector:\n    matchLabels:\n      app: app-test-{role}\n  template:\n    metadata:\n      labels:\n        app: app-test-{role}\n    spec:\n      containers:\n        - name: {role}\n          image: {reg}/{ns}/{role}:0.1.0\n"
        );
        sb.commit_file(&format!("kubernetes/test/{file}"), &y, "feat: manifests");
    }
    sb.tag_and_push("0.1.0");
    (sb, ns)
}

fn local_digest(image: &str) -> String {
    let out = Command::new("docker")
        .args(["image", "inspect", "--format", "{{json .RepoDigests}}", image])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn patch_builds_and_pushes_both_images_then_git() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    sb.commit_file("src/api.py", "print('api v2')\n", "fix(api): greet");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    for role in ["api", "wrk"] {
        let name = format!("{ns}/{role}");
        assert_eq!(
            registry_tags(&env.registry, &name, None),
            vec!["0.1.1"],
            "exactly the version, never latest"
        );
        let digest = registry_digest(&env.registry, &name, "0.1.1", None);
        assert!(digest.starts_with("sha256:"), "{digest}");
        let local = local_digest(&format!("{}/{name}:0.1.1", env.registry));
        assert!(
            local.contains(&digest),
            "pushed digest {digest} is not the built image's {local}"
        );
        let log = sb.clone.join(format!(
            ".git/release/logs/0.1.1/{}_{ns}_{role}_0.1.1.log",
            env.registry.replace(':', "_")
        ));
        assert!(
            std::fs::read_to_string(&log).unwrap().contains("Step 1/"),
            "{}",
            log.display()
        );
    }
    assert!(sb.origin_tag("0.1.1").is_some());
    // the order: images before git
    let build = r.stderr.find("build 2 image(s)").unwrap();
    let push_git = r.stderr.rfind("push main and 0.1.1").unwrap();
    assert!(build < push_git);
}

#[test]
fn dry_run_lists_images_and_changes_nothing() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    let before = sb.state();
    let r = sb.release(&["minor", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains(&format!(
            "{}/{ns}/api:0.2.0  <- docker/Dockerfile.api (context ., ",
            env.registry
        )),
        "{}",
        r.stderr
    );
    assert!(registry_tags(&env.registry, &format!("{ns}/api"), None).is_empty());
    assert_eq!(before, sb.state());
    let r = sb.release(&["images"]);
    assert!(
        r.stdout.contains("found by:   docker/Dockerfile.wrk -> role wrk"),
        "{}",
        r.stdout
    );
}

fn docker_config(sb: &Sandbox, env: &DockerEnv, password: &str) {
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{}:{password}", env.user));
    let dir = sb.path("dockercfg");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, env.auth_registry),
    )
    .unwrap();
    sb.set_env("DOCKER_CONFIG", dir.to_str().unwrap());
}

fn logs_text(sb: &Sandbox) -> String {
    let mut all = String::new();
    let dir = sb.clone.join(".git/release/logs");
    for e in walk(&dir) {
        all.push_str(&std::fs::read_to_string(e).unwrap_or_default());
    }
    all
}

fn walk(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(d) else { return vec![] };
    rd.flat_map(|e| {
        let p = e.unwrap().path();
        if p.is_dir() { walk(&p) } else { vec![p] }
    })
    .collect()
}

#[test]
fn a_password_with_url_unsafe_characters_works_and_never_shows() {
    let env = docker_env();
    assert!(env.password.contains(">>>") && env.password.contains('?'));
    let (sb, ns) = project(&env.auth_registry);
    docker_config(&sb, &env, &env.password);
    sb.commit_file("src/api.py", "print('v2')\n", "fix: v2");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let auth = format!("{}:{}", env.user, env.password);
    assert_eq!(
        registry_tags(&env.auth_registry, &format!("{ns}/api"), Some(&auth)),
        vec!["0.1.1"]
    );
    assert!(
        !r.all().contains(&env.password) && !logs_text(&sb).contains(&env.password),
        "the password leaked"
    );
}

#[test]
fn wrong_credentials_are_refused_clearly_and_never_shown() {
    let env = docker_env();
    let (sb, _ns) = project(&env.auth_registry);
    let canary = "canary>>>wrong?pw";
    docker_config(&sb, &env, canary);
    sb.commit_file("src/api.py", "print('v2')\n", "fix: v2");
    let before = sb.state();
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains(&format!("registry {}", env.auth_registry)),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains(canary), "the password leaked: {}", r.all());
    assert_eq!(before, sb.state());
    // and no credentials at all
    sb.set_env("DOCKER_CONFIG", sb.path("nowhere").to_str().unwrap());
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("docker login"), "{}", r.stderr);
}

#[test]
fn a_failing_build_rolls_back_git_and_shows_the_log() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    sb.commit_file(
        "docker/Dockerfile.wrk",
        "FROM scratch\nCOPY src/missing.py /app/\n",
        "fix: wrk",
    );
    let before = sb.state();
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("building") && r.stderr.contains("failed") && r.stderr.contains("full log: "),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("deleted local tag 0.1.1"), "{}", r.stderr);
    assert_eq!(before, sb.state());
    assert!(registry_tags(&env.registry, &format!("{ns}/wrk"), None).is_empty());
    // a Dockerfile with a syntax error
    sb.commit_file(
        "docker/Dockerfile.wrk",
        "FROM scratch\nCOPYY src/wrk.py /app/\n",
        "fix: wrk",
    );
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.to_ascii_lowercase().contains("unknown instruction"),
        "{}",
        r.stderr
    );
}

#[test]
fn after_a_failed_git_push_the_same_command_finishes_without_rebuilding() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    sb.commit_file("src/api.py", "print('v2')\n", "fix: v2");
    let hook = sb.origin.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("these images stay in their registry"), "{}", r.stderr);
    assert_eq!(registry_tags(&env.registry, &format!("{ns}/api"), None), vec!["0.1.1"]);
    assert!(sb.origin_tag("0.1.1").is_none());
    std::fs::remove_file(&hook).unwrap();
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("not built or pushed again"), "{}", r.stderr);
    assert!(r.stderr.contains("build 0 image(s)"), "{}", r.stderr);
    assert!(sb.origin_tag("0.1.1").is_some());
    // built from another commit: refused
    sb.git(&sb.clone, &["tag", "-d", "0.1.1"]);
    sb.git(&sb.clone, &["push", "-q", "origin", ":refs/tags/0.1.1"]);
    sb.git(&sb.clone, &["reset", "-q", "--hard", "HEAD~1"]);
    sb.git(&sb.clone, &["push", "-q", "-f", "origin", "main"]);
    sb.commit_file("src/api.py", "print('v3')\n", "fix: v3");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("already exists") && r.stderr.contains("not built from this commit"),
        "{}",
        r.stderr
    );
}

#[test]
fn registry_unreachable_capitals_and_no_engine() {
    let env = docker_env();
    let (sb, _ns) = project("localhost:5999");
    sb.commit_file("src/api.py", "print('v2')\n", "fix: v2");
    let before = sb.state();
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("registry localhost:5999"), "{}", r.stderr);
    assert_eq!(before, sb.state());
    // no engine at all: say where we looked; --skip-images still releases git
    sb.set_env("DOCKER_HOST", "unix:///nonexistent/docker.sock");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("unix:///nonexistent/docker.sock") && r.stderr.contains("--skip-images"),
        "{}",
        r.stderr
    );
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    // capitals
    let (sb, ns) = project(&env.registry);
    let p = sb.clone.join("kubernetes/test/api-deployment.yml");
    let t = std::fs::read_to_string(&p)
        .unwrap()
        .replace(&format!("{ns}/api"), &format!("{ns}/Api"));
    sb.commit_file("kubernetes/test/api-deployment.yml", &t, "fix: caps");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("capital letters"), "{}", r.stderr);
}

#[test]
fn dockerignore_matches_docker_build_and_keeps_the_dockerfile() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    // a .dockerignore that excludes the Dockerfile: Docker still sends it
    sb.commit_file(".dockerignore", "docker\n", "chore: ignore");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("it is sent anyway, as Docker does"), "{}", r.stderr);
    assert_eq!(registry_tags(&env.registry, &format!("{ns}/api"), None), vec!["0.1.1"]);
}

#[test]
fn promote_refuses_images_that_are_not_in_the_registry() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    for role in ["api", "wrk"] {
        let y = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-prod-{role}\nspec:\n  selector:\n    matchLabels:\n      app: app-prod-{role}\n  template:\n    metadata:\n      labels:\n        app: app-prod-{role}\n    spec:\n      containers:\n        - name: {role}\n          image: {}/{ns}/{role}:0.1.0\n",
            env.registry
        );
        sb.commit_file(&format!("kubernetes/prod/{role}-deployment.yml"), &y, "feat: prod");
    }
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    // test runs 0.1.0, which was never built: promotion is refused
    let r = sb.release(&["promote", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains(&format!("{}/{ns}/api:0.1.0 is not in {}", env.registry, env.registry)),
        "{}",
        r.stderr
    );
    // after a real release, it goes through
    sb.commit_file("src/api.py", "print('v2')\n", "fix: v2");
    assert_eq!(sb.release(&["patch", "--yes"]).code, 0);
    let r = sb.release(&["promote", "0.1.1", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let prod = std::fs::read_to_string(sb.clone.join("kubernetes/prod/api-deployment.yml")).unwrap();
    assert!(
        prod.contains(&format!("image: {}/{ns}/api:0.1.1", env.registry)),
        "{prod}"
    );
}

#[test]
fn v_prefixed_tags_build_push_and_log_in_one_place() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    sb.git(&sb.clone, &["tag", "-d", "0.1.0"]);
    sb.git(&sb.clone, &["push", "-q", "origin", ":refs/tags/0.1.0"]);
    sb.tag_and_push("v0.1.0");
    sb.commit_file("src/api.py", "print('v2')\n", "fix: v2");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(registry_tags(&env.registry, &format!("{ns}/api"), None), vec!["v0.1.1"]);
    assert!(sb.origin_tag("v0.1.1").is_some());
    let log = sb.clone.join(format!(
        ".git/release/logs/0.1.1/{}_{ns}_api_v0.1.1.log",
        env.registry.replace(':', "_")
    ));
    let text = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    assert!(
        text.contains("Step 1/") && text.contains("digest: sha256:"),
        "build and push lines in one log: {text}"
    );
}

/// Polls until `f` holds (at most 60 s).
fn wait_for(what: &str, f: impl Fn() -> bool) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !f() {
        assert!(std::time::Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn killed_while_images_build_then_resumed_releases_once_with_both_images() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    sb.commit_file("src/api.py", "print('api v3')\n", "fix(api): faster");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let mut child = sb
        .command(&sb.clone, &["patch", "--yes"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let logs = sb.clone.join(".git/release/logs/0.1.1");
    wait_for("the image build to start", || {
        std::fs::read_dir(&logs).is_ok_and(|mut d| d.next().is_some())
    });
    child.kill().unwrap();
    let _ = child.wait();
    let again = sb.release(&["patch", "--yes"]);
    assert_eq!(again.code, 2, "{}", again.all());
    let r = sb.release(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let head = sb.git(&sb.clone, &["rev-parse", "HEAD"]);
    assert_eq!(sb.origin_tag("0.1.1").as_deref(), Some(head.as_str()));
    assert!(sb.origin_tag("0.1.2").is_none(), "no version skipped");
    for role in ["api", "wrk"] {
        let tags = registry_tags(&env.registry, &format!("{ns}/{role}"), None);
        assert!(tags.contains(&"0.1.1".to_string()), "{role}: {tags:?}");
    }
    assert!(!sb.clone.join(".git/release/in-progress").exists());
}

#[test]
fn killed_after_the_images_were_pushed_resume_reuses_them_and_pushes_git() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    sb.commit_file("src/wrk.py", "print('wrk v2')\n", "fix(wrk): retry");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    common::inject(&sb, "push", "KILL");
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, -1, "{}", r.all());
    let digest = registry_digest(&env.registry, &format!("{ns}/api"), "0.1.1", None);
    assert!(sb.origin_tag("0.1.1").is_none());
    let r = sb.release(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("from this commit"), "images reused: {}", r.stderr);
    assert_eq!(
        registry_digest(&env.registry, &format!("{ns}/api"), "0.1.1", None),
        digest
    );
    let head = sb.git(&sb.clone, &["rev-parse", "HEAD"]);
    assert_eq!(sb.origin_tag("0.1.1").as_deref(), Some(head.as_str()));
}

#[test]
fn platform_is_passed_to_the_build() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    sb.commit_file(".release.yml", "platform: linux/arm64\n", "chore: arm images");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["patch", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("for linux/arm64"), "{}", r.stderr);
    let image = format!("{}/{ns}/api:0.1.1", env.registry);
    let out = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", &image])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "linux/arm64");
}

#[test]
fn the_docker_cli_context_is_honoured_and_named() {
    let env = docker_env();
    let (sb, _) = project(&env.registry);
    let sock = sb.path("ctx.sock");
    std::os::unix::fs::symlink("/var/run/docker.sock", &sock).unwrap();
    let cfg = sb.path("docker-config");
    let hash = {
        let out = Command::new("sh")
            .args(["-c", "printf %s ci-remote | sha256sum | cut -d' ' -f1"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let meta = cfg.join("contexts/meta").join(hash);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        format!(
            r#"{{"Name":"ci-remote","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"unix://{}","SkipTLSVerify":false}}}}}}"#,
            sock.display()
        ),
    )
    .unwrap();
    std::fs::write(cfg.join("config.json"), r#"{"currentContext":"ci-remote"}"#).unwrap();
    sb.set_env("DOCKER_CONFIG", cfg.to_str().unwrap());
    let r = sb.release(&["patch", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let named = format!("engine at unix://{} (docker context ci-remote)", sock.display());
    assert!(r.stderr.contains(&named), "{}", r.stderr);
    sb.set_env("DOCKER_CONTEXT", "missing");
    let r = sb.release(&["patch", "--dry-run"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("docker context `missing`"), "{}", r.stderr);
    sb.set_env("DOCKER_HOST", "unix:///var/run/docker.sock");
    let r = sb.release(&["patch", "--dry-run"]);
    assert!(
        r.stderr.contains("engine at unix:///var/run/docker.sock\n")
            || r.stderr.contains("engine at unix:///var/run/docker.sock,")
            || r.stderr.contains("engine at unix:///var/run/docker.sock "),
        "{}",
        r.stderr
    );
}

#[test]
fn one_repository_with_a_tag_per_component_pushes_each_with_the_version() {
    let env = docker_env();
    let (sb, ns) = project(&env.registry);
    for role in ["api", "wrk"] {
        let p = format!("kubernetes/test/{role}-deployment.yml");
        let t = std::fs::read_to_string(sb.clone.join(&p))
            .unwrap()
            .replace(&format!("{ns}/{role}:0.1.0"), &format!("{ns}/app:{role}"));
        sb.commit_file(&p, &t, "feat: one repository, a tag per component");
    }
    let r = sb.release(&["images"]);
    assert!(
        r.stdout.contains(&format!(
            "{}/{ns}/app:api-*\n    dockerfile: docker/Dockerfile.api",
            env.registry
        )),
        "{}",
        r.all()
    );
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let mut tags = registry_tags(&env.registry, &format!("{ns}/app"), None);
    tags.sort();
    assert_eq!(tags, ["api-0.2.0", "wrk-0.2.0"]);
    let api = std::fs::read_to_string(sb.clone.join("kubernetes/test/api-deployment.yml")).unwrap();
    assert!(
        api.contains(&format!("image: {}/{ns}/app:api-0.2.0", env.registry)),
        "{api}"
    );
}

#[test]
fn a_registry_whose_name_does_not_resolve_is_named_as_such() {
    let _env = docker_env();
    let (sb, _ns) = project("registry.release-test.invalid");
    sb.commit_file("src/api.py", "print('v2')\n", "fix: v2");
    let before = sb.state();
    let r = sb.release(&["patch", "--dry-run"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("Steps:") && r.stderr.contains("build 2 image(s)"),
        "the plan first: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("cannot reach registry registry.release-test.invalid: name lookup failed"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("answered 500"), "{}", r.stderr);
    assert_eq!(before, sb.state());
}
