//! The expression evaluator of SPEC §4.
//!
//! slsc evaluates hcl-edit expressions directly instead of converting them to `hcl::Expression`
//! and using `hcl::eval`: this keeps a byte span on every error (hcl-rs's evaluation errors have
//! none), lets a value be "known only after deploy" (hcl-rs has no unknown values), types block
//! references by kind, and guards arithmetic (hcl-rs panics on `1/0`, `1%0` and overflow).
//!
//! Name resolution happens here too: `var.X`, `local.X` (evaluated lazily, once, with cycle
//! detection), `app.name`/`app.stage`/`app.region`, `KIND.NAME` (checked against the declared blocks, with a
//! "did you mean" suggestion) and `KIND.NAME.ATTR` (a deploy-time string). Values a failed
//! expression would have produced are never guessed: the evaluator returns
//! [`EvalError::Reported`] when the cause was already reported (a failed local, a missing
//! variable), so one mistake produces one diagnostic.

mod files;

use super::modules::{ModuleValue, Outputs};
use super::reads::Reads;
use super::value::{fmt_number, suggest, Addr, AwsValue, Part, RefKind, Value};
use crate::diagnostics::{Diagnostic, FileId, Span};
use hcl_edit::expr::{
    BinaryOp, BinaryOperator, Conditional, Expression, ForExpr, FuncCall, Object, ObjectKey,
    TraversalOperator, UnaryOp, UnaryOperator,
};
use hcl_edit::template::{Directive, Element, Template};
use indexmap::IndexMap;
use std::collections::{BTreeMap, HashMap};

pub enum EvalError {
    Diag(Box<Diagnostic>),
    /// The cause was already reported elsewhere.
    Reported,
}

impl From<Diagnostic> for EvalError {
    fn from(d: Diagnostic) -> Self {
        EvalError::Diag(Box::new(d))
    }
}

pub type EvalResult = Result<Value, EvalError>;

/// The value of an evaluation, or `None` once its error is in `diags` (an error reported
/// earlier adds nothing).
pub fn value_or_report(r: EvalResult, diags: &mut Vec<Diagnostic>) -> Option<Value> {
    match r {
        Ok(v) => Some(v),
        Err(EvalError::Diag(d)) => {
            diags.push(*d);
            None
        }
        Err(EvalError::Reported) => None,
    }
}

/// A traversal's operators (`.attr`, `[index]`, splats).
type Ops = [hcl_edit::Decorated<TraversalOperator>];

/// A local's definition: the file it is in, its expression and the span of its name.
pub struct LocalDef<'a> {
    pub file: FileId,
    pub expr: &'a Expression,
    pub name_span: Span,
}

#[derive(Clone)]
enum LocalState {
    InProgress,
    Done(Value),
    Failed,
}

/// What the evaluator can see.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// Declared blocks, per referenceable kind.
    pub blocks: &'a BTreeMap<RefKind, BTreeMap<String, Span>>,
    /// Variables that have a value. `declared` lists all declared variables.
    pub vars: &'a BTreeMap<String, Value>,
    pub declared_vars: &'a BTreeMap<String, Span>,
    pub locals: &'a BTreeMap<String, LocalDef<'a>>,
    pub app_name: Option<&'a str>,
    pub app_stage: Option<&'a str>,
    pub app_region: Known<&'a str>,
    /// Inside a module instance, the prefix of its blocks' names (`billing_`): `queue.jobs`
    /// there is the model's `queue.billing_jobs`. Empty at the top level.
    pub prefix: &'a str,
    /// Declared `module` blocks (their values are in [`Evaluator::modules`]).
    pub modules: &'a BTreeMap<String, Span>,
    /// Where `file` and `templatefile` read (`None`: nowhere, as in a project in memory).
    pub reads: Option<&'a Reads<'a>>,
}

/// A value the app block gives (`app.region`): not known yet while the app block's own
/// attributes are evaluated (reading it then is a `cycle`), known, or failed (reported).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Known<T> {
    #[default]
    Pending,
    Value(T),
    Failed,
}

impl<T> Known<T> {
    pub fn as_ref(&self) -> Known<&T> {
        match self {
            Known::Pending => Known::Pending,
            Known::Value(v) => Known::Value(v),
            Known::Failed => Known::Failed,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Known<U> {
        match self {
            Known::Pending => Known::Pending,
            Known::Value(v) => Known::Value(f(v)),
            Known::Failed => Known::Failed,
        }
    }
}

pub struct Evaluator<'a> {
    pub env: Env<'a>,
    local_state: HashMap<String, LocalState>,
    local_stack: Vec<String>,
    /// Diagnostics produced while evaluating locals (reported once, at the local).
    pub diagnostics: Vec<Diagnostic>,
    file: FileId,
    scopes: Vec<HashMap<String, Value>>,
    /// What each instantiated `module` block evaluates to (filled in by the modules pass, in
    /// dependency order).
    pub modules: BTreeMap<String, ModuleValue>,
    /// Evaluating a `templatefile` template: only the names in `scopes` exist.
    isolated: bool,
}

const FUNCTIONS: &[&str] = &[
    "upper",
    "lower",
    "format",
    "join",
    "concat",
    "merge",
    "length",
    "min",
    "max",
    "lookup",
    "prefix",
    "secret",
    "ssm",
    "file",
    "templatefile",
];

/// How deep a chain of locals (each referring to the next) may go.
const MAX_LOCAL_DEPTH: usize = 4096;

/// Largest magnitude accepted for a number; larger results are `invalid-value` (they could not
/// be emitted faithfully as JSON integers anyway).
const MAX_NUMBER: f64 = 1.0e15;

fn err(code: &str, span: Span, msg: impl Into<String>) -> EvalError {
    EvalError::Diag(Box::new(Diagnostic::error(code, span, msg)))
}

fn deploy_time_error(span: Span, what: &str) -> EvalError {
    Diagnostic::error(
        "type-mismatch",
        span,
        format!("{what} a value known only after deploy"),
    )
    .with_help(
        "deploy-time values (`queue.x.url`, `secret(\"…\")`, …) can only be used as they are, or \
         embedded in a string template, in `environment` and `output` values and `permissions` resources",
    )
    .into()
}

impl<'a> Evaluator<'a> {
    pub fn new(env: Env<'a>) -> Self {
        Evaluator {
            env,
            local_state: HashMap::new(),
            local_stack: Vec::new(),
            diagnostics: Vec::new(),
            file: 0,
            scopes: Vec::new(),
            modules: BTreeMap::new(),
            isolated: false,
        }
    }

