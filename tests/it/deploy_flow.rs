//! `release deploy` against a real control plane (kube-apiserver, controller-manager and
//! scheduler from `.ci/k8s`), the real registry and engine, and the test sshd: apply order
//! with a PVC-bound Redis, rollouts of the release's tag, a missing image, a rollback with
//! --to, prod refused before test ran the version, and kubectl over ssh on kube-2.

use crate::common;
use common::{Sandbox, docker_env};
use std::process::Command;

/// The test cluster's kubeconfig (fails, never skips, when it is not running).
fn kubeconfig() -> String {
    let kc = std::env::var("RELEASE_TEST_KUBECONFIG").unwrap_or_default();
    let up = !kc.is_empty()
        && Command::new("kubectl")
            .args(["--kubeconfig", &kc, "get", "--raw", "/readyz"])
            .output()
            .is_ok_and(|o| o.status.success());
    assert!(
        up,
        "this test needs the test Kubernetes: run `bash .ci/services start` (or .ci/run), then export RELEASE_TEST_KUBECONFIG from /tmp/release-ci/env"
    );
    kc
}

fn kubectl(kc: &str, ns: &str, args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .args(["--kubeconfig", kc, "-n", ns])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn docker(args: &[&str]) {
    let out = Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn manifest(env: &str, reg: &str, ns: &str, port: u16) -> Vec<(String, String)> {
    let deploy = |role: &str, image: &str, extra: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{env}-{role}\nspec:\n  selector:\n    matchLabels:\n      app: app-{env}-{role}\n  template:\n    metadata:\n      labels:\n        app: app-{env}-{role}\n    spec:\n      containers:\n        - name: {role}\n          image: {image}\n{extra}"
        )
    };
    let volume = "          volumeMounts:\n            - {name: data, mountPath: /data}\n      volumes:\n        - name: data\n          persistentVolumeClaim:\n            claimName: app-ENV-data\n".replace("ENV", env);
    vec![
        (
            format!("kubernetes/{env}/db-pvc.yml"),
            format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: app-{env}-data\nspec:\n  storageClassName: manual-{ns}\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n"
            ),
        ),
        (
            format!("kubernetes/{env}/db-deployment.yml"),
            deploy("db", &format!("{reg}/{ns}/redis:7"), &volume),
        ),
        (
            format!("kubernetes/{env}/db-service.yml"),
            format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: app-{env}-db\nspec:\n  selector:\n    app: app-{env}-db\n  ports:\n    - port: 6379\n"
            ),
        ),
        (
            format!("kubernetes/{env}/api-deployment.yml"),
            deploy("api", &format!("{reg}/{ns}/api:0.0.1"), ""),
        ),
        (
            format!("kubernetes/{env}/api-service.yml"),
            format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: app-{env}-api\nspec:\n  type: NodePort\n  selector:\n    app: app-{env}-api\n  ports:\n    - port: 5000\n      nodePort: {port}\n"
            ),
        ),
    ]
}

/// Deletes the test's namespace and volumes when the test ends (a cluster outlives test
/// runs on a developer's machine; nodePorts are cluster-wide).
struct Cleanup {
    kc: String,
    ns: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Command::new("kubectl")
            .args([
                "--kubeconfig",
                &self.kc,
                "delete",
                "namespace",
                &self.ns,
                "--wait=false",
            ])
            .output();
        for env in ["test", "prod"] {
            let pv = format!("{}-{env}", self.ns);
            let _ = Command::new("kubectl")
                .args(["--kubeconfig", &self.kc, "delete", "pv", &pv, "--wait=false"])
                .output();
        }
    }
}

/// A namespace of the test's own on the test cluster, named after its sandbox.
fn namespace(sb: &Sandbox, kc: &str, prefix: &str) -> String {
    let name = sb
        .tmp
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_ascii_lowercase();
    let ns = format!("{prefix}{}", name.replace(['.', '_'], ""));
    let created = Command::new("kubectl")
        .args(["--kubeconfig", kc, "create", "namespace", &ns])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    ns
}

