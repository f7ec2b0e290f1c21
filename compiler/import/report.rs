//! `IMPORT.md`: what was imported, what did not map (file:line, key, why, what to do), and the
//! plugins with what slsc does about each.

use super::Imported;
use std::fmt::Write;

/// The report of an import of `source` (the serverless.yml path as the user gave it).
pub fn markdown(imp: &Imported, source: &str) -> String {
    let s = &imp.summary;
    let mut out = String::new();
    let _ = writeln!(out, "# Import report: {source}\n");
    let _ = writeln!(
        out,
        "Imported by `slsc import`: {} of {} functions and {} of {} events became blocks; {} finding(s) below.\n",
        s.functions_mapped,
        s.functions,
        s.events_mapped,
        s.events,
        imp.findings.len()
    );
    let _ = writeln!(out, "Check the project with `slsc check`, then follow docs/migrating.md to switch a deployed stack over without replacing what holds data.\n");
    if imp.findings.is_empty() {
        out.push_str("Everything mapped.\n");
    } else {
        out.push_str(
            "## What did not map\n\n| where | key | why | what to do |\n|---|---|---|---|\n",
        );
        for f in &imp.findings {
            let _ = writeln!(
                out,
                "| {source}:{}:{} | `{}` | {} | {} |",
                f.line,
                f.col,
                f.key,
                cell(&f.why),
                cell(&f.todo)
            );
        }
    }
    if !s.plugins.is_empty() {
        out.push_str("\n## Plugins\n\n| plugin | what slsc does |\n|---|---|\n");
        for (p, what) in &s.plugins {
            let _ = writeln!(out, "| `{p}` | {} |", cell(what));
        }
    }
    out
}

/// Text for a table cell (no pipes, no line breaks).
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The findings as lines for stderr: `file:line:col: key: why (what to do)`.
pub fn lines(imp: &Imported, source: &str) -> Vec<String> {
    imp.findings
        .iter()
        .map(|f| {
            format!(
                "{source}:{}:{}: {}: {} — {}",
                f.line, f.col, f.key, f.why, f.todo
            )
        })
        .collect()
}
