//! What goes into a function's zip: the default exclusions and the function's own `exclude`
//! and `include` patterns, with the reason for each decision (`slsc build --explain-artifacts`).
//!
//! Patterns are globs over paths relative to the `source` directory, with `/` separators: `*`
//! and `?` match within one path segment, `**` matches any number of segments. A pattern with
//! no `/` matches a file or directory name at any depth (`*.test.js`, `__tests__`); one with a
//! `/` matches from the source directory (`docs/**`, `src/*.map`). A pattern that matches a
//! directory matches everything in it. Order of precedence: `include` (which overrides the
//! default exclusions, e.g. `include = [".well-known/**"]`), then `exclude`, then the defaults.
//! Files resolving outside the project and files holding a private key are never packaged,
//! whatever the patterns say.

/// A decision about one path: `None` to package it, or why it is left out.
pub type Verdict = Option<String>;

/// A function's `exclude` and `include` patterns.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Filter {
    pub exclude: Vec<String>,
    pub include: Vec<String>,
}

impl Filter {
    /// The decision for `rel` (relative path, `/`-separated), whose last segment is `name`;
    /// `default` is the default exclusion's reason, if any.
    pub fn verdict(&self, rel: &str, default: Option<&'static str>) -> Verdict {
        if self.include.iter().any(|p| matches(p, rel)) {
            return None;
        }
        if let Some(p) = self.exclude.iter().find(|p| matches(p, rel)) {
            return Some(format!("exclude pattern \"{p}\""));
        }
        default.map(str::to_string)
    }

    /// Whether a directory left out by default must still be walked, because an `include`
    /// pattern may match something inside it.
    pub fn may_include_under(&self, dir_rel: &str) -> bool {
        self.include.iter().any(|p| {
            let literal: String = p.chars().take_while(|c| !matches!(c, '*' | '?')).collect();
            !p.contains('/')
                || literal.is_empty()
                || literal.starts_with(&format!("{dir_rel}/"))
                || format!("{dir_rel}/").starts_with(&literal)
        })
    }
}

/// Whether `pattern` matches the relative path `rel` or one of its parent directories.
pub fn matches(pattern: &str, rel: &str) -> bool {
    let segments: Vec<&str> = rel.split('/').collect();
    if !pattern.contains('/') {
        return segments
            .iter()
            .any(|s| glob(pattern.as_bytes(), s.as_bytes(), false));
    }
    let p = pattern.trim_start_matches("./").trim_end_matches('/');
    (1..=segments.len()).any(|n| glob(p.as_bytes(), segments[..n].join("/").as_bytes(), true))
}

/// Glob matching: `*`/`?` never cross `/` when `paths` is set; `**` does.
fn glob(p: &[u8], s: &[u8], paths: bool) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
            (0..=s.len()).any(|i| glob(rest, &s[i..], paths))
        }
        Some(b'*') => (0..=s.len())
            .take_while(|&i| i == 0 || !(paths && s[i - 1] == b'/'))
            .any(|i| glob(&p[1..], &s[i..], paths)),
        Some(b'?') => !s.is_empty() && (!paths || s[0] != b'/') && glob(&p[1..], &s[1..], paths),
        Some(c) => s.first() == Some(c) && glob(&p[1..], &s[1..], paths),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(matches("*.test.js", "lib/a.test.js"));
        assert!(!matches("*.test.js", "lib/a.js"));
        assert!(matches("__tests__", "src/__tests__/x.js"));
        assert!(matches("docs/**", "docs/a/b.md"));
        assert!(matches("docs", "docs/a/b.md"));
        assert!(!matches("docs/*.md", "docs/a/b.md"));
        assert!(matches("docs/*.md", "docs/b.md"));
        assert!(matches("**/*.map", "a/b/c.js.map"));
        assert!(matches("?.txt", "a.txt") && !matches("?.txt", "ab.txt"));
        let f = Filter {
            exclude: vec!["*.map".into()],
            include: vec![".well-known/**".into()],
        };
        assert_eq!(f.verdict(".well-known/x", Some("hidden")), None);
        assert_eq!(
            f.verdict("a.js.map", None).as_deref(),
            Some("exclude pattern \"*.map\"")
        );
        assert_eq!(f.verdict(".env", Some("hidden")).as_deref(), Some("hidden"));
        assert!(f.may_include_under(".well-known"));
        assert!(!f.may_include_under(".git"));
    }
}
