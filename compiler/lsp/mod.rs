//! `slsc lsp`: a language server over stdio.
//!
//! One loop reads a message, answers it, and — after a file is opened, changed or saved —
//! compiles that file's project (its directory) with the editor's unsaved texts
//! ([`crate::Options::overlays`]) and publishes every file's diagnostics. Compiling runs the
//! rules on the files without errors even when another file has one
//! ([`crate::Options::rules_despite_errors`]).
//!
//! The protocol is hand-written JSON-RPC over serde_json (`rpc.rs`): the server uses a dozen
//! requests, and their shapes are small; no LSP crate is needed. Navigation, hover and
//! completion read a lexical index of the files (`index.rs`), which works on text that does
//! not parse; diagnostics and values come from the compiler.
//!
//! - `rpc.rs`: framing, positions (UTF-16 columns), URIs.
//! - `index.rs`: the scanner and what each file declares and references.
//! - `project.rs`: a project's files (unsaved texts first), resolving a reference.
//! - `navigate.rs`: definition, references, rename, document symbols, formatting, code actions.
//! - `assist.rs`: hover and completion.

pub mod assist;
pub mod index;
pub mod navigate;
pub mod project;
pub mod rpc;

use serde_json::{json, Value as J};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// What the server knows between messages.
#[derive(Default)]
pub struct State {
    /// Open documents' texts, by canonical path.
    pub docs: BTreeMap<PathBuf, String>,
    /// Per project directory: the URIs diagnostics were last published for (to clear them).
    published: BTreeMap<PathBuf, BTreeSet<String>>,
    /// The last diagnostics of each URI (for code actions and hover on a diagnostic).
    pub diagnostics: BTreeMap<String, Vec<crate::diagnostics::Diagnostic>>,
    /// Per project directory: the variables' and locals' values of its last compilation.
    pub values: BTreeMap<PathBuf, project::Values>,
    /// `--today` for date-dependent rules (tests pin it).
    pub today: String,
    shutdown: bool,
}

/// Runs the server on stdin/stdout until `exit`. Returns the process exit code (0 after a
/// `shutdown`, 1 otherwise, as the protocol says).
pub fn run(today: String) -> i32 {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut output = stdout.lock();
    serve(&mut input, &mut output, today)
}

pub fn serve(input: &mut impl BufRead, output: &mut impl Write, today: String) -> i32 {
    let mut st = State {
        today,
        ..Default::default()
    };
    loop {
        let msg = match rpc::read(input) {
            Ok(Some(m)) => m,
            Ok(None) => return 1,
            Err(e) => {
                eprintln!("slsc lsp: {e}");
                return 1;
            }
        };
        let method = msg["method"].as_str().unwrap_or_default().to_string();
        if method == "exit" {
            return if st.shutdown { 0 } else { 1 };
        }
        // A failure answering one message must not end the session: the request gets an
        // error, the editor keeps its server.
        let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handle(&mut st, &method, &msg)
        }));
        let outs = answered.unwrap_or_else(|_| match msg.get("id") {
            Some(id) if !id.is_null() => {
                vec![rpc::error(id, -32603, "slsc lsp failed on this request")]
            }
            _ => Vec::new(),
        });
        for out in outs {
            if rpc::write(output, &out).is_err() {
                return 1;
            }
        }
    }
}

/// The messages answering one message: a response to a request, notifications after a
/// change.
fn handle(st: &mut State, method: &str, msg: &J) -> Vec<J> {
    let id = &msg["id"];
    let p = &msg["params"];
    let doc_path = || rpc::path_of(p["textDocument"]["uri"].as_str().unwrap_or_default());
    match method {
        "initialize" => vec![rpc::response(id, capabilities())],
        "shutdown" => {
            st.shutdown = true;
            vec![rpc::response(id, J::Null)]
        }
        "textDocument/didOpen" => {
            let text = p["textDocument"]["text"].as_str().unwrap_or_default();
            opened(st, doc_path(), text.to_string())
        }
        "textDocument/didChange" => {
            // Full synchronisation: the last change holds the whole text.
            let changes = p["contentChanges"].as_array().cloned().unwrap_or_default();
            match changes.last().and_then(|c| c["text"].as_str()) {
                Some(t) => opened(st, doc_path(), t.to_string()),
                None => Vec::new(),
            }
        }
        "textDocument/didSave" => match doc_path() {
            Some(path) => publish(st, &path),
            None => Vec::new(),
        },
        "textDocument/didClose" => {
            if let Some(path) = doc_path() {
                st.docs.remove(&canonical(&path));
                return publish(st, &path);
            }
            Vec::new()
        }
        "initialized" | "$/cancelRequest" | "$/setTrace" | "workspace/didChangeConfiguration" => {
            Vec::new()
        }
        _ if id.is_null() => Vec::new(),
        _ => vec![request(st, method, id, p)],
    }
}

