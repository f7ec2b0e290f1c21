//! Who emits each name: two blocks whose emitted resources (or outputs) share a logical ID or a
//! Terraform address would overwrite each other — a resource silently lost. The emitters
//! record the block that owns each name they emit ([`Owner`]); a name emitted twice becomes a
//! [`Collision`], reported as `name-collision` at both blocks by `check` and `build`.

use crate::diagnostics::Diagnostic;
use crate::model::Block;

/// Who a name is emitted for: a block, or one of the shared APIs slsc adds on its own (with
/// their stages and URL outputs) — the emitter says which, so no owner is read from a name.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'m> {
    Block(&'m Block),
    /// `http.api` or `websocket.api`.
    Api(&'static str),
}

impl<'m> Owner<'m> {
    pub const HTTP_API: Owner<'static> = Owner::Api("http.api");
    pub const WEBSOCKET_API: Owner<'static> = Owner::Api("websocket.api");

    pub fn block(self) -> Option<&'m Block> {
        match self {
            Owner::Block(b) => Some(b),
            Owner::Api(_) => None,
        }
    }
    /// The owner's address: the block's (`function.api`), or the API's.
    pub fn address(self) -> String {
        match self {
            Owner::Block(b) => b.addr(),
            Owner::Api(a) => a.to_string(),
        }
    }
    fn describe(self) -> String {
        match self {
            Owner::Block(b) => b.addr(),
            Owner::Api("websocket.api") => "slsc's shared WebSocket API".to_string(),
            Owner::Api(_) => "slsc's shared HTTP API".to_string(),
        }
    }
}

/// A name emitted for two owners.
pub struct Collision<'m> {
    /// The logical ID, output name or Terraform address.
    pub name: String,
    pub first: Owner<'m>,
    pub second: Owner<'m>,
}

/// The collisions among names sorted by name (adjacent equal names): `(name, owner)` pairs.
pub fn adjacent<'m, 'a>(sorted: impl Iterator<Item = (&'a str, Owner<'m>)>) -> Vec<Collision<'m>> {
    let mut out = Vec::new();
    let mut prev: Option<(&str, Owner<'m>)> = None;
    for (name, owner) in sorted {
        if let Some((p, first)) = prev {
            if p == name {
                out.push(Collision {
                    name: name.to_string(),
                    first,
                    second: owner,
                });
            }
        }
        prev = Some((name, owner));
    }
    out
}

/// The `name-collision` diagnostics of a target's collisions: at the user's block (the later one
/// when both are), with a label at the other.
pub fn diagnostics(collisions: &[Collision], what: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in collisions {
        let (at, other) = match (c.first.block(), c.second.block()) {
            (_, Some(b)) => (b, c.first),
            (Some(a), None) => (a, c.second),
            (None, None) => continue,
        };
        let mut d = Diagnostic::error(
            "name-collision",
            at.name_span,
            format!(
                "{} and {} would both emit the {what} `{}`: one would overwrite the other",
                other.describe(),
                at.addr(),
                c.name
            ),
        )
        .with_help("names slsc derives add a suffix to the block's name (`…Topic`, `…Notify1`, `HttpApiUrl`): rename one of the blocks");
        if let Some(o) = other.block() {
            d = d.with_label(o.name_span, "the other block");
        }
        out.push(d);
    }
    out
}

/// The owners of a template's resources, as the template's `Metadata.slsc.owners` records them
/// (`{"function.api": ["ApiFunction", "ApiFunctionRole", …]}`): the plan reads a deployed
/// resource's block from there, never from its name.
pub fn owners_metadata<'a>(
    resources: impl Iterator<Item = (&'a str, Owner<'a>)>,
) -> serde_json::Value {
    let mut by: std::collections::BTreeMap<String, std::collections::BTreeSet<&str>> =
        Default::default();
    for (id, o) in resources {
        by.entry(o.address()).or_default().insert(id);
    }
    serde_json::json!({"slsc": {"owners": by}})
}
