//! What the fuzz targets do, shared by `fuzz/fuzz_targets/*.rs` (cargo-fuzz) and
//! `tests/fuzz_regressions.rs` (cargo test), which both include this file with `#[path]`, so a
//! saved input is replayed through exactly the checks that found it (docs/fuzzing.md).
//!
//! Three targets, one entry point each ([`run`]):
//! - `parse_check`: the input is a project in the text format of [`split_project`] (any bytes,
//!   read as UTF-8 lossily) → compile + `emit::measure` (what `slsc check` does) → every
//!   diagnostic rendered as human (plain and colour), JSON, SARIF and GitHub text. Never a panic;
//!   JSON and SARIF must parse.
//! - `mutate_project`: the input is a stream of choices ([`Choices`]) that picks a valid seed
//!   project (every `.sls` of `examples/` and `tests/fixtures/`) and applies 1–4 mutations
//!   ([`mutate`]), then the same checks as `parse_check`.
//! - `build_targets`: the input picks a project from the oracle's generator
//!   (`tests/oracle/gen.rs`) or an example, applies gentle mutations (escaping-sensitive strings,
//!   edge numbers, renames), writes it to a scratch folder and runs `slsc::check`; a project that
//!   checks without errors is built for both targets and the output must be JSON whose every
//!   reference is declared ([`cloudformation_problems`], [`terraform_problems`]), and a project
//!   that checks clean (no hard rule lowered to a warning) must build.
//!
//! An input that starts with [`LITERAL`] is, for every target, the project itself in the format
//! of [`split_project`]: saved regressions are written that way so that they do not depend on
//! the seed corpus or the generator.

#![allow(dead_code)]

#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../oracle/gen.rs"]
mod gen;
#[path = "../common/tf_traversals.rs"]
mod tf_traversals;
use tf_traversals::{tf_interpolations, traversals};

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The date the date-dependent rules see (as in the other tests).
pub const TODAY: &str = "2026-11-26";

/// An input that starts with this line is a literal project ([`split_project`]).
pub const LITERAL: &[u8] = b"#slsc-literal\n";

/// Files above this size are not mutated further (keeps one execution fast).
const MAX_FILE: usize = 300_000;

pub const TARGETS: &[&str] = &["parse_check", "mutate_project", "build_targets"];

// ---------------------------------------------------------------------------------------------
// Context

/// A valid (or at least meaningful) project to mutate: `.sls` files, and for a whole project
/// directory all its files (sources included) for `build_targets`.
pub struct Seed {
    pub name: String,
    pub files: Vec<(String, String)>,
    /// Every file of the project's directory (relative paths), for a grouped project.
    pub all_files: Option<Vec<(String, Vec<u8>)>>,
}

/// What a target needs besides its input: the seeds and a scratch folder.
pub struct Ctx {
    pub seeds: Vec<Seed>,
    pub scratch: PathBuf,
    /// `build_targets` drops the reference problems that contain one of these texts (known
    /// findings, while they are open, so that a run can look past them). The fuzz targets read
    /// them from `SLSC_FUZZ_IGNORE=text,text`; the regression test leaves it empty.
    pub ignore: Vec<String>,
}

impl Ctx {
    /// `root`: the repository (the seeds are read from `examples/` and `tests/fixtures/`);
    /// `scratch`: a folder of this process's own (created, emptied when it exists).
    pub fn new(root: &Path, scratch: PathBuf) -> Ctx {
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).expect("scratch folder");
        Ctx {
            seeds: seeds(root),
            scratch,
            ignore: Vec::new(),
        }
    }

    /// [`Ctx::new`] with [`Ctx::ignore`] from `SLSC_FUZZ_IGNORE` (for the fuzz targets).
    pub fn from_env(root: &Path, scratch: PathBuf) -> Ctx {
        let mut ctx = Ctx::new(root, scratch);
        if let Ok(v) = std::env::var("SLSC_FUZZ_IGNORE") {
            ctx.ignore = v
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        ctx
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn all_files(dir: &Path, base: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for p in sorted_entries(dir) {
        if p.is_dir() {
            all_files(&p, base, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, bytes));
        }
    }
}

/// Every `.sls` file of `examples/` and `tests/fixtures/` as a project of its own, and every
/// directory with several `.sls` files of which exactly one has the `app` block as one project.
pub fn seeds(root: &Path) -> Vec<Seed> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<Seed>) {
        let entries = sorted_entries(dir);
        let sls: Vec<(String, String)> = entries
            .iter()
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sls"))
            .filter_map(|p| {
                let text = std::fs::read_to_string(p).ok()?;
                Some((p.file_name()?.to_string_lossy().to_string(), text))
            })
            .collect();
        let rel = dir
            .strip_prefix(root)
            .unwrap_or(dir)
            .to_string_lossy()
            .to_string();
        for (name, text) in &sls {
            out.push(Seed {
                name: format!("{rel}/{name}"),
                files: vec![(name.clone(), text.clone())],
                all_files: None,
            });
        }
        let apps = sls
            .iter()
            .filter(|(_, t)| t.lines().any(|l| l.starts_with("app \"")))
            .count();
        if sls.len() > 1 && apps == 1 {
            let mut every = Vec::new();
            all_files(dir, dir, &mut every);
            out.push(Seed {
                name: rel.clone(),
                files: sls.clone(),
                all_files: Some(every),
            });
        }
        for p in entries.iter().filter(|p| p.is_dir()) {
            walk(p, root, out);
        }
    }
    let mut out = Vec::new();
    for top in ["examples", "tests/fixtures"] {
        walk(&root.join(top), root, &mut out);
    }
    assert!(!out.is_empty(), "no seed projects under {}", root.display());
    out
}

