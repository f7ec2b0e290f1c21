//! `slsc fmt`: the canonical layout. Every `.sls` file in the repository that parses is
//! formatted without any change but whitespace and formats to itself a second time; the
//! examples are already canonical (CI runs `slsc fmt --check` on them); `--check` lists and
//! diffs without writing; a file the formatter does not understand is never touched.

mod common;

use common::temp::Temp;
use std::path::{Path, PathBuf};

fn sls_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if !p.ends_with(".slsc") && !p.ends_with("target") {
                sls_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "sls") {
            out.push(p);
        }
    }
}

#[test]
fn every_file_that_parses_formats_to_a_fixed_point() {
    let mut files = Vec::new();
    for d in ["examples", "tests/fixtures"] {
        sls_files(&common::root().join(d), &mut files);
    }
    assert!(files.len() > 50, "found {} files", files.len());
    let mut formatted = 0;
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue; // fixtures of invalid UTF-8
        };
        if text.parse::<hcl_edit::structure::Body>().is_err() {
            continue;
        }
        let Some(once) = slsc::fmt::format(&text) else {
            panic!("{} parses but is not formatted", f.display());
        };
        let twice = slsc::fmt::format(&once).expect("formats again");
        assert_eq!(once, twice, "{}: formatting is idempotent", f.display());
        formatted += 1;
    }
    assert!(formatted > 50);
}

#[test]
fn the_examples_are_canonical() {
    for ex in ["signup", "media", "webhooks", "policies"] {
        let o = common::run(&["fmt", &format!("examples/{ex}"), "--check"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "examples/{ex}:\n{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}

const MESSY: &str = r#"app "shop" {
region="eu-west-1"
      memory = 256


  tags = { team = "a" }
}

function "api" {
    handler = "index.handler" # the entry point
    source= "src"
  environment = {
   TABLE = "t"
      LONG_NAME = "x"
  }
  concurrency = 5
}
"#;

const CANONICAL: &str = r#"app "shop" {
  region = "eu-west-1"
  memory = 256

  tags = { team = "a" }
}

function "api" {
  handler     = "index.handler" # the entry point
  source      = "src"
  environment = {
    TABLE     = "t"
    LONG_NAME = "x"
  }
  concurrency = 5
}
"#;

#[test]
fn check_diffs_and_fmt_rewrites() {
    assert_eq!(slsc::fmt::format(MESSY).as_deref(), Some(CANONICAL));
    let tmp = Temp::new("fmt");
    let f = tmp.path().join("main.sls");
    std::fs::write(&f, MESSY).unwrap();
    let o = common::slsc(
        &["fmt", tmp.path().to_str().unwrap(), "--check"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&o.stdout);
    assert!(
        diff.contains("-region=\"eu-west-1\"") && diff.contains("+  region = \"eu-west-1\""),
        "{diff}"
    );
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        MESSY,
        "--check writes nothing"
    );
    let o = common::slsc(&["fmt", tmp.path().to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), CANONICAL);
    let o = common::slsc(&["fmt", f.to_str().unwrap(), "--check"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "formatted files pass --check");
}

#[test]
fn a_file_it_does_not_understand_is_left_alone() {
    let tmp = Temp::new("fmt-bad");
    let f = tmp.path().join("main.sls");
    let bad = "app \"shop\" {\n  region = \"eu-west-1\n}\n";
    std::fs::write(&f, bad).unwrap();
    let o = common::slsc(&["fmt", f.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("fix its syntax first"));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), bad);
}

#[test]
fn a_file_with_a_syntax_error_is_refused_with_its_location_also_with_check() {
    let tmp = Temp::new("fmt-syntax");
    let f = tmp.path().join("main.sls");
    let bad = "app \"x\" {\n  region = \n}\nfunction \"f\" {  handler=\"a\" }\n";
    std::fs::write(&f, bad).unwrap();
    for args in [
        vec!["fmt", f.to_str().unwrap()],
        vec!["fmt", f.to_str().unwrap(), "--check"],
    ] {
        let o = common::slsc(&args, tmp.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("fix its syntax first"), "{err}");
        assert!(
            err.contains("main.sls:2:"),
            "the syntax error's location: {err}"
        );
        assert!(o.stdout.is_empty(), "no diff for a refused file");
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            bad,
            "{args:?} left it alone"
        );
    }
}
