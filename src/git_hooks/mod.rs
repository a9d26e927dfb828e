//! `release hooks install | uninstall | status | run`: put the shipped hooks where git
//! looks (`git rev-parse --git-path hooks`: honours core.hooksPath and worktrees), never
//! overwriting a hook release did not write (it is kept as `<name>.local` and run first).

pub mod run;

use crate::error::refused;
use crate::ui;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The shipped hooks (top-level `hooks/`).
pub const HOOKS: &[(&str, &str)] = &[
    ("pre-commit", include_str!("../../hooks/pre-commit")),
    ("pre-push", include_str!("../../hooks/pre-push")),
    ("post-merge", include_str!("../../hooks/post-merge")),
];

/// The line that marks a hook as release's own.
const MARKER: &str = "# release: managed hook";

/// Where git runs hooks from for the repository containing `dir`.
pub fn hooks_dir(dir: &Path) -> Result<PathBuf> {
    crate::git::open(dir)?.hooks_dir()
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(MARKER))
}

fn local_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".local");
    PathBuf::from(s)
}

fn write_hook(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    crate::fs::write_atomic(path, text.as_bytes())?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))?;
    Ok(())
}

/// Installs the hooks; safe to run again.
pub fn install(dir: &Path) -> Result<()> {
    let hooks = hooks_dir(dir)?;
    std::fs::create_dir_all(&hooks).with_context(|| format!("creating {}", hooks.display()))?;
    // Refuse before changing anything when a foreign hook cannot be set aside.
    for (name, _) in HOOKS {
        let p = hooks.join(name);
        if p.exists() && !is_ours(&p) && local_of(&p).exists() {
            return Err(refused(format!(
                "{} is not release's, and {} exists too, so there is nowhere to keep it: merge or remove one of them, then run release hooks install again",
                p.display(),
                local_of(&p).display()
            )));
        }
    }
    for (name, text) in HOOKS {
        let p = hooks.join(name);
        if p.exists() && !is_ours(&p) {
            std::fs::rename(&p, local_of(&p)).with_context(|| format!("setting {} aside", p.display()))?;
            write_hook(&p, text)?;
            ui::say(&format!(
                "installed {name} (your existing hook is kept as {name}.local and runs first)"
            ));
        } else {
            let again = p.exists();
            write_hook(&p, text)?;
            ui::say(&format!("{} {name}", if again { "updated  " } else { "installed" }));
        }
    }
    ui::success(&format!("hooks are in {}", hooks.display()));
    Ok(())
}

/// Removes release's hooks and puts back any hook they had set aside.
pub fn uninstall(dir: &Path) -> Result<()> {
    let hooks = hooks_dir(dir)?;
    for (name, _) in HOOKS {
        let p = hooks.join(name);
        if !p.exists() {
            continue;
        }
        if !is_ours(&p) {
            ui::say(&format!("left {name} alone: release did not write it"));
            continue;
        }
        std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        if local_of(&p).exists() {
            std::fs::rename(local_of(&p), &p).with_context(|| format!("restoring {}", p.display()))?;
            ui::say(&format!("removed {name}; your own {name} is back"));
        } else {
            ui::say(&format!("removed {name}"));
        }
    }
    Ok(())
}

/// One line per hook: installed, chained, someone else's, or absent.
pub fn status(dir: &Path) -> Result<()> {
    let hooks = hooks_dir(dir)?;
    ui::out(&format!("hooks folder: {}", hooks.display()));
    for (name, text) in HOOKS {
        let p = hooks.join(name);
        let state = if !p.exists() {
            "not installed".to_string()
        } else if !is_ours(&p) {
            "someone else's hook (release hooks install keeps it and runs it first)".to_string()
        } else {
            let mut s = String::from("installed");
            if std::fs::read_to_string(&p).is_ok_and(|t| t != *text) {
                s.push_str(" (older version: run release hooks install)");
            }
            if local_of(&p).exists() {
                s.push_str(&format!(", runs {name}.local first"));
            }
            s
        };
        ui::out(&format!("{name:<11} {state}"));
    }
    Ok(())
}
