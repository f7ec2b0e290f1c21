//! The fuzzers' regression corpus (docs/fuzzing.md): every file under
//! `tests/fuzz_regressions/<target>/` goes through the same checks as the fuzz target `<target>`
//! (`tests/fuzz_common/mod.rs`, shared with `fuzz/fuzz_targets/`): no panic, and no hang (each
//! input gets [`LIMIT`], a failure signal for a hang, not a performance test).
//!
//! Files named `seed-*` are valid projects (the fuzzers' starting corpus): they must check
//! without errors, and under `build_targets/` build both targets with references checked, so
//! that the test cannot pass by checking nothing. Inputs of crashes found and not fixed yet are
//! listed in [`KNOWN`] and each has an `#[ignore]`d test named after it: run them with
//! `cargo test --test fuzz_regressions -- --ignored`; when one is fixed, remove it from
//! [`KNOWN`] and its test, and the main test replays it from then on.
//!
//! `SLSC_FUZZ_SHOW=<target>/<file> cargo test --test fuzz_regressions show -- --ignored
//! --nocapture` prints the project an input stands for (as a `#slsc-literal` input).

#[path = "fuzz_common/mod.rs"]
mod fuzz_common;

use fuzz_common::{Ctx, Outcome, TARGETS};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// The time one input may take before it counts as a hang (debug build included).
const LIMIT: Duration = Duration::from_secs(20);

/// Crashes found by the fuzzers and not fixed yet: `<target>/<file>` (docs/fuzzing.md,
/// "Runs and findings"), each with an ignored test below.
const KNOWN: &[&str] = &[
    // None open. Fixed (a literal `${` written to Terraform unescaped, compiler/emit/terraform.rs):
    // build_targets/tf-unescaped-{vpc-ids,jwt-audience,table-keys,cors,ttl} and the fuzzer's raw
    // inputs of four of them (`-raw`: choices replayed through the oracle's generator, so they
    // stand for the finding only while tests/oracle/gen.rs is unchanged).
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ctx() -> Ctx {
    static N: AtomicUsize = AtomicUsize::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "slsc-fuzz-regressions-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    Ctx::new(&root(), scratch)
}

/// Every regression input: (`<target>/<file>`, bytes), in name order.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for target in TARGETS {
        let dir = root().join("tests/fuzz_regressions").join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        for f in files.into_iter().filter(|f| f.is_file()) {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".md") {
                continue;
            }
            out.push((format!("{target}/{name}"), std::fs::read(&f).unwrap()));
        }
    }
    out
}

/// Runs one input on its own thread; `Err` says how it failed (a panic or a hang).
fn replay(id: &str, data: Vec<u8>) -> Result<Outcome, String> {
    let target = id.split('/').next().unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    let name = id.to_string();
    std::thread::Builder::new()
        .name(format!("replay {name}"))
        .spawn(move || {
            let ctx = ctx();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                fuzz_common::run(&target, &data, &ctx)
            }));
            let _ = std::fs::remove_dir_all(&ctx.scratch);
            let _ = tx.send(r.map_err(|p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".into())
            }));
        })
        .expect("thread starts");
    match rx.recv_timeout(LIMIT) {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(msg)) => Err(format!("{id}: panicked: {msg}")),
        Err(_) => Err(format!("{id}: still running after {LIMIT:?} (a hang?)")),
    }
}

