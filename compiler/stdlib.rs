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

/// A module's one-line description: the rest of its header's first line after `std/NAME — `.
pub fn summary(text: &str) -> String {
    let h = header(text);
    let first = h.lines().next().unwrap_or_default();
    first
        .split_once(" — ")
        .map_or(first, |(_, rest)| rest)
        .trim()
        .to_string()
}

/// What `slsc explain std` prints: every module with its one-line description.
pub fn listing() -> String {
    let width = names().map(str::len).max().unwrap_or(0) + "std/".len();
    let mut out = String::new();
    for (name, text) in MODULES {
        let id = format!("std/{name}");
        out.push_str(&format!("{id:<width$}  {}\n", summary(text)));
    }
    out.push_str("\n`slsc explain std/NAME` prints a module's inputs, outputs and an example\n");
    out
}

/// The sections a header is made of, after its description.
const SECTIONS: [&str; 3] = ["Inputs:", "Outputs:", "Example:"];

/// docs/stdlib.md: a page per module, generated from the headers (a test in tests/stdlib.rs
/// keeps the file up to date). The description is Markdown; the inputs and outputs are the
/// header's own aligned tables, the example is HCL.
pub fn docs() -> String {
    let mut out = String::from(
        "# The standard library\n\n\
         <!-- Generated from the headers of stdlib/*.sls (compiler/stdlib.rs, `docs`): edit those \
         and run `SLSC_UPDATE_DOCS=1 cargo test --test stdlib`. -->\n\n\
         Modules shipped inside the slsc binary, used as `module \"NAME\" { source = \"std/…\" }` with \
         their inputs as attributes (docs/modules.md describes `module` blocks). `slsc explain std` \
         lists them and `slsc explain std/NAME` prints a module's page. Every module checks with \
         no warning when given only its required inputs.\n\n\
         | module | what it is |\n|---|---|\n",
    );
    for (name, text) in MODULES {
        out.push_str(&format!(
            "| [`std/{name}`](#std{name}) | {} |\n",
            summary(text)
        ));
    }
    for (name, text) in MODULES {
        let summary = summary(text);
        let mut chars = summary.chars();
        let sentence: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        out.push_str(&format!("\n## std/{name}\n\n{sentence}\n"));
        let h = header(text);
        let mut section: Option<&str> = None;
        let mut body: Vec<&str> = Vec::new();
        let flush = |section: Option<&str>, body: &mut Vec<&str>, out: &mut String| {
            while body.last().is_some_and(|l| l.trim().is_empty()) {
                body.pop();
            }
            let start = body.iter().take_while(|l| l.trim().is_empty()).count();
            let lines = &body[start..];
            match section {
                None if lines.is_empty() => {}
                None => out.push_str(&format!("\n{}\n", lines.join("\n"))),
                Some(s) => {
                    let lang = if s == "Example:" { "hcl" } else { "text" };
                    let dedented: Vec<&str> = lines
                        .iter()
                        .map(|l| l.strip_prefix("  ").unwrap_or(l))
                        .collect();
                    out.push_str(&format!(
                        "\n### {}\n\n```{lang}\n{}\n```\n",
                        s.trim_end_matches(':'),
                        dedented.join("\n")
                    ));
                }
            }
            body.clear();
        };
        for line in h.lines().skip(1) {
            if SECTIONS.contains(&line.trim_end()) {
                flush(section, &mut body, &mut out);
                section = Some(line.trim_end());
            } else {
                body.push(line);
            }
        }
        flush(section, &mut body, &mut out);
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
