//! `.release.yml`: the project's settings. Every key is optional; no file means the defaults
//! for the course layout. Unknown keys are an error naming the key and the file.

pub mod commit_types;
pub mod yaml_depth;

use crate::config::commit_types::{Section, TypeLevels, TypeSections};
use crate::config::yaml_depth::MAX_DEPTH;
use crate::error::refused;
use crate::version::Level;
use anyhow::Result;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for at the repository root.
pub const FILE_NAME: &str = ".release.yml";

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Prefix for new tags (`v` gives `v1.2.0`). Default: the one existing tags use.
    #[serde(default)]
    pub tag_prefix: Option<String>,
    /// The branch releases are cut from. Default: origin's HEAD branch, else main/master.
    #[serde(default)]
    pub branch: Option<String>,
    /// The remote that stands for GitHub.
    #[serde(default = "default_remote")]
    pub remote: String,
    /// CHANGELOG.md settings.
    #[serde(default)]
    pub changelog: ChangelogConfig,
    /// Commit types beyond Conventional Commits' own: `dx: { level: patch, section: Changed }`.
    #[serde(default)]
    pub types: BTreeMap<String, TypeRule>,
    /// The Kubernetes environment folders.
    #[serde(default)]
    pub environments: Option<Environments>,
    /// How releases treat the manifests.
    #[serde(default)]
    pub manifests: ManifestsConfig,
    /// The project's own images (default: found in the manifests).
    #[serde(default)]
    pub images: Vec<ImageConfig>,
    /// Files whose version the release sets in its commit: `pyproject.toml`,
    /// `package.json`, `Cargo.toml`, `Chart.yaml`, a `__version__` file, or
    /// `{ path, pattern }` with a regex of one group.
    #[serde(default)]
    pub version_files: Vec<VersionFile>,
    /// Other clones to compare with: `kube-2: kube-2:~/my-api` (ssh), or a local path.
    #[serde(default)]
    pub clones: BTreeMap<String, String>,
    /// How the git hooks behave, and the commands run around a release or promote.
    #[serde(default)]
    pub hooks: HooksConfig,
    /// Sign the release commit and tag (git's own `commit.gpgsign` / `tag.gpgSign` apply
    /// too; this asks for it whatever they say).
    #[serde(default)]
    pub sign: bool,
    /// Where and how `release deploy` applies the manifests.
    #[serde(default)]
    pub deploy: DeployConfig,
    /// How `release promote` writes prod.
    #[serde(default)]
    pub promote: PromoteConfig,
    /// A Helm chart's own settings.
    #[serde(default)]
    pub chart: ChartConfig,
    /// The platform every image is built for (`linux/amd64`) unless an image says otherwise;
    /// default: the engine's own.
    #[serde(default)]
    pub platform: Option<String>,
    /// The first release's version when no tag says (default: one level above the
    /// version the project's images already carry, else 0.1.0).
    #[serde(default)]
    pub initial_version: Option<String>,
    /// What `release check` findings a release may go on with.
    #[serde(default)]
    pub check: CheckConfig,
}

/// `check:` in .release.yml.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Rules (`name-shared`, `host-shared`, ...) whose errors do not block a release; the
    /// plan lists what was allowed.
    #[serde(default)]
    pub allow: Vec<String>,
}

/// `hooks:` in .release.yml, split by who reads it: the git hooks and the release's own
/// commands share the section but nothing else.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(from = "HooksSection")]
pub struct HooksConfig {
    pub git: GitHooksConfig,
    pub release: ReleaseHooksConfig,
}

/// How the git hooks (`release hooks install`) behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHooksConfig {
    /// Warnings block the commit / push.
    pub strict: bool,
    /// pre-commit starts a background `git fetch` when the last one is older (minutes).
    pub fetch_after_minutes: u64,
}

impl Default for GitHooksConfig {
    fn default() -> Self {
        GitHooksConfig {
            strict: false,
            fetch_after_minutes: default_fetch_after(),
        }
    }
}

