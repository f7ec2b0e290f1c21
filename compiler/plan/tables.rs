//! The replacement tables: which property changes make each target replace a resource.
//!
//! Kept as data, one file per target (`replace_cloudformation.json`, `replace_terraform.json`,
//! rendered into docs/plan.md), so a reviewer can check a row against its source without
//! reading code. `tests/plan_tables.rs` checks the CloudFormation table against the
//! create-only properties of the resource schemas cfn-lint ships.

use crate::emit::Target;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What a resource type's changes do.
#[derive(Debug, Deserialize, Default)]
pub struct TypeRule {
    /// Properties whose change replaces the resource.
    #[serde(default)]
    pub replace: Vec<String>,
    /// Property → another property: the first replaces only when the second changes too
    /// (DynamoDB's key AttributeDefinitions change together with its KeySchema).
    #[serde(default)]
    pub replace_with: BTreeMap<String, String>,
    /// The property holding the explicit physical name.
    #[serde(default)]
    pub name: Option<String>,
    /// The data the resource holds: `database`, `bucket` or `queue`.
    #[serde(default)]
    pub store: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    /// Changes that replace only in some cases (documented, not acted on).
    #[serde(default)]
    pub conditional: Vec<String>,
    /// Terraform: the type takes tags (the provider's `default_tags` apply to it).
    #[serde(default)]
    pub tags: bool,
}

/// One target's table.
#[derive(Debug, Deserialize)]
pub struct Table {
    pub target: String,
    pub about: String,
    pub sources: BTreeMap<String, String>,
    pub resources: BTreeMap<String, TypeRule>,
}

pub const CLOUDFORMATION_JSON: &str = include_str!("replace_cloudformation.json");
pub const TERRAFORM_JSON: &str = include_str!("replace_terraform.json");

/// The table of a target.
pub fn table(target: Target) -> &'static Table {
    static CFN: OnceLock<Table> = OnceLock::new();
    static TF: OnceLock<Table> = OnceLock::new();
    let (cell, text) = match target {
        Target::CloudFormation => (&CFN, CLOUDFORMATION_JSON),
        Target::Terraform => (&TF, TERRAFORM_JSON),
    };
    cell.get_or_init(|| serde_json::from_str(text).expect("the bundled replacement table parses"))
}

static EMPTY: TypeRule = TypeRule {
    replace: Vec::new(),
    replace_with: BTreeMap::new(),
    name: None,
    store: None,
    source: None,
    conditional: Vec::new(),
    tags: false,
};

/// The rule of a resource type (an empty rule for a type the table does not list).
pub fn rule(target: Target, type_: &str) -> &'static TypeRule {
    table(target).resources.get(type_).unwrap_or(&EMPTY)
}

/// docs/plan.md's tables section, generated from the data (a test keeps the page in sync).
pub fn markdown() -> String {
    let mut s = String::new();
    for target in [Target::CloudFormation, Target::Terraform] {
        let t = table(target);
        s.push_str(&format!("### {}\n\n{}\n\n", t.target, t.about));
        for (k, v) in &t.sources {
            s.push_str(&format!("- *{k}*: {v}\n"));
        }
        s.push_str(
            "\n| resource type | replaced when these change | explicit name | holds data | source |\n",
        );
        s.push_str("|---|---|---|---|---|\n");
        for (ty, r) in &t.resources {
            let mut rep: Vec<String> = r.replace.iter().map(|p| format!("`{p}`")).collect();
            for (p, with) in &r.replace_with {
                rep.push(format!("`{p}` (with `{with}`)"));
            }
            for c in &r.conditional {
                rep.push(format!("{c} (conditional, not acted on)"));
            }
            s.push_str(&format!(
                "| `{ty}` | {} | {} | {} | {} |\n",
                rep.join(", "),
                r.name
                    .as_deref()
                    .map(|n| format!("`{n}`"))
                    .unwrap_or_default(),
                r.store.as_deref().unwrap_or(""),
                r.source.as_deref().unwrap_or(""),
            ));
        }
        s.push('\n');
    }
    s
}
