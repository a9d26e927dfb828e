//! The one way this tool runs another program: explicit arguments (never a shell),
//! captured output, a timeout, and `GIT_TERMINAL_PROMPT=0` so git never waits on a prompt.

use anyhow::{Context, Result, bail};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

/// Timeout for a network operation (fetch, push, ls-remote, ssh): 120 s, or
/// `RELEASE_NETWORK_TIMEOUT` seconds.
pub fn network_timeout() -> Duration {
    std::env::var("RELEASE_NETWORK_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map_or(Duration::from_secs(120), Duration::from_secs)
}
/// Timeout for a local git command.
pub const LOCAL_TIMEOUT: Duration = Duration::from_secs(60);
/// Timeout for a git command that runs the user's hooks or signer (commit, tag).
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(600);

crate::message_error!(
    /// A program that outlived its timeout and was stopped: whether it did its work is unknown.
    TimedOut
);

/// What a finished program left behind.
#[derive(Debug)]
pub struct Output {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The program's own words about a failure: stderr, else stdout, trimmed.
    pub fn complaint(&self) -> String {
        let s = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        match (s.trim(), self.code) {
            ("", None) => "it was stopped by a signal and said nothing".to_string(),
            ("", Some(c)) => format!("it exited with {c} and said nothing"),
            (said, _) => said.to_string(),
        }
    }
}

/// Runs `program args…` in `dir` and waits at most `timeout`.
/// A program that cannot be started or outlives the timeout is an error; a non-zero exit
/// is not (look at [`Output::success`]).
pub fn run(program: &str, args: &[&str], dir: &Path, timeout: Duration) -> Result<Output> {
    spawn_and_wait(program, args, dir, timeout, None, false, &[])
}

/// [`run`] with extra environment variables (the release's hooks get the version).
pub fn run_env(
    program: &str,
    args: &[&str],
    dir: &Path,
    timeout: Duration,
    env: &[(String, String)],
) -> Result<Output> {
    spawn_and_wait(program, args, dir, timeout, None, false, env)
}

/// [`run`] in a process group of its own, so a Ctrl-C at the terminal reaches this tool
/// and not the program: the push it runs is waited for, never cut halfway.
pub fn run_shielded(program: &str, args: &[&str], dir: &Path, timeout: Duration) -> Result<Output> {
    spawn_and_wait(program, args, dir, timeout, None, true, &[])
}

/// [`run`], with `input` written to the program's stdin.
pub fn run_with_input(
    program: &str,
    args: &[&str],
    dir: &Path,
    timeout: Duration,
    input: Option<&[u8]>,
) -> Result<Output> {
    spawn_and_wait(program, args, dir, timeout, input, false, &[])
}

fn spawn_and_wait(
    program: &str,
    args: &[&str],
    dir: &Path,
    timeout: Duration,
    input: Option<&[u8]>,
    own_group: bool,
    env: &[(String, String)],
) -> Result<Output> {
    use std::os::unix::process::CommandExt;
    crate::ui::trace(&format!("{program} {}", args.join(" ")));
    let mut cmd = Command::new(program);
    if own_group {
        cmd.process_group(0);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let mut child = cmd
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{program}`: is it installed and on PATH?"))?;
    // Stdin is written on its own thread, so a reader that stops reading (a stalled ssh)
    // cannot hold this past the timeout: the kill below closes the pipe and ends it.
    let writer = match (input, child.stdin.take()) {
        (Some(data), Some(mut stdin)) => {
            let data = data.to_vec();
            Some(std::thread::spawn(move || {
                use std::io::Write;
                let _ = stdin.write_all(&data);
            }))
        }
        _ => None,
    };
    let out = child.stdout.take().map(reader);
    let err = child.stderr.take().map(reader);
    let status = match child.wait_timeout(timeout)? {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            drop(writer);
            return Err(TimedOut(format!(
                "`{program} {}` did not finish within {} s and was stopped",
                args.join(" "),
                timeout.as_secs()
            ))
            .into());
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let join = |h: Option<std::thread::JoinHandle<String>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(Output {
        success: status.success(),
        code: status.code(),
        stdout: join(out),
        stderr: join(err),
    })
}

/// Runs a git command in `dir`; a non-zero exit is an error quoting git's own words.
pub fn git(dir: &Path, args: &[&str], timeout: Duration) -> Result<String> {
    let out = run("git", args, dir, timeout)?;
    if !out.success {
        bail!("`git {}` failed: {}", args.join(" "), out.complaint());
    }
    Ok(out.stdout)
}

/// Starts `program args…` in `dir` and does not wait: no stdin, output discarded, never
/// a prompt. For work done for next time (a background fetch); an error is only that it
/// could not start.
pub fn spawn_detached(program: &str, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Result<()> {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("could not start `{program}`"))?;
    Ok(())
}

fn reader<R: Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// The pid of a live `git` process working in the repository at `root` (its folder is
/// inside `root`, or it was pointed at `git_dir`), other than this process. Reads /proc.
pub fn git_running_in(root: &Path, git_dir: &Path) -> Option<u32> {
    let me = std::process::id();
    let root = root.canonicalize().ok()?;
    let git_dir = git_dir.canonicalize().unwrap_or_else(|_| git_dir.to_path_buf());
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        if pid == me {
            return None;
        }
        let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
        let argv0 = cmd.split(|b| *b == 0).next()?;
        let name = Path::new(std::str::from_utf8(argv0).ok()?).file_name()?.to_str()?;
        if !(name == "git" || name.starts_with("git-")) {
            return None;
        }
        let cwd = std::fs::read_link(e.path().join("cwd")).ok()?;
        let env = std::fs::read(e.path().join("environ")).unwrap_or_default();
        let pointed = env
            .split(|b| *b == 0)
            .filter_map(|v| std::str::from_utf8(v).ok()?.strip_prefix("GIT_DIR="))
            .any(|d| Path::new(d).canonicalize().is_ok_and(|d| d == git_dir));
        (cwd.starts_with(&root) || pointed).then_some(pid)
    })
}
