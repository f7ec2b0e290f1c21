//! Navigation and editing: go to definition, find references, rename (with a `moved` block
//! where the rename would replace a stateful resource), document symbols, formatting and the
//! quick fixes of diagnostics that carry one.

use super::project::{root_of, File, Location, Project};
use super::rpc::{self, Lines};
use crate::diagnostics::Diagnostic;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::path::Path;

pub type Answer = Result<J, String>;

/// What a position names: a root (`queue`, `var`, `local`, `module`…) and a name, from a
/// reference or from a declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    pub root: String,
    pub name: String,
    pub attr: Option<String>,
}

fn current<'p>(proj: &'p Project, path: &Path) -> Result<&'p File, String> {
    proj.file(path)
        .ok_or_else(|| format!("{} is not a file of the project", path.display()))
}

/// The symbol at a byte offset of a file, and the range of its name there.
pub fn symbol_at(f: &File, offset: usize) -> Option<(Symbol, std::ops::Range<usize>)> {
    let within = |r: &std::ops::Range<usize>| r.start <= offset && offset <= r.end;
    if let Some(r) = f.index.references.iter().find(|r| within(&r.range)) {
        let s = Symbol {
            root: r.root.clone(),
            name: r.name.clone(),
            attr: r.attr.clone(),
        };
        return Some((s, r.name_range.clone()));
    }
    for b in &f.index.blocks {
        if within(&b.name_range) && !b.name.is_empty() {
            let root = root_of(&b.keyword)?;
            let s = Symbol {
                root: root.to_string(),
                name: b.name.clone(),
                attr: None,
            };
            return Some((s, b.name_range.clone()));
        }
        if b.keyword == "locals" {
            if let Some((k, r, _)) = b.attrs.iter().find(|a| within(&a.1)) {
                let s = Symbol {
                    root: "local".into(),
                    name: k.clone(),
                    attr: None,
                };
                return Some((s, r.clone()));
            }
        }
    }
    None
}

fn location(proj: &Project, l: &Location) -> J {
    let text = proj
        .file(&l.path)
        .map(|f| f.text.clone())
        .or_else(|| std::fs::read_to_string(&l.path).ok())
        .unwrap_or_default();
    json!({"uri": rpc::uri_of(&l.path), "range": Lines::new(&text).range(l.range.start, l.range.end)})
}

pub fn definition(proj: &Project, path: &Path, pos: &J) -> Answer {
    let f = current(proj, path)?;
    let offset = Lines::new(&f.text).offset(pos);
    // A module's `source`: the module's first file.
    for b in f.index.blocks.iter().filter(|b| b.keyword == "module") {
        if let Some((_, _, v)) = b.attrs.iter().find(|a| a.0 == "source") {
            if v.start <= offset && offset <= v.end {
                let files = proj.module_files(&b.name);
                return Ok(files.first().map_or(J::Null, |m| {
                    json!({"uri": rpc::uri_of(&m.path), "range": Lines::new(&m.text).range(0, 0)})
                }));
            }
        }
    }
    let Some(r) = f
        .index
        .references
        .iter()
        .find(|r| r.range.start <= offset && offset <= r.range.end)
    else {
        return Ok(J::Null);
    };
    Ok(proj.resolve(r).map_or(J::Null, |l| location(proj, &l)))
}

/// The declaration of a symbol and every reference to it, in the project.
fn occurrences(proj: &Project, s: &Symbol) -> Vec<Location> {
    let mut out = Vec::new();
    let probe = super::index::Reference {
        root: s.root.clone(),
        name: s.name.clone(),
        attr: None,
        range: 0..0,
        name_range: 0..0,
    };
    if let Some(l) = proj.resolve(&probe) {
        out.push(l);
    }
    for (f, r) in proj.references() {
        if r.root == s.root && r.name == s.name {
            out.push(Location {
                path: f.path.clone(),
                range: r.name_range.clone(),
            });
        }
    }
    out
}