#[test]
fn regression_inputs_pass_their_targets_checks() {
    let inputs = inputs();
    for k in KNOWN {
        assert!(
            inputs.iter().any(|(id, _)| id == k),
            "KNOWN lists `{k}`, which is not under tests/fuzz_regressions/"
        );
    }
    let mut failures = Vec::new();
    let mut seeds = 0;
    for (id, data) in inputs {
        if KNOWN.contains(&id.as_str()) {
            continue;
        }
        let is_seed = id.split('/').nth(1).is_some_and(|f| f.starts_with("seed-"));
        let r = replay(&id, data);
        if let Ok(o) = &r {
            eprintln!("{id}: {o:?}");
        }
        match r {
            Err(e) => failures.push(e),
            Ok(o) if is_seed => {
                seeds += 1;
                if !o.compiled || o.errors > 0 {
                    failures.push(format!("{id}: a seed must check without errors: {o:?}"));
                }
                if id.starts_with("build_targets/") && (o.built.len() != 2 || o.references == 0) {
                    failures.push(format!(
                        "{id}: a build_targets seed must build both targets with references checked: {o:?}"
                    ));
                }
            }
            Ok(_) => {}
        }
    }
    assert!(
        seeds >= TARGETS.len(),
        "expected seed-* inputs for every target under tests/fuzz_regressions/"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The checkers see dangling references (so a clean build is not clean by construction).
#[test]
fn the_reference_checkers_find_dangling_references() {
    let cfn = serde_json::json!({
        "Parameters": {"P": {"Type": "String"}},
        "Resources": {
            "A": {"Type": "AWS::SQS::Queue", "Properties": {
                "ok1": {"Ref": "P"}, "ok2": {"Ref": "AWS::Region"}, "ok3": {"Fn::GetAtt": ["A", "Arn"]},
                "ok4": {"Fn::Sub": "${A.Arn}:${AWS::Partition}:${P}:${!Literal}"},
                "ok5": {"Fn::Sub": ["${X}-${A}", {"X": {"Ref": "A"}}]},
                "bad1": {"Ref": "Missing"}, "bad2": {"Fn::GetAtt": ["P", "Arn"]},
                "bad3": {"Fn::Sub": "${Gone}"}, "bad4": {"Fn::Sub": "${P.Attr}"},
                "bad5": {"Fn::GetAtt": "Nope.Arn"}
            }, "DependsOn": ["A", "Z"]}
        }
    });
    let (problems, n) = fuzz_common::cloudformation_problems(&cfn);
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert!(n >= 12, "{n} references checked");

    let tf = serde_json::json!({
        "variable": {"v": {"description": "literal ${x} %{y}"}},
        "output": {"o": {"description": "literal ${x}", "value": "${var.gone}"}},
        "locals": {"l": "x"},
        "data": {"aws_partition": {"current": {}}},
        "resource": {"aws_sqs_queue": {"q": {
            "ok": "${aws_sqs_queue.q.arn}:${var.v}:${local.l}:${data.aws_partition.current.partition}:${path.module}:$${lit}:%%{lit}",
            "tags": {"${aws_sqs_queue.gone.arn}": "x"},
            "bad1": "${aws_sns_topic.t.arn}", "bad2": "${var.w}", "bad3": "%{ if true }x%{ endif }",
            "bad4": "${local.m", "bad5": ["${data.aws_region.current.name}"]
        }}}
    });
    let (problems, n) = fuzz_common::terraform_problems(&tf);
    // bad3 has two directives; the key and the output's value are problems too (not the
    // descriptions: literal text in Terraform JSON).
    assert_eq!(problems.len(), 8, "{problems:#?}");
    assert!(n >= 8, "{n} references checked");
}

/// The project text format round-trips and the tokenizer keeps character boundaries.
#[test]
fn the_project_format_and_the_mutations_hold_together() {
    let files = vec![
        ("a.sls".to_string(), b"app \"x\" {}\n".to_vec()),
        ("src/h.py".to_string(), b"def h(e, c):\n    pass\n".to_vec()),
    ];
    let opts = slsc::Options {
        stage: Some("prod".into()),
        vars: vec![("k".into(), "v=1".into())],
        ..Default::default()
    };
    let text = fuzz_common::join_project(&files, &opts);
    let (back, o) = fuzz_common::split_project(&text);
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].0, "a.sls");
    assert_eq!(back[1].1, "def h(e, c):\n    pass\n");
    assert_eq!(o.stage.as_deref(), Some("prod"));
    assert_eq!(o.vars, vec![("k".to_string(), "v=1".to_string())]);
    // Many mutations of every seed never split a character (they would panic).
    let ctx = ctx();
    for i in 0..300u32 {
        let data: Vec<u8> = (0..64)
            .map(|k| (i.wrapping_mul(2654435761).rotate_left(k) & 0xff) as u8)
            .collect();
        let (files, _) = fuzz_common::mutated(&data, &ctx);
        assert!(!files.is_empty());
        let (files, _) = fuzz_common::generated(&data, &ctx);
        assert!(files.iter().any(|(n, _)| n.ends_with(".sls")));
    }
    let _ = std::fs::remove_dir_all(&ctx.scratch);
}

/// Prints the project an input stands for: `SLSC_FUZZ_SHOW=<target>/<file>` (or a path).
#[test]
#[ignore]
fn show() {
    let Ok(which) = std::env::var("SLSC_FUZZ_SHOW") else {
        eprintln!("set SLSC_FUZZ_SHOW=<target>/<file> (or a path to a file, with the target as its folder)");
        return;
    };
    let p = Path::new(&which);
    let path = if p.is_file() {
        p.to_path_buf()
    } else {
        root().join("tests/fuzz_regressions").join(p)
    };
    let target = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let target = std::env::var("SLSC_FUZZ_TARGET").unwrap_or(target);
    let data = std::fs::read(&path).unwrap();
    let ctx = ctx();
    let text = match target.as_str() {
        "parse_check" => String::from_utf8_lossy(&data).to_string(),
        "mutate_project" => {
            let (files, opts) = fuzz_common::mutated(&data, &ctx);
            let files: Vec<(String, Vec<u8>)> = files
                .into_iter()
                .map(|(n, t)| (n, t.into_bytes()))
                .collect();
            fuzz_common::join_project(&files, &opts)
        }
        _ => {
            let (files, opts) = fuzz_common::generated(&data, &ctx);
            fuzz_common::join_project(&files, &opts)
        }
    };
    let _ = std::fs::remove_dir_all(&ctx.scratch);
    print!("#slsc-literal\n{text}");
}

/// One ignored test per entry of [`KNOWN`] (named after it), so open crashes stay visible.
macro_rules! known {
    ($($name:ident => $id:literal,)*) => {
        $(
            #[test]
            #[ignore = "a known crash found by fuzzing, not fixed yet (docs/fuzzing.md)"]
            fn $name() {
                assert!(KNOWN.contains(&$id), "{} is not in KNOWN", $id);
                let data = std::fs::read(root().join("tests/fuzz_regressions").join($id)).unwrap();
                if let Err(e) = replay($id, data) {
                    panic!("{e}");
                }
            }
        )*
    };
}

known! {}
