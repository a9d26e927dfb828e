//! Pure: container image references by the distribution grammar
//! `[host[:port]/]path[:tag][@digest]`. The first component is a registry only when it has
//! a `.` or `:` or is `localhost`; the tag is the `:` suffix after the last `/`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `localhost:5000`, `ghcr.io`; `None` means Docker Hub.
    pub registry: Option<String>,
    /// `user/app`, `redis`.
    pub path: String,
    pub tag: Option<String>,
    /// `sha256:...`
    pub digest: Option<String>,
}

/// Tags that name no fixed build.
pub const FLOATING_TAGS: &[&str] = &[
    "latest", "dev", "develop", "main", "master", "stable", "edge", "nightly", "test", "prod",
];

impl ImageRef {
    /// Parses a reference; placeholders such as `${TAG}` are kept as text (see
    /// [`ImageRef::has_placeholder`]). An empty string or one with spaces is an error.
    pub fn parse(s: &str) -> anyhow::Result<ImageRef> {
        let s = s.trim();
        if s.is_empty() {
            return Err(anyhow::anyhow!("the image reference is empty"));
        }
        if s.chars().any(char::is_whitespace) {
            return Err(anyhow::anyhow!("`{s}` has spaces in it"));
        }
        let (rest, digest) = match s.rsplit_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        let last_slash = rest.rfind('/');
        let (name, tag) = match rest.rfind(':') {
            Some(c) if last_slash.is_none_or(|sl| c > sl) && !rest[c + 1..].is_empty() => {
                (&rest[..c], Some(rest[c + 1..].to_string()))
            }
            _ => (rest, None),
        };
        let (registry, path) = match name.split_once('/') {
            Some((first, p))
                if first.contains('.') || first.contains(':') || first == "localhost" || first.starts_with("${") =>
            {
                (Some(first.to_string()), p.to_string())
            }
            _ => (None, name.to_string()),
        };
        if path.is_empty() {
            return Err(anyhow::anyhow!("`{s}` has no repository name"));
        }
        Ok(ImageRef {
            registry,
            path,
            tag,
            digest,
        })
    }

    /// `registry/path` without tag or digest, as written.
    pub fn repository(&self) -> String {
        match &self.registry {
            Some(r) => format!("{r}/{}", self.path),
            None => self.path.clone(),
        }
    }

    /// The repository in a form that compares equal however Docker Hub is spelled
    /// (`redis`, `library/redis`, `docker.io/library/redis`).
    pub fn canonical_repository(&self) -> String {
        let hub = matches!(
            self.registry.as_deref(),
            None | Some("docker.io" | "index.docker.io" | "registry-1.docker.io")
        );
        if hub {
            let p = self.path.strip_prefix("library/").unwrap_or(&self.path);
            p.to_ascii_lowercase()
        } else {
            self.repository().to_ascii_lowercase()
        }
    }

    /// A Docker Hub official image (`redis`, `python`): never one of the project's own.
    pub fn is_official_library(&self) -> bool {
        self.canonical_repository().find('/').is_none() && !self.has_placeholder()
    }

    /// `${TAG}`, `$TAG`, `{{ .Values.tag }}`: filled in by a template step, not a real
    /// value; or a template's example left in (`your-flask-image:tag`, `<your-image>`).
    pub fn has_placeholder(&self) -> bool {
        let all = self.to_string();
        all.contains('$') || all.contains("{{") || self.is_example()
    }

    /// A template's example name, never a real image: a `your`/`<...>` word in the name,
    /// or the tag `tag` / `version` / `your-tag`.
    pub fn is_example(&self) -> bool {
        let all = self.to_string().to_ascii_lowercase();
        let words = || all.split(|c: char| !c.is_ascii_alphanumeric());
        let tag = self.tag.as_deref().map(str::to_ascii_lowercase);
        all.contains(['<', '>'])
            || words().any(|w| w == "your")
            || matches!(tag.as_deref(), Some("tag" | "version" | "your-tag" | "image-tag"))
    }

    /// No tag, or a tag that names no fixed build (`latest`, `dev`, ...), and no digest.
    pub fn is_floating(&self) -> bool {
        self.digest.is_none()
            && self
                .tag
                .as_deref()
                .is_none_or(|t| FLOATING_TAGS.contains(&t.to_ascii_lowercase().as_str()))
    }

