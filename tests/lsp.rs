//! `slsc lsp` end to end: JSON-RPC over the process's stdio, on a multi-file project with a
//! local module and a stdlib one — initialize; a file opened with an error publishes it, the
//! fix clears it; rules keep running on the other files meanwhile; definition, hover,
//! completion, references, rename (with `moved` for a stateful block), formatting, symbols,
//! code actions; shutdown and exit.

mod common;

use common::temp::Temp;
use serde_json::{json, Value as J};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Lsp {
    child: Child,
    stdin: ChildStdin,
    out: BufReader<ChildStdout>,
    next: u64,
    /// Notifications received so far, in order.
    notes: Vec<J>,
}

impl Lsp {
    fn start(dir: &std::path::Path) -> Lsp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slsc"))
            .args(["lsp", "--today", common::TODAY])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        Lsp {
            child,
            stdin,
            out,
            next: 1,
            notes: Vec::new(),
        }
    }

    fn send(&mut self, msg: &J) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn read(&mut self) -> J {
        let mut len = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.out.read_line(&mut line).unwrap() > 0,
                "the server closed its output"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut buf = vec![0; len];
        self.out.read_exact(&mut buf).unwrap();
        serde_json::from_slice(&buf).unwrap()
    }

    fn notify(&mut self, method: &str, params: J) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and reads until its response (keeping the notifications on the way).
    fn request(&mut self, method: &str, params: J) -> J {
        let id = self.next;
        self.next += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.read();
            if m["id"] == json!(id) {
                assert!(m["error"].is_null(), "{method}: {m}");
                return m["result"].clone();
            }
            self.notes.push(m);
        }
    }

    /// A request at a position of a document.
    fn at(&mut self, method: &str, uri: &str, position: J) -> J {
        self.request(
            method,
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
    }

    /// Reads the diagnostics published after a change, until those of `uri` arrive.
    fn diagnostics_of(&mut self, uri: &str) -> Vec<J> {
        loop {
            let m = self.read();
            let is = m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
            self.notes.push(m.clone());
            if is {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

fn uri(p: &std::path::Path) -> String {
    format!("file://{}", p.display())
}

fn pos(text: &str, needle: &str, plus: usize) -> J {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the text"))
        + plus;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col})
}

const APP: &str = r#"app "shop" {
  region = var.region
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

queue "orders" {}

locals {
  prefix = "inv-${var.region}"
}

module "billing" {
  source = "./modules/billing"
  prefix = local.prefix
}

module "nightly" {
  source   = "std/cron_job"
  handler  = "report.handler"
  schedule = "rate(1 day)"
}
"#;

const FUNCTIONS_BROKEN: &str = r#"function "api" {
  handler     = "index.handler"
  concurrency = 5
  timeout     = 10
  sends       = [queue.ordrs]
  environment = { TABLE = module.billing.table_name }
}

trigger "web" {
  function = function.api
  http     = "POST /orders"
  auth     = "iam"
}
"#;

const MODULE: &str = r#"variable "prefix" {
  type = string
}

database "invoices" {
  partition_key = { name = "id", type = "string" }
}

output "table_name" {
  value = database.invoices.name
}
"#;

/// A worker without `concurrency`: `missing-concurrency`, a rule finding.
const WORKER: &str = r#"function "worker" {
  handler = "index.handler"
}

trigger "orders" {
  function = function.worker
  source   = queue.orders
}
"#;

