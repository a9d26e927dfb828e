//! The Docker engine through bollard: connect (`DOCKER_HOST` or the default socket, API
//! version negotiated), build with the legacy builder from a streamed context, push with an
//! explicit tag, and ask the registry (through the engine) whether a tag exists.

use super::build_context::{self, BuildContext};
use super::credentials::Creds;
use anyhow::{Result, anyhow};
use base64::Engine as _;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion, PushImageOptionsBuilder};
use bollard::{BollardRequest, Docker};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

/// The oldest engine API this tool works with.
pub const MIN_API: (usize, usize) = (1, 24);
/// A build or push that says nothing for this long is stopped.
pub const STALL: Duration = Duration::from_secs(600);

/// What a build is given besides its context.
pub struct BuildOptions<'a> {
    pub build_args: &'a HashMap<String, String>,
    pub labels: &'a HashMap<String, String>,
    /// `linux/amd64`; `None`: the engine's own.
    pub platform: Option<&'a str>,
}

pub struct Engine {
    pub docker: Docker,
    /// Where the engine was found, for messages.
    pub endpoint: String,
    pub version: String,
    pub api: String,
    /// The engine's architecture (`amd64`, `arm64`): what it builds for unless told.
    pub arch: String,
}

/// bollard sends X-Registry-Auth as standard base64; dockerd decodes URL-safe base64 and
/// silently drops what it cannot decode (a password with `>` or `?`). Re-encode it.
fn reencode_auth(mut req: BollardRequest) -> BollardRequest {
    for name in ["X-Registry-Auth", "X-Registry-Config"] {
        let fixed = req
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
            .map(|raw| base64::engine::general_purpose::URL_SAFE.encode(raw))
            .and_then(|s| http::HeaderValue::from_str(&s).ok());
        if let Some(v) = fixed {
            req.headers_mut().insert(name, v);
        }
    }
    req
}

fn unreachable(endpoint: &str, e: &dyn std::fmt::Display) -> anyhow::Error {
    anyhow!(
        "no Docker engine answers at {endpoint} ({e}): start it (`sudo systemctl start docker`, or dockerd), set DOCKER_HOST, or release git only with --skip-images"
    )
}

/// "1.41" -> (1, 41)
pub fn parse_api(v: &str) -> Option<(usize, usize)> {
    let (a, b) = v.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Whether an engine speaking `api` is new enough; the error says what to do.
pub fn check_api(api: &str, endpoint: &str) -> Result<()> {
    match parse_api(api) {
        Some(v) if v >= MIN_API => Ok(()),
        _ => Err(anyhow!(
            "the Docker engine at {endpoint} speaks API {api}, older than {}.{}: upgrade Docker",
            MIN_API.0,
            MIN_API.1
        )),
    }
}

fn rt() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))
}

/// Runs an engine future to completion on a small runtime of its own.
pub fn block_on<F: std::future::Future>(f: F) -> Result<F::Output> {
    Ok(rt()?.block_on(f))
}

/// Why a registry could not be reached, from the engine's message (none: it answered).
fn unreachable_cause(message: &str) -> Option<&'static str> {
    let causes: &[(&[&str], &str)] = &[
        (
            &["no such host", "server misbehaving", "name resolution"],
            "name lookup failed (offline, or a typo in the registry name?)",
        ),
        (
            &["connection refused"],
            "connection refused (is the registry running on that port?)",
        ),
        (
            &["i/o timeout", "timeout awaiting", "context deadline exceeded"],
            "no answer in time (offline, or a firewall?)",
        ),
        (
            &["network is unreachable", "no route to host"],
            "no route to it (offline?)",
        ),
        (&["x509:", "certificate"], "its TLS certificate is not trusted"),
        (
            &["server gave http response to https client"],
            "it speaks plain HTTP: add it to the engine's insecure-registries",
        ),
    ];
    causes
        .iter()
        .find(|(needles, _)| needles.iter().any(|n| message.contains(n)))
        .map(|(_, c)| *c)
}

