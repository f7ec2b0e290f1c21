//! Compile-time reads: the files `file("path")` and `templatefile("path", {…})` name, through
//! the [`FileReader`] the driver gives lowering (lowering itself never touches the file
//! system), each read once per compilation whatever the number of calls, instances or threads.
//!
//! A path is relative to the project directory — inside a module too, like every `source` —
//! and must stay inside the source root (`app.source_root`, the project directory by default;
//! model/paths.rs). Paths only choose what is read: they never reach the output, so the same
//! project gives the same output from any folder.

use super::paths;
use crate::diagnostics::{Diagnostic, Span};
use crate::syntax::files::{FileReader, ReadError, MAX_FILE_BYTES};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The reads of one compilation: the reader, the source root and what was read.
pub struct Reads<'r> {
    reader: &'r dyn FileReader,
    /// `app.source_root`, set by the project's lowering once its app block is known (pass 3).
    root: OnceLock<String>,
    /// By normalised path: the text, or why it could not be read.
    cache: Mutex<BTreeMap<String, Result<Arc<str>, ReadError>>>,
}

impl<'r> Reads<'r> {
    pub fn new(reader: &'r dyn FileReader) -> Self {
        Reads {
            reader,
            root: OnceLock::new(),
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    /// Sets the source root (once; an invalid one is reported by validation and leaves the
    /// project directory as the root).
    pub fn set_root(&self, root: &str) {
        if valid_relative(root) {
            let _ = self.root.set(root.to_string());
        }
    }

    fn root(&self) -> &str {
        self.root.get().map_or(".", String::as_str)
    }

    /// The text of the file `raw` names (as written, the argument of `func` at `span`), or
    /// the diagnostic that says why it cannot be read.
    pub fn read(&self, func: &str, raw: &str, span: Span) -> Result<Arc<str>, Diagnostic> {
        if !valid_relative(raw) {
            return Err(Diagnostic::error(
                "invalid-value",
                span,
                format!("`{func}` takes a path relative to the project directory, with `/` separators: \"{raw}\" is not one"),
            )
            .with_help(format!("e.g. {func}(\"policies/orders.json\")")));
        }
        let root = self.root();
        if !paths::within(raw, root) {
            return Err(outside(func, raw, root, None, span));
        }
        let path = paths::normalise(raw);
        let got = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .entry(path.clone())
                .or_insert_with(|| self.reader.read(&path, root).map(Arc::from))
                .clone()
        };
        got.map_err(|e| read_error(func, raw, root, e, span))
    }
}

/// Relative, with `/` separators, not empty.
fn valid_relative(p: &str) -> bool {
    !(p.is_empty() || p.starts_with('/') || p.contains('\\') || p.contains(':'))
}

fn outside(func: &str, raw: &str, root: &str, link: Option<&str>, span: Span) -> Diagnostic {
    let inside = if root == "." {
        "the project directory".to_string()
    } else {
        format!("the source root \"{root}\" (`app.source_root`)")
    };
    let what = match link {
        Some(to) => format!("\"{raw}\" is a symbolic link to {to}, outside {inside}"),
        None => format!("\"{raw}\" is outside {inside}"),
    };
    Diagnostic::error(
        "source-outside-project",
        span,
        format!("`{func}`: {what}; files are read only inside it"),
    )
    .with_help("copy the file into the project, or allow its directory with `source_root` in the app block (e.g. `source_root = \"..\"` for a sibling folder of a monorepo)")
}

fn read_error(func: &str, raw: &str, root: &str, e: ReadError, span: Span) -> Diagnostic {
    let relative = "paths are relative to the project directory (inside a module too)";
    match e {
        ReadError::NotFound => Diagnostic::error(
            "source-not-found",
            span,
            format!("`{func}`: the file \"{raw}\" does not exist"),
        )
        .with_help(relative),
        ReadError::NotAFile => Diagnostic::error(
            "source-not-found",
            span,
            format!("`{func}`: \"{raw}\" is a directory, not a file"),
        )
        .with_help(format!("name a file in it; {relative}")),
        ReadError::TooLarge(n) => Diagnostic::error(
            "invalid-value",
            span,
            format!(
                "`{func}`: \"{raw}\" is {n} bytes; files read at compile time are at most {MAX_FILE_BYTES} bytes (1 MiB)"
            ),
        )
        .with_help("large data belongs in a bucket or a parameter the function reads at run time"),
        ReadError::NotUtf8(at) => Diagnostic::error(
            "invalid-value",
            span,
            format!("`{func}`: \"{raw}\" is not UTF-8 text (an invalid byte at offset {at})"),
        )
        .with_help("`file` and `templatefile` read text; save the file as UTF-8"),
        ReadError::Outside(to) => outside(func, raw, root, Some(&to), span),
        ReadError::NoDisk => Diagnostic::error(
            "source-not-found",
            span,
            format!("`{func}` reads the project directory, and this project is compiled in memory: \"{raw}\" cannot be read"),
        ),
        ReadError::Io(msg) => Diagnostic::error(
            "source-not-found",
            span,
            format!("`{func}`: \"{raw}\" cannot be read ({msg})"),
        )
        .with_help(relative),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(AtomicUsize);

    impl FileReader for Counting {
        fn read(&self, path: &str, _root: &str) -> Result<String, ReadError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(path.to_string())
        }
    }

    #[test]
    fn a_file_is_read_once() {
        let reader = Counting(AtomicUsize::new(0));
        let reads = Reads::new(&reader);
        let span = Span::file_start(0);
        for raw in ["a/b.txt", "./a/b.txt", "a/../a/b.txt"] {
            assert_eq!(&*reads.read("file", raw, span).ok().unwrap(), "a/b.txt");
        }
        assert_eq!(reader.0.load(Ordering::SeqCst), 1);
        // Refused before the reader is asked.
        assert!(reads.read("file", "../x", span).is_err());
        assert!(reads.read("file", "/etc/x", span).is_err());
        assert_eq!(reader.0.load(Ordering::SeqCst), 1);
    }
}
