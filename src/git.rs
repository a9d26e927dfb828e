//! Git facts through git2 (fast, local); fetch and push through the `git` program, which
//! honours `~/.ssh/config` and credential helpers (see `proc`).

use crate::config::Config;
use crate::error::refused;
use crate::proc::{self, network_timeout};
use crate::version::TagInfo;
use anyhow::{Context, Result, bail};
use git2::{BranchType, ObjectType, Oid, Repository, Status, StatusOptions};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// An open work tree. The libgit2 handle stays in here: everything else asks `Repo`.
pub struct Repo {
    repo: Repository,
    /// The top of the work tree.
    pub root: PathBuf,
}

/// A path that differs from HEAD in the work tree or the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirty {
    pub path: String,
    pub untracked: bool,
    /// Left out of the work tree by a sparse checkout (skip-worktree), not changed.
    pub sparse: bool,
}

impl std::fmt::Display for Dirty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.untracked { "untracked" } else { "modified" };
        write!(f, "{} ({what})", self.path)
    }
}

/// One commit, as the plan and the changelog need it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: Oid,
    pub short: String,
    pub summary: String,
    /// The whole message, read lossily when it is not UTF-8.
    pub message: String,
    pub parents: usize,
}

/// What `git ls-remote` says a remote has.
#[derive(Debug, Clone, Default)]
pub struct RemoteRefs {
    /// Branch name -> commit id.
    pub heads: HashMap<String, String>,
    /// Tag name -> commit id (peeled when annotated).
    pub tags: HashMap<String, String>,
    /// Tag name -> what the ref itself names (the tag object when annotated).
    pub tag_refs: HashMap<String, String>,
}

crate::message_error!(
    /// Origin answered a push with a refusal (a rejected ref): nothing of it landed.
    PushRefused
);

/// The project root: the git work tree containing `dir`, else `dir` itself.
pub fn project_root(dir: &Path) -> PathBuf {
    open(dir).map(|r| r.root).unwrap_or_else(|_| dir.to_path_buf())
}

/// Opens the repository that contains `dir`.
pub fn open(dir: &Path) -> Result<Repo> {
    // Objects come from the user's own repository: checking every object's hash on read
    // costs a SHA-1 per commit in long walks (git does not do it either).
    git2::opts::strict_hash_verification(false);
    let repo = Repository::discover(dir).map_err(|_| {
        refused(format!(
            "{} is not inside a git repository: cd into your project's clone, or run `git clone URL` first",
            dir.display()
        ))
    })?;
    let root = repo
        .workdir()
        .ok_or_else(|| {
            refused(format!(
                "{} is a bare repository: run release in a clone with a work tree",
                dir.display()
            ))
        })?
        .to_path_buf();
    Ok(Repo { repo, root })
}

/// What [`Repo::reset_branch_if`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchBack {
    /// It moved the branch back.
    Moved,
    /// The branch was there already.
    AlreadyThere,
    /// Someone moved the branch on (to this commit): left alone.
    MovedOn(Oid),
}

impl Repo {
    /// HEAD's commit, or `None` in a repository with no commits yet.
    pub fn head_commit(&self) -> Option<Oid> {
        self.repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .map(|c| c.id())
    }

    /// The checked-out branch, or `None` when HEAD is detached (or unborn).
    pub fn branch(&self) -> Option<String> {
        if self.repo.head_detached().unwrap_or(false) {
            return None;
        }
        self.repo
            .head()
            .ok()
            .and_then(|h| h.shorthand().ok().map(str::to_string))
    }

    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// Every tag that points (maybe through an annotated tag) at a commit.
    pub fn tags(&self) -> Result<Vec<(String, Oid)>> {
        let mut out = Vec::new();
        self.repo.tag_foreach(|oid, name| {
            let name = String::from_utf8_lossy(name);
            let name = name.strip_prefix("refs/tags/").unwrap_or(&name).to_string();
            if let Ok(obj) = self.repo.find_object(oid, None)
                && let Ok(c) = obj.peel(ObjectType::Commit)
            {
                out.push((name, c.id()));
            }
            true
        })?;
        Ok(out)
    }

