//! Every IAM action of the grant table (`slsc::emit::iam::all_actions()`) exists in AWS's IAM
//! action list, as shipped by cfn-lint (`data/AdditionalSpecs/Policies.json`).
//!
//! The file is found through `SLSC_CFN_LINT_POLICIES` (its path), else through `SLSC_PYTHON` (a
//! python with cfn-lint installed, asked where cfn-lint lives). `.ci/run` sets both. Without
//! either, the test is skipped with a message — except under CI (`CI` set), where a missing
//! file fails.

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Where Policies.json is, or why it cannot be found.
fn policies_path() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("SLSC_CFN_LINT_POLICIES").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "SLSC_CFN_LINT_POLICIES={} is not a file",
                p.display()
            ))
        };
    }
    if std::env::var_os("SLSC_PYTHON").is_some_and(|p| !p.is_empty()) {
        let p = common::python::cfn_lint_dir()?
            .join("data")
            .join("AdditionalSpecs")
            .join("Policies.json");
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("cfn-lint has no {}", p.display()))
        };
    }
    Err("neither SLSC_CFN_LINT_POLICIES (the path of cfn-lint's data/AdditionalSpecs/Policies.json) \
         nor SLSC_PYTHON (a python with cfn-lint installed) is set"
        .to_string())
}

/// Loads the IAM action list: service prefix → action names, all lower case.
fn load() -> Option<BTreeMap<String, BTreeSet<String>>> {
    let path = common::python::or_skip(
        policies_path(),
        "the IAM action check (cfn-lint's Policies.json; see docs/cfn-lint.md)",
    )?;
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let json: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let services = json
        .as_object()
        .unwrap_or_else(|| panic!("{}: expected an object of services", path.display()));
    let mut out = BTreeMap::new();
    for (prefix, service) in services {
        let actions: BTreeSet<String> = service
            .get("Actions")
            .and_then(Value::as_object)
            .map(|a| a.keys().map(|k| k.to_ascii_lowercase()).collect())
            .unwrap_or_default();
        out.insert(prefix.to_ascii_lowercase(), actions);
    }
    // A wrong file (or a changed format) must not pass vacuously.
    assert!(
        out.len() > 100 && out.get("sqs").is_some_and(|a| a.contains("sendmessage")),
        "{} does not look like AWS's IAM action list ({} services)",
        path.display(),
        out.len()
    );
    Some(out)
}

#[test]
fn every_action_of_the_grant_table_exists_in_aws_iam() {
    let Some(list) = load() else { return };
    let actions = slsc::emit::iam::all_actions();
    assert!(!actions.is_empty(), "the grant table has no actions");
    let mut unknown = Vec::new();
    for action in &actions {
        let Some((service, name)) = action.split_once(':') else {
            unknown.push(format!("{action} (not SERVICE:Action)"));
            continue;
        };
        if name.contains('*') {
            unknown.push(format!("{action} (a wildcard: slsc never generates one)"));
            continue;
        }
        match list.get(&service.to_ascii_lowercase()) {
            None => unknown.push(format!("{action} (no IAM service `{service}`)")),
            Some(names) if !names.contains(&name.to_ascii_lowercase()) => {
                unknown.push(format!("{action} (no such action in `{service}`)"))
            }
            Some(_) => {}
        }
    }
    assert!(
        unknown.is_empty(),
        "actions of the grant table (compiler/emit/iam.rs) that AWS's IAM action list does not have:\n  {}",
        unknown.join("\n  ")
    );
}

#[test]
fn a_misspelled_action_would_be_caught() {
    let Some(list) = load() else { return };
    let sqs = &list["sqs"];
    assert!(sqs.contains("sendmessage"));
    assert!(!sqs.contains("sendmesage"));
    assert!(!list.contains_key("not-a-service"));
}
