//! Writing a build to its output directory (`slsc build --out DIR`): the file-writing edge.
//!
//! A reader of `DIR` — a deploy, a CI step, another build — sees either the previous build or
//! the new one, whole, never a mix or a torn file:
//! - **Lock.** The whole write holds an exclusive lock on `DIR/.slsc-lock` (an OS file lock,
//!   released when the process ends, even when it is killed), so concurrent builds into one
//!   directory take turns; each leaves a complete build behind.
//! - **Temporary files, renamed into place.** Each file is written under a temporary name in
//!   `DIR` (same file system), flushed to disk, and renamed over its final name: a full disk or
//!   a kill mid-write leaves the previous file as it was. Artifacts go first, then the template
//!   that refers to them, then the manifest.
//! - **Artifacts verified.** An artifact whose name already exists is kept only when its bytes
//!   are the ones this build produced (a truncated or edited zip is replaced); a kept one keeps
//!   its modification time, so tools watching the folder see no change.
//! - **A manifest of what slsc wrote** (`DIR/.slsc-manifest.json`). Cleanup removes only the
//!   files the previous build's manifest lists and this build does not: never a file slsc did
//!   not write (such as a prebuilt `artifact` the project keeps in that folder). A directory
//!   written by an older slsc, without a manifest, has its stale `artifacts/NAME-HASH.zip` files
//!   removed only when their contents hash to the name (so they are slsc's own).

use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The manifest's file name in the output directory.
pub const MANIFEST: &str = ".slsc-manifest.json";
const LOCK: &str = ".slsc-lock";

/// Writes the files of a build (relative path → content in chunks) into `out` (see the module
/// documentation).
pub fn write(out: &Path, files: &[(String, Vec<Vec<u8>>)]) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.join(LOCK))?;
    lock.lock()?;
    // Temporary files of a write that was killed (no other write is running: the lock is ours).
    for dir in [out.to_path_buf(), out.join("artifacts")] {
        remove_leftover_temporaries(&dir)?;
    }
    let previous = read_manifest(out);
    // Artifacts before the template that names them; the template before the manifest.
    let mut order: Vec<&(String, Vec<Vec<u8>>)> = files.iter().collect();
    order.sort_by_key(|(rel, _)| !rel.starts_with("artifacts/"));
    for (rel, chunks) in order {
        let path = out.join(rel);
        update(&path, chunks)?;
    }
    let now: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let manifest = serde_json::json!({ "files": now }).to_string() + "\n";
    update(&out.join(MANIFEST), &[manifest.into_bytes()])?;
    match previous {
        Some(old) => {
            for rel in old.iter().filter(|r| !now.contains(r.as_str())) {
                remove_written(out, rel)?;
            }
        }
        None => remove_unlisted_own_artifacts(out, &now)?,
    }
    drop(lock);
    Ok(())
}

/// The files the previous build wrote, from its manifest (`None` without one).
fn read_manifest(out: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(out.join(MANIFEST)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(
        v.get("files")?
            .as_array()?
            .iter()
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect(),
    )
}

/// Removes a file a previous build wrote; only plain relative paths inside `out`.
fn remove_written(out: &Path, rel: &str) -> std::io::Result<()> {
    let safe = !rel.is_empty()
        && !rel.starts_with('/')
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..");
    if !safe {
        return Ok(());
    }
    match std::fs::remove_file(out.join(rel)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Without a manifest (a directory an older slsc wrote): removes the `artifacts/*.zip` files
/// this build does not use whose name ends with the first 16 hex digits of their own sha256 —
/// slsc's artifacts, never a user's zip.
fn remove_unlisted_own_artifacts(out: &Path, now: &BTreeSet<&str>) -> std::io::Result<()> {
    let Ok(listing) = std::fs::read_dir(out.join("artifacts")) else {
        return Ok(());
    };
    for entry in listing {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("artifacts/{name}");
        let Some(hash) = name
            .strip_suffix(".zip")
            .and_then(|s| s.rsplit_once('-'))
            .map(|(_, h)| h.to_string())
        else {
            continue;
        };
        if now.contains(rel.as_str()) || hash.len() != 16 {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        if crate::emit::artifacts::hex(&Sha256::digest(&bytes)).starts_with(&hash) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Removes the `.NAME.slsc-tmp-…` files a killed write left in `dir`.
fn remove_leftover_temporaries(dir: &Path) -> std::io::Result<()> {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in listing {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".slsc-tmp-") && entry.path().is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Whether the file at `path` holds exactly `chunks`.
fn same_contents(path: &Path, chunks: &[Vec<u8>]) -> bool {
    // A symbolic link is never "the same": it is replaced by a file.
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    let len: usize = chunks.iter().map(Vec::len).sum();
    if !meta.is_file() || meta.len() != len as u64 {
        return false;
    }
    // Compared a block at a time: a template can be tens of megabytes.
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut want = chunks.iter().flat_map(|c| c.chunks(1 << 16));
    let mut pending: &[u8] = &[];
    loop {
        let n = match std::io::Read::read(&mut f, &mut buf) {
            Ok(0) => return pending.is_empty() && want.next().is_none(),
            Ok(n) => n,
            Err(_) => return false,
        };
        let mut got = &buf[..n];
        while !got.is_empty() {
            if pending.is_empty() {
                match want.next() {
                    Some(w) => pending = w,
                    None => return false,
                }
            }
            let k = pending.len().min(got.len());
            if pending[..k] != got[..k] {
                return false;
            }
            pending = &pending[k..];
            got = &got[k..];
        }
    }
}

/// Makes `path` hold `chunks`. A file that already holds these bytes is left as it is (no
/// write, no flush to disk): a rebuild of an unchanged project touches nothing.
fn update(path: &Path, chunks: &[Vec<u8>]) -> std::io::Result<()> {
    if same_contents(path, chunks) {
        return Ok(());
    }
    replace(path, chunks)
}

/// Writes `chunks` to a temporary file beside `path`, flushes it to disk and renames it over
/// `path`. On failure the temporary file is removed and `path` is untouched.
fn replace(path: &Path, chunks: &[Vec<u8>]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = temporary_name(path);
    let result = (|| {
        // Buffered: a template is thousands of small pieces.
        let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        for c in chunks {
            f.write_all(c)?;
        }
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `.NAME.slsc-tmp-PID-N` beside the final file (hidden: never packaged, never read as a
/// build).
fn temporary_name(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.slsc-tmp-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}
