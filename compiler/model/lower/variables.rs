//! Pass 2, **variables**: each `variable` block's value, from `--var`, the `--var-file` or its
//! default, checked against its declared type.

use super::{nested_block_error, Decl, Lowerer, Scope};
use crate::diagnostics::{Diagnostic, Span};
use crate::model::eval::{value_or_report, EvalError, Evaluator};
use crate::model::schema::{self, Site, Ty};
use crate::model::syntax_store::OnceSyntax;
use crate::model::{header_span, sp, value, BlockKind, LowerOptions, RefKind, UsageError, Value};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block as HclBlock, Structure};
use std::collections::BTreeMap;

/// The declared type of a variable.
#[derive(Debug, Clone, PartialEq)]
pub enum VarType {
    String,
    Number,
    Bool,
    List(Box<VarType>),
    Map(Box<VarType>),
    /// `ref(queue)`: a reference to a block of one kind (a module's input: which table the
    /// worker writes); `ref`: to a block of any kind. A bucket may be narrowed with
    /// `prefix(…)`.
    Ref(Option<RefKind>),
    /// `any`: whatever the value is (as in Terraform): an object for a module's input that a
    /// block attribute checks (`jwt = var.jwt`).
    Any,
}

impl VarType {
    fn name(&self) -> String {
        match self {
            VarType::String => "string".into(),
            VarType::Number => "number".into(),
            VarType::Bool => "bool".into(),
            VarType::List(t) => format!("list({})", t.name()),
            VarType::Map(t) => format!("map({})", t.name()),
            VarType::Ref(Some(k)) => format!("ref({})", k.as_str()),
            VarType::Ref(None) => "ref".into(),
            VarType::Any => "any".into(),
        }
    }
    fn ty(&self) -> Ty {
        match self {
            // A deploy-time string too: a module's caller may pass `queue.jobs.url` (a project
            // variable's value is a constant, so it never is one).
            VarType::String => Ty::Env,
            VarType::Number => Ty::Float {
                min: -1.0e15,
                max: 1.0e15,
            },
            VarType::Bool => Ty::Bool,
            VarType::List(t) => Ty::List(Box::new(t.ty())),
            VarType::Map(t) => Ty::Map(Box::new(t.ty())),
            VarType::Ref(None) => Ty::RefOrPrefix(&RefKind::ALL),
            // Not checked here (see `check_value`): the attribute it is given to checks it.
            VarType::Any => Ty::Any,
            VarType::Ref(Some(RefKind::Bucket)) => Ty::RefOrPrefix(&[RefKind::Bucket]),
            VarType::Ref(Some(k)) => Ty::Ref(match k {
                RefKind::Function => &[RefKind::Function],
                RefKind::Queue => &[RefKind::Queue],
                RefKind::Database => &[RefKind::Database],
                RefKind::Bucket => &[RefKind::Bucket],
                RefKind::Topic => &[RefKind::Topic],
                RefKind::Alarm => &[RefKind::Alarm],
                RefKind::Resource => &[RefKind::Resource],
                RefKind::Stream => &[RefKind::Stream],
                RefKind::Layer => &[RefKind::Layer],
            }),
        }
    }
}

