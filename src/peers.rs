//! Reading other clones: over the system `ssh` (BatchMode, ConnectTimeout; aliases and
//! ProxyJump from the ssh config work) or on a local path. Only plain `git` (and `sh`,
//! `stat`) run there: the tool need not be installed on a peer.

use crate::proc;
use crate::sync::{WorkTree, parse_porcelain};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
pub fn parse_location(s: &str, root: &Path) -> Result<Location, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("the location is empty".into());
    }
    if let Some(rest) = s.strip_prefix("ssh://") {
        let (authority, path) = rest
            .split_once('/')
            .ok_or_else(|| format!("`{s}` has no path after the host"))?;
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                Some(p.parse::<u16>().map_err(|_| format!("`{p}` in `{s}` is not a port"))?),
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

fn ssh(host: &str, port: Option<u16>, path: String, whole: &str) -> Result<Location, String> {
    if host.starts_with('-') || host.chars().any(char::is_whitespace) {
        return Err(format!("`{host}` in `{whole}` is not a host name"));
    }
    if path.is_empty() {
        return Err(format!("`{whole}` has no path after the host"));
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

/// Reads a peer. An error is the reason in one line (unreachable, not a repository, ...).
pub fn read(loc: &Location, tag: Option<&str>, timeout: Duration) -> Result<PeerFacts, String> {
    let tag = tag.unwrap_or("");
    let out = match loc {
        Location::Local(p) => {
            let p = p.to_string_lossy();
            proc::run("sh", &["-c", SCRIPT, "sh", &p, tag], Path::new("/"), timeout)
        }
        Location::Ssh { host, port, path } => {
            let remote = format!("sh -c {} sh {} {}", sh_quote(SCRIPT), sh_quote(path), sh_quote(tag));
            let mut args: Vec<String> = Vec::new();
            if let Some(cfg) = std::env::var_os("RELEASE_SSH_CONFIG") {
                args.push("-F".into());
                args.push(cfg.to_string_lossy().into_owned());
            }
            args.extend(["-o", "BatchMode=yes", "-o", "ConnectTimeout=5"].map(String::from));
            if let Some(p) = port {
                args.push("-p".into());
                args.push(p.to_string());
            }
            args.push("--".into());
            args.push(host.clone());
            args.push(remote);
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            proc::run("ssh", &refs, Path::new("/"), timeout)
        }
    }
    .map_err(|e| format!("{e:#}"))?;
    if !out.success {
        return Err(out.complaint().lines().last().unwrap_or("failed").to_string());
    }
    parse(&out.stdout)
}

/// One configured peer and what it said.
#[derive(Debug, Clone)]
pub struct Answer {
    pub name: String,
    pub via_ssh: bool,
    /// `None`: not asked (an ssh peer while offline).
    pub facts: Option<Result<PeerFacts, String>>,
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
    let peers: Vec<(String, Result<Location, String>)> = clones
        .iter()
        .map(|(n, l)| (n.clone(), parse_location(l, root)))
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
                    facts: Some(Err("crashed".into())),
                })
            })
            .collect()
    })
}

/// Reads this clone: one `git status` process; FETCH_HEAD and the tag from disk.
pub fn read_here(repo: &crate::git::Repo, tag: Option<&str>) -> Result<PeerFacts, String> {
    let args = ["status", "--porcelain=v2", "--branch", "--untracked-files=all"];
    let out = proc::run("git", &args, &repo.root, proc::LOCAL_TIMEOUT).map_err(|e| format!("{e:#}"))?;
    if !out.success {
        return Err(out.complaint());
    }
    Ok(PeerFacts {
        work: parse_porcelain(&out.stdout),
        last_fetch: repo.last_fetch(),
        has_tag: tag.map(|t| repo.tag_commit(t).is_some()),
    })
}

fn parse(out: &str) -> Result<PeerFacts, String> {
    if let Some(e) = out.lines().find_map(|l| l.strip_prefix("@@error ")) {
        return Err(e.to_string());
    }
    let (status, rest) = out.split_once("@@fetch\n").ok_or("the peer's answer was cut short")?;
    let (fetch, tag) = rest.split_once("@@tag\n").ok_or("the peer's answer was cut short")?;
    Ok(PeerFacts {
        work: parse_porcelain(status),
        last_fetch: fetch.trim().parse().ok(),
        has_tag: match tag.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
    })
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
            parse("@@error not a git repository: /x\n").unwrap_err(),
            "not a git repository: /x"
        );
        assert!(parse("# branch.oid abc\n").is_err());
    }
}