    /// An evaluator for another thread: the same environment and the same evaluated locals,
    /// with no diagnostics of its own. Once every local has been evaluated (pass 4 of
    /// lowering), evaluating block attributes only reads this state, so forks give the same
    /// values and report nothing about locals a second time.
    pub fn fork(&self) -> Evaluator<'a> {
        Evaluator {
            env: self.env,
            local_state: self.local_state.clone(),
            local_stack: Vec::new(),
            diagnostics: Vec::new(),
            file: self.file,
            scopes: Vec::new(),
            modules: self.modules.clone(),
            isolated: false,
        }
    }

    fn span(&self, node: &impl hcl_edit::Span) -> Span {
        Span::new(self.file, node.span().unwrap_or(0..0))
    }

    /// Evaluates an expression from `file` with one more name in scope (a policy's `self`).
    pub fn eval_with(
        &mut self,
        file: FileId,
        expr: &Expression,
        name: &str,
        value: Value,
    ) -> EvalResult {
        let mut scope = HashMap::new();
        scope.insert(name.to_string(), value);
        self.scopes.push(scope);
        let r = self.eval_in(file, expr);
        self.scopes.pop();
        r
    }

    /// Evaluates an expression from `file`.
    pub fn eval_in(&mut self, file: FileId, expr: &Expression) -> EvalResult {
        let saved = self.file;
        self.file = file;
        let r = self.eval(expr);
        self.file = saved;
        r
    }

    /// Evaluates a local by name (used to report every local's errors, even unused ones).
    pub fn eval_local(&mut self, name: &str) -> EvalResult {
        let use_span = self
            .env
            .locals
            .get(name)
            .map(|l| l.name_span)
            .unwrap_or(Span::file_start(self.file));
        self.local(name, use_span)
    }

    fn local(&mut self, name: &str, use_span: Span) -> EvalResult {
        match self.local_state.get(name) {
            Some(LocalState::Done(v)) => return Ok(v.clone()),
            Some(LocalState::Failed) => return Err(EvalError::Reported),
            Some(LocalState::InProgress) => {
                let start = self.local_stack.iter().position(|n| n == name).unwrap_or(0);
                let mut chain: Vec<String> = self.local_stack[start..]
                    .iter()
                    .map(|n| format!("local.{n}"))
                    .collect();
                chain.push(format!("local.{name}"));
                let def_span = self
                    .env
                    .locals
                    .get(name)
                    .map(|l| l.name_span)
                    .unwrap_or(use_span);
                let mut d = Diagnostic::error(
                    "cycle",
                    def_span,
                    format!(
                        "locals refer to each other in a cycle: {}",
                        chain.join(" → ")
                    ),
                )
                .with_help(
                    "a local cannot depend on itself; compute the shared part in a separate local",
                );
                for n in &self.local_stack[start..] {
                    if n != name {
                        if let Some(l) = self.env.locals.get(n) {
                            d = d
                                .with_label(l.name_span, format!("local.{n} is part of the cycle"));
                        }
                    }
                }
                for n in &self.local_stack[start..] {
                    self.local_state.insert(n.clone(), LocalState::Failed);
                }
                self.diagnostics.push(d);
                return Err(EvalError::Reported);
            }
            None => {}
        }
        if self.local_stack.len() >= MAX_LOCAL_DEPTH {
            return Err(Diagnostic::error(
                "invalid-value",
                use_span,
                format!(
                    "locals are nested more than {MAX_LOCAL_DEPTH} deep (each refers to the next)"
                ),
            )
            .with_help("flatten the chain of locals")
            .into());
        }
        let Some(def) = self.env.locals.get(name) else {
            let cands: Vec<&str> = self.env.locals.keys().map(String::as_str).collect();
            let s = suggest(name, cands);
            return Err(unresolved(
                use_span,
                &format!("local.{name}"),
                "no local with this name is declared in a `locals` block",
                s.map(|s| format!("local.{s}")),
                name,
            ));
        };
        let (file, expr) = (def.file, def.expr);
        self.local_state
            .insert(name.to_string(), LocalState::InProgress);
        self.local_stack.push(name.to_string());
        let saved_scopes = std::mem::take(&mut self.scopes);
        let r = self.eval_in(file, expr);
        self.scopes = saved_scopes;
        self.local_stack.pop();
        match r {
            Ok(v) => {
                if !matches!(self.local_state.get(name), Some(LocalState::Failed)) {
                    self.local_state
                        .insert(name.to_string(), LocalState::Done(v.clone()));
                    Ok(v)
                } else {
                    Err(EvalError::Reported)
                }
            }
            Err(EvalError::Diag(d)) => {
                self.local_state
                    .insert(name.to_string(), LocalState::Failed);
                self.diagnostics.push(*d);
                Err(EvalError::Reported)
            }
            Err(EvalError::Reported) => {
                self.local_state
                    .insert(name.to_string(), LocalState::Failed);
                Err(EvalError::Reported)
            }
        }
    }

