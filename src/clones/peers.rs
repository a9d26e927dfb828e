//! Reading other clones: over the system `ssh` (BatchMode, ConnectTimeout; aliases and
//! ProxyJump from the ssh config work) or on a local path. Only plain `git` (and `sh`,
//! `stat`) run there: the tool need not be installed on a peer.

use crate::clones::model::{Copy, Relation};
use crate::config::Config;
use crate::git::Repo;
use crate::proc;
use crate::project::problem::Problem;
use crate::work_tree::{WorkTree, parse_porcelain};
use git2::Oid;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one peer or origin may take.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(20);

/// Where a peer clone lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Ssh {
        host: String,
        port: Option<u16>,
        path: String,
    },
    Local(PathBuf),
}

impl Location {
    /// How a person reaches it, for advice.
    pub fn reach(&self) -> crate::clones::model::Reach {
        match self {
            Location::Ssh { host, .. } => crate::clones::model::Reach::Ssh(host.clone()),
            Location::Local(p) => crate::clones::model::Reach::Path(p.display().to_string()),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Ssh {
                host,
                port: Some(p),
                path,
            } => write!(f, "ssh://{host}:{p}/{path}"),
            Location::Ssh { host, port: None, path } => write!(f, "{host}:{path}"),
            Location::Local(p) => write!(f, "{}", p.display()),
        }
    }
}

/// `ssh://[user@]host[:port]/path`, `host:path` (scp form), or a local path (relative to
/// `root`, `~` expanded).
pub fn parse_location(s: &str, root: &Path) -> anyhow::Result<Location> {
    let s = s.trim();
    if s.is_empty() {
        anyhow::bail!("the location is empty");
    }
    if let Some(rest) = s.strip_prefix("ssh://") {
        let (authority, path) = rest
            .split_once('/')
            .ok_or_else(|| anyhow::anyhow!("`{s}` has no path after the host"))?;
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                Some(
                    p.parse::<u16>()
                        .map_err(|_| anyhow::anyhow!("`{p}` in `{s}` is not a port"))?,
                ),
            ),
            None => (authority, None),
        };
        let path = if path.starts_with('~') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        return ssh(host, port, path, s);
    }
    if let Some((host, path)) = s.split_once(':')
        && !host.contains('/')
        && !host.is_empty()
    {
        return ssh(host, None, path.to_string(), s);
    }
    let expanded = match s.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(rest),
        None => PathBuf::from(s),
    };
    Ok(Location::Local(if expanded.is_absolute() {
        expanded
    } else {
        root.join(expanded)
    }))
}

fn ssh(host: &str, port: Option<u16>, path: String, whole: &str) -> anyhow::Result<Location> {
    if host.starts_with('-') || host.chars().any(char::is_whitespace) {
        return Err(anyhow::anyhow!("`{host}` in `{whole}` is not a host name"));
    }
    if path.is_empty() {
        return Err(anyhow::anyhow!("`{whole}` has no path after the host"));
    }
    Ok(Location::Ssh {
        host: host.to_string(),
        port,
        path,
    })
}

/// What a peer said about itself.
#[derive(Debug, Clone, Default)]
pub struct PeerFacts {
    pub work: WorkTree,
    pub last_fetch: Option<i64>,
    pub has_tag: Option<bool>,
}

/// The script run in the peer: `$1` is its path, `$2` the release tag (may be empty).
const SCRIPT: &str = r#"cd "$1" 2>/dev/null || { echo "@@error no such folder: $1"; exit 0; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "@@error not a git repository: $1"; exit 0; }
git status --porcelain=v2 --branch --untracked-files=all || exit 1
echo @@fetch
f=$(git rev-parse --git-path FETCH_HEAD)
if [ -f "$f" ]; then stat -c %Y "$f" 2>/dev/null || stat -f %m "$f" 2>/dev/null || echo none; else echo none; fi
echo @@tag
if [ -n "$2" ]; then if git rev-parse -q --verify "refs/tags/$2" >/dev/null; then echo yes; else echo no; fi; else echo none; fi
echo @@op
g=$(git rev-parse --git-dir)
for x in rebase-merge:rebase rebase-apply:rebase MERGE_HEAD:merge CHERRY_PICK_HEAD:cherry-pick REVERT_HEAD:revert BISECT_LOG:bisect; do
  [ -e "$g/${x%%:*}" ] && { echo "${x#*:}"; break; }
done
exit 0
"#;

/// Quotes a word for a POSIX shell; a leading `~/` stays unquoted so it expands there.
fn sh_quote(s: &str) -> String {
    let (prefix, rest) = match s.strip_prefix("~/") {
        Some(r) => ("~/", r),
        None if s == "~" => return "~".into(),
        None => ("", s),
    };
    format!("{prefix}'{}'", rest.replace('\'', r"'\''"))
}

