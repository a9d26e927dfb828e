//! `release completions SHELL` and `release man [DIR]`: shell completions and roff manual
//! pages, generated from the command line definition itself (clap_complete, clap_mangen).

use anyhow::{Context as _, Result};
use clap::CommandFactory;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args, Clone)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args, Clone)]
pub struct ManArgs {
    /// Write `release.1` and one page per command (`release-minor.1`, ...) into this folder;
    /// without it, `release.1` goes to stdout.
    #[arg(value_name = "DIR", id = "man_dir")]
    pub out: Option<PathBuf>,
}

/// Prints the completion script for `shell` on stdout.
pub fn completions(a: CompletionsArgs) -> Result<()> {
    let mut cmd = super::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "release", &mut buf);
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(&buf); // a closed pipe (`| head`) is fine
    Ok(())
}

/// Writes the manual pages.
pub fn man(a: ManArgs) -> Result<()> {
    let cmd = super::Cli::command();
    match a.out {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            use std::io::Write as _;
            let _ = std::io::stdout().lock().write_all(&buf);
            Ok(())
        }
        Some(dir) => write_pages(&dir, cmd),
    }
}

fn write_pages(dir: &Path, cmd: clap::Command) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut pages = vec![("release".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("release-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().display_name(name)));
    }
    for (name, page) in pages {
        let mut buf = Vec::new();
        clap_mangen::Man::new(page).render(&mut buf)?;
        crate::fs::write_atomic(&dir.join(format!("{name}.1")), &buf)?;
    }
    crate::ui::success(&format!("wrote the manual pages into {}", dir.display()));
    Ok(())
}
