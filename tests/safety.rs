//! Nothing leaks (issue 15): key prefixes are literal, and a `--var` value is never echoed in a
//! diagnostic (it may be a secret; JSON and SARIF reports are uploaded to CI systems).
//! Packaging's own safety is in tests/artifacts.rs, build output's in tests/output.rs.

mod common;

use common::temp::Temp;

#[test]
fn wildcards_in_a_key_prefix_are_an_error_with_a_fix() {
    for (p, help) in [
        ("*", "write the bucket itself"),
        ("?", "write the bucket itself"),
        ("th*", "prefix(bucket.uploads, \"th\")"),
        ("a/b?c", "prefix(bucket.uploads, \"a/b\")"),
    ] {
        let src = format!(
            "app \"x\" {{}}\nbucket \"uploads\" {{}}\nfunction \"f\" {{\n  handler     = \"a.h\"\n  concurrency = 1\n  writes      = [prefix(bucket.uploads, \"{p}\")]\n}}\n"
        );
        let json = common::check(&src);
        assert_eq!(common::codes(&json), ["invalid-value"], "{p}: {json:#}");
        let d = &json["diagnostics"][0];
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(6), Some(41)),
            "{p}: {d:#}"
        );
        assert!(d["help"].as_str().unwrap().contains(help), "{p}: {d:#}");
    }
}

#[test]
fn a_var_value_is_never_echoed() {
    let tmp = Temp::new("var-echo");
    tmp.write(
        "main.sls",
        b"app \"x\" {}\nvariable \"retries\" {\n  type = number\n}\nvariable \"flags\" {\n  type = list(string)\n}\n",
    );
    for (var, secret) in [
        ("retries=hunter2-secret", "hunter2"),
        ("flags=[oops hunter2", "hunter2"),
    ] {
        for format in ["json", "sarif", "github", "human"] {
            let o = common::slsc(
                &[
                    "check",
                    ".",
                    "--format",
                    format,
                    "--var",
                    var,
                    "--var",
                    "retries=1",
                ][..if var.starts_with("retries") { 6 } else { 8 }],
                tmp.path(),
            );
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(!all.contains(secret), "{var} --format {format}: {all}");
            assert!(all.contains("=…"), "{var} --format {format}: {all}");
        }
    }
}

#[test]
fn a_var_value_used_where_it_does_not_fit_is_not_echoed_either() {
    let tmp = Temp::new("var-flow");
    tmp.write(
        "main.sls",
        b"app \"x\" {}\nvariable \"size\" {\n  type = string\n}\nfunction \"f\" {\n  handler     = \"a.h\"\n  concurrency = 1\n  retries     = var.size\n}\n",
    );
    for format in ["json", "sarif", "human"] {
        let o = common::slsc(
            &[
                "check",
                ".",
                "--format",
                format,
                "--var",
                "size=tops3cret-value",
            ],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(1));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!all.contains("tops3cret"), "--format {format}: {all}");
    }
}
