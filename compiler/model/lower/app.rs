//! Pass 3, **app**: the project's one `app` block, which gives `app.name`, and its stage
//! (`--stage` wins over `app.stage`, which defaults to `dev`).

use super::{Decl, Lowerer, PolicyBlock, Scope};
use crate::diagnostics::{Diagnostic, FileId, Span};
use crate::model::eval::{EvalError, Evaluator};
use crate::model::syntax_store::OnceSyntax;
use crate::model::{sp, BlockKind, UsageError, Value};

impl Lowerer<'_> {
    /// **App** (pass 3): reads the declarations (and the `policy` blocks) and the project's
    /// first file; produces the `app` declaration (the first one: a second one is reported, and
    /// a missing one unless the project is a policy library or a file did not parse).
    pub(super) fn app<'d, 'a>(
        &mut self,
        decls: &'d [Decl<'a>],
        policies: &[PolicyBlock],
        first_file: Option<FileId>,
    ) -> Option<&'d Decl<'a>> {
        let apps: Vec<&Decl> = decls.iter().filter(|d| d.kind == BlockKind::App).collect();
        let app_decl = apps.first().copied();
        if apps.len() > 1 {
            for extra in &apps[1..] {
                self.diags.push(
                    Diagnostic::error(
                        "duplicate-name",
                        extra.header,
                        format!(
                            "a second `app` block (\"{}\"): a project has exactly one",
                            extra.name
                        ),
                    )
                    .with_label(apps[0].header, "the first `app` block"),
                );
            }
        }
        // A folder of `policy` blocks alone (and variables they read) is a policy library:
        // `slsc check` validates its policies and needs no `app` block.
        let policy_library =
            !policies.is_empty() && decls.iter().all(|d| d.kind == BlockKind::Variable);
        if let (None, Some(first_file), true, false) =
            (app_decl, first_file, self.no_parse_errors, policy_library)
        {
            self.diags.push(
                Diagnostic::error(
                    "missing-attribute",
                    Span::file_start(first_file),
                    "the project has no `app` block: every project needs exactly one",
                )
                .with_help("add one, e.g.\napp \"shop\" {\n  region = \"eu-west-1\"\n}"),
            );
        }
        app_decl
    }

    /// **Stage** (pass 3): reads `--stage`, else the app block's `stage` (its syntax from the
    /// store), evaluated in the scope (which has `app.name` but no stage yet); produces the
    /// stage. An invalid `--stage` is a usage error.
    pub(super) fn stage(
        &mut self,
        app: Option<&Decl>,
        once: &OnceSyntax,
        scope: &Scope,
    ) -> Result<String, UsageError> {
        let mut stage = self.opts.stage.clone();
        if let Some(s) = &stage {
            if !valid_stage(s) {
                return Err(UsageError(format!(
                    "--stage {s}: a stage is 1–16 characters of a-z, 0-9 and -"
                )));
            }
        }
        if stage.is_none() {
            if let Some(d) = app {
                if let Some(attr) = once
                    .block(d.src)
                    .and_then(|b| b.body.get_attribute("stage"))
                {
                    let mut ev = Evaluator::new(scope.env());
                    // Type errors are reported when the app block is lowered (pass 5), which
                    // evaluates `stage` again; only what that pass cannot see is reported here.
                    match ev.eval_in(d.file, &attr.value) {
                        Ok(Value::String(s)) if valid_stage(&s) => stage = Some(s),
                        Ok(Value::String(s)) => self.diags.push(
                            Diagnostic::error(
                                "invalid-value",
                                sp(d.file, &attr.value),
                                format!(
                                    "\"{s}\" is not a valid stage: 1–16 characters of a-z, 0-9 and -"
                                ),
                            )
                            .with_help("stages name environments: \"dev\", \"prod\", \"pr-123\""),
                        ),
                        Err(EvalError::Diag(dd)) if dd.code == "cycle" => self.diags.push(*dd),
                        _ => {}
                    }
                    // Errors inside locals used by `stage` are reported in pass 4.
                }
            }
        }
        Ok(stage.unwrap_or_else(|| "dev".to_string()))
    }
}

fn valid_stage(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 16
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
