//! The plan's data: the replacement tables (compiler/plan/replace_*.json) and the ownership of
//! resources.
//!
//! - Every resource type the every-feature projects emit (both targets) has a row in its
//!   target's table, and every row is a type slsc emits.
//! - The CloudFormation table holds every create-only property of the resource schemas cfn-lint
//!   ships (cfn-lint found through `SLSC_PYTHON`, as in tests/iam_actions.rs; skipped with a
//!   message when absent, except under CI).
//! - Every resource of the every-feature builds is owned by a block of the project (no resource
//!   falls back to a guessed owner), and a project planned against itself has no changes.
//! - docs/plan.md's tables are generated from the data (`SLSC_UPDATE_DOCS=1` rewrites them).

// `tests/every_feature.rs` declares `mod common;` too.
#![allow(clippy::duplicate_mod)]

mod common;

#[allow(dead_code)]
#[path = "every_feature.rs"]
mod every_feature;

use serde_json::Value;
use slsc::emit::Target;
use slsc::plan::{tables, Snapshot};
use std::collections::{BTreeMap, BTreeSet};

/// The every-feature projects compiled and built for `target`: (compilation, snapshot).
fn every_feature_snapshots(target: Target) -> Vec<(slsc::Compilation, Snapshot)> {
    let tmp = common::temp::Temp::new("plan-tables");
    let mut out = Vec::new();
    for p in [
        every_feature::every_feature_project(common::TODAY),
        every_feature::cors_true_project(),
    ] {
        let dir = tmp.path().join(p.name);
        p.write(&dir);
        let opts = slsc::Options {
            today: common::TODAY.into(),
            ..Default::default()
        };
        let c = slsc::compile(&dir, &opts).unwrap();
        assert_eq!(c.errors(), 0, "{} compiles", p.name);
        let built = slsc::emit::build(&c, target, &dir.join(".slsc"))
            .unwrap_or_else(|_| panic!("{} builds", p.name));
        let snap = Snapshot::from_build(&c, target, &built).unwrap();
        out.push((c, snap));
    }
    out
}

#[test]
fn every_emitted_type_has_a_row_and_every_row_is_emitted() {
    for target in [Target::CloudFormation, Target::Terraform] {
        // Raw resources (the escape hatch) have any type: the plan says it does not know them.
        let emitted: BTreeSet<String> = every_feature_snapshots(target)
            .iter()
            .flat_map(|(_, s)| s.resources.values())
            .filter(|r| !r.owner.starts_with("resource."))
            .map(|r| r.type_.clone())
            .collect();
        let rows: BTreeSet<String> = tables::table(target).resources.keys().cloned().collect();
        let missing: Vec<_> = emitted.difference(&rows).collect();
        let extra: Vec<_> = rows.difference(&emitted).collect();
        assert!(
            missing.is_empty(),
            "{}: types without a replacement row: {missing:?}",
            target.as_str()
        );
        assert!(
            extra.is_empty(),
            "{}: rows for types slsc does not emit: {extra:?}",
            target.as_str()
        );
    }
}

#[test]
fn every_resource_has_its_block_as_owner() {
    for target in [Target::CloudFormation, Target::Terraform] {
        for (c, snap) in every_feature_snapshots(target) {
            let model = c.model.as_ref().unwrap();
            let mut blocks: BTreeSet<String> = model.blocks.iter().map(|b| b.addr()).collect();
            blocks.insert("http.api".into());
            blocks.insert("websocket.api".into());
            for (id, r) in &snap.resources {
                assert!(
                    blocks.contains(&r.owner),
                    "{}: {id} ({}) is owned by `{}`, which is not a block",
                    target.as_str(),
                    r.type_,
                    r.owner
                );
            }
            let plan = slsc::plan::diff(&snap, &snap);
            assert!(plan.is_empty(), "a project against itself has no changes");
        }
    }
}

#[test]
fn the_cloudformation_table_holds_every_create_only_property_of_the_schemas() {
    let Some(dir) = common::python::or_skip(
        common::python::cfn_lint_dir(),
        "the create-only property check (cfn-lint's resource schemas)",
    ) else {
        return;
    };
    let dir = dir.join("data").join("schemas");
    let index: BTreeMap<String, String> = serde_json::from_slice(
        &std::fs::read(dir.join("providers").join("us-east-1.json")).expect("the schema index"),
    )
    .unwrap();
    for (type_, rule) in &tables::table(Target::CloudFormation).resources {
        let hash = index
            .get(type_)
            .unwrap_or_else(|| panic!("cfn-lint has no schema for {type_}"));
        let schema: Value = serde_json::from_slice(
            &std::fs::read(dir.join("resources").join(format!("{hash}.json"))).unwrap(),
        )
        .unwrap();
        let create_only: BTreeSet<String> = schema["createOnlyProperties"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .filter_map(|p| p.strip_prefix("/properties/"))
                    // A nested path's top-level property replaces the resource too.
                    .map(|p| p.split('/').next().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let ours: BTreeSet<String> = rule.replace.iter().cloned().collect();
        let missing: Vec<_> = create_only.difference(&ours).collect();
        assert!(
            missing.is_empty(),
            "{type_}: create-only in the schema but not in replace_cloudformation.json: {missing:?}"
        );
        if let Some(name) = &rule.name {
            assert!(
                ours.contains(name),
                "{type_}: its name property {name} replaces"
            );
        }
    }
}

#[test]
fn docs_plan_md_shows_the_tables() {
    const BEGIN: &str = "<!-- tables: generated from compiler/plan/replace_*.json -->\n";
    const END: &str = "<!-- end of tables -->\n";
    let path = common::root().join("docs/plan.md");
    let page = std::fs::read_to_string(&path).unwrap();
    let (Some(b), Some(e)) = (page.find(BEGIN), page.find(END)) else {
        panic!("docs/plan.md has no generated tables section");
    };
    let want = format!("{}{BEGIN}{}{}", &page[..b], tables::markdown(), &page[e..]);
    if want != page {
        if std::env::var_os("SLSC_UPDATE_DOCS").is_some() {
            std::fs::write(&path, want).unwrap();
        } else {
            panic!("docs/plan.md's tables are stale: run SLSC_UPDATE_DOCS=1 cargo test --test plan_tables");
        }
    }
}
