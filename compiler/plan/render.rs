//! The plan's renderers: text (a terminal; colour only when asked), markdown (a pull-request
//! comment) and json (SPEC §9's shape, plus the extra fields documented in docs/plan.md).

use super::{Action, Change, Plan, PropertyChange};
use serde_json::{json, Value as J};
use similar::{ChangeTag, TextDiff};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The one-line summary: "1 to create, 2 to update, 0 to replace, 1 to delete".
pub fn summary(plan: &Plan) -> String {
    if plan.is_empty() {
        return "no changes".to_string();
    }
    format!(
        "{} to create, {} to update, {} to replace, {} to delete",
        plan.count(Action::Create),
        plan.count(Action::Update),
        plan.count(Action::Replace),
        plan.count(Action::Delete)
    )
}

/// A string holding a JSON document (Terraform's `policy`, `redrive_policy`…), parsed.
fn embedded_json(v: &J) -> Option<J> {
    let s = v.as_str()?.trim_start();
    if !(s.starts_with('{') || s.starts_with('[')) {
        return None;
    }
    serde_json::from_str(s).ok()
}

/// A scalar inline (`256`, `"nodejs22.x"`), or `None` for objects, arrays and strings holding
/// JSON documents (shown as a diff).
fn scalar(v: &J) -> Option<String> {
    match v {
        J::Object(_) | J::Array(_) => None,
        other if embedded_json(other).is_some() => None,
        other => Some(other.to_string()),
    }
}

fn pretty(v: &Option<J>) -> String {
    match v {
        Some(v) => {
            let v = embedded_json(v).unwrap_or_else(|| v.clone());
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        None => String::new(),
    }
}

/// The lines of a nested value's diff: (tag, line) with up to 2 lines of context around
/// changes, `None` where lines were skipped.
fn nested_diff(p: &PropertyChange) -> Vec<Option<(ChangeTag, String)>> {
    let (a, b) = (pretty(&p.before), pretty(&p.after));
    let diff = TextDiff::from_lines(&a, &b);
    let mut out = Vec::new();
    let groups = diff.grouped_ops(2);
    let total = diff.old_slices().len().max(diff.new_slices().len());
    for (i, group) in groups.iter().enumerate() {
        // `…` where lines are left out: before the first hunk, between hunks, after the last.
        let starts_at_top = group
            .first()
            .is_some_and(|op| op.old_range().start == 0 && op.new_range().start == 0);
        if i > 0 || !starts_at_top {
            out.push(None);
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let line = change.value().trim_end_matches('\n').to_string();
                out.push(Some((change.tag(), line)));
            }
        }
        if i + 1 == groups.len() {
            let reaches_end = group.last().is_some_and(|op| {
                op.old_range().end >= diff.old_slices().len()
                    && op.new_range().end >= diff.new_slices().len()
            });
            if !reaches_end && total > 0 {
                out.push(None);
            }
        }
    }
    out
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn action(&self, a: Action, s: &str) -> String {
        let code = match a {
            Action::Create => "32",
            Action::Update => "33",
            Action::Replace => "35",
            Action::Delete => "31",
        };
        self.paint(code, s)
    }
}

/// A value that does not change as written but refers to a replaced resource: its compact JSON.
fn unchanged_reference(p: &PropertyChange) -> Option<String> {
    if p.refers_to_replaced.is_none() || p.before != p.after {
        return None;
    }
    let v = p.after.as_ref()?;
    let mut s = v.to_string();
    if s.chars().count() > 100 {
        s = s.chars().take(99).collect::<String>() + "…";
    }
    Some(s)
}

fn code_line(c: &Change) -> Option<String> {
    c.code.as_ref().map(|code| {
        format!(
            "code changed (artifact hash {} → {})",
            code.before, code.after
        )
    })
}

/// Whether a property is shown by its code line instead (the S3 key / file name and hash).
fn is_code_property(c: &Change, p: &PropertyChange) -> bool {
    c.code.is_some() && matches!(p.path.as_str(), "Code" | "filename" | "source_code_hash")
}

