//! CHANGELOG.md on disk: the release's new section (a plan step) and `release changelog`.

use crate::changelog::{self, Entry, Forge, Release};
use crate::commits;
use crate::config::Config;
use crate::git::{CommitInfo, Repo};
use crate::history;
use crate::release::apply::write_atomic;
use crate::release::plan::{Context, Contribution, Step};
use crate::release::preflight;
use anyhow::{Context as _, Result};
use std::path::Path;

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
    let offset = repo.repo.signature().map(|s| s.when().offset_minutes()).unwrap_or(0);
    changelog::date(crate::sync::now(), offset)
}

/// The release plan's contribution: CHANGELOG.md with the new section spliced in.
pub fn contribute(ctx: &Context) -> Result<Contribution> {
    let config = &ctx.facts.config;
    if !config.changelog.enabled {
        return Ok(Contribution::default());
    }
    let repo = &ctx.facts.repo;
    let rel_path = config.changelog.path.clone();
    let full = repo.root.join(&rel_path);
    let release = Release {
        version: Some(ctx.next.to_string()),
        tag: Some(ctx.tag.to_string()),
        date: Some(today(repo)),
        entries: entries(ctx.commits, config),
    };
    let forge = forge(repo, config);
    let (content, mut notices, why) = match std::fs::read(&full) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
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
        steps: vec![Step::WriteFile {
            path: rel_path,
            content: content.into_bytes(),
            why: why.to_string(),
            preview: changelog::render_release(&release),
        }],
        notices,
        ..Contribution::default()
    })
}

/// The whole history as changelog releases, newest first (Unreleased on top).
pub fn full_history(facts: &preflight::Facts) -> Result<(Vec<Release>, Vec<String>)> {
    let extra = facts.config.type_sections();
    let hist = history::collect(&facts.repo, facts.head, &facts.versions, |c| {
        let short = c.id().to_string()[..7].to_string();
        let msg = commits::parse(&String::from_utf8_lossy(c.message_bytes()));
        changelog::entry(&msg, &short, c.parent_count(), &extra)
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

/// `release changelog [--stdout] [--unreleased]`.
pub fn run(dir: &Path, stdout: bool, unreleased: bool) -> Result<()> {
    let facts = preflight::read(dir)?;
    let (releases, warnings) = full_history(&facts)?;
    for w in &warnings {
        crate::ui::warn(w);
    }
    if unreleased {
        let r = releases.first().cloned().unwrap_or(Release {
            version: None,
            tag: None,
            date: None,
            entries: vec![],
        });
        print!("{}", changelog::render_release(&r));
        return Ok(());
    }
    let text = changelog::render_full(&releases, forge(&facts.repo, &facts.config).as_ref());
    if stdout {
        print!("{text}");
        return Ok(());
    }
    let rel_path = &facts.config.changelog.path;
    let dirty = facts.repo.dirty_paths()?;
    let rel_str = rel_path.to_string_lossy();
    if dirty.iter().any(|d| d.starts_with(&format!("{rel_str} ("))) {
        return Err(crate::error::refused(format!(
            "{rel_str} has uncommitted changes that a full rewrite would lose: commit or stash them first (git stash), or use --stdout"
        )));
    }
    write_atomic(&facts.repo.root.join(rel_path), text.as_bytes())?;
    crate::ui::success(&format!(
        "wrote {rel_str} ({} releases)",
        releases.len().saturating_sub(1)
    ));
    Ok(())
}
