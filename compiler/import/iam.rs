//! IAM statements → grants. The Serverless Framework gives every function one shared role;
//! slsc gives each its own. A statement on a table, bucket, queue, topic, stream or function of
//! the file becomes `reads`/`writes`/`sends`/`invokes` (which also scope the grant to exactly
//! that resource); anything else a `permissions` entry as written. Provider-level statements
//! apply to every function, as they did (a comment says to narrow them); per-function ones
//! (`iamRoleStatements` of serverless-iam-roles-per-function) to that function.

use super::hcl::{render, Block, H};
use super::yaml::Node;
use super::{Cx, Project};

/// What one statement grants, per function attribute.
#[derive(Default)]
struct Grants {
    reads: Vec<String>,
    writes: Vec<String>,
    sends: Vec<String>,
    invokes: Vec<String>,
    permissions: Vec<H>,
}

/// Applies the statements to the function blocks.
pub fn grants(cx: &mut Cx, p: &mut Project) {
    let provider = cx.doc.get("provider");
    let mut shared = Grants::default();
    if let Some(st) = provider.and_then(|p| p.get("iamRoleStatements")) {
        statements(
            cx,
            st,
            "provider.iamRoleStatements",
            &p.resources,
            &mut shared,
        );
    }
    if let Some(role) = provider
        .and_then(|p| p.get("iam"))
        .and_then(|i| i.get("role"))
    {
        match role.get("statements") {
            Some(st) => statements(cx, st, "provider.iam.role.statements", &p.resources, &mut shared),
            None if role.as_str().is_some() => cx.finding(role, "provider.iam.role", "an existing role shared by every function", "slsc creates a least-privilege role per function: declare what each function uses with `reads`, `writes`, `sends`, `invokes` and `permissions`"),
            None => {}
        }
        for (k, _) in role.entries() {
            let key = k.as_str().unwrap_or_default();
            if key != "statements" {
                cx.finding(
                    k,
                    &format!("provider.iam.role.{key}"),
                    format!("`{key}` of the shared role is not offered"),
                    "slsc's roles are per function and unnamed",
                );
            }
        }
    }
    let fns = cx.doc.get("functions").cloned();
    for (f, triggers) in p.functions.iter_mut().filter(|(b, _)| b.kind == "function") {
        // What triggers the function: a shared grant to send or write there would be a loop
        // the code most likely never takes (the role was shared, not chosen per function).
        let sources: Vec<String> = triggers
            .iter()
            .filter_map(|t| match t.get("source") {
                Some(H::Raw(r)) => Some(r.clone()),
                _ => None,
            })
            .collect();
        let key = fns
            .as_ref()
            .and_then(|fs| {
                fs.entries().iter().find_map(|(k, _)| {
                    let k = k.as_str()?;
                    (cx.functions.get(k)? == &f.labels[0]).then(|| k.to_string())
                })
            })
            .unwrap_or_default();
        let mut own = Grants::default();
        if let Some(st) = fns
            .as_ref()
            .and_then(|fs| fs.get(&key))
            .and_then(|x| x.get("iamRoleStatements"))
        {
            statements(
                cx,
                st,
                &format!("functions.{key}.iamRoleStatements"),
                &p.resources,
                &mut own,
            );
        }
        apply(f, &shared, true, &sources);
        apply(f, &own, false, &[]);
    }
}

/// Adds grants to a function; `triggered_by` (for the shared role's grants) are the sources
/// that trigger it, which it is not granted to send or write to.
fn apply(f: &mut Block, g: &Grants, shared: bool, triggered_by: &[String]) {
    let note = "from the role the Serverless Framework shared by every function: keep only what this function uses";
    for (attr, items) in [
        ("reads", &g.reads),
        ("writes", &g.writes),
        ("sends", &g.sends),
        ("invokes", &g.invokes),
    ] {
        let items: Vec<&String> = items
            .iter()
            .filter(|i| attr == "reads" || !triggered_by.contains(i))
            .collect();
        if items.is_empty() {
            continue;
        }
        let mut all: Vec<H> = match f.get(attr) {
            Some(H::List(l)) => l.clone(),
            _ => Vec::new(),
        };
        for i in items {
            let h = H::expr((*i).clone());
            if !all.contains(&h) {
                all.push(h);
            }
        }
        if shared {
            f.set_noted(attr, H::List(all), note)
        } else {
            f.set(attr, H::List(all))
        }
    }
    // A table written need not be read too.
    if let (Some(H::List(w)), Some(H::List(r))) =
        (f.get("writes").cloned(), f.get("reads").cloned())
    {
        let r: Vec<H> = r.into_iter().filter(|x| !w.contains(x)).collect();
        f.attrs.retain(|a| a.name != "reads");
        if !r.is_empty() {
            f.set("reads", H::List(r));
        }
    }
    if !g.permissions.is_empty() {
        let mut all: Vec<H> = match f.get("permissions") {
            Some(H::List(l)) => l.clone(),
            _ => Vec::new(),
        };
        all.extend(g.permissions.iter().cloned());
        if shared {
            f.set_noted("permissions", H::List(all), note)
        } else {
            f.set("permissions", H::List(all))
        }
    }
}

