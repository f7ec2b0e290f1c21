//! Who emits each name: two blocks whose emitted resources (or outputs) share a logical ID or a
//! Terraform address would overwrite each other — a resource silently lost. The emitters
//! record the block that owns each name they emit ([`Owner`]); a name emitted twice becomes a
//! [`Collision`], reported as `name-collision` at both blocks by `check` and `build`.

use crate::diagnostics::Diagnostic;
use crate::model::Block;

/// The block a name is emitted for; `None` for what slsc adds on its own (the shared HTTP and
/// WebSocket APIs, their stages and their URL outputs).
pub type Owner<'m> = Option<&'m Block>;

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

fn describe(o: Owner, name: &str) -> String {
    match o {
        Some(b) => b.addr(),
        None if name.to_ascii_lowercase().starts_with("websocket") => {
            "slsc's shared WebSocket API".to_string()
        }
        None => "slsc's shared HTTP API".to_string(),
    }
}

/// The `name-collision` diagnostics of a target's collisions: at the user's block (the later one
/// when both are), with a label at the other.
pub fn diagnostics(collisions: &[Collision], what: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in collisions {
        let (at, other) = match (c.first, c.second) {
            (_, Some(b)) => (b, c.first),
            (Some(a), None) => (a, None),
            (None, None) => continue,
        };
        let mut d = Diagnostic::error(
            "name-collision",
            at.name_span,
            format!(
                "{} and {} would both emit the {what} `{}`: one would overwrite the other",
                describe(other, &c.name),
                at.addr(),
                c.name
            ),
        )
        .with_help("names slsc derives add a suffix to the block's name (`…Topic`, `…Notify1`, `HttpApiUrl`): rename one of the blocks");
        if let Some(o) = other {
            d = d.with_label(o.name_span, "the other block");
        }
        out.push(d);
    }
    out
}

/// The address of an emitted resource's owner: its block, or the shared API it belongs to.
pub fn owner_address(owner: Owner, id: &str) -> String {
    match owner {
        Some(b) => b.addr(),
        None if id.to_ascii_lowercase().starts_with("websocket")
            || id.starts_with("aws_apigatewayv2_api.websocket")
            || id.starts_with("aws_apigatewayv2_stage.websocket") =>
        {
            "websocket.api".to_string()
        }
        None => "http.api".to_string(),
    }
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
        by.entry(owner_address(o, id)).or_default().insert(id);
    }
    serde_json::json!({"slsc": {"owners": by}})
}
