use super::*;
use crate::manifests::model::read_file;

fn env(name: &str, files: &[(&str, String)]) -> Env {
    Env {
        name: name.into(),
        place: crate::manifests::places::Place::folder(format!("kubernetes/{name}").into()),
        exists: true,
        files: files
            .iter()
            .map(|(p, t)| read_file(PathBuf::from(format!("kubernetes/{name}/{p}")), t.clone()))
            .collect(),
    }
}

fn deploy(name: &str, app: &str, image: &str) -> String {
    format!(
        "kind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n    spec:\n      containers:\n        - name: c\n          image: {image}\n"
    )
}

fn service(name: &str, app: &str, node_port: u32) -> String {
    format!(
        "kind: Service\nmetadata:\n  name: {name}\nspec:\n  type: NodePort\n  selector:\n    app: {app}\n  ports:\n    - port: 5000\n      nodePort: {node_port}\n"
    )
}

fn rules(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.rule).collect()
}

fn project() -> ProjectImages {
    ProjectImages::new(["u/api".to_string()].into_iter().collect())
}

#[test]
fn clean_pair_has_no_findings() {
    let t = env(
        "test",
        &[
            ("api-deployment.yml", deploy("a-test-api", "a-test-api", "u/api:0.1.0")),
            ("api-service.yml", service("a-test-api", "a-test-api", 30001)),
        ],
    );
    let p = env(
        "prod",
        &[
            ("api-deployment.yml", deploy("a-prod-api", "a-prod-api", "u/api:0.1.0")),
            ("api-service.yml", service("a-prod-api", "a-prod-api", 30002)),
        ],
    );
    assert_eq!(check(&t, &p, None, &project()), vec![]);
}

#[test]
fn the_common_real_bugs() {
    let t = env(
        "test",
        &[
            ("api-deployment.yml", deploy("api", "api", "u/api:latest")),
            ("api-service.yml", service("api-svc", "api", 30001)),
            ("oops-service.yml", service("nothing", "ghost", 80)),
        ],
    );
    let p = env(
        "prod",
        &[
            ("api-deployment.yml", deploy("api", "api", "u/api:0.1.0")),
            ("api-service.yml", service("api-svc", "api", 30001)),
        ],
    );
    let f = check(&t, &p, None, &project());
    let r = rules(&f);
    for want in [
        "name-shared",
        "nodeport-shared",
        "selector-matches-other-env",
        "floating-tag",
        "selector-matches-nothing",
        "nodeport-range",
        "labels-shared",
        "no-partner",
    ] {
        assert!(r.contains(&want), "missing {want} in {r:?}");
    }
    let shared = f.iter().find(|f| f.rule == "name-shared").unwrap();
    assert_eq!(
        (shared.place().0.to_str().unwrap(), shared.place().1, shared.severity),
        ("kubernetes/test/api-deployment.yml", 3, Severity::Error)
    );
    assert!(
        f.iter()
            .find(|f| f.rule == "nodeport-range")
            .unwrap()
            .to_string()
            .contains("kubernetes/test/oops-service.yml:10: error[nodeport-range]")
    );
}

#[test]
fn labels_claims_kinds_and_empty_files() {
    let bad_match = deploy("a-test-db", "x", "redis:7")
        .replace("      labels:\n        app: x\n", "      labels:\n        app: y\n")
        + "      volumes:\n        - name: d\n          persistentVolumeClaim:\n            claimName: missing\n";
    let t = env(
        "test",
        &[
            ("db-deployment.yml", bad_match),
            ("db-service.yml", deploy("a-test-wrk", "w", "u/api:1")),
            ("empty.yml", "# nothing here\n".into()),
        ],
    );
    let p = env("prod", &[]);
    let f = check(&t, &p, None, &project());
    let r = rules(&f);
    for want in [
        "matchlabels-not-in-template",
        "claim-missing",
        "kind-vs-filename",
        "empty-file",
    ] {
        assert!(r.contains(&want), "missing {want} in {r:?}");
    }
    // A file that does not parse is reported, and hides no other file's pods by guessing.
    let broken = env(
        "test",
        &[
            ("broken.yml", "kind: [\n".into()),
            ("svc.yml", service("s", "gone", 30001)),
        ],
    );
    let r = rules(&check(&broken, &env("prod", &[]), None, &project()));
    assert!(r.contains(&"yaml") && !r.contains(&"selector-matches-nothing"), "{r:?}");
}

