//! Registry credentials as the docker CLI finds them: `$DOCKER_CONFIG/config.json` (else
//! `~/.docker/config.json`), then `credHelpers[host]`, else `credsStore`, else
//! `auths[host].auth`. A helper that answers "not found" means anonymous, not an error.
//! Secrets never appear in `Debug` output, messages or errors.

use crate::manifests::imageref::ImageRef;
use crate::proc;
use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Docker Hub's key in config.json.
pub const HUB_KEY: &str = "https://index.docker.io/v1/";

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Creds {
    pub username: String,
    /// Password or identity token.
    pub secret: String,
    /// True when `secret` is an identity token (helpers answer username `<token>`).
    pub token: bool,
    pub server: String,
}

impl std::fmt::Debug for Creds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Creds {{ username: {:?}, secret: <hidden>, server: {:?} }}",
            self.username, self.server
        )
    }
}

/// The registry host of a reference (`docker.io` for Docker Hub).
pub fn registry_host(r: &ImageRef) -> String {
    match r.registry.as_deref() {
        None | Some("index.docker.io" | "registry-1.docker.io") => "docker.io".into(),
        Some(h) => h.to_string(),
    }
}

/// The keys config.json may use for a host, in the CLI's order.
fn keys_for(host: &str) -> Vec<String> {
    if host == "docker.io" {
        vec![
            HUB_KEY.into(),
            "index.docker.io".into(),
            "docker.io".into(),
            "https://index.docker.io/v1".into(),
        ]
    } else {
        vec![
            host.into(),
            format!("https://{host}"),
            format!("http://{host}"),
            format!("https://{host}/v1/"),
            format!("https://{host}/v2/"),
        ]
    }
}

/// Where config.json is.
pub fn config_path() -> PathBuf {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => PathBuf::from(d).join("config.json"),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".docker/config.json"),
    }
}

/// Looks up credentials for `host`; `Ok(None)` means anonymous.
pub fn lookup(host: &str) -> anyhow::Result<Option<Creds>> {
    lookup_in(&config_path(), host)
}

pub fn lookup_in(path: &Path, host: &str) -> anyhow::Result<Option<Creds>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow::anyhow!("{}: {e}", path.display())),
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not valid JSON (line {}): fix or remove it",
            path.display(),
            e.line()
        )
    })?;
    let keys = keys_for(host);
    let server = keys[0].clone();
    if let Some(helpers) = v.get("credHelpers").and_then(|h| h.as_object())
        && let Some(name) = keys.iter().find_map(|k| helpers.get(k)).and_then(|n| n.as_str())
    {
        return helper(name, &server);
    }
    if let Some(store) = v.get("credsStore").and_then(|s| s.as_str())
        && !store.is_empty()
    {
        return helper(store, &server);
    }
    let Some(auths) = v.get("auths").and_then(|a| a.as_object()) else {
        return Ok(None);
    };
    let Some(entry) = keys.iter().find_map(|k| auths.get(k)) else {
        return Ok(None);
    };
    if let Some(tok) = entry.get("identitytoken").and_then(|t| t.as_str()) {
        return Ok(Some(Creds {
            username: String::new(),
            secret: tok.into(),
            token: true,
            server,
        }));
    }
    let Some(auth) = entry.get("auth").and_then(|a| a.as_str()).filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .map_err(|_| {
            anyhow::anyhow!(
                "{}: auths.{host}.auth is not base64 of user:password: run `docker login {host}` again",
                path.display()
            )
        })?;
    let decoded =
        String::from_utf8(decoded).map_err(|_| anyhow::anyhow!("{}: auths.{host}.auth is not text", path.display()))?;
    let (user, pass) = decoded.split_once(':').ok_or_else(|| {
        anyhow::anyhow!(
            "{}: auths.{host}.auth is not user:password: run `docker login {host}` again",
            path.display()
        )
    })?;
    Ok(Some(Creds {
        username: user.into(),
        secret: pass.into(),
        token: false,
        server,
    }))
}

