//! Applying the image step: every image built at once, each pushed as soon as its own
//! build ends.
//! One progress line per image on a terminal, plain lines otherwise; each image's full
//! log goes to `.git/release/logs/<version>/<image>.log`.

use super::engine::{Engine, block_on};
use super::{ImageJob, LABEL_REVISION, LABEL_VERSION, build_context, credentials};
use crate::ui::Progress;
use anyhow::Context as _;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// `user/app:1.2.0` -> `user_app_1.2.0.log`
pub fn log_path(git_dir: &Path, version: &str, image: &str) -> PathBuf {
    let name: String = image
        .chars()
        .map(|c| if c == '/' || c == ':' { '_' } else { c })
        .collect();
    git_dir.join("release/logs").join(version).join(format!("{name}.log"))
}

fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Builds one image into its log.
async fn build_one(
    engine: &Engine,
    root: &Path,
    j: &ImageJob,
    labels: &HashMap<String, String>,
    progress: &Progress,
) -> anyhow::Result<()> {
    let path = &j.log;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| parent.display().to_string())?;
    }
    let mut log = std::fs::File::create(path).with_context(|| path.display().to_string())?;
    let df = root.join(&j.dockerfile);
    let text = std::fs::read_to_string(&df).with_context(|| df.display().to_string())?;
    let only = engine.context_filter(&text).await;
    let ctx = build_context::scan_only(&root.join(&j.context), &df, only.as_deref())?;
    let args: HashMap<String, String> = j.build_args.clone().into_iter().collect();
    progress.set("sending the build context");
    let step = |s: &str| progress.set(s);
    let how = super::engine::BuildOptions {
        build_args: &args,
        labels,
        platform: j.platform.as_deref(),
    };
    engine.build(&j.image(), ctx, &how, &mut log, &step).await
}

/// Pushes one image; its registry digest.
async fn push_one(engine: &Engine, j: &ImageJob, progress: &Progress) -> anyhow::Result<String> {
    let creds = credentials::lookup(&j.registry)?;
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&j.log)
        .with_context(|| j.log.display().to_string())?;
    progress.set(&format!("pushing to {}", j.registry));
    engine.push(&j.repository, &j.tag, creds.as_ref(), &mut log).await
}

/// One image's way: build, then (when `push`) push as soon as the build ends, unless
/// another image's build failed before this push began. `Ok(Some(image))` when it reached
/// its registry.
async fn ship_one(
    engine: &Engine,
    root: &Path,
    j: &ImageJob,
    labels: &HashMap<String, String>,
    push: bool,
    stop: &AtomicBool,
) -> Result<Option<String>, String> {
    let progress = Progress::named(&j.image());
    let at = std::time::Instant::now();
    let built = build_one(engine, root, j, labels, &progress).await;
    let at = crate::ui::timing(&format!("build {}", j.repository), at);
    if let Err(e) = built {
        stop.store(true, Ordering::SeqCst);
        progress.end("FAILED");
        return Err(format!(
            "building {} failed: {e:#}\n  last lines of the log:\n{}\n  full log: {}",
            j.image(),
            tail(&j.log, 10),
            j.log.display()
        ));
    }
    if !push {
        progress.end("built");
        return Ok(None);
    }
    if stop.load(Ordering::SeqCst) {
        progress.end("built; not pushed (another image failed)");
        return Ok(None);
    }
    let pushed = push_one(engine, j, &progress).await;
    crate::ui::timing(&format!("push {}", j.repository), at);
    match pushed {
        Ok(digest) => {
            progress.end(&format!("built and pushed ({digest})"));
            Ok(Some(j.image()))
        }
        Err(e) => {
            stop.store(true, Ordering::SeqCst);
            progress.end("FAILED");
            Err(format!("pushing {} to {} failed: {e:#}", j.image(), j.registry))
        }
    }
}

/// Builds every job not reused, all at once, and pushes each as soon as its own build
/// ends (`push`), while the other builds go on: the slowest image's build and push is the
/// floor, not the sum of all builds and then all pushes. A failed build or push stops the
/// pushes that have not started. Returns the outcome and every image that is in its
/// registry now (reused ones included), so a failure can say which did arrive.
pub fn ship_all(
    root: &Path,
    jobs: &[ImageJob],
    revision: &str,
    version: &str,
    push: bool,
) -> (anyhow::Result<()>, Vec<String>) {
    let mut pushed: Vec<String> = jobs.iter().filter(|j| j.reuse.is_some()).map(ImageJob::image).collect();
    let run = block_on(async {
        let engine = Engine::connect().await?;
        let labels: HashMap<String, String> = [
            (LABEL_REVISION.to_string(), revision.to_string()),
            (LABEL_VERSION.to_string(), version.to_string()),
        ]
        .into();
        let stop = AtomicBool::new(false);
        let ways = jobs
            .iter()
            .filter(|j| j.reuse.is_none())
            .map(|j| ship_one(&engine, root, j, &labels, push, &stop));
        Ok::<_, anyhow::Error>(futures_util::future::join_all(ways).await)
    });
    let results = match run.and_then(|r| r) {
        Ok(r) => r,
        Err(e) => return (Err(e), pushed),
    };
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(Some(i)) => pushed.push(i),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    let res = if errors.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(errors.join("\n")))
    };
    (res, pushed)
}
