//! Docker images: which to build (discover), the build context (.dockerignore + a tar
//! stream), registry credentials, and building and pushing through bollard.

pub mod build_context;
pub mod credentials;
pub mod discover;
pub mod dockerfile;
pub mod dockerignore;
pub mod endpoint;
pub mod engine;
pub mod evidence;
pub mod plan;
pub mod registry;
pub mod run;
pub mod steps;

use crate::config::Config;
use crate::manifests::Layout;
use discover::{ImageSpec, Used};
use std::path::{Path, PathBuf};

pub use plan::contribute;

/// The release's switch for git only: no images are built or pushed (`--skip-images`).
pub const SKIP: &str = "skip_images";

/// Whether this run builds and pushes no images.
pub fn skipped(opts: &crate::transaction::Options) -> bool {
    opts.flag(SKIP)
}

/// Labels that tie an image to the commit and version it was built for.
pub const LABEL_REVISION: &str = "org.opencontainers.image.revision";
pub const LABEL_VERSION: &str = "org.opencontainers.image.version";

/// One image of a release, as the plan carries it.
#[derive(Debug, Clone)]
pub struct ImageJob {
    pub repository: String,
    pub tag: String,
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub context_bytes: u64,
    /// What is sent: only the Dockerfile's COPY/ADD sources when that is known for sure.
    pub sent_bytes: u64,
    pub build_args: std::collections::BTreeMap<String, String>,
    /// `linux/amd64`; `None`: the engine's own platform.
    pub platform: Option<String>,
    pub registry: String,
    /// Set when the registry already has this exact build (same commit): neither built nor pushed.
    pub reuse: Option<String>,
    /// The build and push log, `.git/release/logs/<version>/<image>.log` (one place for both).
    pub log: PathBuf,
}

impl ImageJob {
    pub fn image(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }
}

/// Whether a file name is a Dockerfile (`Dockerfile`, `dockerfile`, `Dockerfile.api`,
/// `Dockerfile_api`, `api.Dockerfile`; not `.dockerignore`).
fn is_dockerfile(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("dockerfile") || n.ends_with(".dockerfile")) && !n.ends_with(".dockerignore")
}

/// Dockerfiles where projects keep them: the root, `docker/`, `Docker/`, `dockerfiles/`,
/// `docker-src/`, and component folders (`api/Dockerfile`, `src/worker/Dockerfile`).
pub fn find_dockerfiles(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = discover::DOCKER_DIRS.iter().map(PathBuf::from).collect();
    for parent in ["", "src"] {
        let Ok(rd) = std::fs::read_dir(root.join(parent)) else {
            continue;
        };
        let mut comps: Vec<PathBuf> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !n.starts_with('.') && !["target", "node_modules", "kubernetes"].contains(&n.as_str()))
            .map(|n| Path::new(parent).join(n))
            .filter(|p| !dirs.contains(p))
            .collect();
        comps.sort();
        dirs.extend(comps);
    }
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(rd) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| is_dockerfile(n))
            .collect();
        names.sort();
        out.extend(names.into_iter().map(|n| dir.join(n)));
    }
    out
}

/// The project's repositories a release builds: those kubernetes/test uses (a release sets
/// test's tags), or prod's when there is no test; with the role of the object using it.
pub fn used_repositories(layout: &Layout) -> Vec<Used> {
    let from_test = collect_used(layout, &layout.test);
    if from_test.is_empty() {
        collect_used(layout, &layout.prod)
    } else {
        from_test
    }
}

fn collect_used(layout: &Layout, env: &crate::manifests::model::Env) -> Vec<Used> {
    let schemes = crate::manifests::patch::Schemes::of(env.objects(), &layout.project);
    layout
        .project_refs(env)
        .map(|p| Used {
            component: match schemes.kind(&p.image) {
                crate::manifests::imageref::TagKind::Component(c) => Some(c),
                _ => None,
            },
            repository: p.image.repository(),
            role: p.object.role,
            at: format!("{}:{}", p.object.file.display(), p.line),
            file: p.object.file.to_path_buf(),
        })
        .collect()
}

/// Which images this project builds, and where each mapping came from.
pub fn specs(root: &Path, config: &Config) -> anyhow::Result<Vec<ImageSpec>> {
    specs_in(root, config, &Layout::load_to_read(root, config)?)
}

/// [`specs`] with the manifests already read.
pub fn specs_in(root: &Path, config: &Config, layout: &Layout) -> anyhow::Result<Vec<ImageSpec>> {
    let evidence = evidence::gather(root);
    let used = used_repositories(layout);
    let mut specs = discover::map(&find_dockerfiles(root), &used, &config.images, &evidence)?;
    for s in specs
        .iter_mut()
        .filter(|s| s.context == Path::new(".") && s.source != discover::FROM_CONFIG)
    {
        if let Some(dir) = context_of(root, &s.dockerfile) {
            s.source = format!("{} (context {}: its COPY sources are there)", s.source, dir.display());
            s.context = dir;
        }
    }
    Ok(specs)
}

/// The folder a Dockerfile's literal COPY/ADD sources are in, when that is its own folder
/// and not the repository root (`finalpractice/Dockerfile.api` with `COPY ./source /app`,
/// where only `finalpractice/source` exists). `None`: the root is right, or cannot tell.
fn context_of(root: &Path, dockerfile: &Path) -> Option<PathBuf> {
    let dir = dockerfile.parent().filter(|d| !d.as_os_str().is_empty())?;
    let text = std::fs::read_to_string(root.join(dockerfile)).ok()?;
    let sources = dockerfile::needs(&text).sources?;
    let literal: Vec<&String> = sources.iter().filter(|s| !s.contains(['*', '?', '['])).collect();
    let all_in = |base: &Path| !literal.is_empty() && literal.iter().all(|s| base.join(s).exists());
    (!all_in(root) && all_in(&root.join(dir))).then(|| dir.to_path_buf())
}
