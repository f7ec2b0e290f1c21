//! docs/iam.md is generated from the grant table in compiler/emit/iam.rs.
//! `SLSC_UPDATE_DOCS=1 cargo test --test iam_docs` regenerates it.

#[test]
fn iam_doc_matches_the_grant_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/iam.md");
    let text = slsc::emit::iam::table_markdown();
    if std::env::var_os("SLSC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "docs/iam.md is stale: run `SLSC_UPDATE_DOCS=1 cargo test --test iam_docs`"
    );
}

#[test]
fn generated_actions_are_never_wildcards() {
    for a in slsc::emit::iam::all_actions() {
        assert!(!a.contains('*'), "{a}");
        assert!(
            a.split_once(':')
                .is_some_and(|(svc, act)| !svc.is_empty() && !act.is_empty()),
            "{a}"
        );
    }
}