#[test]
fn the_language_server_answers_over_stdio() {
    let t = Temp::new("lsp");
    let dir = t.path();
    t.write("app.sls", APP.as_bytes());
    let functions = t.write("functions.sls", FUNCTIONS_BROKEN.as_bytes());
    let worker = t.write("worker.sls", WORKER.as_bytes());
    t.write("modules/billing/main.sls", MODULE.as_bytes());
    t.write("index.mjs", b"export const handler = async () => ({});\n");
    t.write("report.mjs", b"export const handler = async () => ({});\n");
    let (fu, wu, au) = (uri(&functions), uri(&worker), uri(&dir.join("app.sls")));
    let mut lsp = Lsp::start(dir);

    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(dir), "capabilities": {}}),
    );
    assert_eq!(init["capabilities"]["definitionProvider"], true);
    assert_eq!(init["serverInfo"]["name"], "slsc");
    lsp.notify("initialized", json!({}));

    // Opened with an error: published with its code and range; the worker's rule finding is
    // published too, though another file has an error.
    lsp.notify("textDocument/didOpen", json!({"textDocument": {"uri": fu, "languageId": "sls", "version": 1, "text": FUNCTIONS_BROKEN}}));
    let d = lsp.diagnostics_of(&fu);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["code"], "unresolved-reference");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(
        d[0]["range"]["start"],
        pos(FUNCTIONS_BROKEN, "queue.ordrs", 0)
    );
    assert!(d[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `queue.orders`"));
    let worker_diags = lsp.diagnostics_of(&wu);
    let codes: Vec<&J> = worker_diags.iter().map(|d| &d["code"]).collect();
    assert!(codes.contains(&&json!("missing-concurrency")), "{codes:?}");

    // The quick fix of the typo.
    let actions = lsp.request("textDocument/codeAction", json!({"textDocument": {"uri": fu}, "range": d[0]["range"], "context": {"diagnostics": [d[0]]}}));
    let fix = &actions[0];
    assert_eq!(fix["title"], "Replace with `queue.orders`");
    assert_eq!(fix["edit"]["changes"][&fu][0]["newText"], "queue.orders");

    // The fix clears the diagnostics.
    let fixed = FUNCTIONS_BROKEN.replace("queue.ordrs", "queue.orders");
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": fu, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(lsp.diagnostics_of(&fu), Vec::<J>::new());

    // Definition: a block, and a module's output in the module's own file.
    let def = lsp.at(
        "textDocument/definition",
        &fu,
        pos(&fixed, "queue.orders", 8),
    );
    assert_eq!(def["uri"], au);
    assert_eq!(def["range"]["start"], pos(APP, "orders\" {}", 0));
    let def = lsp.at(
        "textDocument/definition",
        &fu,
        pos(&fixed, "module.billing.table_name", 3),
    );
    assert_eq!(def["uri"], uri(&dir.join("modules/billing/main.sls")));
    assert_eq!(def["range"]["start"], pos(MODULE, "table_name\"", 0));
    let def = lsp.at(
        "textDocument/definition",
        &au,
        pos(APP, "./modules/billing", 3),
    );
    assert_eq!(def["uri"], uri(&dir.join("modules/billing/main.sls")));

    // Hover: an attribute's type and documentation; a variable's value.
    let text = lsp.at("textDocument/hover", &fu, pos(&fixed, "timeout", 2));
    let text = text["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**timeout** (function): duration") && text.contains("default `6`"),
        "{text}"
    );
    let text = lsp.at("textDocument/hover", &au, pos(APP, "var.region", 5));
    let text = text["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("variable \"region\"") && text.contains("value: `\"eu-west-1\"`"),
        "{text}"
    );
    let text = lsp.at("textDocument/hover", &au, pos(APP, "local.prefix", 7));
    let text = text["contents"]["value"].as_str().unwrap();
    assert!(text.contains("value: `\"inv-eu-west-1\"`"), "{text}");
    let def = lsp.at("textDocument/definition", &au, pos(APP, "local.prefix", 7));
    assert_eq!(def["range"]["start"], pos(APP, "prefix = \"inv", 0));

    // Completion: references of the right kind, attributes, enum values, stdlib modules.
    let edit = fixed.replace("sends       = [queue.orders]", "sends       = [queue.]");
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": fu, "version": 3}, "contentChanges": [{"text": edit}]}),
    );
    lsp.diagnostics_of(&fu);
    let c = lsp.at("textDocument/completion", &fu, pos(&edit, "queue.]", 6));
    let labels = |c: &J| {
        c.as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(labels(&c), ["orders"]);
    let c = lsp.at("textDocument/completion", &fu, pos(&edit, "  timeout", 0));
    let l = labels(&c);
    assert!(
        l.contains(&"memory".to_string()) && !l.contains(&"handler".to_string()),
        "{l:?}"
    );
    let c = lsp.at("textDocument/completion", &au, pos(APP, "std/cron_job", 0));
    assert!(labels(&c).contains(&"std/queue_worker".to_string()));
    let c = lsp.at(
        "textDocument/completion",
        &au,
        json!({"line": 0, "character": 0}),
    );
    assert!(labels(&c).contains(&"function".to_string()));
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": fu, "version": 4}, "contentChanges": [{"text": fixed}]}),
    );
    lsp.diagnostics_of(&fu);

    // References of queue "orders": its declaration and the two files that use it.
    let refs = lsp.request("textDocument/references", json!({"textDocument": {"uri": au}, "position": pos(APP, "orders\" {}", 1), "context": {"includeDeclaration": true}}));
    let mut files: Vec<&str> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    files.sort();
    let mut want = vec![au.as_str(), fu.as_str(), wu.as_str()];
    want.sort();
    assert_eq!(files, want);

    // Rename the queue: every reference, and a `moved` block (a queue holds messages).
    let r = lsp.request("textDocument/rename", json!({"textDocument": {"uri": fu}, "position": pos(&fixed, "queue.orders", 7), "newName": "purchases"}));
    let changes = &r["changes"];
    assert_eq!(changes[&fu][0]["newText"], "purchases");
    assert_eq!(changes[&wu][0]["newText"], "purchases");
    let app_edits = changes[&au].as_array().unwrap();
    assert!(app_edits.iter().any(|e| e["newText"] == "purchases"));
    assert!(
        app_edits.iter().any(|e| e["newText"]
            .as_str()
            .unwrap()
            .contains("moved {\n  from = queue.orders\n  to   = queue.purchases\n}")),
        "{app_edits:#?}"
    );

    // Formatting: the canonical layout as one edit; symbols of a file.
    let messy = "queue   \"x\"  {\n     retention=\"1d\"\n}\n";
    let messy_uri = uri(&dir.join("messy.sls"));
    lsp.notify("textDocument/didOpen", json!({"textDocument": {"uri": messy_uri, "languageId": "sls", "version": 1, "text": messy}}));
    lsp.diagnostics_of(&messy_uri);
    let f = lsp.request("textDocument/formatting", json!({"textDocument": {"uri": messy_uri}, "options": {"tabSize": 2, "insertSpaces": true}}));
    let want = slsc::fmt::format(messy).unwrap();
    assert!(want.contains("\n  retention = \"1d\"\n"), "{want}");
    assert_eq!(f[0]["newText"], want.as_str());
    let s = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": fu}}),
    );
    let names: Vec<&str> = s
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["function \"api\"", "trigger \"web\""]);

    // A local module's file belongs to the project that uses it: its errors are published
    // for it (modules are read from disk: saved).
    let module_file = dir.join("modules/billing/main.sls");
    std::fs::write(
        &module_file,
        MODULE.replace("partition_key", "partition_kee"),
    )
    .unwrap();
    let mu = uri(&module_file);
    lsp.notify("textDocument/didSave", json!({"textDocument": {"uri": mu}}));
    let d = lsp.diagnostics_of(&mu);
    assert!(d.iter().any(|d| d["code"] == "unknown-attribute"), "{d:#?}");

    // Shutdown, exit: exit code 0.
    assert_eq!(lsp.request("shutdown", J::Null), J::Null);
    lsp.notify("exit", J::Null);
    let status = lsp.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// The lexical index never panics: every fixture and example, cut at many points (text being
