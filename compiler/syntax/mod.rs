//! Reading `.sls` files and parsing them with hcl-edit, keeping byte spans.
//!
//! This is the file-reading edge of the compiler: [`load_project`] is the only function here
//! that touches the file system. Everything it reads goes into the [`SourceMap`] (file id →
//! display name and text), which the renderers use to turn byte offsets into lines and columns.
//!
//! Parsing never fails as a whole: each file is parsed on its own, and a file that cannot be
//! read as UTF-8, contains a NUL byte or has a syntax error yields one `syntax` diagnostic while
//! the other files are still parsed and checked.

pub mod files;
pub mod modules;

use crate::diagnostics::Diagnostic;
pub use crate::source::{display_path, FileId, SourceFile, SourceMap, Span};
use hcl_edit::structure::Body;
use std::path::{Path, PathBuf};

/// One parsed file.
pub struct ParsedFile {
    pub file: FileId,
    pub body: Body,
}

/// The parsed project: the files that parsed, plus the syntax diagnostics of those that did not.
pub struct Parsed {
    pub files: Vec<ParsedFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a project could not be read at all (exit code 2).
#[derive(Debug)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lists the `.sls` files of a project (a directory, or a single file), sorted by name so that
/// the order of the file system never shows in the output.
pub fn project_files(path: &Path) -> Result<(PathBuf, Vec<PathBuf>), LoadError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| LoadError(format!("cannot read {}: {e}", path.display())))?;
    if meta.is_file() {
        let dir = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            })
            .unwrap_or_else(|| PathBuf::from("."));
        return Ok((dir, vec![path.to_path_buf()]));
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| LoadError(format!("cannot read directory {}: {e}", path.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry
            .map_err(|e| LoadError(format!("cannot read directory {}: {e}", path.display())))?;
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "sls") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(LoadError(format!(
            "no .sls files in {} (a project is a directory of .sls files)",
            path.display()
        )));
    }
    Ok((path.to_path_buf(), files))
}

/// Reads one file's bytes into the source map and parses it. Invalid UTF-8 and NUL bytes are
/// `syntax` errors at the offending byte.
pub fn add_and_parse(sources: &mut SourceMap, name: String, bytes: Vec<u8>, parsed: &mut Parsed) {
    let (file, bad) = add_file(sources, name, bytes);
    match bad {
        Some(d) => parsed.diagnostics.push(d),
        None => {
            let (pf, mut diags) = parse_file(file, sources.text(file));
            parsed.files.push(pf);
            parsed.diagnostics.append(&mut diags);
        }
    }
}

/// Decodes a file's bytes and adds it to the source map. Returns the `syntax` diagnostic of
/// invalid UTF-8 or a NUL byte (at the first offending byte); such a file is not parsed.
pub fn add_file(
    sources: &mut SourceMap,
    name: String,
    mut bytes: Vec<u8>,
) -> (FileId, Option<Diagnostic>) {
    // A UTF-8 byte-order mark (saved by some Windows editors) is not part of the text.
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    let (text, bad) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let mut t = String::from_utf8_lossy(&bytes[..at]).into_owned();
            t.push_str(&String::from_utf8_lossy(&bytes[at..]));
            (
                t,
                Some((at, "invalid UTF-8: .sls files must be UTF-8 text")),
            )
        }
    };
    // The first offending byte wins: a NUL before invalid UTF-8 is reported as the NUL.
    let nul = text
        .find('\0')
        .map(|at| (at, "NUL byte: .sls files must be text"));
    let bad = match (bad, nul) {
        (Some(b), Some(n)) => Some(if n.0 < b.0 { n } else { b }),
        (b, n) => b.or(n),
    };
    let file = sources.add(name, text);
    let diag = bad.map(|(at, msg)| {
        let text = sources.text(file);
        let mut end = at + 1;
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        Diagnostic::error("syntax", Span::new(file, at..end.min(text.len())), msg)
            .with_help("re-save the file as UTF-8 text")
    });
    (file, diag)
}

