//! `release images`: which images a release builds, from which Dockerfile, and why.

use crate::config::Config;
use crate::images::{build_context, credentials, specs_in};
use crate::manifests::imageref::ImageRef;
use crate::ui;
use crate::ui::human_bytes;
use anyhow::Result;
use std::path::Path;

pub fn run(dir: &Path) -> Result<()> {
    let repo = crate::git::open(dir)?;
    let config = Config::load(&repo.root)?;
    let layout = crate::manifests::Layout::load_to_read(&repo.root, &config)?;
    ui::out(&layout.found());
    let specs = specs_in(&repo.root, &config, &layout)?;
    if specs.is_empty() {
        ui::out("no Dockerfile found (docker/Dockerfile.*, Dockerfile): a release builds no image");
    }
    for s in specs {
        let r = ImageRef::parse(&s.repository)?;
        let size = build_context::scan(&repo.root.join(&s.context), &repo.root.join(&s.dockerfile))
            .map(|c| human_bytes(c.bytes))
            .unwrap_or_else(|e| format!("{e:#}"));
        ui::out(&s.name());
        ui::out(&format!("    dockerfile: {}", s.dockerfile.display()));
        ui::out(&format!("    context:    {} ({size})", s.context.display()));
        ui::out(&format!("    registry:   {}", credentials::registry_host(&r)));
        for (k, v) in &s.build_args {
            ui::out(&format!("    build arg:  {k}={v}"));
        }
        ui::out(&format!("    found by:   {}", s.source));
    }
    Ok(())
}
