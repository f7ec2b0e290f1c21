//! Hover and completion: an attribute's type, default and documentation (the schema, and its
//! row of docs/language.md); a reference's declaration and compile-time value; a rule's text on
//! its diagnostic; block kinds, the attributes a block takes, references of the right kind,
//! enum values, stdlib modules and their inputs.

use super::index::Block;
use super::navigate::Answer;
use super::project::{File, Project};
use super::rpc::Lines;
use crate::diagnostics::Diagnostic;
use crate::model::schema::{AttrSpec, Ty};
use crate::model::BlockKind;
use serde_json::{json, Value as J};
use std::path::Path;

/// The language reference, whose attribute tables hover quotes.
const LANGUAGE: &str = include_str!("../../docs/language.md");

/// A type as users read it.
pub fn ty_text(ty: &Ty) -> String {
    let kinds = |ks: &[crate::model::RefKind]| {
        ks.iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    match ty {
        Ty::Str | Ty::StrLoose => "string".into(),
        Ty::Bool => "bool".into(),
        Ty::Int { min, max } => format!("number, {min}–{max}"),
        Ty::Float { .. } => "number".into(),
        Ty::Duration { min, max } => {
            format!("duration (seconds or \"30s\", \"5m\", \"2h\", \"14d\"), {min}–{max} s")
        }
        Ty::Size { min, max } => format!("size (MB or \"512MB\", \"1GB\"), {min}–{max} MB"),
        Ty::Enum(vs) => vs
            .iter()
            .map(|v| format!("\"{v}\""))
            .collect::<Vec<_>>()
            .join(" | "),
        Ty::NumEnum(vs) => format!(
            "one of {}",
            vs.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ),
        Ty::List(t) => format!("list({})", ty_text(t)),
        Ty::Map(t) => format!("map({})", ty_text(t)),
        Ty::Object(fs) => format!(
            "{{ {} }}",
            fs.iter()
                .map(|f| format!("{}{}", f.name, if f.required { "" } else { "?" }))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Ty::Ref(ks) => format!("ref({})", kinds(ks)),
        Ty::RefOrPrefix(ks) => format!("ref({}) or prefix(bucket.X, \"p/\")", kinds(ks)),
        Ty::Env => "string (deploy-time values, secret(), ssm())".into(),
        Ty::Plain | Ty::Any => "any value".into(),
        Ty::Cors => "bool or { origins, methods, headers, max_age }".into(),
        Ty::StrOrRef(ks) => format!("string or ref({})", kinds(ks)),
        Ty::IamAction => "IAM action (service:Action)".into(),
        Ty::IamResource => "ARN or \"*\"".into(),
    }
}

/// The row of docs/language.md for an attribute of a kind: its default and notes columns.
fn language_row(keyword: &str, attr: &str) -> Option<(String, String)> {
    let head = format!("### `{keyword}");
    let start = LANGUAGE.find(&head)?;
    let section = &LANGUAGE[start..];
    let section = &section[..section[4..].find("\n### ").map_or(section.len(), |i| i + 4)];
    for line in section.lines().filter(|l| l.starts_with("| ")) {
        let cols: Vec<&str> = line.split(" | ").collect();
        let names = cols.first()?.trim_start_matches("| ");
        if names.split(", ").any(|n| n == attr) && cols.len() >= 4 {
            let notes = cols[3..].join(" | ");
            return Some((
                cols[2].to_string(),
                notes.trim_end_matches(" |").to_string(),
            ));
        }
    }
    None
}

fn attr_hover(keyword: &str, spec: &AttrSpec) -> String {
    let mut s = format!("**{}** ({keyword}): {}", spec.name, ty_text(&spec.ty));
    let row = language_row(keyword, spec.name);
    if spec.required {
        s.push_str(" — required");
    } else if let Some(d) = &spec.default {
        s.push_str(&format!(" — default `{}`", d.to_json()));
    } else if let Some((d, _)) = row
        .as_ref()
        .filter(|(d, _)| !matches!(d.as_str(), "" | "—"))
    {
        let d = if d.contains('`') {
            d.clone()
        } else {
            format!("`{d}`")
        };
        s.push_str(&format!(" — default {d}"));
    }
    if let Some((_, notes)) = row.filter(|(_, n)| !n.is_empty()) {
        s.push_str("\n\n");
        s.push_str(&notes);
    }
    s
}

fn spec_of(keyword: &str, attr: &str) -> Option<&'static AttrSpec> {
    BlockKind::parse(keyword)?
        .schema()
        .iter()
        .find(|a| a.name == attr)
}

/// A declaration's text: its first lines.
fn excerpt(text: &str, b: &Block) -> String {
    let body: Vec<&str> = text[b.range.clone()].lines().take(12).collect();
    let more = if text[b.range.clone()].lines().count() > 12 {
        "\n  …"
    } else {
        ""
    };
    format!("```hcl\n{}{more}\n```", body.join("\n"))
}

pub fn hover(proj: &Project, path: &Path, pos: &J, diags: &[Diagnostic]) -> Answer {
    let f = proj.file(path).ok_or("not a file of the project")?;
    let lines = Lines::new(&f.text);
    let offset = lines.offset(pos);
    let mut parts = Vec::new();
    for d in diags
        .iter()
        .filter(|d| d.span.start <= offset && offset <= d.span.end)
    {
        if let Some(r) = crate::checks::rule(&d.code) {
            parts.push(format!(
                "**{}** ({}): {}\n\n{}",
                r.name,
                r.level.as_str(),
                r.summary,
                r.doc.trim()
            ));
        }
    }
    if let Some(r) = f
        .index
        .references
        .iter()
        .find(|r| r.range.start <= offset && offset <= r.range.end)
    {
        if let Some(l) = proj.resolve(r) {
            let decl = proj.files.iter().find(|x| x.path == l.path);
            if let Some((df, b)) = decl.and_then(|df| {
                Some((
                    df,
                    df.index
                        .blocks
                        .iter()
                        .find(|b| b.range.start <= l.range.start && l.range.start < b.range.end)?,
                ))
            }) {
                parts.push(excerpt(&df.text, b));
            }
        }
        if r.root == "var" || r.root == "local" {
            if let Some(v) = compile_time_value(proj, &r.root, &r.name) {
                parts.push(format!("value: `{v}`"));
            }
        }
    } else if let Some(b) = super::index::block_at(&f.index, offset) {
        if let Some((k, _, _)) = b
            .attrs
            .iter()
            .find(|a| a.1.start <= offset && offset <= a.1.end)
        {
            if let Some(spec) = spec_of(&b.keyword, k) {
                parts.push(attr_hover(&b.keyword, spec));
            }
        }
    }
    Ok(if parts.is_empty() {
        J::Null
    } else {
        json!({"contents": {"kind": "markdown", "value": parts.join("\n\n---\n\n")}})
    })
}

/// A variable's or local's compile-time value, from the project's last compilation (a
/// variable's default: `--var` is not known to the editor).
fn compile_time_value(proj: &Project, root: &str, name: &str) -> Option<String> {
    let (variables, locals) = proj.values?;
    let values = if root == "var" { variables } else { locals };
    Some(values.get(name)?.to_json().to_string())
}

fn item(label: &str, kind: u32, detail: &str) -> J {
    json!({"label": label, "kind": kind, "detail": detail})
}

/// Completion items at a position: what fits the block and the text before the cursor.
pub fn completion(proj: &Project, path: &Path, pos: &J) -> Answer {
    let f = proj.file(path).ok_or("not a file of the project")?;
    let offset = Lines::new(&f.text).offset(pos);
    let line_start = f.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &f.text[line_start..offset];
    let block = super::index::block_at(&f.index, offset)
        .filter(|b| offset > b.range.start + b.keyword.len());
    Ok(J::Array(match block {
        None => BlockKind::ALL
            .iter()
            .map(|k| item(k.as_str(), 14, "block"))
            .chain(
                ["variable", "locals", "output", "module", "moved", "policy"]
                    .iter()
                    .map(|k| item(k, 14, "block")),
            )
            .fold(Vec::new(), |mut v, i| {
                if !v.contains(&i) {
                    v.push(i);
                }
                v
            }),
        Some(b) => in_block(proj, f, b, before),
    }))
}

fn in_block(proj: &Project, f: &File, b: &Block, before: &str) -> Vec<J> {
    // After `root.`: the names declared for that root.
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if let Some((root, _)) = word.split_once('.') {
        return names_for(proj, root);
    }
    // Inside a string after `attr = "`: the enum's values, or the stdlib modules.
    if let Some((attr, rest)) = before.split_once('=') {
        let attr = attr.trim();
        let quoted = rest.trim_start().starts_with('"');
        if b.keyword == "module" && attr == "source" && quoted {
            return crate::stdlib::names()
                .map(|n| item(&format!("std/{n}"), 9, "stdlib module"))
                .collect();
        }
        if let (true, Some(Ty::Enum(vs))) = (quoted, spec_of(&b.keyword, attr).map(|s| &s.ty)) {
            return vs.iter().map(|v| item(v, 20, attr)).collect();
        }
        return Vec::new();
    }
    // At the start of a line: the attributes the block takes and does not have yet.
    let present: Vec<&str> = b.attrs.iter().map(|a| a.0.as_str()).collect();
    if b.keyword == "module" {
        return module_inputs(proj, f, b)
            .into_iter()
            .filter(|i| !present.contains(&i.as_str()))
            .map(|i| item(&i, 5, "module input"))
            .collect();
    }
    BlockKind::parse(&b.keyword)
        .map(|k| {
            k.schema()
                .iter()
                .filter(|s| !present.contains(&s.name))
                .map(|s| item(s.name, 10, &ty_text(&s.ty)))
                .collect()
        })
        .unwrap_or_default()
}

/// The names a reference root can take in this project.
fn names_for(proj: &Project, root: &str) -> Vec<J> {
    let keyword = match root {
        "var" => "variable",
        "local" => {
            return proj
                .blocks()
                .filter(|(_, b)| b.keyword == "locals")
                .flat_map(|(_, b)| b.attrs.iter().map(|a| item(&a.0, 6, "local")))
                .collect();
        }
        k => k,
    };
    proj.blocks()
        .filter(|(_, b)| b.keyword == keyword && !b.name.is_empty())
        .map(|(_, b)| item(&b.name, 18, keyword))
        .collect()
}

/// A stdlib module's inputs, from its header's table (`#   name   type   default   what`: an
/// input's line starts at the table's first column; continuation lines are indented further).
fn stdlib_inputs(name: &str) -> Vec<String> {
    let text = crate::stdlib::module(name).unwrap_or_default();
    let header = crate::stdlib::header(text);
    let inputs = header.split("Inputs:").nth(1).unwrap_or_default();
    let inputs = inputs.split("Outputs:").next().unwrap_or_default();
    inputs
        .lines()
        .filter_map(|line| {
            let row = line.trim_start_matches('#');
            let indent = row.len() - row.trim_start().len();
            (indent <= 3)
                .then(|| row.split_whitespace().next())
                .flatten()
        })
        .map(str::to_string)
        .collect()
}

/// The inputs of a module block's module: `source`, and the stdlib module's documented inputs
/// or a local module's `variable` blocks.
fn module_inputs(proj: &Project, f: &File, b: &Block) -> Vec<String> {
    let mut out = vec!["source".to_string()];
    let source = b.attrs.iter().find(|a| a.0 == "source").map(|(_, _, v)| {
        f.text[v.clone()]
            .trim()
            .trim_start_matches('=')
            .trim()
            .trim_matches('"')
            .to_string()
    });
    match source.as_deref().and_then(|s| s.strip_prefix("std/")) {
        Some(name) => out.extend(stdlib_inputs(name)),
        None => {
            for mf in proj.module_files(&b.name) {
                out.extend(
                    mf.index
                        .blocks
                        .iter()
                        .filter(|x| x.keyword == "variable")
                        .map(|x| x.name.clone()),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdlib_inputs_are_read_from_the_module_header() {
        let names = stdlib_inputs("upload_processor");
        assert!(names.contains(&"handler".to_string()), "{names:?}");
        assert!(names.contains(&"output_prefix".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n == "OUTPUT_PREFIX"), "{names:?}");
        for n in crate::stdlib::names() {
            assert!(!stdlib_inputs(n).is_empty(), "std/{n} lists no input");
        }
    }

    #[test]
    fn attribute_docs_come_from_the_language_reference() {
        let (_, row) = language_row("function", "concurrency").unwrap();
        assert!(row.contains("reserved concurrency"), "{row}");
        let spec = spec_of("queue", "retention").unwrap();
        let h = attr_hover("queue", spec);
        assert!(h.contains("duration") && h.contains("default"), "{h}");
    }
}
