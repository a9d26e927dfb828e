//! `release version`: the current version, what each level gives, and why.

use crate::release::auto::Decision;
use crate::release::preflight;
use crate::version::{Bump, Level, Versions};
use anyhow::Result;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct Report {
    /// The current version, or null before the first release.
    pub current: Option<String>,
    /// The tag it comes from.
    pub tag: Option<String>,
    pub next: Next,
    /// Semver tags above the current one that HEAD does not reach.
    pub unreachable: Vec<String>,
    /// Tags that are not semantic versions.
    pub ignored: Vec<String>,
    /// Every semver tag, highest first, with whether HEAD reaches it.
    pub tags: Vec<TagLine>,
    /// The level `release auto` would pick (null: nothing releasable) and the commits that decide it.
    pub auto: Option<Level>,
    pub deciding: Vec<String>,
    #[serde(skip)]
    pub auto_explained: String,
}

#[derive(Debug, Serialize)]
pub struct Next {
    pub major: Option<String>,
    pub minor: Option<String>,
    pub patch: Option<String>,
    #[serde(rename = "final")]
    pub final_: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TagLine {
    pub name: String,
    pub version: String,
    pub reachable: bool,
}

pub fn build(versions: &Versions, prefix: &str, auto: &Decision) -> Report {
    let tag_of = |b: Bump| versions.next(&b).ok().map(|v| crate::version::tag_name(prefix, &v));
    let cur = versions.current();
    Report {
        current: cur.map(|c| c.version.to_string()),
        tag: cur.map(|c| c.name.clone()),
        next: Next {
            major: tag_of(Bump::Level(Level::Major, None)),
            minor: tag_of(Bump::Level(Level::Minor, None)),
            patch: tag_of(Bump::Level(Level::Patch, None)),
            final_: cur
                .filter(|c| !c.version.pre.is_empty())
                .and_then(|_| tag_of(Bump::Final)),
        },
        unreachable: versions.unreachable_above().iter().map(|t| t.name.clone()).collect(),
        ignored: versions.ignored.clone(),
        tags: versions
            .tags
            .iter()
            .map(|t| TagLine {
                name: t.name.clone(),
                version: t.version.to_string(),
                reachable: t.reachable,
            })
            .collect(),
        auto: auto.level,
        deciding: auto
            .deciding
            .iter()
            .map(|c| format!("{} {}", c.short, c.summary))
            .collect(),
        auto_explained: auto.explain(),
    }
}

pub fn render(r: &Report, explain: bool) -> String {
    let mut s = String::new();
    match &r.current {
        Some(v) => {
            let _ = writeln!(s, "current: {v}");
        }
        None => {
            let _ = writeln!(s, "current: none (no release tag yet; the first release is 0.1.0)");
        }
    }
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    let _ = writeln!(s, "major:   {}", opt(&r.next.major));
    let _ = writeln!(s, "minor:   {}", opt(&r.next.minor));
    let _ = writeln!(s, "patch:   {}", opt(&r.next.patch));
    if let Some(f) = &r.next.final_ {
        let _ = writeln!(s, "final:   {f}");
    }
    if explain {
        let _ = writeln!(s);
        match &r.tag {
            Some(t) => {
                let _ = writeln!(
                    s,
                    "chosen: tag {t}: the highest semantic version among the tags reachable from HEAD (build metadata never decides)"
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "chosen: no semantic-version tag is reachable from HEAD, so the first release is 0.1.0"
                );
            }
        }
        for t in &r.tags {
            let mark = if t.reachable {
                "reachable"
            } else {
                "NOT reachable from HEAD"
            };
            let _ = writeln!(s, "  {:<24} {mark}", t.name);
        }
        for u in &r.unreachable {
            let _ = writeln!(
                s,
                "warning: {u} is higher but not in this branch's history (another branch, or a commit that was rebased away); it is not counted"
            );
        }
        if r.ignored.is_empty() {
            let _ = writeln!(s, "ignored: none");
        } else {
            let _ = writeln!(
                s,
                "ignored (not semantic versions MAJOR.MINOR.PATCH): {}",
                r.ignored.join(", ")
            );
        }
        let _ = writeln!(s, "{}", r.auto_explained);
    }
    s
}

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Say which tag was chosen and why, and which tags were ignored.
    #[arg(long)]
    pub explain: bool,
    /// Print JSON on stdout (stable keys) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `release version` in `dir`: text on stdout, or JSON.
pub fn run(dir: &Path, a: Args) -> Result<()> {
    let (explain, json) = (a.explain, a.json);
    let facts = preflight::read(dir)?;
    let prefix = facts.versions.prefix_for_new(facts.config.tag_prefix.as_deref());
    let auto = crate::release::auto::decide(&facts)?;
    let report = build(&facts.versions, &prefix, &auto);
    if json {
        crate::ui::out(&serde_json::to_string_pretty(&report)?);
    } else {
        crate::ui::out(&render(&report, explain));
    }
    Ok(())
}