    /// Every tag's name, from the refs alone (no object is read).
    pub fn tag_names(&self) -> Result<Vec<String>> {
        let mut refs = self.repo.references_glob("refs/tags/*")?;
        Ok(refs
            .names()
            .filter_map(|n| n.ok()?.strip_prefix("refs/tags/").map(str::to_string))
            .collect())
    }

    /// Which of the tags `names` HEAD (`head`) reaches, asked of the `git` program
    /// (`for-each-ref --merged`), which uses the repository's commit-graph when it has one:
    /// on vuejs/core that answers in 17 ms where a libgit2 walk takes 70.
    pub fn reached_tags(&self, head: Oid, names: &[&str]) -> Result<HashSet<String>> {
        let merged = format!("--merged={head}");
        let refs: Vec<String> = names.iter().map(|n| format!("refs/tags/{n}")).collect();
        let mut args = vec!["for-each-ref", &merged, "--format=%(refname:strip=2)", "--"];
        args.extend(refs.iter().map(String::as_str));
        let out = proc::git(&self.root, &args, proc::LOCAL_TIMEOUT)?;
        Ok(out.lines().map(str::to_string).collect())
    }

    /// Tags with whether HEAD reaches them (one walk over HEAD's history).
    pub fn tag_infos(&self, head: Option<Oid>) -> Result<Vec<TagInfo>> {
        let reachable = match head {
            Some(h) => self.ancestors(h)?,
            None => HashSet::new(),
        };
        Ok(self
            .tags()?
            .into_iter()
            .map(|(name, oid)| TagInfo {
                name,
                reachable: reachable.contains(&oid),
            })
            .collect())
    }

    /// `head` and all its ancestors.
    pub fn ancestors(&self, head: Oid) -> Result<HashSet<Oid>> {
        let mut walk = self.repo.revwalk()?;
        walk.push(head)?;
        Ok(walk.filter_map(|o| o.ok()).collect())
    }

    /// The commit a tag names, peeled.
    pub fn tag_commit(&self, name: &str) -> Option<Oid> {
        self.repo
            .revparse_single(&format!("refs/tags/{name}"))
            .ok()
            .and_then(|o| o.peel(ObjectType::Commit).ok())
            .map(|c| c.id())
    }

    /// Paths that are modified, staged, deleted or untracked (ignored files do not count).
    pub fn dirty_paths(&self) -> Result<Vec<Dirty>> {
        let mut opts = StatusOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(false)
            .include_ignored(false);
        let statuses = self.repo.statuses(Some(&mut opts))?;
        let index = self.repo.index()?;
        // git's skip-worktree bit (extended flags): the file is left out, not deleted.
        const SKIP_WORKTREE: u16 = 1 << 14;
        let skipped = |path: &[u8]| {
            index
                .get_path(Path::new(&*String::from_utf8_lossy(path)), 0)
                .is_some_and(|e| e.flags_extended & SKIP_WORKTREE != 0)
        };
        Ok(statuses
            .iter()
            .filter(|s| s.status() != Status::CURRENT && !s.status().contains(Status::IGNORED))
            .map(|s| Dirty {
                path: String::from_utf8_lossy(s.path_bytes()).into_owned(),
                untracked: s.status().contains(Status::WT_NEW),
                sparse: s.status() == Status::WT_DELETED && skipped(s.path_bytes()),
            })
            .collect())
    }

    /// The branch `refs/remotes/<remote>/HEAD` points at, when the clone knows it.
    pub fn remote_default_branch(&self, remote: &str) -> Option<String> {
        let r = self.repo.find_reference(&format!("refs/remotes/{remote}/HEAD")).ok()?;
        let target = r.symbolic_target().ok()??.to_string();
        target
            .strip_prefix(&format!("refs/remotes/{remote}/"))
            .map(str::to_string)
    }