// ---------------------------------------------------------------------------------------------
// The project text format

/// A project as text: `--- NAME` lines start a file (text before the first one is `main.sls`),
/// and before the first file `#stage NAME` and `#var NAME=VALUE` lines set the options.
pub fn split_project(text: &str) -> (Vec<(String, String)>, slsc::Options) {
    let mut opts = options();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    let mut head = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("--- ") {
            if let Some(f) = current.take() {
                files.push(f);
            }
            let name = name.trim_end_matches(['\n', '\r']);
            let name = if name.is_empty() { "main.sls" } else { name };
            current = Some((name.to_string(), String::new()));
            continue;
        }
        match &mut current {
            Some((_, t)) => t.push_str(line),
            None => {
                let l = line.trim_end_matches(['\n', '\r']);
                if let Some(stage) = l.strip_prefix("#stage ") {
                    opts.stage = Some(stage.to_string());
                } else if let Some((k, v)) = l.strip_prefix("#var ").and_then(|r| r.split_once('='))
                {
                    opts.vars.push((k.to_string(), v.to_string()));
                } else {
                    head.push_str(line);
                }
            }
        }
    }
    if let Some(f) = current.take() {
        files.push(f);
    }
    if files.is_empty() || !head.trim().is_empty() {
        files.insert(0, ("main.sls".to_string(), head));
    }
    (files, opts)
}

/// The inverse of [`split_project`] (for saving a project as a literal regression input).
pub fn join_project(files: &[(String, Vec<u8>)], opts: &slsc::Options) -> String {
    let mut out = String::new();
    if let Some(s) = &opts.stage {
        out.push_str(&format!("#stage {s}\n"));
    }
    for (k, v) in &opts.vars {
        out.push_str(&format!("#var {k}={v}\n"));
    }
    for (name, bytes) in files {
        out.push_str(&format!("--- {name}\n"));
        let text = String::from_utf8_lossy(bytes);
        out.push_str(&text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn options() -> slsc::Options {
    slsc::Options {
        today: TODAY.into(),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Choices: the fuzzer's bytes as decisions

/// The input's bytes as decisions; past the end, a xorshift generator seeded from the input.
pub struct Choices<'a> {
    data: &'a [u8],
    pos: usize,
    state: u64,
}

impl<'a> Choices<'a> {
    pub fn new(data: &'a [u8]) -> Choices<'a> {
        // FNV-1a of the input: the tail's generator differs with every input.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in data {
            h = (h ^ *b as u64).wrapping_mul(0x100_0000_01b3);
        }
        Choices {
            data,
            pos: 0,
            state: h | 1,
        }
    }
    pub fn byte(&mut self) -> u8 {
        if let Some(b) = self.data.get(self.pos) {
            self.pos += 1;
            return *b;
        }
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state >> 24) as u8
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }
    pub fn u64(&mut self) -> u64 {
        (self.u32() as u64) << 32 | self.u32() as u64
    }
    /// 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        match n {
            0 => 0,
            1..=256 => self.byte() as usize % n,
            _ => self.u32() as usize % n,
        }
    }
    pub fn pick<'b, T>(&mut self, xs: &'b [T]) -> &'b T {
        &xs[self.below(xs.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens and mutations

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tok {
    Ident,
    Number,
    Str,
    Punct,
}

/// A rough HCL tokenizer: byte ranges of identifiers, numbers, one-line strings (quotes
/// included) and punctuation; whitespace and comments are skipped.
pub fn tokens(s: &str) -> Vec<(usize, usize, Tok)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'#' || (c == b'/' && b.get(i + 1) == Some(&b'/')) {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                i += 1;
            }
            out.push((start, i, Tok::Ident));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            out.push((start, i, Tok::Number));
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] != b'\n' {
                    i += 1;
                }
                i += 1;
            }
            if i < b.len() && b[i] == b'"' {
                i += 1;
            }
            // Back to a character boundary (an escape before a multi-byte character).
            while !s.is_char_boundary(i) {
                i += 1;
            }
            out.push((start, i, Tok::Str));
        } else {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
            out.push((start, i, Tok::Punct));
        }
    }
    out
}

fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Line ranges (start, end including the newline).
fn lines(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for l in s.split_inclusive('\n') {
        out.push((start, start + l.len()));
        start += l.len();
    }
    out
}

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "1e308",
    "1e309",
    "-1e309",
    "1e-400",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "99999999999999999999999999999999999999999999999999999999999999999999",
    "0x10",
    "1_000",
    "00012",
    "1.",
    "10240",
    "10241",
    "900",
    "901",
    "86400",
    "1209600",
    "1209601",
];

