//! Function code artifacts: one deterministic zip per distinct `source` directory (shared by the
//! functions that use it) and one per prebuilt `artifact` file (SPEC §3, §8).
//!
//! This is a **file-reading edge**: [`build`] reads the project's files; everything else in emit
//! works on the returned [`Artifact`]s.
//!
//! # Determinism
//!
//! A zip built here depends only on the relative paths, contents and owner-executable bits of the
//! packaged files — not on the machine, the folder the project is in, the file system's listing
//! order, timestamps, owners or the OS — so an unchanged function keeps its key and never
//! redeploys:
//! - entries are regular files only (no directory entries), sorted by their relative path with
//!   `/` separators (byte order);
//! - every entry has the DOS epoch as its time (1980-01-01 00:00:00), "made by" Unix, unix mode
//!   `0100644`, or `0100755` when the source file is executable by its owner (so a `bootstrap`
//!   stays executable; on systems without unix modes, a file named `bootstrap` is taken as
//!   executable), no extra fields (no extended timestamps, uid/gid, NTFS times), no comments;
//! - data is deflated at level 6 by miniz_oxide (pure Rust: the same bytes on every CPU).
//!
//! # What is packaged
//!
//! Regular files under the source directory, and only files inside the **source root** (the
//! project directory, or `app.source_root`; model/paths.rs), except the default exclusions:
//! - `*.sls` files; hidden files and directories (names starting with `.`: `.slsc/`, `.git/`,
//!   `.env`, `.terraform/`, `.serverless/`, `.aws-sam/`);
//! - the directories in `exclude_dirs` (the build output directory when it is inside the
//!   source), and any directory that holds an earlier build of slsc (an `artifacts/` directory
//!   beside a `template.json` or `main.tf.json`) or of the AWS CDK (`cdk.out/`);
//! - caches and state: `__pycache__/`, Terraform state (`*.tfstate`, `*.tfstate.backup`);
//! - private keys: `id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519`, PKCS#12 stores (`*.p12`,
//!   `*.pfx`) and any file whose text holds a PEM private key (`-----BEGIN … PRIVATE KEY-----`);
//!   certificates and CA bundles (`*.pem` without a private key) are packaged;
//! - entries that are neither files, directories nor symbolic links (sockets, FIFOs, devices).
//!
//! Symbolic links are resolved: a link whose target lies outside the source root is refused
//! (`source-outside-project`, naming the link and where it points), never followed — so a link to
//! `/proc/self/environ` or `~/.aws/credentials` cannot end up in a zip. A link to a file inside
//! the root is packaged with the target's contents and executable bit under the link's name; a
//! link to a directory inside the root is skipped (no cycles); a dangling link is an error, since
//! the function would miss a file. The source directory and a prebuilt `artifact` are resolved
//! the same way: one that resolves outside the root is refused.

use super::package_filter::{self, Filter};
use crate::diagnostics::{Diagnostic, Span};
use crate::model::paths::normalise;
use crate::model::{BlockKind, Model};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// One deterministic zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The `source` directory as written, normalised ("src", "functions/thumbnail", "."), or the
    /// `artifact` file path (normalised the same way).
    pub source: String,
    /// `artifacts/<slug>-<sha256 of the zip bytes, first 16 hex>.zip`. The slug is the relative
    /// source path with `/` and `.` turned into `-` (and any other character outside
    /// `[A-Za-z0-9_-]` too), `"."` → `app`; for a prebuilt `artifact`, the slug of its path
    /// without the `.zip` extension.
    pub key: String,
    pub bytes: Vec<u8>,
    /// Full sha256 of the bytes: lowercase hex.
    pub sha256_hex: String,
    /// Full sha256 of the bytes, base64 (standard alphabet, padded): Terraform's
    /// `source_code_hash`.
    pub sha256_base64: String,
    /// The functions (names) that use it, and the layers ([`layer_user`]), sorted.
    pub functions: Vec<String>,
    /// With `--explain-artifacts`: every path considered, and why it was left out (`None`:
    /// packaged), in the order they were seen.
    pub explained: Vec<(String, Option<String>)>,
}

/// Builds one artifact per distinct source directory (shared by the functions using it) and one
/// per prebuilt artifact file, in a deterministic order (sorted by source). Reads files: this is
/// a file-reading edge.
///
/// `project_dir` is the directory `source`/`artifact` paths are relative to; `exclude_dirs` are
/// directories never packaged (the build output directory, when it lies inside a source;
/// relative ones are relative to `project_dir`).
/// Errors are `source-not-found` (missing or unreadable source, a source that is not a directory,
/// a missing prebuilt artifact) or `invalid-value` (a prebuilt artifact that is not a zip), at
/// each affected function's `source`/`artifact` span.
pub fn build(
    model: &Model,
    project_dir: &Path,
    exclude_dirs: &[PathBuf],
) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    build_explained(model, project_dir, exclude_dirs, false)
}

