//! `release init`: write the reference layout (kubernetes/{test,prod}, docker/) and a
//! `.release.yml` into a project, names substituted, never overwriting a file.

use super::sample;
use crate::error::refused;
use crate::manifests::model::Env;
use crate::ui;
use anyhow::Result;
use std::path::Path;

/// `release init`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The app's name, used in object names (lower-case, digits, `-`).
    #[arg(long, default_value = "hello")]
    pub app: String,
    /// Your Docker Hub user (needed for the sample layout): images are USER/APP-api and
    /// USER/APP-wrk. A project that has test or prod keeps its own images.
    #[arg(long)]
    pub user: Option<String>,
    /// The test API's nodePort (30000-32767); when test is built from prod, its nodePort
    /// (default: the second port of ~/portinfo, else a free one beside prod's).
    #[arg(long)]
    pub nodeport_test: Option<u16>,
    /// The prod API's nodePort (30000-32767, not the test one).
    #[arg(long)]
    pub nodeport_prod: Option<u16>,
    /// Show the files it would write, and write none.
    #[arg(long)]
    pub dry_run: bool,
    /// What the manifests that name no environment are (`test` or `prod`): init builds
    /// the other from them.
    #[arg(long = "as", value_name = "ENV", value_parser = ["test", "prod"])]
    pub as_env: Option<String>,
    /// No question (accepted by every command that changes something, for scripts).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

impl Args {
    /// The sample's names: the flags, with the sample's defaults for what was not given.
    fn names(&self) -> Names {
        Names {
            app: self.app.clone(),
            user: self.user.clone().unwrap_or_default(),
            nodeport_test: self.nodeport_test.unwrap_or(30081),
            nodeport_prod: self.nodeport_prod.unwrap_or(if self.nodeport_test == Some(30082) {
                30081
            } else {
                30082
            }),
        }
    }
}

/// The names that go into the sample.
#[derive(Debug, Clone)]
pub struct Names {
    pub app: String,
    pub user: String,
    pub nodeport_test: u16,
    pub nodeport_prod: u16,
}

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl Names {
    /// Checks the names; an empty user passes (only the sample layout needs one).
    pub fn validate(&self) -> Result<()> {
        if !dns_label(&self.app) {
            return Err(refused(format!(
                "--app `{}`: use lower-case letters, digits and `-` (it becomes Kubernetes object names)",
                self.app
            )));
        }
        if !self
            .user
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        {
            return Err(refused(format!(
                "--user `{}`: a Docker Hub user name is lower-case letters and digits (image names cannot have capitals)",
                self.user
            )));
        }
        for (flag, p) in [
            ("--nodeport-test", self.nodeport_test),
            ("--nodeport-prod", self.nodeport_prod),
        ] {
            if !(30000..=32767).contains(&p) {
                return Err(refused(format!(
                    "{flag} {p}: a nodePort must be between 30000 and 32767"
                )));
            }
        }
        if self.nodeport_test == self.nodeport_prod {
            return Err(refused(
                "--nodeport-test and --nodeport-prod must differ: both environments share the cluster's ports",
            ));
        }
        Ok(())
    }

    /// The sample text with these names in place of the sample's own.
    pub fn apply(&self, text: &str) -> String {
        text.replace("demo/hello-", &format!("{}/{}-", self.user, self.app))
            .replace("hello-", &format!("{}-", self.app))
            .replace("nodePort: 30081", &format!("nodePort: {}", self.nodeport_test))
            .replace("nodePort: 30082", &format!("nodePort: {}", self.nodeport_prod))
    }

    pub fn config(&self) -> String {
        format!(
            "# release settings (see `release --help`)\nenvironments:\n  test: kubernetes/test\n  prod: kubernetes/prod\nimages:\n  - repository: {u}/{a}-api\n  - repository: {u}/{a}-wrk\n",
            u = self.user,
            a = self.app
        )
    }
}

