//! Docker images: which to build (discover), the build context (.dockerignore + a tar
//! stream), registry credentials, and building and pushing through bollard.

pub mod context;
pub mod credentials;
pub mod discover;
pub mod dockerfile;
pub mod dockerignore;
pub mod engine;
pub mod run;

use crate::config::Config;
use crate::manifests::Layout;
use crate::manifests::imageref::ImageRef;
use crate::release::plan::{Context as PlanContext, Contribution, Step};
use crate::release::preflight::Problem;
use discover::{ImageSpec, Used};
use std::path::{Path, PathBuf};

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

/// Dockerfiles where the course layouts keep them: the root, `docker/`, `Docker/`.
pub fn find_dockerfiles(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["", "docker", "Docker", "dockerfiles"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| {
                (n.starts_with("Dockerfile") || n.ends_with(".Dockerfile") || n.ends_with(".dockerfile"))
                    && !n.ends_with(".dockerignore")
            })
            .collect();
        names.sort();
        out.extend(names.into_iter().map(|n| Path::new(dir).join(n)));
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
    layout
        .project_refs(env)
        .map(|p| Used {
            repository: p.image.repository(),
            role: p.object.role,
            at: format!("{}:{}", p.object.file.display(), p.line),
        })
        .collect()
}

/// Which images this project builds, and where each mapping came from.
pub fn specs(root: &Path, config: &Config) -> Result<Vec<ImageSpec>, String> {
    let layout = Layout::load(root, config).map_err(|e| format!("{e:#}"))?;
    discover::map(&find_dockerfiles(root), &used_repositories(&layout), &config.images)
}