/// The patterns of a function's `exclude` and `include`.
fn filter_of(f: &crate::model::Block) -> Filter {
    let list = |name: &str| {
        f.get(name)
            .map(|v| {
                v.as_list()
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Filter {
        exclude: list("exclude"),
        include: list("include"),
    }
}

/// [`build`], and with `explain` each artifact lists what it considered and why
/// ([`Artifact::explained`]).
pub fn build_explained(
    model: &Model,
    project_dir: &Path,
    exclude_dirs: &[PathBuf],
    explain: bool,
) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    // (normalised path, prebuilt, patterns) → the functions using it, with the span to report
    // at. Functions with the same source but different patterns get different zips.
    type Group = (String, bool, Filter);
    let mut groups: BTreeMap<Group, Vec<(String, Span)>> = BTreeMap::new();
    for f in model.of_kind(BlockKind::Function) {
        let (attr, prebuilt) = if f.str("artifact").is_some() {
            ("artifact", true)
        } else {
            ("source", false)
        };
        let raw = f.str(attr).unwrap_or(".");
        groups
            .entry((normalise(raw), prebuilt, filter_of(f)))
            .or_default()
            .push((f.name.clone(), f.span_of(attr)));
    }
    for l in model.of_kind(BlockKind::Layer) {
        let raw = l.str("source").unwrap_or(".");
        groups
            .entry((normalise(raw), false, filter_of(l)))
            .or_default()
            .push((layer_user(&l.name), l.span_of("source")));
    }
    let excludes: Vec<PathBuf> = exclude_dirs
        .iter()
        .map(|d| canonical_or_absolute(&project_dir.join(d)))
        .collect();
    let root_rel = model.app.str("source_root").unwrap_or(".");
    let root = canonical_or_absolute(&project_dir.join(root_rel));
    let mut artifacts = Vec::new();
    let mut diags = Vec::new();
    for ((source, prebuilt, filter), mut users) in groups {
        users.sort();
        let path = project_dir.join(&source);
        let log = std::cell::RefCell::new(Vec::new());
        let walk = Walk {
            root: &root,
            excludes: &excludes,
            filter: &filter,
            explain: explain.then_some(&log),
        };
        let built = if prebuilt {
            read_prebuilt(&path, &root)
        } else {
            zip_dir(&path, &walk)
        };
        match built {
            Ok(bytes) => {
                let digest: [u8; 32] = Sha256::digest(&bytes).into();
                let sha256_hex = hex(&digest);
                let base = if prebuilt {
                    strip_zip_ext(&source)
                } else {
                    &source
                };
                let key = format!("artifacts/{}-{}.zip", slug(base), &sha256_hex[..16]);
                artifacts.push(Artifact {
                    source,
                    key,
                    bytes,
                    sha256_base64: base64(&digest),
                    sha256_hex,
                    functions: users.into_iter().map(|(n, _)| n).collect(),
                    explained: log.into_inner(),
                });
            }
            Err(problem) => {
                let attr = if prebuilt { "artifact" } else { "source" };
                for (_, span) in &users {
                    diags.push(problem.diagnostic(attr, &source, &path, *span));
                }
            }
        }
    }
    if diags.is_empty() {
        Ok(artifacts)
    } else {
        diags.sort_by(|a, b| (a.span, &a.message).cmp(&(b.span, &b.message)));
        Err(diags)
    }
}

/// The key a function's artifact will have, with zeros in place of the content hash: the same
/// length as the real key, so a template emitted with it has the real template's size. Reads no
/// file (`check` measures the template this way without packaging).
pub fn placeholder_key(f: &crate::model::Block) -> String {
    let (raw, prebuilt) = match f.str("artifact") {
        Some(a) => (a, true),
        None => (f.str("source").unwrap_or("."), false),
    };
    let source = normalise(raw);
    let base = if prebuilt {
        strip_zip_ext(&source)
    } else {
        &source
    };
    format!("artifacts/{}-{}.zip", slug(base), "0".repeat(16))
}

/// How a layer is listed among an artifact's users (next to function names, which have no `:`).
pub fn layer_user(layer: &str) -> String {
    format!("layer:{layer}")
}

/// The block whose code an artifact user ([`Artifact::functions`]) packages: a function, or a
/// layer ([`layer_user`]).
pub fn user_block<'m>(model: &'m Model, user: &str) -> Option<&'m crate::model::Block> {
    match user.strip_prefix("layer:") {
        Some(l) => model.find(BlockKind::Layer, l),
        None => model.find(BlockKind::Function, user),
    }
}