    /// The branch releases are cut from: config, else origin's HEAD branch, else main/master.
    pub fn release_branch(&self, config: &Config) -> String {
        if let Some(b) = &config.branch {
            return b.clone();
        }
        if let Some(b) = self.remote_default_branch(&config.remote) {
            return b;
        }
        for b in ["main", "master"] {
            if self.has_local_branch(b) {
                return b.to_string();
            }
        }
        self.branch().unwrap_or_else(|| "main".to_string())
    }

    /// Whether this clone has the commit `oid`.
    pub fn has_commit(&self, oid: Oid) -> bool {
        self.repo.find_commit(oid).is_ok()
    }

    /// Whether `descendant` contains `ancestor` (equal counts).
    pub fn contains(&self, descendant: Oid, ancestor: Oid) -> bool {
        descendant == ancestor || self.repo.graph_descendant_of(descendant, ancestor).unwrap_or(false)
    }

    /// Files that differ between two commits (all of `to`'s files when `from` is `None`).
    pub fn changed_files(&self, from: Option<Oid>, to: Oid) -> BTreeSet<String> {
        let tree = |o: Oid| self.repo.find_commit(o).ok().and_then(|c| c.tree().ok());
        let (Some(new), old) = (tree(to), from.and_then(tree)) else {
            return BTreeSet::new();
        };
        let Ok(diff) = self.repo.diff_tree_to_tree(old.as_ref(), Some(&new), None) else {
            return BTreeSet::new();
        };
        diff.deltas()
            .filter_map(|d| d.new_file().path().map(|p| p.to_string_lossy().into_owned()))
            .collect()
    }

    /// A git config value (`release.name`, `core.sshCommand`), trimmed; `None` when unset.
    pub fn config_string(&self, key: &str) -> Option<String> {
        let v = self.repo.config().ok()?.get_string(key).ok()?;
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    /// The commit a ref (`ORIG_HEAD`, `refs/heads/main`) names, if any.
    pub fn ref_commit(&self, name: &str) -> Option<Oid> {
        self.repo.refname_to_id(name).ok()
    }

    /// The `.git` folder (where the tool keeps logs under `release/`).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The UTC offset (minutes) git would sign a commit with now; 0 when it cannot tell.
    pub fn signature_offset(&self) -> i32 {
        self.repo.signature().map(|s| s.when().offset_minutes()).unwrap_or(0)
    }

    /// Walks `head`'s history children before parents (ties by time) and calls `visit`
    /// with each commit's id, parents and raw message.
    pub fn walk_topo(&self, head: Oid, mut visit: impl FnMut(Oid, &[Oid], &[u8])) -> Result<()> {
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        walk.push(head)?;
        let mut parents = Vec::with_capacity(2);
        for oid in walk {
            let commit = self.repo.find_commit(oid?)?;
            parents.clear();
            parents.extend(commit.parent_ids());
            visit(commit.id(), &parents, commit.message_bytes());
        }
        Ok(())
    }

    /// When a tag was made: the tagger's time for an annotated tag, else its commit's time
    /// (seconds since the epoch, UTC offset in minutes).
    pub fn tag_time(&self, name: &str) -> Option<(i64, i32)> {
        let obj = self.repo.revparse_single(&format!("refs/tags/{name}")).ok()?;
        if let Some(tag) = obj.as_tag()
            && let Some(sig) = tag.tagger()
        {
            return Some((sig.when().seconds(), sig.when().offset_minutes()));
        }
        let c = obj.peel(ObjectType::Commit).ok()?.into_commit().ok()?;
        Some((c.time().seconds(), c.time().offset_minutes()))
    }

    pub fn has_local_branch(&self, name: &str) -> bool {
        self.repo.find_branch(name, BranchType::Local).is_ok()
    }

    pub fn has_remote(&self, name: &str) -> bool {
        self.repo.find_remote(name).is_ok()
    }

    /// The commit of `refs/remotes/<remote>/<branch>`, if fetched.
    pub fn remote_branch_commit(&self, remote: &str, branch: &str) -> Option<Oid> {
        self.repo.refname_to_id(&format!("refs/remotes/{remote}/{branch}")).ok()
    }

    /// (ahead, behind) of `local` against `upstream`.
    pub fn ahead_behind(&self, local: Oid, upstream: Oid) -> Result<(usize, usize)> {
        Ok(self.repo.graph_ahead_behind(local, upstream)?)
    }

    /// Commits reachable from `to` but not from `from`, newest first.
    pub fn commits_since(&self, from: Option<Oid>, to: Oid) -> Result<Vec<CommitInfo>> {
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        walk.push(to)?;
        if let Some(f) = from {
            walk.hide(f)?;
        }
        walk.map(|oid| self.commit_info(oid?)).collect()
    }

    pub fn commit_info(&self, oid: Oid) -> Result<CommitInfo> {
        Ok(Self::commit_info_of(&self.repo.find_commit(oid)?))
    }

    fn commit_info_of(c: &git2::Commit<'_>) -> CommitInfo {
        let message = String::from_utf8_lossy(c.message_bytes()).into_owned();
        let summary = message.lines().next().unwrap_or("").trim().to_string();
        let short = c.id().to_string()[..7].to_string();
        CommitInfo {
            id: c.id(),
            short,
            summary,
            message,
            parents: c.parent_count(),
        }
    }

    /// When this clone last fetched (FETCH_HEAD's time), in seconds since the epoch.
    pub fn last_fetch(&self) -> Option<i64> {
        let t = std::fs::metadata(self.repo.path().join("FETCH_HEAD"))
            .and_then(|m| m.modified())
            .ok()?;
        t.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs() as i64)
    }