fn parse_var_type(e: &Expression) -> Option<VarType> {
    match e {
        Expression::Variable(v) => match v.value().as_str() {
            "string" => Some(VarType::String),
            "number" => Some(VarType::Number),
            "bool" => Some(VarType::Bool),
            "ref" => Some(VarType::Ref(None)),
            "any" => Some(VarType::Any),
            _ => None,
        },
        Expression::FuncCall(f)
            if f.args.len() == 1
                && f.name.namespace.is_empty()
                && f.name.name.value().as_str() == "ref" =>
        {
            match f.args.get(0)? {
                Expression::Variable(k) => {
                    RefKind::parse(k.value().as_str()).map(|k| VarType::Ref(Some(k)))
                }
                _ => None,
            }
        }
        Expression::FuncCall(f) if f.args.len() == 1 && f.name.namespace.is_empty() => {
            let inner = parse_var_type(f.args.get(0)?)?;
            match f.name.name.value().as_str() {
                "list" => Some(VarType::List(Box::new(inner))),
                "map" => Some(VarType::Map(Box::new(inner))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The values the `--var-file` sets, by variable name: the value's span and expression.
type VarFileValues<'o> = BTreeMap<String, (Span, &'o Expression)>;

/// What a `variable` block declares.
struct VarDecl<'b> {
    ty: VarType,
    /// The `type` expression (the block header when there is none).
    type_span: Span,
    default: Option<(&'b Expression, Span)>,
    /// An unknown attribute was written (perhaps a misspelt `default`).
    misspelt: bool,
}

impl Lowerer<'_> {
    /// **Variables** (pass 2): reads the `variable` declarations (their syntax from the store),
    /// the declared variables' names and the options' `--var` and `--var-file`; produces the
    /// value of every variable that has a valid one. A `--var` naming no declared variable is
    /// a usage error (when every file parsed).
    pub(super) fn variables(
        &mut self,
        decls: &[Decl],
        once: &OnceSyntax,
        declared_vars: &BTreeMap<String, Span>,
    ) -> Result<BTreeMap<String, Value>, UsageError> {
        let opts = self.opts;
        for (name, _) in &opts.vars {
            if !declared_vars.contains_key(name) && self.no_parse_errors {
                let s = value::suggest(name, declared_vars.keys().map(String::as_str));
                return Err(UsageError(format!(
                    "--var {name}: no `variable \"{name}\"` block is declared{}",
                    s.map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default()
                )));
            }
        }
        let var_file = self.var_file_values(opts, declared_vars);
        let mut variables: BTreeMap<String, Value> = BTreeMap::new();
        // A variable's value is a constant: it sees no names.
        let nothing = Scope {
            reads: Some(self.mcx.reads()),
            ..Scope::default()
        };
        let mut ev = Evaluator::new(nothing.env());
        for d in decls.iter().filter(|d| d.kind == BlockKind::Variable) {
            let Some(block) = once.block(d.src) else {
                continue;
            };
            let Some(decl) = self.variable_decl(d, block) else {
                continue;
            };
            if let Some(v) = self.variable_value(d, &decl, &var_file, &mut ev) {
                variables.insert(d.name.clone(), v);
            }
        }
        Ok(variables)
    }

    /// Reads the `--var-file`: the values it sets for declared variables (it may set nothing
    /// else, and holds only attributes).
    fn var_file_values<'o>(
        &mut self,
        opts: &'o LowerOptions,
        declared_vars: &BTreeMap<String, Span>,
    ) -> VarFileValues<'o> {
        let mut values = BTreeMap::new();
        let Some((file, body)) = &opts.var_file else {
            return values;
        };
        for st in body.iter() {
            match st {
                Structure::Attribute(a) => {
                    let n = a.key.value().to_string();
                    if !declared_vars.contains_key(&n) {
                        if self.no_parse_errors {
                            let s = value::suggest(&n, declared_vars.keys().map(String::as_str));
                            self.diags.push(
                                Diagnostic::error(
                                    "unresolved-reference",
                                    sp(*file, &a.key),
                                    format!("the var-file sets `{n}`, but no `variable \"{n}\"` block is declared"),
                                )
                                .with_help_opt(s.map(|s| format!("did you mean `{s}`?"))),
                            );
                        }
                        continue;
                    }
                    values.insert(n, (sp(*file, &a.value), &a.value));
                }
                Structure::Block(b) => self.diags.push(Diagnostic::error(
                    "syntax",
                    header_span(*file, b),
                    "a var-file holds only `name = value` attributes",
                )),
            }
        }
        values
    }

    /// Reads a `variable` block's attributes; `None` (reported) without a valid `type`.
    fn variable_decl<'b>(&mut self, d: &Decl, block: &'b HclBlock) -> Option<VarDecl<'b>> {
        let file = d.file;
        let mut ty: Option<VarType> = None;
        let mut type_span = d.header;
        let mut default: Option<(&Expression, Span)> = None;
        let mut misspelt = false;
        for st in block.body.iter() {
            match st {
                Structure::Attribute(a) => match a.key.value().as_str() {
                    "type" => {
                        type_span = sp(file, &a.value);
                        match parse_var_type(&a.value) {
                            Some(t) => ty = Some(t),
                            None => {
                                self.diags.push(
                                    Diagnostic::error(
                                        "invalid-value",
                                        type_span,
                                        "unknown variable type",
                                    )
                                    .with_help(type_help(&a.value)),
                                );
                                return None;
                            }
                        }
                    }
                    "default" => default = Some((&a.value, sp(file, &a.value))),
                    "description" => {
                        if !matches!(&a.value, Expression::String(_)) {
                            self.diags.push(Diagnostic::error(
                                "type-mismatch",
                                sp(file, &a.value),
                                "a variable's description must be a plain string",
                            ));
                        }
                    }
                    other => {
                        misspelt = true;
                        let s = value::suggest(other, ["type", "default", "description"]);
                        self.diags.push(
                            Diagnostic::error(
                                "unknown-attribute",
                                sp(file, &a.key),
                                format!("unknown attribute `{other}` in a `variable` block"),
                            )
                            .with_help(match s {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "a variable has `type`, `default` and `description`".into(),
                            }),
                        );
                    }
                },
                Structure::Block(b) => {
                    self.diags
                        .push(nested_block_error(file, b, BlockKind::Variable, &[]))
                }
            }
        }
        let Some(ty) = ty else {
            self.diags.push(
                Diagnostic::error(
                    "missing-attribute",
                    d.header,
                    format!("variable \"{}\" has no `type`", d.name),
                )
                .with_help("declare one of string, number, bool, list(T), map(T), ref(KIND), ref, any: `type = string`"),
            );
            return None;
        };
        Some(VarDecl {
            ty,
            type_span,
            default,
            misspelt,
        })
    }

    /// A variable's value: `--var` wins over `--var-file`, which wins over the default (the
    /// last `--var` of a name wins). `None` (reported) when there is no valid value.
    fn variable_value(
        &mut self,
        d: &Decl,
        decl: &VarDecl,
        var_file: &VarFileValues,
        ev: &mut Evaluator,
    ) -> Option<Value> {
        let file = d.file;
        let opts = self.opts;
        // `--var` sets the project's variables, not a module's.
        let cli = opts.vars.iter().rev().find(|(n, _)| *n == d.name);
        if let Some((_, raw)) = cli.filter(|_| self.at.is_root()) {
            let v = self.cli_value(d, decl, raw, ev)?;
            let site = Site {
                file,
                span: d.name_span,
                expr: None,
            };
            return self.check_variable(d, decl, v, site);
        }
        if let Some((span, expr)) = var_file.get(&d.name) {
            let v = value_or_report(ev.eval_in(span.file, expr), &mut self.diags)?;
            let site = Site {
                file: span.file,
                span: *span,
                expr: Some(expr),
            };
            return self.check_variable(d, decl, v, site);
        }
        if let Some((expr, span)) = decl.default {
            return match ev.eval_in(file, expr) {
                Ok(v) => {
                    let site = Site {
                        file,
                        span,
                        expr: Some(expr),
                    };
                    self.check_variable(d, decl, v, site)
                }
                Err(EvalError::Diag(mut e)) => {
                    if e.code == "unresolved-reference" {
                        e.help = Some(
                            "a variable's default must be a constant: it cannot refer to other names"
                                .into(),
                        );
                    }
                    self.diags.push(*e);
                    None
                }
                Err(EvalError::Reported) => None,
            };
        }
        if decl.misspelt {
            // `defualt = …` was reported as unknown; a missing value would only repeat it.
            return None;
        }
        self.diags.push(
            Diagnostic::error(
                "missing-variable",
                d.header,
                format!("variable \"{}\" has no value", d.name),
            )
            .with_help(format!(
                "pass one with --var {}=VALUE or in a --var-file, or give the variable a `default`",
                d.name
            )),
        );
        None
    }

    /// The value of `--var NAME=raw`, read as the variable's type (not yet checked against it).
    fn cli_value(
        &mut self,
        d: &Decl,
        decl: &VarDecl,
        raw: &str,
        ev: &mut Evaluator,
    ) -> Option<Value> {
        let (ty, type_span) = (&decl.ty, decl.type_span);
        let v = match ty {
            VarType::String => Value::String(raw.to_string()),
            VarType::Number => match raw.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && x.abs() <= 1.0e15 => Value::Number(x),
                _ => {
                    self.diags.push(
                        Diagnostic::error(
                            "type-mismatch",
                            d.name_span,
                            format!("--var {}=…: expected a number (the value is not repeated: it may be a secret)", d.name),
                        )
                        .with_label(type_span, "declared number here"),
                    );
                    return None;
                }
            },
            VarType::Bool => match raw.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => {
                    self.diags.push(
                        Diagnostic::error(
                            "type-mismatch",
                            d.name_span,
                            format!("--var {}=…: expected true or false (the value is not repeated: it may be a secret)", d.name),
                        )
                        .with_label(type_span, "declared bool here"),
                    );
                    return None;
                }
            },
            VarType::Ref(_) => {
                self.diags.push(
                    Diagnostic::error(
                        "type-mismatch",
                        d.name_span,
                        format!("--var {}=…: a {} variable cannot be set from the command line", d.name, ty.name()),
                    )
                    .with_help("references to blocks are set in the project (a module's caller), not with --var"),
                );
                return None;
            }
            VarType::List(_) | VarType::Map(_) | VarType::Any => {
                match hcl_edit::parser::parse_expr(raw) {
                    Ok(e) => match ev.eval_in(d.file, &e) {
                        Ok(v) => v,
                        Err(_) => {
                            self.diags.push(Diagnostic::error(
                            "type-mismatch",
                            d.name_span,
                            format!("--var {}=…: expected a constant {} such as [\"a\", \"b\"] or {{ k = \"v\" }}", d.name, ty.name()),
                        ));
                            return None;
                        }
                    },
                    Err(_) => {
                        self.diags.push(Diagnostic::error(
                        "type-mismatch",
                        d.name_span,
                        format!(
                            "--var {}=…: not a valid {} expression (the value is not repeated: it may be a secret)",
                            d.name,
                            ty.name()
                        ),
                    ));
                        return None;
                    }
                }
            }
        };
        Some(v)
    }

    /// Checks a variable's value against its declared type (`null`, "not set", is a value of
    /// every type, as in Terraform).
    fn check_variable(&mut self, d: &Decl, decl: &VarDecl, v: Value, site: Site) -> Option<Value> {
        self.check_value(&format!("variable \"{}\"", d.name), decl, v, site)
    }

    /// Checks a value against a variable's type; a mismatch is reported at `site` (the
    /// value: a `--var-file` entry, a default, a module caller's attribute) with a label at
    /// the declared type. `what` names the variable in the message.
    fn check_value(&mut self, what: &str, decl: &VarDecl, v: Value, site: Site) -> Option<Value> {
        if v == Value::Null || decl.ty == VarType::Any {
            return Some(v);
        }
        match schema::check(v, &decl.ty.ty(), site) {
            Ok(v) => Some(v),
            Err(mut e) => {
                if e.code == "type-mismatch" {
                    e.message = format!("{what} is declared {}: {}", decl.ty.name(), e.message);
                    e = e.with_label(decl.type_span, format!("declared {} here", decl.ty.name()));
                }
                self.diags.push(e);
                None
            }
        }
    }
}

