use super::*;

fn used(list: &[(&str, Role)]) -> Vec<Used> {
    list.iter()
        .map(|(r, role)| Used {
            repository: r.to_string(),
            role: *role,
            at: "k.yml:1".into(),
            file: "k.yml".into(),
            component: None,
        })
        .collect()
}

fn p(s: &str) -> PathBuf {
    PathBuf::from(s)
}

#[test]
fn the_course_layout() {
    let m = map(
        &[p("docker/Dockerfile.api"), p("docker/Dockerfile.wrk")],
        &used(&[("u/my-api", Role::Api), ("u/my-wrk", Role::Worker), ("redis", Role::Db)][..2]),
        &[],
        &[],
    )
    .unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(
        (m[0].repository.as_str(), m[0].dockerfile.to_str().unwrap()),
        ("u/my-api", "docker/Dockerfile.api")
    );
    assert_eq!(
        (m[1].repository.as_str(), m[1].dockerfile.to_str().unwrap()),
        ("u/my-wrk", "docker/Dockerfile.wrk")
    );
    assert_eq!(m[0].context, p("."));
}

#[test]
fn one_dockerfile_many_uses() {
    // Aanchalaanchal: one image for api, workers and debug
    let m = map(
        &[p("docker/Dockerfile")],
        &used(&[
            ("kd/final", Role::Api),
            ("kd/final", Role::Worker),
            ("kd/final", Role::Debug),
        ]),
        &[],
        &[],
    )
    .unwrap();
    assert_eq!(m.len(), 1);
    // JackJack33: one root Dockerfile builds two repositories
    let m = map(
        &[p("Dockerfile")],
        &used(&[("hs/tvs_api", Role::Api), ("hs/tvs_worker", Role::Worker)]),
        &[],
        &[],
    )
    .unwrap();
    assert_eq!(
        m.iter().map(|s| s.repository.as_str()).collect::<Vec<_>>(),
        vec!["hs/tvs_api", "hs/tvs_worker"]
    );
}

#[test]
fn placeholders_and_capitals_are_questions() {
    // wjallen: the repository is known even though the tag is a placeholder
    let m = map(
        &[p("docker/Dockerfile.api"), p("docker/Dockerfile.wrk")],
        &used(&[
            ("wallen/pssp-app-api", Role::Api),
            ("wallen/pssp-app-wrk", Role::Worker),
        ]),
        &[],
        &[],
    )
    .unwrap();
    assert_eq!(m.len(), 2);
    let e = map(&[p("Dockerfile")], &used(&[("User/App", Role::Api)]), &[], &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("capital letters") && e.contains("use `user/app`"), "{e}");
}

#[test]
fn ambiguity_and_no_match_print_the_config_to_write() {
    let e = map(
        &[p("docker/Dockerfile.api")],
        &used(&[("u/a-api", Role::Api), ("u/b-api", Role::Api)]),
        &[],
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("could build any of u/a-api, u/b-api") && e.contains("images:\n      - repository: u/a-api"),
        "{e}"
    );
    let e = map(&[p("docker/Dockerfile.cron")], &used(&[("u/api", Role::Api)]), &[], &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("matches no image") && e.contains("found Dockerfiles:\n    docker/Dockerfile.cron"),
        "{e}"
    );
    assert!(
        !e.contains("repository: u/api") && e.contains("the manifests use (u/api)"),
        "never paired with another role's image: {e}"
    );
    let e = map(&[p("Dockerfile")], &[], &[], &[]).unwrap_err().to_string();
    assert!(e.contains("no image of the project"), "{e}");
    assert!(map(&[], &used(&[("u/api", Role::Api)]), &[], &[]).unwrap().is_empty());
}

#[test]
fn config_overrides() {
    let cfg = vec![ImageConfig {
        platform: None,
        component: None,
        repository: "localhost:5000/u/app".into(),
        dockerfile: Some(p("build/Containerfile")),
        context: Some(p("src")),
        build_args: [("PY".to_string(), "3.11".to_string())].into(),
    }];
    let m = map(&[p("docker/Dockerfile.api")], &[], &cfg, &[]).unwrap();
    assert_eq!(
        (
            m[0].dockerfile.clone(),
            m[0].context.clone(),
            m[0].build_args["PY"].as_str()
        ),
        (p("build/Containerfile"), p("src"), "3.11")
    );
    let cfg = vec![ImageConfig {
        platform: None,
        component: None,
        repository: "u/App".into(),
        dockerfile: None,
        context: None,
        build_args: BTreeMap::new(),
    }];
    assert!(
        map(&[p("Dockerfile")], &[], &cfg, &[])
            .unwrap_err()
            .to_string()
            .contains("capital")
    );
    assert_eq!(
        dockerfile_role(&p("docker/Dockerfile.wrk")),
        Some(("wrk".into(), Role::Worker))
    );
    assert_eq!(dockerfile_role(&p("Dockerfile")), None);
}