/// String contents (without quotes) that stress escaping, lengths and encodings.
const STRINGS: &[&str] = &[
    "",
    " ",
    "$${x}",
    "$${AWS::Region}",
    "$${!Literal}",
    "%%{ if true }x%%{ endif }",
    "$",
    "$$",
    "$$$",
    "%",
    "%%",
    "a$${b}c%%{d}e",
    "${!x}",
    "\\\"",
    "\\\\",
    "\\n\\t\\r",
    "\\u0000",
    "\\u0024{x}",
    "\\u0025{x}",
    "}",
    "{",
    "${\"$${x}\"}",
    "é",
    "日本語",
    "🦀🦀",
    "\u{202e}evil",
    "\u{feff}",
    "\u{200b}",
    "a\u{0301}",
    "*",
    "/",
    "/*",
    "GET /",
    "POST /a/{b}",
    "ANY /{proxy+}",
    "rate(1 minute)",
    "cron(0 12 * * ? *)",
    "arn:aws:s3:::b/*",
    "s3:GetObject",
    "nodejs22.x",
    "python3.13",
    "index.handler",
    "src",
    "..",
    "../..",
    "/etc",
    "C:\\\\x",
    "1h",
    "0s",
    "15m",
    "100000d",
    "x@example.com",
    "https://example.com",
    "true",
    "null",
    "Ref",
    "Fn::GetAtt",
    "AWS::NoValue",
];

/// Names for renames (identifier-shaped, near limits, near collisions, keywords).
const NAMES: &[&str] = &[
    "a",
    "A",
    "x1",
    "x_1",
    "x-1",
    "_",
    "__",
    "role",
    "dlq",
    "topic",
    "function",
    "app",
    "local",
    "var",
    "self",
    "true",
    "null",
    "for",
    "in",
    "if",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "Ünïcödé",
    "名前",
    "x--y",
    "x__y",
];

const UNICODE: &[&str] = &[
    "é",
    "日本",
    "🦀",
    "\u{202e}",
    "\u{feff}",
    "\u{200b}",
    "\u{0301}",
    "\u{0}",
    "\r",
    "\r\n",
    "\t",
    "\u{2028}",
    "\u{fffd}",
    "\u{10ffff}",
    "\\",
    "\"",
    "${",
    "%{",
    "}",
    "{",
    "<<EOT\n",
    "\nEOT\n",
    "/*",
    "*/",
    "#",
    "//",
];

const DEPTHS: &[usize] = &[8, 64, 300, 1000, 5000, 20000];

/// An expression nested `n` deep.
fn nested(c: &mut Choices, n: usize) -> String {
    let rep = |a: &str, k: usize| a.repeat(k);
    match c.below(10) {
        0 => format!("{}1{}", rep("[", n), rep("]", n)),
        1 => format!("{}1{}", rep("{a = ", n), rep("}", n)),
        2 => format!("{}1{}", rep("(", n), rep(")", n)),
        3 => format!("{}true", rep("!", n)),
        4 => format!("{}1", rep("-", n)),
        5 => format!("{}\"x\"{}", rep("\"${", n), rep("}\"", n)),
        6 => format!("local{}", rep(".a", n)),
        7 => format!("{}1", rep("true ? 1 : ", n)),
        8 => format!("{}1{}", rep("upper(", n), rep(")", n)),
        _ => format!("{}1", rep("1 + ", n)),
    }
}

/// A whole file of something unusual.
fn snippet(c: &mut Choices) -> String {
    let n = *c.pick(DEPTHS);
    match c.below(9) {
        0 => {
            // A long chain of locals.
            let mut s = String::from("locals {\n");
            for i in 0..n {
                s.push_str(&format!("  l{i} = local.l{}\n", i + 1));
            }
            s.push_str(&format!("  l{n} = 1\n}}\n"));
            s
        }
        1 => "locals {\n  a = local.b\n  b = local.a\n}\n".to_string(),
        2 => "locals {\n  a = local.a\n}\n".to_string(),
        3 => "locals {\n  t = \"%{ for x in [1, 2] }${x}%{ endfor }\"\n  u = \"%{ if true }y%{ else }n%{ endif }\"\n}\n"
            .to_string(),
        4 => format!("locals {{\n  deep = {}\n}}\n", nested(c, n)),
        5 => "locals {\n  h = <<EOT\n  ${local.h2}\n  EOT\n  h2 = <<-EOT\n    x\n    EOT\n}\n".to_string(),
        6 => format!("locals {{\n  big = [{}]\n}}\n", "1, ".repeat(n)),
        7 => "variable \"v\" {\n  type = list(map(object({a = string, b = number})))\n  default = [{k = {a = \"x\", b = 1}}]\n}\n".to_string(),
        _ => format!("locals {{\n  s = \"{}\"\n}}\n", "x".repeat(n * 10)),
    }
}

