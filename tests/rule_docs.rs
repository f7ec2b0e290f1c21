//! `docs/rules/<rule>.md` is generated from the same text `slsc explain RULE` prints (each rule
//! file's documentation). This test fails when they drift; `SLSC_UPDATE_DOCS=1 cargo test --test
//! rule_docs` regenerates the pages.

mod common;
use common::{root, slsc};

#[test]
fn rule_pages_match_the_rule_files() {
    let dir = root().join("docs/rules");
    let update = std::env::var_os("SLSC_UPDATE_DOCS").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut drift = Vec::new();
    for r in slsc::checks::RULES {
        let path = dir.join(format!("{}.md", r.name));
        let page = r.page();
        if update {
            std::fs::write(&path, &page).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(text) if text == page => {}
            Ok(_) => drift.push(format!(
                "{} differs from the rule's documentation",
                path.display()
            )),
            Err(_) => drift.push(format!("{} is missing", path.display())),
        }
    }
    // No stale pages for rules that no longer exist.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let rule = name.trim_end_matches(".md");
        if name.ends_with(".md") && slsc::checks::rule(rule).is_none() && rule != "README" {
            drift.push(format!("docs/rules/{name} documents no rule"));
        }
    }
    assert!(
        drift.is_empty(),
        "run `SLSC_UPDATE_DOCS=1 cargo test --test rule_docs`:\n{}",
        drift.join("\n")
    );
}

#[test]
fn every_rule_page_has_the_four_sections() {
    for r in slsc::checks::RULES {
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(r.doc.contains(section), "{} lacks {section}", r.name);
        }
    }
}

#[test]
fn explain_prints_the_page_and_rejects_unknown_rules() {
    let out = slsc(&["explain", "recursive-invocation"], root());
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        slsc::checks::rule("recursive-invocation").unwrap().page()
    );
    let out = slsc(&["explain", "recursive-invocaton"], root());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `recursive-invocation`"));
    let out = slsc(&["explain"], root());
    let list = String::from_utf8(out.stdout).unwrap();
    for r in slsc::checks::RULES {
        assert!(list.contains(r.name), "{} missing from the listing", r.name);
    }
}
