//! The one diagnostic type shared by every phase, and its renderers.
//!
//! Phases create [`Diagnostic`]s; only the renderers in this module turn them into text. A
//! diagnostic always has a primary span (a byte range in one source file), so every message the
//! user sees points at a line and column. Renderers:
//! - `human`: miette's graphical report (colour only when stdout/stderr is a terminal);
//! - `json`: the stable shape of SPEC §7;
//! - `sarif`: SARIF 2.1.0, one rule per code;
//! - `github`: workflow commands (`::error file=…,line=…,col=…::msg`).

pub mod cap;
mod window;

pub use crate::source::{FileId, SourceMap, Span};
use serde_json::{json, Value as Json};

/// "a" or "an" before a word in a message ("an `app` block", "an http trigger", "a queue").
pub fn article(word: &str) -> &'static str {
    let w = word.trim_start_matches('`').to_ascii_lowercase();
    if w.starts_with(['a', 'e', 'i', 'o', 'u']) || w.starts_with("http") {
        "an"
    } else {
        "a"
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// The text shown under the primary span in the human rendering.
    pub primary_label: Option<String>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, span, message)
    }
    pub fn warning(code: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, span, message)
    }
    pub fn new(code: &str, severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.to_string(),
            severity,
            message: message.into(),
            span,
            primary_label: None,
            labels: Vec::new(),
            help: None,
        }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }
    pub fn with_primary_label(mut self, message: impl Into<String>) -> Self {
        self.primary_label = Some(message.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into their stable output order: by file, position, then code and message.
pub fn sort(diags: &mut [Diagnostic], sources: &SourceMap) {
    diags.sort_by(|a, b| {
        (
            sources.name(a.span.file),
            a.span.start,
            a.span.end,
            &a.code,
            &a.message,
        )
            .cmp(&(
                sources.name(b.span.file),
                b.span.start,
                b.span.end,
                &b.code,
                &b.message,
            ))
    });
}

pub fn count(diags: &[Diagnostic], severity: Severity) -> usize {
    diags.iter().filter(|d| d.severity == severity).count()
}

// -- JSON ------------------------------------------------------------------------------------

/// Messages, helps and labels longer than this are shortened when rendered (a value echoed in a
/// message may be megabytes long; JSON and SARIF included).
const MAX_TEXT: usize = 2000;

/// `text`, shortened in the middle when it is longer than [`MAX_TEXT`] bytes.
fn clip(text: &str) -> Option<String> {
    if text.len() <= MAX_TEXT {
        return None;
    }
    let mut head = MAX_TEXT * 3 / 4;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - MAX_TEXT / 4;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    let left_out = text[head..tail].chars().count();
    Some(format!(
        "{} … ({left_out} characters left out) … {}",
        &text[..head],
        &text[tail..]
    ))
}

/// What a report shows (see [`cap::select`]), with long texts shortened (see [`clip`]), and
/// what it leaves out.
fn prepared<'a>(
    diags: &'a [Diagnostic],
    limits: &cap::Limits,
) -> (Vec<std::borrow::Cow<'a, Diagnostic>>, Vec<cap::LeftOut>) {
    use std::borrow::Cow;
    let long = |d: &Diagnostic| {
        d.message.len() > MAX_TEXT
            || d.help.as_ref().is_some_and(|h| h.len() > MAX_TEXT)
            || d.labels.iter().any(|l| l.message.len() > MAX_TEXT)
    };
    let (shown, left_out) = cap::select(diags, limits);
    let shown = shown
        .into_iter()
        .map(|d| {
            if !long(d) {
                return Cow::Borrowed(d);
            }
            let mut d = d.clone();
            if let Some(m) = clip(&d.message) {
                d.message = m;
            }
            if let Some(h) = d.help.as_deref().and_then(clip) {
                d.help = Some(h);
            }
            for l in &mut d.labels {
                if let Some(m) = clip(&l.message) {
                    l.message = m;
                }
            }
            Cow::Owned(d)
        })
        .collect();
    (shown, left_out)
}

/// What a machine-readable report left out: `[{"code","severity","count","files"}]`.
fn left_out_json(left_out: &[cap::LeftOut]) -> Json {
    left_out
        .iter()
        .map(|l| json!({"code": l.code, "severity": l.severity.as_str(), "count": l.count, "files": l.files}))
        .collect()
}

/// One diagnostic of the `json` format, its keys in the order of SPEC §7.
#[derive(serde::Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: usize,
    warnings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    left_out: Option<Json>,
}

