//! Terraform expressions: the names a `${…}` refers to. Shared by the provider-schema checker
//! (tests/terraform_schema.rs) and the fuzz targets' reference checker (tests/fuzz_common/).

/// The traversals of an expression that start with an identifier, dotted names only, e.g.
/// `aws_lambda_function.api.arn` in `"${aws_lambda_function.api.arn}:*"`; quoted strings are
/// skipped.
pub fn traversals(expr: &str) -> Vec<Vec<&str>> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            // Not the tail of a number or of an attribute after `]`/`)`.
            let after_dot = i > 0 && b[i - 1] == b'.';
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b"_-.".contains(&b[i])) {
                i += 1;
            }
            let word = expr[start..i].trim_end_matches('.');
            let followed_by_call = expr[i..].trim_start().starts_with('(');
            if !after_dot && !followed_by_call {
                out.push(word.split('.').collect());
            }
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The `${…}` interpolations of a Terraform template string (text between the braces) and
/// the problems of its template syntax: an unterminated `${` and a template directive `%{`
/// (slsc writes none: literal text must escape them as `$${` and `%%{`).
pub fn tf_interpolations(s: &str) -> (Vec<&str>, Vec<String>) {
    let b = s.as_bytes();
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"$${") || b[i..].starts_with(b"%%{") {
            i += 3;
            continue;
        }
        if b[i..].starts_with(b"%{") {
            problems.push("a template directive `%{`".to_string());
            i += 2;
            continue;
        }
        if b[i..].starts_with(b"${") {
            let start = i + 2;
            let (mut depth, mut j, mut in_str) = (1, start, false);
            while j < b.len() && depth > 0 {
                match b[j] {
                    b'\\' if in_str => j += 1,
                    b'"' => in_str = !in_str,
                    b'{' if !in_str => depth += 1,
                    b'}' if !in_str => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            if depth == 0 {
                out.push(&s[start..j - 1]);
            } else {
                problems.push("an unterminated `${`".to_string());
            }
            i = j;
            continue;
        }
        i += 1;
    }
    (out, problems)
}
