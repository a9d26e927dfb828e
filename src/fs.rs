//! Files on disk: every write is atomic (a temporary file in the same folder, then a
//! rename), keeps the old file's permissions, and writes the bytes it is given.

use anyhow::{Context, Result};
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    write_atomic_in(path, bytes, dir)
}

/// [`write_atomic`] with the temporary file in `tmp_dir` (on the same file system), so a
/// process killed mid-write leaves nothing beside the file (`.git/release/tmp` for a
/// release's writes).
pub fn write_atomic_in(path: &Path, bytes: &[u8], tmp_dir: &Path) -> Result<()> {
    temp_with(path, bytes, tmp_dir)?
        .persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Writes `bytes` to `path`, which must not exist yet, through a temporary file in
/// `tmp_dir` moved into place without replacing anything: a file that appeared meanwhile
/// is never written over (an error says so).
pub fn write_new_in(path: &Path, bytes: &[u8], tmp_dir: &Path) -> Result<()> {
    match temp_with(path, bytes, tmp_dir)?.persist_noclobber(path) {
        Ok(_) => Ok(()),
        // `tmp_dir` is on another file system (a separate git dir): create it in place.
        Err(e) if e.error.kind() == std::io::ErrorKind::CrossesDevices => {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .with_context(|| format!("creating {}", path.display()))?;
            f.write_all(bytes)
                .with_context(|| format!("writing {}", path.display()))
        }
        Err(e) => Err(e.error).with_context(|| format!("placing {}", path.display())),
    }
}

/// A temporary file in `tmp_dir` holding `bytes`, with the mode `path` has (or the umask's
/// for a new file), and `path`'s folder made.
fn temp_with(path: &Path, bytes: &[u8], tmp_dir: &Path) -> Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::create_dir_all(tmp_dir).with_context(|| format!("creating {}", tmp_dir.display()))?;
    let mut tmp =
        tempfile::NamedTempFile::new_in(tmp_dir).with_context(|| format!("writing in {}", tmp_dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    let perms = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions(),
        Err(_) => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::Permissions::from_mode(0o666 & !umask())
        }
    };
    let _ = tmp.as_file().set_permissions(perms);
    Ok(tmp)
}

/// Whether a relative path stays inside the folder it is relative to (`a/../b` does; an
/// absolute path or one that climbs out does not).
pub fn stays_inside(p: &Path) -> bool {
    use std::path::Component;
    let mut depth = 0i64;
    for c in p.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// `root/rel` for writing: refused when it leaves `root` through `..`, or when it or
/// any folder on the way is a symbolic link (a link could point anywhere).
pub fn inside(root: &Path, rel: &Path) -> Result<std::path::PathBuf> {
    if !stays_inside(rel) {
        anyhow::bail!("{} is outside the repository: nothing is written there", rel.display());
    }
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            anyhow::bail!(
                "{} is a symbolic link: a release writes only real files inside the repository (replace the link with the file or folder itself)",
                at.strip_prefix(root).unwrap_or(&at).display()
            );
        }
    }
    Ok(at)
}

/// Whether any process has `path` open (Linux: a link to it under /proc/*/fd).
pub fn held_open(path: &Path) -> bool {
    let Ok(want) = path.canonicalize() else {
        return false;
    };
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|p| {
        std::fs::read_dir(p.path().join("fd"))
            .map(|fds| {
                fds.flatten()
                    .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == want))
            })
            .unwrap_or(false)
    })
}

/// The 1-based line of the first byte sequence that is not UTF-8; `None` when all is.
pub fn first_bad_utf8_line(bytes: &[u8]) -> Option<usize> {
    let e = std::str::from_utf8(bytes).err()?;
    Some(bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1)
}

/// The SHA-256 of `bytes`, in hex: how an undo recognises the bytes it wrote.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The process's umask (new files get `0666 & !umask`, as any program's would).
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Umask:"))?;
            u32::from_str_radix(line.split_whitespace().nth(1)?, 8).ok()
        })
        .unwrap_or(0o022)
}

/// The file's bytes, or `None` when it does not exist (any other failure is an error).
pub fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_and_replaces_keeping_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.txt");
        super::write_atomic(&p, b"one").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o751)).unwrap();
        super::write_atomic(&p, b"two\xff").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two\xff");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o751);
        assert_eq!(super::read_if_exists(&dir.path().join("none")).unwrap(), None);
    }
}
