//! What each environment last ran, kept by the clone that applies in
//! `.git/release/deployed.json` (`deploy prod` refuses a version test has not run). The
//! record never disagrees with what was last applied: an entry is written `applying`
//! before kubectl applies, then `done` or `failed`. A record that does not parse is an
//! error naming the file, and nothing overwrites it until the user decides.

use super::kubectl::{Kubectl, Where};
use crate::clones::peers;
use crate::error::refused;
use crate::git::Repo;
use anyhow::Result;
use git2::Oid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One environment's last deploy, how it ended, and the versions that rolled out well.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Deployed {
    pub version: String,
    pub commit: String,
    pub at: i64,
    /// What a record of an older version kept instead of `ran`: the last version that
    /// rolled out well before this one (read, never written).
    #[serde(default, skip_serializing)]
    pub previous: Option<String>,
    /// `applying`, `failed` or `done` (a record of an older version has none: done).
    #[serde(default)]
    pub state: Option<String>,
    /// Every version that rolled out well here, oldest first (the last 50).
    #[serde(default)]
    pub ran: Vec<String>,
}

impl Deployed {
    /// Whether this deploy rolled out well.
    pub fn done(&self) -> bool {
        self.state.as_deref().is_none_or(|s| s == DONE)
    }

    /// The versions that rolled out well, the latest last (an older record's, from what
    /// it kept).
    pub fn ran(&self) -> Vec<String> {
        if !self.ran.is_empty() {
            return self.ran.clone();
        }
        let mut ran: Vec<String> = self.previous.iter().cloned().collect();
        if self.done() {
            ran.push(self.version.clone());
        }
        ran
    }
}

/// The states an entry goes through.
pub const APPLYING: &str = "applying";
pub const FAILED: &str = "failed";
pub const DONE: &str = "done";

/// Environment -> its last good deploy.
pub type Record = BTreeMap<String, Deployed>;

const READ: &str = r#"cd "$1" 2>/dev/null || exit 1
f="$(git rev-parse --git-dir)/release/deployed.json"
[ -f "$f" ] && cat "$f" || true
"#;

const WRITE: &str = r#"cd "$1" 2>/dev/null || exit 1
d="$(git rev-parse --git-dir)/release"
mkdir -p "$d" && cat > "$d/deployed.json.tmp" && mv "$d/deployed.json.tmp" "$d/deployed.json"
"#;

/// The record of the clone that applies (empty when it has none); one that does not parse
/// is refused, naming the file.
pub fn read(repo: &Repo, k: &Kubectl) -> Result<Record> {
    let text = match &k.at {
        Where::Here => crate::fs::read_if_exists(&repo.git_dir().join("release/deployed.json"))?.unwrap_or_default(),
        Where::Peer { loc, .. } => peers::run_script(loc, READ, &[], peers::PEER_TIMEOUT)?
            .stdout
            .into_bytes(),
    };
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(Record::new());
    }
    serde_json::from_slice(&text).map_err(|e| {
        refused(format!(
            "the deploy record {} ({}) does not parse: {e}. It holds what each environment last ran, so nothing overwrites it: look at it, then mend it or remove it by hand (removing it forgets what test ran; deploy test again before prod)",
            ".git/release/deployed.json",
            k.place()
        ))
    })
}

/// Marks `env` as `state` (`APPLYING`, `FAILED`, `DONE`) for `version` (from `commit`)
/// in `rec` and in the record of the clone that applies.
pub fn mark(
    repo: &Repo,
    k: &Kubectl,
    rec: &mut Record,
    env: &str,
    version: &str,
    commit: Oid,
    state: &str,
) -> Result<()> {
    let mut ran = rec.get(env).map(Deployed::ran).unwrap_or_default();
    if state == DONE {
        ran.retain(|v| v != version);
        ran.push(version.to_string());
    }
    let ran = ran.split_off(ran.len().saturating_sub(50));
    rec.insert(
        env.to_string(),
        Deployed {
            version: version.to_string(),
            commit: commit.to_string(),
            at: crate::clock::now(),
            previous: None,
            state: Some(state.to_string()),
            ran,
        },
    );
    let bytes = serde_json::to_vec_pretty(rec)?;
    match &k.at {
        // Its temporary file sits beside it: `.git/release/tmp` belongs to the release lock's
        // holder, which a deploy does not take.
        Where::Here => crate::fs::write_atomic(&repo.git_dir().join("release/deployed.json"), &bytes),
        Where::Peer { loc, .. } => {
            let out = peers::run_script_with_input(loc, WRITE, &[], Some(&bytes), peers::PEER_TIMEOUT)?;
            if !out.success {
                anyhow::bail!("could not write the deploy record: {}", out.complaint());
            }
            Ok(())
        }
    }
}

/// The version to go back to after a failed deploy of `version` to `env`.
pub fn previous(rec: &Record, env: &str, version: &str) -> Option<String> {
    rec.get(env)?.ran().into_iter().rev().find(|v| v != version)
}

/// `deploy prod` needs test to run the same version, rolled out well; going back
/// (`going_back`) needs test to have run it well at some time.
pub fn require_tested(rec: &Record, version: &str, going_back: bool) -> Result<()> {
    match rec.get("test") {
        Some(t) if t.version == version && t.done() => Ok(()),
        Some(t) if going_back && t.ran().iter().any(|v| v == version) => Ok(()),
        other => Err(refused(format!(
            "prod would run {version}, but test has not run {version} successfully ({}): deploy it to test first (release deploy test), or add --force to deploy it anyway",
            other.map_or("test was never deployed from this clone".to_string(), |t| {
                match t.state.as_deref() {
                    Some(FAILED) => format!("the deploy of {} to test failed", t.version),
                    Some(APPLYING) => format!("the deploy of {} to test never finished", t.version),
                    _ => format!("test runs {}", t.version),
                }
            })
        ))),
    }
}
