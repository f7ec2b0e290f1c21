//! A project as the editor sees it: the `.sls` files of a directory, each with the text the
//! editor holds (unsaved) or the file's, its lexical index, and the local modules it uses;
//! resolving a reference to its declaration; compiling it for diagnostics.

use super::index::{self, Block, FileIndex, Reference};
use super::rpc::{self, Lines};
use super::{canonical, State};
use crate::diagnostics::{Diagnostic, Severity};
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub struct File {
    pub path: PathBuf,
    pub text: String,
    pub index: FileIndex,
}

pub struct Project<'s> {
    pub dir: PathBuf,
    pub files: Vec<File>,
    /// The editor's texts (a local module's files are read through them, on demand).
    overlays: &'s BTreeMap<PathBuf, String>,
    /// The variables' and locals' values of the last compilation of the file's project.
    pub values: Option<&'s Values>,
}

/// Each file's diagnostics, by URI: as LSP diagnostics and as the compiler's.
pub type Diagnostics = BTreeMap<String, (Vec<J>, Vec<Diagnostic>)>;

/// A compiled project's compile-time values: its variables and its locals.
pub type Values = (
    BTreeMap<String, crate::model::Value>,
    BTreeMap<String, crate::model::Value>,
);

/// Where something is declared: a file and a range.
pub struct Location {
    pub path: PathBuf,
    pub range: Range<usize>,
}

/// The paths of a directory's `.sls` files, the editor's unsaved new ones included.
fn paths_of(dir: &Path, docs: &BTreeMap<PathBuf, String>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "sls") && p.is_file())
                .map(|p| canonical(&p))
                .collect()
        })
        .unwrap_or_default();
    paths.extend(docs.keys().filter(|p| p.parent() == Some(dir)).cloned());
    paths.sort();
    paths.dedup();
    paths
}

/// The `.sls` files of a directory, with the editor's texts.
fn files_of(dir: &Path, docs: &BTreeMap<PathBuf, String>) -> Vec<File> {
    paths_of(dir, docs)
        .into_iter()
        .filter_map(|path| {
            let text = match docs.get(&path) {
                Some(t) => t.clone(),
                None => std::fs::read_to_string(&path).ok()?,
            };
            let index = index::index(&text);
            Some(File { path, text, index })
        })
        .collect()
}

