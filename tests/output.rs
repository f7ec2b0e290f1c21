//! Writing a build (`slsc build --out DIR`, compiler/output.rs): a reader sees the previous
//! build or the new one, whole; artifacts are verified before they are reused; cleanup removes
//! only what slsc wrote.

mod common;

use common::temp::Temp;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A project whose function code (and so artifact) and memory depend on `variant`.
fn variant(root: &Path, variant: usize) -> PathBuf {
    let dir = root.join(format!("v{variant}"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("main.sls"),
        format!(
            "app \"out\" {{\n  region = \"eu-west-1\"\n}}\n\nfunction \"api\" {{\n  handler     = \"index.handler\"\n  source      = \"src\"\n  memory      = {}\n  concurrency = 2\n}}\n",
            128 + 64 * variant
        ),
    )
    .unwrap();
    // Enough code that writing the zip takes a moment.
    let code: String = (0..2000)
        .map(|i| format!("export const v{i} = \"variant {variant} value {i}\";\n"))
        .collect();
    std::fs::write(dir.join("src/index.mjs"), code).unwrap();
    dir
}

fn build(project: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slsc"))
        .args([
            "build",
            project.to_str().unwrap(),
            "--target",
            "cloudformation",
            "--out",
        ])
        .arg(out)
        .env("SLSC_TODAY", common::TODAY)
        .output()
        .unwrap()
}

fn template(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("template.json")).unwrap())
        .expect("template.json is whole, valid JSON")
}

