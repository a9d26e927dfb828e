//! `release check`: lint the environment folders (works outside a git repository too).

use crate::config::Config;
use crate::error::Failed;
use crate::manifests::Layout;
use crate::manifests::check::{self, Severity};
use crate::ui;
use anyhow::Result;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Print the findings as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// A version file that lags the current release tag (a warning: the next release sets it),
/// or that holds no version where the release looks (an error).
fn version_files(dir: &Path, root: &Path, config: &Config) -> Vec<check::Finding> {
    if config.version_files.is_empty() {
        return Vec::new();
    }
    let current = crate::release::preflight::read(dir)
        .ok()
        .and_then(|f| f.versions.current().map(|c| c.version.to_string()));
    let finding = |severity, what: String, fix: &str, path: &Path| check::Finding {
        severity,
        rule: "version-file",
        problem: crate::project::problem::Problem::new(what, fix).at_place(path.display().to_string()),
    };
    let mut out = Vec::new();
    for (path, held) in crate::release::version_files::holds(root, &config.version_files) {
        match (held, &current) {
            (None, _) => out.push(finding(
                Severity::Error,
                crate::release::version_files::no_version(&path),
                crate::release::version_files::NO_VERSION_FIX,
                &path,
            )),
            (Some(h), Some(c)) if &h != c => out.push(finding(
                Severity::Warning,
                format!("{} holds version {h}, but the current release is {c}", path.display()),
                "nothing to do by hand: the next release sets it (git tags decide)",
                &path,
            )),
            _ => {}
        }
    }
    out
}

pub fn run(dir: &Path, a: Args) -> Result<()> {
    let json = a.json;
    let root = crate::git::project_root(dir);
    let config = Config::load(&root)?;
    let layout = Layout::load_to_read(&root, &config)?;
    let mut findings = if layout.exists() { layout.findings() } else { Vec::new() };
    findings.extend(version_files(dir, &root, &config));
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.len() - errors;
    if json {
        let env = |e: &crate::manifests::model::Env| serde_json::json!({ "place": e.label(), "exists": e.exists, "files": e.files.len() });
        let found = serde_json::json!({
            "test": env(&layout.test),
            "prod": env(&layout.prod),
            "shared": layout.shared.as_ref().map(env),
        });
        let v = serde_json::json!({ "schema": 1, "found": found, "errors": errors, "warnings": warnings, "findings": findings });
        ui::out(&serde_json::to_string_pretty(&v)?);
    } else if !layout.exists() && config.version_files.is_empty() {
        return Err(crate::error::refused(format!(
            "{}: no Kubernetes manifests found (looked for {} and {}), so there is nothing to check: run it in your project (or -C PATH), set `environments:` in .release.yml, or write a sample layout with release init",
            root.display(),
            layout.test.label(),
            layout.prod.label()
        )));
    } else {
        ui::out(&layout.found());
        for f in &findings {
            ui::out(&f.to_string());
        }
        ui::out(&format!(
            "{errors} error(s), {warnings} warning(s) in {} and {}",
            layout.test.label(),
            layout.prod.label()
        ));
    }
    if errors > 0 {
        return Err(Failed(format!("release check found {errors} error(s)")).into());
    }
    Ok(())
}