    /// The same repository with `tag` and no digest.
    pub fn with_tag(&self, tag: &str) -> String {
        format!("{}:{tag}", self.repository())
    }
}

/// What a tag on one of the project's own images says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagKind {
    /// `1.2.0`, `v1.3.0`, `1.0`.
    Version,
    /// One repository for several components (`repo:api`, `repo:wrk`), or that scheme with
    /// a version (`repo:api-0.2.0`): the component word.
    Component(String),
    /// A commit id (`3f9c2ab`) or a build number (`9`): a fixed build, though not a version.
    Build,
    /// No tag, or any other word (`latest`, `final`, `release`, `v1`): no fixed build.
    Floating,
}

use crate::version::ComponentTag;

/// Reads a project image's tag. `component_words` are the word tags its repository carries
/// more than one of (`api` and `wrk` on one repository: the component scheme); `format`
/// how such a tag carries a version.
pub fn tag_kind(tag: Option<&str>, component_words: &[&str], format: &ComponentTag) -> TagKind {
    let Some(tag) = tag else { return TagKind::Floating };
    if let Some((word, _)) = format.split(tag)
        && (component_words.contains(&word) || crate::version::parse_loose(tag).is_none())
    {
        return TagKind::Component(word.to_string());
    }
    if tag.contains('.') && crate::version::parse_loose(tag).is_some() {
        return TagKind::Version;
    }
    if component_words.contains(&tag) {
        return TagKind::Component(tag.to_string());
    }
    let commit = (7..=40).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_hexdigit());
    if tag.bytes().all(|b| b.is_ascii_digit()) || (commit && tag.bytes().any(|b| b.is_ascii_digit())) {
        return TagKind::Build;
    }
    TagKind::Floating
}

/// A tag made of letters (and `_`): a component's or a channel's name, not a version.
pub fn is_word(tag: &str) -> bool {
    !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// The version a tag stands for: `api-0.2.0` (the component scheme) -> `0.2.0`; any other
/// tag as it is.
pub fn version_part<'t>(tag: &'t str, format: &ComponentTag) -> &'t str {
    match format.split(tag) {
        Some((_, v)) if crate::version::parse_loose(tag).is_none() => v,
        _ => tag,
    }
}

/// The tag a release gives an image that now carries `tag`: the version, or the component
/// with it in the component scheme (`api-0.2.0`).
/// `tag` in the form `old` takes: `v1.2.0` where it says `v1.1.0`, `1.2.0` where it says
/// `1.1.0` (images tagged without the `v` their git tags carry, or the other way round);
/// as given when `old` says neither.
pub fn in_form_of(old: Option<&str>, tag: &str) -> String {
    let bare = tag
        .strip_prefix('v')
        .filter(|b| b.starts_with(|c: char| c.is_ascii_digit()));
    let bare = bare.unwrap_or(tag);
    match old {
        Some(o) if o.starts_with('v') && o[1..].starts_with(|c: char| c.is_ascii_digit()) => format!("v{bare}"),
        Some(o) if o.starts_with(|c: char| c.is_ascii_digit()) => bare.to_string(),
        _ => tag.to_string(),
    }
}