    pub fn eval(&mut self, expr: &Expression) -> EvalResult {
        let span = self.span(expr);
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => {
                let f = n.value().as_f64().unwrap_or(f64::INFINITY);
                if !f.is_finite() || f.abs() > MAX_NUMBER {
                    return Err(err(
                        "invalid-value",
                        span,
                        "number is too large (the limit is 10^15)",
                    ));
                }
                Ok(Value::Number(f))
            }
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for e in a.iter() {
                    out.push(self.eval(e)?);
                }
                Ok(Value::List(out))
            }
            Expression::Object(o) => self.object(o),
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => {
                let mut h = (**h).clone();
                h.dedent();
                self.template(&h.template)
            }
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(v) => self.variable(v.value().as_str(), span),
            Expression::Conditional(c) => self.conditional(c),
            Expression::FuncCall(f) => self.call(f, span),
            Expression::Traversal(t) => self.traversal(&t.expr, &t.operators, span),
            Expression::UnaryOp(u) => self.unary(u, span),
            Expression::BinaryOp(b) => self.binary_op(b, span),
            Expression::ForExpr(f) => self.for_expr(f),
        }
    }

    /// An object literal: keys and values evaluated in order.
    fn object(&mut self, o: &Object) -> EvalResult {
        let mut out = IndexMap::new();
        for (k, v) in o.iter() {
            let key = self.object_key(k)?;
            let val = self.eval(v.expr())?;
            out.insert(key, val);
        }
        Ok(Value::Object(out))
    }

    /// An object key: an identifier, or an expression giving a string (numbers and bools are
    /// converted).
    fn object_key(&mut self, k: &ObjectKey) -> Result<String, EvalError> {
        Ok(match k {
            ObjectKey::Ident(i) => i.value().to_string(),
            ObjectKey::Expression(e) => match self.eval(e)? {
                Value::String(s) => s,
                Value::Number(n) => fmt_number(n),
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(err(
                        "type-mismatch",
                        self.span(e),
                        format!("an object key must be a string, found {}", other.describe()),
                    ))
                }
            },
        })
    }

    /// A bare name: a variable of an enclosing `for`, else an error (a root such as `var` needs
    /// an attribute).
    fn variable(&self, name: &str, span: Span) -> EvalResult {
        for scope in self.scopes.iter().rev() {
            if let Some(val) = scope.get(name) {
                return Ok(val.clone());
            }
        }
        if self.isolated {
            return Err(self.not_a_template_variable(name, span));
        }
        if super::kinds::roots().contains(&name) {
            return Err(Diagnostic::error(
                "unresolved-reference",
                span,
                format!("`{name}` needs an attribute: write `{name}.NAME`"),
            )
            .into());
        }
        let mut cands: Vec<&str> = super::kinds::roots();
        let scope_names: Vec<String> = self.scopes.iter().flat_map(|s| s.keys().cloned()).collect();
        cands.extend(scope_names.iter().map(String::as_str));
        let s = suggest(name, cands);
        Err(unresolved(span, name, "unknown name", s, name))
    }

    /// `cond ? a : b`: only the chosen branch is evaluated.
    fn conditional(&mut self, c: &Conditional) -> EvalResult {
        let cond = self.eval(&c.cond_expr)?;
        match cond {
            Value::Bool(true) => self.eval(&c.true_expr),
            Value::Bool(false) => self.eval(&c.false_expr),
            Value::Deploy(_) => Err(deploy_time_error(
                self.span(&c.cond_expr),
                "a condition cannot test",
            )),
            other => Err(err(
                "type-mismatch",
                self.span(&c.cond_expr),
                format!("a condition must be a bool, found {}", other.describe()),
            )),
        }
    }

    /// `-x` and `!x`.
    fn unary(&mut self, u: &UnaryOp, span: Span) -> EvalResult {
        let v = self.eval(&u.expr)?;
        match (u.operator.value(), v) {
            (UnaryOperator::Neg, Value::Number(n)) => Ok(Value::Number(-n)),
            (UnaryOperator::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
            (_, Value::Deploy(_)) => Err(deploy_time_error(span, "an operator cannot use")),
            (op, v) => Err(err(
                "type-mismatch",
                span,
                format!(
                    "`{}` needs a {}, found {}",
                    match op {
                        UnaryOperator::Neg => "-",
                        UnaryOperator::Not => "!",
                    },
                    match op {
                        UnaryOperator::Neg => "number",
                        UnaryOperator::Not => "bool",
                    },
                    v.describe()
                ),
            )),
        }
    }

    /// A binary operation: arithmetic, comparison or logic.
    fn binary_op(&mut self, b: &BinaryOp, span: Span) -> EvalResult {
        let op = *b.operator.value();
        let l = self.eval(&b.lhs_expr)?;
        // `&&` and `||` short-circuit.
        if op == BinaryOperator::And || op == BinaryOperator::Or {
            let lb = self.want_bool(&l, self.span(&b.lhs_expr), op)?;
            if (op == BinaryOperator::And && !lb) || (op == BinaryOperator::Or && lb) {
                return Ok(Value::Bool(lb));
            }
            let r = self.eval(&b.rhs_expr)?;
            let rb = self.want_bool(&r, self.span(&b.rhs_expr), op)?;
            return Ok(Value::Bool(rb));
        }
        let r = self.eval(&b.rhs_expr)?;
        binary(
            op,
            l,
            r,
            span,
            self.span(&b.lhs_expr),
            self.span(&b.rhs_expr),
        )
    }

    /// `[for k, v in coll : …]` / `{for k, v in coll : k => …}`: each item evaluated in a scope
    /// holding the loop variables.
    fn for_expr(&mut self, f: &ForExpr) -> EvalResult {
        let items = self.for_collection(f)?;
        let key_var = f.intro.key_var.as_ref().map(|k| k.value().to_string());
        let value_var = f.intro.value_var.value().to_string();
        let mut list = Vec::new();
        let mut obj: IndexMap<String, Value> = IndexMap::new();
        for (k, v) in items {
            let mut scope = HashMap::new();
            if let Some(kv) = &key_var {
                scope.insert(kv.clone(), k);
            }
            scope.insert(value_var.clone(), v);
            self.scopes.push(scope);
            let r = self.for_item(f, &mut list, &mut obj);
            self.scopes.pop();
            r?;
        }
        if f.key_expr.is_some() {
            Ok(Value::Object(obj))
        } else {
            Ok(Value::List(list))
        }
    }

    /// The (key, value) pairs a `for` iterates: a list's (index, item), an object's entries.
    fn for_collection(&mut self, f: &ForExpr) -> Result<Vec<(Value, Value)>, EvalError> {
        let coll = self.eval(&f.intro.collection_expr)?;
        Ok(match coll {
            Value::List(l) => l
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
            Value::Object(o) => o.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
            other => {
                return Err(err(
                    "type-mismatch",
                    self.span(&f.intro.collection_expr),
                    format!(
                        "`for` needs a list or an object, found {}",
                        other.describe()
                    ),
                ))
            }
        })
    }

    fn for_item(
        &mut self,
        f: &ForExpr,
        list: &mut Vec<Value>,
        obj: &mut IndexMap<String, Value>,
    ) -> Result<(), EvalError> {
        if let Some(cond) = &f.cond {
            match self.eval(&cond.expr)? {
                Value::Bool(true) => {}
                Value::Bool(false) => return Ok(()),
                other => {
                    return Err(err(
                        "type-mismatch",
                        self.span(&cond.expr),
                        format!("a `for` filter must be a bool, found {}", other.describe()),
                    ))
                }
            }
        }
        let value = self.eval(&f.value_expr)?;
        if let Some(ke) = &f.key_expr {
            let key = match self.eval(ke)? {
                Value::String(s) => s,
                Value::Number(n) => fmt_number(n),
                other => {
                    return Err(err(
                        "type-mismatch",
                        self.span(ke),
                        format!("an object key must be a string, found {}", other.describe()),
                    ))
                }
            };
            if f.grouping {
                match obj.entry(key).or_insert_with(|| Value::List(Vec::new())) {
                    Value::List(l) => l.push(value),
                    _ => unreachable!("grouping entries are lists"),
                }
            } else if obj.contains_key(&key) {
                return Err(err(
                    "invalid-value",
                    self.span(ke),
                    format!("duplicate key \"{key}\" in `for` result (use `...` to group values)"),
                ));
            } else {
                obj.insert(key, value);
            }
        } else {
            list.push(value);
        }
        Ok(())
    }

    fn want_bool(&self, v: &Value, span: Span, op: BinaryOperator) -> Result<bool, EvalError> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Deploy(_) => Err(deploy_time_error(span, "an operator cannot use")),
            other => Err(err(
                "type-mismatch",
                span,
                format!("`{}` needs bools, found {}", op.as_str(), other.describe()),
            )),
        }
    }

    fn template(&mut self, t: &Template) -> EvalResult {
        let mut parts: Vec<Part> = Vec::new();
        self.template_into(t, &mut parts)?;
        Ok(collapse(parts))
    }

    fn template_into(&mut self, t: &Template, parts: &mut Vec<Part>) -> Result<(), EvalError> {
        for el in t.iter() {
            match el {
                Element::Literal(s) => push_lit(parts, s.value()),
                Element::Interpolation(i) => {
                    let v = self.eval(&i.expr)?;
                    let sp = self.span(&i.expr);
                    self.interpolate(v, sp, parts)?;
                }
                Element::Directive(d) => match &**d {
                    Directive::If(d) => {
                        let c = self.eval(&d.if_expr.cond_expr)?;
                        match c {
                            Value::Bool(true) => self.template_into(&d.if_expr.template, parts)?,
                            Value::Bool(false) => {
                                if let Some(e) = &d.else_expr {
                                    self.template_into(&e.template, parts)?;
                                }
                            }
                            other => {
                                return Err(err(
                                    "type-mismatch",
                                    self.span(&d.if_expr.cond_expr),
                                    format!("`%{{if}}` needs a bool, found {}", other.describe()),
                                ))
                            }
                        }
                    }
                    Directive::For(d) => {
                        let fe = &d.for_expr;
                        let coll = self.eval(&fe.collection_expr)?;
                        let items: Vec<(Value, Value)> = match coll {
                            Value::List(l) => l
                                .into_iter()
                                .enumerate()
                                .map(|(i, v)| (Value::Number(i as f64), v))
                                .collect(),
                            Value::Object(o) => {
                                o.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
                            }
                            other => {
                                return Err(err(
                                    "type-mismatch",
                                    self.span(&fe.collection_expr),
                                    format!(
                                        "`%{{for}}` needs a list or an object, found {}",
                                        other.describe()
                                    ),
                                ))
                            }
                        };
                        for (k, v) in items {
                            let mut scope = HashMap::new();
                            if let Some(kv) = &fe.key_var {
                                scope.insert(kv.value().to_string(), k);
                            }
                            scope.insert(fe.value_var.value().to_string(), v);
                            self.scopes.push(scope);
                            let r = self.template_into(&fe.template, parts);
                            self.scopes.pop();
                            r?;
                        }
                    }
                },
            }
        }
        Ok(())
    }

    fn interpolate(
        &mut self,
        v: Value,
        span: Span,
        parts: &mut Vec<Part>,
    ) -> Result<(), EvalError> {
        match v {
            Value::String(s) => push_lit(parts, &s),
            Value::Number(n) => push_lit(parts, &fmt_number(n)),
            Value::Bool(b) => push_lit(parts, if b { "true" } else { "false" }),
            Value::Deploy(ps) => {
                for p in ps {
                    match p {
                        Part::Lit(s) => push_lit(parts, &s),
                        other => parts.push(other),
                    }
                }
            }
            other => {
                return Err(err(
                    "type-mismatch",
                    span,
                    format!("cannot embed {} in a string", other.describe()),
                ))
            }
        }
        Ok(())
    }

    fn traversal(&mut self, root: &Expression, ops: &Ops, span: Span) -> EvalResult {
        // A scoped variable (from a `for`) or any non-identifier expression: plain indexing.
        let Some(root_name) = self.named_root(root) else {
            let v = self.eval(root)?;
            return self.apply_ops(v, ops, 0);
        };
        if self.isolated {
            return Err(self.not_a_template_variable(&root_name, self.span(root)));
        }
        let first = ops.first().and_then(|o| match o.value() {
            TraversalOperator::GetAttr(i) => Some((i.value().to_string(), self.span(o))),
            _ => None,
        });
        let Some((attr, attr_span)) = first else {
            return Err(err(
                "unresolved-reference",
                span,
                format!("`{root_name}` must be followed by `.NAME`"),
            ));
        };
        let head_span = Span {
            file: self.file,
            start: span.start,
            end: attr_span.end,
        };
        match root_name.as_str() {
            "var" => self.var_ref(&attr, ops, head_span),
            "local" => {
                let v = self.local(&attr, head_span)?;
                self.apply_ops(v, ops, 1)
            }
            "app" => self.app_ref(&attr, ops, head_span),
            "module" => self.module_ref(&attr, ops, head_span),
            "aws" => {
                let Some(v) = AwsValue::parse(&attr) else {
                    let names = AwsValue::ALL.map(AwsValue::name);
                    let s = suggest(&attr, names).map(|s| format!("aws.{s}"));
                    return Err(unresolved(
                        head_span,
                        &format!("aws.{attr}"),
                        &format!("the deploy-time values of `aws` are {}", names.join(", ")),
                        s,
                        &attr,
                    ));
                };
                if ops.len() > 1 {
                    return Err(deploy_time_error(span, "cannot index into"));
                }
                Ok(Value::Deploy(vec![Part::Aws(v)]))
            }
            "http" => {
                if attr != "url" {
                    return Err(unresolved(
                        head_span,
                        &format!("http.{attr}"),
                        "the shared HTTP API has one attribute, `url`",
                        Some("http.url".into()),
                        &attr,
                    ));
                }
                if ops.len() > 1 {
                    return Err(deploy_time_error(span, "cannot index into"));
                }
                Ok(Value::Deploy(vec![Part::HttpUrl]))
            }
            "websocket" => {
                let part = match attr.as_str() {
                    "url" => Part::WebsocketUrl,
                    "endpoint" => Part::WebsocketEndpoint,
                    _ => {
                        let s =
                            suggest(&attr, ["url", "endpoint"]).map(|s| format!("websocket.{s}"));
                        return Err(unresolved(
                            head_span,
                            &format!("websocket.{attr}"),
                            "the shared WebSocket API has `url` (wss://, for clients) and `endpoint` (https://, for posting to connections)",
                            s,
                            &attr,
                        ));
                    }
                };
                if ops.len() > 1 {
                    return Err(deploy_time_error(span, "cannot index into"));
                }
                Ok(Value::Deploy(vec![part]))
            }
            kind_name => self.block_ref(root, kind_name, &attr, ops, span, head_span),
        }
    }

    /// The name a traversal starts with (`var`, `queue`, …), unless the root is a variable of an
    /// enclosing `for` or not an identifier at all.
    fn named_root(&self, root: &Expression) -> Option<String> {
        match root {
            Expression::Variable(v) => {
                let n = v.value().as_str();
                if self.scopes.iter().any(|s| s.contains_key(n)) {
                    None
                } else {
                    Some(n.to_string())
                }
            }
            _ => None,
        }
    }

    /// `var.NAME…`: a variable's value (one declared without a value was already reported).
    fn var_ref(&mut self, attr: &str, ops: &Ops, head_span: Span) -> EvalResult {
        if let Some(v) = self.env.vars.get(attr) {
            let v = v.clone();
            return self.apply_ops(v, ops, 1);
        }
        if self.env.declared_vars.contains_key(attr) {
            // Declared without a value: `missing-variable` is reported at the declaration.
            return Err(EvalError::Reported);
        }
        let cands: Vec<&str> = self.env.declared_vars.keys().map(String::as_str).collect();
        let s = suggest(attr, cands).map(|s| format!("var.{s}"));
        Err(unresolved(
            head_span,
            &format!("var.{attr}"),
            "no `variable` block declares it",
            s,
            attr,
        ))
    }

    /// `app.name` / `app.stage` / `app.region` (unknown while the app block itself is
    /// evaluated).
    fn app_ref(&mut self, attr: &str, ops: &Ops, head_span: Span) -> EvalResult {
        let v = match attr {
            "name" => self.env.app_name.map_or(Known::Pending, Known::Value),
            "stage" => self.env.app_stage.map_or(Known::Pending, Known::Value),
            "region" => self.env.app_region,
            _ => {
                let s = suggest(attr, ["name", "stage", "region"]).map(|s| format!("app.{s}"));
                return Err(unresolved(
                    head_span,
                    &format!("app.{attr}"),
                    "only `app.name`, `app.stage` and `app.region` can be read",
                    s,
                    attr,
                ));
            }
        };
        match v {
            Known::Value(v) => self.apply_ops(Value::String(v.to_string()), ops, 1),
            Known::Failed => Err(EvalError::Reported),
            Known::Pending => Err(err(
                "cycle",
                head_span,
                format!("`app.{attr}` cannot be used here: it is not known yet (the app block's own name, stage and region are being evaluated)"),
            )),
        }
    }

    /// `KIND.NAME`: a reference to a declared block, or `KIND.NAME.ATTR`, one of its deploy-time
    /// attributes.
    fn block_ref(
        &self,
        root: &Expression,
        kind_name: &str,
        attr: &str,
        ops: &Ops,
        span: Span,
        head_span: Span,
    ) -> EvalResult {
        let Some(kind) = RefKind::parse(kind_name) else {
            let s = suggest(kind_name, super::kinds::roots());
            return Err(unresolved(
                self.span(root),
                kind_name,
                "unknown name",
                s,
                kind_name,
            ));
        };
        let declared = self.env.blocks.get(&kind);
        if !declared.is_some_and(|m| m.contains_key(attr)) {
            return Err(self.undeclared_block(kind, kind_name, attr, head_span));
        }
        let addr = Addr {
            kind,
            name: format!("{}{attr}", self.env.prefix),
        };
        match ops.get(1).map(|o| (o.value(), self.span(o))) {
            None => Ok(Value::Ref(addr)),
            Some((TraversalOperator::GetAttr(a), a_span)) => {
                let a = a.value().to_string();
                let attr_span = Span {
                    file: self.file,
                    start: span.start,
                    end: a_span.end,
                };
                if !kind.deploy_attrs().contains(&a.as_str()) {
                    return Err(unknown_block_attr(&addr, kind_name, &a, attr_span));
                }
                if ops.len() > 2 {
                    return Err(deploy_time_error(span, "cannot index into"));
                }
                Ok(Value::Deploy(vec![Part::Attr(addr, a)]))
            }
            Some((_, _)) => Err(err(
                "type-mismatch",
                span,
                format!("{addr} is a reference to a block; it cannot be indexed"),
            )),
        }
    }

    /// `KIND.NAME` where no such block is declared: suggests a close name of the same kind, else
    /// the same name of another kind.
    fn undeclared_block(
        &self,
        kind: RefKind,
        kind_name: &str,
        attr: &str,
        head_span: Span,
    ) -> EvalError {
        let declared = self.env.blocks.get(&kind);
        let cands: Vec<&str> = declared
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let s = suggest(attr, cands).map(|s| format!("{kind_name}.{s}"));
        let mut other_kinds = Vec::new();
        for k in RefKind::ALL {
            if k != kind
                && self
                    .env
                    .blocks
                    .get(&k)
                    .is_some_and(|m| m.contains_key(attr))
            {
                other_kinds.push(format!("{}.{attr}", k.as_str()));
            }
        }
        let why = format!("no `{kind_name} \"{attr}\"` block is declared");
        // Did-you-mean stays within the kind written; a block of another kind with that name
        // is only mentioned (it is rarely what a `sends` or `reads` means).
        let mut e = unresolved(
            head_span,
            &format!("{kind_name}.{attr}"),
            &why,
            s.clone(),
            attr,
        );
        if let (None, Some(other), EvalError::Diag(d)) = (s, other_kinds.first(), &mut e) {
            d.help = Some(format!(
                "declare `{kind_name} \"{attr}\" {{ … }}`; `{other}` exists, but it is {} {}",
                crate::diagnostics::article(other.split('.').next().unwrap_or("")),
                other.split('.').next().unwrap_or("")
            ));
        }
        e
    }

    /// `module.NAME…`: an instance's output (`module.billing.queue_url`), or one instance's of a
    /// `for_each` module (`module.tenant["acme"].queue_url`).
    fn module_ref(&mut self, name: &str, ops: &Ops, head_span: Span) -> EvalResult {
        if !self.env.modules.contains_key(name) {
            let s = suggest(name, self.env.modules.keys().map(String::as_str))
                .map(|s| format!("module.{s}"));
            return Err(unresolved(
                head_span,
                &format!("module.{name}"),
                &format!("no `module \"{name}\"` block is declared"),
                s,
                name,
            ));
        }
        // Not instantiated: it failed, or is on a cycle (reported either way).
        match self.modules.get(name) {
            None | Some(ModuleValue::Failed) => return Err(EvalError::Reported),
            Some(ModuleValue::One(o)) => {
                let o = o.clone();
                return self.module_output(&o, ops, 1);
            }
            Some(ModuleValue::Each(all)) if ops.len() == 1 => {
                let obj = all.iter().map(|(k, o)| (k.clone(), o.object())).collect();
                return Ok(Value::Object(obj));
            }
            Some(ModuleValue::Each(_)) => {}
        }
        let op = &ops[1];
        let key = match op.value() {
            TraversalOperator::Index(e) => match self.eval(e)? {
                Value::String(k) => k,
                other => {
                    return Err(err(
                        "type-mismatch",
                        self.span(e),
                        format!("module.{name} is a `for_each` module: index it with one of its keys (a string), not {}", other.describe()),
                    ))
                }
            },
            TraversalOperator::GetAttr(a) => a.value().to_string(),
            _ => {
                return Err(err(
                    "type-mismatch",
                    self.span(op),
                    format!("module.{name} is a `for_each` module: write module.{name}[\"KEY\"].OUTPUT"),
                ))
            }
        };
        let Some(ModuleValue::Each(all)) = self.modules.get(name) else {
            return Err(EvalError::Reported);
        };
        let Some(outputs) = all.get(&key).cloned() else {
            let keys: Vec<String> = all.keys().map(|k| format!("\"{k}\"")).collect();
            return Err(err(
                "unresolved-reference",
                self.span(op),
                format!(
                    "module.{name} has no instance \"{key}\"; its keys are {}",
                    keys.join(", ")
                ),
            ));
        };
        self.module_output(&outputs, ops, 2)
    }

    /// Reads `ops[i]`, an output of an instance, and applies the operators after it.
    fn module_output(&mut self, outputs: &Outputs, ops: &Ops, i: usize) -> EvalResult {
        let Some(op) = ops.get(i) else {
            return Ok(outputs.object());
        };
        let TraversalOperator::GetAttr(a) = op.value() else {
            return Err(err(
                "type-mismatch",
                self.span(op),
                format!("read an output of {} by name: `.OUTPUT`", outputs.describe),
            ));
        };
        let a = a.value().as_str();
        match outputs.values.get(a) {
            Some(Some(v)) => self.apply_ops(v.clone(), ops, i + 1),
            Some(None) => Err(EvalError::Reported),
            None => {
                let s = suggest(a, outputs.values.keys().map(String::as_str));
                let names: Vec<&str> = outputs.values.keys().map(String::as_str).collect();
                Err(Diagnostic::error(
                    "unresolved-reference",
                    self.span(op),
                    format!("{} has no output `{a}`", outputs.describe),
                )
                .with_help(match s {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.is_empty() => {
                        "the module declares no `output` blocks".to_string()
                    }
                    None => format!("its outputs are {}", names.join(", ")),
                })
                .into())
            }
        }
    }

    fn apply_ops(
        &mut self,
        mut v: Value,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        from: usize,
    ) -> EvalResult {
        let mut i = from;
        while i < ops.len() {
            let op = &ops[i];
            let op_span = self.span(op);
            v = match op.value() {
                TraversalOperator::GetAttr(a) => self.get_attr(v, a.value().as_str(), op_span)?,
                TraversalOperator::Index(e) => {
                    let idx = self.eval(e)?;
                    self.index(v, idx, self.span(e))?
                }
                TraversalOperator::LegacyIndex(n) => {
                    self.index(v, Value::Number(*n.value() as f64), op_span)?
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let Value::List(items) = v else {
                        return Err(err(
                            "type-mismatch",
                            op_span,
                            format!("a splat `[*]` needs a list, found {}", v.describe()),
                        ));
                    };
                    let rest = &ops[i + 1..];
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(self.apply_ops(item, rest, 0)?);
                    }
                    return Ok(Value::List(out));
                }
            };
            i += 1;
        }
        Ok(v)
    }

    fn get_attr(&self, v: Value, a: &str, span: Span) -> EvalResult {
        match v {
            Value::Object(mut o) => match o.swap_remove(a) {
                Some(v) => Ok(v),
                None => {
                    let s = suggest(a, o.keys().map(String::as_str));
                    Err(Diagnostic::error(
                        "unresolved-reference",
                        span,
                        format!("the object has no key `{a}`"),
                    )
                    .with_help_opt(s.map(|s| format!("did you mean `{s}`?")))
                    .into())
                }
            },
            Value::Deploy(_) => Err(deploy_time_error(span, "cannot read an attribute of")),
            // A reference held in a variable or a module output: `var.queue.url`.
            Value::Ref(addr) if addr.kind.deploy_attrs().contains(&a) => {
                Ok(Value::Deploy(vec![Part::Attr(addr, a.to_string())]))
            }
            Value::Ref(addr) => Err(unknown_block_attr(&addr, addr.kind.as_str(), a, span)),
            other => Err(err(
                "type-mismatch",
                span,
                format!("cannot read `.{a}` of {}", other.describe()),
            )),
        }
    }

    fn index(&self, v: Value, idx: Value, span: Span) -> EvalResult {
        match (v, idx) {
            (Value::List(mut l), Value::Number(n)) => {
                if n.fract() != 0.0 {
                    return Err(err(
                        "invalid-value",
                        span,
                        format!(
                            "a list index must be a whole number, found {}",
                            fmt_number(n)
                        ),
                    ));
                }
                if n < 0.0 || n as usize >= l.len() {
                    return Err(err(
                        "invalid-value",
                        span,
                        format!(
                            "index {} is out of range for a list of {} element(s)",
                            fmt_number(n),
                            l.len()
                        ),
                    ));
                }
                Ok(l.swap_remove(n as usize))
            }
            (Value::Object(o), Value::String(k)) => self.get_attr(Value::Object(o), &k, span),
            (Value::Deploy(_), _) | (_, Value::Deploy(_)) => {
                Err(deploy_time_error(span, "cannot index with"))
            }
            (v, i) => Err(err(
                "type-mismatch",
                span,
                format!("cannot index {} with {}", v.describe(), i.describe()),
            )),
        }
    }

    fn call(&mut self, f: &FuncCall, span: Span) -> EvalResult {
        let name = f.name.name.value().as_str();
        if !f.name.namespace.is_empty() || !FUNCTIONS.contains(&name) {
            let s = suggest(name, FUNCTIONS.iter().copied());
            return Err(Diagnostic::error(
                "unresolved-reference",
                self.span(&f.name.name),
                format!("unknown function `{name}`"),
            )
            .with_help(match s {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the functions are {}", FUNCTIONS.join(", ")),
            })
            .into());
        }
        let mut args = Vec::new();
        let mut spans = Vec::new();
        let n = f.args.len();
        for (i, a) in f.args.iter().enumerate() {
            let v = self.eval(a)?;
            if i + 1 == n && f.args.expand_final() {
                match v {
                    Value::List(items) => {
                        for it in items {
                            args.push(it);
                            spans.push(self.span(a));
                        }
                    }
                    other => {
                        return Err(err(
                            "type-mismatch",
                            self.span(a),
                            format!("`...` expands a list, found {}", other.describe()),
                        ))
                    }
                }
            } else {
                args.push(v);
                spans.push(self.span(a));
            }
        }
        match name {
            "file" | "templatefile" => self.read_call(name, args, &spans, span),
            _ => super::functions::call(name, args, &spans, span),
        }
    }
}

