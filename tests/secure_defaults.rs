//! The security defaults of docs/security.md, on applications deployed before them: the plan
//! from a template built before the defaults existed (tests/fixtures/plan/before_secure_defaults,
//! the examples' templates and the every-feature project's at that commit) to today's output
//! shows them as in-place updates and creations — nothing replaced, no data loss, nothing
//! blocked.

// `tests/every_feature.rs` declares `mod common;` too.
#![allow(clippy::duplicate_mod)]

mod common;

#[allow(dead_code)]
#[path = "every_feature.rs"]
mod every_feature;

use slsc::emit::Target;
use slsc::plan::{diff, Action, Owners, Snapshot};

fn plan_from_old(name: &str, project: &std::path::Path) -> slsc::plan::Plan {
    plan_from_old_for(Target::CloudFormation, name, project)
}

fn plan_from_old_for(target: Target, name: &str, project: &std::path::Path) -> slsc::plan::Plan {
    let opts = slsc::Options {
        today: common::TODAY.into(),
        ..Default::default()
    };
    let c = slsc::compile(project, &opts).unwrap();
    assert_eq!(c.errors(), 0, "{name} compiles");
    let tmp = common::temp::Temp::new(&format!("secure-{name}"));
    let built =
        slsc::emit::build(&c, target, tmp.path()).unwrap_or_else(|_| panic!("{name} builds"));
    let head = Snapshot::from_build(&c, target, &built).unwrap();
    let ext = if target == Target::Terraform {
        "tf.json"
    } else {
        "json"
    };
    let old = common::root().join(format!(
        "tests/fixtures/plan/before_secure_defaults/{name}.{ext}"
    ));
    let old: serde_json::Value = serde_json::from_slice(&std::fs::read(old).unwrap()).unwrap();
    let owners = Owners::of_model(c.model.as_ref().unwrap(), target);
    let base = Snapshot::from_document(target, &old, &owners).unwrap();
    diff(&base, &head)
}

fn assert_in_place(name: &str, plan: &slsc::plan::Plan) {
    let bad: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Replace || c.data_loss || c.blocked.is_some())
        .filter(|c| c.action != Action::Delete || c.data_loss)
        .map(|c| format!("{} {} ({})", c.action.as_str(), c.address, c.logical_id))
        .collect();
    assert!(
        bad.is_empty(),
        "{name}: the new defaults must be in-place updates, got:\n  {}",
        bad.join("\n  ")
    );
}

/// The change of a resource, by logical ID.
fn change<'p>(plan: &'p slsc::plan::Plan, id: &str) -> &'p slsc::plan::Change {
    plan.changes
        .iter()
        .find(|c| c.logical_id == id)
        .unwrap_or_else(|| panic!("no change to {id}"))
}

fn changed_paths(c: &slsc::plan::Change) -> Vec<&str> {
    c.properties.iter().map(|p| p.path.as_str()).collect()
}

#[test]
fn the_examples_take_the_new_defaults_in_place() {
    for ex in ["chat", "media", "signup", "webhooks"] {
        let plan = plan_from_old(ex, &common::root().join("examples").join(ex));
        assert_in_place(ex, &plan);
    }
    // What changes: media's topic is encrypted (its alarm topics are not: CloudWatch cannot
    // publish with the AWS-managed key); signup's bucket is versioned with a lifecycle and its
    // HTTP API's stage logs requests to a new log group.
    let plan = plan_from_old("media", &common::root().join("examples/media"));
    let topic = change(&plan, "MediaReadyTopic");
    assert_eq!(topic.action, Action::Update);
    assert!(changed_paths(topic)
        .iter()
        .any(|p| p.contains("KmsMasterKeyId")));
    let plan = plan_from_old("signup", &common::root().join("examples/signup"));
    let stage = change(&plan, "HttpApiStage");
    assert_eq!(stage.action, Action::Update);
    assert!(changed_paths(stage)
        .iter()
        .any(|p| p.contains("AccessLogSettings")));
    assert_eq!(change(&plan, "HttpApiAccessLogs").action, Action::Create);
    let bucket = plan
        .changes
        .iter()
        .find(|c| c.type_ == "AWS::S3::Bucket")
        .expect("signup's bucket is updated");
    assert_eq!(bucket.action, Action::Update);
    assert!(changed_paths(bucket)
        .iter()
        .any(|p| p.contains("VersioningConfiguration")));
    assert!(changed_paths(bucket)
        .iter()
        .any(|p| p.contains("LifecycleConfiguration")));
}

#[test]
fn customer_keys_on_a_deployed_app_are_in_place_too() {
    // The every-feature project now also sets `kms_key` on a queue, topic, table, stream,
    // bucket and function: switching deployed data to a customer key replaces nothing.
    let p = every_feature::every_feature_project(common::TODAY);
    let tmp = common::temp::Temp::new("secure-every");
    p.write(tmp.path());
    let plan = plan_from_old("every_feature", tmp.path());
    assert_in_place("every_feature", &plan);
    let table = change(&plan, "ArchiveTable");
    assert!(changed_paths(table)
        .iter()
        .any(|p| p.contains("SSESpecification")));
}

#[test]
fn explain_security_prints_every_setting_and_the_docs_cover_each_check() {
    let out = common::run(&["explain", "security"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let checkov = std::fs::read_to_string(common::root().join("docs/checkov.md")).unwrap();
    let security = std::fs::read_to_string(common::root().join("docs/security.md")).unwrap();
    for s in slsc::model::profile::SETTINGS {
        assert!(
            text.contains(&format!("{} ({})", s.attribute, s.on)),
            "{}",
            s.attribute
        );
        // Every check a setting answers has its row in docs/checkov.md.
        for id in s.checks.split(", ") {
            assert!(
                checkov.contains(&format!("| {id} ")) || checkov.contains(&format!(", {id} ")),
                "docs/checkov.md has no row for {id}"
            );
        }
        let attr = s.attribute.trim_matches(|c| c == '(' || c == ')');
        assert!(
            security.contains(attr) || attr == "SSE-SQS" && security.contains("SSE-SQS"),
            "docs/security.md does not mention {attr}"
        );
    }
}

#[test]
fn terraform_takes_the_new_defaults_in_place_too() {
    for ex in ["chat", "media", "signup", "webhooks"] {
        let plan = plan_from_old_for(
            Target::Terraform,
            ex,
            &common::root().join("examples").join(ex),
        );
        assert_in_place(ex, &plan);
    }
    // signup's bucket gains a lifecycle configuration (versioning was on already there);
    // media's topic is encrypted in place.
    let plan = plan_from_old_for(
        Target::Terraform,
        "media",
        &common::root().join("examples/media"),
    );
    let topic = change(&plan, "aws_sns_topic.media_ready");
    assert_eq!(topic.action, Action::Update);
    let plan = plan_from_old_for(
        Target::Terraform,
        "signup",
        &common::root().join("examples/signup"),
    );
    assert!(plan
        .changes
        .iter()
        .any(|c| c.type_ == "aws_s3_bucket_lifecycle_configuration" && c.action == Action::Create));
}
