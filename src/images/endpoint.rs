//! Which engine the docker CLI would talk to, found the way it finds it: `DOCKER_HOST`,
//! else the current context (`DOCKER_CONTEXT`, else `currentContext` in config.json) and
//! that context's endpoint in `contexts/meta/<sha256 of its name>/meta.json`, else the
//! default socket. So a user whose builds run on a remote engine (`docker context use`)
//! gets that engine here too.

use anyhow::{Context as _, Result, anyhow};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The socket when nothing else is set.
pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// Where the engine is, and the context that said so (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub context: Option<String>,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.context {
            Some(c) => write!(f, "{} (docker context {c})", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// `$DOCKER_CONFIG`, else `~/.docker`.
fn config_dir() -> PathBuf {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => PathBuf::from(d),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".docker"),
    }
}

/// The engine endpoint, as the docker CLI resolves it.
pub fn resolve() -> Result<Endpoint> {
    if let Some(h) = std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()) {
        return Ok(Endpoint { host: h, context: None });
    }
    let dir = config_dir();
    let name = match std::env::var("DOCKER_CONTEXT").ok().filter(|c| !c.is_empty()) {
        Some(c) => Some(c),
        None => current_context(&dir.join("config.json"))?,
    };
    match name.filter(|n| n != "default") {
        None => Ok(Endpoint {
            host: DEFAULT_SOCKET.to_string(),
            context: None,
        }),
        Some(n) => Ok(Endpoint {
            host: context_host(&dir, &n)?,
            context: Some(n),
        }),
    }
}

fn current_context(config: &Path) -> Result<Option<String>> {
    let Some(bytes) = crate::fs::read_if_exists(config)? else {
        return Ok(None);
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not valid JSON: fix or remove it", config.display()))?;
    Ok(v.get("currentContext").and_then(|c| c.as_str()).map(str::to_string))
}

/// The docker endpoint of context `name`.
fn context_host(dir: &Path, name: &str) -> Result<String> {
    let hash = Sha256::digest(name.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let meta = dir.join("contexts/meta").join(hex).join("meta.json");
    let bytes = crate::fs::read_if_exists(&meta)?.ok_or_else(|| {
        anyhow!(
            "docker context `{name}` is selected but {} does not exist: run `docker context ls`, or `docker context use default`",
            meta.display()
        )
    })?;
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not valid JSON", meta.display()))?;
    v.pointer("/Endpoints/docker/Host")
        .and_then(|h| h.as_str())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("docker context `{name}` ({}) names no docker endpoint", meta.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn context_meta_is_found_by_the_hash_of_its_name() {
        let d = tempfile::tempdir().unwrap();
        let hash = {
            use sha2::Digest;
            let h = sha2::Sha256::digest(b"remote");
            h.iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        let meta = d.path().join("contexts/meta").join(hash);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2375"}}}"#,
        )
        .unwrap();
        assert_eq!(super::context_host(d.path(), "remote").unwrap(), "tcp://10.0.0.5:2375");
        assert!(super::context_host(d.path(), "other").is_err());
    }
}
