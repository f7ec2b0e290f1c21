//! Shared helpers of the `build` end-to-end tests (`tests/build.rs`, `tests/terraform.rs`):
//! running `slsc build`, reading what it wrote, and the determinism checks (two builds, a copy
//! in another folder, touched mtimes, other working directories).
#![allow(dead_code)]

use super::temp::Temp;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

pub const TF: &str = "terraform";
pub const CF: &str = "cloudformation";

/// What a build wrote: the main file (`main.tf.json` / `template.json`) and the artifacts by
/// relative path (`artifacts/x.zip`).
#[derive(PartialEq, Eq)]
pub struct Built {
    pub main: Vec<u8>,
    pub artifacts: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("main", &format!("{} bytes", self.main.len()))
            .field(
                "artifacts",
                &self
                    .artifacts
                    .iter()
                    .map(|(k, v)| format!("{k} ({} bytes)", v.len()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The exit code, stdout and stderr of a run, for failure messages.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The main file a target writes.
pub fn main_file(target: &str) -> &'static str {
    if target == TF {
        "main.tf.json"
    } else {
        "template.json"
    }
}

/// Runs `slsc build PROJECT --target TARGET [--out OUT]` in `cwd`.
pub fn run_build(project: &str, target: &str, out: Option<&Path>, cwd: &Path) -> Output {
    let mut args = vec!["build", project, "--target", target];
    let out_s;
    if let Some(o) = out {
        out_s = o.to_str().unwrap().to_string();
        args.push("--out");
        args.push(&out_s);
    }
    super::slsc(&args, cwd)
}

/// Builds the project in `dir` for `target` through the binary (into `dir/<target>`), asserting
/// that it succeeds; the main file's JSON.
pub fn main_json(dir: &Path, target: &str) -> serde_json::Value {
    let out = dir.join(target);
    let o = run_build(".", target, Some(&out), dir);
    assert!(o.status.success(), "slsc build: {}", text(&o));
    let main = std::fs::read(out.join(main_file(target))).unwrap();
    serde_json::from_slice(&main).unwrap()
}

/// Reads an output directory, which must hold the main file, `artifacts/*.zip`, the lock file
/// and the manifest (which lists exactly the main file and the artifacts) only.
pub fn read_out(out: &Path, target: &str) -> Built {
    let main_name = main_file(target);
    let main = std::fs::read(out.join(main_name))
        .unwrap_or_else(|e| panic!("{}/{main_name}: {e}", out.display()));
    let mut top: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    let mut expected = vec![
        "artifacts".to_string(),
        main_name.to_string(),
        ".slsc-lock".to_string(),
        slsc::output::MANIFEST.to_string(),
    ];
    expected.sort();
    assert_eq!(top, expected, "unexpected files in {}", out.display());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(slsc::output::MANIFEST)).unwrap()).unwrap();
    let mut artifacts = BTreeMap::new();
    for e in std::fs::read_dir(out.join("artifacts")).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(
            name.ends_with(".zip") && e.file_type().unwrap().is_file(),
            "unexpected entry artifacts/{name}"
        );
        artifacts.insert(
            format!("artifacts/{name}"),
            std::fs::read(e.path()).unwrap(),
        );
    }
    let mut listed: Vec<String> = artifacts.keys().cloned().collect();
    listed.push(main_name.to_string());
    listed.sort();
    assert_eq!(
        manifest,
        serde_json::json!({ "files": listed }),
        "the manifest lists what was written"
    );
    Built { main, artifacts }
}

/// Builds a project (a path as given on the command line, relative to `cwd`) into `out`, which
/// must succeed.
pub fn build_in(project: &str, target: &str, out: &Path, cwd: &Path) -> Built {
    let o = run_build(project, target, Some(out), cwd);
    assert!(
        o.status.success(),
        "slsc build {project} --target {target} failed:\n{}",
        text(&o)
    );
    read_out(out, target)
}

/// Builds a project directory (absolute path) into a fresh temporary directory.
pub fn build(project: &Path, target: &str) -> Built {
    let tmp = Temp::new("out");
    let out = tmp.path().join("out");
    build_in(project.to_str().unwrap(), target, &out, super::root())
}

/// The example projects: every directory of `examples/` whose `.sls` files declare an `app`.
pub fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(super::root().join("examples"))
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            // A project: a .sls file declares `app` (not examples/policies/).
            super::declares_app(&e.path()).then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no examples found");
    v
}

pub fn example_dir(name: &str) -> PathBuf {
    super::root().join("examples").join(name)
}

pub fn shop_dir() -> PathBuf {
    super::root().join("tests/fixtures/build/shop")
}

pub fn golden_dir() -> PathBuf {
    super::root().join("tests/golden")
}

/// Copies a project (keeping file permissions on Unix), leaving out earlier build outputs
/// (`.slsc/`).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == ".slsc" {
            continue;
        }
        let ty = e.file_type().unwrap();
        let dest = to.join(&name);
        if ty.is_dir() {
            copy_tree(&e.path(), &dest);
        } else if ty.is_file() {
            std::fs::copy(e.path(), &dest).unwrap();
            #[cfg(unix)]
            std::fs::set_permissions(&dest, std::fs::metadata(e.path()).unwrap().permissions())
                .unwrap();
        }
    }
}

