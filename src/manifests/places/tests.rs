use super::*;

fn tree(files: &[&str]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for f in files {
        let p = d.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n").unwrap();
    }
    d
}

fn found(files: &[&str]) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<PathBuf>) {
    let d = tree(files);
    let p = Places::find(d.path());
    let shared = p.shared.as_ref().map(|s| s.files(d.path())).unwrap_or_default();
    (p.test.files(d.path()), p.prod.files(d.path()), shared)
}

fn paths(v: &[&str]) -> Vec<PathBuf> {
    v.iter().map(PathBuf::from).collect()
}

#[test]
fn words_are_whole_and_the_first_decides() {
    assert_eq!(mark(Path::new("test/app-prod-worker.yml")), Some("test"));
    assert_eq!(mark(Path::new("gene-prod-api.yml")), Some("prod"));
    assert_eq!(mark(Path::new("api/production/x.yaml")), Some("prod"));
    assert_eq!(mark(Path::new("pytest-job.yml")), None);
    assert_eq!(mark(Path::new("contest.yml")), None);
    assert_eq!(mark(Path::new("App_TEST_api.yml")), Some("test"));
}

#[test]
fn folders_per_env_and_a_shared_folder() {
    let (t, p, s) = found(&[
        "kubernetes/test/a.yml",
        "kubernetes/prod/a.yaml",
        "kubernetes/db/pvc.yml",
    ]);
    assert_eq!(t, paths(&["kubernetes/test/a.yml"]));
    assert_eq!(p, paths(&["kubernetes/prod/a.yaml"]));
    assert_eq!(s, paths(&["kubernetes/db/pvc.yml"]));
}

#[test]
fn component_then_env() {
    let (t, p, s) = found(&["k8s/api/test/d.yml", "k8s/api/prod/d.yml", "k8s/db/test/d.yml"]);
    assert_eq!(t, paths(&["k8s/api/test/d.yml", "k8s/db/test/d.yml"]));
    assert_eq!(p, paths(&["k8s/api/prod/d.yml"]));
    assert!(s.is_empty());
}

#[test]
fn flat_with_env_in_file_names() {
    let (t, p, s) = found(&["kubes/app-test-api.yml", "kubes/app-prod-api.yml", "kubes/debug.yml"]);
    assert_eq!(
        (t, p),
        (paths(&["kubes/app-test-api.yml"]), paths(&["kubes/app-prod-api.yml"]))
    );
    assert_eq!(s, paths(&["kubes/debug.yml"]));
    // One environment only: unnamed files are its own.
    let (t, p, _) = found(&["k8files/asteroid-test-api.yml", "k8files/asteroid_ingress.yml"]);
    assert_eq!(
        t,
        paths(&["k8files/asteroid-test-api.yml", "k8files/asteroid_ingress.yml"])
    );
    assert!(p.is_empty());
}

#[test]
fn any_top_level_folder_with_manifests() {
    let d = tree(&["ops/app-prod-api.yml"]);
    std::fs::write(d.path().join("compose.yml"), "services: {}\n").unwrap();
    let p = Places::find(d.path());
    assert_eq!(p.prod.files(d.path()), paths(&["ops/app-prod-api.yml"]));
}

#[test]
fn labels_decide_when_no_name_does() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("deploy/api")).unwrap();
    std::fs::write(
        d.path().join("deploy/api/d.yml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  labels:\n    env: test\n",
    )
    .unwrap();
    let p = Places::find(d.path());
    assert_eq!(p.test.files(d.path()), paths(&["deploy/api/d.yml"]));
    assert_eq!(p.test.label, "deploy/ (labelled env: test)");
}

#[test]
fn labels_sort_the_files_of_one_folder_when_both_are_labelled() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("ops")).unwrap();
    let obj = |env: &str| format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  labels:\n    env: {env}\n");
    std::fs::write(d.path().join("ops/a.yml"), obj("test")).unwrap();
    std::fs::write(d.path().join("ops/b.yml"), obj("production")).unwrap();
    std::fs::write(d.path().join("ops/c.yml"), obj("other")).unwrap();
    let p = Places::find(d.path());
    assert_eq!(p.test.files(d.path()), paths(&["ops/a.yml"]));
    assert_eq!(p.prod.files(d.path()), paths(&["ops/b.yml"]));
    assert_eq!(p.shared.unwrap().files(d.path()), paths(&["ops/c.yml"]));
}