/// The strings of a string-or-list node.
fn strings(n: Option<&Node>) -> Vec<String> {
    match n {
        Some(n) => match n.as_str() {
            Some(s) => vec![s.to_string()],
            None => n.items().iter().filter_map(|x| x.scalar_text()).collect(),
        },
        None => Vec::new(),
    }
}

fn statements(cx: &mut Cx, list: &Node, at: &str, blocks: &[Block], out: &mut Grants) {
    for (i, st) in list.items().iter().enumerate() {
        let at = format!("{at}[{i}]");
        if st.get("Effect").and_then(Node::as_str) != Some("Allow") {
            cx.finding(st, &at, "a Deny statement: slsc roles only allow", "slsc grants nothing that is not declared, so a Deny is rarely needed; add a `policy` to forbid the grant");
            continue;
        }
        for k in ["NotAction", "NotResource", "Condition"] {
            if let Some(n) = st.get(k) {
                cx.finding(
                    n,
                    &format!("{at}.{k}"),
                    format!("`{k}` is not offered in `permissions`"),
                    "write a narrower statement by hand",
                );
            }
        }
        let actions = strings(st.get("Action"));
        let resources: Vec<&Node> = match st.get("Resource") {
            Some(r) if r.items().is_empty() => vec![r],
            Some(r) => r.items().iter().collect(),
            None => Vec::new(),
        };
        let mut left = Vec::new();
        for r in resources {
            let Some(h) = cx.value(r, &format!("{at}.Resource"), true) else {
                continue;
            };
            match block_of(&h, blocks) {
                Some((kind, name)) if classify(&actions, &kind, &name, out) => {}
                _ => left.push(h),
            }
        }
        if !left.is_empty() && !actions.is_empty() {
            out.permissions.push(H::Obj(vec![
                (
                    "actions".into(),
                    H::List(actions.iter().map(H::str).collect()),
                ),
                ("resources".into(), H::List(left)),
            ]));
        }
    }
}

/// The block an IAM resource names: a reference (`database.users.arn`), or an ARN string whose
/// resource part is a declared block's `name`.
fn block_of(h: &H, blocks: &[Block]) -> Option<(String, String)> {
    if let H::Str(t) = h {
        use super::hcl::Seg;
        // `kind.name.arn`, alone or followed by a sub-resource the block's grants cover.
        let sub = match t.0.as_slice() {
            [Seg::Expr { expr, .. }] => Some((expr, "")),
            [Seg::Expr { expr, .. }, Seg::Text(rest)] => Some((expr, rest.as_str())),
            _ => None,
        };
        if let Some((expr, rest)) = sub {
            let mut p = expr.split('.');
            let (k, n, a) = (p.next()?, p.next()?, p.next()?);
            let covered = ["", "/*", "/index/*", "/stream/*"].contains(&rest);
            return (covered && (a == "arn" || a == "stream_arn"))
                .then(|| (k.to_string(), n.to_string()));
        }
    }
    let mut text = String::new();
    render(h, 0, &mut text);
    let text = text.trim_matches('"');
    for b in blocks {
        let Some(name) = b.get("name") else { continue };
        let mut n = String::new();
        render(name, 0, &mut n);
        let n = n.trim_matches('"');
        let hit = match b.kind.as_str() {
            "database" => [
                format!(":table/{n}"),
                format!(":table/{n}/index/*"),
                format!(":table/{n}/*"),
            ]
            .iter()
            .any(|s| text.ends_with(s.as_str())),
            "bucket" => text.ends_with(&format!(":::{n}")) || text.ends_with(&format!(":::{n}/*")),
            "queue" | "topic" => text.ends_with(&format!(":{n}")),
            _ => false,
        };
        if hit {
            return Some((b.kind.clone(), b.labels[0].clone()));
        }
    }
    None
}

/// Files the actions on a block under the function attribute they need; false when one of
/// them has no attribute (the statement then stays a permission).
fn classify(actions: &[String], kind: &str, name: &str, out: &mut Grants) -> bool {
    let r = format!("{kind}.{name}");
    let verb = |a: &str| {
        a.split_once(':')
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    let mut write = false;
    for a in actions {
        let v = verb(a);
        let ok = match kind {
            "database" => {
                write |= v == "*"
                    || ["Put", "Update", "Delete", "BatchWrite"]
                        .iter()
                        .any(|p| v.starts_with(p));
                a.starts_with("dynamodb:")
            }
            "bucket" => {
                write |= v == "*" || v.starts_with("Put") || v.starts_with("Delete");
                a.starts_with("s3:")
            }
            "queue" => {
                a == "sqs:SendMessage"
                    || a == "sqs:SendMessageBatch"
                    || a == "sqs:GetQueueUrl"
                    || a == "sqs:GetQueueAttributes"
            }
            "topic" => a == "sns:Publish",
            "stream" => a == "kinesis:PutRecord" || a == "kinesis:PutRecords",
            "function" => a == "lambda:InvokeFunction" || a == "lambda:InvokeAsync",
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    if actions.is_empty() {
        return false;
    }
    let list = match kind {
        "database" | "bucket" if write => &mut out.writes,
        "database" | "bucket" => &mut out.reads,
        "function" => &mut out.invokes,
        _ => &mut out.sends,
    };
    list.push(r);
    true
}
