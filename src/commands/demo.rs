//! `release demo`: a sandbox with a bare "GitHub", the clones `isp` and `kube-2`, and the
//! sample app; then real releases from `isp`, narrated step by step. Needs only git.

use super::sample;
use crate::proc::{self, LOCAL_TIMEOUT};
use crate::release::{self, Request};
use crate::transaction::Options;
use crate::ui;
use crate::version::{Bump, Level};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Build the sandbox in this folder (must not exist yet) instead of a new temporary one.
    #[arg(long, value_name = "PATH")]
    pub into: Option<PathBuf>,
    /// Push the demo's images to this registry (default: localhost:5000 when it answers).
    #[arg(long, value_name = "HOST:PORT")]
    pub registry: Option<String>,
    /// Also deploy to this cluster (test, promote, prod); the demo creates a namespace and
    /// two PersistentVolumes of its own there. Needs a registry the cluster can pull from.
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<String>,
}

/// Runs the demo in `--into` (created; must not exist) or in a new temporary folder.
pub fn run(a: Args) -> Result<()> {
    let root = sandbox(a.into.as_deref())?;
    let github = root.join("github.git");
    let isp = root.join("isp");
    ui::say(&format!("== release demo, in {}\n", root.display()));
    let (skip_images, cluster) = set_up(&root, &github, a.registry.as_deref(), a.kubeconfig.as_deref())?;
    releases(&root, &github, &isp, skip_images)?;
    drift_and_promote(&root, &isp, skip_images, cluster.is_some())?;
    if let Some(c) = &cluster {
        deploy_story(&isp)?;
        ui::say(&format!(
            "\nThe demo's cluster objects stay too; remove them with: {}",
            super::demo_cluster::cleanup_hint(c)
        ));
    }
    ui::say(&format!(
        "\nThe sandbox stays in {} so you can look around (cd isp && release version --explain).\nRemove it with: rm -rf {}",
        root.display(),
        root.display()
    ));
    Ok(())
}

/// The sandbox folder: `into` (created; must not exist) or a new temporary one.
fn sandbox(into: Option<&Path>) -> Result<PathBuf> {
    let root = match into {
        Some(p) => {
            if p.exists() {
                return Err(crate::error::refused(format!(
                    "{} already exists: give --into a folder that does not exist yet",
                    p.display()
                )));
            }
            std::fs::create_dir_all(p)?;
            p.to_path_buf()
        }
        None => tempfile::Builder::new().prefix("release-demo-").tempdir()?.keep(),
    };
    Ok(root.canonicalize()?)
}

/// GitHub and ISP with the sample app pushed; whether images are skipped, and the cluster.
fn set_up(
    root: &Path,
    github: &Path,
    registry: Option<&str>,
    kubeconfig: Option<&str>,
) -> Result<(bool, Option<super::demo_cluster::Cluster>)> {
    let isp = root.join("isp");
    narrate("GitHub is a bare repository on disk: github.git");
    git(
        root,
        &["init", "--quiet", "--bare", "--initial-branch=main", "github.git"],
    )?;

    narrate("ISP (where code is written) clones it and gets the sample API + worker + Redis app");
    clone(root, github, "isp")?;
    write_sample(&isp)?;
    std::fs::write(isp.join(".release.yml"), DEMO_CONFIG)?;
    let images = images_mode(root, registry);
    match &images {
        Ok(ns) => {
            ui::say(&format!(
                "     images: building FROM scratch (offline) and pushing to {ns}"
            ));
            use_registry(&isp, ns)?;
        }
        Err(why) => ui::say(&format!(
            "     images: skipped, because {why}; the releases cover git, CHANGELOG.md and kubernetes/"
        )),
    }
    let skip_images = images.is_err();
    let cluster = match (&images, kubeconfig) {
        (Ok(ns), Some(kc)) => {
            let c = super::demo_cluster::prepare(&isp, kc, ns).context("the demo's cluster could not be prepared")?;
            ui::say(&format!(
                "     cluster: deploying into namespace {} (kubectl runs on kube-2)",
                c.namespace
            ));
            Some(c)
        }
        (Err(_), Some(_)) => {
            ui::say("     cluster: skipped, because the images are (a cluster pulls them from the registry)");
            None
        }
        _ => None,
    };
    git(&isp, &["add", "-A"])?;
    git(
        &isp,
        &["commit", "--quiet", "-m", "feat: first version of the API and worker"],
    )?;
    git(&isp, &["push", "--quiet", "origin", "main"])?;
    Ok((skip_images, cluster))
}