/// The artifact a function's code lives in (looked up by function name, or a layer's by
/// [`layer_user`]).
pub fn key_for<'a>(artifacts: &'a [Artifact], function: &str) -> Option<&'a Artifact> {
    artifacts.iter().find(|a| {
        a.functions
            .binary_search_by(|n| n.as_str().cmp(function))
            .is_ok()
    })
}

fn strip_zip_ext(path: &str) -> &str {
    let n = path.len();
    if n >= 4 && path.is_char_boundary(n - 4) && path[n - 4..].eq_ignore_ascii_case(".zip") {
        &path[..n - 4]
    } else {
        path
    }
}

/// `functions/thumbnail` → `functions-thumbnail`; `.` (or nothing) → `app`.
fn slug(normalised: &str) -> String {
    if normalised == "." || normalised.is_empty() {
        return "app".to_string();
    }
    normalised
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Lowercase hex of bytes (artifact keys; the build output's own-artifact check).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Standard base64 with padding (RFC 4648 §4), as Terraform's `filebase64sha256` gives.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn canonical_or_absolute(p: &Path) -> PathBuf {
    p.canonicalize()
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Why an artifact could not be built.
enum Problem {
    /// The source directory / artifact file does not exist.
    Missing,
    /// The source is not a directory (or the artifact is a directory).
    WrongKind,
    /// The artifact file does not start with `PK\x03\x04`.
    NotZip,
    /// A file or directory could not be read.
    Io { path: PathBuf, error: String },
    /// A file name that cannot be a zip entry name.
    BadName { path: PathBuf },
    /// A symbolic link whose target does not exist.
    Dangling { path: PathBuf },
    /// The source, the artifact or a symbolic link inside the source resolves outside the
    /// source root.
    Outside { path: PathBuf, target: PathBuf },
}

impl Problem {
    fn io(path: &Path, e: std::io::Error) -> Problem {
        Problem::Io {
            path: path.to_path_buf(),
            error: e.to_string(),
        }
    }

    fn diagnostic(&self, attr: &str, rel: &str, full: &Path, span: Span) -> Diagnostic {
        let shown = |p: &Path| crate::syntax::display_path(p);
        let dir = attr == "source";
        match self {
            Problem::Missing => {
                let what = if dir { "directory" } else { "file" };
                Diagnostic::error(
                    "source-not-found",
                    span,
                    format!("{attr} {what} \"{rel}\" does not exist (looked in {})", shown(full)),
                )
                .with_help(if dir {
                    "`source` is a directory relative to the project directory; build or install dependencies before running slsc"
                } else {
                    "`artifact` is a prebuilt zip file relative to the project directory"
                })
            }
            Problem::WrongKind => {
                let (is, want) = if dir {
                    ("a file", "a directory")
                } else {
                    ("a directory", "a zip file")
                };
                Diagnostic::error(
                    "source-not-found",
                    span,
                    format!("{attr} \"{rel}\" is {is}, not {want}"),
                )
                .with_help(if dir {
                    "`source` names the directory to package (e.g. \"src\"); for a prebuilt zip use `artifact`"
                } else {
                    "`artifact` names a prebuilt zip file; for a directory to package use `source`"
                })
            }
            Problem::NotZip => Diagnostic::error(
                "invalid-value",
                span,
                format!("artifact \"{rel}\" is not a zip file (it does not start with the zip signature PK\\x03\\x04)"),
            )
            .with_help("`artifact` is used as is: it must be the zip file Lambda runs"),
            Problem::Io { path, error } => Diagnostic::error(
                "source-not-found",
                span,
                format!("cannot read {} while packaging {attr} \"{rel}\": {error}", shown(path)),
            ),
            Problem::BadName { path } => Diagnostic::error(
                "source-not-found",
                span,
                format!(
                    "cannot package {} from {attr} \"{rel}\": its name is not valid UTF-8",
                    shown(path)
                ),
            )
            .with_help("rename the file, or move it out of the source directory"),
            Problem::Dangling { path } => Diagnostic::error(
                "source-not-found",
                span,
                format!(
                    "cannot package {} from {attr} \"{rel}\": it is a symbolic link to a file that does not exist",
                    shown(path)
                ),
            )
            .with_help("fix or remove the link (symbolic links to files are packaged with their target's contents)"),
            Problem::Outside { path, target } => {
                let message = if path == full {
                    format!("{attr} \"{rel}\" resolves to {}, outside the project", shown(target))
                } else {
                    format!(
                        "cannot package {} from {attr} \"{rel}\": it is a symbolic link to {}, outside the project",
                        shown(path),
                        shown(target)
                    )
                };
                Diagnostic::error("source-outside-project", span, message)
                .with_help("slsc packages only files inside the project (or `app.source_root`): copy the file in, or remove the link")
            }
        }
    }
}

/// Resolves `path` (following every symbolic link) and refuses it when it lies outside `root`.
fn resolve_inside(path: &Path, root: &Path) -> Result<PathBuf, Problem> {
    let real = path.canonicalize().map_err(|e| Problem::io(path, e))?;
    if real.starts_with(root) {
        Ok(real)
    } else {
        Err(Problem::Outside {
            path: path.to_path_buf(),
            target: real,
        })
    }
}

/// Reads a prebuilt artifact, checking that it is a zip inside the source root.
fn read_prebuilt(path: &Path, root: &Path) -> Result<Vec<u8>, Problem> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Problem::Missing),
        Err(e) => return Err(Problem::io(path, e)),
        Ok(m) if !m.is_file() => return Err(Problem::WrongKind),
        Ok(_) => {}
    }
    resolve_inside(path, root)?;
    let bytes = std::fs::read(path).map_err(|e| Problem::io(path, e))?;
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(Problem::NotZip);
    }
    Ok(bytes)
}

