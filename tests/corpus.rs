//! Every real project in ../shared/corpus: `release check` reports what the corpus README
//! lists, the patcher changes no byte outside image values, `promote --dry-run` never
//! crashes and changes nothing.

mod common;
use common::Sandbox;
use release::config::Config;
use release::manifests::{Layout, patch};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        p.is_dir(),
        "{} is missing: the corpus tests need shared/ beside the checkout (CI lays it there)",
        p.display()
    );
    p
}

fn projects() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("kubernetes").is_dir())
        .collect();
    v.sort();
    assert!(v.len() >= 6, "expected the six corpus projects, found {v:?}");
    v
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn rules_of(sb: &Sandbox, dir: &Path) -> (i32, Vec<String>) {
    let r = sb.release_in(dir, &["check", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.all()));
    let rules = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    (r.code, rules)
}

#[test]
fn check_reports_what_the_corpus_readme_lists() {
    let sb = Sandbox::new();
    let expect: &[(&str, &[&str], i32)] = &[
        ("Aanchalaanchal__COE332-final-project-group", &["env-missing"], 0),
        ("Randy-Hodges__coe332-Final-Project", &["name-shared"], 1),
        ("niccoleriera__NEC-orbital-elements-analysis", &["floating-tag"], 0),
        (
            "Kelach__ATX-Traffic-Incidents-API",
            &["repository-differs", "no-partner", "name-shared"],
            1,
        ),
        (
            "JackJack33__tvs-tornado",
            &["floating-tag", "wrong-env-name", "name-shared", "host-shared"],
            1,
        ),
        ("wjallen__pssp-api", &["placeholder"], 0),
    ];
    for (name, rules, code) in expect {
        let (got_code, got) = rules_of(&sb, &corpus().join(name));
        for r in *rules {
            assert!(got.iter().any(|g| g == r), "{name}: expected {r} in {got:?}");
        }
        assert_eq!(got_code, *code, "{name}: {got:?}");
    }
}

#[test]
fn patcher_changes_only_image_values_in_every_project() {
    for p in projects() {
        let cfg = Config::default();
        let layout = Layout::load(&p, &cfg).unwrap();
        for env in [&layout.test, &layout.prod] {
            let opts = patch::Options {
                replace_floating: true,
                ..Default::default()
            };
            let patches = match patch::plan(env, &layout.project, "9.9.9", opts) {
                Ok(p) => p,
                Err(refusals) => {
                    // only placeholders may be refused, and each names file:line
                    for r in &refusals {
                        assert!(r.message.contains("placeholder") && r.line > 0, "{}: {r}", p.display());
                    }
                    continue;
                }
            };
            for fp in patches {
                let (old, new) = (fp.old_text.as_bytes(), fp.new_text.as_bytes());
                // outside the edited ranges, the bytes are the same, in order
                let mut rebuilt = Vec::new();
                let mut at = 0;
                for e in &fp.edits {
                    rebuilt.extend_from_slice(&old[at..e.bytes.start]);
                    rebuilt.extend_from_slice(e.new.as_bytes());
                    at = e.bytes.end;
                    assert!(e.new.ends_with("9.9.9"), "{}: {}", fp.path.display(), e.new);
                    assert!(
                        !e.old.starts_with("redis") && !e.old.starts_with("python"),
                        "third-party image touched: {}",
                        e.old
                    );
                }
                rebuilt.extend_from_slice(&old[at..]);
                assert_eq!(rebuilt, new, "{}", fp.path.display());
            }
        }
    }
}

#[test]
fn randy_hodges_four_space_indent_patch_is_exact() {
    let p = corpus().join("Randy-Hodges__coe332-Final-Project");
    let layout = Layout::load(&p, &Config::default()).unwrap();
    let patches = patch::plan(&layout.test, &layout.project, "0.2.0", patch::Options::default()).unwrap();
    let flask = patches
        .iter()
        .find(|f| f.path.ends_with("app-test-flask-deployment.yml"))
        .unwrap();
    assert_eq!(
        flask.new_text,
        flask
            .old_text
            .replace("coe332-final-api:0.1.0", "coe332-final-api:0.2.0")
    );
}

#[test]
fn promote_dry_run_on_every_project_changes_nothing() {
    for p in projects() {
        let sb = Sandbox::new();
        copy_dir(&p.join("kubernetes"), &sb.clone.join("kubernetes"));
        sb.git(&sb.clone, &["add", "-A"]);
        sb.git(&sb.clone, &["commit", "-q", "-m", "chore: corpus"]);
        sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
        let before = sb.state();
        let r = sb.release(&["promote", "--dry-run", "--skip-images"]);
        assert!(r.code == 0 || r.code == 2, "{}: {}", p.display(), r.all());
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert_eq!(before, sb.state(), "{}", p.display());
        let name = p.file_name().unwrap().to_str().unwrap();
        match name {
            "Aanchalaanchal__COE332-final-project-group" => {
                assert!(r.stderr.contains("no kubernetes/prod folder"), "{}", r.stderr)
            }
            "wjallen__pssp-api" | "niccoleriera__NEC-orbital-elements-analysis" | "JackJack33__tvs-tornado" => {
                assert!(r.stderr.contains("names no fixed version"), "{name}: {}", r.stderr)
            }
            "Kelach__ATX-Traffic-Incidents-API" => {
                // test runs kelach/test_atx_incidents:1.0: promotion copies that full reference
                assert_eq!(r.code, 0, "{}", r.all());
                assert!(
                    r.stderr.contains("+          image: kelach/test_atx_incidents:1.0"),
                    "{}",
                    r.stderr
                );
            }
            "Randy-Hodges__coe332-Final-Project" => {
                assert_eq!(r.code, 0, "{}", r.all());
                assert!(r.stderr.contains("already runs what test runs (0.1.0)"), "{}", r.stderr);
            }
            _ => {}
        }
    }
}

#[test]
fn every_corpus_layout_gets_a_sensible_image_mapping() {
    let expect: &[(&str, &[(&str, &str)])] = &[
        (
            "Aanchalaanchal__COE332-final-project-group",
            &[("kdnguyen205/coe332-final", "docker/Dockerfile")],
        ),
        (
            "JackJack33__tvs-tornado",
            &[("hsosbee/tvs_api", "Dockerfile"), ("hsosbee/tvs_worker", "Dockerfile")],
        ),
        (
            "Kelach__ATX-Traffic-Incidents-API",
            &[("kelach/test_atx_incidents", "Docker/Dockerfile")],
        ),
        (
            "Randy-Hodges__coe332-Final-Project",
            &[
                ("rhodgesd/coe332-final-api", "docker/Dockerfile.api"),
                ("rhodgesd/coe332-final-wrk", "docker/Dockerfile.wrk"),
            ],
        ),
        (
            "niccoleriera__NEC-orbital-elements-analysis",
            &[
                ("niccoleriera/necelements_api", "docker/Dockerfile.api"),
                ("niccoleriera/necelements_wrk", "docker/Dockerfile.wrk"),
            ],
        ),
        (
            "wjallen__pssp-api",
            &[
                ("wallen/pssp-app-api", "docker/Dockerfile.api"),
                ("wallen/pssp-app-wrk", "docker/Dockerfile.wrk"),
            ],
        ),
    ];
    for (name, want) in expect {
        let specs =
            release::images::specs(&corpus().join(name), &Config::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: Vec<(String, String)> = specs
            .iter()
            .map(|s| (s.repository.clone(), s.dockerfile.to_string_lossy().into_owned()))
            .collect();
        let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(got, want, "{name}");
    }
}