/// kube-2 clones; two releases from ISP with a feature between them.
fn releases(root: &Path, github: &Path, isp: &Path, skip_images: bool) -> Result<()> {
    narrate("kube-2 (where the YAML is applied) clones GitHub too");
    clone(root, github, "kube-2")?;

    narrate("First release from ISP: `release minor` (no tag yet, so it starts at 0.1.0)");
    release_minor(isp, skip_images)?;

    narrate("On ISP a feature is added, committed and pushed");
    let api = isp.join("src/api.py");
    let mut text = std::fs::read_to_string(&api)?;
    text = text.replace(
        "\n\nif __name__",
        "\n\n@app.route(\"/health\", methods=[\"GET\"])\ndef health():\n    return jsonify({\"ok\": True})\n\n\nif __name__",
    );
    std::fs::write(&api, text)?;
    git(isp, &["commit", "--quiet", "-am", "feat(api): add /health endpoint"])?;
    git(isp, &["push", "--quiet", "origin", "main"])?;

    narrate(
        "Second release from ISP: `release minor` (0.1.0 -> 0.2.0): CHANGELOG.md and kubernetes/test change in the release commit",
    );
    release_minor(isp, skip_images)?;

    narrate("GitHub now has these release tags:");
    let tags = git(isp, &["ls-remote", "--tags", "--refs", "origin"])?;
    for line in tags.lines() {
        if let Some((_, name)) = line.split_once("refs/tags/") {
            ui::say(&format!("     {name}"));
        }
    }
    Ok(())
}

/// kube-2 is behind until it pulls; then prod is promoted (dry run).
fn drift_and_promote(root: &Path, isp: &Path, skip_images: bool, cluster: bool) -> Result<()> {
    let kube2 = root.join("kube-2");
    narrate("`release status` on ISP: kube-2 has not pulled yet");
    show_status(isp)?;

    narrate("kube-2 pulls (`git pull`), and has the release the tag names");
    git(&kube2, &["pull", "--quiet", "--tags", "origin", "main"])?;
    let described = git(&kube2, &["describe", "--tags"])?;
    ui::say(&format!("     kube-2 is at {}", described.trim()));
    let test_api = std::fs::read_to_string(kube2.join("kubernetes/test/api-deployment.yml"))?;
    if let Some(line) = test_api.lines().find(|l| l.contains("image:")) {
        ui::say(&format!(
            "     kube-2's kubernetes/test/api-deployment.yml: {}",
            line.trim()
        ));
    }

    narrate("`release status` again: every copy agrees");
    show_status(isp)?;

    if cluster {
        return Ok(());
    }
    narrate("After testing, `release promote` sets kubernetes/prod to what test runs (dry run shown)");
    let opts = Options {
        dry_run: true,
        yes: true,
        ..Options::default()
    }
    .with_flag(crate::images::SKIP, skip_images);
    crate::promote::run(isp, None, &opts, crate::promote::How::default())?;
    Ok(())
}

/// The rest of the seed's loop, on a real cluster: kube-2 deploys test, ISP promotes, kube-2
/// deploys prod.
fn deploy_story(isp: &Path) -> Result<()> {
    let deploy = |env: &str| {
        let req = crate::deploy::Request {
            env: env.into(),
            to: None,
            dry_run: false,
            probe: None,
            force: false,
            yes: true,
        };
        crate::deploy::run(isp, &req)
    };
    narrate("`release deploy test`: kube-2 is brought to GitHub, applies kubernetes/test, waits, checks the images");
    deploy("test").context("the demo's deploy to test failed")?;
    narrate("Tested: `release promote` sets kubernetes/prod to what test runs, commits and pushes");
    let opts = Options {
        yes: true,
        ..Options::default()
    };
    crate::promote::run(isp, None, &opts, crate::promote::How::default()).context("the demo's promote failed")?;
    narrate("`release deploy prod`: allowed, since test ran this version");
    deploy("prod").context("the demo's deploy to prod failed")?;
    Ok(())
}