pub fn render_json(all: &[Diagnostic], sources: &SourceMap) -> String {
    let (diags, left_out) = prepared(all, &cap::MACHINE);
    let list: Vec<JsonDiagnostic> = diags
        .iter()
        .map(|d| {
            let (line, column) = sources.line_col(d.span.file, d.span.start);
            let (end_line, end_column) = sources.line_col(d.span.file, d.span.end);
            let labels = d
                .labels
                .iter()
                .map(|l| {
                    let (line, column) = sources.line_col(l.span.file, l.span.start);
                    JsonLabel {
                        file: sources.name(l.span.file),
                        line,
                        column,
                        message: &l.message,
                    }
                })
                .collect();
            JsonDiagnostic {
                code: &d.code,
                severity: d.severity.as_str(),
                message: &d.message,
                file: sources.name(d.span.file),
                line,
                column,
                end_line,
                end_column,
                labels,
                help: d.help.as_deref(),
            }
        })
        .collect();
    let out = JsonReport {
        diagnostics: list,
        errors: count(all, Severity::Error),
        warnings: count(all, Severity::Warning),
        left_out: (!left_out.is_empty()).then(|| left_out_json(&left_out)),
    };
    let mut s = serde_json::to_string_pretty(&out).expect("JSON values always serialise");
    s.push('\n');
    s
}

// -- GitHub workflow commands ---------------------------------------------------------------