/// Reads a peer. A problem says why in one line (unreachable, not a repository, ...),
/// where, and what to try.
pub fn read(loc: &Location, tag: Option<&str>, timeout: Duration) -> Result<PeerFacts, Problem> {
    let fix = match loc {
        Location::Ssh { host, path, .. } => {
            format!("check that `ssh {host}` logs in without a password and that {path} is a clone there")
        }
        Location::Local(p) => format!("check that {} is a clone of this repository", p.display()),
    };
    ask(loc, tag.unwrap_or(""), timeout).map_err(|e| Problem::new(format!("{e:#}"), fix).at_place(loc.to_string()))
}

fn ask(loc: &Location, tag: &str, timeout: Duration) -> anyhow::Result<PeerFacts> {
    let out = run_script(loc, SCRIPT, &[tag], timeout)?;
    if !out.success {
        anyhow::bail!("{}", out.complaint().lines().last().unwrap_or("failed"));
    }
    parse(&out.stdout)
}

/// Runs a POSIX `sh` script in the peer: `$1` is the clone's path, then `args`. Over ssh
/// every word is quoted for the remote shell; nothing but `sh` and `git` need be there.
pub fn run_script(loc: &Location, script: &str, args: &[&str], timeout: Duration) -> anyhow::Result<proc::Output> {
    run_script_with_input(loc, script, args, None, timeout)
}

/// [`run_script`], with `input` on the script's stdin (over ssh too).
pub fn run_script_with_input(
    loc: &Location,
    script: &str,
    args: &[&str],
    input: Option<&[u8]>,
    timeout: Duration,
) -> anyhow::Result<proc::Output> {
    match loc {
        Location::Local(p) => {
            let p = p.to_string_lossy();
            let mut argv = vec!["-c", script, "sh", &p];
            argv.extend_from_slice(args);
            proc::run_with_input("sh", &argv, Path::new("/"), timeout, input)
        }
        Location::Ssh { host, port, path } => {
            let mut remote = format!("sh -c {} sh {}", sh_quote(script), sh_quote(path));
            for a in args {
                remote.push(' ');
                remote.push_str(&sh_quote(a));
            }
            let mut ssh_args: Vec<String> = Vec::new();
            if let Some(cfg) = std::env::var_os("RELEASE_SSH_CONFIG") {
                ssh_args.push("-F".into());
                ssh_args.push(cfg.to_string_lossy().into_owned());
            }
            ssh_args.extend(["-o", "BatchMode=yes", "-o", "ConnectTimeout=5"].map(String::from));
            if let Some(p) = port {
                ssh_args.push("-p".into());
                ssh_args.push(p.to_string());
            }
            ssh_args.push("--".into());
            ssh_args.push(host.clone());
            ssh_args.push(remote);
            let refs: Vec<&str> = ssh_args.iter().map(String::as_str).collect();
            proc::run_with_input("ssh", &refs, Path::new("/"), timeout, input)
        }
    }
}

/// The script that brings a peer to GitHub: `$1` path, `$2` ff|push, `$3` remote,
/// `$4` branch. A fast-forward only, never a merge.
const SYNC_SCRIPT: &str = r#"cd "$1" 2>/dev/null || { echo "no such folder: $1" >&2; exit 1; }
on_branch() {
  b=$(git symbolic-ref --short -q HEAD)
  [ "$b" = "$1" ] || { echo "the clone is on ${b:-a detached HEAD}, not $1 (it changed since it was checked): nothing was merged" >&2; exit 1; }
}
case "$2" in
  ff) on_branch "$4"
      out=$(git fetch --no-progress --tags "$3" 2>&1) || { printf '%s\n' "$out" >&2; exit 1; }
      on_branch "$4"
      git merge --ff-only --quiet "refs/remotes/$3/$4" ;;
  push) git push --quiet "$3" "$4" ;;
esac
"#;

/// Fast-forwards the peer to `remote/branch` (tags fetched too), or pushes its `branch`
/// when `push`; the error is the peer's own words.
pub fn bring_to_github(loc: &Location, remote: &str, branch: &str, push: bool) -> anyhow::Result<()> {
    let how = if push { "push" } else { "ff" };
    let out = run_script(loc, SYNC_SCRIPT, &[how, remote, branch], PEER_TIMEOUT)?;
    if !out.success {
        anyhow::bail!("{}", out.complaint());
    }
    Ok(())
}

