//! `release version`: the current version, what each level gives, and why.

use crate::release::auto::Decision;
use crate::release::preflight;
use crate::version::{Bump, Level, Versions};
use anyhow::Result;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// The JSON shape's version (see docs/json.md).
pub const SCHEMA: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: u32,
    /// The current release, or null before the first one.
    pub current: Option<Release>,
    pub next: Next,
    /// Semver tags above the current one that HEAD does not reach.
    pub unreachable: Vec<String>,
    /// Tags that are not semantic versions.
    pub ignored: Vec<String>,
    /// Every semver tag, highest first, with whether HEAD reaches it.
    pub tags: Vec<TagLine>,
    pub auto: Auto,
    #[serde(skip)]
    pub auto_explained: String,
    /// The version comes from short tags (`1.0` read as 1.0.0).
    pub short_tags: bool,
    /// Before the first tag: what the first release counts from (null: 0.1.0).
    pub seed: Option<SeedLine>,
    /// The `version_files:` of .release.yml and the version each holds (null: none found).
    pub version_files: Vec<VersionFileLine>,
}

/// One version file and what it holds.
#[derive(Debug, Serialize)]
pub struct VersionFileLine {
    pub path: String,
    pub holds: Option<String>,
}

/// The version a project already uses before its first release tag, and where it says so.
#[derive(Debug, Serialize)]
pub struct SeedLine {
    pub version: String,
    pub from: String,
    /// `initial_version:` names the first release itself.
    pub exact: bool,
}

/// A version and the tag that names it (`0.2.0`, `v0.2.0`).
#[derive(Debug, Serialize)]
pub struct Release {
    pub version: String,
    pub tag: String,
}

#[derive(Debug, Serialize)]
pub struct Next {
    pub major: Option<Release>,
    pub minor: Option<Release>,
    pub patch: Option<Release>,
    #[serde(rename = "final")]
    pub final_: Option<Release>,
}

#[derive(Debug, Serialize)]
pub struct TagLine {
    pub tag: String,
    pub version: String,
    pub reachable: bool,
}

/// What `release auto` would do: the level (null: nothing releasable) and why.
#[derive(Debug, Serialize)]
pub struct Auto {
    pub level: Option<Level>,
    /// `short-id subject` of the commits that decide it.
    pub deciding: Vec<String>,
}

pub fn build(versions: &Versions, prefix: &str, auto: &Decision) -> Report {
    let next = |b: Bump| {
        versions.next(&b).ok().map(|v| Release {
            tag: crate::version::tag_name(prefix, &v),
            version: v.to_string(),
        })
    };
    let cur = versions.current();
    Report {
        schema: SCHEMA,
        current: cur.map(|c| Release {
            version: c.version.to_string(),
            tag: c.name.clone(),
        }),
        next: Next {
            major: next(Bump::Level(Level::Major, None)),
            minor: next(Bump::Level(Level::Minor, None)),
            patch: next(Bump::Level(Level::Patch, None)),
            final_: cur
                .filter(|c| !c.version.pre.is_empty())
                .and_then(|_| next(Bump::Final)),
        },
        unreachable: versions.unreachable_above().iter().map(|t| t.name.clone()).collect(),
        ignored: versions.ignored.clone(),
        tags: versions
            .tags
            .iter()
            .map(|t| TagLine {
                tag: t.name.clone(),
                version: t.version.to_string(),
                reachable: t.reachable,
            })
            .collect(),
        auto: Auto {
            level: auto.level,
            deciding: auto
                .deciding
                .iter()
                .map(|c| format!("{} {}", c.short, c.summary))
                .collect(),
        },
        auto_explained: auto.explain(),
        short_tags: cur.is_some_and(|c| c.short),
        seed: versions.seed.as_ref().filter(|_| cur.is_none()).map(|s| SeedLine {
            version: s.version.to_string(),
            from: s.from.clone(),
            exact: s.exact,
        }),
        version_files: Vec::new(),
    }
}

/// `current: ...`, with where a version before the first tag comes from.
fn current_line(r: &Report) -> String {
    let mut s = String::new();
    match (&r.current, &r.seed) {
        (Some(v), _) => {
            // The tag as written (`v1.0.0`), and the version it is read as when that differs (`1.0`).
            if v.tag.trim_start_matches(['v', 'V']) == v.version {
                let _ = writeln!(s, "current: {}", v.tag);
            } else {
                let _ = writeln!(s, "current: {} (read as {})", v.tag, v.version);
            }
        }
        (None, Some(seed)) if seed.exact => {
            let _ = writeln!(
                s,
                "current: none (initial_version: the first release is {})",
                seed.version
            );
        }
        (None, Some(seed)) => {
            let _ = writeln!(s, "current: {} (no release tag yet; the images run it)", seed.version);
        }
        (None, None) => {
            let _ = writeln!(s, "current: none (no release tag yet; the first release is 0.1.0)");
        }
    }
    s
}