/// Commands (`sh -c`, in the repository root) run around a release or promote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseHooksConfig {
    /// Run before a release changes anything; one that fails stops it.
    /// `RELEASE_VERSION`, `RELEASE_TAG`, `RELEASE_PREVIOUS` are set.
    pub pre_release: Vec<String>,
    /// Run after a release was pushed; a failure is reported, the release stands.
    pub post_release: Vec<String>,
    /// Like `pre_release`, for `release promote`.
    pub pre_promote: Vec<String>,
    /// Like `post_release`, for `release promote`.
    pub post_promote: Vec<String>,
}

/// The `hooks:` section as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HooksSection {
    #[serde(default)]
    strict: bool,
    #[serde(default = "default_fetch_after")]
    fetch_after_minutes: u64,
    #[serde(default)]
    pre_release: Vec<String>,
    #[serde(default)]
    post_release: Vec<String>,
    #[serde(default)]
    pre_promote: Vec<String>,
    #[serde(default)]
    post_promote: Vec<String>,
}

impl From<HooksSection> for HooksConfig {
    fn from(h: HooksSection) -> Self {
        HooksConfig {
            git: GitHooksConfig {
                strict: h.strict,
                fetch_after_minutes: h.fetch_after_minutes,
            },
            release: ReleaseHooksConfig {
                pre_release: h.pre_release,
                post_release: h.post_release,
                pre_promote: h.pre_promote,
                post_promote: h.post_promote,
            },
        }
    }
}

fn default_fetch_after() -> u64 {
    60
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Environments {
    /// Patched by every release.
    #[serde(default = "default_test")]
    pub test: PathBuf,
    /// Set by `release promote`.
    #[serde(default = "default_prod")]
    pub prod: PathBuf,
}

impl Default for Environments {
    fn default() -> Self {
        Environments {
            test: default_test(),
            prod: default_prod(),
        }
    }
}

fn default_test() -> PathBuf {
    PathBuf::from("kubernetes/test")
}

fn default_prod() -> PathBuf {
    PathBuf::from("kubernetes/prod")
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ManifestsConfig {
    /// Set the test images to each new version (false: leave kubernetes/ alone).
    #[serde(default = "yes")]
    pub patch: bool,
    /// Turn `app:latest` / untagged project images into the version (the default now;
    /// kept for older configs).
    #[serde(default)]
    pub replace_floating: bool,
    /// Refuse a project image on a floating tag (`latest`, `dev`) in test instead of
    /// pinning it to the new version.
    #[serde(default)]
    pub keep_floating: bool,
    /// How one repository's component tags carry the version: `{component}-{version}`
    /// gives `u/app:api-0.2.0`.
    #[serde(default = "default_component_tag")]
    pub component_tag: String,
    /// The form of every new image tag: `v{version}` gives `v1.2.0` whatever the git tag
    /// says. By default a new tag takes the form of the one it replaces.
    #[serde(default)]
    pub image_tag: Option<String>,
}

fn default_component_tag() -> String {
    "{component}-{version}".to_string()
}

impl Default for ManifestsConfig {
    fn default() -> Self {
        ManifestsConfig {
            patch: true,
            replace_floating: false,
            keep_floating: false,
            component_tag: default_component_tag(),
            image_tag: None,
        }
    }
}

/// One of the project's images.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ImageConfig {
    /// `user/my-api`, `localhost:5000/user/my-api`.
    pub repository: String,
    /// The Dockerfile, relative to the repository root (default: found by role).
    #[serde(default)]
    pub dockerfile: Option<PathBuf>,
    /// The build context, relative to the repository root (default: the root).
    #[serde(default)]
    pub context: Option<PathBuf>,
    /// `--build-arg` values.
    #[serde(default)]
    pub build_args: BTreeMap<String, String>,
    /// The platform to build for (`linux/amd64`); default: the top-level `platform:`.
    #[serde(default)]
    pub platform: Option<String>,
    /// One repository for several components: this image's tags are `<component>-<version>`
    /// (`u/app:api-0.2.0`). Default: found from tags such as `u/app:api` and `u/app:wrk`.
    #[serde(default)]
    pub component: Option<String>,
}

/// `deploy:` in .release.yml.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DeployConfig {
    /// The clone (a name under `clones:`) whose machine reaches the cluster; kubectl runs
    /// there over ssh. Default: here, when a cluster answers here.
    #[serde(default)]
    pub via: Option<String>,
    /// The kubeconfig file (on the machine that applies); default: kubectl's own (KUBECONFIG).
    #[serde(default)]
    pub kubeconfig: Option<String>,
    /// The kubeconfig context; default: its current one.
    #[serde(default)]
    pub context: Option<String>,
    /// The namespace to apply into; default: the context's.
    #[serde(default)]
    pub namespace: Option<String>,
    /// How long each rollout may take (seconds); default 120.
    #[serde(default)]
    pub timeout: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ChangelogConfig {
    /// Write a section into the changelog with every release.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The file, relative to the repository root.
    #[serde(default = "default_changelog")]
    pub path: PathBuf,
}

impl Default for ChangelogConfig {
    fn default() -> Self {
        ChangelogConfig {
            enabled: true,
            path: default_changelog(),
        }
    }
}

/// What a configured commit type means.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TypeRule {
    /// The release level it calls for (`patch`, `minor`, `major`); none: not releasable.
    #[serde(default)]
    pub level: Option<Level>,
    /// The changelog section (`Added`, `Changed`, `Deprecated`, `Removed`, `Fixed`, `Security`).
    #[serde(default)]
    pub section: Option<Section>,
}

