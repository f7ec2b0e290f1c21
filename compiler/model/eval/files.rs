//! `file("path")` (a file's text) and `templatefile("path", { NAME = value, … })` (a file read
//! as an HCL template: `${NAME}` interpolations, `%{ if }` and `%{ for }` directives), read at
//! compile time through the compilation's [`Reads`](crate::model::reads::Reads).
//!
//! A template sees only the variables it is given (and the functions but `templatefile`): it
//! is evaluated by this evaluator, isolated. Its own text is not a file of the project, so a
//! mistake inside it is reported at the call's path argument, saying where in the template.

use super::{EvalError, EvalResult, Evaluator};
use crate::diagnostics::{Diagnostic, Span};
use crate::model::functions::{arity, string_arg};
use crate::model::value::{suggest, Value};
use hcl_edit::template::Template;
use indexmap::IndexMap;
use std::sync::Arc;

impl Evaluator<'_> {
    /// `file(path)` / `templatefile(path, vars)`.
    pub(super) fn read_call(
        &mut self,
        name: &str,
        args: Vec<Value>,
        spans: &[Span],
        span: Span,
    ) -> EvalResult {
        let at = |i: usize| spans.get(i).copied().unwrap_or(span);
        let n = if name == "file" { 1 } else { 2 };
        arity(name, &args, n, Some(n), span)?;
        if self.isolated && name == "templatefile" {
            return Err(Diagnostic::error(
                "invalid-value",
                span,
                "a template cannot call `templatefile`",
            )
            .with_help("render the inner template first and pass the result as a variable")
            .into());
        }
        let path = string_arg(name, &args[0], at(0))?;
        let vars = match args.get(1) {
            Some(Value::Object(o)) => Some(o.clone()),
            Some(other) => {
                return Err(Diagnostic::error(
                    "type-mismatch",
                    at(1),
                    format!(
                        "`templatefile` needs an object of the template's variables, found {}",
                        other.describe()
                    ),
                )
                .with_help("templatefile(\"request.tpl\", { table = \"orders\" })")
                .into())
            }
            None => None,
        };
        let text = self.read_text(name, path, at(0))?;
        match vars {
            None => Ok(Value::String(text.to_string())),
            Some(vars) => self.render(path, &text, vars, (at(0), at(1))),
        }
    }

    fn read_text(&self, func: &str, path: &str, span: Span) -> Result<Arc<str>, EvalError> {
        let Some(reads) = self.env.reads else {
            return Err(Diagnostic::error(
                "source-not-found",
                span,
                format!("`{func}` cannot read files here"),
            )
            .into());
        };
        reads.read(func, path, span).map_err(EvalError::from)
    }

    /// Renders `text` (the file `path`) with `vars` only in scope. `spans`: the path argument
    /// (where mistakes inside the template are reported) and the variables argument.
    fn render(
        &mut self,
        path: &str,
        text: &str,
        vars: IndexMap<String, Value>,
        spans: (Span, Span),
    ) -> EvalResult {
        let template: Template = text.parse().map_err(|e: hcl_edit::parser::Error| {
            let loc = e.location();
            Diagnostic::error(
                "invalid-value",
                spans.0,
                format!(
                    "`templatefile`: \"{path}\" is not a valid template (line {}, column {}: {})",
                    loc.line(),
                    loc.column(),
                    e.message()
                ),
            )
            .with_help("a template is text with ${NAME} interpolations and %{ if }/%{ for } directives; write $${ and %%{ for literal ones")
        })?;
        let names: Vec<String> = vars.keys().cloned().collect();
        let saved_scopes = std::mem::replace(&mut self.scopes, vec![vars.into_iter().collect()]);
        let saved_isolated = std::mem::replace(&mut self.isolated, true);
        let r = self.template(&template);
        self.scopes = saved_scopes;
        self.isolated = saved_isolated;
        r.map_err(|e| match e {
            EvalError::Diag(d) => in_template(*d, path, text, &names, spans).into(),
            EvalError::Reported => EvalError::Reported,
        })
    }

    /// A name a template uses that is not one of its variables.
    pub(super) fn not_a_template_variable(&self, name: &str, span: Span) -> EvalError {
        let given: Vec<&str> = self
            .scopes
            .iter()
            .flat_map(|s| s.keys().map(String::as_str))
            .collect();
        let mut d = Diagnostic::error(
            "unresolved-reference",
            span,
            format!("`{name}` is not one of the template's variables"),
        );
        d.help = Some(match suggest(name, given.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                "a template reads only the variables `templatefile` gives it: add it to the object"
                    .to_string()
            }
        });
        d.into()
    }
}

/// A diagnostic from inside a template (its span is a range of the template's text), moved to
/// the call's path argument: the message says where in the template, a label shows the
/// variables given.
fn in_template(
    d: Diagnostic,
    path: &str,
    text: &str,
    names: &[String],
    (path_span, vars_span): (Span, Span),
) -> Diagnostic {
    let mut offset = d.span.start.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    let given = if names.is_empty() {
        "no variables given".to_string()
    } else {
        format!("the variables given: {}", names.join(", "))
    };
    let mut out = Diagnostic::error(
        &d.code,
        path_span,
        format!(
            "in the template \"{path}\" (line {line}, column {column}): {}",
            d.message
        ),
    )
    .with_label(vars_span, given);
    out.help = d.help;
    out
}
