//! Editor support stays in step with the compiler: the TextMate grammar
//! (docs/editors/sls.tmLanguage.json) highlights every block kind and every reference root, and
//! the VS Code extension's files point at files that exist.

mod common;

use serde_json::Value;

fn json(rel: &str) -> Value {
    let text = std::fs::read_to_string(common::root().join(rel)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn the_grammar_knows_every_block_kind_and_reference_root() {
    let g = json("docs/editors/sls.tmLanguage.json");
    assert_eq!(g["scopeName"], "source.sls");
    let block = g["repository"]["block"]["match"].as_str().unwrap();
    let words = |pattern: &str| -> Vec<String> {
        let inner = pattern
            .split('(')
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap();
        inner.split('|').map(str::to_string).collect()
    };
    let kinds = words(block);
    for k in slsc::model::BlockKind::ALL {
        assert!(
            kinds.contains(&k.as_str().to_string()),
            "the grammar does not highlight `{}` blocks",
            k.as_str()
        );
    }
    assert!(kinds.contains(&"policy".to_string()));
    let refs = g["repository"]["expressions"]["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["comment"]
                .as_str()
                .is_some_and(|c| c.starts_with("A reference"))
        })
        .unwrap()["match"]
        .as_str()
        .unwrap()
        .to_string();
    let roots = words(&refs.replace("\\b(", "("));
    for r in slsc::model::kinds::roots() {
        assert!(
            roots.contains(&r.to_string()),
            "the grammar does not highlight `{r}.…` references"
        );
    }
}

#[test]
fn the_vscode_extension_points_at_its_files() {
    let pkg = json("docs/editors/vscode/package.json");
    let dir = common::root().join("docs/editors/vscode");
    let grammar = pkg["contributes"]["grammars"][0]["path"].as_str().unwrap();
    assert!(dir.join(grammar).is_file(), "{grammar}");
    let conf = pkg["contributes"]["languages"][0]["configuration"]
        .as_str()
        .unwrap();
    json(&format!(
        "docs/editors/vscode/{}",
        conf.trim_start_matches("./")
    ));
    assert!(dir.join(pkg["main"].as_str().unwrap()).is_file());
}
