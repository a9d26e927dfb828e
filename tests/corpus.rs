//! Every real project in ../shared/corpus, as found, copied into a fresh git repository
//! (never run in place: shared/ may sit inside another repository). With zero config:
//! the environments and image mapping its README row implies, and `release minor
//! --dry-run --skip-images` releasing it (exit 0) or refusing with exactly the file:line
//! defects the row lists (exit 2). Then the patcher and promote change nothing but image
//! values, and `release init` builds test for the prod-only projects.
//!
//! Its own harness (`harness = false`): on a machine without ../shared (a newcomer's fresh
//! clone) it prints plainly that it did not run and why; in CI shared/ is there and every
//! case must pass.

mod common;
use common::Sandbox;
use kube_release::config::Config;
use kube_release::manifests::{Layout, patch};
use std::path::{Path, PathBuf};

/// What one project must give.
struct Expect {
    name: &'static str,
    /// A part of the line `release check` starts with.
    found: &'static str,
    /// (repository, Dockerfile) in mapping order.
    images: &'static [(&'static str, &'static str)],
    /// The version the dry run proposes.
    version: &'static str,
    /// 0: releases; 2: refused with exactly these problems (file:line of each).
    code: i32,
    problems: &'static [&'static str],
}

const EXPECT: &[Expect] = &[
    Expect {
        name: "Aanchalaanchal__COE332-final-project-group",
        found: "test: kubernetes/test (8 files), prod: none (kubernetes/prod does not exist), shared: none",
        images: &[("kdnguyen205/coe332-final", "docker/Dockerfile")],
        version: "-> 1.1.0 ", // image tag 1.0 is the current version
        code: 0,
        problems: &[],
    },
    Expect {
        name: "CeciNguyen__You-re-Cute-Genes",
        found: "test: none (kubes/*test* does not exist), prod: kubes/ (8 files), shared: none",
        images: &[("avlavelle/gene_api", "docker/Dockerfile")],
        version: "-> 0.1.0 ",
        code: 2,
        problems: &[
            "kubes/gene-prod-flask-deployment.yml:25: REDIS_IP", // names a Service that does not exist
            "kubes/gene-prod-ingress.yml:18: Ingress `prod-ingress`: port 31817 is not a port of Service `prod-service-nodeport` (5000), and the Service declares no nodePort 31817",
        ],
    },
    Expect {
        name: "JackJack33__tvs-tornado",
        found: "test: kubernetes/test (8 files), prod: kubernetes/prod (8 files), shared: none",
        images: &[("hsosbee/tvs_api", "Dockerfile"), ("hsosbee/tvs_worker", "Dockerfile")],
        version: "-> 1.4.0 ", // prod runs tvs_worker:1.3
        code: 2,
        problems: &[
            "kubernetes/test/app-test-deployment-worker.yml:5: Deployment `app-prod-deployment-worker`",
            "kubernetes/test/app-test-ingress-flask.yml:11: Ingress host",
            "kubernetes/test/app-test-pvc-redis.yml:5: PersistentVolumeClaim `redis-data-pvc`",
            "kubernetes/test/app-test-service-redis.yml:4: Service `redis-db`",
        ],
    },
    Expect {
        name: "Jasmineeds__coe332-final",
        found: "test: kubernetes/test (10 files), prod: kubernetes/prod (9 files), shared: none",
        images: &[("jasmineeds/tectonic-tantrums", "Dockerfile")],
        version: "-> v1.4.0 ", // images at v1.3.0: the v prefix is kept
        code: 0,
        problems: &[],
    },
    Expect {
        name: "Kelach__ATX-Traffic-Incidents-API",
        found: "test: kubernetes/test (7 files), prod: kubernetes/prod (9 files), shared: none",
        images: &[("kelach/test_atx_incidents", "Docker/Dockerfile")],
        version: "-> 1.1.0 ",
        code: 2,
        problems: &[
            "kubernetes/prod/api-ingress.yml:18: Ingress `api-ingress`: port 31587 is not a port of Service `api-service-nodeport`",
            "kubernetes/prod/wrk-deployment.yml:27: REDIS_HOSTNAME in `worker-deployment` names Service `test-redis-service` of kubernetes/test",
            "kubernetes/test/py-debug-deployment.yml:5: Deployment `py-debug-deployment` has the same name",
            "kubernetes/test/test-api-service.yml:5: Service `flask-service` has the same name",
        ],
    },
    Expect {
        name: "Randy-Hodges__coe332-Final-Project",
        found: "test: kubernetes/test (7 files), prod: kubernetes/prod (7 files), shared: none",
        images: &[
            ("rhodgesd/coe332-final-api", "docker/Dockerfile.api"),
            ("rhodgesd/coe332-final-wrk", "docker/Dockerfile.wrk"),
        ],
        version: "-> 0.2.0 ",
        code: 2,
        problems: &["kubernetes/test/app-test-nodeport-service.yml:4: Service `nodeport-service` has the same name"],
    },
    Expect {
        name: "TreyGower7__AsteroidDataProject",
        found: "test: k8files/ (8 files), prod: none (k8files/*prod* does not exist), shared: none",
        images: &[
            ("tagower/asteroid_stats", "docker-src/Dockerfile"),
            ("tagower/asteroid_worker", "docker-src/Dockerfile.wrk"),
        ],
        version: "-> 0.1.0 ",
        code: 2,
        problems: &[
            "k8files/asteroid_ingress.yml:18: Ingress `asteroid-ingress`: the backend port `31294 <YourPortHere>`",
        ],
    },
    Expect {
        name: "bradenpecora__global-energy-data",
        found: "test: k8s/test (6 files), prod: k8s/prod (6 files), shared: none",
        images: &[("bradenpecora/global-energy-data-app", "docker/Dockerfile.app")],
        version: "-> 1.1.0 ", // tags 0.0.1 ... 1.0.2
        code: 0,
        problems: &[],
    },
    Expect {
        name: "cass-kk__ckk-coe332-final-project",
        found: "test: deploy/ (labelled env: test) (6 files), prod: none (deploy/prod does not exist), shared: none",
        images: &[
            ("casskk/app-api", "docker/Dockerfile.api"),
            ("casskk/app-rd", "docker/Dockerfile.db"),
            ("casskk/app-worker", "docker/Dockerfile.wrk"),
        ],
        version: "-> 0.1.0 ",
        code: 2,
        problems: &[
            "deploy/api/api-deployment.yml:27: `casskk/app-api:${TAG}` is a placeholder",
            "deploy/db/db-deployment.yml:27: `casskk/app-rd:${TAG}` is a placeholder",
            "deploy/worker/worker-deployment.yml:27: `casskk/app-worker:${TAG}` is a placeholder",
            "deploy/api/api-deployment.yml:31: REDIS_IP in `app-api-deployment` is `10.98.221.351`, which is not an IP address",
            "deploy/worker/worker-deployment.yml:31: REDIS_IP in `app-worker-development` is `10.98.221.351`",
        ],
    },
    Expect {
        name: "jaeestee__Space-Mission-Analysis-API",
        found: "test: none (kubernetes/test does not exist), prod: kubernetes/prod (7 files), shared: none",
        images: &[
            ("jaeestee/space_mission_analysis", "docker/Dockerfile.api"),
            ("jaeestee/space_mission_analysis", "docker/Dockerfile.wrk"),
        ],
        version: "-> 0.1.0 ",
        code: 2,
        problems: &[
            "kubernetes/prod/app-prod-api-ingress.yml:18: Ingress `prod-api-ingress`: port 30312 is not a port of Service `prod-api-nodeport-service`",
        ],
    },
    Expect {
        name: "johnmmason__avocado",
        found: "test: kubernetes/test (10 files), prod: kubernetes/prod (10 files), shared: none",
        images: &[
            ("phart26/avocado-test-api", "api/dockerfile"),
            ("phart26/avocado-test-db", "redis/Dockerfile"),
            ("johnmmason/avocado-postgres", "database/Dockerfile"),
            ("phart26/avocado-test-wrk", "worker/Dockerfile"),
        ],
        version: "-> 0.1.0 ",
        code: 2,
        problems: &[
            "kubernetes/prod/avocado-production-postgres-pvc.yml:2: the YAML does not parse",
            "kubernetes/prod/avocado-production-postgres-service.yml:12: Service `postgres` in kubernetes/prod also selects pods",
            // README: REDIS_HOST and PG_HOST hard-coded and identical in both envs
            "kubernetes/test/avocado-test-api-deployment.yml:31: REDIS_HOST in `avocado-test-flask-deployment` is 10.110.128.5",
            "kubernetes/test/avocado-test-wrk-deployment.yml:31: PG_HOST in `avocado-test-worker-deployment` is 10.100.120.60",
            "kubernetes/test/avocado-test-wrk-deployment.yml:39: REDIS_HOST in `avocado-test-worker-deployment` is 10.110.128.5",
            "kubernetes/test/postgres-configmap.yml:4: ConfigMap `postgres-config` has the same name",
            "kubernetes/test/postgres-deployment.yml:4: Deployment `postgres` has the same name",
            "kubernetes/test/postgres-service.yml:4: Service `postgres` has the same name",
            "kubernetes/test/postgres-service.yml:12: Service `postgres` in kubernetes/test also selects pods",
        ],
    },
    Expect {
        name: "niccoleriera__NEC-orbital-elements-analysis",
        found: "test: kubernetes/test (6 files), prod: kubernetes/prod (6 files), shared: none",
        images: &[
            ("niccoleriera/necelements_api", "docker/Dockerfile.api"),
            ("niccoleriera/necelements_wrk", "docker/Dockerfile.wrk"),
        ],
        version: "-> 0.1.0 ",
        code: 0,
        problems: &[],
    },
    Expect {
        name: "wjallen__pssp-api",
        found: "test: kubernetes/test (6 files), prod: kubernetes/prod (6 files), shared: none",
        images: &[
            ("wallen/pssp-app-api", "docker/Dockerfile.api"),
            ("wallen/pssp-app-wrk", "docker/Dockerfile.wrk"),
        ],
        version: "-> 0.1.0 ",
        code: 2,
        problems: &[
            "kubernetes/test/pssp-test-api-deployment.yml:22: `wallen/pssp-app-api:${TAG}` is a placeholder",
            "kubernetes/test/pssp-test-wrk-deployment.yml:22: `wallen/pssp-app-wrk:${TAG}` is a placeholder",
        ],
    },
];

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    p.is_dir().then_some(p)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else if e.file_name() != "SOURCE" {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// The project as found, committed and pushed in a sandbox, with its own git tags (the
/// README says which projects tagged what).
fn sandbox(corpus: &Path, name: &str) -> Sandbox {
    let sb = Sandbox::new();
    copy_dir(&corpus.join(name), &sb.clone);
    sb.git(&sb.clone, &["add", "-A"]);
    sb.git(&sb.clone, &["commit", "-q", "-m", "feat: the project as found"]);
    if name.starts_with("bradenpecora") {
        for t in ["0.0.1", "0.1.1", "1.0.2"] {
            sb.git(&sb.clone, &["tag", "-a", t, "-m", t]);
        }
        sb.commit_file("NOTES", "one past 1.0.2\n", "docs: notes");
    }
    sb.git(&sb.clone, &["push", "-q", "--tags", "origin", "main"]);
    sb
}

fn problems_of(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  - "))
        .map(str::to_string)
        .collect()
}

fn each_project_is_found_and_released_or_refused_for_its_real_defects(corpus: &Path) {
    for e in EXPECT {
        let sb = sandbox(corpus, e.name);
        let check = sb.release(&["check"]);
        assert!(
            check.stdout.lines().next().is_some_and(|l| l.contains(e.found)),
            "{}: found line\n{}",
            e.name,
            check.all()
        );
        let before = sb.state();
        let r = sb.release(&["minor", "--dry-run", "--skip-images"]);
        assert_eq!(r.code, e.code, "{}: {}", e.name, r.all());
        assert!(
            r.stderr.contains(e.version),
            "{}: version {}:\n{}",
            e.name,
            e.version,
            r.stderr
        );
        assert!(
            r.stderr.contains("Steps:"),
            "{}: a dry run always shows the plan",
            e.name
        );
        let got = problems_of(&r.stderr);
        assert_eq!(got.len(), e.problems.len(), "{}: problems\n{}", e.name, got.join("\n"));
        for want in e.problems {
            assert!(
                got.iter().any(|g| g.starts_with(want)),
                "{}: missing `{want}` in\n{}",
                e.name,
                got.join("\n")
            );
        }
        assert_eq!(before, sb.state(), "{}: a dry run changes nothing", e.name);
    }
}

fn each_project_gets_the_image_mapping_its_files_imply(corpus: &Path) {
    for e in EXPECT {
        let sb = sandbox(corpus, e.name);
        let cfg = Config::load(&sb.clone).unwrap();
        let specs = kube_release::images::specs(&sb.clone, &cfg).unwrap_or_else(|err| panic!("{}: {err:#}", e.name));
        let got: Vec<(String, String)> = specs
            .iter()
            .map(|s| (s.repository.clone(), s.dockerfile.display().to_string()))
            .collect();
        let want: Vec<(String, String)> = e.images.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(got, want, "{}", e.name);
    }
}

/// Outside the edited ranges the bytes are the same, in order; only project images change.
fn patcher_changes_only_image_values(corpus: &Path) {
    for e in EXPECT {
        let sb = sandbox(corpus, e.name);
        let layout = Layout::load(&sb.clone, &Config::default()).unwrap();
        for env in [&layout.test, &layout.prod] {
            let opts = patch::Options {
                replace_floating: true,
                ..Default::default()
            };
            let Ok(patches) = patch::plan(env, &layout.project, "9.9.9", opts) else {
                continue; // placeholders: refused with file:line (checked above)
            };
            for fp in patches {
                let (old, new) = (fp.old_text.as_bytes(), fp.new_text.as_bytes());
                let mut rebuilt = Vec::new();
                let mut at = 0;
                for ed in &fp.edits {
                    rebuilt.extend_from_slice(&old[at..ed.bytes.start]);
                    rebuilt.extend_from_slice(ed.new.as_bytes());
                    at = ed.bytes.end;
                    assert!(ed.new.ends_with("9.9.9"), "{}: {}", fp.path.display(), ed.new);
                    assert!(
                        !ed.old.starts_with("redis") && !ed.old.starts_with("postgres:"),
                        "{}",
                        ed.old
                    );
                }
                rebuilt.extend_from_slice(&old[at..]);
                assert_eq!(rebuilt, new, "{}", fp.path.display());
            }
        }
    }
}

fn promote_dry_run_changes_nothing_anywhere(corpus: &Path) {
    let mut promoted = 0;
    for e in EXPECT {
        let sb = sandbox(corpus, e.name);
        let before = sb.state();
        let r = sb.release(&["promote", "--dry-run", "--skip-images"]);
        assert!(r.code == 0 || r.code == 2, "{}: {}", e.name, r.all());
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert_eq!(before, sb.state(), "{}", e.name);
        if e.found.contains("prod: none") {
            assert!(
                r.stderr.contains("no prod manifests") && r.stderr.contains("release init"),
                "{}",
                r.stderr
            );
        }
        if r.code == 0 && !r.stderr.contains("already runs what test runs") {
            promote_changes_only_image_lines(&sb, e.name);
            promoted += 1;
        }
    }
    assert!(
        promoted > 0,
        "no corpus project was really promoted, so the byte check never ran"
    );
}

/// A real promote: the commit on origin changes prod files in `image:` lines only, each
/// line otherwise byte-identical.
fn promote_changes_only_image_lines(sb: &Sandbox, name: &str) {
    let r = sb.release(&["promote", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{name}: {}", r.all());
    let changed = sb.git(&sb.origin, &["diff", "--name-only", "main~1", "main"]);
    assert!(!changed.is_empty(), "{name}: promote committed nothing");
    for file in changed.lines() {
        let old = sb.git(&sb.origin, &["show", &format!("main~1:{file}")]);
        let new = sb.git(&sb.origin, &["show", &format!("main:{file}")]);
        let (old, new): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
        assert_eq!(old.len(), new.len(), "{name}: {file}");
        for (a, b) in old.iter().zip(&new).filter(|(a, b)| a != b) {
            assert!(
                a.contains("image:") && b.contains("image:"),
                "{name}: {file}: `{a}` -> `{b}`"
            );
            assert_eq!(
                a.split("image:").next(),
                b.split("image:").next(),
                "{name}: indentation kept"
            );
        }
    }
}

/// Prod-only projects: `release init` builds test from prod; the copy collides with prod
/// in nothing, and a release then patches it.
fn init_builds_test_for_prod_only_projects(corpus: &Path) {
    let collisions = [
        "name-shared",
        "nodeport-shared",
        "host-shared",
        "labels-shared",
        "selector-matches-other-env",
    ];
    for (name, patched, tag) in [
        (
            "jaeestee__Space-Mission-Analysis-API",
            "kubernetes/test/app-test-api-deployment.yml",
            "space_mission_analysis:api-0.1.0",
        ),
        (
            "CeciNguyen__You-re-Cute-Genes",
            "kubes/gene-test-flask-deployment.yml",
            "avlavelle/gene_api:0.1.0",
        ),
    ] {
        let sb = sandbox(corpus, name);
        let prod_before = sb.git(&sb.clone, &["ls-files", "-s"]);
        let dry = sb.release(&["init", "--dry-run"]);
        assert_eq!(dry.code, 0, "{name}: {}", dry.all());
        assert!(!sb.clone.join(patched).exists(), "{name}: a dry run writes nothing");
        let r = sb.release(&["init"]);
        assert_eq!(r.code, 0, "{name}: {}", r.all());
        assert_eq!(
            prod_before,
            sb.git(&sb.clone, &["ls-files", "-s"]),
            "{name}: existing files untouched"
        );
        let check = sb.release(&["check", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
        for f in v["findings"].as_array().unwrap() {
            let rule = f["rule"].as_str().unwrap();
            assert!(!collisions.contains(&rule), "{name}: {f}");
        }
        let again = sb.release(&["init"]);
        assert!(again.stderr.contains("nothing to write"), "{name}: {}", again.all());
        sb.git(&sb.clone, &["add", "-A"]);
        sb.git(&sb.clone, &["commit", "-q", "-m", "feat: test environment"]);
        sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
        let r = sb.release(&[
            "minor",
            "--yes",
            "--skip-images",
            "--replace-latest",
            "--allow-check-errors",
        ]);
        assert_eq!(r.code, 0, "{name}: {}", r.all());
        let text = std::fs::read_to_string(sb.clone.join(patched)).unwrap();
        assert!(text.contains(tag), "{name}: {text}");
        assert!(
            r.stderr.contains("allowed by --allow-check-errors"),
            "{name}: the plan lists what was allowed"
        );
        assert!(sb.origin_tag("0.1.0").is_some(), "{name}");
    }
}

/// The file counts of `release check --json`'s found section: (test, prod, shared).
fn found_counts(sb: &Sandbox) -> (u64, u64, u64) {
    let v: serde_json::Value = serde_json::from_str(&sb.release(&["check", "--json"]).stdout).unwrap();
    let n = |k: &str| v["found"][k]["files"].as_u64().unwrap_or(0);
    (n("test"), n("prod"), n("shared"))
}

/// Every project with one environment, adopted by init: each file init writes is counted
/// in the environment it was written for (as many test files as prod files after), and
/// the shared files stay shared.
fn init_writes_only_files_its_environment_counts(corpus: &Path) {
    let mut adopted = 0;
    for e in EXPECT {
        let sb = sandbox(corpus, e.name);
        let (test, prod, shared) = found_counts(&sb);
        if (test == 0) == (prod == 0) {
            continue;
        }
        let r = sb.release(&["init"]);
        if r.code != 0 {
            continue; // a source that cannot be copied yet is refused, with its file:line
        }
        adopted += 1;
        let (t, p, s) = found_counts(&sb);
        assert_eq!(
            (t, p, s),
            (test.max(prod), test.max(prod), shared),
            "{}: {}",
            e.name,
            r.all()
        );
    }
    assert!(adopted >= 2, "only {adopted} corpus projects were adopted");
}

/// Over every finding of every project: no fix text serves two rules.
fn no_fix_text_serves_two_rules(corpus: &Path) {
    let mut by_fix: std::collections::HashMap<String, std::collections::BTreeSet<String>> = Default::default();
    for e in EXPECT {
        let sb = sandbox(corpus, e.name);
        let v: serde_json::Value = serde_json::from_str(&sb.release(&["check", "--json"]).stdout).unwrap();
        for f in v["findings"].as_array().unwrap() {
            let (fix, rule) = (f["fix"].as_str().unwrap(), f["rule"].as_str().unwrap());
            by_fix.entry(fix.to_string()).or_default().insert(rule.to_string());
        }
    }
    for (fix, rules) in &by_fix {
        assert_eq!(rules.len(), 1, "`{fix}` is the fix of {rules:?}");
    }
}

type Case = (&'static str, fn(&Path));

fn main() {
    let cases: &[Case] = &[
        (
            "each_project_is_found_and_released_or_refused_for_its_real_defects",
            each_project_is_found_and_released_or_refused_for_its_real_defects,
        ),
        (
            "each_project_gets_the_image_mapping_its_files_imply",
            each_project_gets_the_image_mapping_its_files_imply,
        ),
        ("patcher_changes_only_image_values", patcher_changes_only_image_values),
        (
            "promote_dry_run_changes_nothing_anywhere",
            promote_dry_run_changes_nothing_anywhere,
        ),
        (
            "init_builds_test_for_prod_only_projects",
            init_builds_test_for_prod_only_projects,
        ),
        (
            "init_writes_only_files_its_environment_counts",
            init_writes_only_files_its_environment_counts,
        ),
        ("no_fix_text_serves_two_rules", no_fix_text_serves_two_rules),
    ];
    let Some(corpus) = corpus() else {
        println!(
            "\ncorpus: NOT RUN ({} cases): ../shared/corpus is not beside this checkout (a fresh clone has no shared/; CI lays it there). The synthetic fixtures in tests/it/layouts.rs carry the same patterns.\n",
            cases.len()
        );
        return;
    };
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut failed = Vec::new();
    for (name, case) in cases
        .iter()
        .filter(|(n, _)| filter.iter().all(|f| n.contains(f.as_str())))
    {
        let ok = std::panic::catch_unwind(|| case(&corpus)).is_ok();
        println!("test corpus::{name} ... {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            failed.push(*name);
        }
    }
    if failed.is_empty() {
        println!("\ncorpus: {} project(s), all cases passed", EXPECT.len());
    } else {
        println!("\ncorpus: FAILED: {}", failed.join(", "));
        std::process::exit(1);
    }
}
