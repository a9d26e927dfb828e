//! What each environment last ran successfully, kept by the clone that applies in
//! `.git/release/deployed.json` (`deploy prod` refuses a version test has not run).

use super::kubectl::{Kubectl, Where};
use crate::error::refused;
use crate::git::Repo;
use crate::peers;
use anyhow::Result;
use git2::Oid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One environment's last good deploy, and the one before it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Deployed {
    pub version: String,
    pub commit: String,
    pub at: i64,
    #[serde(default)]
    pub previous: Option<String>,
}

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

/// The record of the clone that applies (empty when it has none).
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
    Ok(serde_json::from_slice(&text).unwrap_or_default())
}

/// Writes `env` ran `version` (from `commit`) into the record of the clone that applies.
pub fn write(repo: &Repo, k: &Kubectl, mut rec: Record, env: &str, version: &str, commit: Oid) -> Result<()> {
    let previous = rec
        .get(env)
        .map(|d| d.version.clone())
        .filter(|v| v != version)
        .or_else(|| rec.get(env).and_then(|d| d.previous.clone()));
    rec.insert(
        env.to_string(),
        Deployed {
            version: version.to_string(),
            commit: commit.to_string(),
            at: crate::sync::now(),
            previous,
        },
    );
    let bytes = serde_json::to_vec_pretty(&rec)?;
    match &k.at {
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
    let d = rec.get(env)?;
    if d.version != version {
        Some(d.version.clone())
    } else {
        d.previous.clone()
    }
}

/// `deploy prod` needs test to have run the same version successfully.
pub fn require_tested(rec: &Record, version: &str) -> Result<()> {
    match rec.get("test") {
        Some(t) if t.version == version => Ok(()),
        other => Err(refused(format!(
            "prod's manifests name {version}, but test has not run {version} successfully ({}): deploy it to test first (release deploy test), or go back on purpose with --to",
            other.map_or("test was never deployed from this clone".to_string(), |t| format!(
                "test runs {}",
                t.version
            ))
        ))),
    }
}