    /// The URL of a remote, if it has one.
    pub fn remote_url(&self, name: &str) -> Option<String> {
        self.repo.find_remote(name).ok()?.url().ok().map(str::to_string)
    }
    /// Checks that commits can be signed: `user.name` and `user.email` are set.
    pub fn signature_problem(&self) -> Option<String> {
        self.repo
            .signature()
            .err()
            .map(|_| "git does not know who you are (user.name / user.email unset)".to_string())
    }

    // ---- network, through the git program ----

    /// Branches and tags on the remote (also proves it is reachable).
    pub fn ls_remote(&self, remote: &str) -> Result<RemoteRefs> {
        let out = proc::git(
            &self.root,
            &["ls-remote", "--heads", "--tags", "--", remote],
            network_timeout(),
        )?;
        Ok(parse_ls_remote(&out))
    }

    /// Origin's refs and its `branch` tip, fetching that branch only when the tip is not
    /// here yet, so that counting against it is possible without a needless round trip.
    pub fn remote_tip(&self, remote: &str, branch: &str) -> Result<(RemoteRefs, Option<Oid>)> {
        let refs = self.ls_remote(remote)?;
        let tip = refs.heads.get(branch).and_then(|h| Oid::from_str(h).ok());
        if let Some(t) = tip
            && self.repo.find_commit(t).is_err()
        {
            self.fetch_branch(remote, branch)?;
        }
        Ok((refs, tip))
    }