/// Every regular file under a directory.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let ty = e.file_type().unwrap();
        if ty.is_dir() {
            v.extend(files_under(&e.path()));
        } else if ty.is_file() {
            v.push(e.path());
        }
    }
    v.sort();
    v
}

pub fn set_mtime(path: &Path, t: SystemTime) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(t).unwrap();
}

/// The first differing line of two texts, with context, for readable failures.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let i = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = i.saturating_sub(3);
    let show = |v: &[&str]| {
        v.iter()
            .enumerate()
            .skip(from)
            .take(i - from + 4)
            .map(|(n, l)| format!("{:>6} | {l}", n + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "first difference at line {} ({} lines expected, {} actual)\n--- expected\n{}\n--- actual\n{}",
        i + 1,
        e.len(),
        a.len(),
        show(&e),
        show(&a)
    )
}

// ---------------------------------------------------------------------------------------------
// Determinism checks.
// ---------------------------------------------------------------------------------------------

/// Two builds are byte-identical: the main file (`main_name` in the message) and every artifact.
pub fn assert_same(what: &str, main_name: &str, a: &Built, b: &Built) {
    if a.main != b.main {
        panic!(
            "{what}: {main_name} differs\n{}",
            first_difference(
                &String::from_utf8_lossy(&a.main),
                &String::from_utf8_lossy(&b.main)
            )
        );
    }
    assert_eq!(
        a.artifacts.keys().collect::<Vec<_>>(),
        b.artifacts.keys().collect::<Vec<_>>(),
        "{what}: artifact names differ"
    );
    for (k, v) in &a.artifacts {
        assert!(v == &b.artifacts[k], "{what}: {k} differs");
    }
}

/// Two builds, and two builds into the same `--out`, give identical bytes.
pub fn check_two_builds(name: &str, dir: &Path, target: &str) {
    let same = |what: &str, a: &Built, b: &Built| assert_same(what, main_file(target), a, b);
    let a = build(dir, target);
    let b = build(dir, target);
    same(&format!("{name}: two builds"), &a, &b);
    // Building again into the same directory changes nothing either.
    let tmp = Temp::new("same-out");
    let out = tmp.path().join("out");
    let c = build_in(dir.to_str().unwrap(), target, &out, super::root());
    let d = build_in(dir.to_str().unwrap(), target, &out, super::root());
    same(&format!("{name}: rebuild into the same --out"), &c, &d);
    same(&format!("{name}: another --out"), &a, &c);
}

/// A copy of the project in another folder builds to identical bytes.
pub fn check_copy_elsewhere(name: &str, dir: &Path, target: &str) {
    let original = build(dir, target);
    let tmp = Temp::new("copy");
    let copy = tmp.path().join("somewhere/else/entirely").join(format!(
        "copy-of-{}",
        dir.file_name().unwrap().to_string_lossy()
    ));
    copy_tree(dir, &copy);
    let copied = build(&copy, target);
    assert_same(
        &format!("{name}: copy at {}", copy.display()),
        main_file(target),
        &original,
        &copied,
    );
}

/// Touching one source file (the first of the copy's files `is_source` accepts), then every
/// file, far in the past and the future, changes no byte of the output.
pub fn check_touching(name: &str, dir: &Path, target: &str, is_source: impl Fn(&Path) -> bool) {
    let same = |what: &str, a: &Built, b: &Built| assert_same(what, main_file(target), a, b);
    let tmp = Temp::new("mtime");
    let copy = tmp.path().join("project");
    copy_tree(dir, &copy);
    let before = build(&copy, target);
    // One source file, then every file (sources and .sls), far in the past and the future.
    let files = files_under(&copy);
    let source = files.iter().find(|f| is_source(f)).expect("a source file");
    set_mtime(
        source,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000),
    );
    let after_one = build(&copy, target);
    same(
        &format!("{name}: after touching {}", source.display()),
        &before,
        &after_one,
    );
    for (i, f) in files.iter().enumerate() {
        set_mtime(
            f,
            SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000 + i as u64),
        );
    }
    let after_all = build(&copy, target);
    same(
        &format!("{name}: after touching every file"),
        &before,
        &after_all,
    );
}

/// Builds the project once per `(what, cwd, path)` run, each into its own `--out` under `tmp`,
/// and expects identical bytes every time.
pub fn check_same_from_every_cwd(
    name: &str,
    target: &str,
    runs: Vec<(String, PathBuf, String)>,
    tmp: &Temp,
) {
    let mut first: Option<Built> = None;
    for (i, (what, cwd, path)) in runs.into_iter().enumerate() {
        let out = tmp.path().join(format!("out{i}"));
        let b = build_in(&path, target, &out, &cwd);
        match &first {
            None => first = Some(b),
            Some(a) => assert_same(
                &format!("{name}: built from {what}"),
                main_file(target),
                a,
                &b,
            ),
        }
    }
}
