//! JSON-RPC as the Language Server Protocol frames it on stdio (`Content-Length: N` headers,
//! then N bytes of JSON), and LSP positions: a line and a column in UTF-16 code units.

use serde_json::{json, Value as J};
use std::io::{BufRead, Write};

fn invalid(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())
}

/// The next message, `None` at the end of the input.
pub fn read(r: &mut impl BufRead) -> std::io::Result<Option<J>> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = Some(v.trim().parse::<usize>().map_err(invalid)?);
            }
        }
    }
    let n = len.ok_or_else(|| invalid("a message without Content-Length"))?;
    let mut buf = vec![0; n];
    r.read_exact(&mut buf)?;
    serde_json::from_slice(&buf).map(Some).map_err(invalid)
}

pub fn write(w: &mut impl Write, msg: &J) -> std::io::Result<()> {
    let body = serde_json::to_string(msg).map_err(invalid)?;
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    w.flush()
}

pub fn response(id: &J, result: J) -> J {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

pub fn error(id: &J, code: i64, message: &str) -> J {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

pub fn notification(method: &str, params: J) -> J {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

/// A text's lines, to turn byte offsets into LSP positions and back.
pub struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The byte offset of an LSP position (clamped to the line's end, and to the text).
    pub fn offset(&self, p: &J) -> usize {
        let line = p["line"].as_u64().unwrap_or(0) as usize;
        let col = p["character"].as_u64().unwrap_or(0) as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= col {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    pub fn position(&self, offset: usize) -> J {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col: usize = self.text[start..offset].chars().map(char::len_utf16).sum();
        json!({"line": line, "character": col})
    }

    pub fn range(&self, start: usize, end: usize) -> J {
        json!({"start": self.position(start), "end": self.position(end)})
    }
}

/// A `file://` URI of a path, and back (percent-encoding the few characters paths hold).
pub fn uri_of(path: &std::path::Path) -> String {
    let mut s = String::from("file://");
    for c in path.to_string_lossy().replace('\\', "/").chars() {
        match c {
            ' ' => s.push_str("%20"),
            '#' => s.push_str("%23"),
            '%' => s.push_str("%25"),
            '?' => s.push_str("%3F"),
            c => s.push(c),
        }
    }
    s
}

pub fn path_of(uri: &str) -> Option<std::path::PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let mut out = Vec::new();
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&rest[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Some(std::path::PathBuf::from(String::from_utf8(out).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "a = \"é😀x\"\nb";
        let l = Lines::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(l.position(x), json!({"line": 0, "character": 8}));
        assert_eq!(l.offset(&json!({"line": 0, "character": 8})), x);
        assert_eq!(
            l.offset(&json!({"line": 1, "character": 0})),
            text.len() - 1
        );
        assert_eq!(l.offset(&json!({"line": 9, "character": 0})), text.len());
    }

    #[test]
    fn uris_round_trip() {
        let p = std::path::Path::new("/tmp/my project/app #1.sls");
        assert_eq!(path_of(&uri_of(p)).unwrap(), p);
    }

    #[test]
    fn frames_round_trip() {
        let mut out = Vec::new();
        write(&mut out, &json!({"a": 1})).unwrap();
        let mut r = std::io::BufReader::new(&out[..]);
        assert_eq!(read(&mut r).unwrap(), Some(json!({"a": 1})));
        assert_eq!(read(&mut r).unwrap(), None);
    }
}
