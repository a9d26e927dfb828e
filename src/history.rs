//! The whole history sorted into releases with one walk (not one walk per release):
//! a commit belongs to the lowest release whose tag contains it. Walking children before
//! parents, each commit passes its release down to its parents.

use crate::git::{CommitInfo, Repo};
use crate::version::{VersionTag, Versions};
use anyhow::Result;
use git2::{ObjectType, Oid, Sort};
use std::collections::HashMap;

/// One release's commits (`tag: None` for the unreleased ones), newest release first.
pub struct Bucket {
    pub tag: Option<VersionTag>,
    /// (seconds, offset minutes) of the tag: tagger time when annotated, else commit time.
    pub when: Option<(i64, i32)>,
    pub commits: Vec<CommitInfo>,
}

pub struct History {
    pub buckets: Vec<Bucket>,
    pub warnings: Vec<String>,
}

/// Walks `head`'s history once and sorts it into the reachable release tags.
pub fn collect(repo: &Repo, head: Oid, versions: &Versions) -> Result<History> {
    let mut warnings = Vec::new();
    // Reachable tags; on one commit only the highest counts. `versions.tags` is highest first.
    let mut chosen: Vec<(Oid, VersionTag)> = Vec::new();
    for t in &versions.tags {
        if !t.reachable {
            warnings.push(format!("tag {} is not in HEAD's history, so it has no section", t.name));
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
    chosen.reverse(); // ascending: index 0 is the oldest release
    let by_commit: HashMap<Oid, usize> = chosen.iter().enumerate().map(|(i, (o, _))| (*o, i)).collect();
    let releases: Vec<VersionTag> = chosen.into_iter().map(|(_, t)| t).collect();

    const UNRELEASED: usize = usize::MAX;
    let mut label: HashMap<Oid, usize> = HashMap::new();
    let mut buckets: Vec<Vec<CommitInfo>> = vec![Vec::new(); releases.len() + 1];
    let mut walk = repo.repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    walk.push(head)?;
    for oid in walk {
        let oid = oid?;
        let mut l = label.remove(&oid).unwrap_or(UNRELEASED);
        if let Some(i) = by_commit.get(&oid) {
            l = l.min(*i);
        }
        let commit = repo.repo.find_commit(oid)?;
        for p in commit.parent_ids() {
            label.entry(p).and_modify(|x| *x = (*x).min(l)).or_insert(l);
        }
        let info = repo.commit_info_of(&commit);
        let slot = if l == UNRELEASED { releases.len() } else { l };
        buckets[slot].push(info);
    }

    let mut out = Vec::new();
    let unreleased = buckets.pop().unwrap_or_default();
    out.push(Bucket {
        tag: None,
        when: None,
        commits: unreleased,
    });
    for (tag, commits) in releases.into_iter().zip(buckets).rev() {
        let when = tag_time(repo, &tag.name);
        out.push(Bucket {
            tag: Some(tag),
            when,
            commits,
        });
    }
    Ok(History { buckets: out, warnings })
}

/// When a tag was made: the tagger's time for an annotated tag, else its commit's time.
pub fn tag_time(repo: &Repo, name: &str) -> Option<(i64, i32)> {
    let obj = repo.repo.revparse_single(&format!("refs/tags/{name}")).ok()?;
    if let Some(tag) = obj.as_tag()
        && let Some(sig) = tag.tagger()
    {
        return Some((sig.when().seconds(), sig.when().offset_minutes()));
    }
    let c = obj.peel(ObjectType::Commit).ok()?.into_commit().ok()?;
    Some((c.time().seconds(), c.time().offset_minutes()))
}