#[test]
fn counterparts_swap_the_first_word() {
    let c = |p: &str, to| Place::counterpart(Path::new(p), to).unwrap();
    assert_eq!(
        c("kubes/gene-prod-api.yml", "test"),
        PathBuf::from("kubes/gene-test-api.yml")
    );
    assert_eq!(
        c("k8s/prod/api/bradenp-ged-prod-x.yml", "test"),
        PathBuf::from("k8s/test/api/bradenp-ged-test-x.yml")
    );
    assert_eq!(Place::counterpart(Path::new("kubernetes/api.yml"), "test"), None);
    assert_eq!(
        c("k8files/asteroid-test-api.yml", "prod"),
        PathBuf::from("k8files/asteroid-prod-api.yml")
    );
    assert_eq!(c("k/Production/PROD-x.yml", "test"), PathBuf::from("k/Test/TEST-x.yml"));
}

#[test]
fn dependency_folders_are_never_read() {
    let d = tree(&["web/node_modules/pkg/k8s/app-test-x.yml", "ops/app-prod-api.yml"]);
    let p = Places::find(d.path());
    assert_eq!(p.prod.files(d.path()), paths(&["ops/app-prod-api.yml"]));
    assert!(p.test.files(d.path()).is_empty());
}

#[test]
fn a_third_environment_is_neither_test_prod_nor_shared() {
    let (t, p, s) = found(&[
        "k8s/dev/a.yml",
        "k8s/staging/a.yml",
        "k8s/production/a.yml",
        "k8s/common/db.yml",
    ]);
    assert_eq!(t, paths(&["k8s/staging/a.yml"]));
    assert_eq!(p, paths(&["k8s/production/a.yml"]));
    assert_eq!(
        s,
        paths(&["k8s/common/db.yml"]),
        "dev is not shared: deploying prod must not apply it"
    );
    let d = tree(&["k8s/dev/a.yml", "k8s/prod/a.yml"]);
    let places = Places::find(d.path());
    assert_eq!(places.prod, Place::folder("k8s/prod".into()));
    assert_eq!(places.other, paths(&["k8s/dev/a.yml"]));
}

#[test]
fn plain_manifests_win_over_a_vendored_chart_or_another_tools_overlays() {
    let d = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = d.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n";
    write("kubernetes/test/api.yml", deploy);
    write("kubernetes/prod/api.yml", deploy);
    write("third_party/redis/Chart.yaml", "name: redis\n");
    write("third_party/redis/values-prod.yaml", "replicas: 1\n");
    write("tools/x/overlays/prod/kustomization.yaml", "resources: []\n");
    let p = Places::find(d.path());
    assert_eq!(
        (p.test.dir.as_path(), p.prod.dir.as_path()),
        (Path::new("kubernetes/test"), Path::new("kubernetes/prod"))
    );
    assert_eq!(p.test.holds, Holds::All);
    // Without the plain manifests, the overlays are the layout.
    std::fs::remove_dir_all(d.path().join("kubernetes")).unwrap();
    assert_eq!(Places::find(d.path()).prod.holds, Holds::Kustomize);
    std::fs::remove_dir_all(d.path().join("tools")).unwrap();
    let helm = Places::find(d.path());
    assert_eq!(
        (helm.prod.holds, helm.prod.label.as_str()),
        (Holds::Helm, "third_party/redis/values-prod.yaml (helm)")
    );
}

#[test]
fn a_monorepos_first_apps_overlays_are_the_layout_and_the_others_are_counted() {
    let d = tempfile::tempdir().unwrap();
    for app in ["apps/a", "apps/b"] {
        for env in ["test", "prod"] {
            let dir = d.path().join(app).join("overlays").join(env);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("kustomization.yaml"), "resources: []\n").unwrap();
        }
    }
    let p = Places::find(d.path());
    assert_eq!(p.test.dir, PathBuf::from("apps/a/overlays/test"));
    assert_eq!(
        p.other,
        [
            PathBuf::from("apps/b/overlays/test/kustomization.yaml"),
            PathBuf::from("apps/b/overlays/prod/kustomization.yaml")
        ]
    );
}
