//! Relative paths as written in `.sls` files (`source`, `artifact`, `app.source_root`): lexical
//! normalisation and containment, with no file-system access, so that `check` can refuse a
//! `source` that leaves the project before anything is read.
//!
//! The **source root** is the directory that `source` and `artifact` paths, and the symbolic
//! links inside a source, may reach: the project directory, or `app.source_root` (relative to
//! it, e.g. `"../.."` for a monorepo's shared code). Packaging (emit/artifacts.rs) checks the
//! same root on the real, symlink-resolved paths.

/// Normalises a relative path as written: `/` separators, no empty or `.` components, `x/..`
/// folded; the empty path is `"."`. Leading `..` components are kept.
pub fn normalise(raw: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

fn components(normalised: &str) -> Vec<&str> {
    if normalised == "." {
        Vec::new()
    } else {
        normalised.split('/').collect()
    }
}

/// Whether `path` (relative to the project directory) lies inside `root` (relative to the
/// project directory too), judged lexically on the normalised forms. A root made only of `..`
/// components contains everything that climbs no higher than it does; any other root contains
/// the paths that start with its components.
pub fn within(path: &str, root: &str) -> bool {
    let p = normalise(path);
    let r = normalise(root);
    let (p, r) = (components(&p), components(&r));
    let ups = |c: &[&str]| c.iter().take_while(|x| **x == "..").count();
    if ups(&r) == r.len() {
        ups(&p) <= r.len()
    } else {
        p.len() >= r.len() && p[..r.len()] == r[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_paths() {
        assert_eq!(normalise("."), ".");
        assert_eq!(normalise("./"), ".");
        assert_eq!(normalise(""), ".");
        assert_eq!(normalise("./src/"), "src");
        assert_eq!(normalise("functions//thumbnail/."), "functions/thumbnail");
        assert_eq!(normalise("a/../b"), "b");
        assert_eq!(normalise("../shared"), "../shared");
        assert_eq!(normalise("src/../../x"), "../x");
    }

    #[test]
    fn containment() {
        assert!(within("src", "."));
        assert!(within(".", "."));
        assert!(within("src/../lib", "."));
        assert!(!within("..", "."));
        assert!(!within("src/../../etc", "."));
        assert!(!within("../../../../../etc/ssh", "."));
        assert!(within("../shared", "../.."));
        assert!(within("../../shared", "../.."));
        assert!(!within("../../../x", "../.."));
        assert!(within("../shared/lib", "../shared"));
        assert!(!within("../other", "../shared"));
        assert!(within("vendored/x", "vendored"));
        assert!(!within("src", "vendored"));
    }
}
