//! `slsc fmt`: the canonical layout of `.sls` files, as `terraform fmt` does for HCL.
//!
//! - two spaces of indentation per open `{`, `[` or `(`;
//! - the `=` of consecutive one-line attributes at the same depth aligned (a comment line, a
//!   blank line or a multi-line value ends the group; the attribute that opens a multi-line
//!   value is aligned with the ones before it);
//! - no trailing whitespace, at most one blank line in a row, none at the start, one newline at
//!   the end.
//!
//! Heredoc bodies and block comments are left exactly as written. Only whitespace outside
//! strings ever changes: [`format`] checks that the text without whitespace is the same and
//! that the result parses, and refuses (returns `None`) otherwise — it never writes a file it
//! does not fully understand.

/// What the scanner knows at the end of a line.
#[derive(Default, Clone)]
struct State {
    depth: usize,
    /// Inside a heredoc: its terminator.
    heredoc: Option<String>,
    block_comment: bool,
}

/// One scanned line: how many closers lead it, the depth change, and whether it opens a heredoc.
struct Scan {
    leading_closers: usize,
    delta: isize,
    opens_heredoc: Option<String>,
    ends_in_block_comment: bool,
    /// The line ends inside a string (not something a formatter should touch).
    unterminated: bool,
}

/// Skips a quoted string starting after its opening quote at `i`; returns the index after the
/// closing quote, or `None` when the line ends first.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                i = skip_template(b, i + 2)?;
            }
            _ => i += 1,
        }
    }
    None
}