/// A workflow command's message (`escapeData` of GitHub's actions toolkit).
fn github_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value (`escapeProperty`: `:` and `,` too).
fn github_escape_prop(s: &str) -> String {
    github_escape_data(s)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// One workflow command per diagnostic: `::error|warning|notice file=F,line=L,col=C,
/// endLine=EL,endColumn=EC,title=CODE::MESSAGE`. GitHub takes columns only for a span on one
/// line, so a span over several lines gives `line` and `endLine` alone.
pub fn render_github(all: &[Diagnostic], sources: &SourceMap) -> String {
    let (diags, left_out) = prepared(all, &cap::HUMAN);
    let mut out = String::new();
    for d in &diags {
        let (line, col) = sources.line_col(d.span.file, d.span.start);
        let (end_line, end_col) = sources.line_col(d.span.file, d.span.end);
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut msg = d.message.clone();
        if let Some(h) = &d.help {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        let position = if end_line == line {
            format!("line={line},col={col},endLine={end_line},endColumn={end_col}")
        } else {
            format!("line={line},endLine={end_line}")
        };
        out.push_str(&format!(
            "::{level} file={},{position},title={}::{}\n",
            github_escape_prop(sources.name(d.span.file)),
            github_escape_prop(&d.code),
            github_escape_data(&msg)
        ));
    }
    let lines = cap::human_lines(&left_out);
    if !lines.is_empty() {
        out.push_str(&format!(
            "::notice title=slsc::{}\n",
            github_escape_data(lines.trim_end())
        ));
    }
    out
}

// -- SARIF 2.1.0 ------------------------------------------------------------------------------

/// Where slsc's documentation is online (`helpUri`s).
pub const DOCS_URL: &str = "https://github.com/slsc/slsc/blob/main/docs";
/// The project's home (`tool.driver.informationUri`).
pub const INFORMATION_URL: &str = "https://github.com/slsc/slsc";

/// What SARIF says about one code: a `reportingDescriptor` of `runs[0].tool.driver.rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleText {
    /// One line (`shortDescription`).
    pub summary: String,
    /// The full documentation in Markdown, when there is a page (`fullDescription`, `help`).
    pub page: Option<String>,
    /// Where the documentation is (`helpUri`).
    pub help_uri: Option<String>,
    /// The level when nothing changes it, as SARIF says it: `error`, `warning`, `note` or `none`
    /// (`defaultConfiguration.level`).
    pub level: &'static str,
}

/// The codes this module knows without the rule registry: the compile errors and the two
/// codes that come with the rules (docs/diagnostics.md), with their level, one line and the
/// section of docs/diagnostics.md that lists them.
const KNOWN_CODES: &[(&str, &str, &str, &str)] = &[
    (
        "syntax",
        "error",
        "The text is not HCL (an unclosed brace, a missing value, invalid UTF-8, a NUL byte, a block with the wrong number of labels), or beyond the parse limits (64 nested levels, 1,000 keys in one object).",
        COMPILE_ERRORS,
    ),
    (
        "unknown-block",
        "error",
        "A block type that the language does not have, or a nested block where an attribute is expected.",
        COMPILE_ERRORS,
    ),
    (
        "unknown-attribute",
        "error",
        "An attribute or object key that the block does not have.",
        COMPILE_ERRORS,
    ),
    (
        "missing-attribute",
        "error",
        "A required attribute, or the app block, is missing.",
        COMPILE_ERRORS,
    ),
    (
        "duplicate-name",
        "error",
        "Two blocks of one kind (or two locals) have the same name.",
        COMPILE_ERRORS,
    ),
    (
        "type-mismatch",
        "error",
        "A value or reference of the wrong type, or a deploy-time value where a compile-time one is needed.",
        COMPILE_ERRORS,
    ),
    (
        "invalid-value",
        "error",
        "A value out of range, not one of the allowed values, or otherwise invalid.",
        COMPILE_ERRORS,
    ),
    (
        "unresolved-reference",
        "error",
        "A reference to a block, variable, local or attribute that does not exist.",
        COMPILE_ERRORS,
    ),
    (
        "invalid-trigger",
        "error",
        "A trigger without exactly one source, with attributes of another source kind, or overlapping another.",
        COMPILE_ERRORS,
    ),
    (
        "invalid-schedule",
        "error",
        "A rate() or cron() expression that AWS would refuse.",
        COMPILE_ERRORS,
    ),
    (
        "invalid-route",
        "error",
        "An HTTP route that is not `METHOD /path` with a known method and well-formed parameters.",
        COMPILE_ERRORS,
    ),
    (
        "duplicate-route",
        "error",
        "Two triggers with the same method and path.",
        COMPILE_ERRORS,
    ),
    (
        "missing-variable",
        "error",
        "A variable with no value and no default.",
        COMPILE_ERRORS,
    ),
    (
        "source-not-found",
        "error",
        "A function's source directory or artifact file, or a file read by `file`/`templatefile`, does not exist.",
        COMPILE_ERRORS,
    ),
    (
        "source-outside-project",
        "error",
        "A function's source or artifact, a symbolic link inside a source, or a file read by `file`/`templatefile`, lies outside the project (or `app.source_root`).",
        COMPILE_ERRORS,
    ),
    (
        "cycle",
        "error",
        "Locals (or the stage) that depend on each other in a cycle.",
        COMPILE_ERRORS,
    ),
    (
        "name-collision",
        "error",
        "Two blocks that would emit the same logical ID.",
        COMPILE_ERRORS,
    ),
    (
        "invalid-policy",
        "error",
        "A policy reads a `self` attribute its kind does not have, or its `condition` or `when` is not a bool or cannot be evaluated.",
        COMPILE_ERRORS,
    ),
    (
        "bounded-recursion",
        "note",
        "A loop whose functions all say `recursion = \"allow\"`: intended, bounded by their concurrency.",
        RULE_CODES,
    ),
    (
        "unknown-policy",
        "warning",
        "`app.lint` names a policy that no loaded policy file defines.",
        RULE_CODES,
    ),
];
const COMPILE_ERRORS: &str = "diagnostics.md#compile-errors-always-errors";
const RULE_CODES: &str = "diagnostics.md#rules";

/// A SARIF level.
fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The policy's own message in a `policy/NAME` diagnostic's message, which is
/// `MESSAGE[ (attribute unset: …)] (KIND "NAME")`.
fn policy_message(message: &str) -> &str {
    let mut m = message;
    if m.ends_with("\")") {
        if let Some(i) = m.rfind(" (") {
            let tail = &m[i + 2..];
            if tail.split_once(" \"").is_some_and(|(kind, _)| {
                !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_lowercase())
            }) {
                m = &m[..i];
            }
        }
    }
    if m.ends_with(')') {
        if let Some(i) = m.rfind(" (attribute unset: ") {
            m = &m[..i];
        }
    }
    m
}

