//! Reading the files `file("path")` and `templatefile("path", {…})` name: the file-reading edge
//! for compile-time reads. Lowering asks a [`FileReader`] (through the cache of
//! `model::reads`) and never touches the file system itself.
//!
//! Paths reach a reader already checked lexically (relative, `/` separators, normalised, inside
//! the source root); the disk reader checks again on the real path, so a symbolic link cannot
//! lead outside either.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file `file`/`templatefile` read: 1 MiB (a policy, a schema or a template; a
/// Lambda environment holds 4 KB and a CloudFormation template 1 MB in all).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    NotFound,
    /// A directory (or anything but a regular file).
    NotAFile,
    /// Larger than [`MAX_FILE_BYTES`] (its size).
    TooLarge(u64),
    /// Not UTF-8 text: the byte offset of the first invalid byte.
    NotUtf8(usize),
    /// A symbolic link that leads outside the source root: where it leads.
    Outside(String),
    /// There is no file system (a project compiled in memory).
    NoDisk,
    Io(String),
}

/// Where compile-time reads come from. `path` is relative to the project directory,
/// normalised (`model::paths::normalise`) and inside `root` (also relative to the project
/// directory: `app.source_root`, `"."` by default).
pub trait FileReader: Sync {
    fn read(&self, path: &str, root: &str) -> Result<String, ReadError>;
}

/// The reader of `slsc` itself: files under the project directory.
pub struct DiskFiles {
    pub dir: PathBuf,
}

/// The reader of in-memory projects (`compile_files`): there are no files.
pub struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, _path: &str, _root: &str) -> Result<String, ReadError> {
        Err(ReadError::NoDisk)
    }
}

impl FileReader for DiskFiles {
    fn read(&self, path: &str, root: &str) -> Result<String, ReadError> {
        let p = self.dir.join(path);
        let meta = std::fs::metadata(&p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Io(e.to_string()),
        })?;
        if !meta.is_file() {
            return Err(ReadError::NotAFile);
        }
        let real = std::fs::canonicalize(&p).map_err(|e| ReadError::Io(e.to_string()))?;
        let real_root =
            std::fs::canonicalize(self.dir.join(root)).unwrap_or_else(|_| self.dir.join(root));
        if !real.starts_with(&real_root) {
            return Err(ReadError::Outside(shown(&real, &self.dir)));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(meta.len()));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(&p)
            .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| ReadError::Io(e.to_string()))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(bytes.len() as u64));
        }
        String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
    }
}

/// Where a link leads, relative to the project directory when it can be.
fn shown(real: &Path, dir: &Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    match real.strip_prefix(&dir) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => real.display().to_string(),
    }
}