impl Engine {
    /// Connects and negotiates; the error names the endpoint and how to fix it.
    pub async fn connect() -> Result<Engine> {
        let found = super::endpoint::resolve()?;
        let (host, endpoint) = (found.host.clone(), found.to_string());
        crate::ui::trace(&format!("engine: connect to {endpoint}"));
        let docker = if let Some(path) = host.strip_prefix("unix://") {
            Docker::connect_with_unix(path, 120, bollard::API_DEFAULT_VERSION)
        } else if host.starts_with("tcp://") || host.starts_with("http://") {
            Docker::connect_with_http(&host, 120, bollard::API_DEFAULT_VERSION)
        } else {
            return Err(anyhow!(
                "the engine address {endpoint} is not a unix:// or tcp:// address this tool can use (ssh:// contexts are not supported: use `docker context create` with a tcp endpoint, or DOCKER_HOST)"
            ));
        }
        .map_err(|e| unreachable(&endpoint, &e))?
        .with_request_modifier(reencode_auth);
        let unreachable = |e: bollard::errors::Error| unreachable(&endpoint, &e);
        let docker = docker.negotiate_version().await.map_err(unreachable)?;
        let v = docker.version().await.map_err(unreachable)?;
        let api = v.api_version.unwrap_or_default();
        check_api(&api, &endpoint)?;
        Ok(Engine {
            docker,
            endpoint,
            version: v.version.unwrap_or_default(),
            api,
            arch: v.arch.unwrap_or_default(),
        })
    }

    /// The digest of `repo:tag` in its registry, or `None` when the registry says it does
    /// not exist (only a 404 means absent; anything else is an error naming the registry).
    pub async fn registry_digest(&self, image: &str, registry: &str, creds: Option<&Creds>) -> Result<Option<String>> {
        match self.docker.inspect_registry_image(image, creds.map(to_bollard)).await {
            Ok(d) => Ok(d.descriptor.digest),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
            Err(bollard::errors::Error::DockerResponseServerError { status_code, message }) => {
                let m = message.to_ascii_lowercase();
                // The engine relays a network failure as its own 500: name the real cause.
                if let Some(cause) = unreachable_cause(&m) {
                    return Err(anyhow!(
                        "cannot reach registry {registry}: {cause} (the engine said: {})",
                        redact(&message, creds)
                    ));
                }

                let needs_login = status_code == 401
                    || ["unauthorized", "authentication required", "no basic auth credentials"]
                        .iter()
                        .any(|w| m.contains(w));
                let login = if needs_login {
                    format!(": log in with `docker login {registry}`")
                } else {
                    String::new()
                };
                Err(anyhow!(
                    "registry {registry} answered {status_code} for {image}: {}{login}",
                    redact(&message, creds)
                ))
            }
            Err(e) => Err(anyhow!(
                "registry {registry} could not be asked about {image}: {}",
                redact(&e.to_string(), creds)
            )),
        }
    }

    /// The context paths a Dockerfile reads, when that is known for sure: literal COPY/ADD
    /// sources only, and no base image with ONBUILD triggers (a base image that is not here
    /// yet counts as unknown). `None`: send the whole context.
    pub async fn context_filter(&self, dockerfile_text: &str) -> Option<Vec<String>> {
        let needs = super::dockerfile::needs(dockerfile_text);
        let sources = needs.sources?;
        for base in &needs.bases {
            let image = self.docker.inspect_image(base).await.ok()?;
            if image.config.and_then(|c| c.on_build).is_some_and(|o| !o.is_empty()) {
                return None;
            }
        }
        Some(sources)
    }

    /// A local image's labels and registry digests (`repo@sha256:...`); empty when absent.
    pub async fn local_image(&self, image: &str) -> (HashMap<String, String>, Vec<String>) {
        match self.docker.inspect_image(image).await {
            Ok(i) => (
                i.config.and_then(|c| c.labels).unwrap_or_default(),
                i.repo_digests.unwrap_or_default(),
            ),
            Err(_) => Default::default(),
        }
    }

    /// Builds `ctx` as `image` with the legacy builder. Every line goes to `log`;
    /// `on_step` hears each `Step N/M` line.
    pub async fn build(
        &self,
        image: &str,
        ctx: BuildContext,
        how: &BuildOptions<'_>,
        log: &mut std::fs::File,
        on_step: &(dyn Fn(&str) + Sync),
    ) -> Result<()> {
        crate::ui::trace(&format!("engine: build {image} from {}", ctx.dockerfile_name));
        let opts = BuildImageOptionsBuilder::new()
            .dockerfile(&ctx.dockerfile_name)
            .t(image)
            .rm(true)
            .forcerm(true)
            .buildargs(how.build_args)
            .labels(how.labels)
            .version(BuilderVersion::BuilderV1)
            .platform(how.platform.unwrap_or(""))
            // The legacy builder's cache does not tell platforms apart (a `FROM scratch`
            // build for arm64 can come back as the cached amd64 one): no cache then.
            .nocache(how.platform.is_some())
            .build();
        let (rx, writer) = build_context::stream(ctx);
        let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
        let mut s = self.docker.build_image(opts, None, Some(bollard::body_stream(body)));
        let mut failure = None;
        loop {
            let next = match tokio::time::timeout(STALL, s.next()).await {
                Ok(n) => n,
                Err(_) => {
                    failure = Some(format!("the engine said nothing for {} s; stopped", STALL.as_secs()));
                    break;
                }
            };
            let Some(item) = next else { break };
            match item {
                Ok(info) => {
                    if let Some(text) = info.stream.as_deref().or(info.status.as_deref()) {
                        let _ = log.write_all(text.as_bytes());
                        if let Some(step) = text.lines().find(|l| l.starts_with("Step ")) {
                            on_step(step.trim());
                        }
                    }
                    if let Some(e) = info.error_detail.and_then(|d| d.message) {
                        let _ = writeln!(log, "{e}");
                        failure = Some(e);
                    }
                }
                Err(e) => {
                    let msg = match e {
                        bollard::errors::Error::DockerStreamError { error } => error,
                        other => other.to_string(),
                    };
                    let _ = writeln!(log, "{msg}");
                    failure = Some(msg);
                    break;
                }
            }
        }
        drop(s);
        let _ = writer.join();
        match failure {
            Some(f) => Err(anyhow!(f)),
            None => Ok(()),
        }
    }