/// One mutation of one file of `files` (`donors`: other projects' files, for cross-over).
pub fn mutate(files: &mut Vec<(String, String)>, c: &mut Choices, donors: &[Seed], gentle: bool) {
    if files.is_empty() {
        files.push(("main.sls".into(), String::new()));
    }
    let fi = c.below(files.len());
    if files[fi].1.len() > MAX_FILE {
        return;
    }
    let op = if gentle {
        *c.pick(&[4u8, 7, 9, 9, 9, 10, 0, 1])
    } else {
        c.below(18) as u8
    };
    let text = files[fi].1.clone();
    let ls = lines(&text);
    let toks = tokens(&text);
    let new = match op {
        // delete a line
        0 if !ls.is_empty() => {
            let (a, b) = ls[c.below(ls.len())];
            format!("{}{}", &text[..a], &text[b..])
        }
        // duplicate a line
        1 if !ls.is_empty() => {
            let (a, b) = ls[c.below(ls.len())];
            let mut line = text[a..b].to_string();
            if !line.ends_with('\n') {
                line.push('\n');
            }
            format!("{}{line}{}", &text[..a], &text[a..])
        }
        // swap two lines
        2 if ls.len() > 1 => {
            let i = c.below(ls.len());
            let j = c.below(ls.len());
            let (i, j) = (i.min(j), i.max(j));
            let mut v: Vec<String> = ls.iter().map(|&(a, b)| text[a..b].to_string()).collect();
            v.swap(i, j);
            for l in &mut v {
                if !l.ends_with('\n') {
                    l.push('\n');
                }
            }
            v.concat()
        }
        // move a range of lines elsewhere
        3 if ls.len() > 1 => {
            let i = c.below(ls.len());
            let k = 1 + c.below(8);
            let j = (i + k).min(ls.len());
            let chunk = text[ls[i].0..ls[j - 1].1].to_string();
            let rest = format!("{}{}", &text[..ls[i].0], &text[ls[j - 1].1..]);
            let at = lines(&rest);
            let pos = if at.is_empty() {
                0
            } else {
                at[c.below(at.len())].0
            };
            format!("{}{chunk}{}", &rest[..pos], &rest[pos..])
        }
        // replace a token with another token of the same file
        4 if toks.len() > 1 => {
            let (a, b, _) = toks[c.below(toks.len())];
            let (x, y, _) = toks[c.below(toks.len())];
            format!("{}{}{}", &text[..a], &text[x..y], &text[b..])
        }
        // replace a token with a token of another seed
        5 if !toks.is_empty() => {
            let donor = &donors[c.below(donors.len())];
            let dt = &donor.files[c.below(donor.files.len())].1;
            let dtoks = tokens(dt);
            if dtoks.is_empty() {
                text
            } else {
                let (a, b, _) = toks[c.below(toks.len())];
                let (x, y, _) = dtoks[c.below(dtoks.len())];
                format!("{}{}{}", &text[..a], &dt[x..y], &text[b..])
            }
        }
        // deep nesting as an attribute's value, or anywhere
        6 => {
            let n = *c.pick(DEPTHS);
            let e = nested(c, n);
            let assigns: Vec<usize> = ls
                .iter()
                .filter_map(|&(a, b)| text[a..b].find('=').map(|k| a + k + 1).filter(|_| b > a))
                .collect();
            if !assigns.is_empty() && c.below(4) != 0 {
                let at = assigns[c.below(assigns.len())];
                let end = text[at..].find('\n').map_or(text.len(), |k| at + k);
                format!("{} {e}{}", &text[..at], &text[end..])
            } else {
                let at = boundary(&text, c.below(text.len() + 1));
                format!("{}{e}{}", &text[..at], &text[at..])
            }
        }
        // an edge number in place of a number (or any token)
        7 if !toks.is_empty() => {
            let nums: Vec<_> = toks.iter().filter(|t| t.2 == Tok::Number).collect();
            let (a, b, _) = if !nums.is_empty() && c.below(4) != 0 {
                *nums[c.below(nums.len())]
            } else {
                toks[c.below(toks.len())]
            };
            format!("{}{}{}", &text[..a], c.pick(NUMBERS), &text[b..])
        }
        // unicode and control characters anywhere
        8 => {
            let at = boundary(&text, c.below(text.len() + 1));
            format!("{}{}{}", &text[..at], c.pick(UNICODE), &text[at..])
        }
        // a string's contents
        9 => {
            let strs: Vec<_> = toks.iter().filter(|t| t.2 == Tok::Str).collect();
            if strs.is_empty() {
                text
            } else {
                let (a, b, _) = *strs[c.below(strs.len())];
                let inner = match c.below(6) {
                    0 => c.pick(STRINGS).repeat(1 + c.below(3)),
                    1 => {
                        "x".repeat(*c.pick(&[63usize, 64, 65, 127, 128, 129, 255, 256, 1024, 5000]))
                    }
                    2 => {
                        // Keep the old contents around the new part.
                        let end = boundary(&text, b.saturating_sub(1).max(a + 1));
                        let old = &text[a + 1..end];
                        let at = boundary(old, c.below(old.len() + 1));
                        format!("{}{}{}", &old[..at], c.pick(STRINGS), &old[at..])
                    }
                    _ => c.pick(STRINGS).to_string(),
                };
                format!("{}\"{inner}\"{}", &text[..a], &text[b..])
            }
        }
        // rename an identifier everywhere (in every file)
        10 => {
            let ids: Vec<&str> = toks
                .iter()
                .filter(|t| t.2 == Tok::Ident)
                .map(|&(a, b, _)| &text[a..b])
                .collect();
            if ids.is_empty() {
                text
            } else {
                let from = ids[c.below(ids.len())].to_string();
                let to = if c.below(3) == 0 {
                    ids[c.below(ids.len())].to_string()
                } else {
                    c.pick(NAMES).to_string()
                };
                for (_, t) in files.iter_mut() {
                    *t = rename(t, &from, &to);
                }
                return;
            }
        }
        // lines from another seed
        11 => {
            let donor = &donors[c.below(donors.len())];
            let dt = &donor.files[c.below(donor.files.len())].1;
            let dl = lines(dt);
            if dl.is_empty() {
                text
            } else {
                let i = c.below(dl.len());
                let j = (i + 1 + c.below(12)).min(dl.len());
                let chunk = &dt[dl[i].0..dl[j - 1].1];
                let pos = if ls.is_empty() {
                    0
                } else {
                    ls[c.below(ls.len())].0
                };
                format!("{}{chunk}\n{}", &text[..pos], &text[pos..])
            }
        }
        // truncate
        12 => text[..boundary(&text, c.below(text.len() + 1))].to_string(),
        // duplicate or delete a top-level block
        13 | 14 => {
            let starts: Vec<usize> = (0..ls.len())
                .filter(|&i| {
                    let l = &text[ls[i].0..ls[i].1];
                    !l.starts_with([' ', '\t', '#', '}']) && l.trim_end().ends_with('{')
                })
                .collect();
            if starts.is_empty() {
                text
            } else {
                let i = starts[c.below(starts.len())];
                let j = (i..ls.len())
                    .find(|&j| text[ls[j].0..ls[j].1].starts_with('}'))
                    .unwrap_or(ls.len() - 1);
                let block = &text[ls[i].0..ls[j].1];
                if op == 13 {
                    format!("{}{block}\n{}", &text[..ls[j].1], &text[ls[j].1..])
                } else {
                    format!("{}{}", &text[..ls[i].0], &text[ls[j].1..])
                }
            }
        }
        // a new file with something unusual
        15 => {
            let s = snippet(c);
            files.push((format!("fuzz{}.sls", files.len()), s));
            return;
        }
        // one byte of ASCII anywhere
        16 if !text.is_empty() => {
            let at = boundary(&text, c.below(text.len()));
            let len = text[at..].chars().next().map_or(0, char::len_utf8);
            let ch = (32 + c.below(95) as u8) as char;
            format!("{}{ch}{}", &text[..at], &text[at + len..])
        }
        // a file renamed, dropped or emptied
        17 => {
            match c.below(3) {
                0 if files.len() > 1 => {
                    files.remove(fi);
                }
                1 => {
                    files[fi].0 = c
                        .pick(&["a.sls", "z.sls", "main.sls", "ü.sls", ".sls", "a b.sls"])
                        .to_string()
                }
                _ => files[fi].1.clear(),
            }
            return;
        }
        _ => text,
    };
    files[fi].1 = new;
}