pub fn references(proj: &Project, path: &Path, pos: &J) -> Answer {
    let f = current(proj, path)?;
    let offset = Lines::new(&f.text).offset(pos);
    let Some((s, _)) = symbol_at(f, offset) else {
        return Ok(J::Null);
    };
    Ok(J::Array(
        occurrences(proj, &s)
            .iter()
            .map(|l| location(proj, l))
            .collect(),
    ))
}

pub fn prepare_rename(proj: &Project, path: &Path, pos: &J) -> Answer {
    let f = current(proj, path)?;
    let lines = Lines::new(&f.text);
    Ok(match symbol_at(f, lines.offset(pos)) {
        Some((s, r)) if s.attr.is_none() || s.root != "module" => {
            json!({"range": lines.range(r.start, r.end), "placeholder": s.name})
        }
        _ => J::Null,
    })
}

/// Kinds whose resources hold data: renaming one without `moved` replaces it.
const STATEFUL: &[&str] = &["database", "bucket", "queue", "stream", "topic"];

pub fn rename(proj: &Project, path: &Path, pos: &J, new: &str) -> Answer {
    let f = current(proj, path)?;
    let Some((s, _)) = symbol_at(f, Lines::new(&f.text).offset(pos)) else {
        return Err(
            "nothing to rename here: put the cursor on a block's name or a reference".into(),
        );
    };
    let valid = new
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(format!(
            "`{new}` is not a valid name (letters, digits, `_` and `-`, starting with a letter)"
        ));
    }
    let mut changes: BTreeMap<String, Vec<J>> = BTreeMap::new();
    let occ = occurrences(proj, &s);
    for l in &occ {
        let text = proj
            .file(&l.path)
            .map(|f| f.text.as_str())
            .unwrap_or_default();
        changes.entry(rpc::uri_of(&l.path)).or_default().push(
            json!({"range": Lines::new(text).range(l.range.start, l.range.end), "newText": new}),
        );
    }
    // A stateful block keeps its identity (its data) through a `moved` block.
    if STATEFUL.contains(&s.root.as_str()) {
        if let Some(decl) = occ.first().and_then(|l| proj.file(&l.path)) {
            let end = decl.text.len();
            let sep = if decl.text.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            let moved = format!(
                "{sep}# Renamed: keeps the deployed {} (and its data).\nmoved {{\n  from = {}.{}\n  to   = {}.{new}\n}}\n",
                s.root, s.root, s.name, s.root
            );
            changes
                .entry(rpc::uri_of(&decl.path))
                .or_default()
                .push(json!({"range": Lines::new(&decl.text).range(end, end), "newText": moved}));
        }
    }
    Ok(json!({"changes": changes}))
}

pub fn symbols(proj: &Project, path: &Path) -> Answer {
    let f = current(proj, path)?;
    let lines = Lines::new(&f.text);
    let out: Vec<J> = f
        .index
        .blocks
        .iter()
        .map(|b| {
            let kind = match b.keyword.as_str() {
                "function" => 12,
                "variable" | "locals" => 13,
                "module" => 2,
                "output" => 7,
                "trigger" => 24,
                _ => 23,
            };
            let name = if b.name.is_empty() {
                b.keyword.clone()
            } else {
                format!("{} \"{}\"", b.keyword, b.name)
            };
            let sel = if b.name.is_empty() {
                b.range.start..b.range.start + b.keyword.len()
            } else {
                b.name_range.clone()
            };
            let children: Vec<J> = b
                .attrs
                .iter()
                .map(|(k, r, v)| json!({"name": k, "kind": 8, "range": lines.range(r.start, v.end), "selectionRange": lines.range(r.start, r.end)}))
                .collect();
            json!({"name": name, "kind": kind, "range": lines.range(b.range.start, b.range.end), "selectionRange": lines.range(sel.start, sel.end), "children": children})
        })
        .collect();
    Ok(J::Array(out))
}

pub fn formatting(proj: &Project, path: &Path) -> Answer {
    let f = current(proj, path)?;
    Ok(match crate::fmt::format(&f.text) {
        Some(new) if new != f.text => {
            let lines = Lines::new(&f.text);
            json!([{"range": lines.range(0, f.text.len()), "newText": new}])
        }
        _ => json!([]),
    })
}