/// One configured peer and what it said.
#[derive(Debug, Clone)]
pub struct Answer {
    pub name: String,
    pub via_ssh: bool,
    /// How a person reaches it (the ssh host, or the local path).
    pub reach: crate::clones::model::Reach,
    /// `None`: not asked (an ssh peer while offline).
    pub facts: Option<Result<PeerFacts, Problem>>,
}

/// Reads every peer of `clones` (name -> location) at once, each with `timeout`.
/// `skip_ssh` leaves the peers over ssh unasked (`--offline`).
pub fn read_all(
    clones: &std::collections::BTreeMap<String, String>,
    root: &Path,
    tag: Option<&str>,
    timeout: Duration,
    skip_ssh: bool,
) -> Vec<Answer> {
    let peers: Vec<(String, Result<Location, Problem>)> = clones
        .iter()
        .map(|(n, l)| {
            let loc = parse_location(l, root).map_err(|e| {
                Problem::new(
                    format!("{e:#}"),
                    "write it as host:path, ssh://host[:port]/path, or a local path",
                )
                .at_place(format!("{} clones: {n}", crate::config::FILE_NAME))
            });
            (n.clone(), loc)
        })
        .collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = peers
            .iter()
            .map(|(name, loc)| {
                s.spawn(move || {
                    let via_ssh = matches!(loc, Ok(Location::Ssh { .. }));
                    let facts = match loc {
                        Ok(Location::Ssh { .. }) if skip_ssh => None,
                        Ok(l) => Some(read(l, tag, timeout)),
                        Err(e) => Some(Err(e.clone())),
                    };
                    Answer {
                        name: name.clone(),
                        via_ssh,
                        reach: loc.as_ref().map(Location::reach).unwrap_or_default(),
                        facts,
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(&peers)
            .map(|(h, (name, _))| {
                h.join().unwrap_or_else(|_| Answer {
                    name: name.clone(),
                    via_ssh: false,
                    reach: crate::clones::model::Reach::Unknown,
                    facts: Some(Err(Problem::new("reading it crashed", "run release status again"))),
                })
            })
            .collect()
    })
}

/// This clone's facts, read in-process: the work tree, FETCH_HEAD and the tag.
pub fn read_here(repo: &Repo, tag: Option<&str>) -> Result<PeerFacts, Problem> {
    let work = repo.work_tree().map_err(|e| {
        Problem::new(format!("{e:#}"), "run `git status` here and fix what it says")
            .at_place(repo.root.display().to_string())
    })?;
    Ok(PeerFacts {
        work,
        last_fetch: repo.last_fetch(),
        has_tag: tag.map(|t| repo.tag_commit(t).is_some()),
    })
}

fn parse(out: &str) -> anyhow::Result<PeerFacts> {
    if let Some(e) = out.lines().find_map(|l| l.strip_prefix("@@error ")) {
        anyhow::bail!("{e}");
    }
    let cut = || anyhow::anyhow!("the peer's answer was cut short");
    let (status, rest) = out.split_once("@@fetch\n").ok_or_else(cut)?;
    let (fetch, rest) = rest.split_once("@@tag\n").ok_or_else(cut)?;
    let (tag, op) = rest.split_once("@@op\n").unwrap_or((rest, ""));
    let mut work = parse_porcelain(status);
    work.in_progress = Some(op.trim()).filter(|o| !o.is_empty()).map(str::to_string);
    Ok(PeerFacts {
        work,
        last_fetch: fetch.trim().parse().ok(),
        has_tag: match tag.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
    })
}

/// A row for a copy that was read (or could not be, or was not asked).
pub fn copy_row(
    repo: &Repo,
    branch: &str,
    tip: Option<Oid>,
    (name, here, via_ssh): (&str, bool, bool),
    facts: Option<Result<PeerFacts, Problem>>,
) -> Copy {
    let mut row = Copy {
        name: name.to_string(),
        here,
        is_origin: false,
        error: None,
        branch: None,
        head: None,
        relation: Relation::Unknown,
        work: None::<WorkTree>,
        last_fetch: None,
        has_release_tag: None,
        via_ssh,
        skipped: facts.is_none(),
        reach: crate::clones::model::Reach::Unknown,
    };
    match facts {
        Some(Ok(f)) => {
            row.relation = relation(repo, &f.work, branch, tip);
            row.branch = f.work.branch.clone();
            row.head = f.work.head.clone();
            row.work = Some(f.work);
            row.last_fetch = f.last_fetch;
            row.has_release_tag = f.has_tag;
        }
        Some(Err(p)) => row.error = Some(p.what),
        None => {}
    }
    row
}

/// How `head` on `branch` relates to origin's `tip`, using this clone's objects.
pub fn relation(repo: &Repo, work: &WorkTree, want: &str, tip: Option<Oid>) -> Relation {
    let (branch, head, ab) = (work.branch.as_deref(), work.head.as_deref(), work.ab);
    let Some(b) = branch else { return Relation::Detached };
    if b != want {
        return Relation::OtherBranch { branch: b.to_string() };
    }
    let Some(tip) = tip else {
        return Relation::NoOriginBranch;
    };
    let Some(head) = head.and_then(|h| Oid::from_str(h).ok()) else {
        return Relation::Unknown;
    };
    if head == tip {
        return Relation::InSync;
    }
    if !repo.has_commit(head) {
        // Commits GitHub has never seen; the copy's own counts are as of its last fetch.
        return match ab {
            Some((a, b)) if a > 0 && b > 0 => Relation::Diverged { ahead: a, behind: b },
            other => Relation::Unpushed {
                commits: other.map(|(a, _)| a).filter(|a| *a > 0),
            },
        };
    }
    if !repo.has_commit(tip) {
        return Relation::Unknown;
    }
    match repo.ahead_behind(head, tip) {
        Ok((0, b)) => Relation::Behind { commits: b },
        Ok((a, 0)) => Relation::Ahead { commits: a },
        Ok((a, b)) => Relation::Diverged { ahead: a, behind: b },
        Err(_) => Relation::Unknown,
    }
}

/// For release preflight: peers whose uncommitted or unpushed changes under the environment
/// folders would collide with the release commit. Unreachable peers are said, not fatal.
pub fn warnings(repo: &Repo, config: &Config, branch: &str, tip: Option<Oid>) -> Vec<String> {
    let places = crate::manifests::places::of_project(&repo.root, config);
    let answers = read_all(&config.clones, &repo.root, None, PEER_TIMEOUT, false);
    let mut out = Vec::new();
    for a in answers {
        let name = &a.name;
        match a
            .facts
            .unwrap_or_else(|| Err(Problem::new("not asked", "run release status")))
        {
            Err(e) => out.push(format!(
                "could not read {name} ({}): its changes cannot be checked",
                e.what
            )),
            Ok(f) => {
                let under: Vec<&String> = f.work.changed().filter(|p| places.holds(Path::new(p))).collect();
                if !under.is_empty() {
                    let list: Vec<&str> = under.iter().map(|s| s.as_str()).collect();
                    out.push(format!(
                        "{name} has uncommitted changes to {}: they will collide with the release commit; on {name} commit and push them first (or stash them)",
                        list.join(", ")
                    ));
                }
                let rel = relation(repo, &f.work, branch, tip);
                if rel.has_unpushed() {
                    out.push(format!(
                        "{name} has commits that are not on GitHub ({}): if they touch the manifests they will conflict with the release commit; push them first",
                        rel.short()
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let root = Path::new("/r");
        assert_eq!(
            parse_location("kube-2:~/my-api", root).unwrap(),
            Location::Ssh {
                host: "kube-2".into(),
                port: None,
                path: "~/my-api".into()
            }
        );
        assert_eq!(
            parse_location("ssh://me@host:2222/srv/app", root).unwrap(),
            Location::Ssh {
                host: "me@host".into(),
                port: Some(2222),
                path: "/srv/app".into()
            }
        );
        assert_eq!(
            parse_location("ssh://host/~/app", root).unwrap(),
            Location::Ssh {
                host: "host".into(),
                port: None,
                path: "~/app".into()
            }
        );
        assert_eq!(
            parse_location("../kube-2", root).unwrap(),
            Location::Local("/r/../kube-2".into())
        );
        assert_eq!(
            parse_location("/abs/k", root).unwrap(),
            Location::Local("/abs/k".into())
        );
        assert!(parse_location("", root).is_err());
        assert!(parse_location("-oProxyCommand=x:y", root).is_err());
        assert!(parse_location("ssh://host:port/x", root).is_err());
    }

    #[test]
    fn quoting_keeps_tilde_and_survives_quotes() {
        assert_eq!(sh_quote("~/my api"), "~/'my api'");
        assert_eq!(sh_quote("/a'b"), r"'/a'\''b'");
        assert_eq!(sh_quote(""), "''");
    }

    #[test]
    fn answers() {
        let p = parse("# branch.oid abc\n# branch.head main\n? x\n@@fetch\n1700000000\n@@tag\nno\n").unwrap();
        assert_eq!(
            (p.last_fetch, p.has_tag, p.work.untracked.len()),
            (Some(1_700_000_000), Some(false), 1)
        );
        assert_eq!(
            parse("@@error not a git repository: /x\n").unwrap_err().to_string(),
            "not a git repository: /x"
        );
        assert!(parse("# branch.oid abc\n").is_err());
    }
}