/// `s` with every whole word (identifier characters and `-`) equal to `from` replaced by `to`.
fn rename(s: &str, from: &str, to: &str) -> String {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(s.len());
    let mut start: Option<usize> = None;
    for (i, ch) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        match (word(ch), start) {
            (true, None) => start = Some(i),
            (false, Some(a)) => {
                out.push_str(if &s[a..i] == from { to } else { &s[a..i] });
                start = None;
                if i < s.len() {
                    out.push(ch);
                }
            }
            (false, None) if i < s.len() => out.push(ch),
            _ => {}
        }
    }
    out
}

/// Options with a stage and `--var` values from the choices (the project's own variables).
fn choose_options(c: &mut Choices, files: &[(String, String)]) -> slsc::Options {
    let mut opts = options();
    match c.below(6) {
        0 => opts.stage = Some("prod".into()),
        1 => {
            opts.stage = Some(
                c.pick(&[
                    "",
                    "a",
                    "x-y",
                    "Prod",
                    "名前",
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                    "a b",
                    "${x}",
                ])
                .to_string(),
            )
        }
        _ => {}
    }
    if c.below(4) == 0 {
        let vars: Vec<String> = files
            .iter()
            .flat_map(|(_, t)| t.lines())
            .filter_map(|l| {
                l.strip_prefix("variable \"")?
                    .split('"')
                    .next()
                    .map(String::from)
            })
            .collect();
        if let Some(v) = (!vars.is_empty()).then(|| vars[c.below(vars.len())].clone()) {
            let value = c.pick(STRINGS).to_string();
            opts.vars.push((v, value));
        }
    }
    opts
}

// ---------------------------------------------------------------------------------------------
// Targets

/// What one run did (for the regression test's "not trivially passing" checks).
#[derive(Default, Debug)]
pub struct Outcome {
    /// The compiler ran (no usage or I/O error).
    pub compiled: bool,
    pub errors: usize,
    pub diagnostics: usize,
    /// Targets built and verified.
    pub built: Vec<&'static str>,
    /// References checked in the built outputs.
    pub references: usize,
}

/// Runs one target on one input; panics on a violation.
/// The context of a fuzz target's process, made once: `root` is the repository, the scratch
/// folder `slsc-fuzz-<target>-<pid>` under the system's temporary folder.
pub fn target_ctx(target: &str, root: &Path) -> &'static Ctx {
    static CTX: std::sync::OnceLock<Ctx> = std::sync::OnceLock::new();
    CTX.get_or_init(|| {
        let scratch =
            std::env::temp_dir().join(format!("slsc-fuzz-{target}-{}", std::process::id()));
        Ctx::from_env(root, scratch)
    })
}

pub fn run(target: &str, data: &[u8], ctx: &Ctx) -> Outcome {
    match target {
        "parse_check" => parse_check(data),
        "mutate_project" => mutate_project(data, ctx),
        "build_targets" => build_targets(data, ctx),
        _ => panic!("unknown fuzz target `{target}`"),
    }
}

pub fn parse_check(data: &[u8]) -> Outcome {
    let (files, opts) = split_project(&String::from_utf8_lossy(data));
    check_files(&files, &opts)
}

