//! What images add to a release plan: one job per image (Dockerfile, context, registry),
//! the checks that must pass before anything changes (engine answers, credentials, the
//! tag is new or is this commit's own build), and the build and push steps after the tag.

use super::engine::{Engine, block_on};
use super::steps::ShipImages;
use super::{ImageJob, LABEL_REVISION, LABEL_VERSION, build_context, credentials, run};
use crate::manifests::imageref::ImageRef;
use crate::project::problem::Problem;
use crate::project::{Brief, Contribution};
use crate::ui::human_bytes;
use anyhow::Result;
use std::path::Path;

const CONFIG_FIX: &str =
    "set `images:` in .release.yml (repository, dockerfile, context), or release git only with --skip-images";

/// The release plan's contribution: build and push steps after the tag, and the checks
/// that must pass before anything changes.
pub fn contribute(ctx: &Brief) -> Result<Contribution> {
    if super::skipped(ctx.options) {
        return contribute_in(ctx, None);
    }
    let layout = crate::manifests::Layout::load_to_read(&ctx.facts.repo.root, &ctx.facts.config)?;
    contribute_in(ctx, Some(&layout))
}

/// [`contribute`] with the manifests already read (`None` only with `--skip-images`).
pub fn contribute_in(ctx: &Brief, layout: Option<&crate::manifests::Layout>) -> Result<Contribution> {
    let (false, Some(layout)) = (super::skipped(ctx.options), layout) else {
        return Ok(Contribution::notice(
            "images: skipped (--skip-images); only git is released",
        ));
    };
    let root = &ctx.facts.repo.root;
    let specs = match super::specs_in(root, &ctx.facts.config, layout) {
        Ok(s) => s,
        Err(e) => {
            let mut c = Contribution::default();
            c.problems.push(Problem::new(
                format!("which images to build is unclear: {e:#}"),
                CONFIG_FIX,
            ));
            return Ok(c);
        }
    };
    if specs.is_empty() {
        return Ok(Contribution::notice(
            "images: no Dockerfile found (docker/Dockerfile.*, Dockerfile): nothing to build",
        ));
    }
    let mut c = Contribution::default();
    for d in super::find_dockerfiles(root)
        .iter()
        .filter(|d| !specs.iter().any(|s| &s.dockerfile == *d))
    {
        c.notices
            .push(format!("images: {} is used by no manifest: not built", d.display()));
    }
    let mut jobs = jobs(ctx, &specs, &mut c)?;
    if !c.problems.is_empty() {
        return Ok(c);
    }
    let revision = ctx.revision.to_string();
    let version = ctx.next.to_string();
    match check_all(root, &mut jobs, &revision, &version) {
        Ok((endpoint, arch)) => {
            c.notices.extend(platform_warning(&arch, &jobs));
            for j in &jobs {
                if let Some(r) = &j.reuse {
                    c.notices.push(format!("{}: {r}", j.image()));
                }
            }
            c.after_tag.push(Box::new(ShipImages {
                preview: preview(&jobs),
                jobs,
                revision,
                version,
                endpoint,
                push: !ctx.options.no_push,
            }));
        }
        Err(problems) => {
            // Listed so a dry run shows the whole plan; the problems stop it from running.
            c.problems.extend(problems);
            c.after_tag.push(Box::new(ShipImages {
                preview: preview(&jobs),
                jobs,
                revision,
                version,
                endpoint: String::new(),
                push: !ctx.options.no_push,
            }));
        }
    }
    Ok(c)
}

/// One job per spec whose Dockerfile and context can be read; the rest are problems.
fn jobs(ctx: &Brief, specs: &[super::discover::ImageSpec], c: &mut Contribution) -> Result<Vec<ImageJob>> {
    let root = &ctx.facts.repo.root;
    let mut jobs = Vec::new();
    for s in specs {
        let df = root.join(&s.dockerfile);
        if !df.is_file() {
            c.problems.push(
                Problem::new(
                    format!("the Dockerfile for {} does not exist", s.repository),
                    "fix `dockerfile:` under images: in .release.yml",
                )
                .at_place(s.dockerfile.display().to_string()),
            );
            continue;
        }
        let bytes = match build_context::scan(&root.join(&s.context), &df) {
            Ok(cx) => {
                let notes = cx.notices.into_iter().map(|n| format!("{}: {n}", s.repository));
                c.notices.extend(notes);
                cx.bytes
            }
            Err(e) => {
                c.problems.push(
                    Problem::new(
                        format!("build context of {}: {e:#}", s.repository),
                        "fix the context folder or its .dockerignore (see the message), or set `context:` under images:",
                    )
                    .at_place(s.context.display().to_string()),
                );
                continue;
            }
        };
        let image = format!("{}:{}", s.repository, s.tag_for(ctx.tag));
        jobs.push(ImageJob {
            log: run::log_path(ctx.facts.repo.git_dir(), &ctx.next.to_string(), &image),
            repository: s.repository.clone(),
            tag: s.tag_for(ctx.tag),
            dockerfile: s.dockerfile.clone(),
            context: s.context.clone(),
            context_bytes: bytes,
            sent_bytes: bytes,
            build_args: s.build_args.clone(),
            platform: s.platform.clone().or_else(|| ctx.facts.config.platform.clone()),
            registry: credentials::registry_host(&ImageRef::parse(&s.repository)?),
            reuse: None,
        });
    }
    Ok(jobs)
}