pub fn next_tag(kind: &TagKind, version_tag: &str, format: &ComponentTag) -> String {
    match kind {
        TagKind::Component(word) => format.make(word, version_tag),
        _ => version_tag.to_string(),
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_keeps_the_form_of_the_one_it_replaces() {
        assert_eq!(in_form_of(Some("v1.1.0"), "1.2.0"), "v1.2.0");
        assert_eq!(in_form_of(Some("1.1.0"), "v1.2.0"), "1.2.0");
        assert_eq!(in_form_of(Some("1.1.0"), "1.2.0"), "1.2.0");
        assert_eq!(in_form_of(Some("latest"), "v1.2.0"), "v1.2.0");
        assert_eq!(in_form_of(None, "v1.2.0"), "v1.2.0");
    }

    #[test]
    fn tags_are_versions_components_commits_or_floating() {
        let f = ComponentTag::default();
        let k = |t: Option<&str>| tag_kind(t, &["api", "wrk"], &f);
        assert_eq!(k(Some("1.0")), TagKind::Version);
        assert_eq!(k(Some("v1.3.0")), TagKind::Version);
        for floating in [
            None,
            Some("latest"),
            Some("final"),
            Some("release"),
            Some("v1"),
            Some("1.x"),
        ] {
            assert_eq!(k(floating), TagKind::Floating, "{floating:?}");
        }
        assert_eq!(k(Some("api")), TagKind::Component("api".into()));
        assert_eq!(k(Some("wrk-0.2.0")), TagKind::Component("wrk".into()));
        assert_eq!(
            tag_kind(Some("api"), &[], &f),
            TagKind::Floating,
            "one word tag alone is a channel"
        );
        assert_eq!(k(Some("3f9c2ab")), TagKind::Build);
        assert_eq!(k(Some("9")), TagKind::Build);
        assert_eq!(next_tag(&TagKind::Component("api".into()), "0.2.0", &f), "api-0.2.0");
        assert_eq!(next_tag(&TagKind::Floating, "0.2.0", &f), "0.2.0");
        assert_eq!(version_part("api-v0.2.0", &f), "v0.2.0");
        assert_eq!(version_part("0.2.0-rc.1", &f), "0.2.0-rc.1");
        // another order: the version first; a pre-release is still a version
        let r = ComponentTag::new("{version}_{component}").unwrap();
        assert_eq!(tag_kind(Some("0.2.0_api"), &[], &r), TagKind::Component("api".into()));
        assert_eq!(tag_kind(Some("0.2.0-rc.1"), &[], &r), TagKind::Version);
        assert_eq!(next_tag(&TagKind::Component("wrk".into()), "1.0.0", &r), "1.0.0_wrk");
        assert_eq!(version_part("1.0.0_wrk", &r), "1.0.0");
        for bad in ["{component}{version}", "{version}", "x/{component}-{version}"] {
            assert!(ComponentTag::new(bad).is_err(), "{bad}");
        }
    }

    fn p(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap()
    }

    #[test]
    fn the_issue_cases() {
        let r = p("redis:7");
        assert_eq!(
            (
                r.registry.as_deref(),
                r.path.as_str(),
                r.tag.as_deref(),
                r.digest.as_deref()
            ),
            (None, "redis", Some("7"), None)
        );
        assert!(r.is_official_library() && !r.is_floating());

        let r = p("localhost:5000/u/app:1.2.3");
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!((r.path.as_str(), r.tag.as_deref()), ("u/app", Some("1.2.3")));
        assert_eq!(r.with_tag("2.0.0"), "localhost:5000/u/app:2.0.0");

        let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let r = p(&format!("u/app@{d}"));
        assert_eq!((r.tag.as_deref(), r.digest.as_deref()), (None, Some(d)));
        assert!(!r.is_floating());

        let r = p(&format!("u/app:1.0@{d}"));
        assert_eq!(
            (r.path.as_str(), r.tag.as_deref(), r.digest.as_deref()),
            ("u/app", Some("1.0"), Some(d))
        );
        assert_eq!(r.to_string(), format!("u/app:1.0@{d}"));

        let r = p("u/app");
        assert_eq!((r.tag, r.registry), (None, None));
        assert!(p("u/app").is_floating() && p("u/app:latest").is_floating() && !p("u/app:0.1.0").is_floating());

        let r = p("${REGISTRY}/app:${TAG}");
        assert_eq!(r.registry.as_deref(), Some("${REGISTRY}"));
        assert_eq!((r.path.as_str(), r.tag.as_deref()), ("app", Some("${TAG}")));
        assert!(r.has_placeholder() && !r.is_official_library());
        assert!(p("wallen/pssp-app-api:${TAG}").has_placeholder());
    }

    #[test]
    fn registries_and_hub_spellings() {
        assert_eq!(p("ghcr.io/o/app:1").registry.as_deref(), Some("ghcr.io"));
        assert_eq!(p("localhost/app").registry.as_deref(), Some("localhost"));
        assert_eq!(p("user/app:1").registry, None);
        assert_eq!(p("docker.io/library/redis:7").canonical_repository(), "redis");
        assert_eq!(p("library/redis").canonical_repository(), "redis");
        assert_eq!(p("index.docker.io/u/App").canonical_repository(), "u/app");
        assert!(p("docker.io/library/python:3.9").is_official_library());
        // a port without a tag is not a tag
        let r = p("localhost:5000/app");
        assert_eq!((r.registry.as_deref(), r.tag), (Some("localhost:5000"), None));
    }

    #[test]
    fn bad_references() {
        assert!(ImageRef::parse("").is_err());
        assert!(ImageRef::parse("u/app: 1").is_err());
        assert!(ImageRef::parse("ghcr.io/").is_err());
    }
}