fn artifact_key(t: &Value) -> String {
    t["Resources"]["ApiFunction"]["Properties"]["Code"]["S3Key"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every file under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    common::build::files_under(dir)
        .into_iter()
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

#[test]
fn concurrent_builds_of_different_variants_leave_one_whole_variant() {
    let tmp = Temp::new("concurrent");
    let variants: Vec<PathBuf> = (0..8).map(|v| variant(tmp.path(), v)).collect();
    // What each variant builds on its own.
    let alone: Vec<Value> = variants
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let out = tmp.path().join(format!("alone{i}"));
            assert!(build(p, &out).status.success());
            template(&out)
        })
        .collect();
    let out = tmp.path().join("shared-out");
    for round in 0..4 {
        let children: Vec<_> = variants
            .iter()
            .map(|p| {
                Command::new(env!("CARGO_BIN_EXE_slsc"))
                    .args([
                        "build",
                        p.to_str().unwrap(),
                        "--target",
                        "cloudformation",
                        "--out",
                    ])
                    .arg(&out)
                    .env("SLSC_TODAY", common::TODAY)
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(
                o.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let t = template(&out);
        assert!(
            alone.contains(&t),
            "round {round}: the template is not one whole variant"
        );
        let key = artifact_key(&t);
        let files = listing(&out);
        let artifacts: Vec<&String> = files
            .iter()
            .filter(|f| f.starts_with("artifacts/"))
            .collect();
        assert_eq!(
            artifacts,
            [&key],
            "round {round}: exactly the variant's artifact: {files:?}"
        );
        assert!(
            files.iter().all(|f| !f.contains(".slsc-tmp-")),
            "round {round}: no temporary file left: {files:?}"
        );
    }
}

#[test]
fn a_truncated_or_edited_artifact_is_replaced_on_rebuild() {
    let tmp = Temp::new("truncated");
    let p = variant(tmp.path(), 1);
    let out = tmp.path().join("out");
    assert!(build(&p, &out).status.success());
    let key = artifact_key(&template(&out));
    let good = std::fs::read(out.join(&key)).unwrap();
    for damage in [
        good[..good.len() / 2].to_vec(),
        Vec::new(),
        b"not a zip at all".to_vec(),
    ] {
        std::fs::write(out.join(&key), &damage).unwrap();
        assert!(build(&p, &out).status.success());
        assert_eq!(std::fs::read(out.join(&key)).unwrap(), good, "repaired");
    }
}

#[test]
fn a_build_killed_while_writing_leaves_the_previous_build_intact() {
    let tmp = Temp::new("killed");
    let first = variant(tmp.path(), 1);
    let out = tmp.path().join("out");
    assert!(build(&first, &out).status.success());
    let before_template = std::fs::read(out.join("template.json")).unwrap();
    let before = listing(&out);
    // The second variant's files cannot be written past 4 KB (the zip is larger): the process
    // is killed by SIGXFSZ mid-write, as by a full disk or a kill.
    let second = variant(tmp.path(), 2);
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f 4 && exec \"{}\" build \"{}\" --target cloudformation --out \"{}\"",
            env!("CARGO_BIN_EXE_slsc"),
            second.display(),
            out.display()
        ))
        .env("SLSC_TODAY", common::TODAY)
        .output()
        .unwrap();
    assert!(!o.status.success(), "the limited build must fail");
    assert_eq!(
        std::fs::read(out.join("template.json")).unwrap(),
        before_template
    );
    let key = artifact_key(&template(&out));
    assert!(
        out.join(&key).is_file(),
        "the previous build's artifact is still there"
    );
    // The next build cleans up what the killed one left and writes a whole build.
    assert!(build(&second, &out).status.success());
    let files = listing(&out);
    assert!(files.iter().all(|f| !f.contains(".slsc-tmp-")), "{files:?}");
    assert_ne!(files, before);
}

#[test]
fn cleanup_removes_only_what_slsc_wrote() {
    let tmp = Temp::new("cleanup");
    let p = variant(tmp.path(), 1);
    // The project keeps a prebuilt zip in the folder it builds into.
    let out = p.clone();
    std::fs::create_dir_all(out.join("artifacts")).unwrap();
    std::fs::write(
        out.join("artifacts/vendor-lib.zip"),
        b"PK\x03\x04 a user's zip",
    )
    .unwrap();
    std::fs::write(
        out.join("artifacts/notes-0123456789abcdef.zip"),
        b"PK\x03\x04 named like ours",
    )
    .unwrap();
    assert!(build(&p, &out).status.success());
    let first_key = artifact_key(&template(&out));
    // A changed function: its old artifact is slsc's and goes; the user's zips stay.
    let code = std::fs::read_to_string(p.join("src/index.mjs")).unwrap() + "export const x = 1;\n";
    std::fs::write(p.join("src/index.mjs"), code).unwrap();
    assert!(build(&p, &out).status.success());
    let files = listing(&out);
    assert!(!files.contains(&first_key), "{files:?}");
    assert!(
        files.contains(&"artifacts/vendor-lib.zip".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"artifacts/notes-0123456789abcdef.zip".to_string()),
        "{files:?}"
    );
}

#[test]
fn a_directory_without_a_manifest_loses_only_slsc_artifacts() {
    let tmp = Temp::new("legacy");
    let p = variant(tmp.path(), 1);
    let out = tmp.path().join("out");
    assert!(build(&p, &out).status.success());
    let old_key = artifact_key(&template(&out));
    // As an older slsc left it: no manifest.
    std::fs::remove_file(out.join(slsc::output::MANIFEST)).unwrap();
    std::fs::write(
        out.join("artifacts/user-0123456789abcdef.zip"),
        b"PK\x03\x04 user",
    )
    .unwrap();
    let code = std::fs::read_to_string(p.join("src/index.mjs")).unwrap() + "export const y = 2;\n";
    std::fs::write(p.join("src/index.mjs"), code).unwrap();
    assert!(build(&p, &out).status.success());
    let files = listing(&out);
    assert!(
        !files.contains(&old_key),
        "slsc's own stale artifact removed: {files:?}"
    );
    assert!(
        files.contains(&"artifacts/user-0123456789abcdef.zip".to_string()),
        "{files:?}"
    );
}
