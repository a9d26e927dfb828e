//! The build context: the files `.dockerignore` lets through, as a tar written on a thread
//! and streamed in 64 KiB chunks through a bounded channel (a large context never sits in
//! memory). The Dockerfile and `.dockerignore` are always sent, as Docker does.

use super::dockerignore::DockerIgnore;
use anyhow::{Context as _, Result};
use bytes::Bytes;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What goes into one context.
#[derive(Debug, Clone)]
pub struct BuildContext {
    pub dir: PathBuf,
    /// Paths relative to `dir`, slash-separated, parents before children.
    pub entries: Vec<String>,
    pub files: u64,
    pub bytes: u64,
    /// The Dockerfile's name inside the tar (as `dockerfile` for the engine).
    pub dockerfile_name: String,
    /// The Dockerfile's bytes when it lives outside the context (sent under that name).
    pub extra_dockerfile: Option<Vec<u8>>,
    pub notices: Vec<String>,
    /// Only what the Dockerfile's COPY/ADD read was taken (else the whole context).
    pub pruned: bool,
}

fn rel_slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Lists what `.dockerignore` lets through, and where the Dockerfile goes. With `only`
/// (the Dockerfile's COPY/ADD sources), just those paths are taken; a symlink among them
/// means the whole context after all (it may point anywhere).
pub fn scan(context_dir: &Path, dockerfile: &Path) -> Result<BuildContext> {
    scan_only(context_dir, dockerfile, None)
}

pub fn scan_only(context_dir: &Path, dockerfile: &Path, only: Option<&[String]>) -> Result<BuildContext> {
    match scan_inner(context_dir, dockerfile, only) {
        Err(e) if e.downcast_ref::<Symlink>().is_some() => scan_inner(context_dir, dockerfile, None),
        other => other,
    }
}

#[derive(Debug)]
struct Symlink;
impl std::fmt::Display for Symlink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a symlink among the sources")
    }
}
impl std::error::Error for Symlink {}

fn scan_inner(context_dir: &Path, dockerfile: &Path, only: Option<&[String]>) -> Result<BuildContext> {
    if !context_dir.is_dir() {
        anyhow::bail!("the build context {} is not a folder", context_dir.display());
    }
    let ignore_text = std::fs::read_to_string(context_dir.join(".dockerignore")).unwrap_or_default();
    let ignore = DockerIgnore::parse(&ignore_text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", context_dir.join(".dockerignore").display()))?;
    let mut ctx = BuildContext {
        dir: context_dir.to_path_buf(),
        entries: Vec::new(),
        files: 0,
        bytes: 0,
        dockerfile_name: String::new(),
        extra_dockerfile: None,
        notices: Vec::new(),
        pruned: only.is_some(),
    };
    let df_abs =
        std::fs::canonicalize(dockerfile).with_context(|| format!("{} does not exist", dockerfile.display()))?;
    let ctx_abs = std::fs::canonicalize(context_dir)?;
    let inside = df_abs.strip_prefix(&ctx_abs).ok().map(rel_slash);
    walk(&ctx_abs, Path::new(""), &ignore, only, &mut ctx)?;
    match inside {
        Some(rel) => {
            if ignore.excludes(&rel) {
                ctx.notices.push(format!(
                    ".dockerignore excludes {rel}; it is sent anyway, as Docker does"
                ));
            }
            if !ctx.entries.contains(&rel) {
                add_with_parents(&mut ctx, &rel, &ctx_abs)?;
            }
            ctx.dockerfile_name = rel;
        }
        None => {
            let bytes = std::fs::read(&df_abs)?;
            ctx.dockerfile_name = ".release-dockerfile".into();
            ctx.bytes += bytes.len() as u64;
            ctx.extra_dockerfile = Some(bytes);
        }
    }
    if ignore.excludes(".dockerignore") && ctx_abs.join(".dockerignore").exists() {
        add_with_parents(&mut ctx, ".dockerignore", &ctx_abs)?;
    }
    Ok(ctx)
}

fn add_with_parents(ctx: &mut BuildContext, rel: &str, root: &Path) -> Result<()> {
    let mut acc = String::new();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, p) in parts.iter().enumerate() {
        if !acc.is_empty() {
            acc.push('/');
        }
        acc.push_str(p);
        if !ctx.entries.contains(&acc) {
            ctx.entries.push(acc.clone());
            if i + 1 == parts.len() {
                ctx.files += 1;
                ctx.bytes += std::fs::symlink_metadata(root.join(&acc)).map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    Ok(())
}

fn walk(root: &Path, rel: &Path, ignore: &DockerIgnore, only: Option<&[String]>, ctx: &mut BuildContext) -> Result<()> {
    let dir = root.join(rel);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .collect();
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let r = rel.join(e.file_name());
        let key = rel_slash(&r);
        if only.is_some_and(|o| !super::dockerfile::wanted(&key, o)) && key != ".dockerignore" {
            continue;
        }
        let meta = std::fs::symlink_metadata(e.path())?;
        if only.is_some() && meta.file_type().is_symlink() {
            return Err(Symlink.into());
        }
        let excluded = ignore.excludes(&key);
        if meta.is_dir() {
            if excluded && !ignore.has_exclusions() {
                continue; // nothing below can come back
            }
            let before = ctx.entries.len();
            if !excluded {
                ctx.entries.push(key.clone());
            }
            walk(root, &r, ignore, only, ctx)?;
            if excluded && ctx.entries.len() > before {
                // something inside was re-included: its folder must come first
                ctx.entries.insert(before, key);
            }
        } else if !excluded {
            ctx.entries.push(key);
            ctx.files += 1;
            ctx.bytes += meta.len();
        }
    }
    Ok(())
}

/// A `Write` that hands 64 KiB chunks to the engine's request body.
struct ChannelWriter {
    buf: Vec<u8>,
    tx: tokio::sync::mpsc::Sender<Bytes>,
}

const CHUNK: usize = 64 * 1024;

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the engine stopped reading"))
    }
}