    /// Pushes exactly `repository:tag` (never all tags); returns the registry digest.
    pub async fn push(
        &self,
        repository: &str,
        tag: &str,
        creds: Option<&Creds>,
        log: &mut std::fs::File,
    ) -> Result<String> {
        crate::ui::trace(&format!("engine: push {repository}:{tag}"));
        let opts = PushImageOptionsBuilder::new().tag(tag).build();
        let mut s = self.docker.push_image(repository, Some(opts), creds.map(to_bollard));
        let mut digest = None;
        loop {
            let next = match tokio::time::timeout(STALL, s.next()).await {
                Ok(n) => n,
                Err(_) => {
                    return Err(anyhow!(
                        "the engine said nothing for {} s while pushing; stopped",
                        STALL.as_secs()
                    ));
                }
            };
            let Some(item) = next else { break };
            match item {
                Ok(info) => {
                    if let Some(st) = &info.status {
                        let _ = writeln!(log, "{st}");
                        if let Some(d) = st.split("digest: ").nth(1) {
                            digest = d.split_whitespace().next().map(str::to_string);
                        }
                    }
                    if let Some(e) = info.error_detail.and_then(|d| d.message) {
                        return Err(anyhow!(redact(&e, creds)));
                    }
                }
                Err(e) => {
                    let msg = match e {
                        bollard::errors::Error::DockerStreamError { error } => error,
                        other => other.to_string(),
                    };
                    return Err(anyhow!(redact(&msg, creds)));
                }
            }
        }
        digest.ok_or_else(|| anyhow!("the push of {repository}:{tag} ended without a digest"))
    }
}

fn to_bollard(c: &Creds) -> DockerCredentials {
    DockerCredentials {
        username: (!c.token).then(|| c.username.clone()),
        password: (!c.token).then(|| c.secret.clone()),
        identitytoken: c.token.then(|| c.secret.clone()),
        serveraddress: Some(c.server.clone()),
        ..Default::default()
    }
}

/// Removes a secret from a message, whatever the engine or registry echoed.
pub fn redact(msg: &str, creds: Option<&Creds>) -> String {
    match creds {
        Some(c) if !c.secret.is_empty() => msg.replace(&c.secret, "<hidden>"),
        _ => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions() {
        assert_eq!(parse_api("1.41"), Some((1, 41)));
        assert!(check_api("1.41", "unix:///x").is_ok());
        let e = check_api("1.12", "unix:///x").unwrap_err().to_string();
        assert!(e.contains("older than 1.24") && e.contains("unix:///x"), "{e}");
        assert!(check_api("", "x").is_err());
    }

    #[test]
    fn auth_header_is_reencoded_url_safe() {
        let json = r#"{"username":"u","password":"pa>>>ss?word"}"#;
        let std = base64::engine::general_purpose::STANDARD.encode(json);
        assert!(
            std.contains('+') || std.contains('/'),
            "the sample must exercise the difference: {std}"
        );
        let req = http::Request::builder()
            .header("X-Registry-Auth", &std)
            .body(bollard::body_full(bytes::Bytes::new()))
            .unwrap();
        let out = reencode_auth(req);
        let v = out.headers()["X-Registry-Auth"].to_str().unwrap();
        assert!(!v.contains('+') && !v.contains('/'));
        assert_eq!(
            base64::engine::general_purpose::URL_SAFE.decode(v).unwrap(),
            json.as_bytes()
        );
    }

    #[test]
    fn redaction() {
        let c = Creds {
            username: "u".into(),
            secret: "s3cr>t".into(),
            token: false,
            server: "h".into(),
        };
        assert_eq!(redact("bad s3cr>t here", Some(&c)), "bad <hidden> here");
    }
}
