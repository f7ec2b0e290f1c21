//! Pass 3, **app**: the project's one `app` block, which gives `app.name`, its stage
//! (`--stage` wins over `app.stage`, which defaults to `dev`), `app.region`, and the source root
//! `file` and `templatefile` read under.

use super::{Decl, Lowerer, PolicyBlock, Scope};
use crate::diagnostics::{Diagnostic, FileId, Span};
use crate::model::eval::{EvalError, Evaluator, Known};
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
            match self.app_attr(app, once, scope, "stage") {
                Some((Value::String(s), _)) if valid_stage(&s) => stage = Some(s),
                Some((Value::String(s), span)) => self.diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        span,
                        format!("\"{s}\" is not a valid stage: 1–16 characters of a-z, 0-9 and -"),
                    )
                    .with_help("stages name environments: \"dev\", \"prod\", \"pr-123\""),
                ),
                _ => {}
            }
        }
        Ok(stage.unwrap_or_else(|| "dev".to_string()))
    }
}

impl Lowerer<'_> {
    /// **Region** (pass 3): the app block's `region` (it may read `app.stage`, not
    /// `app.region`), the schema's default when it is not written; `Failed` when its value
    /// failed or is not a string (reported when the app block is lowered, pass 5).
    pub(super) fn region(
        &mut self,
        app: Option<&Decl>,
        once: &OnceSyntax,
        scope: &Scope,
    ) -> Known<String> {
        let written = app.is_some_and(|d| {
            once.block(d.src)
                .is_some_and(|b| b.body.get_attribute("region").is_some())
        });
        if !written {
            return Known::Value(DEFAULT_REGION.to_string());
        }
        match self.app_attr(app, once, scope, "region") {
            Some((Value::String(r), _)) => Known::Value(r),
            _ => Known::Failed,
        }
    }

    /// **Source root** (pass 3, the project's lowering only): the app block's `source_root`,
    /// under which `file` and `templatefile` may read (the project directory when it is not
    /// written or not valid; validation reports an invalid one).
    pub(super) fn source_root(&mut self, app: Option<&Decl>, once: &OnceSyntax, scope: &Scope) {
        if !self.at.is_root() {
            return;
        }
        if let Some((Value::String(root), _)) = self.app_attr(app, once, scope, "source_root") {
            self.mcx.reads().set_root(&root);
        }
    }

    /// Evaluates an attribute of the app block in pass 3, in the scope known so far: its value
    /// and span, or `None` when it is not written or failed. Only a `cycle` (reading an app
    /// value not known yet) is reported here: the app block is lowered in pass 5, which
    /// evaluates the attribute again and reports the rest; errors inside locals, in pass 4.
    fn app_attr(
        &mut self,
        app: Option<&Decl>,
        once: &OnceSyntax,
        scope: &Scope,
        name: &str,
    ) -> Option<(Value, Span)> {
        let d = app?;
        let attr = once.block(d.src)?.body.get_attribute(name)?;
        let mut ev = Evaluator::new(scope.env());
        match ev.eval_in(d.file, &attr.value) {
            Ok(v) => Some((v, sp(d.file, &attr.value))),
            Err(EvalError::Diag(dd)) if dd.code == "cycle" => {
                self.diags.push(*dd);
                None
            }
            Err(_) => None,
        }
    }
}

/// The region of an app block that does not say (the schema's default).
const DEFAULT_REGION: &str = "us-east-1";

fn valid_stage(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 16
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