/// A project with test and prod manifests (api + PVC-bound redis), its own namespace and
/// PersistentVolumes, and `deploy:` pointing at the test cluster; test's nodePort is `port`,
/// prod's the next one (each test has its own). Returns (sandbox, ns, kc, port, cleanup).
fn project(port: u16) -> (Sandbox, String, String, u16, Cleanup) {
    let env = docker_env();
    let kc = kubeconfig();
    let sb = Sandbox::new();
    let ns = namespace(&sb, &kc, "d");
    for env_name in ["test", "prod"] {
        let pv = format!(
            "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: {ns}-{env_name}\nspec:\n  storageClassName: manual-{ns}\n  capacity:\n    storage: 1Gi\n  accessModes: [ReadWriteOnce]\n  hostPath:\n    path: /tmp/{ns}-{env_name}\n"
        );
        let mut apply = Command::new("kubectl")
            .args(["--kubeconfig", &kc, "apply", "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        apply.stdin.take().unwrap().write_all(pv.as_bytes()).unwrap();
        assert!(apply.wait().unwrap().success());
    }
    // The redis image the db Deployments run: in the registry, as a node would pull it.
    let redis = sb.path("redis");
    std::fs::create_dir_all(&redis).unwrap();
    std::fs::write(redis.join("Dockerfile"), format!("FROM scratch\nCOPY r /r-{ns}\n")).unwrap();
    std::fs::write(redis.join("r"), "redis\n").unwrap();
    let image = format!("{}/{ns}/redis:7", env.registry);
    docker(&["build", "-q", "-t", &image, redis.to_str().unwrap()]);
    docker(&["push", "-q", &image]);
    sb.commit_file(
        "docker/Dockerfile.api",
        "FROM scratch\nCOPY src/api.py /app/api.py\n",
        "feat: api image",
    );
    sb.commit_file("src/api.py", &format!("print('{ns}')\n"), "feat: api");
    for env_name in ["test", "prod"] {
        let p = if env_name == "test" { port } else { port + 1 };
        for (path, text) in manifest(env_name, &env.registry, &ns, p) {
            sb.commit_file(&path, &text, "feat: manifests");
        }
    }
    let config = format!(
        "images:\n  - repository: {}/{ns}/api\n    dockerfile: docker/Dockerfile.api\ndeploy:\n  kubeconfig: {kc}\n  namespace: {ns}\n  timeout: 25\n",
        env.registry
    );
    sb.commit_file(".release.yml", &config, "chore: deploy settings");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let cleanup = Cleanup {
        kc: kc.clone(),
        ns: ns.clone(),
    };
    (sb, ns, kc, port, cleanup)
}

/// The images the live pods of a Deployment run (pods being deleted left out).
fn images_of(kc: &str, ns: &str, deployment: &str) -> String {
    let fmt = "jsonpath={range .items[*]}{.metadata.deletionTimestamp}|{.spec.containers[*].image}{\"\\n\"}{end}";
    let out = kubectl(kc, ns, &["get", "pods", "-l", &format!("app={deployment}"), "-o", fmt]);
    let live: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix('|')).collect();
    live.join(" ")
}

#[test]
fn release_deploy_test_promote_deploy_prod_then_go_back() {
    let (sb, ns, kc, port, _cleanup) = project(30100);
    let reg = docker_env().registry;
    // a file both environments use: applied with each, never patched
    sb.commit_file(
        "kubernetes/common/settings.yml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-settings\ndata:\n  LOG_LEVEL: info\n",
        "feat: shared settings",
    );
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["deploy", "test", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("Deploy 0.1.0 to test") && r.stderr.contains("changes:"),
        "{}",
        r.stderr
    );
    let r = sb.release(&["deploy", "test"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("test runs 0.1.0") && r.stderr.contains(&format!("NodePort {port}")),
        "{}",
        r.stderr
    );
    assert_eq!(images_of(&kc, &ns, "app-test-api"), format!("{reg}/{ns}/api:0.1.0"));
    assert_eq!(
        kubectl(
            &kc,
            &ns,
            &["get", "pvc", "app-test-data", "-o", "jsonpath={.status.phase}"]
        ),
        "Bound"
    );
    assert_eq!(
        kubectl(
            &kc,
            &ns,
            &["get", "configmap", "app-settings", "-o", "jsonpath={.data.LOG_LEVEL}"]
        ),
        "info",
        "the shared file was applied with test"
    );
    let r = sb.release(&["deploy", "prod"]);
    assert_eq!(r.code, 2, "prod names 0.0.1, which test never ran: {}", r.all());
    assert!(r.stderr.contains("test has not run 0.0.1"), "{}", r.stderr);
    let r = sb.release(&["promote", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["deploy", "prod"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(images_of(&kc, &ns, "app-prod-api"), format!("{reg}/{ns}/api:0.1.0"));
    sb.commit_file("src/api.py", "print('v2')\n", "feat(api): v2");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["deploy", "test"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(images_of(&kc, &ns, "app-test-api"), format!("{reg}/{ns}/api:0.2.0"));
    let r = sb.release(&["deploy", "test", "--to", "0.1.0"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(images_of(&kc, &ns, "app-test-api"), format!("{reg}/{ns}/api:0.1.0"));
    // prod goes back to a version it really ran: the manifests of the commit that promoted
    // it (at tag 0.1.0 prod still named 0.0.1, which it never ran).
    assert_eq!(sb.release(&["deploy", "test"]).code, 0);
    let r = sb.release(&["promote", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["deploy", "prod"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(images_of(&kc, &ns, "app-prod-api"), format!("{reg}/{ns}/api:0.2.0"));
    let r = sb.release(&["deploy", "prod", "--to", "0.1.0"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("Deploy 0.1.0 to prod"), "{}", r.stderr);
    assert_eq!(images_of(&kc, &ns, "app-prod-api"), format!("{reg}/{ns}/api:0.1.0"));
    let r = sb.release(&["deploy", "prod", "--to", "0.0.1"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("prod never ran 0.0.1"), "{}", r.stderr);
}

#[test]
fn a_missing_image_is_explained_with_the_way_back() {
    let (sb, ns, kc, _, _cleanup) = project(30110);
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(sb.release(&["deploy", "test"]).code, 0);
    // A release whose images were never pushed: the cluster cannot pull them.
    sb.commit_file("src/api.py", "print('v2')\n", "fix: v2");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["patch", "--yes", "--skip-images"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["deploy", "test"]);
    assert_eq!(r.code, 4, "the cluster changed and is not as asked: {}", r.all());
    assert!(
        r.stderr.contains("may have changed")
            && r.stderr.contains("ImagePullBackOff")
            && r.stderr.contains("not in its registry")
            && r.stderr.contains("release deploy test --to 0.1.0"),
        "{}",
        r.stderr
    );
    let r = sb.release(&["deploy", "test", "--to", "0.1.0"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let _ = (ns, kc);
}

#[test]
fn the_server_refuses_a_bad_object_before_anything_is_applied() {
    let (sb, ns, kc, _, _cleanup) = project(30120);
    let bad = std::fs::read_to_string(sb.clone.join("kubernetes/test/api-deployment.yml"))
        .unwrap()
        .replace("spec:\n  selector:", "spec:\n  replicas: two\n  selector:");
    sb.commit_file("kubernetes/test/api-deployment.yml", &bad, "fix: replicas");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["deploy", "test"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("the cluster refuses these manifests"), "{}", r.stderr);
    assert_eq!(kubectl(&kc, &ns, &["get", "deployments", "-o", "name"]), "");
}

#[test]
fn deploy_over_ssh_runs_kubectl_on_kube_2_after_bringing_it_to_github() {
    let _ = common::ssh_config();
    let (sb, ns, kc, _, _cleanup) = project(30130);
    let peer = sb.peer("kube-2");
    let config = std::fs::read_to_string(sb.clone.join(".release.yml")).unwrap()
        + &format!("clones:\n  kube-2: \"kube-2:{}\"\n", peer.display())
        + "";
    let config = config.replace("deploy:\n", "deploy:\n  via: kube-2\n");
    sb.commit_file(".release.yml", &config, "chore: deploy via kube-2");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["deploy", "test"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("kubectl on kube-2") && r.stderr.contains("fast-forward"),
        "{}",
        r.stderr
    );
    assert_eq!(
        sb.git(&peer, &["rev-parse", "HEAD"]),
        sb.git(&sb.origin, &["rev-parse", "main"])
    );
    assert!(peer.join(".git/release/deployed.json").exists());
    assert!(images_of(&kc, &ns, "app-test-api").ends_with("/api:0.1.0"));
    // The rest of the seed's loop, all over ssh: promote, kube-2 pulls again, deploys prod.
    let r = sb.release(&["promote", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["deploy", "prod"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("prod runs 0.1.0"), "{}", r.stderr);
    assert!(images_of(&kc, &ns, "app-prod-api").ends_with("/api:0.1.0"));
    assert_eq!(
        sb.git(&peer, &["rev-parse", "HEAD"]),
        sb.git(&sb.origin, &["rev-parse", "main"])
    );
}

#[test]
fn probe_status_and_an_unschedulable_pod() {
    let (sb, _, _, port, _cleanup) = project(30140);
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    // Nothing answers on the NodePort yet (the script kubelet runs no process): said so.
    let r = sb.release(&["deploy", "test", "--probe", "/health"]);
    assert_eq!(r.code, 4, "applied, but not answering: {}", r.all());
    assert!(
        r.stderr.contains(&format!("GET http://127.0.0.1:{port}/health")) && r.stderr.contains("no connection"),
        "{}",
        r.stderr
    );
    // A real listener on the NodePort answers the probe.
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut c, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let n = c.read(&mut buf).unwrap();
        c.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok").unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let r = sb.release(&["deploy", "test", "--probe", "/health"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains(": 200 in"), "{}", r.stderr);
    assert!(server.join().unwrap().starts_with("GET /health"));
    let r = sb.release(&["status"]);
    assert!(
        r.stdout.contains("cluster: prod runs nothing, test runs 0.1.0"),
        "{}",
        r.all()
    );
    // prod's claim asks for a storage class no volume has: its database pod cannot be scheduled.
    let pvc = std::fs::read_to_string(sb.clone.join("kubernetes/prod/db-pvc.yml"))
        .unwrap()
        .replace("manual-", "nothing-");
    sb.commit_file("kubernetes/prod/db-pvc.yml", &pvc, "fix: prod storage");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let r = sb.release(&["promote", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["deploy", "prod"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(
        r.stderr.contains("cannot be scheduled") && r.stderr.contains("PersistentVolumeClaim"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_demo_tells_the_whole_story_on_a_cluster() {
    let env = docker_env();
    let kc = kubeconfig();
    let sb = Sandbox::new();
    let into = sb.path("demo");
    let r = sb.release_in(
        sb.tmp.path(),
        &[
            "demo",
            "--into",
            into.to_str().unwrap(),
            "--registry",
            &env.registry,
            "--kubeconfig",
            &kc,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    for said in [
        "test runs 0.2.0",
        "promoted 0.2.0",
        "prod runs 0.2.0",
        "kubectl on kube-2",
        "delete namespace",
    ] {
        assert!(r.stderr.contains(said), "missing `{said}`:\n{}", r.stderr);
    }
    assert!(into.join("kube-2/.git/release/deployed.json").exists());
}

#[test]
fn promote_pins_prod_by_digest_and_prod_runs_that_digest() {
    let (sb, ns, kc, _, _cleanup) = project(30150);
    let reg = docker_env().registry;
    assert_eq!(sb.release(&["minor", "--yes"]).code, 0);
    let r = sb.release(&["deploy", "test"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = sb.release(&["promote", "--yes", "--pin-digest", "--skip-images"]);
    assert_eq!(r.code, 2, "a pin needs the registry: {}", r.all());
    let r = sb.release(&["promote", "--yes", "--pin-digest"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let digest = crate::common::registry_digest(&reg, &format!("{ns}/api"), "0.1.0", None);
    let prod = std::fs::read_to_string(sb.clone.join("kubernetes/prod/api-deployment.yml")).unwrap();
    let pinned = format!("{reg}/{ns}/api:0.1.0@{digest}");
    assert!(prod.contains(&format!("image: {pinned}")), "{prod}");
    let r = sb.release(&["deploy", "prod"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("prod runs 0.1.0"), "{}", r.stderr);
    let ids = kubectl(
        &kc,
        &ns,
        &[
            "get",
            "pods",
            "-l",
            "app=app-prod-api",
            "-o",
            "jsonpath={.items[*].status.containerStatuses[*].imageID}",
        ],
    );
    assert!(
        ids.contains(&digest),
        "the running pod reports the pinned digest: {ids}"
    );
    // The next promote moves the pin to the new tag's digest.
    sb.commit_file("src/api.py", "print('v2')\n", "feat(api): v2");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    assert_eq!(sb.release(&["minor", "--yes"]).code, 0);
    assert_eq!(sb.release(&["deploy", "test"]).code, 0);
    let r = sb.release(&["promote", "--yes", "--pin-digest"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let next = crate::common::registry_digest(&reg, &format!("{ns}/api"), "0.2.0", None);
    let prod = std::fs::read_to_string(sb.clone.join("kubernetes/prod/api-deployment.yml")).unwrap();
    assert!(prod.contains(&format!("image: {reg}/{ns}/api:0.2.0@{next}")), "{prod}");
}

/// A kustomize project: a base with the api Deployment and Service, and `overlays/test`
/// and `overlays/prod` (legacy `bases:`, a name prefix and an env label each), whose
/// `images:` name the release's tag. Returns (sandbox, ns, kc, cleanup).
fn kustomize_project() -> (Sandbox, String, String, Cleanup) {
    let env = docker_env();
    let kc = kubeconfig();
    let sb = Sandbox::new();
    let ns = namespace(&sb, &kc, "k");
    let image = format!("{}/{ns}/api", env.registry);
    sb.commit_file(
        "docker/Dockerfile.api",
        "FROM scratch\nCOPY src/api.py /app/api.py\n",
        "feat: api image",
    );
    sb.commit_file("src/api.py", &format!("print('{ns}')\n"), "feat: api");
    sb.commit_file(
        "deploy/k8s/base/kustomization.yaml",
        "resources:\n  - deployment.yaml\n  - service.yaml\n",
        "feat: base",
    );
    sb.commit_file(
        "deploy/k8s/base/deployment.yaml",
        &format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          image: {image}\n"),
        "feat: base deployment",
    );
    sb.commit_file(
        "deploy/k8s/base/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n  ports:\n    - port: 5000\n",
        "feat: base service",
    );
    for env_name in ["test", "prod"] {
        sb.commit_file(
            &format!("deploy/k8s/overlays/{env_name}/kustomization.yaml"),
            &format!("# {env_name}\nbases:\n  - ../../base\nnamePrefix: {env_name}-\ncommonLabels:\n  env: {env_name}\nimages:\n  - name: {image}   # ours\n    newTag: \"0.0.1\"\n"),
            "feat: overlays",
        );
    }
    let config = format!(
        "images:\n  - repository: {image}\n    dockerfile: docker/Dockerfile.api\ndeploy:\n  kubeconfig: {kc}\n  namespace: {ns}\n  timeout: 25\n"
    );
    sb.commit_file(".release.yml", &config, "chore: deploy settings");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    let cleanup = Cleanup {
        kc: kc.clone(),
        ns: ns.clone(),
    };
    (sb, ns, kc, cleanup)
}

#[test]
fn a_kustomize_project_goes_release_deploy_promote_deploy_with_no_hand_edit() {
    let (sb, ns, kc, _cleanup) = kustomize_project();
    let reg = docker_env().registry;
    let overlay = |env: &str| {
        std::fs::read_to_string(sb.clone.join(format!("deploy/k8s/overlays/{env}/kustomization.yaml"))).unwrap()
    };
    let (test_before, prod_before) = (overlay("test"), overlay("prod"));
    let r = sb.release(&["minor", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("test: deploy/k8s/overlays/test (kustomize)"),
        "{}",
        r.stderr
    );
    // Only the tag's bytes changed, quotes and comment kept; prod untouched.
    assert_eq!(overlay("test"), test_before.replace("\"0.0.1\"", "\"0.1.0\""));
    assert_eq!(overlay("prod"), prod_before);
    let r = sb.release(&["deploy", "test"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("test runs 0.1.0"), "{}", r.stderr);
    assert_eq!(
        images_of(&kc, &ns, "api"),
        format!("{reg}/{ns}/api:0.1.0"),
        "only test runs so far"
    );
    let r = sb.release(&["promote", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(overlay("prod"), prod_before.replace("\"0.0.1\"", "\"0.1.0\""));
    let r = sb.release(&["deploy", "prod"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let prod_images = kubectl(
        &kc,
        &ns,
        &[
            "get",
            "deployment",
            "prod-api",
            "-o",
            "jsonpath={.spec.template.spec.containers[*].image}",
        ],
    );
    assert_eq!(prod_images, format!("{reg}/{ns}/api:0.1.0"));
    let origin_log = sb.git(&sb.origin, &["log", "--format=%s", "main"]);
    assert!(
        origin_log.contains("chore(deploy): promote 0.1.0 to prod"),
        "{origin_log}"
    );
    // The next release goes to test; going back renders the overlay of 0.1.0's commit.
    sb.commit_file("src/api.py", "print('v2')\n", "feat(api): v2");
    sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
    assert_eq!(sb.release(&["minor", "--yes"]).code, 0);
    assert_eq!(sb.release(&["deploy", "test"]).code, 0);
    let jsonpath = "jsonpath={.spec.template.spec.containers[*].image}";
    let test_image = || kubectl(&kc, &ns, &["get", "deployment", "test-api", "-o", jsonpath]);
    assert_eq!(test_image(), format!("{reg}/{ns}/api:0.2.0"));
    let r = sb.release(&["deploy", "test", "--to", "0.1.0"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(test_image(), format!("{reg}/{ns}/api:0.1.0"));
}
