//! The registry: every rule of the rule set, one file each in this directory.
//!
//! Adding a rule is adding its file here (exporting `pub const RULE: Rule`) and its fixtures
//! under `tests/fixtures/rules/<name>/` — a firing one and a near miss. `compiler/build.rs`
//! declares every file of this directory as a module and lists it in [`RULES`] (by file name);
//! the fixture test derives its list from [`RULES`] and fails without the fixtures.
//!
//! (`cargo fmt` does not reach modules declared by generated code: `.ci/run` runs rustfmt on
//! these files itself.)

use super::Rule;

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_file_is_named_after_its_rule() {
        assert!(
            RULES.len() >= 15,
            "the registry lost rules: {}",
            RULES.len()
        );
        for (file, rule) in FILES.iter().zip(RULES) {
            assert_eq!(
                file.replace('_', "-"),
                rule.name,
                "rule files are named after their rule"
            );
        }
    }
}
