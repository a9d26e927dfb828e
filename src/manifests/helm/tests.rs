use super::*;

fn want(repo: &str, tag: &str) -> Want {
    Want {
        repository: repo.into(),
        tag: tag.into(),
        digest: None,
    }
}

fn base(text: &str) -> Option<Node> {
    parse(text).unwrap()
}

#[test]
fn every_form_of_tag_is_set_and_nothing_else() {
    let text = "# test values\nimage:\n  repository: org/api\n  tag: \"0.1.0\"  # release sets this\nworker:\n  image:\n    repository: org/wrk\n    tag: 0.1.0\nmigrate:\n  image: org/api:0.1.0\nlegacy:\n  image: org/api\n  imageTag: 0.1.0\njobs:\n  - name: nightly\n    image:\n      repository: org/api\n      tag: 0.1.0\nredis:\n  image:\n    repository: bitnami/redis\n    tag: 7.2\n";
    let (out, changes) = set(text, None, &[want("org/api", "0.2.0"), want("org/wrk", "0.2.0")]).unwrap();
    let expected = text
        .replacen("\"0.1.0\"", "\"0.2.0\"", 1)
        .replacen("    tag: 0.1.0\nmigrate", "    tag: 0.2.0\nmigrate", 1)
        .replace("org/api:0.1.0", "org/api:0.2.0")
        .replace("imageTag: 0.1.0", "imageTag: 0.2.0")
        .replace("      tag: 0.1.0\n", "      tag: 0.2.0\n");
    assert_eq!(out, expected);
    assert_eq!(changes.len(), 5, "{changes:?}");
    assert!(out.contains("tag: 7.2"));
}

#[test]
fn a_repository_only_in_the_base_values_and_a_missing_tag_is_written() {
    let b = base("image:\n  repository: org/api\n  tag: \"\"\napi:\n  image:\n    repository: org/api2\n");
    // test sets image.tag; api.image has a map but no tag; org/api2 only in base.
    let text = "image:\n  tag: 0.1.0\napi:\n  replicas: 2\n";
    let (out, changes) = set(text, b.as_ref(), &[want("org/api", "0.2.0"), want("org/api2", "0.2.0")]).unwrap();
    assert_eq!(
        out,
        "image:\n  tag: 0.2.0\napi:\n  replicas: 2\n  image:\n    tag: 0.2.0\n"
    );
    assert_eq!(changes.len(), 2, "{changes:?}");
    let (out, _) = set("", b.as_ref(), &[want("org/api", "1.10")]).unwrap();
    assert_eq!(out, "image:\n  tag: \"1.10\"\n");
}

#[test]
fn app_version_is_set_or_added() {
    let chart = "apiVersion: v2\nname: app\nversion: 0.3.0\nappVersion: \"0.1.0\" # the app\n";
    assert_eq!(
        set_app_version(chart, "0.2.0").unwrap().unwrap(),
        chart.replace("\"0.1.0\"", "\"0.2.0\"")
    );
    assert_eq!(set_app_version(chart, "0.1.0").unwrap(), None);
    let bare = "apiVersion: v2\nname: app\nversion: 0.3.0\ntype: application\n";
    assert_eq!(
        set_app_version(bare, "0.2.0").unwrap().unwrap(),
        "apiVersion: v2\nname: app\nversion: 0.3.0\nappVersion: \"0.2.0\"\ntype: application\n"
    );
}

#[test]
fn charts_are_found_with_their_values_files() {
    let d = tempfile::tempdir().unwrap();
    let chart = d.path().join("deploy/charts/app");
    std::fs::create_dir_all(chart.join("values")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "name: app\n").unwrap();
    std::fs::write(chart.join("values/staging.yaml"), "{}\n").unwrap();
    std::fs::write(chart.join("values.production.yaml"), "{}\n").unwrap();
    let c = find_all(d.path()).remove(0);
    assert_eq!(c.dir, PathBuf::from("deploy/charts/app"));
    assert_eq!(c.test, Some(PathBuf::from("deploy/charts/app/values/staging.yaml")));
    assert_eq!(c.prod, Some(PathBuf::from("deploy/charts/app/values.production.yaml")));
}

#[test]
fn the_charts_own_version_is_raised_by_the_release_level() {
    use crate::version::Level;
    let chart = "name: app\nversion: \"0.3.1\"   # chart\n";
    let (out, v) = bump_chart_version(chart, Level::Minor).unwrap().unwrap();
    assert_eq!(
        (out.as_str(), v.as_str()),
        ("name: app\nversion: \"0.4.0\"   # chart\n", "0.4.0")
    );
    assert_eq!(
        bump_chart_version("name: app\nversion: latest\n", Level::Patch).unwrap(),
        None
    );
}