/// `release init` in the project containing `dir`: with one environment, the other built
/// from it; with none, the reference layout; with both, nothing.
pub fn run(dir: &Path, a: Args) -> Result<()> {
    a.names().validate()?;
    let root = crate::git::project_root(dir);
    if !a.dry_run {
        for said in super::new_files::recover(&root)? {
            ui::say(&said);
        }
    }
    let config = crate::config::Config::load(&root)?;
    let layout = crate::manifests::Layout::load(&root, &config)?;
    offer_version_files(&root, &config);
    if layout.unnamed {
        return adopt_unnamed(&root, &layout, &a);
    }
    if let Some(done) = adopt_source(&root, &layout, a.dry_run) {
        return done;
    }
    // An empty environment folder is one to fill.
    match (!layout.test.files.is_empty(), !layout.prod.files.is_empty()) {
        (true, true) => {
            ui::say(&format!("{}: nothing to write", layout.found()));
            ui::success("test and prod both exist; `release check` lints them");
            Ok(())
        }
        (false, true) => adopt(&root, (&layout.prod, &layout.test), a.nodeport_test, a.dry_run),
        (true, false) => adopt(&root, (&layout.test, &layout.prod), a.nodeport_prod, a.dry_run),
        (false, false) if !layout.other.is_empty() => Err(refused(format!(
            "{}: the manifests here name another environment ({}), so a sample would be a second set beside them; nothing was written.\n  fix: say which folder is test (and prod) in .release.yml, e.g. `environments: {{ test: {}, prod: ... }}`, then run init again to build the other",
            layout.found(),
            layout.other[0].display(),
            layout.other[0]
                .parent()
                .map_or_else(String::new, |p| p.display().to_string())
        ))),
        (false, false) => sample(&root, &a),
    }
}

/// Says which files carry a version the release could keep current, when none is listed.
fn offer_version_files(root: &Path, config: &crate::config::Config) {
    if !config.version_files.is_empty() {
        return;
    }
    let found = crate::release::version_files::candidates(root);
    if found.is_empty() {
        return;
    }
    let list: Vec<String> = found.iter().map(|(f, v)| format!("{f} (holds {v})")).collect();
    let names: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    ui::say(&format!(
        "note: {} carry the app's version: add `version_files: [{}]` to .release.yml and every release sets it in its commit",
        list.join(", "),
        names.join(", ")
    ));
}

/// Kustomize overlays or a Helm chart: the missing environment's kustomization (or values
/// file) written from the other's, its environment words swapped; `None` for plain files.
fn adopt_source(root: &Path, layout: &crate::manifests::Layout, dry_run: bool) -> Option<Result<()>> {
    use crate::manifests::Source;
    if layout.sources.iter().all(|s| matches!(s, Source::Files)) {
        return None;
    }
    let file_of = |env: &str| {
        layout
            .overlay(env)
            .map(|o| o.file.clone())
            .or_else(|| layout.values(env).map(|v| v.file.clone()))
    };
    Some(match (file_of("test"), file_of("prod")) {
        (Some(_), Some(_)) => {
            ui::say(&format!("{}: nothing to write", layout.found()));
            ui::success("test and prod both exist; `release check` lints them");
            Ok(())
        }
        (None, None) => Err(refused(format!(
            "{}: neither environment has its kustomization or values file yet, so there is nothing to build the other from; nothing was written.\n  fix: write one of them by hand, then run init again",
            layout.found()
        ))),
        (Some(from), None) => write_counterpart(root, &from, &layout.prod.place, "prod", dry_run),
        (None, Some(from)) => write_counterpart(root, &from, &layout.test.place, "test", dry_run),
    })
}

/// Writes environment `to`'s kustomization (or values file) from `from`, words swapped;
/// never over a file, and only where the kustomization's relative paths still hold.
fn write_counterpart(
    root: &Path,
    from: &Path,
    place: &crate::manifests::places::Place,
    to: &'static str,
    dry_run: bool,
) -> Result<()> {
    use crate::manifests::places::{Holds, Place};
    let target = match place.holds {
        Holds::Kustomize if from.parent().map(|p| p.components().count()) == Some(place.dir.components().count()) => {
            place.dir.join(from.file_name().unwrap_or_default())
        }
        Holds::Kustomize => {
            return Err(refused(format!(
                "{} sits at another depth than {}, so its relative paths (../../base) would not hold there; nothing was written.\n  fix: write {}'s kustomization by hand",
                from.display(),
                place.dir.display(),
                to
            )));
        }
        _ => Place::counterpart(from, to).ok_or_else(|| {
            refused(format!(
                "{} names no environment, so there is no name for {to}'s copy; nothing was written.\n  fix: write {to}'s values file by hand (values-{to}.yaml beside it)",
                from.display()
            ))
        })?,
    };
    crate::fs::inside(root, &target)?;
    if root.join(&target).exists() {
        return Err(refused(format!(
            "{} exists already: init never writes over a file; nothing was written",
            target.display()
        )));
    }
    let text = std::fs::read_to_string(root.join(from))?;
    let new = env_words_swapped(&text, to);
    ui::say(&format!("building {to} from {}", from.display()));
    if dry_run {
        ui::out(&format!("--- {} (from {})\n{new}", target.display(), from.display()));
        return Ok(());
    }
    super::new_files::write_all(root, &[(target.clone(), new.into_bytes())])?;
    ui::success(&format!(
        "wrote {} (from {}); review it, then commit",
        target.display(),
        from.display()
    ));
    Ok(())
}