#[test]
fn build_files_decide_before_names_and_a_question_names_what_was_found() {
    let ev = |repo: &str, df: &str, ctx: &str| Evidence {
        repository: repo.into(),
        dockerfile: p(df),
        context: p(ctx),
        source: "Makefile:3: docker build".into(),
    };
    let dfs = [p("database/Dockerfile"), p("redis/Dockerfile")];
    let u = used(&[("ph/avocado-test-db", Role::Db), ("jm/avocado-postgres", Role::Db)]);
    // by role alone either Dockerfile could build either image; the Makefile says which
    let m = map(&dfs, &u, &[], &[ev("ph/avocado-test-db", "redis/Dockerfile", ".")]).unwrap();
    let got: Vec<(&str, &str)> = m
        .iter()
        .map(|s| (s.repository.as_str(), s.dockerfile.to_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("ph/avocado-test-db", "redis/Dockerfile"),
            ("jm/avocado-postgres", "database/Dockerfile")
        ]
    );
    // compose's context wins
    let m = map(
        &[p("docker-src/Dockerfile")],
        &used(&[("t/stats", Role::Api)]),
        &[],
        &[ev("t/stats", "docker-src/Dockerfile", "docker-src")],
    )
    .unwrap();
    assert_eq!(m[0].context, p("docker-src"));
    // nothing names a repository: no made-up name is suggested
    let e = map(&[p("docker/Dockerfile")], &[], &[], &[]).unwrap_err().to_string();
    assert!(!e.contains("USER/APP") && e.contains("docker/Dockerfile"), "{e}");
    let e = map(
        &[p("docker/Dockerfile")],
        &[],
        &[],
        &[ev("ca/gene", "docker/Dockerfile", "docker")],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("repository: ca/gene") && e.contains("dockerfile: docker/Dockerfile"),
        "{e}"
    );
}

#[test]
fn two_role_dockerfiles_for_one_repository_is_a_question_never_the_api_image_in_the_worker() {
    // The API runs u/app:1.1, the worker u/app:1.wrk; Dockerfile.api and Dockerfile.wrk.
    let e = map(
        &[p("docker/Dockerfile.api"), p("docker/Dockerfile.wrk")],
        &used(&[("u/app", Role::Api), ("u/app", Role::Worker)]),
        &[],
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("worker workload"), "{e}");
    assert!(e.contains("docker/Dockerfile.wrk"), "{e}");
}

#[test]
fn one_image_run_by_two_roles_from_one_dockerfile_is_fine() {
    // One Dockerfile, the worker runs the same image with another command.
    let m = map(
        &[p("docker/Dockerfile.api")],
        &used(&[("u/app", Role::Api), ("u/app", Role::Worker)]),
        &[],
        &[],
    )
    .unwrap();
    assert_eq!(m.len(), 1);
}

/// The guarantee, over generated layouts: whatever the roles, Dockerfiles, repositories and
/// component tags, a mapping never sets a container to an image built from the Dockerfile
/// of another role. Counts the layouts that really mapped something, so it cannot pass on
/// layouts that all end in a question.
#[test]
fn no_container_ever_gets_another_roles_image() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let roles = [(Role::Api, "api"), (Role::Worker, "wrk"), (Role::Db, "db")];
    let repos = ["u/app", "u/app-api", "u/app-wrk", "u/app-db", "u/other"];
    let layout = proptest::collection::vec((0usize..3, 0usize..5, any::<bool>(), any::<bool>()), 1..5);
    let mut runner = TestRunner::new(Config {
        cases: 512,
        ..Config::default()
    });
    let mapped = std::cell::Cell::new(0usize);
    runner
        .run(&layout, |workloads| {
            let mut dockerfiles = Vec::new();
            let mut uses = Vec::new();
            for (role, repo, has_dockerfile, component) in &workloads {
                let (r, word) = roles[*role];
                if *has_dockerfile {
                    dockerfiles.push(p(&format!("docker/Dockerfile.{word}")));
                }
                uses.push(Used {
                    repository: repos[*repo].to_string(),
                    role: r,
                    at: format!("k/{word}.yml:1"),
                    file: p(&format!("k/{word}.yml")),
                    component: component.then(|| word.to_string()),
                });
            }
            dockerfiles.sort();
            dockerfiles.dedup();
            let Ok(specs) = map(&dockerfiles, &uses, &[], &[]) else {
                return Ok(());
            };
            if !specs.is_empty() {
                mapped.set(mapped.get() + 1);
            }
            for s in &specs {
                let Some(built_as) = role_of(&s.dockerfile) else {
                    continue;
                };
                for u in uses
                    .iter()
                    .filter(|u| u.repository == s.repository && u.component == s.component)
                {
                    let own = dockerfiles.iter().any(|d| role_of(d) == Some(u.role));
                    prop_assert!(
                        u.role == built_as || !own,
                        "{:?} at {} gets {} from {}",
                        u.role,
                        u.at,
                        s.name(),
                        s.dockerfile.display()
                    );
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        mapped.get() > 100,
        "only {} of 512 layouts mapped an image",
        mapped.get()
    );
}
