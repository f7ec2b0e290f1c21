//! A `serverless.yml` read into a tree of nodes that remember where they were written (line and
//! column) and keep CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub "…"`).
//!
//! Built on saphyr-parser's event stream. Plain scalars are typed as YAML 1.2's core schema does
//! (`null`/`~`, `true`/`false`, integers, floats; everything else a string); quoted and block
//! scalars are strings. Anchors and aliases are expanded, `<<` merge keys are merged (keys
//! written in the mapping win), and only the first document is read.

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// A node and where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Yaml,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Node, Node)>),
    /// A node with a local tag: `!Ref X` is `Tagged("Ref", X)`.
    Tagged(String, Box<Node>),
}

/// A syntax error, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub line: u32,
    pub col: u32,
}

impl Node {
    /// The value under a mapping key (`None` for other nodes).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
    /// The entries of a mapping (empty for other nodes).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Yaml::Map(m) => m,
            _ => &[],
        }
    }
    /// The items of a sequence (empty for other nodes).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Yaml::Seq(s) => s,
            _ => &[],
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A scalar as text (`5`, `true`, `rate(1 hour)`); `None` for collections, null and tags.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::Float(f) => Some(f.to_string()),
            Yaml::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Yaml::Int(i) => Some(*i as f64),
            Yaml::Float(f) => Some(*f),
            Yaml::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Yaml::Bool(b) => Some(*b),
            Yaml::Str(s) if s == "true" => Some(true),
            Yaml::Str(s) if s == "false" => Some(false),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        self.value == Yaml::Null
    }
}

/// The first document of a YAML text (`Null` for an empty one).
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
    };
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| YamlError {
            message: e.info().to_string(),
            line: e.marker().line() as u32,
            col: e.marker().col() as u32 + 1,
        })?;
        let (line, col) = (span.start.line() as u32, span.start.col() as u32 + 1);
        match ev {
            Event::DocumentEnd if b.root.is_some() => break,
            Event::Scalar(v, style, anchor, tag) => {
                let value = scalar(&v, style, tag.as_ref().map(|t| t.suffix.as_str()));
                let node = tagged(value, tag.as_deref(), line, col);
                b.finish(node, anchor);
            }
            Event::SequenceStart(anchor, tag) => b.stack.push(Open {
                items: Vec::new(),
                map: false,
                anchor,
                tag: tag.map(|t| local_tag(&t)).unwrap_or_default(),
                line,
                col,
            }),
            Event::MappingStart(anchor, tag) => b.stack.push(Open {
                items: Vec::new(),
                map: true,
                anchor,
                tag: tag.map(|t| local_tag(&t)).unwrap_or_default(),
                line,
                col,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let open = b.stack.pop().expect("the parser balances collections");
                let value = if open.map {
                    Yaml::Map(merge_keys(open.items))
                } else {
                    Yaml::Seq(open.items)
                };
                let mut node = Node {
                    value,
                    line: open.line,
                    col: open.col,
                };
                if !open.tag.is_empty() {
                    node = Node {
                        value: Yaml::Tagged(open.tag, Box::new(node)),
                        line: open.line,
                        col: open.col,
                    };
                }
                b.finish(node, open.anchor);
            }
            Event::Alias(id) => {
                let node = b.anchors.get(&id).cloned().ok_or(YamlError {
                    message: "an alias to an anchor that is not defined".into(),
                    line,
                    col,
                })?;
                b.finish(node, 0);
            }
            _ => {}
        }
    }
    Ok(b.root.unwrap_or(Node {
        value: Yaml::Null,
        line: 1,
        col: 1,
    }))
}

/// A collection being read: its items (for a mapping, keys and values alternate).
struct Open {
    items: Vec<Node>,
    map: bool,
    anchor: usize,
    tag: String,
    line: u32,
    col: u32,
}

struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
}

impl Builder {
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(open) => open.items.push(node),
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }
}