/// typed), and every position of a small file through the server's requests.
#[test]
fn the_index_survives_any_prefix_of_any_fixture() {
    let mut files = Vec::new();
    for dir in ["tests/fixtures", "examples", "stdlib"] {
        let mut stack = vec![common::root().join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "sls") {
                    files.push(p);
                }
            }
        }
    }
    assert!(files.len() > 100, "{}", files.len());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(17).collect();
        for cut in cuts {
            let prefix = &text[..cut];
            let idx = slsc::lsp::index::index(prefix);
            for r in &idx.references {
                assert!(
                    prefix.get(r.range.clone()).is_some()
                        && prefix.get(r.name_range.clone()).is_some()
                );
            }
            for b in &idx.blocks {
                assert!(prefix.get(b.range.clone()).is_some(), "{}", f.display());
            }
        }
    }
}

#[test]
fn every_position_of_a_file_is_answered() {
    let t = Temp::new("lsp-positions");
    let text = "app \"x\" {\n  region = \"eu-west-1\"\n}\n\nqueue \"q\" {\n  retention = \"1d\" # é😀\n}\n\nfunction \"f\" {\n  handler = \"index.handler\"\n  sends   = [queue.q, queue.]\n  environment = { U = \"${queue.q.url}\" }\n}\n";
    let file = t.write("main.sls", text.as_bytes());
    let u = uri(&file);
    let mut lsp = Lsp::start(t.path());
    lsp.request("initialize", json!({"capabilities": {}}));
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": u, "languageId": "sls", "version": 1, "text": text}}),
    );
    lsp.diagnostics_of(&u);
    let lines: Vec<&str> = text.lines().collect();
    for (l, line) in lines.iter().enumerate() {
        for c in 0..=line.encode_utf16().count() + 1 {
            let p = json!({"textDocument": {"uri": u}, "position": {"line": l, "character": c}});
            for m in [
                "textDocument/definition",
                "textDocument/hover",
                "textDocument/completion",
                "textDocument/references",
                "textDocument/prepareRename",
            ] {
                lsp.request(m, p.clone());
            }
        }
    }
    assert_eq!(lsp.request("shutdown", J::Null), J::Null);
    lsp.notify("exit", J::Null);
    assert_eq!(lsp.child.wait().unwrap().code(), Some(0));
}