fn unresolved(
    span: Span,
    what: &str,
    why: &str,
    suggestion: Option<String>,
    attr: &str,
) -> EvalError {
    let mut d = Diagnostic::error(
        "unresolved-reference",
        span,
        format!("unresolved reference `{what}`: {why}"),
    );
    if let Some(s) = suggestion {
        d = d.with_help(format!("did you mean `{s}`?"));
    } else if attr.contains('-') {
        d = d.with_help(format!(
            "HCL identifiers may contain `-`, so `{what}` is read as one name; put spaces around `-` to subtract"
        ));
    }
    d.into()
}

/// `KIND.NAME.ATTR` where a block of that kind has no deploy-time attribute `ATTR`.
fn unknown_block_attr(addr: &Addr, kind_name: &str, a: &str, span: Span) -> EvalError {
    let kind = addr.kind;
    let s = suggest(a, kind.deploy_attrs().iter().copied()).map(|s| format!("{addr}.{s}"));
    Diagnostic::error(
        "unresolved-reference",
        span,
        format!(
            "{addr} has no attribute `{a}` (a {kind_name} has {})",
            kind.deploy_attrs()
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .with_help_opt(s.map(|s| format!("did you mean `{s}`?")))
    .into()
}

fn push_lit(parts: &mut Vec<Part>, s: &str) {
    if let Some(Part::Lit(last)) = parts.last_mut() {
        last.push_str(s);
    } else {
        parts.push(Part::Lit(s.to_string()));
    }
}

/// A template with only literal parts is a plain string.
fn collapse(parts: Vec<Part>) -> Value {
    if parts.iter().all(|p| matches!(p, Part::Lit(_))) {
        let mut s = String::new();
        for p in parts {
            if let Part::Lit(l) = p {
                s.push_str(&l);
            }
        }
        Value::String(s)
    } else {
        Value::Deploy(parts)
    }
}

fn binary(
    op: BinaryOperator,
    l: Value,
    r: Value,
    span: Span,
    lspan: Span,
    rspan: Span,
) -> EvalResult {
    use BinaryOperator as B;
    if matches!(l, Value::Deploy(_)) {
        return Err(deploy_time_error(lspan, "an operator cannot use"));
    }
    if matches!(r, Value::Deploy(_)) {
        return Err(deploy_time_error(rspan, "an operator cannot use"));
    }
    match op {
        B::Eq => return Ok(Value::Bool(l == r)),
        B::NotEq => return Ok(Value::Bool(l != r)),
        _ => {}
    }
    let (a, b) = match (&l, &r) {
        (Value::Number(a), Value::Number(b)) => (*a, *b),
        _ => {
            let bad = if matches!(l, Value::Number(_)) {
                (&r, rspan)
            } else {
                (&l, lspan)
            };
            return Err(err(
                "type-mismatch",
                bad.1,
                format!(
                    "`{}` needs numbers, found {}",
                    op.as_str(),
                    bad.0.describe()
                ),
            ));
        }
    };
    let result = match op {
        B::Plus => a + b,
        B::Minus => a - b,
        B::Mul => a * b,
        B::Div | B::Mod => {
            if b == 0.0 {
                return Err(Diagnostic::error(
                    "invalid-value",
                    span,
                    if op == B::Div {
                        "division by zero"
                    } else {
                        "modulo by zero"
                    },
                )
                .with_primary_label("the right-hand side is 0")
                .into());
            }
            if op == B::Div {
                a / b
            } else {
                a % b
            }
        }
        B::Less => return Ok(Value::Bool(a < b)),
        B::LessEq => return Ok(Value::Bool(a <= b)),
        B::Greater => return Ok(Value::Bool(a > b)),
        B::GreaterEq => return Ok(Value::Bool(a >= b)),
        B::Eq | B::NotEq | B::And | B::Or => unreachable!("handled above"),
    };
    if !result.is_finite() || result.abs() > MAX_NUMBER {
        return Err(err(
            "invalid-value",
            span,
            "arithmetic overflow: the result is larger than 10^15",
        ));
    }
    Ok(Value::Number(result))
}