/// What SARIF says about `code`: the caller's text, else the table of compile errors, else
/// (for `policy/NAME`) the policy's message from `first`, the first diagnostic of the code.
fn rule_text(code: &str, first: &Diagnostic, rules: &dyn Fn(&str) -> Option<RuleText>) -> RuleText {
    if let Some(t) = rules(code) {
        return t;
    }
    if let Some((_, level, summary, section)) = KNOWN_CODES.iter().find(|k| k.0 == code) {
        return RuleText {
            summary: summary.to_string(),
            page: None,
            help_uri: Some(format!("{DOCS_URL}/{section}")),
            level,
        };
    }
    let summary = if code.starts_with("policy/") {
        policy_message(&first.message).to_string()
    } else {
        code.to_string()
    };
    RuleText {
        summary,
        page: None,
        help_uri: None,
        level: sarif_level(first.severity),
    }
}

/// A relative path as a URI reference: `/` kept, other characters outside RFC 3986's
/// unreserved set, sub-delims and `@` percent-encoded (a space, `:`, `#`, `?`, non-ASCII
/// letters).
fn uri_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(b as char),
            b'-' | b'.' | b'_' | b'~' | b'/' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*'
            | b'+' | b',' | b';' | b'=' | b'@' => out.push(b as char),
            b'\\' => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// SARIF 2.1.0 with what this module knows about each code (see [`render_sarif_with`]).
pub fn render_sarif(diags: &[Diagnostic], sources: &SourceMap) -> String {
    render_sarif_with(diags, sources, &|_| None)
}

/// SARIF 2.1.0: one run, one `rule` per code present (sorted by code), one result per
/// diagnostic (its labels as `relatedLocations`). `rules` describes the codes it knows (the
/// command line passes the rule registry: summary, `slsc explain` page, docs link, default
/// level); other codes are described by the table of compile errors, or for `policy/NAME` by
/// the policy's message. Byte-deterministic: the same diagnostics give the same text.
pub fn render_sarif_with(
    all: &[Diagnostic],
    sources: &SourceMap,
    rules: &dyn Fn(&str) -> Option<RuleText>,
) -> String {
    let (diags, left_out) = prepared(all, &cap::MACHINE);
    let mut codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<Json> = codes
        .iter()
        .map(|c| {
            let first = diags
                .iter()
                .find(|d| d.code == *c)
                .expect("every code comes from a diagnostic");
            let t = rule_text(c, first, rules);
            let mut r = serde_json::Map::new();
            r.insert("id".into(), json!(c));
            r.insert("name".into(), json!(c));
            r.insert("shortDescription".into(), json!({"text": t.summary}));
            if let Some(page) = &t.page {
                r.insert("fullDescription".into(), json!({"text": page}));
                r.insert("help".into(), json!({"text": page, "markdown": page}));
            }
            if let Some(uri) = &t.help_uri {
                r.insert("helpUri".into(), json!(uri));
            }
            r.insert("defaultConfiguration".into(), json!({"level": t.level}));
            Json::Object(r)
        })
        .collect();
    let region = |span: Span| {
        let (l, c) = sources.line_col(span.file, span.start);
        let (el, ec) = sources.line_col(span.file, span.end);
        json!({"startLine": l, "startColumn": c, "endLine": el, "endColumn": ec})
    };
    let results: Vec<Json> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            let related: Vec<Json> = d
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    json!({
                        "id": i,
                        "message": {"text": l.message},
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri_of(sources.name(l.span.file))},
                            "region": region(l.span),
                        }
                    })
                })
                .collect();
            json!({
                "ruleId": d.code,
                "ruleIndex": codes.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": sarif_level(d.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri_of(sources.name(d.span.file))},
                        "region": region(d.span),
                    }
                }],
                "relatedLocations": related,
            })
        })
        .collect();
    let mut out = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "slsc",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URL,
                "rules": rules,
            }},
            // Columns count characters (docs/cli.md), not UTF-16 code units.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    if !left_out.is_empty() {
        out["runs"][0]["properties"] = json!({"left_out": left_out_json(&left_out)});
    }
    let mut s = serde_json::to_string_pretty(&out).expect("JSON values always serialise");
    s.push('\n');
    s
}

// -- Human (miette) ---------------------------------------------------------------------------

