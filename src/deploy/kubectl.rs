//! kubectl, where the cluster credentials are: here, or in another clone's machine over
//! the same ssh as `status` (the tool need not be installed there). `--kubeconfig`,
//! `--context` and `--namespace` from `deploy:` are passed explicitly.

use crate::clones::peers::{self, Location};
use crate::proc::{self, Output};
use anyhow::Result;
use std::path::Path;
use std::time::Duration;

/// Where kubectl runs.
#[derive(Debug, Clone)]
pub enum Where {
    Here,
    Peer { name: String, loc: Location },
}

/// A kubectl to run, with its global flags.
#[derive(Debug, Clone)]
pub struct Kubectl {
    pub at: Where,
    pub flags: Vec<String>,
}

const SCRIPT: &str = r#"cd "$1" 2>/dev/null || { echo "no such folder: $1" >&2; exit 1; }
shift
exec kubectl "$@"
"#;

impl Kubectl {
    pub fn new(at: Where, kubeconfig: Option<&str>, context: Option<&str>, namespace: Option<&str>) -> Kubectl {
        let mut flags = Vec::new();
        for (flag, v) in [
            ("--kubeconfig", kubeconfig),
            ("--context", context),
            ("--namespace", namespace),
        ] {
            if let Some(v) = v {
                flags.push(format!("{flag}={v}"));
            }
        }
        Kubectl { at, flags }
    }

    /// Where it runs, for people.
    pub fn place(&self) -> String {
        match &self.at {
            Where::Here => "here".into(),
            Where::Peer { name, .. } => format!("on {name}"),
        }
    }

    /// Runs `kubectl FLAGS args`, with `input` on stdin.
    pub fn run(&self, root: &Path, args: &[&str], input: Option<&[u8]>, timeout: Duration) -> Result<Output> {
        let mut argv: Vec<&str> = self.flags.iter().map(String::as_str).collect();
        argv.extend_from_slice(args);
        match &self.at {
            Where::Here => proc::run_with_input("kubectl", &argv, root, timeout, input),
            Where::Peer { loc, .. } => peers::run_script_with_input(loc, SCRIPT, &argv, input, timeout),
        }
    }

    /// Runs it and returns stdout; a failure is an error quoting kubectl (warnings about
    /// version skew are left out).
    pub fn ok(&self, root: &Path, args: &[&str], input: Option<&[u8]>, timeout: Duration) -> Result<String> {
        let out = self.run(root, args, input, timeout)?;
        if !out.success {
            anyhow::bail!("kubectl {} ({}): {}", args.join(" "), self.place(), said(&out));
        }
        Ok(out.stdout)
    }
}

/// What kubectl said, without its version-skew warnings.
pub fn said(out: &Output) -> String {
    out.complaint()
        .lines()
        .filter(|l| !l.starts_with("Warning: ") && !l.contains("version difference"))
        .collect::<Vec<_>>()
        .join("\n")
}