/// One file to package.
struct Entry {
    /// Relative to the source directory, `/` separators.
    name: String,
    path: PathBuf,
    executable: bool,
}

/// Every path a walk considered, and why it was left out (`None`: packaged).
type Explained = Vec<(String, Option<String>)>;

/// What a walk of a source directory may read and must leave out.
struct Walk<'a> {
    /// The canonical source root: nothing outside it is read.
    root: &'a Path,
    /// Canonical directories never packaged (the build output directory).
    excludes: &'a [PathBuf],
    /// The function's `exclude` and `include` patterns.
    filter: &'a Filter,
    /// When explaining: (relative path, why it is left out).
    explain: Option<&'a std::cell::RefCell<Explained>>,
}

impl Walk<'_> {
    fn note(&self, rel: &str, why: Option<String>) {
        if let Some(log) = self.explain {
            log.borrow_mut().push((rel.to_string(), why));
        }
    }
}

/// Zips a source directory deterministically (see the module documentation).
fn zip_dir(dir: &Path, walk: &Walk) -> Result<Vec<u8>, Problem> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Problem::Missing),
        Err(e) => return Err(Problem::io(dir, e)),
        Ok(m) if !m.is_dir() => return Err(Problem::WrongKind),
        Ok(_) => {}
    }
    // Walking from the canonical directory keeps every directory path canonical (symbolic links
    // to directories are not entered), so excluded directories compare by plain equality.
    let start = resolve_inside(dir, walk.root)?;
    let mut entries = Vec::new();
    collect(&start, "", walk, &mut entries)?;
    entries.sort_by(|a, b| a.name.cmp(&b.name));

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for e in &entries {
        let data = std::fs::read(&e.path).map_err(|err| Problem::io(&e.path, err))?;
        if holds_private_key(&data) {
            walk.note(&e.name, Some("holds a private key".into()));
            continue;
        }
        walk.note(&e.name, None);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(6))
            .last_modified_time(zip::DateTime::default())
            .system(zip::System::Unix)
            .unix_permissions(if e.executable { 0o755 } else { 0o644 })
            .large_file(data.len() as u64 >= zip::ZIP64_BYTES_THR);
        zip.start_file(e.name.as_str(), options)
            .and_then(|()| zip.write_all(&data).map_err(Into::into))
            .map_err(|err| Problem::Io {
                path: e.path.clone(),
                error: err.to_string(),
            })?;
    }
    let cursor = zip.finish().map_err(|err| Problem::Io {
        path: dir.to_path_buf(),
        error: err.to_string(),
    })?;
    Ok(cursor.into_inner())
}