/// The help for an unknown variable type: the closest type name, or the list of types.
fn type_help(e: &Expression) -> String {
    let written = match e {
        Expression::Variable(v) => v.value().as_str().to_string(),
        Expression::String(s) => s.value().to_string(),
        Expression::FuncCall(f) => f.name.name.value().as_str().to_string(),
        _ => String::new(),
    };
    match crate::model::value::suggest_enum(
        &written,
        &["string", "number", "bool", "list", "map", "ref", "any"],
    ) {
        Some(t) if t == "ref" => "did you mean `ref(KIND)`, e.g. `ref(queue)`?".to_string(),
        Some(t) if t == "list" || t == "map" => {
            format!("did you mean `{t}(T)`, e.g. `{t}(string)`?")
        }
        Some(t) => format!("did you mean `{t}`?"),
        None => "the types are string, number, bool, list(T), map(T), ref(KIND), ref and any"
            .to_string(),
    }
}

impl Lowerer<'_> {
    /// **Variables** of a module instance (pass 2 inside it): each `variable` block is an
    /// input, set by the caller's attribute of that name (checked against its type at the
    /// caller's attribute), else by its default. A missing input is reported at the caller's
    /// `module` block, an unknown one at the caller's attribute, with a suggestion.
    pub(super) fn module_inputs(
        &mut self,
        decls: &[Decl],
        once: &OnceSyntax,
        declared_vars: &BTreeMap<String, Span>,
        inputs: &super::modules::Inputs,
        describe: &str,
    ) -> BTreeMap<String, Value> {
        for (name, input) in inputs {
            if declared_vars.contains_key(name) {
                continue;
            }
            let s = value::suggest(name, declared_vars.keys().map(String::as_str));
            let all: Vec<String> = declared_vars.keys().map(|k| format!("`{k}`")).collect();
            self.diags.push(
                Diagnostic::error(
                    "unknown-attribute",
                    input.key_span,
                    format!("{describe} has no input `{name}`"),
                )
                .with_help(match s {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if all.is_empty() => "the module declares no `variable` blocks".into(),
                    None => format!("its inputs are {}", all.join(", ")),
                }),
            );
        }
        let nothing = Scope {
            reads: Some(self.mcx.reads()),
            ..Scope::default()
        };
        let mut ev = Evaluator::new(nothing.env());
        let mut variables = BTreeMap::new();
        for d in decls.iter().filter(|d| d.kind == BlockKind::Variable) {
            let Some(block) = once.block(d.src) else {
                continue;
            };
            let Some(decl) = self.variable_decl(d, block) else {
                continue;
            };
            let v = match inputs.get(&d.name) {
                Some(input) => {
                    let Some(v) = input.value.clone() else {
                        continue; // failed in the caller (reported)
                    };
                    let site = Site {
                        file: input.file,
                        span: input.value_span,
                        expr: Some(input.expr),
                    };
                    let what = format!("input `{}` of {describe}", d.name);
                    self.check_value(&what, &decl, v, site)
                }
                None if decl.misspelt => None,
                None if decl.default.is_some() => {
                    self.variable_value(d, &decl, &BTreeMap::new(), &mut ev)
                }
                None => {
                    let call = self.at.call.unwrap_or(d.header);
                    self.diags.push(
                        Diagnostic::error(
                            "missing-attribute",
                            call,
                            format!("{describe} needs the input `{}`", d.name),
                        )
                        .with_primary_label(format!("add `{} = …` here", d.name))
                        .with_label(d.name_span, "declared here, without a default"),
                    );
                    None
                }
            };
            if let Some(v) = v {
                variables.insert(d.name.clone(), v);
            }
        }
        variables
    }
}
