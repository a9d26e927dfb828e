//! The user's own commands around a release or promote (`hooks: { pre_release: [...],
//! post_release: [...] }`): `sh -c` in the repository root with `RELEASE_VERSION`,
//! `RELEASE_TAG` and `RELEASE_PREVIOUS` set. A failing pre hook stops it before anything
//! changes; a failing post hook is reported and the release stands. `--no-verify` skips both.

use crate::error::refused;
use crate::proc::{self, HOOK_TIMEOUT};
use crate::ui;
use anyhow::Result;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Default, Clone)]
pub struct Hooks {
    pub pre: Vec<String>,
    pub post: Vec<String>,
    /// `RELEASE_VERSION`, `RELEASE_TAG`, `RELEASE_PREVIOUS`.
    pub env: Vec<(String, String)>,
}

impl Hooks {
    /// Hooks for `version` (tag, and the release before it).
    pub fn new(pre: &[String], post: &[String], version: &str, tag: &str, previous: &str) -> Hooks {
        let env = [
            ("RELEASE_VERSION", version),
            ("RELEASE_TAG", tag),
            ("RELEASE_PREVIOUS", previous),
        ];
        Hooks {
            pre: pre.to_vec(),
            post: post.to_vec(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    /// The plan's lines for them.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for (when, cmds) in [("before", &self.pre), ("after", &self.post)] {
            for c in cmds {
                let _ = writeln!(s, "  {when}: sh -c {c:?}");
            }
        }
        s
    }

    fn run(cmd: &str, root: &Path, env: &[(String, String)]) -> Result<(), String> {
        ui::say(&format!("hook: {cmd}"));
        let out = proc::run_env("sh", &["-c", cmd], root, HOOK_TIMEOUT, env).map_err(|e| format!("{e:#}"))?;
        let said = format!("{}{}", out.stdout, out.stderr);
        let tail: Vec<&str> = said
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if out.success {
            tail.iter().for_each(|l| ui::say(&format!("  | {l}")));
            return Ok(());
        }
        let code = out.code.map_or("a signal".to_string(), |c| format!("exit {c}"));
        Err(format!("`{cmd}` failed ({code}):\n  | {}", tail.join("\n  | ")))
    }

    /// Runs the pre hooks; the first failure refuses (nothing has changed yet).
    pub fn run_pre(&self, root: &Path) -> Result<()> {
        for c in &self.pre {
            Hooks::run(c, root, &self.env).map_err(|e| {
                refused(format!(
                    "a pre hook stopped it: {e}\nnothing was changed; fix what it says, or skip hooks on purpose with --no-verify"
                ))
            })?;
        }
        Ok(())
    }

    /// Runs the post hooks; a failure is a warning (what they follow has happened).
    pub fn run_post(&self, root: &Path) {
        for c in &self.post {
            if let Err(e) = Hooks::run(c, root, &self.env) {
                ui::warn(&format!("a post hook failed: {e}\n(the release itself stands)"));
            }
        }
    }
}
