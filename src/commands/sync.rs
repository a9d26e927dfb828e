//! `release sync [--push] [--json]`: bring every clone of `clones:` to GitHub when that is
//! safe: a clean clone that is only behind is fetched (tags too) and fast-forwarded; one
//! that is only ahead is pushed with `--push`; anything else is left alone, with the exact
//! commands to run there. Exit 0 when all are in step, 3 when something is left for a person.

use crate::clones::model::{Copy, SyncAction, sync_action};
use crate::clones::peers::{self, parse_location};
use crate::config::Config;
use crate::error::OutOfStep;
use crate::status::gather;
use crate::ui;
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Also push clones that have commits GitHub lacks (and nothing else to sort out).
    #[arg(long)]
    pub push: bool,
    /// Say what would be done; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON on stdout (see docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// No question (accepted by every command that changes something, for scripts).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// One clone: what was decided, and how it went.
#[derive(Debug, Serialize)]
struct Outcome {
    name: String,
    #[serde(flatten)]
    action: SyncAction,
    /// For fast-forward and push: `null` when not run (dry run), else whether it worked.
    done: Option<bool>,
    error: Option<String>,
}

fn act(config: &Config, root: &Path, c: &Copy, action: &SyncAction, branch: &str) -> anyhow::Result<()> {
    let push = match action {
        SyncAction::FastForward => false,
        SyncAction::Push => true,
        _ => return Ok(()),
    };
    let spec = config
        .clones
        .get(&c.name)
        .ok_or_else(|| anyhow::anyhow!("not configured"))?;
    peers::bring_to_github(&parse_location(spec, root)?, &config.remote, branch, push)
}

fn say(o: &Outcome) {
    let line = match (&o.action, o.done, &o.error) {
        (SyncAction::Nothing, ..) => format!("{}: in step", o.name),
        (SyncAction::FastForward, Some(true), _) => format!("{}: fetched and fast-forwarded to GitHub", o.name),
        (SyncAction::Push, Some(true), _) => format!("{}: pushed to GitHub", o.name),
        (SyncAction::FastForward | SyncAction::Push, None, _) => format!(
            "{}: would {}",
            o.name,
            if matches!(o.action, SyncAction::Push) {
                "push"
            } else {
                "fetch and fast-forward"
            }
        ),
        (SyncAction::FastForward | SyncAction::Push, _, Some(e)) => format!("{}: FAILED: {e}", o.name),
        (SyncAction::Manual { reason, commands }, ..) => {
            let cmds: Vec<String> = commands.iter().map(|c| format!("    {c}")).collect();
            format!(
                "{}: {reason}; left alone. On {} run:\n{}",
                o.name,
                o.name,
                cmds.join("\n")
            )
        }
        _ => format!("{}: ?", o.name),
    };
    ui::say(&line);
}

pub fn run(dir: &Path, a: Args) -> Result<()> {
    let repo = crate::git::open(dir)?;
    let config = Config::load(&repo.root)?;
    if config.clones.is_empty() {
        return Err(crate::error::refused(
            "no other clones are configured: add `clones: { kube-2: kube-2:~/my-api }` to .release.yml",
        ));
    }
    let st = gather(&repo, &config, false)?;
    let peers: Vec<&Copy> = st.copies.iter().filter(|c| !c.is_origin && !c.here).collect();
    let root = repo.root.clone();
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = peers
            .iter()
            .map(|c| {
                let (config, root, branch) = (&config, &root, &st.branch);
                s.spawn(move || {
                    let action = sync_action(c, branch, &config.remote, a.push);
                    let (done, error) = match (&action, a.dry_run) {
                        (SyncAction::FastForward | SyncAction::Push, false) => {
                            match act(config, root, c, &action, branch) {
                                Ok(()) => (Some(true), None),
                                Err(e) => (Some(false), Some(format!("{e:#}"))),
                            }
                        }
                        _ => (None, None),
                    };
                    Outcome {
                        name: c.name.clone(),
                        action,
                        done,
                        error,
                    }
                })
            })
            .collect();
        // A peer whose thread panicked is a failed outcome, never a missing row.
        handles
            .into_iter()
            .zip(&peers)
            .map(|(h, c)| {
                h.join().unwrap_or_else(|_| Outcome {
                    name: c.name.clone(),
                    action: SyncAction::Manual {
                        reason: "could not be synced: the sync of it crashed".into(),
                        commands: vec!["release sync   (again)".into()],
                    },
                    done: Some(false),
                    error: Some("the sync of this clone crashed".into()),
                })
            })
            .collect()
    });
    let settled = outcomes.iter().all(|o| match o.action {
        SyncAction::Nothing => true,
        SyncAction::FastForward | SyncAction::Push => o.done == Some(true),
        SyncAction::Manual { .. } => false,
    });
    if a.json {
        let v = serde_json::json!({ "schema": 1, "branch": st.branch, "in_step": settled, "clones": outcomes });
        ui::out(&serde_json::to_string_pretty(&v)?);
    } else {
        outcomes.iter().for_each(say);
    }
    if settled { Ok(()) } else { Err(OutOfStep.into()) }
}
