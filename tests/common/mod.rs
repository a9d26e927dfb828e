//! Real git sandboxes for integration tests: a bare origin, clones of it, and the built
//! `release` binary run against them with an isolated HOME (no user config leaks in).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The ssh_config that `.ci/services start` writes (Host kube-2 and friends), if present.
pub fn ssh_config_if_running() -> Option<PathBuf> {
    let p = std::env::var_os("RELEASE_TEST_SSH_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/release-ci/ssh/ssh_config"));
    p.exists().then_some(p)
}

/// The same, for tests that need sshd: fails (never skips) with how to start it.
pub fn ssh_config() -> PathBuf {
    let p = ssh_config_if_running().unwrap_or_else(|| {
        panic!("this test needs the test sshd: run `bash .ci/services start` (or .ci/run), then test again")
    });
    let ok = Command::new("ssh")
        .args([
            "-F",
            p.to_str().unwrap(),
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=3",
            "kube-2",
            "true",
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "sshd does not answer as kube-2 ({}): run `bash .ci/services start`",
        p.display()
    );
    p
}

/// The engine and registries `.ci/services start` runs.
pub struct DockerEnv {
    pub registry: String,
    pub auth_registry: String,
    pub user: String,
    pub password: String,
}

/// For tests that need dockerd and the registries: fails (never skips) with how to start them.
pub fn docker_env() -> DockerEnv {
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let env = DockerEnv {
        registry: var("RELEASE_TEST_REGISTRY", "localhost:5101"),
        auth_registry: var("RELEASE_TEST_AUTH_REGISTRY", "localhost:5102"),
        user: var("RELEASE_TEST_AUTH_USER", "release"),
        password: var("RELEASE_TEST_AUTH_PASSWORD", "pa>>>ss?word"),
    };
    let ping = Command::new("curl")
        .args([
            "-sf",
            "--max-time",
            "3",
            "--unix-socket",
            "/var/run/docker.sock",
            "http://docker/_ping",
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ping,
        "this test needs dockerd on /var/run/docker.sock: run `bash .ci/services start` (or .ci/run)"
    );
    for r in [&env.registry, &env.auth_registry] {
        let code = Command::new("curl")
            .args([
                "-s",
                "--max-time",
                "3",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                &format!("http://{r}/v2/"),
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
            .unwrap_or_default();
        assert!(
            code == "200" || code == "401",
            "this test needs the registry {r}: run `bash .ci/services start`"
        );
    }
    env
}

/// The tags a registry lists for a repository (`curl`, with `user:password` if given).
pub fn registry_tags(registry: &str, name: &str, auth: Option<&str>) -> Vec<String> {
    let mut args = vec!["-s".to_string(), "--max-time".into(), "5".into()];
    if let Some(a) = auth {
        args.push("-u".into());
        args.push(a.to_string());
    }
    args.push(format!("http://{registry}/v2/{name}/tags/list"));
    let out = Command::new("curl").args(&args).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let mut tags: Vec<String> = v["tags"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    tags.sort();
    tags
}

/// The manifest digest a registry serves for `name:tag`.
pub fn registry_digest(registry: &str, name: &str, tag: &str, auth: Option<&str>) -> String {
    let mut args: Vec<String> = vec!["-sI".into(), "--max-time".into(), "5".into()];
    if let Some(a) = auth {
        args.push("-u".into());
        args.push(a.to_string());
    }
    args.push("-H".into());
    args.push("Accept: application/vnd.docker.distribution.manifest.v2+json".into());
    args.push(format!("http://{registry}/v2/{name}/manifests/{tag}"));
    let out = Command::new("curl").args(&args).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("docker-content-digest:")
                .map(|d| d.trim().to_string())
        })
        .unwrap_or_default()
}

pub struct Sandbox {
    pub extra: std::cell::RefCell<Vec<(String, String)>>,
    /// A folder put first on PATH for `release` (a `git` wrapper that injects faults).
    pub path_prefix: std::cell::RefCell<Option<PathBuf>>,
    pub tmp: tempfile::TempDir,
    pub home: PathBuf,
    pub origin: PathBuf,
    pub clone: PathBuf,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Asserts the exit code, showing `what` and the whole output when it differs.
    #[track_caller]
    pub fn exits(&self, code: i32, what: &str) -> &Run {
        assert_eq!(
            self.code,
            code,
            "{what}: exit {} instead of {code}:\n{}",
            self.code,
            self.all()
        );
        self
    }

    /// Asserts that the output says each of `words`.
    #[track_caller]
    pub fn says(&self, words: &[&str]) -> &Run {
        let all = self.all();
        for w in words {
            assert!(all.contains(w), "expected {w:?} in:\n{all}");
        }
        self
    }
}

impl Sandbox {
    /// A bare origin with one commit on `main`, and a clone of it in `clone`.
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.invalid\n[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n",
        )
        .unwrap();
        let origin = tmp.path().join("origin.git");
        let clone = tmp.path().join("isp");
        let sb = Sandbox {
            extra: Default::default(),
            path_prefix: Default::default(),
            tmp,
            home,
            origin,
            clone,
        };
        sb.git(sb.tmp.path(), &["init", "-q", "--bare", "-b", "main", "origin.git"]);
        sb.git(sb.tmp.path(), &["clone", "-q", "origin.git", "isp"]);
        sb.commit_file("README.md", "hello\n", "feat: first");
        sb.git(&sb.clone, &["push", "-q", "origin", "main"]);
        sb
    }

    /// A second clone of origin, `name`, with its own identity.
    pub fn peer(&self, name: &str) -> PathBuf {
        self.git(self.tmp.path(), &["clone", "-q", "origin.git", name]);
        let p = self.path(name);
        self.git(&p, &["config", "release.name", name]);
        p
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    /// Extra environment for the `release` runs of this sandbox (DOCKER_CONFIG, DOCKER_HOST).
    pub fn set_env(&self, k: &str, v: &str) {
        self.extra.borrow_mut().push((k.to_string(), v.to_string()));
    }

    fn env(&self, cmd: &mut Command) {
        for (k, v) in self.extra.borrow().iter() {
            cmd.env(k, v);
        }
        // `release` on PATH, so that installed hooks find it.
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_release")).parent().unwrap().to_path_buf();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs: Vec<PathBuf> = self.path_prefix.borrow().iter().cloned().collect();
        dirs.push(bin_dir);
        dirs.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(dirs).unwrap());
        if let Some(cfg) = ssh_config_if_running() {
            cmd.env("RELEASE_SSH_CONFIG", cfg);
        }
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
    }

    /// Runs git; panics with its stderr when it fails.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_out(dir, args);
        assert!(
            out.status.success(),
            "git {args:?} in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn git_out(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(dir);
        self.env(&mut cmd);
        cmd.output().unwrap()
    }

    /// Writes a file in the clone and commits it.
    pub fn commit_file(&self, rel: &str, content: &str, msg: &str) {
        self.commit_in(&self.clone, rel, content, msg);
    }

    pub fn commit_in(&self, dir: &Path, rel: &str, content: &str, msg: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        self.git(dir, &["add", rel]);
        self.git(dir, &["commit", "-q", "-m", msg]);
    }

    /// Annotated tag in the clone, pushed to origin.
    pub fn tag_and_push(&self, name: &str) {
        self.git(&self.clone, &["tag", "-a", name, "-m", name]);
        self.git(&self.clone, &["push", "-q", "origin", "main", name]);
    }

    /// The built `release` binary, set up to run in `dir` with this sandbox's environment.
    pub fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_release"));
        cmd.args(args).current_dir(dir);
        self.env(&mut cmd);
        cmd
    }

    /// Runs the built `release` binary under `wrapper` (`strace -f ...`, `timeout 5`) in the
    /// clone, with this sandbox's environment.
    pub fn release_under(&self, wrapper: &[&str], args: &[&str]) -> Run {
        let mut cmd = Command::new(wrapper[0]);
        cmd.args(&wrapper[1..])
            .arg(env!("CARGO_BIN_EXE_release"))
            .args(args)
            .current_dir(&self.clone);
        self.env(&mut cmd);
        Run::of(cmd.output().unwrap())
    }

    /// Runs the built `release` binary in `dir`.
    pub fn release_in(&self, dir: &Path, args: &[&str]) -> Run {
        Run::of(self.command(dir, args).output().unwrap())
    }

    pub fn release(&self, args: &[&str]) -> Run {
        self.release_in(&self.clone, args)
    }

    /// Every ref and its target, in a repository (the clone or the origin).
    pub fn refs(&self, dir: &Path) -> String {
        self.git(dir, &["for-each-ref", "--format=%(refname) %(objectname)"])
    }

    /// Refs, HEAD, index and work tree of the clone, plus origin's refs: a fingerprint of
    /// everything a failed or dry run must leave as it was.
    pub fn state(&self) -> String {
        let files = self.git(&self.clone, &["ls-files", "-s", "-o", "--exclude-standard"]);
        let status = self.git(&self.clone, &["status", "--porcelain=v1", "-uall"]);
        let head = self.git(&self.clone, &["rev-parse", "HEAD"]);
        let diff = self.git(&self.clone, &["diff", "HEAD"]);
        format!(
            "HEAD {head}\n--refs\n{}\n--origin\n{}\n--index\n{files}\n--status\n{status}\n--diff\n{diff}",
            self.refs(&self.clone),
            self.refs(&self.origin)
        )
    }

    /// [`Sandbox::state`] without remote-tracking refs, which a preflight fetch may update
    /// (that is `git fetch`, not a change to the user's work).
    pub fn local_state(&self) -> String {
        self.state()
            .lines()
            .filter(|l| !l.starts_with("refs/remotes/"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Origin's commit for a tag (peeled), or None.
    pub fn origin_tag(&self, name: &str) -> Option<String> {
        let out = self.git_out(
            &self.origin,
            &["rev-parse", "--verify", "-q", &format!("refs/tags/{name}^{{commit}}")],
        );
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

/// The real git, for the wrapper to hand over to.
pub fn real_git() -> String {
    let out = std::process::Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Puts a `git` wrapper first on the sandbox's PATH: when asked to run `at` (once), it
/// sends `sig` to the release that called it; after KILL it dies too, before doing the step.
pub fn inject(sb: &Sandbox, at: &str, sig: &str) -> PathBuf {
    let dir = sb.path("fault-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = \"{at}\" ] && mkdir \"{mark}\" 2>/dev/null; then\n  kill -{sig} \"$PPID\"\n  [ \"{sig}\" = KILL ] && exit 1\n  [ -n \"$FAULT_SLEEP\" ] && sleep \"$FAULT_SLEEP\"\nfi\nexec {git} \"$@\"\n",
        mark = sb.path("fault-fired").display(),
        git = real_git()
    );
    let path = dir.join("git");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    *sb.path_prefix.borrow_mut() = Some(dir.clone());
    dir
}

/// The file syscalls the kill matrices stop a command at.
pub const KILL_AT: &[&str] = &[
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "unlink",
    "unlinkat",
];

/// A kill matrix: for every syscall of [`KILL_AT`] on its own (strace counts `when=N` per
/// syscall, so one at a time is how every invocation of each is reached) and every `N`,
/// a fresh `setup()`, then `args` run under strace and killed (SIGKILL, git's processes
/// too) at the `N`th call; `check(sandbox, state, run, what)` judges the state after (a
/// run that did not exit 0 was stopped short). Returns how many were stopped short.
pub fn kill_matrix<S>(
    setup: impl Fn() -> (Sandbox, S),
    args: &[&str],
    check: impl Fn(&Sandbox, &S, &Run, &str),
) -> usize {
    let mut fired = 0;
    for syscall in KILL_AT {
        for n in 1..40 {
            let (sb, state) = setup();
            sb.set_env("RELEASE_PUSH_SETTLE", "1");
            let inject = format!("inject={syscall}:signal=KILL:when={n}");
            let r = sb.release_under(&["strace", "-f", "-qq", "-o", "/dev/null", "-e", &inject], args);
            check(&sb, &state, &r, &format!("{args:?} killed at {syscall} #{n}"));
            if r.code == 0 {
                break;
            }
            fired += 1;
        }
    }
    fired
}