/// A tag's name when it is a local (`!Name`) one; empty for none and for `!!core` tags.
fn local_tag(t: &saphyr_parser::Tag) -> String {
    if t.handle == "!" {
        t.suffix.clone()
    } else {
        String::new()
    }
}

fn tagged(value: Yaml, tag: Option<&saphyr_parser::Tag>, line: u32, col: u32) -> Node {
    let node = Node { value, line, col };
    match tag.map(local_tag).filter(|t| !t.is_empty()) {
        Some(t) => Node {
            value: Yaml::Tagged(t, Box::new(node)),
            line,
            col,
        },
        None => node,
    }
}

/// A scalar's value: typed when plain (or tagged `!!int`…), a string otherwise.
fn scalar(v: &str, style: ScalarStyle, core_tag: Option<&str>) -> Yaml {
    match core_tag {
        Some("str") => return Yaml::Str(v.to_string()),
        Some("int") | Some("float") | Some("bool") | Some("null") => {}
        _ if style != ScalarStyle::Plain => return Yaml::Str(v.to_string()),
        _ => {}
    }
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return Yaml::Null,
        "true" | "True" | "TRUE" => return Yaml::Bool(true),
        "false" | "False" | "FALSE" => return Yaml::Bool(false),
        _ => {}
    }
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = v.parse::<i64>() {
            return Yaml::Int(i);
        }
    }
    let floaty = digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if floaty {
        if let Ok(f) = v.parse::<f64>() {
            return Yaml::Float(f);
        }
    }
    Yaml::Str(v.to_string())
}

/// A mapping's items (alternating keys and values) as entries, with `<<` merge keys merged:
/// the merged mappings' entries come first unless the mapping writes the key itself.
fn merge_keys(items: Vec<Node>) -> Vec<(Node, Node)> {
    let mut own = Vec::new();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        if k.as_str() == Some("<<") {
            let sources: Vec<Node> = match v.value {
                Yaml::Seq(s) => s,
                _ => vec![v],
            };
            for s in sources {
                if let Yaml::Map(m) = s.value {
                    merged.extend(m);
                }
            }
        } else {
            own.push((k, v));
        }
    }
    let mut out: Vec<(Node, Node)> = merged
        .into_iter()
        .filter(|(k, _)| !own.iter().any(|(o, _)| o.value == k.value))
        .collect();
    out.extend(own);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_typed_and_positions_kept() {
        let n =
            parse("service: users\nprovider:\n  memorySize: 512\n  tracing: true\n  stage: '1'\n")
                .unwrap();
        assert_eq!(n.get("service").unwrap().as_str(), Some("users"));
        let p = n.get("provider").unwrap();
        assert_eq!(p.get("memorySize").unwrap().value, Yaml::Int(512));
        assert_eq!(p.get("tracing").unwrap().value, Yaml::Bool(true));
        assert_eq!(p.get("stage").unwrap().value, Yaml::Str("1".into()));
        let m = p.get("memorySize").unwrap();
        assert_eq!((m.line, m.col), (3, 15));
    }

    #[test]
    fn short_form_tags_are_kept() {
        let n = parse("a: !Ref Users\nb: !GetAtt Users.Arn\nc: !Join ['', [x, !Ref Y]]\n").unwrap();
        assert_eq!(
            n.get("a").unwrap().value,
            Yaml::Tagged(
                "Ref".into(),
                Box::new(Node {
                    value: Yaml::Str("Users".into()),
                    line: 1,
                    col: 4
                })
            )
        );
        let Yaml::Tagged(t, inner) = &n.get("c").unwrap().value else {
            panic!()
        };
        assert_eq!(t, "Join");
        assert_eq!(inner.items().len(), 2);
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let n = parse("base: &b\n  x: 1\n  y: 2\nother:\n  <<: *b\n  y: 3\n").unwrap();
        let o = n.get("other").unwrap();
        assert_eq!(o.get("x").unwrap().value, Yaml::Int(1));
        assert_eq!(o.get("y").unwrap().value, Yaml::Int(3));
    }

    #[test]
    fn errors_have_a_position() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1, "{e:?}");
    }
}