pub fn render(r: &Report, explain: bool) -> String {
    let mut s = current_line(r);
    let opt = |o: &Option<Release>| o.as_ref().map_or_else(|| "-".into(), |r| r.tag.clone());
    let _ = writeln!(s, "major:   {}", opt(&r.next.major));
    let _ = writeln!(s, "minor:   {}", opt(&r.next.minor));
    let _ = writeln!(s, "patch:   {}", opt(&r.next.patch));
    if let Some(f) = &r.next.final_ {
        let _ = writeln!(s, "final:   {}", f.tag);
    }
    if explain {
        let _ = writeln!(s);
        match r.current.as_ref().map(|c| &c.tag) {
            Some(t) => {
                let _ = writeln!(
                    s,
                    "chosen: tag {t}: the highest semantic version among the tags reachable from HEAD (build metadata never decides)"
                );
                if r.short_tags {
                    let _ = writeln!(
                        s,
                        "  (the project has no MAJOR.MINOR.PATCH tags, so its short ones count: {t} is read as {}; new tags are full versions)",
                        r.current.as_ref().map_or("", |c| c.version.as_str())
                    );
                }
            }
            None => {
                let first = match &r.seed {
                    Some(seed) if seed.exact => format!("the first release is {} ({})", seed.version, seed.from),
                    Some(seed) => format!(
                        "releases count from {}, the version the project already uses ({}; `initial_version:` in .release.yml overrides)",
                        seed.version, seed.from
                    ),
                    None => "the first release is 0.1.0".to_string(),
                };
                let _ = writeln!(s, "chosen: no semantic-version tag is reachable from HEAD, so {first}");
            }
        }
        for t in &r.tags {
            let mark = if t.reachable {
                "reachable"
            } else {
                "NOT reachable from HEAD"
            };
            let _ = writeln!(s, "  {:<24} {mark}", t.tag);
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
        for f in &r.version_files {
            let now = r.current.as_ref().map(|c| c.version.as_str());
            let _ = match (&f.holds, now) {
                (None, _) => writeln!(s, "version file {}: holds no version where the release looks", f.path),
                (Some(h), Some(c)) if h != c => {
                    writeln!(
                        s,
                        "version file {}: holds {h}, lagging {c}; the next release sets it",
                        f.path
                    )
                }
                (Some(h), _) => writeln!(s, "version file {}: holds {h}", f.path),
            };
        }
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
    if crate::git::open(dir)?.head_commit().is_none() {
        return no_commits(json);
    }
    let facts = preflight::read(dir)?;
    let prefix = facts.versions.prefix_for_new(facts.config.tag_prefix.as_deref());
    let auto = crate::release::auto::decide(&facts)?;
    let mut report = build(&facts.versions, &prefix, &auto);
    report.version_files = crate::release::version_files::holds(&facts.repo.root, &facts.config.version_files)
        .into_iter()
        .map(|(p, holds)| VersionFileLine {
            path: p.display().to_string(),
            holds,
        })
        .collect();
    if json {
        crate::ui::out(&serde_json::to_string_pretty(&report)?);
    } else {
        crate::ui::out(&render(&report, explain));
    }
    Ok(())
}

/// A repository with no commits yet: nothing is released, and the first release is 0.1.0.
fn no_commits(json: bool) -> Result<()> {
    let first = || {
        Some(Release {
            version: "0.1.0".into(),
            tag: "0.1.0".into(),
        })
    };
    let report = Report {
        schema: SCHEMA,
        current: None,
        next: Next {
            major: first(),
            minor: first(),
            patch: first(),
            final_: None,
        },
        unreachable: Vec::new(),
        ignored: Vec::new(),
        tags: Vec::new(),
        auto: Auto {
            level: None,
            deciding: Vec::new(),
        },
        auto_explained: "auto: nothing to release yet (no commits)".into(),
        short_tags: false,
        seed: None,
        version_files: Vec::new(),
    };
    if json {
        crate::ui::out(&serde_json::to_string_pretty(&report)?);
    } else {
        crate::ui::out("current: none (the repository has no commits yet; the first release will be 0.1.0)");
    }
    Ok(())
}