/// Collects the files under `dir` (whose relative path is `prefix`), noting in `walk.explain`
/// what is left out and why (and what is packaged).
fn collect(dir: &Path, prefix: &str, walk: &Walk, out: &mut Vec<Entry>) -> Result<(), Problem> {
    let listing = std::fs::read_dir(dir).map_err(|e| Problem::io(dir, e))?;
    for item in listing {
        let item = item.map_err(|e| Problem::io(dir, e))?;
        let path = item.path();
        let os_name = item.file_name();
        let Some(name) = os_name.to_str() else {
            if os_name.as_encoded_bytes().starts_with(b".") {
                continue; // hidden anyway
            }
            return Err(Problem::BadName { path });
        };
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        let file_type = item.file_type().map_err(|e| Problem::io(&path, e))?;
        let meta = if file_type.is_symlink() {
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(Problem::Dangling { path })
                }
                Err(e) => return Err(Problem::io(&path, e)),
            };
            // Refused when it leaves the root, whatever it points at.
            resolve_inside(&path, walk.root)?;
            if meta.is_dir() {
                walk.note(
                    &rel,
                    Some("a symbolic link to a directory (not followed)".into()),
                );
                continue;
            }
            meta
        } else if file_type.is_dir() {
            let default = if walk.excludes.contains(&path) {
                Some("the build output directory")
            } else {
                excluded_dir(&path, name)
            };
            match walk.filter.verdict(&rel, default) {
                None => collect(&path, &rel, walk, out)?,
                Some(_) if default.is_some() && walk.filter.may_include_under(&rel) => {
                    collect_included(&path, &rel, walk, out)?
                }
                Some(why) => walk.note(&rel, Some(why)),
            }
            continue;
        } else {
            item.metadata().map_err(|e| Problem::io(&path, e))?
        };
        if !meta.is_file() {
            continue;
        }
        if let Some(why) = walk.filter.verdict(&rel, excluded_file(name)) {
            walk.note(&rel, Some(why));
            continue;
        }
        out.push(Entry {
            executable: is_executable(&meta, name),
            name: rel,
            path,
        });
    }
    Ok(())
}

/// Walks a directory left out by default for the files an `include` pattern names.
fn collect_included(
    dir: &Path,
    rel: &str,
    walk: &Walk,
    out: &mut Vec<Entry>,
) -> Result<(), Problem> {
    let mut found = Vec::new();
    collect(dir, rel, walk, &mut found)?;
    let before = out.len();
    out.extend(found.into_iter().filter(|e| {
        walk.filter
            .include
            .iter()
            .any(|p| package_filter::matches(p, &e.name))
    }));
    if out.len() == before {
        walk.note(
            rel,
            Some("left out by default; no `include` pattern matches in it".into()),
        );
    }
    Ok(())
}

/// Directories left out by default: caches and other tools' build outputs, and earlier slsc
/// builds (an `artifacts/` directory beside a template).
fn excluded_dir(path: &Path, name: &str) -> Option<&'static str> {
    if name.starts_with('.') {
        return Some("hidden");
    }
    if name == "__pycache__" {
        return Some("a cache");
    }
    if name == "cdk.out" {
        return Some("another tool's build output");
    }
    (path.join("artifacts").is_dir()
        && (path.join("template.json").is_file() || path.join("main.tf.json").is_file()))
    .then_some("an earlier slsc build")
}

/// Files left out by default by their name: the sources of the project itself, state files and
/// private key stores (PEM keys are recognised by their contents, see [`holds_private_key`]).
fn excluded_file(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if name.starts_with('.') {
        Some("hidden")
    } else if name.ends_with(".sls") {
        Some("an .sls file")
    } else if matches!(
        lower.as_str(),
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519"
    ) || lower.ends_with(".p12")
        || lower.ends_with(".pfx")
    {
        Some("a private key")
    } else if lower.ends_with(".tfstate") || lower.ends_with(".tfstate.backup") {
        Some("Terraform state")
    } else {
        None
    }
}

/// Whether a file's text holds a PEM private key (`-----BEGIN RSA PRIVATE KEY-----`,
/// `-----BEGIN OPENSSH PRIVATE KEY-----`, …): such a file is never packaged.
fn holds_private_key(data: &[u8]) -> bool {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let mut rest = data;
    while let Some(i) = find(rest, BEGIN) {
        let after = &rest[i + BEGIN.len()..];
        let line_end = after
            .iter()
            .position(|&b| b == b'\n' || b == b'-')
            .unwrap_or(after.len());
        if after[..line_end].ends_with(b"PRIVATE KEY") {
            return true;
        }
        rest = after;
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata, _name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata, name: &str) -> bool {
    // No unix modes here: a custom runtime's entry point must still be executable in Lambda.
    name == "bootstrap"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("."), "app");
        assert_eq!(slug("src"), "src");
        assert_eq!(slug("functions/thumbnail"), "functions-thumbnail");
        assert_eq!(slug("build/v1.2"), "build-v1-2");
        assert_eq!(slug(strip_zip_ext("dist/api.zip")), "dist-api");
        assert_eq!(slug(strip_zip_ext("dist/API.ZIP")), "dist-API");
    }

    #[test]
    fn encodes() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
