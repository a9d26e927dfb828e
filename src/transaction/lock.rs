//! One release at a time: `.git/release/lock` holds the pid and start time of the process
//! that runs a release or promote. A lock whose process is gone is taken over, with a note.

use crate::error::refused;
use anyhow::{Context as _, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The held lock; dropping it removes the file.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

/// A process's start time (clock ticks since boot, `/proc/PID/stat` field 22), which
/// tells a live process from a new one that reused its pid.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// `pid start` of the holder, and whether that process still runs.
fn holder(text: &str) -> (Option<u32>, bool) {
    let mut it = text.split_whitespace();
    let pid = it.next().and_then(|p| p.parse::<u32>().ok());
    let start = it.next().and_then(|s| s.parse::<u64>().ok());
    let alive = pid.is_some_and(|p| start_time(p).is_some() && start_time(p) == start);
    (pid, alive)
}

impl Lock {
    /// Takes the lock in `dir` (created when missing). Refused while another live process
    /// holds it; a stale lock is taken over and the returned note says so.
    pub fn take(dir: &Path) -> Result<(Lock, Option<String>)> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("lock");
        let me = std::process::id();
        let line = format!("{me} {}\n", start_time(me).unwrap_or(0));
        let mut note = None;
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(line.as_bytes())
                        .with_context(|| format!("writing {}", path.display()))?;
                    return Ok((Lock { path }, note));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    match holder(&text) {
                        (Some(pid), true) => {
                            return Err(refused(format!(
                                "another release is running in this clone (pid {pid}; lock {}): wait for it to finish; nothing was changed",
                                path.display()
                            )));
                        }
                        (pid, _) => {
                            note = Some(format!(
                                "took over a stale lock left by a process that is gone (pid {}): {}",
                                pid.map_or("?".into(), |p| p.to_string()),
                                path.display()
                            ));
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
            }
        }
        Err(refused(format!(
            "another release took the lock {} at the same moment: wait for it to finish; nothing was changed",
            path.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_and_stale_takeover() {
        let d = tempfile::tempdir().unwrap();
        let (lock, note) = Lock::take(d.path()).unwrap();
        assert!(note.is_none());
        let e = Lock::take(d.path()).unwrap_err().to_string();
        assert!(e.contains("another release is running"), "{e}");
        drop(lock);
        assert!(!d.path().join("lock").exists());
        std::fs::write(d.path().join("lock"), "999999999 1\n").unwrap();
        let (_lock, note) = Lock::take(d.path()).unwrap();
        assert!(note.unwrap().contains("stale lock"));
    }
}