    /// Updates `refs/remotes/<remote>/<branch>` (no tags are fetched).
    pub fn fetch_branch(&self, remote: &str, branch: &str) -> Result<()> {
        let spec = format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}");
        proc::git(
            &self.root,
            &["fetch", "--no-tags", "--quiet", "--", remote, &spec],
            network_timeout(),
        )?;
        Ok(())
    }

    /// Starts `git fetch` of `branch` in the background for next time; never waits or
    /// prompts (ssh in batch mode unless the user set their own ssh command).
    pub fn fetch_in_background(&self, remote: &str, branch: &str) {
        let spec = format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}");
        let own_ssh = std::env::var_os("GIT_SSH_COMMAND").is_some() || self.config_string("core.sshCommand").is_some();
        let env: &[(&str, &str)] = if own_ssh {
            &[]
        } else {
            &[("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=10")]
        };
        let args = ["fetch", "--quiet", "--no-tags", remote, &spec];
        let _ = proc::spawn_detached("git", &args, &self.root, env);
    }

    /// Where git runs hooks from (`core.hooksPath` and linked worktrees honoured).
    pub fn hooks_dir(&self) -> Result<PathBuf> {
        let out = proc::git(&self.root, &["rev-parse", "--git-path", "hooks"], proc::LOCAL_TIMEOUT)?;
        let p = PathBuf::from(out.trim());
        Ok(if p.is_absolute() { p } else { self.root.join(p) })
    }

    /// Pushes `commit` as `branch` and the tag object `tag` (name, object id), all or
    /// nothing. Ids are sent, not the live refs, so a branch or tag moved meanwhile is never
    /// published. A push that origin answered with a refusal is [`PushRefused`]; any other
    /// failure (timed out, cut, hung up) may still land on origin's side.
    pub fn push_atomic(&self, remote: &str, commit: Oid, branch: &str, tag: Option<(&str, Oid)>) -> Result<()> {
        let b = format!("{commit}:refs/heads/{branch}");
        let mut args = vec!["push", "--atomic", "--porcelain", "--", remote, &b];
        let t;
        if let Some((name, object)) = tag {
            t = format!("{object}:refs/tags/{name}");
            args.push(&t);
        }
        let out = proc::run_shielded("git", &args, &self.root, network_timeout())?;
        if !out.success {
            let text = format!("{}\n{}", out.stdout.trim(), out.stderr.trim());
            // Porcelain marks every ref origin turned down with `!`; only then is it a no.
            if out.stdout.lines().any(|l| l.starts_with('!')) {
                return Err(PushRefused(format!("git push to {remote} was refused:\n{}", text.trim())).into());
            }
            bail!("git push to {remote} did not finish:\n{}", text.trim());
        }
        Ok(())
    }

    /// The commit an object (a tag object or a commit) peels to.
    pub fn commit_of(&self, object: Oid) -> Option<Oid> {
        let o = self.repo.find_object(object, None).ok()?;
        o.peel(ObjectType::Commit).ok().map(|c| c.id())
    }

    /// The object a tag names (the tag object when annotated).
    pub fn tag_object(&self, name: &str) -> Option<Oid> {
        self.repo.refname_to_id(&format!("refs/tags/{name}")).ok()
    }

    /// Whether `remote` has `branch` at `commit` and, if given, the tag naming `object`
    /// (a tag object, or the commit itself for a tag given by commit): `Ok(true)` the push
    /// landed, `Ok(false)` it did not (yet), `Err` origin could not be asked.
    pub fn remote_has(&self, remote: &str, commit: Oid, branch: &str, tag: Option<(&str, Oid)>) -> Result<bool> {
        let refs = self.ls_remote(remote)?;
        let want = commit.to_string();
        let branch_ok = refs.heads.get(branch) == Some(&want);
        let tag_ok = tag.is_none_or(|(t, object)| {
            let object = object.to_string();
            refs.tag_refs.get(t) == Some(&object) || (object == want && refs.tags.get(t) == Some(&want))
        });
        Ok(branch_ok && tag_ok)
    }

    // ---- local writes (each has its undo in `transaction`) ----

    /// Stages `paths` (relative to the root) and commits them with the `git` program, so
    /// the user's hooks (`pre-commit`, `commit-msg`) and signing settings apply.
    /// `verify: false` skips the hooks; `sign` asks for a signature.
    pub fn commit_paths(&self, paths: &[PathBuf], message: &str, verify: bool, sign: bool) -> Result<Oid> {
        let mut add: Vec<&str> = vec!["add", "-A", "--"];
        let names: Vec<String> = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        add.extend(names.iter().map(String::as_str));
        proc::git(&self.root, &add, proc::LOCAL_TIMEOUT)?;
        let mut args = vec!["commit", "--quiet", "--cleanup=verbatim", "-m", message];
        if !verify {
            args.push("--no-verify");
        }
        if sign {
            args.push("-S");
        }
        proc::git(&self.root, &args, proc::HOOK_TIMEOUT)?;
        self.head_commit().context("the commit left HEAD without a commit")
    }

    /// Moves `branch` back to `to` and resets the index to it, but only while it points at
    /// `from` (the commit the release made; when unknown, a commit whose parent is `to`);
    /// a branch someone moved on is left alone.
    pub fn reset_branch_if(&self, branch: &str, to: Oid, from: Option<Oid>) -> Result<BranchBack> {
        let name = format!("refs/heads/{branch}");
        let now = self.repo.refname_to_id(&name)?;
        if now == to {
            self.reset_index(to)?;
            return Ok(BranchBack::AlreadyThere);
        }
        let ours = match from {
            Some(f) => now == f,
            None => self
                .repo
                .find_commit(now)
                .is_ok_and(|c| c.parent_id(0).ok() == Some(to)),
        };
        if !ours {
            return Ok(BranchBack::MovedOn(now));
        }
        let mut r = self.repo.find_reference(&name)?;
        r.set_target(to, "release: rollback")?;
        self.reset_index(to)?;
        Ok(BranchBack::Moved)
    }

    /// `git reset --keep to`: HEAD, index and the files that differ between HEAD and `to`
    /// go back to `to`; local changes are kept (refused when they would be lost).
    pub fn reset_keep(&self, to: Oid) -> Result<()> {
        let to = to.to_string();
        proc::git(&self.root, &["reset", "--quiet", "--keep", &to], proc::LOCAL_TIMEOUT)?;
        Ok(())
    }

    fn reset_index(&self, to: Oid) -> Result<()> {
        let obj = self.repo.find_object(to, None)?;
        self.repo.reset(&obj, git2::ResetType::Mixed, None)?;
        Ok(())
    }

    /// Creates the annotated tag `name` on `target` with the `git` program (so
    /// `tag.gpgSign` and `user.signingkey` apply); `sign` asks for a signature.
    pub fn create_tag(&self, name: &str, target: Oid, message: &str, sign: bool) -> Result<()> {
        let oid = target.to_string();
        let mut args = vec!["tag", "-a", "-m", message];
        if sign {
            args.push("-s");
        }
        args.extend(["--", name, &oid]);
        proc::git(&self.root, &args, proc::HOOK_TIMEOUT).with_context(|| format!("creating tag {name}"))?;
        Ok(())
    }

    /// Deletes tag `name` if it exists (and, when `on` is given, still names that commit).
    /// Returns whether it deleted it.
    pub fn delete_tag_if(&self, name: &str, on: Option<Oid>) -> Result<bool> {
        match self.tag_commit(name) {
            None => Ok(false),
            Some(c) if on.is_some_and(|o| o != c) => {
                bail!(
                    "tag {name} now names {} (not the release commit): left alone",
                    &c.to_string()[..7]
                )
            }
            Some(_) => {
                self.repo
                    .tag_delete(name)
                    .with_context(|| format!("deleting tag {name}"))?;
                Ok(true)
            }
        }
    }

    /// This work tree's state, what `git status --porcelain=v2 --branch
    /// --untracked-files=all` says, read in-process (no second program to start).
    pub fn work_tree(&self) -> Result<crate::work_tree::WorkTree> {
        let mut w = crate::work_tree::WorkTree {
            branch: self.branch(),
            head: self.head_commit().map(|h| h.to_string()),
            ..Default::default()
        };
        if let Some(b) = &w.branch
            && let Ok(local) = self.repo.find_branch(b, BranchType::Local)
            && let Ok(up) = local.upstream()
        {
            w.upstream = up.name().ok().flatten().map(str::to_string);
            if let (Some(h), Some(u)) = (self.head_commit(), up.get().target()) {
                w.ab = self.repo.graph_ahead_behind(h, u).ok();
            }
        }
        let mut opts = StatusOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .renames_head_to_index(true);
        for e in self.repo.statuses(Some(&mut opts))?.iter() {
            let path = String::from_utf8_lossy(e.path_bytes()).into_owned();
            match e.status() {
                Status::CURRENT | Status::IGNORED => {}
                s if s == Status::WT_NEW => w.untracked.push(path),
                _ => w.modified.push(path),
            }
        }
        w.in_progress = crate::work_tree::OPERATIONS
            .iter()
            .find(|(f, _)| self.git_dir().join(f).exists())
            .map(|(_, op)| op.to_string());
        Ok(w)
    }

    /// Every file under `dir` in `commit`'s tree, with its bytes (what a release's manifests
    /// say, whatever the work tree holds now).
    pub fn files_at(&self, commit: Oid, dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let tree = self.repo.find_commit(commit)?.tree()?;
        let sub = match tree.get_path(dir) {
            _ if dir.as_os_str().is_empty() => tree,
            Ok(e) => e.to_object(&self.repo)?.peel_to_tree()?,
            Err(_) => return Ok(Vec::new()),
        };
        let mut out = Vec::new();
        sub.walk(git2::TreeWalkMode::PreOrder, |root, entry| {
            if entry.kind() == Some(ObjectType::Blob)
                && let Ok(blob) = self.repo.find_blob(entry.id())
            {
                let name = entry.name().unwrap_or_default();
                out.push((dir.join(root).join(name), blob.content().to_vec()));
            }
            git2::TreeWalkResult::Ok
        })?;
        out.sort();
        Ok(out)
    }

    /// The first line of a commit's message.
    pub fn summary(&self, oid: Oid) -> Option<String> {
        let c = self.repo.find_commit(oid).ok()?;
        Some(String::from_utf8_lossy(c.message_bytes()).lines().next()?.to_string())
    }

    /// The parent of a commit.
    pub fn parent(&self, oid: Oid) -> Option<Oid> {
        self.repo.find_commit(oid).ok()?.parent_id(0).ok()
    }
}

