//! CHANGELOG.md on disk: the release's new section (a plan step) and the whole history
//! as releases (for `release changelog`).

use crate::changelog::commits;
use crate::changelog::history;
use crate::changelog::{self, Entry, Forge, Release};
use crate::config::Config;
use crate::git::{CommitInfo, Repo};
use crate::project::{Brief, Contribution, Facts};
use crate::transaction::git_steps::WriteFile;
use anyhow::{Context as _, Result};

/// Changelog lines for `commits` (merges and release bookkeeping left out), newest first.
pub fn entries(commits: &[CommitInfo], config: &Config) -> Vec<Entry> {
    let extra = config.type_sections();
    commits
        .iter()
        .filter_map(|c| changelog::entry(&commits::parse(&c.message), &c.short, c.parents, &extra))
        .collect()
}

/// The forge origin lives on, for compare links (none for a plain path or an unknown host).
pub fn forge(repo: &Repo, config: &Config) -> Option<Forge> {
    repo.remote_url(&config.remote).and_then(|u| Forge::from_remote_url(&u))
}

/// Today's date in the time zone git signs commits with (UTC when it cannot tell).
fn today(repo: &Repo) -> String {
    changelog::date(crate::clock::now(), repo.signature_offset())
}

/// The release plan's contribution: CHANGELOG.md with the new section spliced in.
pub fn contribute(ctx: &Brief) -> Result<Contribution> {
    let config = &ctx.facts.config;
    if !config.changelog.enabled {
        return Ok(Contribution::default());
    }
    let repo = &ctx.facts.repo;
    let rel_path = config.changelog.path.clone();
    let full = match crate::fs::inside(&repo.root, &rel_path) {
        Ok(f) => f,
        Err(e) => {
            let mut c = Contribution::default();
            c.problems.push(
                crate::project::problem::Problem::new(
                    format!("{e:#}"),
                    "point `changelog.path` at a real file inside the repository",
                )
                .at_place(rel_path.display().to_string()),
            );
            return Ok(c);
        }
    };
    let release = Release {
        version: Some(ctx.next.to_string()),
        tag: Some(ctx.tag.to_string()),
        date: Some(today(repo)),
        entries: entries(ctx.commits, config),
    };
    let forge = forge(repo, config);
    let (content, mut notices, why) = match std::fs::read(&full) {
        Ok(bytes) => {
            let Ok(text) = String::from_utf8(bytes) else {
                return Ok(not_utf8(&rel_path, &full));
            };
            let s = changelog::splice(&text, &release, ctx.prev_tag, forge.as_ref());
            (s.text, s.warnings, "new section for this release")
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let unreleased = Release {
                version: None,
                tag: None,
                date: None,
                entries: Vec::new(),
            };
            let rels = vec![unreleased, release.clone()];
            (
                changelog::render_full(&rels, forge.as_ref()),
                Vec::new(),
                "created, with this release's section",
            )
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", full.display())),
    };
    notices
        .iter_mut()
        .for_each(|n| *n = format!("{}: {n}", rel_path.display()));
    if release.entries.is_empty() {
        notices.push(format!(
            "no commits since {}: the changelog section is empty",
            ctx.prev_tag.unwrap_or("the start")
        ));
    }
    Ok(Contribution {
        steps: vec![Box::new(WriteFile {
            path: rel_path,
            content: content.into_bytes(),
            why: why.to_string(),
            preview: changelog::render_release(&release),
        })],
        notices,
        ..Contribution::default()
    })
}

/// A changelog that is not UTF-8 is never rewritten (its bytes would change): a problem.
fn not_utf8(rel: &std::path::Path, full: &std::path::Path) -> Contribution {
    let bytes = std::fs::read(full).unwrap_or_default();
    let line = crate::fs::first_bad_utf8_line(&bytes).unwrap_or(1);
    let mut c = Contribution::default();
    c.problems.push(
        crate::project::problem::Problem::new(
            "the file is not valid UTF-8, so a new section cannot be spliced in without changing other bytes",
            "save it as UTF-8 (e.g. iconv -f latin1 -t utf-8), or set `changelog: { enabled: false }`",
        )
        .at_line(rel, line),
    );
    c
}

/// The whole history as changelog releases, newest first (Unreleased on top).
pub fn full_history(facts: &Facts) -> Result<(Vec<Release>, Vec<String>)> {
    let extra = facts.config.type_sections();
    let hist = history::collect(&facts.repo, facts.head, &facts.versions, |id, parents, message| {
        let short = id.to_string()[..7].to_string();
        let msg = commits::parse(&String::from_utf8_lossy(message));
        changelog::entry(&msg, &short, parents.len(), &extra)
    })?;
    let releases = hist
        .buckets
        .into_iter()
        .map(|b| Release {
            version: b.tag.as_ref().map(|t| t.version.to_string()),
            tag: b.tag.as_ref().map(|t| t.name.clone()),
            date: b.when.map(|(s, o)| changelog::date(s, o)),
            entries: b.items,
        })
        .collect();
    Ok((releases, hist.warnings))
}
