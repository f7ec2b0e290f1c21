//! Inputs at slsc's limits (issue 16, docs/limits.md): each succeeds, or fails cleanly with one
//! diagnostic at a location — never a panic, an abort, a stack overflow or one error per level.
//! `cargo test` runs the sizes the issue names where they are cheap in a debug build, and
//! smaller ones where not; `SLSC_LIMITS_FULL=1 cargo test --release --test limits` runs every
//! case at full size (a 10 MB string, a 1,000,000-element list, 100,000 blocks).

mod common;

use common::temp::Temp;
use serde_json::Value;
use std::process::Command;

const APP: &str = "app \"limits\" {\n  region = \"eu-west-1\"\n}\n";

fn full() -> bool {
    std::env::var_os("SLSC_LIMITS_FULL").is_some()
}

/// `slsc check --format json` on a one-file project: (exit code, diagnostics, stderr).
fn check(name: &str, text: &str) -> (Option<i32>, Vec<Value>, Value) {
    let dir = Temp::new(name);
    std::fs::write(dir.path().join("app.sls"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_slsc"))
        .args(["check", ".", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{name}: panic: {stderr}");
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: stdout is not JSON ({e}); stderr: {stderr}"));
    let diags = json["diagnostics"].as_array().cloned().unwrap_or_default();
    (out.status.code(), diags, json)
}

/// Exactly one error, of `code`, on `line`, whose message contains `says`.
fn one_error(name: &str, text: &str, code: &str, line: u64, says: &str) {
    let (status, diags, _) = check(name, text);
    assert_eq!(status, Some(1), "{name}: {diags:#?}");
    assert_eq!(diags.len(), 1, "{name}: one diagnostic, got {diags:#?}");
    let d = &diags[0];
    assert_eq!(d["code"], code, "{name}: {d:#}");
    assert_eq!(d["line"], line, "{name}: {d:#}");
    assert!(
        d["message"].as_str().unwrap().contains(says),
        "{name}: {d:#}"
    );
    assert!(d["help"].is_string(), "{name}: a help: {d:#}");
}

#[test]
fn ten_thousand_nested_blocks_are_one_error_not_one_per_level() {
    let text = format!(
        "{APP}locals {{\n{}{}}}\n",
        "a {\n".repeat(10_000),
        "}\n".repeat(10_000)
    );
    one_error("deep-blocks", &text, "syntax", 68, "nesting depth");
}

#[test]
fn ten_thousand_nested_brackets_objects_and_parentheses_are_one_error() {
    for (name, open, inner, close) in [
        ("deep-list", "[", "", "]"),
        ("deep-object", "{a = ", "1", "}"),
        ("deep-parens", "(", "1", ")"),
        ("deep-template", "\"${", "\"a\"", "}\""),
    ] {
        let expr = format!("{}{inner}{}", open.repeat(10_000), close.repeat(10_000));
        let text = format!("{APP}locals {{\n  x = {expr}\n}}\n");
        let (status, diags, _) = check(name, &text);
        assert_eq!(status, Some(1), "{name}");
        assert_eq!(diags.len(), 1, "{name}: {diags:#?}");
        assert_eq!(diags[0]["line"], 5, "{name}");
    }
}

#[test]
fn an_object_with_100000_keys_is_one_error_at_its_brace() {
    let keys: String = (0..100_000).map(|i| format!("    k{i} = {i}\n")).collect();
    let text = format!("{APP}locals {{\n  table = {{\n{keys}  }}\n}}\n");
    one_error("wide-object", &text, "syntax", 5, "more than 1000 keys");
    // `fmt` refuses it too (its parse would take minutes), as a file with a syntax error.
    let dir = Temp::new("wide-fmt");
    std::fs::write(dir.path().join("app.sls"), &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_slsc"))
        .args(["fmt", "--check", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fix its syntax first"));
    // The limit itself is fine, with comments, commas and nested objects among the keys.
    let keys: String = (0..1_000)
        .map(|i| format!("    k{i} = {{ v = [{i}, {i}] }}, # note\n"))
        .collect();
    let text = format!("{APP}locals {{\n  table = {{\n{keys}  }}\n}}\n");
    let (status, diags, _) = check("object-at-limit", &text);
    assert_eq!((status, diags.len()), (Some(0), 0), "{diags:#?}");
}

#[test]
fn a_block_of_100000_attributes_and_many_blocks_check() {
    let locals: String = (0..100_000).map(|i| format!("  k{i} = {i}\n")).collect();
    let (status, diags, _) = check("many-locals", &format!("{APP}locals {{\n{locals}}}\n"));
    assert_eq!((status, diags.len()), (Some(0), 0), "{diags:#?}");
    let n = if full() { 100_000 } else { 10_000 };
    let mut text = String::from(APP);
    for i in 0..n {
        text.push_str(&format!("topic \"t{i}\" {{}}\n"));
    }
    let (status, diags, json) = check("many-blocks", &text);
    // Thousands of topics nothing uses: one `unused-resource` each. 10,000 fit in nested data
    // stacks (docs/cloudformation.md); 100,000 need more stacks than the root can hold:
    // `template-limits`.
    let mut codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    codes.dedup();
    if full() {
        assert_eq!(status, Some(1));
        assert_eq!(codes, ["template-limits", "unused-resource"]);
    } else {
        assert_eq!(status, Some(0), "{codes:?}");
        assert_eq!(codes, ["unused-resource"]);
        assert_eq!(json["errors"], 0);
    }
    assert_eq!(json["warnings"], n);
    // JSON lists 5,000 of one code and counts the rest.
    let errors = if full() { 2 } else { 0 };
    assert_eq!(diags.len(), errors + 5_000);
    let left = &json["left_out"];
    assert_eq!(left[0]["code"], "unused-resource", "{left:#}");
    assert_eq!(left[0]["count"], n - 5_000);
    assert_eq!(left[0]["files"], 1);
}

#[test]
fn a_long_string_a_long_list_and_a_long_line() {
    let mb = if full() { 10_000_000 } else { 1_000_000 };
    let text = format!("{APP}locals {{\n  s = \"{}\"\n}}\n", "a".repeat(mb));
    let (status, diags, _) = check("long-string", &text);
    assert_eq!((status, diags.len()), (Some(0), 0), "{diags:#?}");

    let n = if full() { 1_000_000 } else { 100_000 };
    let list: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let text = format!("{APP}locals {{\n  l = [{}]\n}}\n", list.join(","));
    let (status, diags, _) = check("long-list", &text);
    assert_eq!((status, diags.len()), (Some(0), 0), "{diags:#?}");

    // A line of 1 MB with a mistake at its end: one error, located, without the source shown.
    let text = format!(
        "{APP}queue \"q\" {{}} /*{}*/ queue \"r\" {{}}\n",
        "b".repeat(1 << 20)
    );
    let (status, diags, _) = check("long-line", &text);
    assert_eq!((status, diags.len()), (Some(1), 1), "{diags:#?}");
    assert_eq!(diags[0]["line"], 4);
    assert!(diags[0]["column"].as_u64().unwrap() > 1 << 20);
}

#[test]
fn a_syntax_error_in_a_file_of_many_blocks_is_recovered_in_linear_time() {
    // Recovery parses each top-level block on its own; with 20,000 blocks it groups them, so
    // the error hides a few neighbours but the rest of the file is still read.
    let mut text = String::from(APP);
    for i in 0..20_000 {
        text.push_str(&format!("queue \"q{i}\" {{}}\n"));
    }
    text.push_str("queue \"broken\" {\n  visibility_timeout = \n}\n");
    text.push_str("function \"f\" {\n  runtime = \"nodejs22.x\"\n  handler = \"a.b\"\n  source = \"src\"\n  nope = 1\n}\n");
    let (status, diags, _) = check("recovery", &text);
    assert_eq!(status, Some(1));
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"syntax"), "{codes:?}");
    assert_eq!(
        codes.iter().filter(|c| **c == "syntax").count(),
        1,
        "{codes:?}"
    );
}

#[test]
fn thousands_of_one_warning_print_a_few_and_a_count_and_json_has_them_all() {
    let mut text = String::from(APP);
    // 400 queues nothing uses: one `unused-resource` warning each.
    for i in 0..400 {
        text.push_str(&format!("queue \"q{i}\" {{}}\n"));
    }
    let dir = Temp::new("many-warnings");
    std::fs::write(dir.path().join("app.sls"), &text).unwrap();
    let human = Command::new(env!("CARGO_BIN_EXE_slsc"))
        .args(["check", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&human.stderr);
    let (_, diags, json) = check("many-warnings-json", &text);
    let total = diags.len();
    assert_eq!(total, 400, "one per queue: {json:#}");
    assert!(json.get("left_out").is_none());
    let shown = stderr.matches("\n  ⚠ ").count() + stderr.matches("\n  × ").count();
    assert_eq!(
        shown,
        5,
        "{shown} shown:\n{}",
        &stderr[..stderr.len().min(3000)]
    );
    assert!(
        stderr.contains("395 warnings `unused-resource` in 1 file"),
        "{stderr}"
    );
    assert!(stderr.ends_with("0 errors, 400 warnings\n"), "{stderr}");
    assert!(
        stderr.contains("more not shown"),
        "{}",
        &stderr[stderr.len().saturating_sub(2000)..]
    );
    assert!(stderr.contains("`slsc check --format json` lists them"));
}
