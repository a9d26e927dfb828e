//! Applying the image steps: build every image at once, then push every image at once.
//! One progress line per image on a terminal, plain lines otherwise; each image's full
//! log goes to `.git/release/logs/<version>/<image>.log`.

use super::engine::{Engine, block_on};
use super::{ImageJob, LABEL_REVISION, LABEL_VERSION, context, credentials};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

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

struct Bars {
    multi: Option<MultiProgress>,
}

impl Bars {
    fn new() -> Bars {
        Bars {
            multi: std::io::stderr().is_terminal().then(MultiProgress::new),
        }
    }
    fn line(&self, image: &str) -> Option<ProgressBar> {
        let m = self.multi.as_ref()?;
        let pb = m.add(ProgressBar::new_spinner());
        if let Ok(s) = ProgressStyle::with_template("  {spinner} {prefix}: {wide_msg}") {
            pb.set_style(s);
        }
        pb.set_prefix(image.to_string());
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        Some(pb)
    }
}

fn say(pb: &Option<ProgressBar>, image: &str, msg: &str) {
    match pb {
        Some(p) => p.set_message(msg.to_string()),
        None => eprintln!("  {image}: {msg}"),
    }
}

fn finish(pb: Option<ProgressBar>, image: &str, msg: &str) {
    if let Some(p) = pb {
        p.finish_and_clear();
    }
    eprintln!("  {image}: {msg}");
}

/// Builds every job not reused; all at once.
pub fn build_all(root: &Path, jobs: &[ImageJob], revision: &str, version: &str) -> Result<(), String> {
    let bars = Bars::new();
    block_on(async {
        let engine = Engine::connect().await?;
        let labels: HashMap<String, String> = [
            (LABEL_REVISION.to_string(), revision.to_string()),
            (LABEL_VERSION.to_string(), version.to_string()),
        ]
        .into();
        let builds = jobs.iter().filter(|j| j.reuse.is_none()).map(|j| {
            let engine = &engine;
            let labels = &labels;
            let pb = bars.line(&j.image());
            async move {
                let image = j.image();
                let path = &j.log;
                let res = async {
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                    }
                    let mut log = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
                    let df = root.join(&j.dockerfile);
                    let text = std::fs::read_to_string(&df).map_err(|e| format!("{}: {e}", df.display()))?;
                    let only = engine.context_filter(&text).await;
                    let ctx = context::scan_only(&root.join(&j.context), &df, only.as_deref())
                        .map_err(|e| format!("{e:#}"))?;
                    let args: HashMap<String, String> = j.build_args.clone().into_iter().collect();
                    say(&pb, &image, "sending the build context");
                    let step = |s: &str| say(&pb, &image, s);
                    engine.build(&image, ctx, &args, labels, &mut log, &step).await
                }
                .await;
                match res {
                    Ok(()) => {
                        finish(pb, &image, "built");
                        Ok(())
                    }
                    Err(e) => {
                        finish(pb, &image, "FAILED");
                        Err(format!(
                            "building {image} failed: {e}\n  last lines of the log:\n{}\n  full log: {}",
                            tail(path, 10),
                            path.display()
                        ))
                    }
                }
            }
        });
        let results = futures_util::future::join_all(builds).await;
        let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("\n"))
        }
    })?
}

/// Pushes every job not reused; all at once. On failure the error says which images did
/// reach their registry.
pub fn push_all(jobs: &[ImageJob]) -> Result<Vec<String>, (String, Vec<String>)> {
    let bars = Bars::new();
    let out = block_on(async {
        let engine = Engine::connect().await.map_err(|e| (e, Vec::new()))?;
        let pushes = jobs.iter().filter(|j| j.reuse.is_none()).map(|j| {
            let engine = &engine;
            let pb = bars.line(&j.image());
            async move {
                let image = j.image();
                let path = &j.log;
                let res = async {
                    let creds = credentials::lookup(&j.registry)?;
                    let mut log = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    say(&pb, &image, &format!("pushing to {}", j.registry));
                    engine.push(&j.repository, &j.tag, creds.as_ref(), &mut log).await
                }
                .await;
                match res {
                    Ok(digest) => {
                        finish(pb, &image, &format!("pushed ({digest})"));
                        Ok(image)
                    }
                    Err(e) => {
                        finish(pb, &image, "FAILED");
                        Err(format!("pushing {image} to {} failed: {e}", j.registry))
                    }
                }
            }
        });
        let results = futures_util::future::join_all(pushes).await;
        let mut pushed: Vec<String> = jobs
            .iter()
            .filter_map(|j| j.reuse.as_ref().map(|_| j.image()))
            .collect();
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(i) => pushed.push(i),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(pushed)
        } else {
            Err((errors.join("\n"), pushed))
        }
    });
    match out {
        Ok(r) => r,
        Err(e) => Err((e, Vec::new())),
    }
}
