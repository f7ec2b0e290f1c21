//! The standard library: the `.sls` modules shipped inside the binary (`source = "std/NAME"`).
//! Every `stdlib/NAME.sls` file is one module (listed by `compiler/build.rs`); its header
//! comment documents its inputs and outputs, and is what `slsc explain std/NAME` prints and
//! `docs/stdlib.md` is generated from. A leaf: depends on nothing else in the crate.

include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));

/// The text of `std/NAME`.
pub fn module(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The names of the stdlib modules, sorted.
pub fn names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|(n, _)| *n)
}

/// A module's header: its leading `#` comment lines, without the `# ` (blank comment lines
/// kept as paragraph breaks).
pub fn header(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('#') else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_module_has_a_header_naming_it() {
        assert!(!super::MODULES.is_empty());
        for (name, text) in super::MODULES {
            let h = super::header(text);
            assert!(
                h.starts_with(&format!("std/{name}")),
                "stdlib/{name}.sls starts with a `# std/{name}` header"
            );
            for section in ["Inputs:", "Outputs:"] {
                assert!(h.contains(section), "std/{name}'s header has `{section}`");
            }
        }
    }
}
