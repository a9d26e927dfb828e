//! The whole history sorted into releases with one walk (not one walk per release):
//! a commit belongs to the lowest release whose tag contains it. Walking children before
//! parents, each commit passes its release down to its parents.

use crate::git::Repo;
use crate::version::{VersionTag, Versions};
use anyhow::Result;
use git2::Oid;
use std::collections::HashMap;

/// One release's items (`tag: None` for the unreleased ones), newest release first.
pub struct Bucket<T> {
    pub tag: Option<VersionTag>,
    /// (seconds, offset minutes) of the tag: tagger time when annotated, else commit time.
    pub when: Option<(i64, i32)>,
    pub items: Vec<T>,
}

pub struct History<T> {
    pub buckets: Vec<Bucket<T>>,
    pub warnings: Vec<String>,
}

/// Walks `head`'s history once and sorts it into the reachable release tags; `item` turns
/// each commit into what is kept (so a long history never sits in memory whole).
pub fn collect<T>(
    repo: &Repo,
    head: Oid,
    versions: &Versions,
    mut item: impl FnMut(Oid, &[Oid], &[u8]) -> Option<T>,
) -> Result<History<T>> {
    let (chosen, warnings) = release_commits(repo, versions);
    sort_into(repo, head, chosen, warnings, &mut item)
}

/// The reachable release tags by commit (on one commit only the highest counts; `versions.tags`
/// is highest first), and warnings about the others.
fn release_commits(repo: &Repo, versions: &Versions) -> (Vec<(Oid, VersionTag)>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut chosen: Vec<(Oid, VersionTag)> = Vec::new();
    let mut off_history: Vec<&str> = Vec::new();
    for t in &versions.tags {
        if !t.reachable {
            off_history.push(t.name.as_str());
            continue;
        }
        let Some(oid) = repo.tag_commit(&t.name) else { continue };
        match chosen.iter().find(|(o, _)| *o == oid) {
            Some((_, higher)) => warnings.push(format!(
                "tags {} and {} are on the same commit: the changelog uses {}",
                t.name, higher.name, higher.name
            )),
            None => chosen.push((oid, t.clone())),
        }
    }
    match off_history.len() {
        0 => {}
        1 => warnings.push(format!(
            "tag {} is not in HEAD's history, so it has no section",
            off_history[0]
        )),
        n => {
            let shown: Vec<&str> = off_history.iter().take(5).copied().collect();
            let more = if n > 5 {
                format!(", and {} more", n - 5)
            } else {
                String::new()
            };
            warnings.push(format!(
                "{n} tags are not in HEAD's history, so they have no section: {}{more}",
                shown.join(", ")
            ));
        }
    }
    (chosen, warnings)
}

/// The walk itself: buckets from `chosen` (ascending, index 0 the oldest release).
fn sort_into<T>(
    repo: &Repo,
    head: Oid,
    mut chosen: Vec<(Oid, VersionTag)>,
    warnings: Vec<String>,
    item: &mut impl FnMut(Oid, &[Oid], &[u8]) -> Option<T>,
) -> Result<History<T>> {
    chosen.reverse(); // ascending: index 0 is the oldest release
    let by_commit: HashMap<Oid, usize> = chosen.iter().enumerate().map(|(i, (o, _))| (*o, i)).collect();
    let releases: Vec<VersionTag> = chosen.into_iter().map(|(_, t)| t).collect();

    const UNRELEASED: usize = usize::MAX;
    let mut label: HashMap<Oid, usize> = HashMap::new();
    let mut buckets: Vec<Vec<T>> = (0..=releases.len()).map(|_| Vec::new()).collect();
    repo.walk_topo(head, |oid, parents, message| {
        let mut l = label.remove(&oid).unwrap_or(UNRELEASED);
        if let Some(i) = by_commit.get(&oid) {
            l = l.min(*i);
        }
        for p in parents {
            label.entry(*p).and_modify(|x| *x = (*x).min(l)).or_insert(l);
        }
        let slot = if l == UNRELEASED { releases.len() } else { l };
        if let Some(it) = item(oid, parents, message) {
            buckets[slot].push(it);
        }
    })?;

    let mut out = Vec::new();
    let unreleased = buckets.pop().unwrap_or_default();
    out.push(Bucket {
        tag: None,
        when: None,
        items: unreleased,
    });
    for (tag, items) in releases.into_iter().zip(buckets).rev() {
        let when = repo.tag_time(&tag.name);
        out.push(Bucket {
            tag: Some(tag),
            when,
            items,
        });
    }
    Ok(History { buckets: out, warnings })
}
