//! The kind table: every kind of top-level block, declared once.
//!
//! Each row says everything the compiler needs to know about a kind: its keyword, how many
//! labels its blocks take, its attribute schema, whether (and with which deploy-time
//! attributes) it can be referenced as `kind.NAME`, whether a `policy` can be `for` it, and the
//! suffix of its logical IDs. [`BlockKind`], its `ALL` list and every lookup derive from the rows;
//! the reference kinds ([`RefKind`]), the evaluator's root names, the policy kinds and the
//! collision check read them.
//!
//! Adding a block kind starts with a row here (docs/architecture.md has the checklist).

use super::schema::{self, AttrSpec};
use super::value::RefKind;

/// What the compiler knows about one kind of block.
pub struct Kind {
    pub keyword: &'static str,
    /// Labels of its blocks: `function "NAME"` has one, `locals` none.
    pub labels: usize,
    /// The attribute schema (built once, see [`BlockKind::schema`]).
    pub schema: fn() -> Vec<AttrSpec>,
    /// Referenceable as `keyword.NAME`: the reference kind and its deploy-time attributes
    /// (SPEC §4).
    pub reference: Option<(RefKind, &'static [&'static str])>,
    /// A `policy` can be `for` this kind.
    pub policy: bool,
    /// The suffix of its logical IDs (`Function` in `SignupFunction`); `None` when it emits no
    /// resource of its own name.
    pub logical_suffix: Option<&'static str>,
}

fn no_attributes() -> Vec<AttrSpec> {
    Vec::new()
}

/// Declares [`BlockKind`], `BlockKind::ALL` and the rows of [`KINDS`] from one list.
macro_rules! kinds {
    ($($variant:ident => $row:expr,)*) => {
        /// The kinds of top-level block.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum BlockKind {
            $($variant,)*
        }
        impl BlockKind {
            pub const ALL: [BlockKind; [$(BlockKind::$variant,)*].len()] = [$(BlockKind::$variant,)*];
        }
        /// The rows, in the order of [`BlockKind`].
        pub const KINDS: &[Kind] = &[$($row,)*];
    };
}

kinds! {
    App => Kind { keyword: "app", labels: 1, schema: schema::app, reference: None, policy: true, logical_suffix: None },
    Function => Kind { keyword: "function", labels: 1, schema: schema::function, reference: Some((RefKind::Function, &["arn", "name"])), policy: true, logical_suffix: Some("Function") },
    Queue => Kind { keyword: "queue", labels: 1, schema: schema::queue, reference: Some((RefKind::Queue, &["arn", "url", "name"])), policy: true, logical_suffix: Some("Queue") },
    Database => Kind { keyword: "database", labels: 1, schema: schema::database, reference: Some((RefKind::Database, &["arn", "name", "stream_arn"])), policy: true, logical_suffix: Some("Table") },
    Bucket => Kind { keyword: "bucket", labels: 1, schema: schema::bucket, reference: Some((RefKind::Bucket, &["arn", "name"])), policy: true, logical_suffix: Some("Bucket") },
    Topic => Kind { keyword: "topic", labels: 1, schema: schema::topic, reference: Some((RefKind::Topic, &["arn", "name"])), policy: true, logical_suffix: Some("Topic") },
    Alarm => Kind { keyword: "alarm", labels: 1, schema: schema::alarm, reference: Some((RefKind::Alarm, &["arn", "name"])), policy: true, logical_suffix: Some("Alarm") },
    Layer => Kind { keyword: "layer", labels: 1, schema: schema::layer, reference: Some((RefKind::Layer, &["arn"])), policy: true, logical_suffix: Some("Layer") },
    Stream => Kind { keyword: "stream", labels: 1, schema: schema::stream, reference: Some((RefKind::Stream, &["arn", "name"])), policy: true, logical_suffix: Some("Stream") },
    Resource => Kind { keyword: "resource", labels: 1, schema: schema::resource, reference: Some((RefKind::Resource, &["arn", "id"])), policy: true, logical_suffix: Some("Resource") },
    Trigger => Kind { keyword: "trigger", labels: 1, schema: schema::trigger, reference: None, policy: true, logical_suffix: Some("Trigger") },
    Variable => Kind { keyword: "variable", labels: 1, schema: no_attributes, reference: None, policy: false, logical_suffix: None },
    Locals => Kind { keyword: "locals", labels: 0, schema: no_attributes, reference: None, policy: false, logical_suffix: None },
    Output => Kind { keyword: "output", labels: 1, schema: schema::output, reference: None, policy: true, logical_suffix: Some("Output") },
    Module => Kind { keyword: "module", labels: 1, schema: no_attributes, reference: None, policy: false, logical_suffix: None },
    Moved => Kind { keyword: "moved", labels: 0, schema: no_attributes, reference: None, policy: false, logical_suffix: None },
}

impl BlockKind {
    /// This kind's row of the table.
    pub fn info(self) -> &'static Kind {
        &KINDS[self as usize]
    }
    pub fn as_str(self) -> &'static str {
        self.info().keyword
    }
    pub fn parse(s: &str) -> Option<BlockKind> {
        BlockKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn ref_kind(self) -> Option<RefKind> {
        self.info().reference.map(|(k, _)| k)
    }
    pub(super) fn labels(self) -> usize {
        self.info().labels
    }
    /// The attribute schema of this kind (built once): the registry of every attribute, its
    /// type (with enum values and ranges) and default.
    pub fn schema(self) -> &'static [AttrSpec] {
        static SCHEMAS: std::sync::OnceLock<Vec<Vec<AttrSpec>>> = std::sync::OnceLock::new();
        let all = SCHEMAS.get_or_init(|| KINDS.iter().map(|k| (k.schema)()).collect());
        &all[self as usize]
    }
}

impl From<RefKind> for BlockKind {
    fn from(k: RefKind) -> BlockKind {
        KINDS
            .iter()
            .position(|row| row.reference.is_some_and(|(r, _)| r == k))
            .map(|i| BlockKind::ALL[i])
            .expect("every reference kind has a row in the kind table")
    }
}

/// The kinds a `policy` can be `for`, in table order.
pub fn policy_keywords() -> impl Iterator<Item = &'static str> {
    KINDS.iter().filter(|k| k.policy).map(|k| k.keyword)
}

/// The names an expression may start with: `var`, `local`, `app`, `module`, the referenceable
/// kinds, `http` and `websocket` (the shared APIs) and `aws` (the account and partition).
pub fn roots() -> Vec<&'static str> {
    let mut roots = vec!["var", "local", "app", "module"];
    roots.extend(
        KINDS
            .iter()
            .filter(|k| k.reference.is_some())
            .map(|k| k.keyword),
    );
    roots.push("http");
    roots.push("websocket");
    roots.push("aws");
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_kinds_are_the_rows_that_have_one() {
        for k in RefKind::ALL {
            assert_eq!(BlockKind::from(k).ref_kind(), Some(k));
            assert_eq!(BlockKind::from(k).as_str(), k.as_str());
        }
        let with_reference = KINDS.iter().filter(|k| k.reference.is_some()).count();
        assert_eq!(with_reference, RefKind::ALL.len());
    }
}