/// The suggestion of a "did you mean `X`?" message or help.
fn suggestion(d: &Diagnostic) -> Option<String> {
    let text = format!("{} {}", d.message, d.help.as_deref().unwrap_or(""));
    let at = text.find("did you mean `")? + "did you mean `".len();
    let len = text[at..].find('`')?;
    Some(text[at..at + len].to_string())
}

pub fn code_actions(proj: &Project, path: &Path, range: &J, diags: &[Diagnostic]) -> Answer {
    let f = current(proj, path)?;
    let lines = Lines::new(&f.text);
    let (from, to) = (lines.offset(&range["start"]), lines.offset(&range["end"]));
    let uri = rpc::uri_of(&f.path);
    let mut out = Vec::new();
    for d in diags
        .iter()
        .filter(|d| d.span.start <= to && from <= d.span.end)
    {
        let lsp_diag = json!({"range": lines.range(d.span.start, d.span.end), "code": d.code, "message": d.message});
        let edit = |r: std::ops::Range<usize>, text: String| json!({"changes": {uri.clone(): [{"range": lines.range(r.start, r.end), "newText": text}]}});
        let spelled = f.text.get(d.span.start..d.span.end).unwrap_or_default();
        if let Some(s) = suggestion(d).filter(|s| {
            !s.contains(' ') && !spelled.contains(char::is_whitespace) && !spelled.is_empty()
        }) {
            out.push(json!({"title": format!("Replace with `{s}`"), "kind": "quickfix", "diagnostics": [lsp_diag.clone()], "isPreferred": true, "edit": edit(d.span.start..d.span.end, s)}));
        }
        // A bucket write that re-triggers its function: narrow it to a prefix of its own.
        if d.code == "recursive-invocation"
            && spelled.starts_with("bucket.")
            && !spelled.contains(['(', ' '])
        {
            let narrowed = format!("prefix({spelled}, \"out/\")");
            out.push(json!({"title": format!("Narrow the write: {narrowed}"), "kind": "quickfix", "diagnostics": [lsp_diag.clone()], "edit": edit(d.span.start..d.span.end, narrowed)}));
        }
        if d.code == "missing-concurrency" {
            if let Some(b) = f
                .index
                .blocks
                .iter()
                .find(|b| b.range.start <= d.span.start && d.span.start < b.range.end)
            {
                let brace = f.text[b.range.clone()]
                    .find('{')
                    .map_or(b.range.start, |i| b.range.start + i + 1);
                out.push(json!({"title": "Add `concurrency = 1`", "kind": "quickfix", "diagnostics": [lsp_diag.clone()], "edit": edit(brace..brace, "\n  concurrency = 1".into())}));
            }
        }
    }
    Ok(J::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Severity, Span};

    fn state_of(text: &str) -> (super::super::State, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("slsc-lsp-actions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = super::super::canonical(&dir).join("main.sls");
        let mut st = super::super::State::default();
        st.docs.insert(path.clone(), text.to_string());
        (st, path)
    }

    #[test]
    fn quick_fixes_narrow_a_write_and_add_concurrency() {
        let text =
            "function \"resize\" {\n  handler = \"r.handler\"\n  writes  = [bucket.images]\n}\n";
        let (st, path) = state_of(text);
        let proj = Project::load(&st, &path);
        let at = text.find("bucket.images").unwrap();
        let loop_diag = Diagnostic::new(
            "recursive-invocation",
            Severity::Error,
            Span::new(0, at..at + 13),
            "loop",
        );
        let header = text.find("resize").unwrap();
        let conc = Diagnostic::new(
            "missing-concurrency",
            Severity::Warning,
            Span::new(0, header..header + 6),
            "no limit",
        );
        let range =
            json!({"start": {"line": 0, "character": 0}, "end": {"line": 4, "character": 0}});
        let a = code_actions(&proj, &path, &range, &[loop_diag, conc]).unwrap();
        let titles: Vec<&str> = a
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "Narrow the write: prefix(bucket.images, \"out/\")",
                "Add `concurrency = 1`"
            ]
        );
    }
}
