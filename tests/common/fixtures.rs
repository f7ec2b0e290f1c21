//! Fixture projects with machine-readable header comments (`# expect: …`, `# args: …`), as
//! `tests/errors.rs` and `tests/rules.rs` use them: finding them and parsing their headers.

use super::{rel, root};
use std::path::{Path, PathBuf};

/// The severities an expectation may name.
pub const SEVERITIES: &[&str] = &["error", "warning", "note"];

/// The syntax of an `# expect:` line, for "malformed" messages.
pub const EXPECT_SYNTAX: &str = "expect: CODE SEVERITY LINE:COL [\"text\"]";

/// `# expect: CODE SEVERITY LINE:COL ["text"]`: a diagnostic the fixture must print.
#[derive(Debug, Clone)]
pub struct Expect {
    /// The file the expectation is about (as the compiler displays it: relative to the root).
    pub file: String,
    pub code: String,
    pub severity: String,
    pub line: u64,
    pub column: u64,
    /// Text that must occur in the message or the help.
    pub text: Option<String>,
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} at {}:{}:{}",
            self.code, self.severity, self.file, self.line, self.column
        )?;
        if let Some(t) = &self.text {
            write!(f, " containing {t:?}")?;
        }
        Ok(())
    }
}

/// The `.sls` files directly in a directory, sorted.
pub fn sls_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sls"))
        .collect();
    files.sort();
    files
}

/// The files of a fixture: the fixture itself, or the `.sls` files of a directory project.
pub fn fixture_files(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        sls_files(path)
    } else {
        vec![path.to_path_buf()]
    }
}

/// Loads every fixture under `tests/fixtures/<group>/<dir>/` (a `.sls` file or a directory
/// project) with `load(dir, path, problems)`, in a stable order. A directory that `known` rejects
/// is a problem: `tests/fixtures/<group>/<dir>: not <what> (typo?)`.
pub fn load_fixtures<T>(
    group: &str,
    known: impl Fn(&str) -> bool,
    what: &str,
    problems: &mut Vec<String>,
    mut load: impl FnMut(&Path, &str, &mut Vec<String>) -> T,
) -> Vec<T> {
    let base = root().join("tests/fixtures").join(group);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap_or_else(|_| panic!("tests/fixtures/{group} exists"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if !known(&name) {
            problems.push(format!("tests/fixtures/{group}/{name}: not {what} (typo?)"));
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "sls"))
            .collect();
        entries.sort();
        for e in entries {
            out.push(load(&e, &name, problems));
        }
    }
    out
}

/// Adds the mismatches of one fixture, if any, as one problem headed by its path.
pub fn report(problems: &mut Vec<String>, path: &str, bad: Vec<String>) {
    if !bad.is_empty() {
        problems.push(format!("{path}:\n    {}", bad.join("\n    ")));
    }
}

/// One `# KEY: REST` comment line of a fixture header (a KEY with a space in it is prose).
pub struct Directive<'a> {
    /// The whole line, trimmed.
    pub line: &'a str,
    pub key: &'a str,
    /// What follows the colon, trimmed.
    pub rest: &'a str,
}

/// The directives of a fixture file, in order.
pub fn directives(text: &str) -> Vec<Directive<'_>> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let directive = line.strip_prefix('#')?.trim_start();
            let (key, rest) = directive.split_once(':')?;
            (!key.contains(' ')).then(|| Directive {
                line,
                key,
                rest: rest.trim(),
            })
        })
        .collect()
}

/// `{file}: malformed `{line}` (want `# {want}`)`.
pub fn malformed(file: &str, line: &str, want: &str) -> String {
    format!("{file}: malformed `{line}` (want `# {want}`)")
}

/// Splits `HEAD "text"` into the words of HEAD and the optional quoted text.
pub fn split_quoted(rest: &str) -> Result<(Vec<&str>, Option<String>), ()> {
    match rest.find('"') {
        Some(i) => {
            let t = rest[i..].trim();
            let t = t
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .map(String::from)
                .ok_or(())?;
            Ok((rest[..i].split_whitespace().collect(), Some(t)))
        }
        None => Ok((rest.split_whitespace().collect(), None)),
    }
}

/// `LINE:COL`.
pub fn pos(s: &str) -> Option<(u64, u64)> {
    let (l, c) = s.split_once(':')?;
    Some((l.parse().ok()?, c.parse().ok()?))
}

/// Parses the REST of an `# expect:` line of `file` (None when it is malformed).
pub fn parse_expect(file: &str, rest: &str) -> Option<Expect> {
    let (words, text) = split_quoted(rest).ok()?;
    match words.as_slice() {
        [code, sev, p] if SEVERITIES.contains(sev) => {
            let (line, column) = pos(p)?;
            Some(Expect {
                file: file.to_string(),
                code: code.to_string(),
                severity: sev.to_string(),
                line,
                column,
                text,
            })
        }
        _ => None,
    }
}

/// The example projects (directories of `examples/` declaring an `app`), relative to the
/// root, sorted.
pub fn examples() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && super::declares_app(p))
        .map(|p| rel(&p))
        .collect();
    out.sort();
    out
}
