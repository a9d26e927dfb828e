//! `version_files:`: the release sets the app's version in the files that carry it, in the
//! release commit, changing only the version's bytes; check and version --explain say
//! what each holds.

use crate::common::Sandbox;

const PYPROJECT: &str =
    "[build-system]\nrequires = [\"setuptools\"]\n\n[project]\nname = \"app\"\nversion = \"0.0.9\"  # lags the tags\n";
const PACKAGE: &str = "{\n  \"name\": \"web\",\n  \"version\": \"0.1.0\",\n  \"dependencies\": { \"left-pad\": { \"version\": \"1.3.0\" } }\n}\n";
const INIT: &str = "\"\"\"app\"\"\"\r\n__version__ = '0.1.0'\r\n";
const MAKEFILE: &str = "IMG = u/app\nVERSION=0.1.0\n";

fn project() -> Sandbox {
    let sb = Sandbox::new();
    sb.commit_file("pyproject.toml", PYPROJECT, "feat: python project");
    sb.commit_file("web/package.json", PACKAGE, "feat: web");
    sb.commit_file("src/app/__init__.py", INIT, "feat: app");
    sb.commit_file("Makefile", MAKEFILE, "build: make");
    sb.commit_file(
        ".release.yml",
        "version_files:\n  - pyproject.toml\n  - web/package.json\n  - src/app/__init__.py\n  - { path: Makefile, pattern: \"VERSION=(\\\\S+)\" }\n",
        "chore: version files",
    );
    sb.tag_and_push("0.1.0");
    sb.commit_file("src/app/x.py", "x = 1\n", "feat: more");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    sb
}

#[test]
fn a_release_sets_every_version_file_in_its_commit_byte_for_byte() {
    let sb = project();
    sb.release(&["check"]).says(&[
        "warning[version-file]",
        "pyproject.toml holds version 0.0.9, but the current release is 0.1.0",
    ]);
    sb.release(&["version", "--explain"]).says(&[
        "version file pyproject.toml: holds 0.0.9, lagging 0.1.0",
        "version file Makefile: holds 0.1.0",
    ]);
    sb.release(&["minor", "--yes", "--skip-images"])
        .exits(0, "release with version files")
        .says(&["pyproject.toml held version 0.0.9; the release sets 0.2.0"]);
    let at_tag = |p: &str| sb.git(&sb.clone, &["show", &format!("0.2.0:{p}")]);
    assert_eq!(at_tag("pyproject.toml") + "\n", PYPROJECT.replace("0.0.9", "0.2.0"));
    assert_eq!(
        at_tag("web/package.json") + "\n",
        PACKAGE.replacen("\"0.1.0\"", "\"0.2.0\"", 1)
    );
    assert!(
        at_tag("web/package.json").contains("\"version\": \"1.3.0\""),
        "a nested version stays"
    );
    let init = std::fs::read(sb.clone.join("src/app/__init__.py")).unwrap();
    assert_eq!(
        init,
        INIT.replace("0.1.0", "0.2.0").into_bytes(),
        "CRLF and quotes kept"
    );
    assert_eq!(at_tag("Makefile") + "\n", MAKEFILE.replace("0.1.0", "0.2.0"));
    let files = sb.git(&sb.clone, &["show", "--name-only", "--format=", "0.2.0"]);
    for f in [
        "pyproject.toml",
        "web/package.json",
        "src/app/__init__.py",
        "Makefile",
        "CHANGELOG.md",
    ] {
        assert!(files.lines().any(|l| l == f), "{f} is in the release commit:\n{files}");
    }
    assert_eq!(sb.git(&sb.clone, &["status", "--porcelain"]), "");
}

#[test]
fn a_listed_file_without_a_version_refuses_and_a_bad_pattern_is_named() {
    let sb = project();
    sb.commit_file("pyproject.toml", "[project]\nname = \"app\"\n", "chore: no version");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let before = sb.state();
    sb.release(&["minor", "--yes", "--skip-images"])
        .exits(2, "a version file with no version")
        .says(&["pyproject.toml is listed in version_files, but holds no version"]);
    assert_eq!(before, sb.state());
    sb.commit_file(
        ".release.yml",
        "version_files:\n  - { path: Makefile, pattern: \"(V)=(\\\\S+)\" }\n",
        "chore: two groups",
    );
    sb.release(&["check"])
        .exits(2, "a pattern of two groups")
        .says(&["exactly one group"]);
}

#[test]
fn init_offers_the_version_files_it_finds() {
    let sb = Sandbox::new();
    sb.commit_file("pyproject.toml", PYPROJECT, "feat: python project");
    sb.commit_file(
        "kubernetes/prod/api.yml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-prod-api\nspec:\n  selector:\n    matchLabels:\n      app: app-prod-api\n  template:\n    metadata:\n      labels:\n        app: app-prod-api\n    spec:\n      containers:\n        - name: api\n          image: u/app-api:0.1.0\n",
        "feat: prod",
    );
    sb.release(&["init", "--dry-run"])
        .exits(0, "init offers")
        .says(&["pyproject.toml (holds 0.0.9)", "version_files: [pyproject.toml]"]);
}
