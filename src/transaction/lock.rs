//! One release at a time: an exclusive `flock` on `.git/release/lock`, which holds the pid
//! and start time of the process running a release or promote. The kernel drops the lock
//! when that process ends, however it ends, so a lock left by a dead process is simply
//! taken over (with a note naming it), and the temporary files it left are swept.

use crate::error::refused;
use anyhow::{Context as _, Result};
use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The held lock; dropping it removes the file and releases the lock.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    _file: File,
}

/// A process's start time (clock ticks since boot, `/proc/PID/stat` field 22).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(19)?.parse().ok()
}

fn refuse(path: &Path, holder: &str) -> anyhow::Error {
    let pid = holder.split_whitespace().next().unwrap_or("?");
    refused(format!(
        "another release is running in this clone (pid {pid}; lock {}): wait for it to finish; nothing was changed",
        path.display()
    ))
}

impl Lock {
    /// Takes the lock in `dir` (created when missing). Refused while another process holds
    /// it; the note says when one that is gone had left its name in it.
    pub fn take(dir: &Path) -> Result<(Lock, Option<String>)> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("lock");
        for _ in 0..5 {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(|| format!("opening {}", path.display()))?;
            let mut before = String::new();
            if file.try_lock().is_err() {
                let _ = file.read_to_string(&mut before);
                return Err(refuse(&path, &before));
            }
            // The file may have been removed by the holder between our open and our lock:
            // then the lock is on a file nobody else can see; start again.
            let same = std::fs::metadata(&path).ok().map(|m| m.ino()) == file.metadata().ok().map(|m| m.ino());
            if !same {
                continue;
            }
            let _ = file.read_to_string(&mut before);
            let me = std::process::id();
            file.set_len(0)?;
            file.rewind()?;
            file.write_all(format!("{me} {}\n", start_time(me).unwrap_or(0)).as_bytes())?;
            let note = before.split_whitespace().next().map(|pid| {
                format!(
                    "took over the lock of a release that is gone (pid {pid}): {}",
                    path.display()
                )
            });
            return Ok((Lock { path, _file: file }, note));
        }
        Err(refuse(&path, ""))
    }
}

/// The lock of the repository at `git_dir` for a run that changes something (none for a
/// dry run); a taken-over lock is said.
pub fn hold(git_dir: &Path, dry_run: bool) -> Result<Option<Lock>> {
    if dry_run {
        return Ok(None);
    }
    let (lock, note) = Lock::take(&super::journal::state_dir(git_dir))?;
    if let Some(n) = note {
        crate::ui::warn(&n);
    }
    // Holding the lock, no other run of this tool is writing here: what a killed one left
    // in the temporary and backup folders can go.
    for said in super::journal::sweep(git_dir)? {
        crate::ui::say(&said);
    }
    Ok(Some(lock))
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held, so no other process can lock this file afterwards.
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_then_the_next_and_a_left_lock_is_taken_over() {
        let d = tempfile::tempdir().unwrap();
        let (lock, note) = Lock::take(d.path()).unwrap();
        assert!(note.is_none());
        let e = Lock::take(d.path()).unwrap_err().to_string();
        assert!(e.contains("another release is running"), "{e}");
        drop(lock);
        assert!(!d.path().join("lock").exists());
        std::fs::write(d.path().join("lock"), "999999999 1\n").unwrap();
        let (_lock, note) = Lock::take(d.path()).unwrap();
        assert!(note.unwrap().contains("pid 999999999"));
    }
}