/// Parses one file, recovering at top-level blocks after a syntax error.
pub fn parse_file(file: FileId, text: &str) -> (ParsedFile, Vec<Diagnostic>) {
    // Too wide or too deep: every chunk around it would fail the same way, so the file gets
    // one error and no blocks (no recovery).
    let alone = |d: Diagnostic| {
        let body = Body::new();
        (ParsedFile { file, body }, vec![d])
    };
    if let Some(at) = too_wide(text) {
        return alone(
            Diagnostic::error(
                "syntax",
                Span::new(file, at..at + 1),
                format!("this object has more than {MAX_OBJECT_KEYS} keys"),
            )
            .with_primary_label("this object")
            .with_help(
                "slsc reads at most 1,000 keys in one object literal (parsing costs grow with \
                 the square of the keys); split it into several objects and merge() them",
            ),
        );
    }
    match parse_text(file, text) {
        Ok(body) => (ParsedFile { file, body }, Vec::new()),
        Err(first) if is_depth_error(&first) => alone(first.with_help(
            "slsc reads at most 64 levels of nested blocks, brackets and templates (and 128 \
             chained operators); name the inner parts in `locals`",
        )),
        Err(first) => {
            let (body, mut errors) = recover(file, text);
            if errors.is_empty() {
                // The chunks parse on their own but not together: report the original error.
                errors.push(first);
            }
            (ParsedFile { file, body }, errors)
        }
    }
}

/// The offset of the `{` of the first object literal of `text` with more than
/// [`MAX_OBJECT_KEYS`] items (one linear scan): such text is never handed to hcl-edit.
pub fn too_wide(text: &str) -> Option<usize> {
    scan(text, 0, text.len()).too_wide
}

/// hcl-edit's limit on nesting (64 levels of blocks, brackets and templates; 128 chained
/// operators). Its message is kept; the help says what to do.
fn is_depth_error(d: &Diagnostic) -> bool {
    d.message.contains("nesting depth") || d.message.contains("chained binary operators")
}

/// How many bytes error recovery may parse in all (at least 16 times the file): each chunk is
/// parsed with everything before it blanked (so its spans stay file offsets), which costs the
/// chunk's end offset. When a file has so many blocks that this would pass the budget,
/// neighbouring chunks are parsed together (fewer, larger chunks: one error may then hide a
/// few good blocks), so recovery stays linear in the file's size.
const RECOVERY_BUDGET: usize = 512 << 20;

/// Error recovery: splits a file that failed to parse at its top-level block starts (a line
/// that begins, at column 0, with a block type such as `function "x" {`) and parses each chunk
/// on its own, with every byte outside the chunk blanked so spans stay file offsets. Chunks that
/// parse are kept; each chunk that fails yields one `syntax` diagnostic. So one typo hides only
/// its own block.
fn recover(file: FileId, text: &str) -> (Body, Vec<Diagnostic>) {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let word = line
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        if offset > 0 && word > 0 && line.contains('{') {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    let starts = coarsen(starts, text.len());
    let mut body = Body::new();
    let mut errors = Vec::new();
    // One buffer, blank but for the chunk being parsed (same byte length as the text, newlines
    // kept so line numbers match).
    let mut buf: Vec<u8> = text
        .bytes()
        .map(|c| if c == b'\n' { b'\n' } else { b' ' })
        .collect();
    for w in starts.windows(2) {
        let (start, end) = (w[0], w[1]);
        if text[start..end].trim().is_empty() {
            continue;
        }
        buf[start..end].copy_from_slice(&text.as_bytes()[start..end]);
        let padded = std::str::from_utf8(&buf[..end]).expect("blanks and whole chunks of UTF-8");
        match parse_text(file, padded) {
            Ok(chunk) => {
                for st in chunk.into_iter() {
                    body.push(st);
                }
            }
            Err(d) => errors.push(explain_syntax_error(file, text, start, end, d)),
        }
        for (b, t) in buf[start..end].iter_mut().zip(&text.as_bytes()[start..end]) {
            *b = if *t == b'\n' { b'\n' } else { b' ' };
        }
    }
    (body, errors)
}

/// Merges neighbouring chunks (`starts` are their boundaries, the text's length last) until
/// parsing each one after its blanked prefix costs at most [`RECOVERY_BUDGET`] in all (or 16
/// chunks, for a file over 64 MB).
fn coarsen(starts: Vec<usize>, len: usize) -> Vec<usize> {
    let chunks = starts.len().saturating_sub(1).max(1);
    // Parsing chunk i costs its end offset; about chunks × len / 2 in all.
    let groups = (2 * RECOVERY_BUDGET / len.max(1)).max(16).min(chunks);
    if chunks <= groups {
        return starts;
    }
    let per = chunks.div_ceil(groups);
    let mut out: Vec<usize> = starts[..starts.len() - 1]
        .iter()
        .step_by(per)
        .copied()
        .collect();
    out.push(len);
    out
}

/// Parses one file's text; a syntax error becomes a diagnostic at its location.
pub fn parse_text(file: FileId, text: &str) -> Result<Body, Diagnostic> {
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => Ok(body),
        Err(e) => {
            let loc = e.location();
            // hcl-edit reports a 1-based line/column; recompute the byte offset from them so the
            // span is always on a character boundary.
            let offset = offset_of(text, loc.line(), loc.column()).unwrap_or(loc.offset());
            let offset = offset.min(text.len());
            let mut end = offset;
            if let Some(c) = text[offset..].chars().next() {
                if c != '\n' {
                    end += c.len_utf8();
                }
            }
            let message = e.message().trim().replace('\n', "; ");
            let message = if message.is_empty() {
                "invalid syntax".to_string()
            } else {
                format!("invalid syntax: {message}")
            };
            Err(
                Diagnostic::error("syntax", Span::new(file, offset..end), message)
                    .with_primary_label("here"),
            )
        }
    }
}

fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let line_text = &text[start..];
    let line_end = line_text.find('\n').unwrap_or(line_text.len());
    for (i, (bi, _)) in line_text[..line_end].char_indices().enumerate() {
        if i + 1 == column {
            return Some(start + bi);
        }
    }
    Some(start + line_end)
}

/// How many threads parse the files: one per core, at most 8. `model::lower` lowers the blocks
/// on as many threads, split by file the same way, so the memory of the freed syntax trees is
/// reused by the model (see `model/syntax_store.rs`).
pub fn worker_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

/// Reads and parses every file of a project.
pub fn load_project(path: &Path, sources: &mut SourceMap) -> Result<(PathBuf, Parsed), LoadError> {
    let none = Default::default();
    let (dir, files, diagnostics) = load_project_with(path, sources, &none, || |pf, _| pf)?;
    Ok((dir, Parsed { files, diagnostics }))
}

/// Reads and parses every file of a project, handing each parsed file (and the length of its
/// text) to a function on the thread that parsed it, right after parsing it: `each` makes one
/// such function per parser thread, which sees that thread's run of files in order. Returns
/// the functions' results in file order, and the diagnostics of the files (unreadable text
/// first, then each file's syntax errors, in file order).
pub fn load_project_with<T, F, M>(
    path: &Path,
    sources: &mut SourceMap,
    overlays: &std::collections::BTreeMap<PathBuf, String>,
    each: M,
) -> Result<(PathBuf, Vec<T>, Vec<Diagnostic>), LoadError>
where
    T: Send,
    F: FnMut(ParsedFile, usize) -> T,
    M: Fn() -> F + Sync,
{
    let (dir, mut files) = project_files(path)?;
    // An editor's unsaved text replaces the file's; an unsaved new file of the directory joins.
    let mut overlaid: std::collections::BTreeMap<PathBuf, &str> = Default::default();
    if !overlays.is_empty() {
        let canon_dir = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        for f in &files {
            if let Some(t) = std::fs::canonicalize(f).ok().and_then(|c| overlays.get(&c)) {
                overlaid.insert(f.clone(), t);
            }
        }
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            for (p, t) in overlays {
                let new = p.parent() == Some(canon_dir.as_path())
                    && p.extension().is_some_and(|e| e == "sls")
                    && !p.exists();
                if new {
                    let f = dir.join(p.file_name().unwrap_or_default());
                    overlaid.insert(f.clone(), t);
                    files.push(f);
                }
            }
            files.sort();
        }
    }
    let mut diagnostics = Vec::new();
    let mut to_parse = Vec::new();
    for f in files {
        let bytes = match overlaid.get(&f) {
            Some(t) => t.as_bytes().to_vec(),
            None => std::fs::read(&f)
                .map_err(|e| LoadError(format!("cannot read {}: {e}", f.display())))?,
        };
        let (id, bad) = add_file(sources, display_path(&f), bytes);
        match bad {
            Some(d) => diagnostics.push(d),
            None => to_parse.push(id),
        }
    }
    // Files parse independently: spread them over the cores, in contiguous runs, and collect
    // the results in file order so the output never depends on scheduling.
    let threads = worker_threads();
    let per = to_parse.len().div_ceil(threads).max(1);
    let sources_ref = &*sources;
    let each = &each;
    let work = |ids: &[FileId]| {
        let mut f = each();
        ids.iter()
            .map(|&id| {
                let text = sources_ref.text(id);
                let (pf, diags) = parse_file(id, text);
                (f(pf, text.len()), diags)
            })
            .collect::<Vec<_>>()
    };
    let work = &work;
    let results: Vec<Vec<(T, Vec<Diagnostic>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = to_parse
            .chunks(per)
            .map(|ids| {
                let h = std::thread::Builder::new()
                    .stack_size(64 << 20)
                    .spawn_scoped(scope, move || work(ids));
                // A thread that cannot start (an address-space limit) parses on this one.
                (ids, h.ok())
            })
            .collect();
        handles
            .into_iter()
            .map(|(ids, h)| match h {
                Some(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                None => work(ids),
            })
            .collect()
    });
    let mut out = Vec::with_capacity(to_parse.len());
    for (t, mut diags) in results.into_iter().flatten() {
        out.push(t);
        diagnostics.append(&mut diags);
    }
    Ok((dir, out, diagnostics))
}

