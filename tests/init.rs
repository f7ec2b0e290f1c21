//! `slsc init`: the new project checks clean (no error, no warning), builds for both targets,
//! plans against itself with no changes, and init refuses to touch an existing project.

mod common;

use common::temp::Temp;
use serde_json::Value;

#[test]
fn a_new_project_checks_clean_and_builds() {
    let tmp = Temp::new("init");
    let dir = tmp.path().join("Order-Service 2");
    let o = common::slsc(&["init", dir.to_str().unwrap()], tmp.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("created app \"order_service_2\""));
    for f in [
        "app.sls",
        "api.sls",
        "worker.sls",
        "src/submit.mjs",
        "src/worker.mjs",
        ".gitignore",
    ] {
        assert!(dir.join(f).is_file(), "{f} is written");
    }
    let o = common::slsc(
        &["check", dir.to_str().unwrap(), "--format", "json"],
        tmp.path(),
    );
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (j["errors"].as_u64(), j["warnings"].as_u64()),
        (Some(0), Some(0)),
        "{j}"
    );
    for target in ["cloudformation", "terraform"] {
        let o = common::slsc(
            &["build", dir.to_str().unwrap(), "--target", target],
            tmp.path(),
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = common::slsc(
        &[
            "plan",
            dir.to_str().unwrap(),
            "--base",
            dir.to_str().unwrap(),
            "--detailed-exitcode",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0));

    // A second init in the same directory refuses, and changes nothing.
    let before = std::fs::read_to_string(dir.join("app.sls")).unwrap();
    let o = common::slsc(&["init", dir.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already holds .sls files"));
    assert_eq!(
        std::fs::read_to_string(dir.join("app.sls")).unwrap(),
        before
    );
}

#[test]
fn app_names_follow_the_naming_rule() {
    assert_eq!(slsc::init::app_name("My-Shop"), "my_shop");
    assert_eq!(slsc::init::app_name("2fast"), "app_2fast");
    assert_eq!(slsc::init::app_name("--a--b--"), "a_b");
    assert_eq!(slsc::init::app_name("ÜberApp"), "berapp");
    assert!(slsc::init::app_name(&"x".repeat(80)).len() <= 40);
}

#[test]
fn a_new_project_is_formatted_whatever_its_name() {
    for name in [
        "a",
        "order-service",
        "a_much_longer_name_for_the_service_xyz",
    ] {
        let tmp = Temp::new("init-fmt");
        let dir = tmp.path().join(name);
        let o = common::slsc(&["init", dir.to_str().unwrap()], tmp.path());
        assert_eq!(o.status.code(), Some(0));
        let o = common::slsc(&["fmt", dir.to_str().unwrap(), "--check"], tmp.path());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