fn yes() -> bool {
    true
}

fn default_changelog() -> PathBuf {
    PathBuf::from("CHANGELOG.md")
}

fn default_remote() -> String {
    "origin".to_string()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tag_prefix: None,
            branch: None,
            remote: default_remote(),
            changelog: ChangelogConfig::default(),
            types: BTreeMap::new(),
            environments: None,
            manifests: ManifestsConfig::default(),
            images: Vec::new(),
            version_files: Vec::new(),
            promote: PromoteConfig::default(),
            chart: ChartConfig::default(),
            clones: BTreeMap::new(),
            hooks: HooksConfig::default(),
            sign: false,
            platform: None,
            deploy: DeployConfig::default(),
            initial_version: None,
            check: CheckConfig::default(),
        }
    }
}

/// A config file named on the command line (`--config`), which wins over
/// `RELEASE_CONFIG` and `<root>/.release.yml`.
static CHOSEN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// `promote:` in .release.yml.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PromoteConfig {
    /// Pin prod's images to the registry's digest of the tag test runs.
    #[serde(default)]
    pub pin_digest: bool,
}

/// `chart:` in .release.yml.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartConfig {
    /// Each release also bumps `Chart.yaml`'s `version` by the release's level.
    #[serde(default)]
    pub bump_version: bool,
}

/// One entry of `version_files:`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum VersionFile {
    /// A file of a kind the release knows, by its name.
    Path(PathBuf),
    /// Any file: the version is the one group of `pattern`.
    Pattern { path: PathBuf, pattern: String },
}

impl VersionFile {
    pub fn path(&self) -> &Path {
        match self {
            VersionFile::Path(p) | VersionFile::Pattern { path: p, .. } => p,
        }
    }
}

/// Uses `path` for every config read of this run (`--config PATH`).
pub fn use_file(path: PathBuf) {
    let _ = CHOSEN.set(path);
}

