//! The Python tools some tests need (`SLSC_PYTHON`: a python with cfn-lint and jsonschema,
//! which `.ci/run` builds). Without them a test is skipped with a message — except under CI
//! (`CI` set), where a missing tool fails the test.

use std::path::PathBuf;
use std::process::Command;

/// Runs `code` with `SLSC_PYTHON`; its trimmed stdout, or why it cannot run.
pub fn run(code: &str) -> Result<(PathBuf, String), String> {
    let py = std::env::var_os("SLSC_PYTHON")
        .filter(|p| !p.is_empty())
        .ok_or("SLSC_PYTHON (a python with cfn-lint and jsonschema installed) is not set")?;
    let out = Command::new(&py)
        .args(["-c", code])
        .output()
        .map_err(|e| format!("cannot run SLSC_PYTHON={}: {e}", py.to_string_lossy()))?;
    if !out.status.success() {
        return Err(format!(
            "SLSC_PYTHON={} failed on `{code}`: {}",
            py.to_string_lossy(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok((
        PathBuf::from(py),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    ))
}

/// A python that can import `module`.
pub fn with_module(module: &str) -> Result<PathBuf, String> {
    run(&format!("import {module}")).map(|(py, _)| py)
}

/// cfn-lint's package directory (its `data/` holds the schemas and AWS's IAM action list).
pub fn cfn_lint_dir() -> Result<PathBuf, String> {
    run("import cfnlint, os; print(os.path.dirname(cfnlint.__file__))")
        .map(|(_, dir)| PathBuf::from(dir))
}

/// cfn-lint over some templates, with JSON output (one list of findings for all of them): the
/// command, for the caller to run or spawn.
pub fn cfn_lint_json(python: &std::path::Path) -> Command {
    let mut c = Command::new(python);
    c.args([
        "-c",
        "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())",
        "--format",
        "json",
        "--",
    ]);
    c
}

/// The tool, or `None` after printing why the test is skipped; under CI a missing tool panics.
pub fn or_skip<T>(found: Result<T, String>, what: &str) -> Option<T> {
    match found {
        Ok(t) => Some(t),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but {what} cannot run: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED: {what}: {why} (.ci/run sets SLSC_PYTHON)");
            None
        }
    }
}