#[test]
fn differing_repositories_and_copy_paste_names() {
    let t = env(
        "test",
        &[(
            "wrk.yml",
            deploy("app-prod-deployment-worker", "w-t", "kelach/test_wrk:1.0"),
        )],
    );
    let p = env(
        "prod",
        &[(
            "wrk.yml",
            deploy("app-prod-deployment-worker2", "w-p", "kelach/wrk:1.0"),
        )],
    );
    let r = rules(&check(&t, &p, None, &project()));
    assert!(
        r.contains(&"repository-differs") && r.contains(&"wrong-env-name"),
        "{r:?}"
    );
}

#[test]
fn missing_prod_is_a_warning() {
    let t = env("test", &[("api.yml", deploy("a-test-api", "a", "u/api:1.0"))]);
    let mut p = env("prod", &[]);
    p.exists = false;
    let f = check(&t, &p, None, &project());
    assert_eq!(rules(&f), vec!["env-missing"]);
    assert_eq!(f[0].severity, Severity::Warning);
}

fn with_env(name: &str, app: &str, vars: &[(&str, &str)]) -> String {
    let env: String = vars
        .iter()
        .map(|(k, v)| format!("            - name: {k}\n              value: \"{v}\"\n"))
        .collect();
    deploy(name, app, "u/api:0.1.0").replace("          image:", &format!("          env:\n{env}          image:"))
}

#[test]
fn wiring_ingress_ports_hosts_and_secrets() {
    let ingress = |port: &str| {
        format!(
            "kind: Ingress\nmetadata:\n  name: ing\nspec:\n  rules:\n    - host: a.example\n      http:\n        paths:\n          - path: /\n            backend:\n              service:\n                name: a-test-api\n                port:\n                  number: {port}\n"
        )
    };
    let base = |extra: Vec<(&'static str, String)>| {
        let mut files = vec![("svc.yml", service("a-test-api", "a-test-api", 30001))];
        files.extend(extra);
        env("test", &files)
    };
    let p = env("prod", &[("svc.yml", service("a-prod-api", "a-prod-api", 30002))]);
    let found = |t: &Env| {
        let f = check(t, &p, None, &project());
        f.into_iter()
            .filter(|f| ["ingress-backend", "host-target", "hard-coded-ip", "plaintext-secret"].contains(&f.rule))
            .map(|f| (f.rule, f.problem.what))
            .collect::<Vec<_>>()
    };
    assert!(found(&base(vec![("i.yml", ingress("5000"))])).is_empty());
    let by_node_port = found(&base(vec![("i.yml", ingress("30001"))]));
    assert_eq!(by_node_port[0].0, "ingress-backend");
    assert!(by_node_port[0].1.contains("by its nodePort 30001"), "{by_node_port:?}");
    assert!(
        found(&base(vec![("i.yml", ingress("'8080 <YourPortHere>'"))]))[0]
            .1
            .contains("placeholder")
    );
    // env naming hosts: a Deployment, prod's Service, a bad address; and a password
    let w = with_env(
        "a-test-wrk",
        "a-test-wrk",
        &[
            ("REDIS_HOST", "a-test-api"),
            ("API_HOST", "a-test-wrk"),
            ("DB_HOST", "a-prod-api"),
            ("CACHE_IP", "10.98.221.351"),
            ("OLD_IP", "10.0.0.5"),
            ("DB_PASSWORD", "hunter2"),
        ],
    );
    let f = found(&base(vec![("w.yml", w)]));
    let got: Vec<&str> = f.iter().map(|(r, _)| *r).collect();
    assert_eq!(
        got,
        [
            "host-target",
            "host-target",
            "host-target",
            "hard-coded-ip",
            "plaintext-secret"
        ],
        "{f:?}"
    );
    assert!(f[0].1.contains("names Deployment `a-test-wrk`"), "{f:?}");
    assert!(f[1].1.contains("of kubernetes/prod"), "{f:?}");
    assert!(f[2].1.contains("not an IP address"), "{f:?}");
    assert!(
        f.iter().all(|(_, what)| !what.contains("hunter2")),
        "a secret is never repeated"
    );
}