/// The text rendering. `color` adds ANSI colours (the CLI asks for them on a terminal).
pub fn text(plan: &Plan, color: bool) -> String {
    let st = Style { color };
    let mut s = String::new();
    let _ = write!(s, "slsc plan ({}): {}", plan.target.as_str(), summary(plan));
    let loss = plan.data_loss();
    if loss > 0 {
        let _ = write!(
            s,
            " — {}",
            st.paint("1;31", &format!("{loss} with DATA LOSS"))
        );
    }
    if plan.blocked() > 0 {
        let _ = write!(
            s,
            " — {}",
            st.paint("1;31", &format!("{} will fail", plan.blocked()))
        );
    }
    s.push('\n');
    let mut last = "";
    for c in &plan.changes {
        if c.address != last {
            let _ = writeln!(s, "\n{}", st.paint("1", &c.address));
            last = &c.address;
        }
        let mut head = format!(
            "  {} {}  {}  {}",
            st.action(c.action, &format!("{:>3}", c.action.symbol())),
            c.logical_id,
            c.type_,
            st.action(c.action, c.action.as_str())
        );
        if c.retained {
            head.push_str("  (kept, no longer managed)");
        }
        if c.data_loss {
            head.push_str("  ");
            head.push_str(&st.paint("1;31", "DATA LOSS"));
        }
        s.push_str(&head);
        s.push('\n');
        if matches!(c.action, Action::Update | Action::Replace) {
            if let Some(line) = code_line(c) {
                let _ = writeln!(s, "        {}", line);
            }
            for p in &c.properties {
                if is_code_property(c, p) {
                    continue;
                }
                let mut mark = String::new();
                if let Some(r) = &p.refers_to_replaced {
                    mark.push_str(&format!("  # refers to replaced {r}"));
                }
                if p.replacement {
                    mark.push_str(&format!("  {}", st.paint("35", "# forces replacement")));
                }
                if let Some(v) = unchanged_reference(p) {
                    let _ = writeln!(
                        s,
                        "        {}: {v} (known after the deployment){mark}",
                        p.path
                    );
                    continue;
                }
                let inline = (p.before.as_ref().map(scalar), p.after.as_ref().map(scalar));
                match inline {
                    (Some(Some(a)), Some(Some(b))) => {
                        let _ = writeln!(s, "        {}: {a} → {b}{mark}", p.path);
                    }
                    (None, Some(Some(b))) => {
                        let _ = writeln!(s, "        {}: (none) → {b}{mark}", p.path);
                    }
                    (Some(Some(a)), None) => {
                        let _ = writeln!(s, "        {}: {a} → (none){mark}", p.path);
                    }
                    _ => {
                        let _ = writeln!(s, "        {}:{mark}", p.path);
                        for line in nested_diff(p) {
                            match line {
                                None => {
                                    let _ = writeln!(s, "            {}", st.paint("2", "…"));
                                }
                                Some((ChangeTag::Equal, l)) => {
                                    let _ = writeln!(s, "            {l}");
                                }
                                Some((ChangeTag::Delete, l)) => {
                                    let _ = writeln!(
                                        s,
                                        "          {}",
                                        st.paint("31", &format!("- {l}"))
                                    );
                                }
                                Some((ChangeTag::Insert, l)) => {
                                    let _ = writeln!(
                                        s,
                                        "          {}",
                                        st.paint("32", &format!("+ {l}"))
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        for n in &c.notes {
            let _ = writeln!(s, "        note: {n}");
        }
        if let Some(b) = &c.blocked {
            let _ = writeln!(s, "        {} {b}", st.paint("1;31", "will fail:"));
        }
        if let Some(f) = &c.fix {
            let _ = writeln!(s, "        fix: {f}");
        }
    }
    if !plan.renames.is_empty() {
        let _ = writeln!(
            s,
            "\nLikely renames (a block deleted and one of the same kind created):"
        );
        for r in &plan.renames {
            let _ = writeln!(
                s,
                "  {} → {}{}",
                r.from,
                r.to,
                if r.data_loss {
                    format!("  {}", st.paint("1;31", "DATA LOSS as written"))
                } else {
                    String::new()
                }
            );
            let _ = writeln!(s, "    to keep the deployed resources, add:");
            for line in r.moved_block().lines() {
                let _ = writeln!(s, "      {line}");
            }
        }
    }
    s
}

fn md_code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'"))
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The most important action of a block's changes (for the graph).
fn block_actions(plan: &Plan) -> BTreeMap<&str, Action> {
    let mut out: BTreeMap<&str, Action> = BTreeMap::new();
    for c in &plan.changes {
        let rank = |a: Action| match a {
            Action::Update => 0,
            Action::Create => 1,
            Action::Delete => 2,
            Action::Replace => 3,
        };
        out.entry(c.address.as_str())
            .and_modify(|a| {
                if rank(c.action) > rank(*a) {
                    *a = c.action
                }
            })
            .or_insert(c.action);
    }
    out
}

/// Markdown details stop after this many resources (a PR comment is limited to 65,536
/// characters).
const MAX_DETAILS: usize = 60;
/// The graph is drawn when it has at most this many nodes.
const MAX_GRAPH_NODES: usize = 60;

/// The markdown rendering: a pull-request comment.
pub fn markdown(plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### slsc plan · {}\n", plan.target.as_str());
    if plan.is_empty() {
        let _ = writeln!(
            s,
            "**No changes.** The deployed infrastructure matches the configuration."
        );
        return s;
    }
    md_summary_line(&mut s, plan);
    md_data_loss_warning(&mut s, plan);
    md_failure_caution(&mut s, plan);
    md_change_table(&mut s, plan);
    md_property_changes(&mut s, plan);
    md_create_delete_notes(&mut s, plan);
    md_likely_renames(&mut s, plan);
    if let Some(g) = mermaid(plan) {
        s.push_str("#### What changed in the resource graph\n\n```mermaid\n");
        s.push_str(&g);
        s.push_str("```\n");
    }
    s
}

/// "**1 to create, …** · ⚠️ **1 with data loss** · ⛔ **1 will fail**".
fn md_summary_line(s: &mut String, plan: &Plan) {
    let _ = write!(s, "**{}**", summary(plan));
    if plan.data_loss() > 0 {
        let _ = write!(s, " · ⚠️ **{} with data loss**", plan.data_loss());
    }
    if plan.blocked() > 0 {
        let _ = write!(s, " · ⛔ **{} will fail**", plan.blocked());
    }
    s.push_str("\n\n");
}

/// The WARNING callout listing the changes that destroy stored data.
fn md_data_loss_warning(s: &mut String, plan: &Plan) {
    let loss: Vec<&Change> = plan.changes.iter().filter(|c| c.data_loss).collect();
    if loss.is_empty() {
        return;
    }
    s.push_str("> [!WARNING]\n> **Data loss.** Deploying this plan destroys stored data:\n>\n");
    for c in &loss {
        let _ = writeln!(
            s,
            "> - {} {} (`{}`) is {}d: {}{}",
            md_code(&c.address),
            md_code(&c.logical_id),
            c.type_,
            c.action.as_str(),
            c.store
                .as_deref()
                .map(super::loss_sentence)
                .unwrap_or("its data is lost"),
            if c.blocked.is_some() {
                " — but the deployment fails before that (see below).".to_string()
            } else {
                c.fix
                    .as_ref()
                    .map(|f| format!(". Fix: {}.", md_escape(f)))
                    .unwrap_or_else(|| ".".to_string())
            }
        );
    }
    s.push('\n');
}

/// The CAUTION callout listing the changes whose deployment will fail.
fn md_failure_caution(s: &mut String, plan: &Plan) {
    let blocked: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.blocked.is_some())
        .collect();
    if blocked.is_empty() {
        return;
    }
    s.push_str("> [!CAUTION]\n> **This deployment will fail.**\n>\n");
    for c in &blocked {
        let _ = writeln!(
            s,
            "> - {} {}: {}.{}",
            md_code(&c.address),
            md_code(&c.logical_id),
            md_escape(c.blocked.as_deref().unwrap_or_default()),
            c.fix
                .as_ref()
                .map(|f| format!(" **Fix:** {}.", md_escape(f)))
                .unwrap_or_default()
        );
    }
    s.push('\n');
}

/// One table row per change, with its flags (data loss, retained, will fail, code).
fn md_change_table(s: &mut String, plan: &Plan) {
    s.push_str("| | block | resource | type | action | |\n|:-:|---|---|---|---|---|\n");
    for c in &plan.changes {
        let mut flags = Vec::new();
        if c.data_loss {
            flags.push("**DATA LOSS**".to_string());
        }
        if c.retained {
            flags.push("kept, no longer managed".to_string());
        }
        if c.blocked.is_some() {
            flags.push("⛔ will fail".to_string());
        }
        if let Some(code) = &c.code {
            flags.push(format!("code `{}` → `{}`", &code.before, &code.after));
        }
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | `{}` | {} | {} |",
            c.action.symbol(),
            md_code(&c.address),
            md_code(&c.logical_id),
            c.type_,
            c.action.as_str(),
            flags.join(" · ")
        );
    }
    s.push('\n');
}

/// "Property changes": a collapsed diff per updated or replaced resource, up to
/// [`MAX_DETAILS`] of them.
fn md_property_changes(s: &mut String, plan: &Plan) {
    let detailed: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Update | Action::Replace))
        .collect();
    if detailed.is_empty() {
        return;
    }
    s.push_str("#### Property changes\n\n");
    for c in detailed.iter().take(MAX_DETAILS) {
        md_change_details(s, c);
    }
    if detailed.len() > MAX_DETAILS {
        let _ = writeln!(
            s,
            "…and {} more changed resources (run `slsc plan` for all of them).\n",
            detailed.len() - MAX_DETAILS
        );
    }
}

/// One resource's `<details>`: its code change, its property diffs and its notes.
fn md_change_details(s: &mut String, c: &Change) {
    let _ = writeln!(
        s,
        "<details><summary><code>{}</code> · <code>{}</code> · {}</summary>\n",
        c.address,
        c.logical_id,
        c.action.as_str()
    );
    s.push_str("```diff\n");
    if let Some(line) = code_line(c) {
        let _ = writeln!(s, "! {line}");
    }
    for p in &c.properties {
        if !is_code_property(c, p) {
            md_property_diff(s, p);
        }
    }
    s.push_str("```\n");
    for n in &c.notes {
        let _ = writeln!(s, "\n{}", md_escape(n));
    }
    s.push_str("\n</details>\n\n");
}

/// One property's hunk: `@@ path (why) @@`, then the scalar before/after or a nested diff.
fn md_property_diff(s: &mut String, p: &PropertyChange) {
    let mark = match (&p.refers_to_replaced, p.replacement) {
        (Some(r), true) => format!(" (refers to replaced {r}; forces replacement)"),
        (Some(r), false) => format!(" (refers to replaced {r})"),
        (None, true) => " (forces replacement)".to_string(),
        (None, false) => String::new(),
    };
    if let Some(v) = unchanged_reference(p) {
        let _ = writeln!(
            s,
            "@@ {}{mark} @@\n! {v} (known after the deployment)",
            p.path
        );
        return;
    }
    match (p.before.as_ref().map(scalar), p.after.as_ref().map(scalar)) {
        (b @ (Some(Some(_)) | None), a @ (Some(Some(_)) | None)) => {
            let _ = writeln!(s, "@@ {}{mark} @@", p.path);
            if let Some(Some(b)) = b {
                let _ = writeln!(s, "- {b}");
            }
            if let Some(Some(a)) = a {
                let _ = writeln!(s, "+ {a}");
            }
        }
        _ => {
            let _ = writeln!(s, "@@ {}{mark} @@", p.path);
            for line in nested_diff(p) {
                match line {
                    None => s.push_str("  …\n"),
                    Some((ChangeTag::Equal, l)) => {
                        let _ = writeln!(s, "  {l}");
                    }
                    Some((ChangeTag::Delete, l)) => {
                        let _ = writeln!(s, "- {l}");
                    }
                    Some((ChangeTag::Insert, l)) => {
                        let _ = writeln!(s, "+ {l}");
                    }
                }
            }
        }
    }
}

/// The notes of created and deleted resources (those of updates are in their details).
fn md_create_delete_notes(s: &mut String, plan: &Plan) {
    let notes: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::Delete) && !c.notes.is_empty())
        .collect();
    for c in notes {
        for n in &c.notes {
            let _ = writeln!(
                s,
                "- {} {}: {}",
                md_code(&c.address),
                md_code(&c.logical_id),
                md_escape(n)
            );
        }
        s.push('\n');
    }
}

/// "Likely renames", each with the `moved` block that would keep the resources.
fn md_likely_renames(s: &mut String, plan: &Plan) {
    if plan.renames.is_empty() {
        return;
    }
    s.push_str("#### Likely renames\n\n");
    s.push_str("A block was deleted and one of the same kind created. If this is a rename, add a `moved` block to keep the deployed resources (and their data):\n\n");
    for r in &plan.renames {
        let _ = writeln!(
            s,
            "- {} → {}{}\n\n```hcl\n{}```\n",
            md_code(&r.from),
            md_code(&r.to),
            if r.data_loss {
                " — **data loss as written**"
            } else {
                ""
            },
            r.moved_block()
        );
    }
}

/// The changed part of the resource graph: changed blocks and their direct neighbours.
pub fn mermaid(plan: &Plan) -> Option<String> {
    let actions = block_actions(plan);
    if actions.is_empty() {
        return None;
    }
    let changed: BTreeSet<&str> = actions.keys().copied().collect();
    // (from, to, label, side): an edge only in the base is drawn dashed (it goes away), one
    // only in the head thick (it is new).
    let touches = |(a, b, _): &&(String, String, String)| {
        changed.contains(a.as_str()) || changed.contains(b.as_str())
    };
    let mut edges: Vec<(&str, &str, &str, &str)> = Vec::new();
    for e in plan.head_edges.iter().filter(touches) {
        let side = if plan.base_edges.contains(e) {
            "both"
        } else {
            "new"
        };
        edges.push((&e.0, &e.1, &e.2, side));
    }
    for e in plan.base_edges.iter().filter(touches) {
        if !plan.head_edges.contains(e) {
            edges.push((&e.0, &e.1, &e.2, "gone"));
        }
    }
    edges.sort();
    let mut nodes: BTreeSet<&str> = changed.clone();
    for (a, b, _, _) in &edges {
        nodes.insert(a);
        nodes.insert(b);
    }
    if nodes.len() > MAX_GRAPH_NODES {
        return None;
    }
    let ids: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut s = String::from("flowchart LR\n");
    for (n, i) in &ids {
        let class = actions.get(n).map(|a| a.as_str()).unwrap_or("same");
        let label = match actions.get(n) {
            Some(a) => format!("{} {n}", a.symbol()),
            None => n.to_string(),
        };
        let _ = writeln!(s, "  n{i}[\"{}\"]:::{class}", label.replace('"', "'"));
    }
    for (a, b, label, side) in edges {
        let (ia, ib) = (ids[a], ids[b]);
        let arrow = match side {
            "gone" => "-.->",
            "new" => "==>",
            _ => "-->",
        };
        if label.is_empty() {
            let _ = writeln!(s, "  n{ia} {arrow} n{ib}");
        } else {
            let _ = writeln!(s, "  n{ia} {arrow}|{label}| n{ib}");
        }
    }
    s.push_str("  classDef create fill:#dafbe1,stroke:#1a7f37\n");
    s.push_str("  classDef update fill:#fff8c5,stroke:#9a6700\n");
    s.push_str("  classDef replace fill:#fbefff,stroke:#8250df\n");
    s.push_str("  classDef delete fill:#ffebe9,stroke:#cf222e\n");
    s.push_str("  classDef same fill:#f6f8fa,stroke:#d0d7de,color:#57606a\n");
    Some(s)
}

/// The JSON rendering (SPEC §9, plus `code`, `blocked`, `fix`, `notes`, `store`, the summary's
/// `data_loss`/`blocked` counts, `likely_renames` and `target`).
pub fn json(plan: &Plan) -> String {
    let changes: Vec<J> = plan
        .changes
        .iter()
        .map(|c| {
            let props: Vec<J> = c
                .properties
                .iter()
                .map(|p| {
                    json!({
                        "path": p.path,
                        "before": p.before.clone().unwrap_or(J::Null),
                        "after": p.after.clone().unwrap_or(J::Null),
                        "replacement": p.replacement,
                        "refers_to_replaced": p.refers_to_replaced,
                    })
                })
                .collect();
            let mut o = json!({
                "address": c.address,
                "logical_id": c.logical_id,
                "type": c.type_,
                "action": c.action.as_str(),
                "data_loss": c.data_loss,
                "retained": c.retained,
                "properties": props,
            });
            let m = o.as_object_mut().expect("an object");
            m.insert(
                "code".into(),
                c.code
                    .as_ref()
                    .map(|k| json!({"before": k.before, "after": k.after}))
                    .unwrap_or(J::Null),
            );
            m.insert("blocked".into(), json!(c.blocked));
            m.insert("fix".into(), json!(c.fix));
            m.insert("notes".into(), json!(c.notes));
            m.insert("store".into(), json!(c.store));
            o
        })
        .collect();
    let renames: Vec<J> = plan
        .renames
        .iter()
        .map(|r| json!({"from": r.from, "to": r.to, "data_loss": r.data_loss, "moved": r.moved_block()}))
        .collect();
    let doc = json!({
        "changes": changes,
        "summary": {
            "create": plan.count(Action::Create),
            "update": plan.count(Action::Update),
            "delete": plan.count(Action::Delete),
            "replace": plan.count(Action::Replace),
            "data_loss": plan.data_loss(),
            "blocked": plan.blocked(),
        },
        "likely_renames": renames,
        "target": plan.target.as_str(),
    });
    serde_json::to_string_pretty(&doc).expect("JSON serialises") + "\n"
}
