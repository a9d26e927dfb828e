//! The release patches kubernetes/test; promote copies test's images to prod; init writes
//! the reference layout; bad manifests are refused with file:line and nothing lost.

use crate::common;
use common::Sandbox;

/// A sandbox whose clone has the reference layout (via `release init`), committed and
/// pushed, with tag 0.1.0.
fn with_layout() -> Sandbox {
    let sb = Sandbox::new();
    let r = sb.release(&["init", "--app", "shop", "--user", "alice"]);
    assert_eq!(r.code, 0, "{}", r.all());
    sb.git(&sb.clone, &["add", "-A"]);
    sb.git(&sb.clone, &["commit", "-q", "-m", "feat: deploy files"]);
    sb.tag_and_push("0.1.0");
    sb
}

fn read(sb: &Sandbox, rel: &str) -> String {
    std::fs::read_to_string(sb.clone.join(rel)).unwrap()
}

fn write(sb: &Sandbox, rel: &str, text: &str) {
    std::fs::write(sb.clone.join(rel), text).unwrap();
}

#[test]
fn init_writes_a_layout_that_checks_clean_and_never_overwrites() {
    let sb = Sandbox::new();
    write(&sb, ".release.yml", "branch: main\n");
    let r = sb.release(&[
        "init",
        "--app",
        "shop",
        "--user",
        "alice",
        "--nodeport-test",
        "30100",
        "--nodeport-prod",
        "30200",
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("kept     .release.yml"), "{}", r.stderr);
    assert_eq!(read(&sb, ".release.yml"), "branch: main\n");
    assert!(read(&sb, "kubernetes/test/api-deployment.yml").contains("image: alice/shop-api:0.0.0"));
    assert!(read(&sb, "kubernetes/prod/api-service.yml").contains("nodePort: 30200"));
    let r = sb.release(&["check"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("0 error(s), 0 warning(s)"), "{}", r.stdout);
    // again: everything kept, nothing changed
    let before = std::fs::read(sb.clone.join("kubernetes/test/api-deployment.yml")).unwrap();
    let r = sb.release(&["init", "--app", "other", "--user", "alice"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        before,
        std::fs::read(sb.clone.join("kubernetes/test/api-deployment.yml")).unwrap()
    );
    let r = sb.release(&["init", "--user", "Alice"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("capitals"), "{}", r.stderr);
}

#[test]
fn release_sets_test_images_in_the_tagged_commit_and_leaves_prod() {
    let sb = with_layout();
    let test_before = read(&sb, "kubernetes/test/api-deployment.yml");
    let prod_before = read(&sb, "kubernetes/prod/api-deployment.yml");
    sb.commit_file("src/x.py", "x\n", "feat: x");
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let test_after = read(&sb, "kubernetes/test/api-deployment.yml");
    assert_eq!(
        test_after,
        test_before.replace("alice/shop-api:0.0.0", "alice/shop-api:0.2.0")
    );
    assert_ne!(test_after, test_before);
    assert_eq!(read(&sb, "kubernetes/prod/api-deployment.yml"), prod_before);
    // the tagged commit on origin says what test should run
    let at_tag = sb.git(&sb.origin, &["show", "0.2.0:kubernetes/test/wrk-deployment.yml"]);
    assert!(at_tag.contains("image: alice/shop-wrk:0.2.0"), "{at_tag}");
    let redis = sb.git(&sb.origin, &["show", "0.2.0:kubernetes/test/db-deployment.yml"]);
    assert!(redis.contains("image: redis:7"));
}

#[test]
fn promote_copies_test_images_to_prod_commits_and_pushes() {
    let sb = with_layout();
    sb.commit_file("src/x.py", "x\n", "feat: x");
    assert_eq!(sb.release(&["minor", "--yes", "--skip-images"]).code, 0);
    // wrong version: refused, nothing changed
    let before = sb.local_state();
    let r = sb.release(&["promote", "0.3.0", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("test runs 0.2.0, not 0.3.0"), "{}", r.stderr);
    assert_eq!(before, sb.local_state());
    // dry run: diff, nothing changed
    let r = sb.release(&["promote", "--dry-run", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("+          image: alice/shop-api:0.2.0"),
        "{}",
        r.stderr
    );
    assert_eq!(before, sb.local_state());
    let prod_before = read(&sb, "kubernetes/prod/wrk-deployment.yml");
    let r = sb.release(&["promote", "0.2.0", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        read(&sb, "kubernetes/prod/wrk-deployment.yml"),
        prod_before.replace("shop-wrk:0.0.0", "shop-wrk:0.2.0")
    );
    assert_eq!(
        sb.git(&sb.origin, &["log", "-1", "--format=%s", "main"]),
        "chore(deploy): promote 0.2.0 to prod"
    );
    assert_eq!(
        sb.git(&sb.origin, &["rev-parse", "main"]),
        sb.git(&sb.clone, &["rev-parse", "HEAD"])
    );
    // again: nothing to do
    let r = sb.release(&["promote", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("already runs what test runs"), "{}", r.stderr);
}

#[test]
fn promote_refuses_when_workloads_differ_or_prod_is_missing() {
    let sb = with_layout();
    sb.git(&sb.clone, &["rm", "-q", "kubernetes/prod/wrk-deployment.yml"]);
    sb.git(&sb.clone, &["commit", "-q", "-m", "chore: drop prod worker"]);
    let r = sb.release(&["promote", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("shop-test-wrk") && r.stderr.contains("has no partner"),
        "{}",
        r.stderr
    );
    sb.git(&sb.clone, &["rm", "-q", "-r", "kubernetes/prod"]);
    sb.git(&sb.clone, &["commit", "-q", "-m", "chore: no prod"]);
    let r = sb.release(&["promote", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no prod manifests (kubernetes/prod has none)"),
        "{}",
        r.stderr
    );
    // the release itself still works without prod (a warning)
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("no prod manifests"), "{}", r.stderr);
}

fn refused_with(sb: &Sandbox, needle: &str) {
    let before = sb.local_state();
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains(needle), "expected {needle:?} in {}", r.stderr);
    assert_eq!(before, sb.local_state());
}

#[test]
fn bad_manifests_refuse_the_release_with_file_and_line() {
    let sb = with_layout();
    let path = "kubernetes/test/api-deployment.yml";
    let good = read(&sb, path);
    sb.commit_file(path, &good.replace("  replicas: 2\n", "  replicas: [2\n"), "fix: oops");
    refused_with(&sb, "kubernetes/test/api-deployment.yml:");
    sb.commit_file(
        path,
        &good.replace(
            "    app: shop-test-api\n    env: test\nspec:",
            "    app: shop-test-api\n\tenv: test\nspec:",
        ),
        "fix: tab",
    );
    refused_with(&sb, "a tab is used for indentation");
    sb.commit_file(
        path,
        &good.replace("image: alice/shop-api:0.0.0", "image: &img alice/shop-api:0.0.0"),
        "fix: anchor",
    );
    refused_with(&sb, "anchor");
    sb.commit_file(
        path,
        &good.replace(
            "image: alice/shop-api:0.0.0",
            "image: |\n            alice/shop-api:0.0.0",
        ),
        "fix: block",
    );
    refused_with(&sb, "block scalar");
    sb.commit_file(
        path,
        &good.replace("image: alice/shop-api:0.0.0", "image: alice/shop-api:latest"),
        "fix: latest",
    );
    // Those who ask to keep floating tags get the refusal, with the way to pin it once.
    let config = read(&sb, ".release.yml");
    sb.commit_file(
        ".release.yml",
        &format!("{config}manifests:\n  keep_floating: true\n"),
        "chore: keep floating",
    );
    refused_with(&sb, "--replace-latest");
    sb.commit_file(".release.yml", &config, "chore: pin floating tags");
    // By default a release pins a floating test image to the new version, and says so.
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("`alice/shop-api:latest` -> `alice/shop-api:0.2.0`, was floating"),
        "{}",
        r.stderr
    );
    assert!(read(&sb, path).contains("image: alice/shop-api:0.2.0"));
}

#[test]
fn no_kubernetes_folder_or_an_empty_one_still_releases() {
    let sb = Sandbox::new();
    let r = sb.release(&["minor", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("no manifests found (kubernetes/test, kubernetes/prod)"),
        "{}",
        r.stderr
    );
    std::fs::create_dir_all(sb.clone.join("kubernetes/test")).unwrap();
    std::fs::create_dir_all(sb.clone.join("kubernetes/prod")).unwrap();
    sb.commit_file("x", "x\n", "fix: x");
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["check"]);
    assert_eq!(r.code, 0, "{}", r.all());
}