/// `text` with every whole word of the other environment (`prod`, `production`; `test`,
/// `staging`, `stage`, `dev`) made `to` (case kept): `namePrefix: prod-` -> `test-`,
/// `env: prod` -> `env: test`, `api.prod.example.com` -> `api.test.example.com`.
fn env_words_swapped(text: &str, to: &str) -> String {
    static PROD: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(?i)\b(prod|production)\b").expect("a valid pattern"));
    static TEST: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b(test|staging|stage|dev|development)\b").expect("a valid pattern")
    });
    let other = if to == "test" { &PROD } else { &TEST };
    other
        .replace_all(text, |c: &regex::Captures| {
            let found = &c[0];
            if found.chars().all(|ch| ch.is_ascii_uppercase()) {
                to.to_ascii_uppercase()
            } else {
                to.to_string()
            }
        })
        .into_owned()
}

/// The manifests name no environment: `--as` says which they are, and the other is built
/// from them beside them.
fn adopt_unnamed(root: &Path, layout: &crate::manifests::Layout, a: &Args) -> Result<()> {
    let Some(is) = a.as_env.as_deref() else {
        return Err(refused(format!(
            "{}: these manifests name no environment (no folder, file name or env label says test or prod). Which are they?\n  fix: release init --as prod   (builds test beside them), or: release init --as test   (builds prod)",
            layout.prod.label()
        )));
    };
    let dir = layout.prod.place.dir.clone();
    let mut from = layout.prod.clone();
    from.name = is.to_string();
    let (other, port) = if is == "prod" {
        ("test", a.nodeport_test)
    } else {
        ("prod", a.nodeport_prod)
    };
    let target = crate::manifests::model::Env {
        name: other.to_string(),
        place: crate::manifests::places::Place::folder(dir.join(other)),
        exists: false,
        files: Vec::new(),
    };
    from.place.holds = crate::manifests::places::Holds::Unmarked;
    adopt(root, (&from, &target), port, a.dry_run)
}

/// Builds environment `to` from `from`, file for file; never over an existing file.
fn adopt(root: &Path, (from, target): (&Env, &Env), port: Option<u16>, dry_run: bool) -> Result<()> {
    use crate::manifests::places::Holds;
    let to = if target.name == "test" { "test" } else { "prod" };
    let files: Vec<(std::path::PathBuf, String)> =
        from.files.iter().map(|f| (f.path.clone(), f.text.clone())).collect();
    let ports = port.map_or_else(|| portinfo(to), |p| vec![p]);
    let folders = (from.place.holds == Holds::All && target.place.holds == Holds::All)
        .then_some((from.place.dir.as_path(), target.place.dir.as_path()));
    let into = crate::manifests::adopt::Into { to, folders };
    let adopted = crate::manifests::adopt::adopt(&files, into, ports).map_err(|p| {
        refused(format!(
            "{} cannot be copied yet:\n{}",
            from.label(),
            crate::project::problem::list(&p)
        ))
    })?;
    for f in &adopted.files {
        crate::fs::inside(root, &f.path)?;
        if root.join(&f.path).exists() {
            return Err(refused(format!(
                "{} exists already: init never writes over a file; nothing was written.\n  fix: move it away, or write the {to} environment by hand",
                f.path.display()
            )));
        }
    }
    ui::say(&format!(
        "building {to} from {} ({} files)",
        from.label(),
        adopted.files.len()
    ));
    if dry_run {
        for f in &adopted.files {
            ui::out(&format!(
                "--- {} (from {})\n{}",
                f.path.display(),
                f.from.display(),
                f.text
            ));
        }
    } else {
        let files: Vec<_> = adopted
            .files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone().into_bytes()))
            .collect();
        super::new_files::write_all(root, &files)?;
        for f in &adopted.files {
            ui::say(&format!("wrote    {} (from {})", f.path.display(), f.from.display()));
        }
    }
    for n in &adopted.notes {
        ui::say(&format!("note: {n}"));
    }
    if dry_run {
        ui::success("dry run: nothing was written");
    } else {
        ui::success(&format!(
            "{} file(s) written; next: release check, then git add -A && git commit",
            adopted.files.len()
        ));
    }
    Ok(())
}

