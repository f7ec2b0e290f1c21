//! Source files and spans: the bottom layer. Every `.sls` text the compiler reads goes into the
//! [`SourceMap`] (file id → display name and text), and every position is a [`Span`] (a byte
//! range in one file), which renderers turn into lines and columns. Depends on nothing else in
//! the crate.

use std::path::Path;

/// A file in the [`SourceMap`].
pub type FileId = u32;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, range: std::ops::Range<usize>) -> Span {
        Span {
            file,
            start: range.start,
            end: range.end.max(range.start),
        }
    }
    /// An empty span at the start of a file (used when a file as a whole is at fault).
    pub fn file_start(file: FileId) -> Span {
        Span {
            file,
            start: 0,
            end: 0,
        }
    }
}

pub struct SourceFile {
    /// The name shown to users: relative to the current directory when the file is under it.
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

#[derive(Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub const fn new() -> SourceMap {
        SourceMap { files: Vec::new() }
    }
    pub fn add(&mut self, name: String, text: String) -> FileId {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        self.files.push(SourceFile {
            name,
            text,
            line_starts,
        });
        (self.files.len() - 1) as FileId
    }
    /// Appends another map's files (their ids shift by this map's length).
    pub fn append(&mut self, other: SourceMap) {
        self.files.extend(other.files);
    }
    pub fn name(&self, file: FileId) -> &str {
        self.files
            .get(file as usize)
            .map(|f| f.name.as_str())
            .unwrap_or("<unknown>")
    }
    pub fn text(&self, file: FileId) -> &str {
        self.files
            .get(file as usize)
            .map(|f| f.text.as_str())
            .unwrap_or("")
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let Some(f) = self.files.get(file as usize) else {
            return (1, 1);
        };
        let offset = offset.min(f.text.len());
        let line = match f.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = f.line_starts[line];
        let mut end = offset;
        while !f.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = f.text[start..end].chars().count() + 1;
        (line + 1, col)
    }
    /// The 0-based line of a byte offset (`O(log lines)`).
    pub fn line_of(&self, file: FileId, offset: usize) -> usize {
        let Some(f) = self.files.get(file as usize) else {
            return 0;
        };
        match f.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }
    /// The byte offset where a 0-based line starts (`None` past the last line).
    pub fn line_start(&self, file: FileId, line: usize) -> Option<usize> {
        self.files
            .get(file as usize)?
            .line_starts
            .get(line)
            .copied()
    }
    /// The text covered by a span.
    pub fn snippet(&self, span: Span) -> &str {
        self.text(span.file).get(span.start..span.end).unwrap_or("")
    }
}

/// The display name of a path: relative to the current directory when under it.
pub fn display_path(path: &Path) -> String {
    let shown = match (std::env::current_dir(), std::fs::canonicalize(path)) {
        (Ok(cwd), Ok(abs)) => {
            let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
            match abs.strip_prefix(&cwd) {
                Ok(rel) => rel.to_path_buf(),
                Err(_) => path.to_path_buf(),
            }
        }
        _ => path.to_path_buf(),
    };
    shown.to_string_lossy().replace('\\', "/")
}