impl Config {
    /// Reads the config: `--config PATH`, else `RELEASE_CONFIG`, else `<root>/.release.yml`
    /// (the defaults when that does not exist; a named file must exist).
    pub fn load(root: &Path) -> Result<Config> {
        let named = CHOSEN.get().cloned().or_else(|| {
            std::env::var_os("RELEASE_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        if let Some(path) = named {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                refused(format!(
                    "{}: cannot read the config named by --config / RELEASE_CONFIG: {e}",
                    path.display()
                ))
            })?;
            return Config::parse(&text, &path);
        }
        let path = root.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(refused(format!("{}: cannot read it: {e}", path.display()))),
        }
    }

    /// Parses the text of a config file; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        if let Some(line) = crate::config::yaml_depth::too_deep(text, MAX_DEPTH) {
            return Err(refused(format!(
                "{}:{line}: nested more than {MAX_DEPTH} levels deep: this file is not a release config; fix or remove it",
                path.display()
            )));
        }
        let cfg: Config = serde_yaml::from_str(text).map_err(|e| {
            refused(format!(
                "{}: {e}\n  fix the file (see `release --help` for the keys it takes), or remove it to use the defaults",
                path.display()
            ))
        })?;
        for name in cfg.clones.keys() {
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(refused(format!(
                    "{}: clones: `{name}` is not a usable clone name: use letters, digits and `-` (e.g. kube-2)",
                    path.display()
                )));
            }
        }
        if let Some(p) = &cfg.tag_prefix
            && p.chars().any(|c| c.is_whitespace() || c == '~' || c == '^' || c == ':')
        {
            return Err(refused(format!(
                "{}: tag_prefix `{p}` cannot be part of a git tag name",
                path.display()
            )));
        }
        if let Some(v) = &cfg.initial_version
            && semver::Version::parse(v.trim_start_matches('v')).is_err()
        {
            return Err(refused(format!(
                "{}: initial_version `{v}` is not a semantic version: write MAJOR.MINOR.PATCH, e.g. 1.0.0",
                path.display()
            )));
        }
        if let Err(e) = crate::version::ComponentTag::new(&cfg.manifests.component_tag) {
            return Err(refused(format!("{}: manifests: {e:#}", path.display())));
        }
        if let Some(form) = &cfg.manifests.image_tag
            && (!form.contains("{version}") || form.replace("{version}", "1.0.0").contains(['{', '}', ':', '@', ' ']))
        {
            return Err(refused(format!(
                "{}: manifests: image_tag `{form}` must hold `{{version}}` and nothing an image tag cannot (e.g. `v{{version}}`)",
                path.display()
            )));
        }
        for vf in &cfg.version_files {
            if !crate::fs::stays_inside(vf.path()) {
                return Err(refused(format!(
                    "{}: version_files: {} is outside the repository",
                    path.display(),
                    vf.path().display()
                )));
            }
            if let VersionFile::Pattern { pattern, .. } = vf {
                let groups = regex::Regex::new(pattern).map(|r| r.captures_len() - 1);
                if groups.as_ref().map_or(true, |n| *n != 1) {
                    return Err(refused(format!(
                        "{}: version_files: the pattern `{pattern}` must be a regex with exactly one group, the version (e.g. `VERSION=(\\S+)`)",
                        path.display()
                    )));
                }
            }
        }
        cfg.check_names_and_paths(path)?;
        Ok(cfg)
    }

    /// Names that would become git options, and paths that leave the repository, are
    /// refused before anything reads or writes them.
    fn check_names_and_paths(&self, file: &Path) -> Result<()> {
        let names = [("remote", Some(&self.remote)), ("branch", self.branch.as_ref())];
        for (key, v) in names {
            if let Some(v) = v
                && (v.starts_with('-') || v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()))
            {
                return Err(refused(format!(
                    "{}: {key}: `{v}` is not a usable {key} name (it must not start with `-` or hold spaces)",
                    file.display()
                )));
            }
        }
        let mut paths: Vec<(&str, &Path)> = vec![("changelog.path", &self.changelog.path)];
        if let Some(e) = &self.environments {
            paths.extend([
                ("environments.test", e.test.as_path()),
                ("environments.prod", e.prod.as_path()),
            ]);
        }
        for i in &self.images {
            paths.extend(i.dockerfile.as_deref().map(|d| ("images.dockerfile", d)));
            paths.extend(i.context.as_deref().map(|c| ("images.context", c)));
        }
        for (key, p) in paths {
            if !crate::fs::stays_inside(p) {
                return Err(refused(format!(
                    "{}: {key}: `{}` is outside the repository: give a path relative to the repository root, without `..`",
                    file.display(),
                    p.display()
                )));
            }
        }
        if let Some(e) = &self.environments
            && e.test == e.prod
        {
            return Err(refused(format!(
                "{}: environments: test and prod are the same folder ({}): give each its own",
                file.display(),
                e.test.display()
            )));
        }
        Ok(())
    }
}

