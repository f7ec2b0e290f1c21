//! Reading a local module's files (`source = "./path"`, a directory relative to the declaring
//! file): the file-reading edge for modules. Lowering asks a [`ModuleLoader`] and never touches
//! the file system itself; stdlib modules (`std/NAME`) are inside the binary
//! (`crate::stdlib`) and need no loader.

use super::display_path;
use std::path::{Path, PathBuf};

/// The files of one local module.
#[derive(Debug, Clone)]
pub struct ModuleFiles {
    /// The directory, canonical: what identifies the module (for cycles), and what its own
    /// `./path` sources are relative to.
    pub dir: PathBuf,
    /// (display name, bytes), sorted by name.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Where local modules come from. `from` is the directory of the file that declares the
/// `module` block. `Err` is the message of a `source-not-found` diagnostic.
pub trait ModuleLoader: Sync {
    fn load(&self, from: &Path, source: &str) -> Result<ModuleFiles, String>;
    /// A directory as [`ModuleFiles::dir`] names it (canonical), to recognise the project's
    /// own directory used as a module; `None` without a file system.
    fn identify(&self, dir: &Path) -> Option<PathBuf>;
}

/// The loader of `slsc` itself: directories on disk, where a file an editor holds unsaved is
/// read from `overlays` (by canonical path; `slsc lsp`).
pub struct DiskLoader<'o> {
    pub overlays: &'o std::collections::BTreeMap<PathBuf, String>,
}

/// The loader of in-memory projects (`compile_files`): there are no directories.
pub struct NoDisk;

impl ModuleLoader for NoDisk {
    fn load(&self, _from: &Path, source: &str) -> Result<ModuleFiles, String> {
        Err(format!(
            "module \"{source}\": local modules need a project on disk (this project is in memory)"
        ))
    }
    fn identify(&self, _dir: &Path) -> Option<PathBuf> {
        None
    }
}

impl ModuleLoader for DiskLoader<'_> {
    fn identify(&self, dir: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(dir).ok()
    }

    fn load(&self, from: &Path, source: &str) -> Result<ModuleFiles, String> {
        let dir = from.join(source);
        let shown = display_path(&dir);
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("module directory \"{source}\" cannot be read ({shown}: {e})"))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sls"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(format!(
                "module directory \"{source}\" has no .sls files (looked in {shown})"
            ));
        }
        let mut files = Vec::with_capacity(paths.len());
        for p in paths {
            let unsaved = (!self.overlays.is_empty())
                .then(|| std::fs::canonicalize(&p).ok())
                .flatten()
                .and_then(|c| self.overlays.get(&c));
            let bytes = match unsaved {
                Some(t) => t.as_bytes().to_vec(),
                None => std::fs::read(&p)
                    .map_err(|e| format!("cannot read {}: {e}", display_path(&p)))?,
            };
            files.push((display_path(&p), bytes));
        }
        Ok(ModuleFiles {
            dir: std::fs::canonicalize(&dir).unwrap_or(dir),
            files,
        })
    }
}
