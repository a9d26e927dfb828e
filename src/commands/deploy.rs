//! `release deploy test|prod [--to VERSION] [--dry-run]`.

use anyhow::Result;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// The environment: test or prod.
    #[arg(value_name = "ENV", id = "deploy_env")]
    pub env: String,
    /// Apply the manifests of this earlier release instead (go back).
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Check with the server and show the diff; apply nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Afterwards GET this path on every NodePort from the clone that applied (`--probe /health`).
    #[arg(long, value_name = "PATH")]
    pub probe: Option<String>,
    /// Deploy prod although test has not run that version well (the record says which).
    #[arg(long)]
    pub force: bool,
    /// Apply without asking (`deploy prod` asks first when run in a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub fn run(dir: &Path, a: Args) -> Result<()> {
    crate::deploy::run(
        dir,
        &crate::deploy::Request {
            env: a.env,
            to: a.to,
            dry_run: a.dry_run,
            probe: a.probe,
            force: a.force,
            yes: a.yes,
        },
    )
}