/// Dockerfiles that build without a network: the demo's images are FROM scratch.
const SCRATCH_API: &str = "# demo image: FROM scratch so the demo runs offline\nFROM scratch\nCOPY requirements.txt /app/requirements.txt\nCOPY src/api.py /app/api.py\n";
const SCRATCH_WRK: &str = "# demo image: FROM scratch so the demo runs offline\nFROM scratch\nCOPY requirements.txt /app/requirements.txt\nCOPY src/worker.py /app/worker.py\n";

/// `Ok(registry/namespace)` when an engine and a registry answer, else why not.
fn images_mode(root: &Path, registry: Option<&str>) -> std::result::Result<String, String> {
    let engine = crate::images::engine::block_on(crate::images::engine::Engine::connect());
    if let Err(e) = engine.and_then(|r| r) {
        let e = format!("{e:#}");
        return Err(e.split(": start it").next().unwrap_or(&e).to_string());
    }
    let reg = registry.unwrap_or("localhost:5000").to_string();
    if registry.is_none() {
        use std::net::{TcpStream, ToSocketAddrs};
        let up = ("127.0.0.1", 5000)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .is_some_and(|a| TcpStream::connect_timeout(&a, std::time::Duration::from_secs(1)).is_ok());
        if !up {
            return Err("no registry answers on localhost:5000 (start one, or pass --registry HOST:PORT)".into());
        }
    }
    // A namespace of this run's own, so tags from an earlier demo never collide.
    let run = root
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("demo")
        .to_ascii_lowercase();
    let run: String = run
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    Ok(format!("{reg}/{}-{:x}", run.trim_matches('-'), stamp % 0xffff_ffff))
}

/// Points the sample's manifests at `ns` and gives it offline Dockerfiles.
fn use_registry(isp: &Path, ns: &str) -> Result<()> {
    for env in ["test", "prod"] {
        for f in ["api-deployment.yml", "wrk-deployment.yml"] {
            let p = isp.join("kubernetes").join(env).join(f);
            let t = std::fs::read_to_string(&p)?.replace("image: demo/hello-", &format!("image: {ns}/hello-"));
            std::fs::write(&p, t)?;
        }
    }
    std::fs::write(isp.join("docker/Dockerfile.api"), SCRATCH_API)?;
    std::fs::write(isp.join("docker/Dockerfile.wrk"), SCRATCH_WRK)?;
    Ok(())
}

/// The demo's settings: kube-2 is a peer clone on a local path.
const DEMO_CONFIG: &str = "# release settings for the demo\nclones:\n  kube-2: ../kube-2\n";

fn show_status(dir: &Path) -> Result<()> {
    let repo = crate::git::open(dir)?;
    let config = crate::config::Config::load(&repo.root)?;
    let st = crate::status::gather(&repo, &config, false)?;
    for line in crate::status::render(&st).lines() {
        ui::say(&format!("     {line}"));
    }
    Ok(())
}

fn narrate(msg: &str) {
    ui::say(&format!("\n-> {msg}"));
}

fn release_minor(dir: &Path, skip_images: bool) -> Result<()> {
    let opts = Options {
        dry_run: false,
        yes: true,
        ..Options::default()
    }
    .with_flag(crate::images::SKIP, skip_images);
    release::run(dir, &Request::Bump(Bump::Level(Level::Minor, None)), &opts).context("the demo release failed")?;
    Ok(())
}

fn clone(root: &Path, github: &Path, name: &str) -> Result<PathBuf> {
    let url = github.to_string_lossy().into_owned();
    git(root, &["clone", "--quiet", &url, name])?;
    let dir = root.join(name);
    git(&dir, &["config", "user.name", &format!("Demo on {name}")])?;
    git(&dir, &["config", "user.email", &format!("{name}@demo.invalid")])?;
    git(&dir, &["config", "release.name", name])?;
    Ok(dir)
}

fn write_sample(dir: &Path) -> Result<()> {
    for (path, content) in sample::FILES {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&full, content)?;
    }
    Ok(())
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = proc::run("git", args, dir, LOCAL_TIMEOUT)?;
    if !out.success {
        bail!("demo step `git {}` failed: {}", args.join(" "), out.complaint());
    }
    Ok(out.stdout)
}