/// The project `mutate_project` checks for an input (files, options).
pub fn mutated(data: &[u8], ctx: &Ctx) -> (Vec<(String, String)>, slsc::Options) {
    if let Some(rest) = data.strip_prefix(LITERAL) {
        return split_project(&String::from_utf8_lossy(rest));
    }
    let mut c = Choices::new(data);
    let seed = &ctx.seeds[c.below(ctx.seeds.len())];
    let mut files = seed.files.clone();
    for _ in 0..1 + c.below(4) {
        mutate(&mut files, &mut c, &ctx.seeds, false);
    }
    let opts = choose_options(&mut c, &files);
    (files, opts)
}

pub fn mutate_project(data: &[u8], ctx: &Ctx) -> Outcome {
    let (files, opts) = mutated(data, ctx);
    check_files(&files, &opts)
}

/// In-memory compile + the output rules (what `slsc check` does), then every renderer.
pub fn check_files(files: &[(String, String)], opts: &slsc::Options) -> Outcome {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let Ok(mut c) = slsc::compile_files(&refs, opts) else {
        return Outcome::default();
    };
    let mut more = slsc::emit::measure(&c);
    c.diagnostics.append(&mut more);
    slsc::diagnostics::sort(&mut c.diagnostics, &c.sources);
    render_all(&c);
    Outcome {
        compiled: true,
        errors: c.errors(),
        diagnostics: c.diagnostics.len(),
        ..Default::default()
    }
}

/// Every renderer of diagnostics; JSON and SARIF must be JSON.
fn render_all(c: &slsc::Compilation) {
    use slsc::diagnostics as d;
    let diags = &c.diagnostics;
    let _ = d::render_human(diags, &c.sources, false);
    let _ = d::render_human(diags, &c.sources, true);
    let _ = d::render_github(diags, &c.sources);
    for (what, text) in [
        ("render_json", d::render_json(diags, &c.sources)),
        ("render_sarif", d::render_sarif(diags, &c.sources)),
    ] {
        if let Err(e) = serde_json::from_str::<Value>(&text) {
            panic!("{what} printed invalid JSON ({e}):\n{}", clip(&text));
        }
    }
}

fn clip(s: &str) -> String {
    if s.len() <= 4000 {
        return s.to_string();
    }
    format!("{} …", &s[..boundary(s, 4000)])
}

/// The project `build_targets` checks for an input: files (sources included) and options.
pub fn generated(data: &[u8], ctx: &Ctx) -> (Vec<(String, Vec<u8>)>, slsc::Options) {
    if let Some(rest) = data.strip_prefix(LITERAL) {
        let (files, opts) = split_project(&String::from_utf8_lossy(rest));
        return (
            files
                .into_iter()
                .map(|(n, t)| (n, t.into_bytes()))
                .collect(),
            opts,
        );
    }
    let mut c = Choices::new(data);
    let examples: Vec<&Seed> = ctx.seeds.iter().filter(|s| s.all_files.is_some()).collect();
    let mut all: Vec<(String, Vec<u8>)> = if !examples.is_empty() && c.below(5) == 0 {
        examples[c.below(examples.len())].all_files.clone().unwrap()
    } else {
        let mut cov = gen::Coverage::default();
        gen::Gen::new(c.u64(), &mut cov, TODAY).project().files
    };
    let mut sls: Vec<(String, String)> = all
        .iter()
        .filter(|(n, _)| n.ends_with(".sls"))
        .map(|(n, b)| (n.clone(), String::from_utf8_lossy(b).to_string()))
        .collect();
    all.retain(|(n, _)| !n.ends_with(".sls"));
    for _ in 0..c.below(4) {
        mutate(&mut sls, &mut c, &ctx.seeds, true);
    }
    let opts = if c.below(4) == 0 {
        choose_options(&mut c, &sls)
    } else {
        options()
    };
    all.extend(sls.into_iter().map(|(n, t)| (n, t.into_bytes())));
    (all, opts)
}

pub fn build_targets(data: &[u8], ctx: &Ctx) -> Outcome {
    let (files, opts) = generated(data, ctx);
    build_files(&files, &opts, &ctx.scratch, &ctx.ignore)
}