#[derive(Debug)]
struct MietteDiag<'a> {
    diag: &'a Diagnostic,
    /// `None` when the snippet is too long to show.
    source: Option<window::Window<'a>>,
    labels: Vec<miette::LabeledSpan>,
    help: Option<String>,
}

impl std::fmt::Display for MietteDiag<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for MietteDiag<'_> {}

impl miette::Diagnostic for MietteDiag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(&self.diag.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// Builds the miette report of a diagnostic; `texts` are the files' texts as shown
/// ([`shown_texts`]).
fn to_miette<'a>(
    d: &'a Diagnostic,
    sources: &'a SourceMap,
    texts: &'a [std::borrow::Cow<'a, str>],
) -> MietteDiag<'a> {
    let file = d.span.file;
    let text = texts.get(file as usize).map_or("", |t| t.as_ref());
    let mut help = d.help.clone();
    let mut note = |message: &str, span: Span| {
        let (line, col) = sources.line_col(span.file, span.start);
        let note = format!("{message}: {}:{line}:{col}", sources.name(span.file));
        help = Some(match help.take() {
            Some(h) => format!("{h}\n{note}"),
            None => note,
        });
    };
    // A snippet whose lines are too long (or too many) to show is left out: the report then
    // names the place in the help instead.
    let primary_shown = window::showable(sources, text, d.span);
    let mut labels = Vec::new();
    if primary_shown {
        labels.push(miette::LabeledSpan::new_primary_with_span(
            d.primary_label.clone(),
            (d.span.start, d.span.end - d.span.start),
        ));
    } else {
        note("here (the source is too long to show)", d.span);
    }
    // miette shows one source per report: labels in other files become notes under the help.
    for l in &d.labels {
        if primary_shown && l.span.file == file && window::showable(sources, text, l.span) {
            labels.push(miette::LabeledSpan::new_with_span(
                Some(l.message.clone()),
                (l.span.start, l.span.end - l.span.start),
            ));
        } else {
            note(&l.message, l.span);
        }
    }
    MietteDiag {
        diag: d,
        source: primary_shown.then_some(window::Window {
            name: sources.name(file),
            text,
            file,
            sources,
        }),
        labels,
        help,
    }
}

/// Each file's text as a report shows it: a NUL byte would reach the terminal as is, so it is
/// shown as a space (same length, same spans). Copied only for the files that have one.
fn shown_texts(sources: &SourceMap) -> Vec<std::borrow::Cow<'_, str>> {
    (0..sources.len() as FileId)
        .map(|f| {
            let t = sources.text(f);
            if t.contains('\0') {
                std::borrow::Cow::Owned(t.replace('\0', " "))
            } else {
                std::borrow::Cow::Borrowed(t)
            }
        })
        .collect()
}

/// Renders diagnostics with miette's graphical handler. `color` selects ANSI colours (use it
/// only on a terminal); the width is fixed so output does not depend on the terminal size
/// when not on one.
pub fn render_human(all: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let (diags, left_out) = prepared(all, &cap::HUMAN);
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let texts = shown_texts(sources);
    let mut out = String::new();
    for d in &diags {
        let md = to_miette(d, sources, &texts);
        let mut s = String::new();
        if handler.render_report(&mut s, &md).is_err() {
            s = format!("{}: {}\n", d.code, d.message);
        }
        out.push_str(&s);
        out.push('\n');
    }
    out.push_str(&cap::human_lines(&left_out));
    let errors = count(all, Severity::Error);
    let warnings = count(all, Severity::Warning);
    out.push_str(&format!(
        "{} error{}, {} warning{}\n",
        errors,
        if errors == 1 { "" } else { "s" },
        warnings,
        if warnings == 1 { "" } else { "s" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::policy_message;

    #[test]
    fn policy_message_strips_the_block_and_the_unset_note() {
        let m = "functions over 1 GB need an exception (function \"big\")";
        assert_eq!(policy_message(m), "functions over 1 GB need an exception");
        let m = "queues need a DLQ (attribute unset: self.dead_letter) (queue \"jobs\")";
        assert_eq!(policy_message(m), "queues need a DLQ");
        // A message that ends in a parenthesis of its own keeps it.
        assert_eq!(policy_message("keep (this)"), "keep (this)");
        assert_eq!(policy_message("a (b) (c \"d\")"), "a (b)");
    }
}