impl Config {
    /// Extra types that call for a release level.
    pub fn type_levels(&self) -> TypeLevels {
        self.types
            .iter()
            .filter_map(|(k, r)| r.level.map(|l| (k.clone(), l)))
            .collect()
    }

    /// Extra types with their changelog section.
    pub fn type_sections(&self) -> TypeSections {
        self.types
            .iter()
            .filter_map(|(k, r)| r.section.map(|s| (k.clone(), s)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Config> {
        Config::parse(t, Path::new("/r/.release.yml"))
    }

    #[test]
    fn image_tag_must_hold_the_version() {
        assert!(parse("manifests:\n  image_tag: \"v{version}\"\n").is_ok());
        for bad in ["v1", "{version}:x", "{ver}"] {
            assert!(
                parse(&format!("manifests:\n  image_tag: \"{bad}\"\n")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn empty_and_full() {
        assert_eq!(parse("").unwrap(), Config::default());
        assert_eq!(parse("# only a comment\n").unwrap(), Config::default());
        let c = parse(
            "tag_prefix: v\nbranch: trunk\nremote: github\nchangelog:\n  path: docs/CHANGES.md\ntypes:\n  dx: { level: patch, section: Changed }\n  wip: {}\n",
        )
        .unwrap();
        assert_eq!(c.changelog.path, PathBuf::from("docs/CHANGES.md"));
        assert!(c.changelog.enabled);
        assert_eq!(c.type_levels().get("dx"), Some(&Level::Patch));
        assert_eq!(c.type_sections().get("dx"), Some(&Section::Changed));
        assert!(!c.type_levels().contains_key("wip"));
        assert!(parse("types:\n  dx: { level: huge }\n").is_err());
        let e = parse("clones:\n  kube 2: kube-2:~/app\n").unwrap_err().to_string();
        assert!(e.contains("`kube 2` is not a usable clone name"), "{e}");
        assert_eq!(c.tag_prefix.as_deref(), Some("v"));
        assert_eq!(c.branch.as_deref(), Some("trunk"));
        assert_eq!(c.remote, "github");
    }

    #[test]
    fn names_and_paths_that_escape_are_refused() {
        for bad in [
            "remote: \"--upload-pack=touch /tmp/x\"\n",
            "branch: -x\n",
            "changelog:\n  path: ../../x\n",
            "environments:\n  test: /etc\n",
            "environments:\n  test: k/t\n  prod: k/t\n",
            "images:\n  - repository: u/a\n    context: ../..\n",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("changelog:\n  path: docs/../CHANGES.md\n").is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_at_once() {
        let deep = format!("types: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let t = std::time::Instant::now();
        let e = parse(&deep).unwrap_err().to_string();
        assert!(e.contains("nested more than 64"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let e = parse("tag_prefx: v\n").unwrap_err().to_string();
        assert!(e.contains("/r/.release.yml"), "{e}");
        assert!(e.contains("tag_prefx"), "{e}");
    }

    #[test]
    fn malformed_yaml_names_the_line() {
        let e = parse("branch: main\nremote: [unclosed\n").unwrap_err().to_string();
        assert!(e.contains("/r/.release.yml") && e.contains("line"), "{e}");
        assert!(parse("tag_prefix: 'a b'\n").is_err());
    }
}