/// Writes the project under `scratch`, checks it, and when it has no errors builds both
/// targets into `scratch` and verifies the outputs. Panics on a violation.
pub fn build_files(
    files: &[(String, Vec<u8>)],
    opts: &slsc::Options,
    scratch: &Path,
    ignore: &[String],
) -> Outcome {
    let dir = scratch.join("project");
    let _ = std::fs::remove_dir_all(&dir);
    for (name, bytes) in files {
        // Names that leave the folder are not written (the format allows any name).
        if name.split(['/', '\\']).any(|p| p == ".." || p.is_empty()) || name.starts_with('/') {
            continue;
        }
        let p = dir.join(name);
        if std::fs::create_dir_all(p.parent().unwrap()).is_err() {
            continue;
        }
        let _ = std::fs::write(&p, bytes);
    }
    let _ = std::fs::create_dir_all(&dir);
    let Ok(c) = slsc::check(&dir, opts) else {
        return Outcome::default();
    };
    render_all(&c);
    let mut outcome = Outcome {
        compiled: true,
        errors: c.errors(),
        diagnostics: c.diagnostics.len(),
        ..Default::default()
    };
    if c.errors() > 0 {
        return outcome;
    }
    // A hard rule lowered to a warning (`app.lint`): AWS may refuse the output, by the user's
    // choice; the build may then fail.
    let hard = c
        .diagnostics
        .iter()
        .any(|d| slsc::checks::rule(&d.code).is_some_and(|r| r.hard));
    let show = || {
        let sls: Vec<(String, Vec<u8>)> = files
            .iter()
            .filter(|(n, _)| n.ends_with(".sls"))
            .cloned()
            .collect();
        clip(&join_project(&sls, opts))
    };
    for target in [
        slsc::emit::Target::CloudFormation,
        slsc::emit::Target::Terraform,
    ] {
        let out = scratch.join(format!("out-{}", target.as_str()));
        let _ = std::fs::remove_dir_all(&out);
        let built = match slsc::emit::build(&c, target, &out) {
            Ok(b) => b,
            Err(diags) => {
                if hard {
                    continue;
                }
                let msgs: Vec<String> = diags
                    .iter()
                    .map(|d| format!("{}: {}", d.code, d.message))
                    .collect();
                panic!(
                    "checks clean but `build --target {}` fails:\n{}\n{}",
                    target.as_str(),
                    msgs.join("\n"),
                    show()
                );
            }
        };
        let mut main = None;
        for (name, chunks) in &built.files {
            if !name.ends_with(".json") {
                continue;
            }
            let p = out.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).expect("output folder");
            std::fs::write(&p, chunks.concat()).expect("output written");
            let text = std::fs::read(&p).expect("output read");
            let doc: Value = match serde_json::from_slice(&text) {
                Ok(v) => v,
                Err(e) => panic!("{} `{name}` is not JSON: {e}\n{}", target.as_str(), show()),
            };
            if main.is_none() {
                main = Some(doc);
            }
        }
        let Some(doc) = main else {
            panic!(
                "{}: the build has no JSON file\n{}",
                target.as_str(),
                show()
            );
        };
        let (mut problems, refs) = match target {
            slsc::emit::Target::CloudFormation => cloudformation_problems(&doc),
            slsc::emit::Target::Terraform => terraform_problems(&doc),
        };
        problems.retain(|p| !ignore.iter().any(|i| p.contains(i.as_str())));
        if !problems.is_empty() {
            panic!(
                "{}: {} dangling reference(s):\n  {}\n{}",
                target.as_str(),
                problems.len(),
                problems.join("\n  "),
                show()
            );
        }
        outcome.references += refs;
        outcome.built.push(target.as_str());
    }
    outcome
}

// ---------------------------------------------------------------------------------------------
// The reference checkers

/// Pseudo parameters `Ref` and `${…}` may name.
pub const PSEUDO: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

fn keys(v: &Value, k: &str) -> BTreeSet<String> {
    v.get(k)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The variables of an `Fn::Sub` string: `${Name}`, `${Name.Attr}` (`${!…}` is literal text).
pub fn sub_variables(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(k) = rest.find("${") {
        let after = &rest[k + 2..];
        if let Some(escaped) = after.strip_prefix('!') {
            rest = escaped;
            continue;
        }
        match after.find('}') {
            Some(e) => {
                out.push(&after[..e]);
                rest = &after[e + 1..];
            }
            None => break,
        }
    }
    out
}

/// Problems with the references of a CloudFormation template (and how many were checked):
/// every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable and `DependsOn` names a declared resource,
/// parameter or pseudo parameter (`Fn::GetAtt` and `${X.Attr}`: a resource).
pub fn cloudformation_problems(t: &Value) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    if !t.is_object() || !t.get("Resources").is_some_and(Value::is_object) {
        return (vec!["the template has no `Resources` object".into()], 0);
    }
    let resources = keys(t, "Resources");
    let params = keys(t, "Parameters");
    let mut n = 0;
    walk_cfn(t, "", &resources, &params, &mut out, &mut n);
    (out, n)
}

