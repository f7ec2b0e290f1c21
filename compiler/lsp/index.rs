//! A lexical index of `.sls` files for the editor: where each block, variable, local and
//! module output is declared, where each reference (`queue.orders`, `var.x`, `module.m.out`) is
//! written, and which block and attribute a position is in.
//!
//! It reads the text, not the model: it works on a file that does not parse or a project with
//! errors (a reference is found while the block it names is being typed), and it keeps every
//! position. The scanner knows comments, strings with `${…}` interpolations and heredocs, so a
//! reference inside a template is found and a word inside a string or comment is not.

use std::ops::Range;

/// A token of the scanner.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// An identifier, with its dotted continuation (`queue.orders.arn`), in code.
    Word(Range<usize>),
    /// A string literal's content (between the quotes), when it holds no interpolation.
    Str(Range<usize>),
    /// A block brace in code (not inside an interpolation): `{` or `}`.
    Open(usize),
    Close(usize),
    /// `=` in code (not `==`, `=>`, `!=`, `<=`, `>=`).
    Assign(usize),
}

/// Scans a text into tokens.
pub fn scan(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    scan_code(text.as_bytes(), 0, text.len(), true, &mut out);
    out
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Scans code from `i` to `end`; `top`: braces are block braces (not an interpolation's).
/// Returns where it stopped (at `end`, or at an interpolation's closing brace).
fn scan_code(b: &[u8], mut i: usize, end: usize, top: bool, out: &mut Vec<Token>) -> usize {
    let mut depth = 0usize;
    while i < end {
        let c = b[i];
        match c {
            b'#' => i = skip_line(b, i, end),
            b'/' if b.get(i + 1) == Some(&b'/') => i = skip_line(b, i, end),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = find(b, i + 2, end, b"*/").map_or(end, |j| j + 2);
            }
            b'"' => i = scan_string(b, i + 1, end, out),
            b'<' if b.get(i + 1) == Some(&b'<') => i = scan_heredoc(b, i + 2, end, out),
            b'{' => {
                if top {
                    out.push(Token::Open(i));
                } else {
                    depth += 1;
                }
                i += 1;
            }
            b'}' => {
                if !top {
                    if depth == 0 {
                        return i + 1;
                    }
                    depth -= 1;
                } else {
                    out.push(Token::Close(i));
                }
                i += 1;
            }
            b'=' => {
                let prev = if i > 0 { b[i - 1] } else { b' ' };
                let next = b.get(i + 1).copied().unwrap_or(b' ');
                if !matches!(prev, b'=' | b'!' | b'<' | b'>') && !matches!(next, b'=' | b'>') {
                    out.push(Token::Assign(i));
                }
                i += 1;
            }
            c if is_word_start(c) => {
                let start = i;
                i += 1;
                loop {
                    while i < end && is_word(b[i]) {
                        i += 1;
                    }
                    if i + 1 < end && b[i] == b'.' && is_word_start(b[i + 1]) {
                        i += 1;
                        continue;
                    }
                    break;
                }
                out.push(Token::Word(start..i));
            }
            c if c.is_ascii_digit() => {
                while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    end
}

fn skip_line(b: &[u8], i: usize, end: usize) -> usize {
    b[i..end]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(end, |j| i + j)
}

fn find(b: &[u8], from: usize, end: usize, needle: &[u8]) -> Option<usize> {
    (from..end.saturating_sub(needle.len() - 1)).find(|&j| b[j..].starts_with(needle))
}

/// A string from after its opening quote: its interpolations are scanned as code.
fn scan_string(b: &[u8], mut i: usize, end: usize, out: &mut Vec<Token>) -> usize {
    let start = i;
    let mut plain = true;
    while i < end {
        match b[i] {
            b'\\' => i += 2,
            b'"' => {
                if plain {
                    out.push(Token::Str(start..i));
                }
                return i + 1;
            }
            b'\n' => return i,
            b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                if i > 0 && b[i - 1] == b[i] {
                    i += 2; // `$${` is literal text
                    continue;
                }
                plain = false;
                i = scan_code(b, i + 2, end, false, out);
            }
            _ => i += 1,
        }
    }
    end
}

/// A heredoc from after `<<`: its body is a template like a string's.
fn scan_heredoc(b: &[u8], mut i: usize, end: usize, out: &mut Vec<Token>) -> usize {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let start = i;
    while i < end && is_word(b[i]) {
        i += 1;
    }
    if i == start {
        return i;
    }
    let marker = &b[start..i];
    let mut line = skip_line(b, i, end) + 1;
    while line < end {
        let next = skip_line(b, line, end);
        let body = &b[line..next];
        let trimmed: Vec<u8> = body
            .iter()
            .copied()
            .skip_while(|c| c.is_ascii_whitespace())
            .collect();
        if trimmed == marker {
            return next;
        }
        let mut j = line;
        while j < next {
            if b[j] == b'$' && b.get(j + 1) == Some(&b'{') {
                j = scan_code(b, j + 2, next, false, out);
            } else {
                j += 1;
            }
        }
        line = next + 1;
    }
    end
}

/// A block declared at the top of a file.
#[derive(Debug, Clone)]
pub struct Block {
    pub keyword: String,
    /// The label (`function "api"` → `api`), empty for `locals`, `moved`.
    pub name: String,
    /// The label's text, without its quotes.
    pub name_range: Range<usize>,
    /// From the keyword to the closing brace.
    pub range: Range<usize>,
    /// The attributes written directly in the block: (name, range of the name, range of the
    /// value up to the end of its line).
    pub attrs: Vec<(String, Range<usize>, Range<usize>)>,
}

/// A reference written in code: `root.name` (`queue.orders`, `var.region`, `module.m`), with
/// the attribute after it when there is one (`module.m.out` → `out`).
#[derive(Debug, Clone)]
pub struct Reference {
    pub root: String,
    pub name: String,
    pub attr: Option<String>,
    /// The whole `root.name…` word.
    pub range: Range<usize>,
    /// The `name` part.
    pub name_range: Range<usize>,
}

/// What a file declares and references.
#[derive(Debug, Default)]
pub struct FileIndex {
    pub blocks: Vec<Block>,
    pub references: Vec<Reference>,
}

/// The roots a reference may start with (the referenceable kinds, `var`, `local`, `module`).
fn is_root(w: &str) -> bool {
    matches!(w, "var" | "local" | "module") || crate::model::kinds::roots().contains(&w)
}

pub fn index(text: &str) -> FileIndex {
    let tokens = scan(text);
    let mut f = FileIndex::default();
    let mut depth = 0usize;
    let mut open: Option<Block> = None;
    for (k, t) in tokens.iter().enumerate() {
        match t {
            Token::Open(at) => {
                if depth == 0 {
                    open = header(text, *at);
                }
                depth += 1;
            }
            Token::Close(at) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some(mut b) = open.take() {
                        b.range.end = at + 1;
                        f.blocks.push(b);
                    }
                }
            }
            Token::Word(r) => {
                let word = &text[r.clone()];
                let assigned = matches!(tokens.get(k + 1), Some(Token::Assign(_)));
                if depth == 1 && assigned && !word.contains('.') {
                    if let Some(b) = open.as_mut() {
                        let value_end = text[r.end..].find('\n').map_or(text.len(), |i| r.end + i);
                        b.attrs
                            .push((word.to_string(), r.clone(), r.end..value_end));
                    }
                    continue;
                }
                let mut parts = word.split('.');
                let (Some(root), Some(name)) = (parts.next(), parts.next()) else {
                    continue;
                };
                if depth > 0 && is_root(root) {
                    let name_start = r.start + root.len() + 1;
                    f.references.push(Reference {
                        root: root.to_string(),
                        name: name.to_string(),
                        attr: parts.next().map(str::to_string),
                        range: r.clone(),
                        name_range: name_start..name_start + name.len(),
                    });
                }
            }
            _ => {}
        }
    }
    f
}

/// The block whose `{` is at `brace`: `keyword "label" {` or `keyword {` on that line.
fn header(text: &str, brace: usize) -> Option<Block> {
    let line_start = text[..brace].rfind('\n').map_or(0, |i| i + 1);
    let head = &text[line_start..brace];
    let trimmed = head.trim_start();
    let kw_start = line_start + (head.len() - trimmed.len());
    let kw_len = trimmed.bytes().take_while(|&c| is_word(c)).count();
    if kw_len == 0 {
        return None;
    }
    let keyword = trimmed[..kw_len].to_string();
    let rest = &trimmed[kw_len..];
    let (name, name_range) = match rest.find('"') {
        Some(q) => {
            let from = kw_start + kw_len + q + 1;
            let len = text[from..brace].find('"')?;
            (text[from..from + len].to_string(), from..from + len)
        }
        None => (String::new(), brace..brace),
    };
    Some(Block {
        keyword,
        name,
        name_range,
        range: kw_start..brace,
        attrs: Vec::new(),
    })
}

/// The innermost top-level block containing `offset`, and the attribute whose line it is on.
pub fn block_at(f: &FileIndex, offset: usize) -> Option<&Block> {
    f.blocks
        .iter()
        .find(|b| b.range.start <= offset && offset < b.range.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_attributes_and_references() {
        let text = r#"# queue.commented is not a reference
function "api" {
  handler = "index.handler"
  sends   = [queue.orders]
  environment = { URL = "${queue.orders.url}/x", LIT = "queue.not" }
  body = <<EOT
  ${module.billing.out}
EOT
}

locals {
  prefix = "${var.app}-x"
}
"#;
        let f = index(text);
        let kws: Vec<(&str, &str)> = f
            .blocks
            .iter()
            .map(|b| (b.keyword.as_str(), b.name.as_str()))
            .collect();
        assert_eq!(kws, [("function", "api"), ("locals", "")]);
        let attrs: Vec<&str> = f.blocks[0].attrs.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(attrs, ["handler", "sends", "environment", "body"]);
        assert_eq!(f.blocks[1].attrs[0].0, "prefix");
        let refs: Vec<(&str, &str, Option<&str>)> = f
            .references
            .iter()
            .map(|r| (r.root.as_str(), r.name.as_str(), r.attr.as_deref()))
            .collect();
        assert_eq!(
            refs,
            [
                ("queue", "orders", None),
                ("queue", "orders", Some("url")),
                ("module", "billing", Some("out")),
                ("var", "app", None)
            ]
        );
        assert_eq!(&text[f.references[0].name_range.clone()], "orders");
        assert_eq!(&text[f.blocks[0].name_range.clone()], "api");
    }
}