fn request(st: &mut State, method: &str, id: &J, p: &J) -> J {
    let Some(path) = rpc::path_of(p["textDocument"]["uri"].as_str().unwrap_or_default()) else {
        return rpc::error(id, -32602, "textDocument.uri is not a file URI");
    };
    let proj = project::Project::load(st, &path);
    let result = match method {
        "textDocument/definition" => navigate::definition(&proj, &path, &p["position"]),
        "textDocument/references" => navigate::references(&proj, &path, &p["position"]),
        "textDocument/rename" => navigate::rename(
            &proj,
            &path,
            &p["position"],
            p["newName"].as_str().unwrap_or(""),
        ),
        "textDocument/prepareRename" => navigate::prepare_rename(&proj, &path, &p["position"]),
        "textDocument/documentSymbol" => navigate::symbols(&proj, &path),
        "textDocument/formatting" => navigate::formatting(&proj, &path),
        "textDocument/codeAction" => {
            let uri = p["textDocument"]["uri"].as_str().unwrap_or_default();
            let diags = st.diagnostics.get(uri).cloned().unwrap_or_default();
            navigate::code_actions(&proj, &path, &p["range"], &diags)
        }
        "textDocument/hover" => {
            let uri = p["textDocument"]["uri"].as_str().unwrap_or_default();
            let diags = st.diagnostics.get(uri).cloned().unwrap_or_default();
            assist::hover(&proj, &path, &p["position"], &diags)
        }
        "textDocument/completion" => assist::completion(&proj, &path, &p["position"]),
        _ => return rpc::error(id, -32601, &format!("slsc lsp does not handle {method}")),
    };
    match result {
        Ok(r) => rpc::response(id, r),
        Err(e) => rpc::error(id, -32603, &e),
    }
}

fn capabilities() -> J {
    json!({
        "capabilities": {
            "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": false}},
            "definitionProvider": true,
            "referencesProvider": true,
            "renameProvider": {"prepareProvider": true},
            "hoverProvider": true,
            "completionProvider": {"triggerCharacters": [".", "\"", "/"]},
            "documentFormattingProvider": true,
            "documentSymbolProvider": true,
            "codeActionProvider": {"codeActionKinds": ["quickfix"]},
        },
        "serverInfo": {"name": "slsc", "version": env!("CARGO_PKG_VERSION")},
    })
}

pub fn canonical(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    // A new, unsaved file: its directory's canonical path.
    match (
        p.parent().and_then(|d| std::fs::canonicalize(d).ok()),
        p.file_name(),
    ) {
        (Some(d), Some(n)) => d.join(n),
        _ => p.to_path_buf(),
    }
}

fn opened(st: &mut State, path: Option<PathBuf>, text: String) -> Vec<J> {
    let Some(path) = path else {
        return Vec::new();
    };
    st.docs.insert(canonical(&path), text);
    publish(st, &path)
}

/// Compiles the project of `path` and publishes the diagnostics of each of its files (an
/// empty list for a file whose diagnostics are gone).
fn publish(st: &mut State, path: &Path) -> Vec<J> {
    let dir = project::root_of_file(st, path);
    let (by_uri, values) = project::diagnostics(st, &dir);
    match values {
        Some(v) => st.values.insert(dir.clone(), v),
        None => st.values.remove(&dir),
    };
    let mut out = Vec::new();
    let before = st.published.remove(&dir).unwrap_or_default();
    let mut now = BTreeSet::new();
    for (uri, (lsp, raw)) in by_uri {
        out.push(rpc::notification(
            "textDocument/publishDiagnostics",
            json!({"uri": uri, "diagnostics": lsp}),
        ));
        st.diagnostics.insert(uri.clone(), raw);
        now.insert(uri);
    }
    for uri in before.difference(&now) {
        st.diagnostics.remove(uri);
        out.push(rpc::notification(
            "textDocument/publishDiagnostics",
            json!({"uri": uri, "diagnostics": []}),
        ));
    }
    st.published.insert(dir, now);
    out
}
