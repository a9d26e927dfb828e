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

pub fn run(dir: &Path, a: Args) -> Result<()> {
    let json = a.json;
    let root = crate::git::project_root(dir);
    let config = Config::load(&root)?;
    let layout = Layout::load_to_read(&root, &config)?;
    let findings = if layout.exists() {
        check::check(&layout.test, &layout.prod, layout.shared.as_ref(), &layout.project)
    } else {
        Vec::new()
    };
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
    } else if !layout.exists() {
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
