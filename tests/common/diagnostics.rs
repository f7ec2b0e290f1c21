//! Running `slsc check --format json` and reading, matching and printing its diagnostics.

use super::fixtures::Expect;
use super::run;
use serde_json::Value;
use std::fmt::Write as _;

/// Runs `slsc check PATH --format json EXTRA…` from the repository root: (exit code, stdout,
/// stderr).
pub fn run_json(path: &str, extra: &[String]) -> (Option<i32>, String, String) {
    let mut args = vec!["check", path, "--format", "json"];
    args.extend(extra.iter().map(String::as_str));
    let out = run(&args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a fixture through [`run_json`]: its exit code and parsed output. A panic goes to `bad`;
/// so does output that is not JSON, and then there is nothing more to check (None).
pub fn run_fixture(
    path: &str,
    extra: &[String],
    bad: &mut Vec<String>,
) -> Option<(Option<i32>, Value)> {
    let (code, stdout, stderr) = run_json(path, extra);
    if stderr.contains("panicked") {
        bad.push(format!("the compiler panicked: {}", stderr.trim()));
    }
    match serde_json::from_str(&stdout) {
        Ok(json) => Some((code, json)),
        Err(e) => {
            bad.push(format!(
                "stdout is not JSON ({e}); exit {code:?}; stderr: {}",
                stderr.trim()
            ));
            None
        }
    }
}

/// The `diagnostics` array of the JSON output (empty when there is none).
pub fn diagnostics(json: &Value) -> Vec<&Value> {
    json["diagnostics"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// One diagnostic, with its labels and help, for failure messages.
pub fn describe(d: &Value) -> String {
    let mut s = format!(
        "{} {} at {}:{}:{}: {}",
        d["code"].as_str().unwrap_or("?"),
        d["severity"].as_str().unwrap_or("?"),
        d["file"].as_str().unwrap_or("?"),
        d["line"],
        d["column"],
        d["message"].as_str().unwrap_or(""),
    );
    if let Some(labels) = d["labels"].as_array() {
        for l in labels {
            let _ = write!(
                s,
                "\n            label {}:{}:{}: {}",
                l["file"].as_str().unwrap_or("?"),
                l["line"],
                l["column"],
                l["message"].as_str().unwrap_or("")
            );
        }
    }
    if let Some(h) = d["help"].as_str() {
        let _ = write!(s, "\n            help: {h}");
    }
    s
}

/// Whether a diagnostic is the one an expectation describes: code, severity, file, primary
/// position, and the text (when given) in the message or the help.
pub fn matches(d: &Value, e: &Expect) -> bool {
    d["code"] == e.code.as_str()
        && d["severity"] == e.severity.as_str()
        && d["file"] == e.file.as_str()
        && d["line"] == e.line
        && d["column"] == e.column
        && e.text.as_ref().is_none_or(|t| {
            d["message"].as_str().unwrap_or("").contains(t.as_str())
                || d["help"].as_str().unwrap_or("").contains(t.as_str())
        })
}

/// Checks that each count of the output (`("errors", "error")`: the key and the severity it
/// counts) agrees with the diagnostics printed.
pub fn check_counts(
    json: &Value,
    diags: &[&Value],
    counts: &[(&str, &str)],
    bad: &mut Vec<String>,
) {
    for (key, sev) in counts {
        let n = diags.iter().filter(|d| d["severity"] == *sev).count();
        if json[*key] != n {
            bad.push(format!(
                "\"{key}\" is {}, but {n} {sev} diagnostics were printed",
                json[*key]
            ));
        }
    }
}

/// When anything is wrong, adds the diagnostics that were actually printed.
pub fn list_actual(bad: &mut Vec<String>, diags: &[&Value]) {
    if !bad.is_empty() {
        let mut all = String::from("actual diagnostics:");
        for d in diags {
            let _ = write!(all, "\n        {}", describe(d));
        }
        bad.push(all);
    }
}