/// `docker-credential-NAME get`, server URL on stdin, JSON out.
fn helper(name: &str, server: &str) -> anyhow::Result<Option<Creds>> {
    let program = format!("docker-credential-{name}");
    let out = proc::run_with_input(
        &program,
        &["get"],
        Path::new("/"),
        Duration::from_secs(30),
        Some(server.as_bytes()),
    )
    .map_err(|e| anyhow::anyhow!("credential helper {program}: {e:#}"))?;
    if !out.success {
        let said = format!("{}{}", out.stdout, out.stderr).to_ascii_lowercase();
        if said.contains("credentials not found") || said.contains("not found in native keychain") {
            return Ok(None);
        }
        // stderr only: stdout could carry a secret
        return Err(anyhow::anyhow!(
            "credential helper {program} failed: {}",
            out.stderr.trim()
        ));
    }
    let v: serde_json::Value = serde_json::from_str(&out.stdout)
        .map_err(|_| anyhow::anyhow!("credential helper {program} did not answer with JSON"))?;
    let user = v.get("Username").and_then(|u| u.as_str()).unwrap_or("").to_string();
    let secret = v.get("Secret").and_then(|u| u.as_str()).unwrap_or("").to_string();
    if secret.is_empty() {
        return Ok(None);
    }
    let token = user == "<token>";
    Ok(Some(Creds {
        username: if token { String::new() } else { user },
        secret,
        token,
        server: server.into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config.json");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn auths_in_the_cli_order_and_hub_key() {
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:pa>>>ss?word");
        let (_d, p) = cfg(&format!(
            r#"{{"auths":{{"localhost:5001":{{"auth":"{auth}"}},"https://index.docker.io/v1/":{{"auth":"{auth}"}}}}}}"#
        ));
        let c = lookup_in(&p, "localhost:5001").unwrap().unwrap();
        assert_eq!((c.username.as_str(), c.secret.as_str()), ("alice", "pa>>>ss?word"));
        assert!(lookup_in(&p, "docker.io").unwrap().is_some());
        assert!(lookup_in(&p, "ghcr.io").unwrap().is_none());
        assert!(!format!("{c:?}").contains("pa>>>ss"), "secrets must not show in Debug");
    }

    #[test]
    fn helpers_come_first_and_not_found_is_anonymous() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("docker-credential-fake");
        std::fs::write(&bin, "#!/bin/sh\nread url\ncase \"$url\" in\n  localhost:5001) echo '{\"ServerURL\":\"x\",\"Username\":\"bob\",\"Secret\":\"s3cret\"}';;\n  *) echo 'credentials not found in native keychain'; exit 1;;\nesac\n").unwrap();
        std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:x");
        let (_d, p) = cfg(&format!(
            r#"{{"credHelpers":{{"localhost:5001":"fake"}},"credsStore":"fake","auths":{{"localhost:5001":{{"auth":"{auth}"}}}}}}"#
        ));
        let old = std::env::var_os("PATH").unwrap_or_default();
        let path =
            std::env::join_paths(std::iter::once(dir.path().to_path_buf()).chain(std::env::split_paths(&old))).unwrap();
        // SAFETY: tests in this module do not read PATH concurrently with this write.
        unsafe { std::env::set_var("PATH", &path) };
        let c = lookup_in(&p, "localhost:5001").unwrap().unwrap();
        assert_eq!(c.username, "bob");
        assert_eq!(
            lookup_in(&p, "other:5000").unwrap(),
            None,
            "helper's not-found means anonymous"
        );
    }

    #[test]
    fn broken_config_is_a_clear_error() {
        let (_d, p) = cfg("{ not json");
        assert!(
            lookup_in(&p, "docker.io")
                .unwrap_err()
                .to_string()
                .contains("not valid JSON")
        );
        let (_d, p) = cfg(r#"{"auths":{"h:1":{"auth":"!!"}}}"#);
        assert!(
            lookup_in(&p, "h:1")
                .unwrap_err()
                .to_string()
                .contains("docker login h:1")
        );
        assert_eq!(
            lookup_in(Path::new("/nonexistent/config.json"), "docker.io").unwrap(),
            None
        );
    }
}