/// Skips a `${ … }` / `%{ … }` body starting after its `{`; returns the index after its `}`.
fn skip_template(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 1usize;
    while i < b.len() {
        match b[i] {
            b'"' => i = skip_string(b, i + 1)?,
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

fn scan(content: &str, in_block_comment: bool) -> Scan {
    let b = content.as_bytes();
    let leading_closers = if in_block_comment {
        0
    } else {
        b.iter()
            .take_while(|c| matches!(c, b'}' | b']' | b')'))
            .count()
    };
    let mut s = Scan {
        leading_closers,
        delta: 0,
        opens_heredoc: None,
        ends_in_block_comment: in_block_comment,
        unterminated: false,
    };
    let mut i = 0;
    while i < b.len() {
        if s.ends_in_block_comment {
            match content[i..].find("*/") {
                Some(j) => {
                    i += j + 2;
                    s.ends_in_block_comment = false;
                    continue;
                }
                None => break,
            }
        }
        match b[i] {
            b'#' => break,
            b'/' if b.get(i + 1) == Some(&b'/') => break,
            b'/' if b.get(i + 1) == Some(&b'*') => {
                s.ends_in_block_comment = true;
                i += 2;
            }
            b'"' => match skip_string(b, i + 1) {
                Some(j) => i = j,
                None => {
                    s.unterminated = true;
                    break;
                }
            },
            b'<' if b.get(i + 1) == Some(&b'<') => {
                let rest = content[i + 2..].trim_start_matches('-');
                let term: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !term.is_empty() {
                    s.opens_heredoc = Some(term);
                    break;
                }
                i += 2;
            }
            b'{' | b'[' | b'(' => {
                s.delta += 1;
                i += 1;
            }
            b'}' | b']' | b')' => {
                s.delta -= 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    s
}

/// The key of a one-line `key = value` attribute line (not `==`), and the rest after `=`.
fn attribute(content: &str) -> Option<(&str, &str)> {
    let key_end = content
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(content.len());
    if key_end == 0 || !content.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let after = content[key_end..].trim_start();
    let rest = after.strip_prefix('=')?;
    if rest.starts_with('=') {
        return None;
    }
    Some((&content[..key_end], rest.trim_start()))
}

/// A formatted line before alignment.
struct Line {
    indent: usize,
    content: String,
    /// Left exactly as written (heredoc bodies, block comments).
    verbatim: bool,
    /// This line's own bracket balance (0: a one-line value).
    delta: isize,
}

/// Formats a file's text; `None` when it cannot be formatted safely (a syntax error, a string
/// left open at the end of a line, unbalanced brackets, or a result that would not be the same
/// code).
pub fn format(src: &str) -> Option<String> {
    let mut st = State::default();
    let mut lines: Vec<Line> = Vec::new();
    for raw in src.lines() {
        if let Some(term) = &st.heredoc {
            let done = raw.trim() == term;
            lines.push(Line {
                indent: 0,
                content: raw.to_string(),
                verbatim: true,
                delta: 0,
            });
            if done {
                st.heredoc = None;
            }
            continue;
        }
        if st.block_comment {
            let s = scan(raw, true);
            lines.push(Line {
                indent: 0,
                content: raw.trim_end().to_string(),
                verbatim: true,
                delta: 0,
            });
            st.block_comment = s.ends_in_block_comment;
            continue;
        }
        let content = raw.trim();
        let s = scan(content, false);
        if s.unterminated {
            return None;
        }
        let indent = st.depth.saturating_sub(s.leading_closers);
        let depth = st.depth as isize + s.delta;
        if depth < 0 {
            return None;
        }
        st.depth = depth as usize;
        st.heredoc = s.opens_heredoc;
        st.block_comment = s.ends_in_block_comment;
        lines.push(Line {
            indent,
            content: content.to_string(),
            verbatim: false,
            delta: s.delta,
        });
    }
    if st.depth != 0 || st.heredoc.is_some() {
        return None;
    }

    // Align `=` in groups of attribute lines at the same indentation.
    let mut keys: Vec<Option<usize>> = vec![None; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let mut width = 0;
        while i < lines.len() {
            let l = &lines[i];
            let same = lines[start].indent == l.indent;
            let Some((key, _)) = (!l.verbatim && same)
                .then(|| attribute(&l.content))
                .flatten()
            else {
                break;
            };
            width = width.max(key.len());
            i += 1;
            if l.delta != 0 {
                break; // the attribute opens a multi-line value: the group ends with it
            }
        }
        for k in keys.iter_mut().take(i).skip(start) {
            *k = Some(width);
        }
        if i == start {
            i += 1;
        }
    }

    let mut out = String::with_capacity(src.len());
    let mut blank_run = 0;
    for (l, width) in lines.iter().zip(keys) {
        if !l.verbatim && l.content.is_empty() {
            blank_run += 1;
            continue;
        }
        if blank_run > 0 && !out.is_empty() {
            out.push('\n');
        }
        blank_run = 0;
        if l.verbatim {
            out.push_str(&l.content);
        } else {
            out.push_str(&"  ".repeat(l.indent));
            match (width, attribute(&l.content)) {
                (Some(w), Some((key, rest))) => {
                    out.push_str(key);
                    out.push_str(&" ".repeat(w - key.len()));
                    out.push_str(" =");
                    if !rest.is_empty() {
                        out.push(' ');
                        out.push_str(rest);
                    }
                }
                _ => out.push_str(&l.content),
            }
        }
        out.push('\n');
    }
    // Only whitespace may have changed, and the result must still parse.
    let squeeze = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    if squeeze(src) != squeeze(&out) {
        return None;
    }
    // A file with a syntax error is refused (its layout could hide the mistake, and a rewrite
    // could make it worse); the result of a file that parses must parse too. An object too
    // wide to parse in linear time (docs/limits.md) is refused as `check` refuses it.
    if crate::syntax::too_wide(src).is_some()
        || src.parse::<hcl_edit::structure::Body>().is_err()
        || out.parse::<hcl_edit::structure::Body>().is_err()
    {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn indents_aligns_and_trims() {
        let src = "app \"a\" {\nregion = \"eu-west-1\"   \n    memory_size_x= 256\n\n\n\ntags = {\n  a = 1\n      bb = \"x\" # c\n}\n}\n\n\n";
        let want = "app \"a\" {\n  region        = \"eu-west-1\"\n  memory_size_x = 256\n\n  tags = {\n    a  = 1\n    bb = \"x\" # c\n  }\n}\n";
        assert_eq!(format(src).as_deref(), Some(want));
        assert_eq!(format(want).as_deref(), Some(want), "idempotent");
    }

    #[test]
    fn leaves_heredocs_strings_and_comments_alone() {
        let src = "locals {\n  doc = <<EOT\n   keep   this\n  {\nEOT\n  s = \"a  {  ${upper(\"b  }\")}\"\n  /* x\n     y */\n}\n";
        let out = format(src).unwrap();
        assert!(out.contains("   keep   this\n  {\nEOT\n"), "{out}");
        assert!(out.contains("\"a  {  ${upper(\"b  }\")}\""), "{out}");
        assert!(out.contains("     y */"), "{out}");
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        assert_eq!(format("a = \"open\n"), None);
        assert_eq!(format("x {\n"), None);
    }
}
