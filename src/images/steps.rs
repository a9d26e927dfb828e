//! The image step of a release: every image built at once, each pushed (the tag always
//! explicit) as soon as its own build ends. A pushed image cannot be taken back, so its
//! undo is a note that says where it is.

use super::ImageJob;
use crate::transaction::{Step, Tx, Undo};
use anyhow::Result;
use std::collections::BTreeSet;

/// Build the release's images, tagged with the release tag, and push each as soon as it
/// is built (`push`; `--no-push` keeps them local).
#[derive(Debug)]
pub struct ShipImages {
    pub jobs: Vec<ImageJob>,
    pub revision: String,
    pub version: String,
    pub endpoint: String,
    pub preview: String,
    pub push: bool,
}

impl Step for ShipImages {
    fn describe(&self) -> String {
        let n = self.jobs.iter().filter(|j| j.reuse.is_none()).count();
        let engine = if self.endpoint.is_empty() {
            "(the engine or registry check failed: see the problems below)".to_string()
        } else {
            format!("with the engine at {}", self.endpoint)
        };
        if !self.push {
            return format!("build {n} image(s) {engine}");
        }
        let regs: BTreeSet<&str> = self.jobs.iter().map(|j| j.registry.as_str()).collect();
        format!(
            "build {n} image(s) {engine}, each pushed to {} as soon as it is built",
            regs.into_iter().collect::<Vec<_>>().join(", ")
        )
    }
    fn preview(&self) -> String {
        self.preview.clone()
    }
    fn run(&self, tx: &mut Tx) -> Result<()> {
        let (res, pushed) = super::run::ship_all(&tx.repo.root, &self.jobs, &self.revision, &self.version, self.push);
        if self.push && !pushed.is_empty() {
            let how = if res.is_ok() {
                "stay in their registry (a registry keeps what it got; running the same release again reuses them)"
            } else {
                "did reach their registry and stay there (running the same release again reuses them)"
            };
            tx.record(Undo::Note {
                text: format!("these images {how}: {}", pushed.join(", ")),
            })?;
        }
        res
    }
}
