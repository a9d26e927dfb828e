//! `release notes [VERSION]`: one version's changelog section without its heading, ready
//! for `gh release create X -F -` (default: the newest release).

use crate::changelog::file::full_history;
use crate::changelog::render_release;
use crate::error::refused;
use crate::release::preflight;
use anyhow::Result;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// The version (`0.2.0` or its tag `v0.2.0`); default: the newest release.
    #[arg(value_name = "VERSION", id = "notes_version")]
    pub version: Option<String>,
}

pub fn run(dir: &Path, a: Args) -> Result<()> {
    let facts = preflight::read(dir)?;
    let (releases, _) = full_history(&facts)?;
    let released: Vec<_> = releases.iter().filter(|r| r.version.is_some()).collect();
    let want = a
        .version
        .as_deref()
        .map(|v| v.trim().trim_start_matches('v').to_string());
    let found = match &want {
        Some(v) => released.iter().find(|r| r.version.as_deref() == Some(v.as_str())),
        None => released.first(),
    };
    let Some(release) = found else {
        let known: Vec<&str> = released.iter().take(10).filter_map(|r| r.tag.as_deref()).collect();
        return Err(refused(match want {
            Some(v) => format!(
                "there is no release {v} in this branch's history; the newest are: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
            None => "there is no release yet: cut one with release minor (or release patch)".into(),
        }));
    };
    let text = render_release(release);
    let body: Vec<&str> = text.lines().skip(1).skip_while(|l| l.trim().is_empty()).collect();
    crate::ui::out(body.join("\n").trim_end());
    Ok(())
}