impl<'s> Project<'s> {
    /// The project of a file: its directory.
    pub fn load(st: &'s State, path: &Path) -> Project<'s> {
        let dir = canonical(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Project {
            files: files_of(&dir, &st.docs),
            values: st.values.get(&dir),
            dir,
            overlays: &st.docs,
        }
    }

    pub fn file(&self, path: &Path) -> Option<&File> {
        let c = canonical(path);
        self.files.iter().find(|f| f.path == c)
    }

    /// Every top-level block of the project, with its file.
    pub fn blocks(&self) -> impl Iterator<Item = (&File, &Block)> {
        self.files
            .iter()
            .flat_map(|f| f.index.blocks.iter().map(move |b| (f, b)))
    }

    /// Every reference of the project, with its file.
    pub fn references(&self) -> impl Iterator<Item = (&File, &Reference)> {
        self.files
            .iter()
            .flat_map(|f| f.index.references.iter().map(move |r| (f, r)))
    }

    /// A `module` block's `source`, as written.
    pub fn module_source(&self, name: &str) -> Option<String> {
        let (f, b) = self
            .blocks()
            .find(|(_, b)| b.keyword == "module" && b.name == name)?;
        let (_, _, value) = b.attrs.iter().find(|a| a.0 == "source")?;
        let v = f.text[value.clone()].trim().trim_start_matches('=').trim();
        Some(v.trim_matches('"').to_string())
    }

    /// The files of a local module (`source = "./modules/billing"`); none for a stdlib one.
    pub fn module_files(&self, name: &str) -> Vec<File> {
        match self.module_source(name) {
            Some(src) if !src.starts_with("std/") => {
                let dir = canonical(&self.dir.join(src));
                files_of(&dir, self.overlays)
            }
            _ => Vec::new(),
        }
    }

    /// The declaration a reference names: a block (`queue.orders` → `queue "orders"`), a
    /// variable, a local, a module block, or a module's output (`module.m.out`).
    pub fn resolve(&self, r: &Reference) -> Option<Location> {
        let keyword = match r.root.as_str() {
            "var" => "variable",
            "module" if r.attr.is_some() => {
                let out = r.attr.as_deref()?;
                return self.module_files(&r.name).into_iter().find_map(|f| {
                    let b = f
                        .index
                        .blocks
                        .iter()
                        .find(|b| b.keyword == "output" && b.name == out)?;
                    Some(Location {
                        range: b.name_range.clone(),
                        path: f.path,
                    })
                });
            }
            "local" => {
                return self.blocks().find_map(|(f, b)| {
                    let (_, key, _) = (b.keyword == "locals")
                        .then(|| b.attrs.iter().find(|a| a.0 == r.name))??;
                    Some(Location {
                        path: f.path.clone(),
                        range: key.clone(),
                    })
                });
            }
            k => k,
        };
        self.blocks()
            .find(|(_, b)| b.keyword == keyword && b.name == r.name)
            .map(|(f, b)| Location {
                path: f.path.clone(),
                range: b.name_range.clone(),
            })
    }
}

/// The root a block is referenced by (`variable` → `var`), for blocks that can be.
pub fn root_of(keyword: &str) -> Option<&str> {
    match keyword {
        "variable" => Some("var"),
        "module" => Some("module"),
        k if crate::model::kinds::roots().contains(&k) && k != "app" => Some(k),
        _ => None,
    }
}

/// Whether a directory's files declare the `app` block (it is a project, not a module).
fn declares_app(dir: &Path, docs: &BTreeMap<PathBuf, String>) -> bool {
    paths_of(dir, docs).iter().any(|p| {
        let text = docs
            .get(p)
            .cloned()
            .or_else(|| std::fs::read_to_string(p).ok());
        text.is_some_and(|t| t.lines().any(|l| l.trim_start().starts_with("app \"")))
    })
}

/// The project a file belongs to: its directory when that declares the `app` block, else the
/// nearest directory above that does (the file is a local module's), else its directory.
pub fn root_of_file(st: &State, path: &Path) -> PathBuf {
    let own = canonical(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    if declares_app(&own, &st.docs) {
        return own;
    }
    own.ancestors()
        .skip(1)
        .take(4)
        .find(|d| declares_app(d, &st.docs))
        .map(Path::to_path_buf)
        .unwrap_or(own)
}

/// Compiles the project in `dir` with the editor's texts: each file's diagnostics, as LSP
/// diagnostics and as the compiler's (every file of the project has an entry, empty when
/// clean), and the project's compile-time values (for hover).
pub fn diagnostics(st: &State, dir: &Path) -> (Diagnostics, Option<Values>) {
    let mut out: BTreeMap<String, (Vec<J>, Vec<Diagnostic>)> = BTreeMap::new();
    for p in paths_of(dir, &st.docs) {
        out.insert(rpc::uri_of(&p), Default::default());
    }
    let compile = |rules_despite_errors| {
        let opts = crate::Options {
            today: st.today.clone(),
            overlays: st.docs.clone(),
            rules_despite_errors,
            ..Default::default()
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::compile(dir, &opts)))
    };
    // Rules on a project with errors are new ground: if they fail, the errors alone are shown.
    let c = match compile(true).or_else(|_| compile(false)) {
        Ok(Ok(c)) => c,
        _ => return (out, None),
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let path_of = |file| {
        let p = Path::new(c.sources.name(file));
        canonical(&if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        })
    };
    for d in &c.diagnostics {
        let path = path_of(d.span.file);
        let uri = rpc::uri_of(&path);
        // A local module's file is published too; a stdlib module has no file.
        if !out.contains_key(&uri) && path.is_file() {
            out.insert(uri.clone(), Default::default());
        }
        let Some(entry) = out.get_mut(&uri) else {
            continue;
        };
        let lines = Lines::new(c.sources.text(d.span.file));
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        let related: Vec<J> = d
            .labels
            .iter()
            .filter(|l| l.span != d.span)
            .map(|l| {
                let lp = path_of(l.span.file);
                let ll = Lines::new(c.sources.text(l.span.file));
                json!({"location": {"uri": rpc::uri_of(&lp), "range": ll.range(l.span.start, l.span.end)}, "message": l.message})
            })
            .collect();
        let severity = match d.severity {
            Severity::Error => 1,
            Severity::Warning => 2,
            Severity::Note => 3,
        };
        let mut j = json!({
            "range": lines.range(d.span.start, d.span.end),
            "severity": severity,
            "code": d.code,
            "source": "slsc",
            "message": message,
        });
        if !related.is_empty() {
            j["relatedInformation"] = J::Array(related);
        }
        entry.0.push(j);
        entry.1.push(d.clone());
    }
    let values = c.model.map(|m| (m.variables, m.locals));
    (out, values)
}