/// Every `fix:` belongs to its own kind of problem: no fix text is given under two
/// different rules (a fix reused for an unrelated problem points the wrong way).
#[test]
fn no_fix_text_serves_two_rules() {
    let secret = "kind: Deployment\nmetadata:\n  name: s-test\nspec:\n  selector:\n    matchLabels:\n      app: s\n  template:\n    metadata:\n      labels:\n        app: s\n    spec:\n      containers:\n        - name: c\n          image: u/api:0.1.0\n          env:\n            - name: KAGGLE_KEY\n              value: abc\n            - name: REDIS_IP\n              value: 10.0.0.1\n            - name: DB_HOST\n              value: api\n      volumes:\n        - name: d\n          persistentVolumeClaim:\n            claimName: nothing\n";
    let t = env(
        "test",
        &[
            ("api-deployment.yml", deploy("api", "api", "u/api:latest")),
            ("api-service.yml", service("api", "nobody", 40000)),
            ("copy.yml", deploy("api", "api", "u/api:${TAG}")),
            ("secret.yml", secret.to_string()),
            ("prod-thing.yml", deploy("thing-prod", "thing-prod", "your-image:tag")),
            ("empty.yml", String::new()),
            ("bad.yml", "kind: [\n".to_string()),
        ],
    );
    let p = env(
        "prod",
        &[
            ("api-deployment.yml", deploy("api", "api", "other/api:1.0.0")),
            ("api-service.yml", service("api-prod", "api", 40000)),
            ("secret.yml", secret.replace("s-test", "s-prod")),
        ],
    );
    let findings = check(&t, &p, None, &project());
    let mut by_fix: std::collections::HashMap<&str, std::collections::BTreeSet<&str>> = Default::default();
    for f in &findings {
        by_fix.entry(f.problem.fix.as_str()).or_default().insert(f.rule);
    }
    let rules_seen: std::collections::BTreeSet<&str> = findings.iter().map(|f| f.rule).collect();
    assert!(rules_seen.len() >= 10, "the fixture reaches only {rules_seen:?}");
    for (fix, rules) in by_fix {
        assert_eq!(rules.len(), 1, "`{fix}` is the fix of {rules:?}");
    }
}

#[test]
fn an_empty_environment_is_one_finding_and_duplicates_are_named_in_order() {
    let many: Vec<(String, String)> = (0..50)
        .map(|i| {
            (
                format!("d{i}.yml"),
                deploy(&format!("api-{i}"), &format!("a{i}"), "u/api:0.1.0"),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = many.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    let t = env("test", &files);
    let p = env("prod", &[]);
    let f = check(&t, &p, None, &project());
    let lonely: Vec<&Finding> = f.iter().filter(|f| f.rule == "no-partner").collect();
    assert_eq!(lonely.len(), 1, "{lonely:?}");
    let text = lonely[0].to_string();
    assert!(
        text.contains("none of the 50 objects") && text.contains("Deployment `api-0` is the first"),
        "{text}"
    );
    // One object alone still gets its own finding.
    let one = env("test", &[("d.yml", deploy("api", "a", "u/api:0.1.0"))]);
    let f = check(&one, &p, None, &project());
    assert!(
        f.iter()
            .any(|f| f.rule == "no-partner" && f.to_string().contains("Deployment `api` has no partner"))
    );
    // Three copies of one name: the second and third are each named against the first.
    let t = env(
        "test",
        &[
            ("a.yml", deploy("api", "a", "u/api:0.1.0")),
            ("b.yml", deploy("web", "w", "u/api:0.1.0")),
            ("c.yml", deploy("api", "a", "u/api:0.1.0")),
            ("d.yml", deploy("api", "a", "u/api:0.1.0")),
        ],
    );
    let dups: Vec<String> = check(&t, &t, None, &project())
        .iter()
        .filter(|f| f.rule == "duplicate" && f.place().0.starts_with("kubernetes/test"))
        .map(|f| f.place().0.display().to_string())
        .collect();
    assert_eq!(dups, ["kubernetes/test/c.yml", "kubernetes/test/d.yml"]);
}
