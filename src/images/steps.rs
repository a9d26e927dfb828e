//! The image steps of a release: build every image at once, then push every image at
//! once. A pushed image cannot be taken back, so its undo is a note that says where it is.

use super::ImageJob;
use crate::transaction::{Step, Tx, Undo};
use anyhow::Result;
use std::collections::BTreeSet;

/// Build the release's images, tagged with the release tag.
#[derive(Debug)]
pub struct BuildImages {
    pub jobs: Vec<ImageJob>,
    pub revision: String,
    pub version: String,
    pub endpoint: String,
    pub preview: String,
}

impl Step for BuildImages {
    fn describe(&self) -> String {
        let n = self.jobs.iter().filter(|j| j.reuse.is_none()).count();
        if self.endpoint.is_empty() {
            format!("build {n} image(s) (the engine or registry check failed: see the problems below)")
        } else {
            format!("build {n} image(s) with the engine at {}", self.endpoint)
        }
    }
    fn preview(&self) -> String {
        self.preview.clone()
    }
    fn run(&self, tx: &mut Tx) -> Result<()> {
        super::run::build_all(&tx.repo.root, &self.jobs, &self.revision, &self.version)
    }
}

/// Push the release's images, the tag always explicit.
#[derive(Debug)]
pub struct PushImages {
    pub jobs: Vec<ImageJob>,
}

impl Step for PushImages {
    fn describe(&self) -> String {
        let regs: BTreeSet<&str> = self.jobs.iter().map(|j| j.registry.as_str()).collect();
        let n = self.jobs.iter().filter(|j| j.reuse.is_none()).count();
        format!(
            "push {n} image(s) to {}",
            regs.into_iter().collect::<Vec<_>>().join(", ")
        )
    }
    fn run(&self, tx: &mut Tx) -> Result<()> {
        let (res, pushed) = super::run::push_all(&self.jobs);
        if !pushed.is_empty() {
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