/// What a lexical scan of a chunk found that explains a parse failure better than the parser's
/// "expected …" message.
#[derive(Default)]
struct Scan {
    /// The opening quote of a string that reaches the end of its line.
    unterminated_string: Option<usize>,
    /// A number literal too large for a float (`1e400`): offset and length.
    huge_number: Option<(usize, usize)>,
    /// The innermost bracket that is never closed.
    unclosed: Option<(u8, usize)>,
    /// The `{` of the first object literal with more than [`MAX_OBJECT_KEYS`] items.
    too_wide: Option<usize>,
}

/// The most items one object literal may have. hcl-edit checks each new key of an object
/// against all earlier ones while parsing, so parsing an object of n keys costs n²: 100,000
/// keys would take minutes. 1,000 is far above anything AWS takes in one map (50 tags, 4 KB of
/// environment), and parses in milliseconds.
pub const MAX_OBJECT_KEYS: usize = 1_000;

/// A bracket open during [`scan`]: `kind` is `"` (a string), `$` (a template interpolation),
/// `o` (an object literal), or the bracket (`{` a block body, `[`, `(`).
struct Open {
    kind: u8,
    at: usize,
    /// Items of an object literal so far, and whether the next token starts one.
    items: usize,
    fresh: bool,
}

impl Open {
    /// Counts an object literal's item when `c` (followed by `next`) starts one: the first
    /// token after its `{`, a `,` or a newline. True when that makes it too wide.
    fn count_item(&mut self, c: u8, next: u8) -> bool {
        match c {
            b'\n' | b',' => self.fresh = true,
            b' ' | b'\t' | b'\r' | b'}' | b'#' => {}
            b'/' if matches!(next, b'/' | b'*') => {}
            _ if self.fresh => {
                self.fresh = false;
                self.items += 1;
                return self.items > MAX_OBJECT_KEYS;
            }
            _ => {}
        }
        false
    }
}

/// The end of the heredoc whose `<<` is at `i` (`<<ID` or `<<-ID`, until a line that is just
/// `ID`): the offset of that line's end, or `None` when it is not a heredoc or never closes.
fn heredoc_end(text: &str, i: usize, end: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut j = i + 2;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let id_start = j;
    while j < end && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    let id = &text[id_start..j];
    if id.is_empty() {
        return None;
    }
    let mut k = j;
    while k < end {
        let line_end = text[k..end].find('\n').map(|x| k + x).unwrap_or(end);
        if k > j && text[k..line_end].trim() == id {
            return Some(line_end);
        }
        k = line_end + 1;
    }
    None
}