/// Asks the engine about every job at once; the engine's endpoint, or every problem.
fn check_all(
    root: &Path,
    jobs: &mut [ImageJob],
    revision: &str,
    version: &str,
) -> Result<(String, String), Vec<Problem>> {
    let engine_fix = "start the Docker engine (or set DOCKER_HOST), or release git only with --skip-images";
    let checked = block_on(async {
        let engine = Engine::connect()
            .await
            .map_err(|e| vec![Problem::new(format!("{e:#}"), engine_fix)])?;
        let mut problems = Vec::new();
        for j in jobs.iter_mut() {
            if let Err(p) = check_job(&engine, root, j, revision, version).await {
                problems.push(p);
            }
        }
        // One unreachable registry is said once, not once per image.
        problems.dedup_by(|a, b| a.what == b.what);
        if problems.is_empty() {
            Ok((engine.endpoint, engine.arch))
        } else {
            Err(problems)
        }
    });
    checked.unwrap_or_else(|e| Err(vec![Problem::new(format!("{e:#}"), engine_fix)]))
}

/// What one image sends, and whether its tag is free (or is this commit's own build).
async fn check_job(
    engine: &Engine,
    root: &Path,
    j: &mut ImageJob,
    revision: &str,
    version: &str,
) -> Result<(), Problem> {
    let df = root.join(&j.dockerfile);
    if let Ok(text) = std::fs::read_to_string(&df)
        && let Some(only) = engine.context_filter(&text).await
        && let Ok(cx) = build_context::scan_only(&root.join(&j.context), &df, Some(&only))
        && cx.pruned
    {
        j.sent_bytes = cx.bytes;
    }
    let digest = super::registry::tag_digest(engine, &j.image(), &j.registry).await?;
    let Some(digest) = digest else { return Ok(()) };
    let (labels, digests) = engine.local_image(&j.image()).await;
    let ours = labels.get(LABEL_REVISION).map(String::as_str) == Some(revision)
        && labels.get(LABEL_VERSION).map(String::as_str) == Some(version);
    if ours && digests.iter().any(|d| d.ends_with(&digest)) {
        j.reuse = Some(format!(
            "already in {} from this commit ({digest}): not built or pushed again",
            j.registry
        ));
        return Ok(());
    }
    let origin = labels
        .get(LABEL_REVISION)
        .map(|r| format!("it says revision {}", &r[..r.len().min(12)]))
        .unwrap_or_else(|| "its origin is unknown here".into());
    Err(Problem::new(
        format!(
            "{} already exists in {} and was not built from this commit ({origin}): a tag is never reused",
            j.image(),
            j.registry
        ),
        "release a higher version (release patch)",
    ))
}

/// Images built on an engine that is not amd64 with no platform set run only on nodes of
/// that architecture; most clusters are amd64.
pub fn platform_warning(engine_arch: &str, jobs: &[ImageJob]) -> Option<String> {
    let unset: Vec<String> = jobs
        .iter()
        .filter(|j| j.platform.is_none())
        .map(ImageJob::image)
        .collect();
    (!engine_arch.is_empty() && engine_arch != "amd64" && !unset.is_empty()).then(|| {
        format!(
            "the engine builds for linux/{engine_arch}, so {} will run only on {engine_arch} nodes: if the cluster runs amd64, set `platform: linux/amd64` in .release.yml",
            unset.join(", ")
        )
    })
}

/// One line per image: what is built from where, and how much is sent.
fn preview(jobs: &[ImageJob]) -> String {
    jobs.iter()
        .map(|j| {
            let sent = if j.sent_bytes < j.context_bytes {
                format!("; sends {}, only what COPY/ADD read", human_bytes(j.sent_bytes))
            } else {
                String::new()
            };
            let platform = j.platform.as_deref().map_or(String::new(), |p| format!(", for {p}"));
            format!(
                "{}  <- {} (context {}, {}{sent}{platform})",
                j.image(),
                j.dockerfile.display(),
                j.context.display(),
                human_bytes(j.context_bytes)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(platform: Option<&str>) -> ImageJob {
        ImageJob {
            repository: "u/api".into(),
            tag: "1.0.0".into(),
            dockerfile: "Dockerfile".into(),
            context: ".".into(),
            context_bytes: 0,
            sent_bytes: 0,
            build_args: Default::default(),
            platform: platform.map(str::to_string),
            registry: "docker.io".into(),
            reuse: None,
            log: "x.log".into(),
        }
    }

    #[test]
    fn an_arm_engine_without_a_platform_is_warned_about() {
        let w = platform_warning("arm64", &[job(None)]).unwrap();
        assert!(
            w.contains("linux/arm64") && w.contains("u/api:1.0.0") && w.contains("platform: linux/amd64"),
            "{w}"
        );
        assert!(platform_warning("arm64", &[job(Some("linux/amd64"))]).is_none());
        assert!(platform_warning("amd64", &[job(None)]).is_none());
    }
}