/// Parses `git ls-remote --heads --tags` output (peeled `^{}` lines win for tags).
pub fn parse_ls_remote(out: &str) -> RemoteRefs {
    let mut refs = RemoteRefs::default();
    for line in out.lines() {
        let Some((oid, name)) = line.split_once('\t') else {
            continue;
        };
        if let Some(b) = name.strip_prefix("refs/heads/") {
            refs.heads.insert(b.to_string(), oid.to_string());
        } else if let Some(t) = name.strip_prefix("refs/tags/") {
            match t.strip_suffix("^{}") {
                Some(peeled) => {
                    refs.tags.insert(peeled.to_string(), oid.to_string());
                }
                None => {
                    refs.tag_refs.insert(t.to_string(), oid.to_string());
                    refs.tags.entry(t.to_string()).or_insert_with(|| oid.to_string());
                }
            }
        }
    }
    refs
}

#[cfg(test)]
mod tests {
    #[test]
    fn ls_remote_peels_annotated_tags() {
        let r = super::parse_ls_remote(
            "aaa\trefs/heads/main\nbbb\trefs/tags/0.1.0\nccc\trefs/tags/0.1.0^{}\nddd\trefs/tags/light\n",
        );
        assert_eq!(r.heads["main"], "aaa");
        assert_eq!(r.tags["0.1.0"], "ccc");
        assert_eq!(r.tags["light"], "ddd");
    }
}
