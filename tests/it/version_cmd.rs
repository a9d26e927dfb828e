//! `release version`: text, --explain and --json on a real repository.

use crate::common;
use common::Sandbox;

#[test]
fn version_text_explain_and_json() {
    let sb = Sandbox::new();
    sb.tag_and_push("v0.1.0");
    sb.commit_file("a", "a\n", "feat: a");
    sb.git(&sb.clone, &["tag", "-a", "v0.2.0-rc.1", "-m", "rc"]);
    sb.git(&sb.clone, &["tag", "nightly"]);
    let r = sb.release(&["version"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("current: v0.2.0-rc.1\n"), "{}", r.stdout);
    assert!(r.stdout.contains("minor:   v0.2.0\n"), "{}", r.stdout);
    assert!(r.stdout.contains("major:   v1.0.0\n"), "{}", r.stdout);
    assert!(r.stdout.contains("final:   v0.2.0\n"), "{}", r.stdout);
    let r = sb.release(&["version", "--explain"]);
    assert!(r.stdout.contains("chosen: tag v0.2.0-rc.1"), "{}", r.stdout);
    assert!(r.stdout.contains("nightly"), "{}", r.stdout);
    let r = sb.release(&["version", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["current"]["version"], "0.2.0-rc.1");
    assert_eq!(v["current"]["tag"], "v0.2.0-rc.1");
    assert_eq!(v["next"]["patch"]["version"], "0.2.0");
    assert_eq!(v["next"]["patch"]["tag"], "v0.2.0");
    assert_eq!(v["next"]["major"]["version"], "1.0.0");
    assert_eq!(v["ignored"][0], "nightly");
    assert_eq!(v["tags"][1]["tag"], "v0.1.0");
    assert_eq!(v["tags"][1]["version"], "0.1.0");
}

#[test]
fn help_and_version_flags() {
    let sb = Sandbox::new();
    let r = sb.release(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("Exit codes:") && r.stdout.contains("rolled back"),
        "{}",
        r.stdout
    );
    let r = sb.release(&["--version"]);
    assert!(r.stdout.starts_with("release "), "{}", r.stdout);
    let r = sb.release(&["minor", "--help"]);
    assert!(
        r.stdout.contains("--pre <LABEL>") && r.stdout.contains("--dry-run"),
        "{}",
        r.stdout
    );
}

#[test]
fn demo_runs_offline_and_releases() {
    let sb = Sandbox::new();
    let into = sb.path("demo");
    let r = sb.release_in(sb.tmp.path(), &["demo", "--into", into.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.all());
    let origin = into.join("github.git");
    for t in ["0.1.0", "0.2.0"] {
        let out = sb.git_out(&origin, &["rev-parse", "--verify", "-q", &format!("refs/tags/{t}")]);
        assert!(out.status.success(), "tag {t} missing on the demo's GitHub");
    }
    assert!(r.stderr.contains("kube-2 is at 0.2.0"), "{}", r.stderr);
}

#[test]
fn demo_builds_and_pushes_its_images_when_a_registry_is_given() {
    let env = common::docker_env();
    let sb = Sandbox::new();
    let into = sb.path("demoimg");
    let r = sb.release_in(
        sb.tmp.path(),
        &["demo", "--into", into.to_str().unwrap(), "--registry", &env.registry],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let ns_line = r
        .stderr
        .lines()
        .find(|l| l.contains("images: building FROM scratch"))
        .expect("images were not built");
    let ns = ns_line.rsplit(&format!("{}/", env.registry)).next().unwrap().trim();
    for role in ["api", "wrk"] {
        let tags = common::registry_tags(&env.registry, &format!("{ns}/hello-{role}"), None);
        assert_eq!(tags, vec!["0.1.0", "0.2.0"], "{ns}/hello-{role}");
    }
}
