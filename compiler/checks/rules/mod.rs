//! The registry: every rule of the rule set, one file each, in the order of SPEC §6.
//!
//! Adding a rule is one file here (exporting `pub const RULE: Rule`) plus its line below, and its
//! fixtures under `tests/fixtures/rules/<name>/` — a firing one and a near miss; the fixture test
//! derives its list from [`RULES`] and fails without them, and a unit test fails when a file of
//! this directory is not registered.

use super::Rule;

/// Declares the rule modules and [`RULES`] from one list.
macro_rules! registry {
    ($($rule:ident),* $(,)?) => {
        $(pub mod $rule;)*
        /// Every rule, in the order of SPEC §6.
        pub const RULES: &[&Rule] = &[$(&$rule::RULE),*];
        /// The module (file) names, in registry order.
        #[cfg(test)]
        const FILES: &[&str] = &[$(stringify!($rule)),*];
    };
}

registry! {
    recursive_invocation,
    missing_concurrency,
    concurrency_budget,
    visibility_timeout,
    http_timeout,
    missing_dead_letter,
    missing_failure_destination,
    unauthenticated_route,
    unused_resource,
    deprecated_runtime,
    plaintext_secret,
    fifo_mismatch,
    name_too_long,
    wildcard_permission,
    template_limits,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_this_directory_is_registered_under_its_rule_name() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("compiler/checks/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(".rs").map(str::to_string))
            .filter(|n| n != "mod")
            .collect();
        on_disk.sort();
        let mut registered: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
        registered.sort();
        assert_eq!(
            on_disk, registered,
            "register every rule file in checks/rules/mod.rs"
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