/// Writes the context as a tar on a thread; returns the chunks as they come.
pub fn stream(
    ctx: BuildContext,
) -> (
    tokio::sync::mpsc::Receiver<Bytes>,
    std::thread::JoinHandle<std::io::Result<()>>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let handle = std::thread::spawn(move || {
        let w = ChannelWriter {
            buf: Vec::with_capacity(CHUNK),
            tx,
        };
        write_tar(&ctx, w)
    });
    (rx, handle)
}

/// The tar itself (also used by tests to compare with `docker build`).
pub fn write_tar<W: Write>(ctx: &BuildContext, w: W) -> std::io::Result<()> {
    let mut tar = tar::Builder::new(w);
    tar.follow_symlinks(false);
    // dockerd cannot unpack GNU sparse entries (type 'S'): write sparse files out in full.
    tar.sparse(false);
    tar.mode(tar::HeaderMode::Deterministic);
    for e in &ctx.entries {
        tar.append_path_with_name(ctx.dir.join(e), e)?;
    }
    if let Some(bytes) = &ctx.extra_dockerfile {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, &ctx.dockerfile_name, bytes.as_slice())?;
    }
    let mut w = tar.into_inner()?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for f in files {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, f.as_bytes()).unwrap();
        }
        d
    }

    #[test]
    fn ignore_rules_reinclude_and_dockerfile_always_sent() {
        let d = tree(&[
            "Dockerfile",
            "src/app.py",
            "data/big.bin",
            "data/keep.txt",
            "a.log",
            "sub/a.log",
            ".git/HEAD",
        ]);
        std::fs::write(
            d.path().join(".dockerignore"),
            ".git\ndata\n!data/keep.txt\n*.log\nDockerfile\n",
        )
        .unwrap();
        let c = scan(d.path(), &d.path().join("Dockerfile")).unwrap();
        assert_eq!(
            c.entries,
            vec![
                ".dockerignore",
                "data",
                "data/keep.txt",
                "src",
                "src/app.py",
                "sub",
                "sub/a.log",
                "Dockerfile"
            ]
        );
        assert_eq!(c.dockerfile_name, "Dockerfile");
        assert!(c.notices[0].contains("sent anyway"));
        let mut out = Vec::new();
        write_tar(&c, &mut out).unwrap();
        let names: Vec<String> = tar::Archive::new(out.as_slice())
            .entries()
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .path()
                    .unwrap()
                    .to_string_lossy()
                    .trim_end_matches('/')
                    .to_string()
            })
            .collect();
        assert_eq!(names, c.entries);
    }

    #[test]
    fn dockerfile_outside_the_context_is_sent_under_its_own_name() {
        let d = tree(&["docker/Dockerfile.api", "src/app.py"]);
        let c = scan(&d.path().join("src"), &d.path().join("docker/Dockerfile.api")).unwrap();
        assert_eq!(c.entries, vec!["app.py"]);
        assert_eq!(c.dockerfile_name, ".release-dockerfile");
        assert!(c.extra_dockerfile.is_some());
    }

    #[test]
    fn only_the_sources_when_asked_and_all_with_a_symlink() {
        let d = tree(&[
            "Dockerfile",
            "src/app.py",
            "src/x/y.py",
            "data/big.bin",
            "docs/a.md",
            "docs/a.txt",
        ]);
        let only = vec!["src".to_string(), "docs/*.md".into()];
        let c = scan_only(d.path(), &d.path().join("Dockerfile"), Some(&only)).unwrap();
        assert!(c.pruned);
        assert_eq!(
            c.entries,
            vec![
                "docs",
                "docs/a.md",
                "src",
                "src/app.py",
                "src/x",
                "src/x/y.py",
                "Dockerfile"
            ]
        );
        std::os::unix::fs::symlink("../data/big.bin", d.path().join("src/link")).unwrap();
        let c = scan_only(d.path(), &d.path().join("Dockerfile"), Some(&only)).unwrap();
        assert!(!c.pruned && c.entries.contains(&"data/big.bin".to_string()));
    }

    #[test]
    fn sparse_files_are_written_as_plain_entries() {
        let d = tree(&["Dockerfile"]);
        let f = std::fs::File::create(d.path().join("sparse.bin")).unwrap();
        f.set_len(4 << 20).unwrap();
        let c = scan(d.path(), &d.path().join("Dockerfile")).unwrap();
        let mut out = Vec::new();
        write_tar(&c, &mut out).unwrap();
        for e in tar::Archive::new(out.as_slice()).entries().unwrap() {
            let e = e.unwrap();
            assert_ne!(
                e.header().entry_type(),
                tar::EntryType::GNUSparse,
                "{:?}",
                e.path().unwrap()
            );
        }
    }

    #[test]
    fn streamed_in_bounded_chunks() {
        let d = tree(&["Dockerfile"]);
        std::fs::write(d.path().join("big"), vec![7u8; 1 << 20]).unwrap();
        let c = scan(d.path(), &d.path().join("Dockerfile")).unwrap();
        assert_eq!(c.bytes, (1 << 20) + "Dockerfile".len() as u64);
        let (mut rx, h) = stream(c);
        let mut total = 0;
        let mut max = 0;
        while let Some(b) = rx.blocking_recv() {
            total += b.len();
            max = max.max(b.len());
        }
        h.join().unwrap().unwrap();
        assert!(total > 1 << 20 && max <= 2 * CHUNK, "{total} {max}");
    }
}