/// The nodePorts in ~/portinfo (the course hands each student a pair): the second one is
/// the one for `test` (the first is prod's), and the reverse.
fn portinfo(to: &str) -> Vec<u16> {
    let Some(home) = std::env::var_os("HOME") else {
        return Vec::new();
    };
    let Ok(text) = std::fs::read_to_string(std::path::Path::new(&home).join("portinfo")) else {
        return Vec::new();
    };
    let ports: Vec<u16> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse::<u16>().ok())
        .filter(|p| (30000..=32767).contains(p))
        .collect();
    let pick = if to == "test" { 1 } else { 0 };
    ports.get(pick).map(|p| vec![*p]).unwrap_or_default()
}

/// Writes the reference layout (and a `.release.yml`), never overwriting a file.
fn sample(root: &Path, a: &Args) -> Result<()> {
    let Some(user) = a.user.clone() else {
        return Err(refused(
            "this project has no test or prod manifests, so init writes the sample layout, which needs your Docker Hub user: release init --user NAME",
        ));
    };
    let names = Names { user, ..a.names() };
    let mut files: Vec<(String, String)> = sample::FILES
        .iter()
        .filter(|(p, _)| p.starts_with("kubernetes/") || p.starts_with("docker/"))
        .map(|(p, t)| (p.to_string(), names.apply(t)))
        .collect();
    files.push((crate::config::FILE_NAME.to_string(), names.config()));
    let (mut new, mut kept) = (Vec::new(), 0);
    for (rel, text) in files {
        let path = root.join(&rel);
        if path.exists() {
            ui::say(&format!("kept     {rel} (exists; not overwritten)"));
            kept += 1;
        } else if a.dry_run {
            ui::out(&format!("--- {rel}\n{text}"));
        } else {
            new.push((std::path::PathBuf::from(&rel), scaffold(root, &rel, &text).into_bytes()));
        }
    }
    super::new_files::write_all(root, &new)?;
    for (rel, _) in &new {
        ui::say(&format!("wrote    {}", rel.display()));
    }
    let wrote = new.len();
    ui::success(&format!(
        "{wrote} file(s) written, {kept} kept; next: release check, then git add -A && git commit"
    ));
    Ok(())
}

/// A sample Dockerfile COPYs only what the project has: a COPY of a missing file or folder
/// becomes a comment saying so (a build would stop there).
fn scaffold(root: &Path, rel: &str, text: &str) -> String {
    if !rel.starts_with("docker/") {
        return text.to_string();
    }
    text.lines()
        .map(
            |l| match l.strip_prefix("COPY ").and_then(|rest| rest.split_whitespace().next()) {
                Some(src) if !root.join(src).exists() => {
                    format!("# {l}   <- {src} is not in this project yet: add it, or change this line")
                }
                _ => l.to_string(),
            },
        )
        .map(|l| l + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifests::model::read_file;

    fn names() -> Names {
        Names {
            app: "my-api".into(),
            user: "alice".into(),
            nodeport_test: 30100,
            nodeport_prod: 30200,
        }
    }

    #[test]
    fn substitution_and_validation() {
        let n = names();
        let text = n.apply(include_str!("../../kubernetes/test/api-deployment.yml"));
        assert!(
            text.contains("image: alice/my-api-api:0.0.0") && text.contains("name: my-api-test-api"),
            "{text}"
        );
        assert!(!text.contains("hello"));
        let svc = n.apply(include_str!("../../kubernetes/prod/api-service.yml"));
        assert!(svc.contains("nodePort: 30200"));
        assert!(read_file("x.yml".into(), text).error.is_none());
        for bad in [
            Names {
                app: "My_App".into(),
                ..names()
            },
            Names {
                user: "Alice".into(),
                ..names()
            },
            Names {
                nodeport_test: 80,
                ..names()
            },
            Names {
                nodeport_prod: 30100,
                ..names()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert!(n.validate().is_ok());
    }
}