/// The release plan's contribution: build and push steps after the tag, and the checks
/// that must pass before anything changes.
pub fn contribute(ctx: &PlanContext) -> anyhow::Result<Contribution> {
    let mut c = Contribution::default();
    let facts = ctx.facts;
    let root = &facts.repo.root;
    if ctx.options.skip_images {
        c.notices
            .push("images: skipped (--skip-images); only git is released".into());
        return Ok(c);
    }
    let specs = match specs(root, &facts.config) {
        Ok(s) => s,
        Err(e) => {
            c.problems.push(Problem {
                what: format!("which images to build is unclear: {e}"),
                fix: String::new(),
            });
            return Ok(c);
        }
    };
    if specs.is_empty() {
        c.notices
            .push("images: no Dockerfile found (docker/Dockerfile.*, Dockerfile): nothing to build".into());
        return Ok(c);
    }
    let mut jobs = Vec::new();
    for s in &specs {
        let df = root.join(&s.dockerfile);
        if !df.is_file() {
            c.problems.push(Problem {
                what: format!(
                    "{} does not exist (the Dockerfile for {})",
                    s.dockerfile.display(),
                    s.repository
                ),
                fix: "fix `dockerfile:` under images: in .release.yml".into(),
            });
            continue;
        }
        let scanned = context::scan(&root.join(&s.context), &df);
        let (bytes, notes) = match scanned {
            Ok(cx) => (cx.bytes, cx.notices),
            Err(e) => {
                c.problems.push(Problem {
                    what: format!("build context of {}: {e:#}", s.repository),
                    fix: String::new(),
                });
                continue;
            }
        };
        c.notices
            .extend(notes.into_iter().map(|n| format!("{}: {n}", s.repository)));
        let r = ImageRef::parse(&s.repository).map_err(anyhow::Error::msg)?;
        let image = format!("{}:{}", s.repository, ctx.tag);
        jobs.push(ImageJob {
            log: run::log_path(facts.repo.repo.path(), &ctx.next.to_string(), &image),
            repository: s.repository.clone(),
            tag: ctx.tag.to_string(),
            dockerfile: s.dockerfile.clone(),
            context: s.context.clone(),
            context_bytes: bytes,
            sent_bytes: bytes,
            build_args: s.build_args.clone(),
            registry: credentials::registry_host(&r),
            reuse: None,
        });
    }
    if !c.problems.is_empty() {
        return Ok(c);
    }
    let revision = facts.head.to_string();
    let version = ctx.next.to_string();
    let checked = engine::block_on(async {
        let engine = match engine::Engine::connect().await {
            Ok(e) => e,
            Err(e) => return Err(vec![e]),
        };
        let mut errs = Vec::new();
        for j in jobs.iter_mut() {
            let df = root.join(&j.dockerfile);
            if let Ok(text) = std::fs::read_to_string(&df)
                && let Some(only) = engine.context_filter(&text).await
                && let Ok(cx) = context::scan_only(&root.join(&j.context), &df, Some(&only))
                && cx.pruned
            {
                j.sent_bytes = cx.bytes;
            }
            let creds = match credentials::lookup(&j.registry) {
                Ok(c) => c,
                Err(e) => {
                    errs.push(e);
                    continue;
                }
            };
            match engine.registry_digest(&j.image(), &j.registry, creds.as_ref()).await {
                Ok(None) => {}
                Ok(Some(digest)) => {
                    let (labels, digests) = engine.local_image(&j.image()).await;
                    let ours = labels.get(LABEL_REVISION) == Some(&revision) && labels.get(LABEL_VERSION) == Some(&version);
                    let same = ours && digests.iter().any(|d| d.ends_with(&digest));
                    if same {
                        j.reuse = Some(format!("already in {} from this commit ({digest}): not built or pushed again", j.registry));
                    } else {
                        errs.push(format!(
                            "{} already exists in {} and was not built from this commit ({}): a tag is never reused; release a higher version",
                            j.image(),
                            j.registry,
                            labels.get(LABEL_REVISION).map(|r| format!("it says revision {}", &r[..r.len().min(12)])).unwrap_or_else(|| "its origin is unknown here".into())
                        ));
                    }
                }
                Err(e) => errs.push(e),
            }
        }
        if errs.is_empty() { Ok(engine.endpoint) } else { Err(errs) }
    })
    .map_err(anyhow::Error::msg)?;
    match checked {
        Ok(endpoint) => {
            for j in &jobs {
                if let Some(r) = &j.reuse {
                    c.notices.push(format!("{}: {r}", j.image()));
                }
            }
            let preview = jobs
                .iter()
                .map(|j| {
                    let sent = if j.sent_bytes < j.context_bytes {
                        format!("; sends {}, only what COPY/ADD read", human_bytes(j.sent_bytes))
                    } else {
                        String::new()
                    };
                    format!(
                        "{}  <- {} (context {}, {}{sent})",
                        j.image(),
                        j.dockerfile.display(),
                        j.context.display(),
                        human_bytes(j.context_bytes)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            c.after_tag.push(Step::BuildImages {
                jobs: jobs.clone(),
                revision,
                version,
                endpoint,
                preview,
            });
            c.after_tag.push(Step::PushImages { jobs });
        }
        Err(errs) => {
            for e in errs {
                c.problems.push(Problem {
                    what: e,
                    fix: String::new(),
                });
            }
        }
    }
    Ok(c)
}

/// `12.3 MiB`
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `release images`: the mapping and where each part came from.
pub fn show(dir: &Path) -> anyhow::Result<()> {
    let repo = crate::git::open(dir)?;
    let config = Config::load(&repo.root)?;
    let specs = specs(&repo.root, &config).map_err(crate::error::refused)?;
    if specs.is_empty() {
        println!("no Dockerfile found (docker/Dockerfile.*, Dockerfile): a release builds no image");
    }
    for s in specs {
        let r = ImageRef::parse(&s.repository).map_err(anyhow::Error::msg)?;
        let size = context::scan(&repo.root.join(&s.context), &repo.root.join(&s.dockerfile))
            .map(|c| human_bytes(c.bytes))
            .unwrap_or_else(|e| format!("{e:#}"));
        println!("{}", s.repository);
        println!("    dockerfile: {}", s.dockerfile.display());
        println!("    context:    {} ({size})", s.context.display());
        println!("    registry:   {}", credentials::registry_host(&r));
        for (k, v) in &s.build_args {
            println!("    build arg:  {k}={v}");
        }
        println!("    found by:   {}", s.source);
    }
    Ok(())
}
