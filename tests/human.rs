//! Snapshots of the human (miette) rendering of representative compile errors, without colour.
//!
//! Tests run with the package root as the current directory, so file names in the reports are
//! relative (`tests/fixtures/errors/…`), as a user running `slsc check` from the repo would see.
//! Review changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test --test human`
//! and `git diff tests/snapshots`).

mod common;

use std::path::Path;

fn render(path: &str) -> String {
    let opts = slsc::Options {
        today: common::TODAY.into(),
        ..Default::default()
    };
    let c = slsc::compile(Path::new(path), &opts).expect("the fixture can be read");
    slsc::diagnostics::render_human(&c.diagnostics, &c.sources, false)
}

macro_rules! human_snapshot {
    ($name:ident, $path:expr) => {
        #[test]
        fn $name() {
            let rendered = render($path);
            insta::with_settings!({ description => $path, omit_expression => true }, {
                insta::assert_snapshot!(stringify!($name), rendered);
            });
        }
    };
}

// A byte that is not UTF-8: the report shows the line (lossily) and points at the byte.
human_snapshot!(
    invalid_utf8,
    "tests/fixtures/errors/syntax/invalid_utf8.sls"
);
// A missing reference with a "did you mean".
human_snapshot!(
    unresolved_did_you_mean,
    "tests/fixtures/errors/unresolved-reference/did_you_mean.sls"
);
// A duplicate across two files: both places are shown.
human_snapshot!(
    duplicate_name_two_files,
    "tests/fixtures/errors/duplicate-name/two_files"
);
// A reference of the wrong kind.
human_snapshot!(
    wrong_ref_kind,
    "tests/fixtures/errors/type-mismatch/wrong_ref_kind.sls"
);
// Division by zero at the expression, after multi-byte characters on the line.
human_snapshot!(
    division_by_zero,
    "tests/fixtures/errors/invalid-value/division_by_zero.sls"
);
// A cycle of locals with a label at each member.
human_snapshot!(
    cycle_two_locals,
    "tests/fixtures/errors/cycle/two_locals.sls"
);
// Two bucket triggers with overlapping filters: primary and secondary labels.
human_snapshot!(
    overlapping_bucket_filters,
    "tests/fixtures/errors/invalid-trigger/overlapping_bucket_filters.sls"
);
// A missing attribute points at the block header.
human_snapshot!(
    missing_handler,
    "tests/fixtures/errors/missing-attribute/function_handler.sls"
);
// The computed physical name is shown.
human_snapshot!(
    name_too_long,
    "tests/fixtures/errors/name-too-long/function_name.sls"
);
// A warning (not an error) with the successor runtime in the help.
human_snapshot!(
    deprecated_runtime_warning,
    "tests/fixtures/errors/deprecated-runtime/deprecated_warning.sls"
);
// Several independent mistakes across two files, in output order, with the summary line.
human_snapshot!(multi_error_project, "tests/fixtures/multi_error");

/// A label in another file is context for the one diagnostic, not a second report: the
/// message is printed once and nothing reads like an extra `Error:` (the summary says 1 error).
#[test]
fn a_label_in_another_file_is_not_rendered_as_a_second_error() {
    let rendered = render("tests/fixtures/errors/duplicate-name/two_files");
    assert!(
        rendered.contains("tests/fixtures/errors/duplicate-name/two_files/app.sls:7:10"),
        "the first declaration (other file) is shown:\n{rendered}"
    );
    assert!(
        rendered.contains("first declared here"),
        "with its label:\n{rendered}"
    );
    assert_eq!(
        rendered
            .matches("function \"signup\" is declared twice")
            .count(),
        1,
        "the message is printed once:\n{rendered}"
    );
    assert!(
        !rendered.contains("Error: duplicate-name"),
        "the other file's snippet is not rendered as another error:\n{rendered}"
    );
}