/// A small HCL lexer: strings (with `${}`/`%{}` templates), comments, heredocs and brackets.
fn scan(text: &str, start: usize, end: usize) -> Scan {
    let b = text.as_bytes();
    let mut out = Scan::default();
    let mut stack: Vec<Open> = Vec::new();
    let open = |kind: u8, at: usize| Open {
        kind,
        at,
        items: 0,
        fresh: true,
    };
    let mut i = start;
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    // The last byte of the last token (not blank, not a comment).
    let mut prev = b'\n';
    while i < end {
        let c = b[i];
        if stack.last().is_some_and(|s| s.kind == b'"') {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                    prev = c;
                }
                b'\n' => {
                    out.unterminated_string = stack.last().map(|s| s.at);
                    return out;
                }
                b'$' | b'%' if at(i + 1) == b'{' => {
                    stack.push(open(b'$', i));
                    i += 1;
                    prev = b'{';
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        if let Some(top) = stack.last_mut().filter(|s| s.kind == b'o') {
            if top.count_item(c, at(i + 1)) && out.too_wide.is_none() {
                out.too_wide = Some(top.at);
            }
        }
        let token = !matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        match c {
            // A line comment: up to its newline, which ends an object item.
            b'#' | b'/' if c == b'#' || at(i + 1) == b'/' => {
                while i < end && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if at(i + 1) == b'*' => {
                i += 2;
                while i < end && !(b[i] == b'*' && at(i + 1) == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'<' if at(i + 1) == b'<' => {
                if let Some(k) = heredoc_end(text, i, end) {
                    i = k;
                }
            }
            b'"' => stack.push(open(b'"', i)),
            b'{' => {
                // An object literal where an expression goes; otherwise a block's body.
                let in_expr = stack.last().is_some_and(|s| s.kind != b'{');
                let expr_start = matches!(prev, b'=' | b':' | b'(' | b'[' | b',' | b'?' | b'>')
                    || (prev == b'{' && in_expr);
                stack.push(open(if expr_start { b'o' } else { b'{' }, i));
            }
            b'[' | b'(' => stack.push(open(c, i)),
            b'}' | b']' | b')' => {
                let closes: &[u8] = match c {
                    b'}' => b"{$o",
                    b']' => b"[",
                    _ => b"(",
                };
                if stack.last().is_some_and(|s| closes.contains(&s.kind)) {
                    stack.pop();
                }
            }
            b'0'..=b'9'
                if i == 0
                    || !(b[i - 1].is_ascii_alphanumeric()
                        || b[i - 1] == b'_'
                        || b[i - 1] == b'.') =>
            {
                let mut j = i;
                while j < end
                    && (b[j].is_ascii_digit()
                        || b[j] == b'.'
                        || ((b[j] == b'e' || b[j] == b'E') && j > i)
                        || ((b[j] == b'+' || b[j] == b'-') && matches!(b[j - 1], b'e' | b'E')))
                {
                    j += 1;
                }
                let tok = &text[i..j];
                if out.huge_number.is_none()
                    && tok.contains(['e', 'E'])
                    && tok.parse::<f64>().is_ok_and(|f| !f.is_finite())
                {
                    out.huge_number = Some((i, j - i));
                }
                i = j;
                prev = b'0';
                continue;
            }
            _ => {}
        }
        if token && !matches!(c, b'#' | b'/' | b'<') {
            prev = c;
        }
        i += 1;
    }
    out.unclosed = stack.iter().rev().find(|s| s.kind != b'"').map(|s| {
        (
            if s.kind == b'$' || s.kind == b'o' {
                b'{'
            } else {
                s.kind
            },
            s.at,
        )
    });
    out
}

/// Replaces the parser's message with a clearer one when the scan finds the likely cause: an
/// unterminated string (at its opening quote), a number too large for a float, or a bracket
/// that is never closed (at the bracket, when the parser failed at the end of the chunk).
fn explain_syntax_error(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    d: Diagnostic,
) -> Diagnostic {
    let sc = scan(text, start, end);
    if let Some(q) = sc.unterminated_string {
        return Diagnostic::error(
            "syntax",
            Span::new(file, q..q + 1),
            "unterminated string: a quoted string must end on the line it starts",
        )
        .with_primary_label("this string is never closed")
        .with_help(
            "close it with `\"`, or use a heredoc (<<EOT … EOT) for text over several lines",
        );
    }
    if let Some((at, len)) = sc.huge_number {
        return Diagnostic::error(
            "invalid-value",
            Span::new(file, at..at + len),
            "number is too large (the limit is 10^15)",
        );
    }
    if let Some((open, at)) = sc.unclosed {
        let last = text[start..end].trim_end().len() + start;
        if d.span.start + 1 >= last {
            let close = match open {
                b'{' => '}',
                b'[' => ']',
                _ => ')',
            };
            return Diagnostic::error(
                "syntax",
                Span::new(file, at..at + 1),
                format!("this `{}` is never closed", open as char),
            )
            .with_primary_label("opened here")
            .with_help(format!("add the closing `{close}`"));
        }
    }
    d
}
