//! Our build context against `docker build` on the real engine: the same tricky
//! `.dockerignore`, two images built FROM scratch with `COPY . /ctx/`, the same files.

use crate::common;
use kube_release::images::{build_context, engine};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn files_in_image(image: &str) -> Vec<String> {
    let out = Command::new("docker").args(["create", image, "x"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let tar = Command::new("docker").args(["export", &id]).output().unwrap();
    let _ = Command::new("docker").args(["rm", &id]).output();
    let mut names: Vec<String> = tar::Archive::new(tar.stdout.as_slice())
        .entries()
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let p = e.path().ok()?.to_string_lossy().to_string();
            (e.header().entry_type().is_file() && p.starts_with("ctx/")).then_some(p)
        })
        .collect();
    names.sort();
    names
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn same_files_as_docker_build() {
    let _env = common::docker_env();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "a.log",
        "sub/a.log",
        "deep/x/y/b.log",
        "data/big.bin",
        "data/keep.txt",
        "data/nested/keep.txt",
        "src/app.py",
        "src/app.pyc",
        "src/pkg/mod.pyc",
        "docs/readme.md",
        "#notacomment",
        "x1.cfg",
        "x22.cfg",
        "node_modules/m/index.js",
        ".git/HEAD",
        "build/out/bin",
        "build/keep/me",
    ] {
        write(root, f, f);
    }
    write(
        root,
        ".dockerignore",
        "# comment\n*.log\n**/b.log\ndata\n!data/keep.txt\nsrc/*.pyc\n./docs/\n/node_modules\n #notacomment\n?1.cfg\n.git\nbuild\n!build/keep\nDockerfile\n",
    );
    let (a, b, pruned) = both(root, "FROM scratch\nCOPY . /ctx/\n", "ignore");
    assert!(!pruned, "COPY . needs the whole context");
    assert_eq!(a, b, "docker build and release sent different files");
    // and the rules did something: these are in, those are out
    assert!(a.contains(&"ctx/data/keep.txt".to_string()) && a.contains(&"ctx/sub/a.log".to_string()));
    assert!(
        !a.iter()
            .any(|f| f.contains("big.bin") || f.ends_with("a.log") && !f.contains("sub"))
    );
}

/// Builds `dockerfile` in `root` with `docker build` (whole context) and with release
/// (only what COPY/ADD read, when it can tell); returns both file lists and whether ours
/// was pruned.
fn both(root: &Path, dockerfile: &str, name: &str) -> (Vec<String>, Vec<String>, bool) {
    // A label of its own per case right after FROM, so every later step's cache key is this
    // case's: the engine's build cache never hands one case a step image that another case
    // has just removed.
    let (from, rest) = dockerfile.split_once('\n').unwrap_or((dockerfile, ""));
    let dockerfile = format!(
        "{from}\nLABEL release.test.case=\"{name}-{}\"\n{rest}",
        std::process::id()
    );
    let dockerfile = dockerfile.as_str();
    write(root, "Dockerfile", dockerfile);
    let tag = format!("release-prune-{}-{name}", std::process::id());
    let theirs = format!("{tag}:docker");
    let out = Command::new("docker")
        .args(["build", "-q", "-t", &theirs, "."])
        .current_dir(root)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "docker build {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = format!("{tag}:release");
    let mut log = tempfile::tempfile().unwrap();
    let pruned = engine::block_on(async {
        let e = engine::Engine::connect().await?;
        let only = e.context_filter(dockerfile).await;
        let ctx = build_context::scan_only(root, &root.join("Dockerfile"), only.as_deref())?;
        let pruned = ctx.pruned;
        let none = HashMap::new();
        let how = engine::BuildOptions {
            build_args: &none,
            labels: &none,
            platform: None,
        };
        e.build(&ours, ctx, &how, &mut log, &|_| {}).await?;
        Ok::<bool, anyhow::Error>(pruned)
    })
    .unwrap()
    .unwrap();
    let res = (files_in_image(&theirs), files_in_image(&ours), pruned);
    let _ = Command::new("docker").args(["rmi", "-f", &theirs, &ours]).output();
    res
}

#[test]
fn sending_only_what_copy_reads_builds_the_same_image() {
    let _env = common::docker_env();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "src/app.py",
        "src/app.pyc",
        "src/pkg/mod.py",
        "src/pkg/mod.pyc",
        "data/keep.txt",
        "data/big.bin",
        "docs/a.md",
        "docs/b.md",
        "docs/c.txt",
        "docs/sub/d.md",
        "requirements.txt",
        "a b.txt",
        "notes.txt",
    ] {
        write(root, f, f);
    }
    write(root, ".dockerignore", "**/*.pyc\ndata\n!data/keep.txt\n");
    let cases: &[(&str, &str, bool)] = &[
        (
            "dirs",
            "FROM scratch\nCOPY src /ctx/src\nCOPY requirements.txt /ctx/\n",
            true,
        ),
        (
            "wildcards",
            "FROM scratch\nCOPY docs/*.md /ctx/docs/\nCOPY src/pk? /ctx/pkg/\n",
            true,
        ),
        (
            "json-and-flags",
            "FROM scratch\nCOPY --chown=1:1 [\"a b.txt\", \"data/keep.txt\", \"/ctx/\"]\nADD ./src/ /ctx/src2\n",
            true,
        ),
        ("ignored-source", "FROM scratch\nCOPY data /ctx/data\n", true),
        (
            "multistage",
            "FROM scratch AS one\nCOPY notes.txt /n\nFROM scratch\nCOPY --from=one /n /ctx/n\nCOPY docs /ctx/docs\n",
            true,
        ),
        ("everything", "FROM scratch\nCOPY . /ctx/\n", false),
        ("variable", "FROM scratch\nARG D=src\nCOPY $D /ctx/src\n", false),
    ];
    for (name, df, expect_pruned) in cases {
        let (theirs, ours, pruned) = both(root, df, name);
        assert_eq!(theirs, ours, "{name}: docker build and release built different images");
        assert!(!theirs.is_empty(), "{name}: nothing copied, the case tests nothing");
        assert_eq!(pruned, *expect_pruned, "{name}");
    }
}