fn walk_cfn(
    v: &Value,
    path: &str,
    res: &BTreeSet<String>,
    params: &BTreeSet<String>,
    out: &mut Vec<String>,
    n: &mut usize,
) {
    let named = |name: &str, locals: &BTreeSet<String>| {
        res.contains(name)
            || params.contains(name)
            || PSEUDO.contains(&name)
            || locals.contains(name)
    };
    match v {
        Value::Object(m) => {
            if m.len() == 1 {
                let (k, x) = m.iter().next().unwrap();
                match k.as_str() {
                    "Ref" => {
                        *n += 1;
                        match x.as_str() {
                            Some(name) if named(name, &BTreeSet::new()) => {}
                            _ => out.push(format!("{path}: `Ref` to undeclared {x}")),
                        }
                    }
                    "Fn::GetAtt" => {
                        *n += 1;
                        let (name, attr) = match x {
                            Value::Array(a) if a.len() == 2 => (a[0].as_str(), a[1].as_str()),
                            Value::String(s) => match s.split_once('.') {
                                Some((a, b)) => (Some(a), Some(b)),
                                None => (None, None),
                            },
                            _ => (None, None),
                        };
                        match (name, attr) {
                            (Some(name), Some(attr)) if res.contains(name) && !attr.is_empty() => {}
                            _ => out.push(format!(
                                "{path}: `Fn::GetAtt` of an undeclared resource or malformed: {x}"
                            )),
                        }
                    }
                    "Fn::Sub" => {
                        let (s, locals) = match x {
                            Value::String(s) => (Some(s.as_str()), BTreeSet::new()),
                            Value::Array(a) if a.len() == 2 => (
                                a[0].as_str(),
                                a[1].as_object()
                                    .into_iter()
                                    .flat_map(|m| m.keys().cloned())
                                    .collect(),
                            ),
                            _ => (None, BTreeSet::new()),
                        };
                        match s {
                            None => out.push(format!("{path}: malformed `Fn::Sub`: {x}")),
                            Some(s) => {
                                for var in sub_variables(s) {
                                    *n += 1;
                                    let ok = match var.split_once('.') {
                                        Some((name, attr)) => {
                                            res.contains(name) && !attr.is_empty()
                                        }
                                        None => named(var, &locals),
                                    };
                                    if !ok {
                                        out.push(format!("{path}: `Fn::Sub` variable `${{{var}}}` is not declared (in {s:?})"));
                                    }
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            if let Some(d) = m.get("DependsOn") {
                let names: Vec<&Value> = match d {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                for name in names {
                    *n += 1;
                    if !name.as_str().is_some_and(|s| res.contains(s)) {
                        out.push(format!("{path}.DependsOn: undeclared resource {name}"));
                    }
                }
            }
            for (k, x) in m {
                walk_cfn(x, &format!("{path}.{k}"), res, params, out, n);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk_cfn(x, &format!("{path}[{i}]"), res, params, out, n);
            }
        }
        _ => {}
    }
}

/// Problems with the references of a Terraform JSON document (and how many were checked):
/// every `${…}` in a string or an object key names a declared resource, data source,
/// variable or local (or `path.`/`terraform.`/`count.`/`each.`/`self.`), and no string holds
/// an unescaped directive or an unterminated interpolation. Values Terraform reads literally
/// (the `terraform` block, outputs' and variables' descriptions) are not templates.
pub fn terraform_problems(doc: &Value) -> (Vec<String>, usize) {
    let mut declared = BTreeSet::new();
    let Some(top) = doc.as_object() else {
        return (vec!["the document is not an object".into()], 0);
    };
    let sections = |k: &str| -> Vec<&serde_json::Map<String, Value>> {
        match top.get(k) {
            Some(Value::Object(m)) => vec![m],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        }
    };
    for m in sections("resource") {
        for (ty, names) in m {
            for name in names.as_object().into_iter().flat_map(|o| o.keys()) {
                declared.insert(format!("{ty}.{name}"));
            }
        }
    }
    for m in sections("data") {
        for (ty, names) in m {
            for name in names.as_object().into_iter().flat_map(|o| o.keys()) {
                declared.insert(format!("data.{ty}.{name}"));
            }
        }
    }
    for (section, prefix) in [
        ("variable", "var"),
        ("locals", "local"),
        ("module", "module"),
    ] {
        for m in sections(section) {
            for name in m.keys() {
                declared.insert(format!("{prefix}.{name}"));
            }
        }
    }
    let mut out = Vec::new();
    let mut n = 0;
    for (section, v) in top {
        match section.as_str() {
            // Literal values, not templates (Terraform's JSON syntax): the `terraform` block, and
            // the `description` (and a variable's `type` and `default`) of outputs and
            // variables — the emitter writes these as is.
            "terraform" => {}
            "output" | "variable" => {
                let literal: &[&str] = if section == "output" {
                    &["description"]
                } else {
                    &["description", "type", "default"]
                };
                for (name, body) in v.as_object().into_iter().flatten() {
                    for (k, x) in body.as_object().into_iter().flatten() {
                        if !literal.contains(&k.as_str()) {
                            walk_tf(
                                x,
                                &format!(".{section}.{name}.{k}"),
                                &declared,
                                &mut out,
                                &mut n,
                            );
                        }
                    }
                }
            }
            _ => walk_tf(v, &format!(".{section}"), &declared, &mut out, &mut n),
        }
    }
    (out, n)
}

fn check_tf_string(
    s: &str,
    path: &str,
    declared: &BTreeSet<String>,
    out: &mut Vec<String>,
    n: &mut usize,
) {
    let (exprs, problems) = tf_interpolations(s);
    out.extend(
        problems
            .into_iter()
            .map(|p| format!("{path}: {p} in {:?}", clip(s))),
    );
    for e in exprs {
        for t in traversals(e) {
            *n += 1;
            let ok = match t.as_slice() {
                ["path" | "terraform" | "count" | "each" | "self", ..] => true,
                ["true" | "false" | "null"] => true,
                ["data", ty, name, ..] => declared.contains(&format!("data.{ty}.{name}")),
                [p @ ("var" | "local" | "module"), name, ..] => {
                    declared.contains(&format!("{p}.{name}"))
                }
                [ty, name, ..] => declared.contains(&format!("{ty}.{name}")),
                _ => false,
            };
            if !ok {
                out.push(format!(
                    "{path}: `{}` is not declared (in {:?})",
                    t.join("."),
                    clip(s)
                ));
            }
        }
    }
}

fn walk_tf(
    v: &Value,
    path: &str,
    declared: &BTreeSet<String>,
    out: &mut Vec<String>,
    n: &mut usize,
) {
    match v {
        Value::String(s) => check_tf_string(s, path, declared, out, n),
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}.{k}");
                check_tf_string(k, &format!("{p} (key)"), declared, out, n);
                walk_tf(x, &p, declared, out, n);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk_tf(x, &format!("{path}[{i}]"), declared, out, n);
            }
        }
        _ => {}
    }
}
