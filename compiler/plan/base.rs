//! Where the plan's base comes from: another directory, a git revision, or (with `slsc
//! deploy`) a deployed stack.
//!
//! `--base-ref` reads the project as it is at a commit through `git` itself — `rev-parse`,
//! `ls-tree` and one `cat-file --batch` — and writes those files into a private temporary
//! directory: the work tree, the index and `HEAD` are never touched, and a shallow clone works
//! as long as the commit has been fetched (`git fetch --depth=1 origin main`).

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The base of a plan.
#[derive(Debug, Clone)]
pub enum Base {
    /// `--base DIR`: another copy of the project.
    Dir(PathBuf),
    /// `--base-ref GITREF`: the project at a git revision.
    GitRef(String),
    /// `--stack NAME`: the template of a deployed CloudFormation stack.
    Stack {
        name: String,
        endpoint_url: Option<String>,
    },
}

/// A directory removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> std::io::Result<TempDir> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e} (--base-ref needs git on the PATH)"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(err);
    }
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

/// A project checked out of git into a temporary directory.
#[derive(Debug)]
pub struct Export {
    pub dir: TempDir,
    /// The repository's top level inside `dir`.
    pub root: PathBuf,
    /// The project path (directory or file) inside `dir`.
    pub project: PathBuf,
    /// The commit read.
    pub commit: String,
    /// The project path relative to the repository's top level (`/`-separated, "" = top).
    pub rel: String,
    /// The project did not exist at the commit (new in this change): the base is empty.
    pub absent: bool,
    repo: PathBuf,
}

/// Resolves the repository and the commit of `path` at `gitref`, and exports the project's
/// files (the directory or file `path` names) at that commit.
pub fn export(path: &Path, gitref: &str) -> Result<Export, String> {
    let abs =
        std::fs::canonicalize(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let dir = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let top = git(&dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        format!(
            "--base-ref needs a git repository: {} is not in one ({e})",
            path.display()
        )
    })?;
    let top = std::fs::canonicalize(top.trim())
        .map_err(|e| format!("cannot read the repository's top level: {e}"))?;
    let rel = abs.strip_prefix(&top).map_err(|_| {
        format!(
            "{} is outside the repository {}",
            abs.display(),
            top.display()
        )
    })?;
    let rel: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().to_string()),
            _ => None,
        })
        .collect();
    let rel = rel.join("/");
    let commit = git(
        &top,
        &["rev-parse", "--verify", "--quiet", &format!("{gitref}^{{commit}}")],
    )
    .map_err(|_| {
        format!(
            "unknown git revision `{gitref}` (in a shallow clone, fetch it first: git fetch --depth=1 origin {gitref})"
        )
    })?
    .trim()
    .to_string();
    let tmp = TempDir::new("slsc-base")
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    let project = if rel.is_empty() {
        root.clone()
    } else {
        root.join(&rel)
    };
    let mut e = Export {
        dir: tmp,
        root,
        project,
        commit,
        rel: rel.clone(),
        absent: false,
        repo: top,
    };
    // A project that is new in this change plans as all creates.
    e.absent = e.add(&rel)? == 0;
    Ok(e)
}

impl Export {
    /// Exports the files under `rel` (relative to the repository's top level; "" = all) at
    /// the commit. Returns how many files were written.
    pub fn add(&self, rel: &str) -> Result<usize, String> {
        let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", self.commit.as_str()];
        if !rel.is_empty() {
            args.push("--");
            args.push(rel);
        }
        let listing = git(&self.repo, &args).map_err(|e| format!("git ls-tree failed: {e}"))?;
        // "<mode> SP <type> SP <object> TAB <path>" entries, NUL-terminated.
        let mut files: Vec<(String, String, String)> = Vec::new();
        for entry in listing.split('\0').filter(|e| !e.is_empty()) {
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut parts = meta.split(' ');
            let (Some(mode), Some(kind), Some(oid)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            // Submodules (`commit`) are not part of the project's files.
            if kind == "blob" {
                files.push((mode.to_string(), oid.to_string(), path.to_string()));
            }
        }
        if files.is_empty() {
            return Ok(0);
        }
        let blobs = self.read_blobs(files.iter().map(|(_, o, _)| o.as_str()))?;
        for ((mode, _, path), bytes) in files.iter().zip(blobs) {
            if path.split('/').any(|c| c == ".." || c.is_empty()) {
                continue;
            }
            let dest = self.root.join(path);
            if let Some(p) = dest.parent() {
                std::fs::create_dir_all(p)
                    .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
            }
            if mode == "120000" {
                #[cfg(unix)]
                {
                    let target = String::from_utf8_lossy(&bytes).to_string();
                    let _ = std::fs::remove_file(&dest);
                    std::os::unix::fs::symlink(target, &dest)
                        .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
                }
                continue;
            }
            std::fs::write(&dest, &bytes)
                .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
            #[cfg(unix)]
            if mode == "100755" {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755));
            }
        }
        Ok(files.len())
    }

    /// Reads blobs with one `git cat-file --batch`.
    fn read_blobs<'a>(&self, oids: impl Iterator<Item = &'a str>) -> Result<Vec<Vec<u8>>, String> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.repo)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run git: {e}"))?;
        let input: String = oids.map(|o| format!("{o}\n")).collect();
        let count = input.lines().count();
        let mut stdin = child.stdin.take().expect("piped stdin");
        // Feed the object ids from another thread so a large output cannot deadlock the pipe.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let mut out = Vec::new();
        child
            .stdout
            .take()
            .expect("piped stdout")
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot read from git: {e}"))?;
        let _ = writer.join();
        let status = child.wait().map_err(|e| format!("git failed: {e}"))?;
        if !status.success() {
            return Err("git cat-file failed".to_string());
        }
        // "<oid> SP <type> SP <size> LF <contents> LF" per object.
        let mut blobs = Vec::with_capacity(count);
        let mut i = 0;
        while blobs.len() < count {
            let nl = out[i..]
                .iter()
                .position(|b| *b == b'\n')
                .ok_or("git cat-file: truncated output")?;
            let header = String::from_utf8_lossy(&out[i..i + nl]).to_string();
            i += nl + 1;
            let size: usize = header
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("git cat-file: unexpected header `{header}`"))?;
            let end = i + size;
            if end > out.len() {
                return Err("git cat-file: truncated output".to_string());
            }
            blobs.push(out[i..end].to_vec());
            i = end + 1;
        }
        Ok(blobs)
    }

    /// Exports the paths a project reads from outside its own directory (`source = "../lib"`),
    /// given as paths relative to the project directory. Returns whether anything was added.
    pub fn add_outside(&self, project_dir_rel: &str, paths: &[String]) -> Result<bool, String> {
        let mut added = false;
        for p in paths {
            let joined = if project_dir_rel.is_empty() {
                p.clone()
            } else {
                format!("{project_dir_rel}/{p}")
            };
            let Some(norm) = normalise(&joined) else {
                continue;
            };
            let inside = project_dir_rel.is_empty()
                || norm == project_dir_rel
                || norm.starts_with(&format!("{project_dir_rel}/"));
            if !inside && self.add(&norm)? > 0 {
                added = true;
            }
        }
        Ok(added)
    }
}

/// `a/b/../c` → `a/c`; `None` when the path leaves the repository.
fn normalise(p: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            c => out.push(c),
        }
    }
    Some(out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn normalises_relative_paths() {
        assert_eq!(normalise("svc/../lib/x").as_deref(), Some("lib/x"));
        assert_eq!(normalise("./a//b/").as_deref(), Some("a/b"));
        assert_eq!(normalise("../x"), None);
    }
}
