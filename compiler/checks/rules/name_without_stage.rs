//! `name-without-stage`: an explicit physical name that does not contain the stage.

use crate::checks::{Check, Ctx, Level, Rule};

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "name-without-stage",
    level: Level::Warn,
    hard: false,
    summary:
        "An explicit `name` does not contain the stage, so every stage deploys the same resource.",
    doc: r#"
## What it does
Flags an explicit `name` (on a function, queue, database, bucket or topic) that does not
contain the stage as a whole part of the name — delimited by the start or end of the name or
by a character other than a letter or a digit (`users-dev`, `dev.uploads`, but not
`developers`).

## Why is this bad?
Derived names carry the stage (`{app}-{stage}-{name}`), so `dev` and `prod` are separate
resources. A fixed name is the same in every stage: deploying a second stage either fails (the
name is taken) or, for a stack that adopts the resource, makes `dev` write to production data.

## Example
```hcl
database "users" {
  name          = "users"
  partition_key = { name = "id", type = "string" }
}
```

## Use instead
```hcl
database "users" {
  name          = "users-${app.stage}"
  partition_key = { name = "id", type = "string" }
}
```
When one resource really is shared by every stage (an existing bucket that each stage only
reads), allow the rule for the project: `lint = { "name-without-stage" = "allow" }` in the app
block.
"#,
};

/// Whether `stage` occurs in `name` as a whole part (not inside a longer word).
fn contains_stage(name: &str, stage: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    name.match_indices(stage).any(|(i, _)| {
        !alnum(name[..i].chars().next_back()) && !alnum(name[i + stage.len()..].chars().next())
    })
}

fn check(cx: &mut Ctx) {
    let model = cx.model;
    let stage = model.stage.as_str();
    let mut found = Vec::new();
    for b in &model.blocks {
        let Some(name) = b.str("name") else { continue };
        if contains_stage(name, stage) {
            continue;
        }
        found.push((b.span_of("name"), b.addr(), name.to_string()));
    }
    for (span, addr, name) in found {
        cx.report(
            &RULE,
            span,
            format!("the name \"{name}\" of {addr} does not contain the stage \"{stage}\": every stage would deploy the same resource"),
        )
        .help = Some(format!(
            "put the stage in the name, e.g. `name = \"{name}-${{app.stage}}\"`; or, for a resource every stage shares, `lint = {{ \"name-without-stage\" = \"allow\" }}` in the app block"
        ));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stage_as_a_whole_part() {
        assert!(super::contains_stage("users-dev", "dev"));
        assert!(super::contains_stage("dev.uploads", "dev"));
        assert!(super::contains_stage("dev", "dev"));
        assert!(!super::contains_stage("developers", "dev"));
        assert!(super::contains_stage("a-pr-12-b", "pr-12"));
    }
}
