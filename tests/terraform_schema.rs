//! Conformance of the Terraform output (`slsc build --target terraform`, `main.tf.json`) to the
//! real AWS provider schema.
//!
//! No terraform binary can be installed where the tests run, so the schema comes from the npm
//! package `@cdktn/provider-aws`, generated from the provider's schema: for each resource type
//! (`lib/<type without aws_, '_' → '-'>/index.js`), data source (`lib/data-aws-…/index.js`) and
//! the provider configuration (`lib/provider/index.js`), `synthesizeHclAttributes()` lists every
//! argument with `isBlock`, `type` (`simple`, `list`, `set`, `map`, `struct`) and
//! `storageClassType` (`string`, `number`, `boolean`, `any`, `stringList`, `stringMap`, … or, for
//! a nested block, its class), and each nested block has a `<name>ToHclTerraform` function
//! listing its own arguments the same way. The generated classes also carry one comment per
//! attribute, `// name - computed: …, optional: …, required: …`, which gives what is required
//! and every readable attribute (for references such as `${aws_lambda_function.f.arn}`).
//!
//! The package directory's `lib/` is found through `SLSC_TF_PROVIDER_SCHEMA_DIR`, else in
//! `.ci/run`'s default cache (`${SLSC_CI_CACHE:-/tmp/slsc-ci-cache}/npm/…`). `.ci/run` installs
//! the pinned version and sets the variable. Without it the tests are skipped with a message,
//! except under CI (`CI` set), where they fail.
//!
//! What is checked, for every example and the every-feature projects (`tests/every_feature.rs`),
//! all mismatches reported at once:
//! - the document's top-level keys, `terraform.required_providers.aws` (source, and that its
//!   version constraint admits the provider version the schema is from);
//! - every resource and data source type exists in the provider; every key of a resource, data
//!   source, provider configuration and nested block is an argument or block of the schema, or a
//!   meta-argument (`depends_on`, `lifecycle`, `count`, `for_each`, `provider`, …);
//! - blocks are written as arrays of objects (or an object) and attributes are not; values have
//!   the schema's type (string, number, bool, list, set, map, element types included; a string
//!   that is a single `${…}` interpolation stands for any type); required arguments and blocks
//!   are present;
//! - `depends_on`, `lifecycle.ignore_changes` and every `${…}` reference name resources, data
//!   sources and attributes that exist;
//! - resource, data source and output names are valid identifiers; outputs have only output
//!   keys.

// `tests/every_feature.rs` declares `mod common;` too.
#![allow(clippy::duplicate_mod)]

mod common;
#[path = "common/tf_traversals.rs"]
mod tf_traversals;
use tf_traversals::traversals;

// The every-feature project's generator. Including the file brings its own tests along (they
// then run in this crate too, in a fraction of a second).
#[allow(dead_code)]
#[path = "every_feature.rs"]
mod every_feature;

use common::temp::Temp;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

// ------------------------------------------------------------------------------------------
// The schema
// ------------------------------------------------------------------------------------------

/// The type of an attribute.
#[derive(Clone, Debug, PartialEq)]
enum Ty {
    String,
    Number,
    Bool,
    /// `any` (dynamic): every value is accepted.
    Any,
    List(Box<Ty>),
    Set(Box<Ty>),
    Map(Box<Ty>),
}

impl Ty {
    /// From the generated `storageClassType` (`string`, `numberList`, `stringListMap`, …) and
    /// `type` (`simple`, `list`, `set`, `map`): a base type and then `List`/`Map` wrappers, inner
    /// first; `type: "set"` makes the outermost list a set.
    fn parse(storage: &str, container: &str) -> Option<Ty> {
        let (mut ty, mut rest) = [
            ("string", Ty::String),
            ("number", Ty::Number),
            ("boolean", Ty::Bool),
            ("any", Ty::Any),
        ]
        .into_iter()
        .find_map(|(p, t)| storage.strip_prefix(p).map(|r| (t, r)))?;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("List") {
                ty = Ty::List(Box::new(ty));
                rest = r;
            } else if let Some(r) = rest.strip_prefix("Map") {
                ty = Ty::Map(Box::new(ty));
                rest = r;
            } else {
                return None;
            }
        }
        Some(match (container, ty) {
            ("set", Ty::List(e)) => Ty::Set(e),
            (_, t) => t,
        })
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::String => write!(f, "string"),
            Ty::Number => write!(f, "number"),
            Ty::Bool => write!(f, "bool"),
            Ty::Any => write!(f, "any"),
            Ty::List(e) => write!(f, "list({e})"),
            Ty::Set(e) => write!(f, "set({e})"),
            Ty::Map(e) => write!(f, "map({e})"),
        }
    }
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Nesting {
    List,
    Set,
    /// At most one, e.g. `timeouts`.
    Single,
    /// Labelled instances (rare).
    Map,
}

impl fmt::Display for Nesting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Nesting::List => "list",
            Nesting::Set => "set",
            Nesting::Single => "single",
            Nesting::Map => "map",
        })
    }
}

#[derive(Debug)]
enum Kind {
    Attr(Ty),
    Block(Nesting, Schema),
}

#[derive(Debug)]
struct Field {
    kind: Kind,
    required: bool,
}

/// The arguments of a resource, data source, provider or nested block.
#[derive(Debug, Default)]
struct Schema {
    /// Every argument (what may be written), by name.
    fields: BTreeMap<String, Field>,
    /// Every attribute that can be read (arguments and computed attributes), for references.
    readable: BTreeSet<String>,
}

impl Schema {
    fn attr(&self, name: &str) -> Option<&Ty> {
        match self.fields.get(name).map(|f| &f.kind) {
            Some(Kind::Attr(t)) => Some(t),
            _ => None,
        }
    }

    fn block(&self, name: &str) -> Option<(Nesting, &Schema)> {
        match self.fields.get(name).map(|f| &f.kind) {
            Some(Kind::Block(n, s)) => Some((*n, s)),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Resource,
    Data,
    Provider,
}

/// The generated JavaScript of one type: its `index.js` and, for big types, the struct files
/// beside it (`index-structs/*.js`). Source-map lines are left out.
struct Js {
    index: String,
    all: String,
}

fn read_js(dir: &Path) -> Js {
    fn strip(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for line in text.lines() {
            if !line.starts_with("//# sourceMappingURL=") {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "js") {
                out.push(p);
            }
        }
    }
    let read = |p: &Path| {
        strip(
            &std::fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display())),
        )
    };
    let index_path = dir.join("index.js");
    let index = read(&index_path);
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut all = index.clone();
    for f in files.iter().filter(|f| **f != index_path) {
        all.push_str(&read(f));
    }
    Js { index, all }
}

/// One entry of a generated `const attrs = { … }`.
#[derive(Debug)]
struct RawEntry {
    name: String,
    value: String,
    is_block: bool,
    container: String,
    storage: String,
}

/// Parses the object literal `const attrs = { name: { value: …, isBlock: …, type: "…",
/// storageClassType: "…" }, … };` that starts at `at`. Panics, showing where, on anything else:
/// a new package version that changes the generated code must fail loudly, not check less.
fn parse_attrs(text: &str, at: usize, what: &str) -> Vec<RawEntry> {
    let rest = &text[at..];
    if rest.starts_with("const attrs = {};") {
        return Vec::new();
    }
    assert!(
        rest.starts_with("const attrs = {\n"),
        "{what}: unexpected generated code at `{}`",
        &rest[..rest.len().min(80)]
    );
    let mut lines = rest["const attrs = {\n".len()..].lines();
    let mut out = Vec::new();
    let unexpected = |line: &str| -> ! {
        panic!("{what}: unexpected line in the generated `const attrs`: `{line}`")
    };
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| unexpected("<end of file>"))
            .trim();
        if line == "};" {
            return out;
        }
        let name = line
            .strip_suffix(": {")
            .unwrap_or_else(|| unexpected(line))
            .trim_matches('"')
            .to_string();
        let mut fields = BTreeMap::new();
        loop {
            let l = lines
                .next()
                .unwrap_or_else(|| unexpected("<end of file>"))
                .trim();
            if l == "}," || l == "}" {
                break;
            }
            let (k, v) = l.split_once(": ").unwrap_or_else(|| unexpected(l));
            fields.insert(k.to_string(), v.trim_end_matches(',').to_string());
        }
        let get = |k: &str| {
            fields
                .get(k)
                .cloned()
                .unwrap_or_else(|| panic!("{what}: `{name}` has no `{k}` in the generated code"))
        };
        out.push(RawEntry {
            value: get("value"),
            is_block: match get("isBlock").as_str() {
                "true" => true,
                "false" => false,
                other => panic!("{what}: `{name}`: isBlock is `{other}`"),
            },
            container: get("type").trim_matches('"').to_string(),
            storage: get("storageClassType").trim_matches('"').to_string(),
            name,
        });
    }
}

/// The `// name - computed: C, optional: O, required: R` comments of a generated class body:
/// name → required.
fn attribute_comments(body: &str) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for line in body.lines() {
        let Some(c) = line.trim().strip_prefix("// ") else {
            continue;
        };
        let Some((name, flags)) = c.split_once(" - computed: ") else {
            continue;
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            continue;
        }
        if let Some((_, req)) = flags.split_once(", required: ") {
            out.insert(name.to_string(), req.trim() == "true");
        }
    }
    out
}

/// The name of the nested block's `…ToHclTerraform` function in a block entry's value, e.g.
/// `lambdaFunctionEnvironment` in `lambdaFunctionEnvironmentToHclTerraform(this._environment…)`
/// or `cdktn.listMapperHcl(index_1.xToHclTerraform, true)(…)`.
fn block_function(value: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = value[from..].find("ToHclTerraform") {
        let end = from + i;
        let start = value[..end]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .map(|j| j + 1)
            .unwrap_or(0);
        let ident = &value[start..end];
        if !ident.is_empty() && !value[..start].ends_with("cdktn.") {
            return Some(ident.to_string());
        }
        from = end + "ToHclTerraform".len();
    }
    None
}

/// The body of `class <name> extends …` up to the next class.
fn class_body<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let start = text.find(&format!("\nclass {name} extends "))? + 1;
    let end = text[start + 1..]
        .find("\nclass ")
        .map(|i| start + 1 + i)
        .unwrap_or(text.len());
    Some(&text[start..end])
}

fn build_schema(
    js: &Js,
    entries: Vec<RawEntry>,
    comments: &BTreeMap<String, bool>,
    what: &str,
) -> Schema {
    let mut s = Schema::default();
    for e in entries {
        let path = format!("{what}.{}", e.name);
        let kind = if e.is_block {
            let nesting = match e.container.as_str() {
                "list" => Nesting::List,
                "set" => Nesting::Set,
                "struct" => Nesting::Single,
                "map" => Nesting::Map,
                other => panic!("{path}: unknown block type `{other}`"),
            };
            let f = block_function(&e.value)
                .unwrap_or_else(|| panic!("{path}: no ToHclTerraform function in `{}`", e.value));
            Kind::Block(nesting, nested_schema(js, &f, &path))
        } else {
            Kind::Attr(Ty::parse(&e.storage, &e.container).unwrap_or_else(|| {
                panic!(
                    "{path}: unknown attribute type `{}` (type `{}`)",
                    e.storage, e.container
                )
            }))
        };
        s.readable.insert(e.name.clone());
        let required = comments.get(&e.name).copied().unwrap_or(false);
        s.fields.insert(e.name, Field { kind, required });
    }
    s.readable.extend(comments.keys().cloned());
    s
}

/// The schema of the nested block whose generated function is `<f>ToHclTerraform`; its
/// required arguments come from the comments of its `<F>OutputReference` class.
fn nested_schema(js: &Js, f: &str, what: &str) -> Schema {
    let decl = format!("function {f}ToHclTerraform(struct) {{");
    let at = js
        .all
        .find(&decl)
        .unwrap_or_else(|| panic!("{what}: no `{decl}` in the generated code"));
    let next_fn = js.all[at + decl.len()..]
        .find("\nfunction ")
        .map(|i| at + decl.len() + i)
        .unwrap_or(js.all.len());
    let attrs = js.all[at..next_fn]
        .find("const attrs = ")
        .map(|i| at + i)
        .unwrap_or_else(|| panic!("{what}: `{f}ToHclTerraform` has no `const attrs`"));
    let entries = parse_attrs(&js.all, attrs, what);
    let mut class = f.to_string();
    class[..1].make_ascii_uppercase();
    let comments = class_body(&js.all, &format!("{class}OutputReference"))
        .map(attribute_comments)
        .unwrap_or_default();
    build_schema(js, entries, &comments, what)
}

/// The schemas read so far, by section and type (`None`: no such type).
type Cache = RefCell<BTreeMap<(Section, String), Option<Rc<Schema>>>>;

/// The installed `@cdktn/provider-aws`: its `lib/` directory and the schemas read so far.
pub(crate) struct Provider {
    lib: PathBuf,
    /// The npm package's version.
    package_version: String,
    /// The version of the Terraform provider (hashicorp/aws) the package was generated from.
    provider_version: String,
    cache: Cache,
}

impl Provider {
    fn open(lib: &Path) -> Provider {
        let pj = lib.parent().unwrap().join("package.json");
        let json: Value = serde_json::from_slice(
            &std::fs::read(&pj).unwrap_or_else(|e| panic!("cannot read {}: {e}", pj.display())),
        )
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", pj.display()));
        assert_eq!(
            json["name"],
            "@cdktn/provider-aws",
            "{} is not @cdktn/provider-aws's",
            pj.display()
        );
        let p = &json["cdktn"]["provider"];
        assert_eq!(
            p["name"],
            "registry.terraform.io/hashicorp/aws",
            "{}: not generated from hashicorp/aws",
            pj.display()
        );
        Provider {
            lib: lib.to_path_buf(),
            package_version: json["version"].as_str().unwrap_or("?").to_string(),
            provider_version: p["version"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: no cdktn.provider.version", pj.display()))
                .to_string(),
            cache: RefCell::new(BTreeMap::new()),
        }
    }

    fn describe(&self) -> String {
        format!(
            "hashicorp/aws {} (@cdktn/provider-aws {}, {})",
            self.provider_version,
            self.package_version,
            self.lib.display()
        )
    }

    /// The schema of a resource type, a data source type, or (`Section::Provider`, "aws") the
    /// provider configuration; `None` when the provider has no such type.
    fn schema(&self, section: Section, ty: &str) -> Option<Rc<Schema>> {
        let key = (section, ty.to_string());
        if let Some(s) = self.cache.borrow().get(&key) {
            return s.clone();
        }
        let s = self.load(section, ty).map(Rc::new);
        self.cache.borrow_mut().insert(key, s.clone());
        s
    }

    fn load(&self, section: Section, ty: &str) -> Option<Schema> {
        let (dir, class_kind) = match section {
            Section::Resource => (
                ty.strip_prefix("aws_")?.replace('_', "-"),
                "cdktn.TerraformResource",
            ),
            Section::Data => (
                format!("data-{}", ty.replace('_', "-")),
                "cdktn.TerraformDataSource",
            ),
            Section::Provider => ("provider".to_string(), "cdktn.TerraformProvider"),
        };
        if dir.is_empty() || dir.contains(['/', '.']) {
            return None;
        }
        let dir = self.lib.join(dir);
        if !dir.join("index.js").is_file() {
            return None;
        }
        let js = read_js(&dir);
        let tag = format!("    static tfResourceType = \"{ty}\";\n");
        let at = js.index.find(&tag)?;
        // The class that holds the tag must be of the right kind (a data source and a resource
        // can share a type name, in different directories).
        let class_start = js.index[..at].rfind("\nclass ")?;
        if !js.index[class_start..at].contains(&format!(" extends {class_kind} {{")) {
            return None;
        }
        let main = &js.index[class_start..];
        let what = match section {
            Section::Resource => ty.to_string(),
            Section::Data => format!("data.{ty}"),
            Section::Provider => format!("provider.{ty}"),
        };
        let synth = main
            .find("    synthesizeHclAttributes() {\n")
            .unwrap_or_else(|| panic!("{what}: no synthesizeHclAttributes() in {}", dir.display()));
        let attrs = main[synth..]
            .find("const attrs = ")
            .map(|i| class_start + synth + i)
            .unwrap_or_else(|| panic!("{what}: synthesizeHclAttributes() has no `const attrs`"));
        let entries = parse_attrs(&js.index, attrs, &what);
        Some(build_schema(&js, entries, &attribute_comments(main), &what))
    }
}

/// Where the package's `lib/` is, or why it cannot be found.
fn provider_lib() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("SLSC_TF_PROVIDER_SCHEMA_DIR").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.join("provider").join("index.js").is_file() {
            Ok(p)
        } else {
            Err(format!(
                "SLSC_TF_PROVIDER_SCHEMA_DIR={} is not @cdktn/provider-aws's lib/ directory \
                 (no provider/index.js)",
                p.display()
            ))
        };
    }
    let cache = std::env::var_os("SLSC_CI_CACHE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/slsc-ci-cache"));
    let p = cache.join("npm/node_modules/@cdktn/provider-aws/lib");
    if p.join("provider").join("index.js").is_file() {
        return Ok(p);
    }
    Err(format!(
        "SLSC_TF_PROVIDER_SCHEMA_DIR (the lib/ directory of the npm package @cdktn/provider-aws) \
         is not set, and {} does not exist",
        p.display()
    ))
}

/// The provider schema, or `None` (skip) when the package is missing outside CI.
pub(crate) fn provider() -> Option<Provider> {
    match provider_lib() {
        Ok(p) => Some(Provider::open(&p)),
        Err(why) => {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but the AWS provider schema cannot be found: {why}");
            }
            eprintln!(
                "SKIPPED: the Terraform schema check needs the npm package @cdktn/provider-aws: \
                 {why} (.ci/run installs it and sets SLSC_TF_PROVIDER_SCHEMA_DIR)"
            );
            None
        }
    }
}

// ------------------------------------------------------------------------------------------
// The checker
// ------------------------------------------------------------------------------------------

const TOP_LEVEL: &[&str] = &[
    "terraform",
    "provider",
    "data",
    "resource",
    "output",
    "variable",
    "locals",
    "module",
    "moved",
    "import",
    "check",
    "removed",
];

/// What a body is, for its meta-arguments.
#[derive(Clone, Copy, PartialEq)]
enum Body {
    Resource,
    Data,
    Provider,
    Nested,
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// A Terraform identifier: a letter or `_`, then letters, digits, `_` and `-`.
fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The `${…}` interpolations of a template string (the text between the braces). `$${` is an
/// escape.
fn interpolations(s: &str) -> Vec<&str> {
    tf_traversals::tf_interpolations(s).0
}

/// A string that is one `${…}` and nothing else: Terraform gives it the expression's type.
fn is_pure_interpolation(s: &str) -> bool {
    s.starts_with("${") && interpolations(s).first().map(|e| e.len() + 3) == Some(s.len())
}

/// Whether a version constraint (`~> 6.0`, `>= 5.0, < 7.0`, `6.66.0`) admits `v`; `None` when
/// it cannot be read (pre-releases and the like).
fn admits(constraint: &str, v: [u64; 3]) -> Option<bool> {
    for part in constraint.split(',') {
        let part = part.trim();
        let (op, ver) = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|op| part.strip_prefix(op).map(|r| (*op, r.trim())))
            .unwrap_or(("=", part));
        let segs: Vec<u64> = ver
            .trim_start_matches('v')
            .split('.')
            .map(|s| s.parse().ok())
            .collect::<Option<_>>()?;
        if segs.is_empty() || segs.len() > 3 {
            return None;
        }
        let mut c = [0u64; 3];
        c[..segs.len()].copy_from_slice(&segs);
        let ok = match op {
            "=" => v == c,
            "!=" => v != c,
            ">" => v > c,
            ">=" => v >= c,
            "<" => v < c,
            "<=" => v <= c,
            _ => {
                // `~> 1.2.3`: >= 1.2.3, < 1.3; `~> 1.2`: >= 1.2, < 2; `~> 1`: >= 1, < 2.
                let mut upper = [0u64; 3];
                let bump = if segs.len() == 1 { 0 } else { segs.len() - 2 };
                upper[..bump].copy_from_slice(&c[..bump]);
                upper[bump] = c[bump] + 1;
                v >= c && v < upper
            }
        };
        if !ok {
            return Some(false);
        }
    }
    Some(true)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

fn suggestion<'a>(name: &str, candidates: impl Iterator<Item = &'a String>) -> String {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| {
            *d <= 2.max(name.len() / 4) || c.contains(name) || name.contains(c.as_str())
        })
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// A problem: where (`resource.aws_lambda_function.api.environment[0].variables`) and what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Problem {
    pub(crate) path: String,
    pub(crate) message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

struct Checker<'a> {
    provider: &'a Provider,
    doc: &'a Map<String, Value>,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn problem(&mut self, path: &str, message: String) {
        self.problems.push(Problem {
            path: path.to_string(),
            message,
        });
    }

    fn section(&self, key: &str) -> Option<&'a Map<String, Value>> {
        self.doc.get(key).and_then(Value::as_object)
    }

    /// Whether `type.name` (or `data.type.name`) is declared in the document.
    fn declared(&self, section: &str, ty: &str, name: &str) -> bool {
        self.section(section)
            .and_then(|s| s.get(ty))
            .and_then(Value::as_object)
            .is_some_and(|o| o.contains_key(name))
    }

    fn check(&mut self) {
        for (k, v) in self.doc {
            if !TOP_LEVEL.contains(&k.as_str()) {
                self.problem(k, "not a top-level key of Terraform's JSON syntax".into());
            } else if !v.is_object() {
                self.problem(k, format!("expected an object, got {}", json_kind(v)));
            }
        }
        self.check_terraform_block();
        if let Some(providers) = self.section("provider") {
            for (name, v) in providers {
                let path = format!("provider.{name}");
                let Some(schema) = self.provider.schema(Section::Provider, name) else {
                    self.problem(&path, "not the aws provider: no schema to check it".into());
                    continue;
                };
                let instances: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                for (i, inst) in instances.into_iter().enumerate() {
                    let p = if v.is_array() {
                        format!("{path}[{i}]")
                    } else {
                        path.clone()
                    };
                    match inst.as_object() {
                        Some(o) => self.check_body(&p, &schema, o, Body::Provider),
                        None => {
                            self.problem(&p, format!("expected an object, got {}", json_kind(inst)))
                        }
                    }
                }
            }
        }
        for (key, section, body) in [
            ("resource", Section::Resource, Body::Resource),
            ("data", Section::Data, Body::Data),
        ] {
            let Some(types) = self.section(key) else {
                continue;
            };
            for (ty, named) in types {
                let prefix = if key == "data" {
                    format!("data.{ty}")
                } else {
                    format!("resource.{ty}")
                };
                let schema = self.provider.schema(section, ty);
                let Some(named) = named.as_object() else {
                    self.problem(
                        &prefix,
                        format!("expected an object of names, got {}", json_kind(named)),
                    );
                    continue;
                };
                let Some(schema) = schema else {
                    let what = if key == "data" {
                        "data source"
                    } else {
                        "resource type"
                    };
                    self.problem(
                        &prefix,
                        format!("no {what} `{ty}` in {}", self.provider.describe()),
                    );
                    continue;
                };
                for (name, body_v) in named {
                    let path = format!("{prefix}.{name}");
                    if !is_identifier(name) {
                        self.problem(&path, format!("`{name}` is not a valid Terraform name"));
                    }
                    match body_v.as_object() {
                        Some(o) => self.check_body(&path, &schema, o, body),
                        None => self.problem(
                            &path,
                            format!("expected an object, got {}", json_kind(body_v)),
                        ),
                    }
                }
            }
        }
        if let Some(outputs) = self.section("output") {
            for (name, o) in outputs {
                let path = format!("output.{name}");
                if !is_identifier(name) {
                    self.problem(&path, format!("`{name}` is not a valid Terraform name"));
                }
                let Some(o) = o.as_object() else {
                    self.problem(&path, format!("expected an object, got {}", json_kind(o)));
                    continue;
                };
                if !o.contains_key("value") {
                    self.problem(&path, "missing required `value`".into());
                }
                for (k, v) in o {
                    let p = format!("{path}.{k}");
                    match k.as_str() {
                        "value" | "precondition" => {}
                        "description" => self.check_value(&p, &Ty::String, v),
                        "sensitive" | "ephemeral" => self.check_value(&p, &Ty::Bool, v),
                        "depends_on" => self.check_depends_on(&p, v),
                        _ => self.problem(&p, "not an output argument (value, description, sensitive, ephemeral, depends_on, precondition)".into()),
                    }
                }
            }
        }
        self.check_references();
    }

    fn check_terraform_block(&mut self) {
        let Some(tf) = self.section("terraform") else {
            return;
        };
        let Some(rp) = tf.get("required_providers") else {
            return;
        };
        let Some(rp) = rp.as_object() else {
            self.problem(
                "terraform.required_providers",
                format!("expected an object, got {}", json_kind(rp)),
            );
            return;
        };
        let Some(aws) = rp.get("aws") else { return };
        let Some(aws) = aws.as_object() else {
            self.problem(
                "terraform.required_providers.aws",
                format!("expected an object, got {}", json_kind(aws)),
            );
            return;
        };
        match aws.get("source").and_then(Value::as_str) {
            Some("hashicorp/aws" | "registry.terraform.io/hashicorp/aws") => {}
            other => self.problem(
                "terraform.required_providers.aws.source",
                format!("expected \"hashicorp/aws\", got {other:?}"),
            ),
        }
        if let Some(c) = aws.get("version") {
            let Some(c) = c.as_str() else {
                self.problem(
                    "terraform.required_providers.aws.version",
                    format!("expected a string, got {}", json_kind(c)),
                );
                return;
            };
            let v: Vec<u64> = self
                .provider
                .provider_version
                .split('.')
                .filter_map(|s| s.parse().ok())
                .collect();
            if v.len() == 3 && admits(c, [v[0], v[1], v[2]]) == Some(false) {
                self.problem(
                    "terraform.required_providers.aws.version",
                    format!(
                        "{c:?} does not admit {}, the provider version the schema is from",
                        self.provider.provider_version
                    ),
                );
            }
        }
    }

    fn check_body(&mut self, path: &str, schema: &Schema, o: &Map<String, Value>, body: Body) {
        for (k, v) in o {
            let p = format!("{path}.{k}");
            if body != Body::Nested
                && body != Body::Provider
                && self.check_meta(&p, k, v, schema, body)
            {
                continue;
            }
            if body == Body::Provider && k == "version" {
                continue; // deprecated, still accepted
            }
            match schema.fields.get(k).map(|f| &f.kind) {
                Some(Kind::Attr(ty)) => self.check_value(&p, ty, v),
                Some(Kind::Block(nesting, nested)) => self.check_block(&p, *nesting, nested, v),
                None => {
                    let what = if body == Body::Nested {
                        "block"
                    } else {
                        "schema"
                    };
                    self.problem(
                        &p,
                        format!(
                            "unknown key: not an argument or block of this {what}{}",
                            suggestion(k, schema.fields.keys())
                        ),
                    );
                }
            }
        }
        for (name, f) in &schema.fields {
            if f.required && !o.contains_key(name) {
                let what = match f.kind {
                    Kind::Attr(_) => "attribute",
                    Kind::Block(..) => "block",
                };
                self.problem(path, format!("missing required {what} `{name}`"));
            }
        }
    }

    /// Checks a meta-argument; false when `k` is not one.
    fn check_meta(&mut self, p: &str, k: &str, v: &Value, schema: &Schema, body: Body) -> bool {
        match k {
            "depends_on" => self.check_depends_on(p, v),
            "count" => {
                if !(v.is_number() || v.as_str().is_some_and(is_pure_interpolation)) {
                    self.problem(p, format!("expected a number, got {}", show(v)));
                }
            }
            "for_each" => {
                if !(v.is_object() || v.is_array() || v.as_str().is_some_and(is_pure_interpolation))
                {
                    self.problem(p, format!("expected a map or set, got {}", show(v)));
                }
            }
            "provider" => {
                let ok = v.as_str().is_some_and(|s| {
                    let s = s
                        .strip_prefix("${")
                        .and_then(|s| s.strip_suffix('}'))
                        .unwrap_or(s);
                    s == "aws" || s.strip_prefix("aws.").is_some_and(is_identifier)
                });
                if !ok {
                    self.problem(
                        p,
                        format!("expected \"aws\" or \"aws.<alias>\", got {}", show(v)),
                    );
                }
            }
            "lifecycle" => self.check_lifecycle(p, v, schema, body),
            "provisioner" | "connection" if body == Body::Resource => {}
            _ => return false,
        }
        true
    }

    fn check_depends_on(&mut self, p: &str, v: &Value) {
        let Some(items) = v.as_array() else {
            self.problem(
                p,
                format!("expected an array of references, got {}", show(v)),
            );
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let pi = format!("{p}[{i}]");
            let Some(s) = item.as_str() else {
                self.problem(
                    &pi,
                    format!("expected a reference string, got {}", show(item)),
                );
                continue;
            };
            let r = s
                .strip_prefix("${")
                .and_then(|s| s.strip_suffix('}'))
                .unwrap_or(s);
            let segs: Vec<&str> = r.split('.').collect();
            let ok = match segs.as_slice() {
                ["data", ty, name] => self.declared("data", ty, name),
                ["module", _] => true,
                [ty, name] => self.declared("resource", ty, name),
                _ => false,
            };
            if !ok {
                self.problem(
                    &pi,
                    format!("{s:?} is not a resource or data source of this document"),
                );
            }
        }
    }

    fn check_lifecycle(&mut self, p: &str, v: &Value, schema: &Schema, body: Body) {
        let blocks: Vec<&Value> = match v {
            Value::Array(a) => {
                if a.len() > 1 {
                    self.problem(p, format!("at most one lifecycle block, got {}", a.len()));
                }
                a.iter().collect()
            }
            other => vec![other],
        };
        for (i, b) in blocks.into_iter().enumerate() {
            let pb = if v.is_array() {
                format!("{p}[{i}]")
            } else {
                p.to_string()
            };
            let Some(o) = b.as_object() else {
                self.problem(
                    &pb,
                    format!("a block: expected an object, got {}", json_kind(b)),
                );
                continue;
            };
            for (k, val) in o {
                let pk = format!("{pb}.{k}");
                match (k.as_str(), body) {
                    ("precondition" | "postcondition", _) => {}
                    ("create_before_destroy" | "prevent_destroy", Body::Resource) => {
                        self.check_value(&pk, &Ty::Bool, val)
                    }
                    ("replace_triggered_by", Body::Resource) => {
                        self.check_value(&pk, &Ty::List(Box::new(Ty::String)), val)
                    }
                    ("ignore_changes", Body::Resource) => {
                        if val.as_str() == Some("all") {
                            continue;
                        }
                        let Some(items) = val.as_array() else {
                            self.problem(
                                &pk,
                                format!(
                                    "expected an array of attribute names or \"all\", got {}",
                                    show(val)
                                ),
                            );
                            continue;
                        };
                        for (j, it) in items.iter().enumerate() {
                            let name = it.as_str().map(|s| {
                                let s = s
                                    .strip_prefix("${")
                                    .and_then(|s| s.strip_suffix('}'))
                                    .unwrap_or(s);
                                s.split(['.', '[']).next().unwrap_or(s)
                            });
                            match name {
                                Some(n) if schema.fields.contains_key(n) => {}
                                _ => self.problem(
                                    &format!("{pk}[{j}]"),
                                    format!("{} is not an argument of this resource", show(it)),
                                ),
                            }
                        }
                    }
                    _ => self.problem(&pk, "not a lifecycle argument".into()),
                }
            }
        }
    }

    fn check_value(&mut self, p: &str, ty: &Ty, v: &Value) {
        let ok = match (ty, v) {
            (Ty::Any, _) | (_, Value::Null) => true,
            (_, Value::String(s)) if is_pure_interpolation(s) => true,
            (Ty::String, Value::String(_))
            | (Ty::Number, Value::Number(_))
            | (Ty::Bool, Value::Bool(_)) => true,
            (Ty::List(e) | Ty::Set(e), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.check_value(&format!("{p}[{i}]"), e, item);
                }
                true
            }
            (Ty::Map(e), Value::Object(m)) => {
                for (k, item) in m {
                    self.check_value(&format!("{p}.{k}"), e, item);
                }
                true
            }
            _ => false,
        };
        if !ok {
            let got = match v {
                Value::Array(_) | Value::Object(_) => json_kind(v).to_string(),
                _ => format!("{} {}", json_kind(v), show(v)),
            };
            self.problem(
                p,
                format!("attribute of type {ty}: expected {ty}, got {got}"),
            );
        }
    }

    fn check_block(&mut self, p: &str, nesting: Nesting, schema: &Schema, v: &Value) {
        match (nesting, v) {
            (Nesting::Map, Value::Object(labels)) => {
                for (label, inst) in labels {
                    match inst.as_object() {
                        Some(o) => self.check_body(&format!("{p}.{label}"), schema, o, Body::Nested),
                        None => self.problem(&format!("{p}.{label}"), format!("a block: expected an object, got {}", json_kind(inst))),
                    }
                }
            }
            (_, Value::Object(o)) => self.check_body(p, schema, o, Body::Nested),
            (_, Value::Array(items)) => {
                if nesting == Nesting::Single && items.len() > 1 {
                    self.problem(p, format!("a single block: at most one, got {}", items.len()));
                }
                for (i, item) in items.iter().enumerate() {
                    let pi = format!("{p}[{i}]");
                    match item.as_object() {
                        Some(o) => self.check_body(&pi, schema, o, Body::Nested),
                        None => self.problem(&pi, format!("a block: expected an object, got {}", show(item))),
                    }
                }
            }
            _ => self.problem(
                p,
                format!(
                    "a nested block ({nesting}): expected an array of objects (or an object), got {} {}",
                    json_kind(v),
                    show(v)
                ),
            ),
        }
    }

    /// Every `${…}` reference to a resource or data source names one declared in the document
    /// and one of its attributes; `var.`/`local.` name declared ones.
    fn check_references(&mut self) {
        let mut refs = Vec::new();
        for key in ["provider", "resource", "data", "output", "locals"] {
            if let Some(v) = self.doc.get(key) {
                collect_strings(key, v, &mut refs);
            }
        }
        for (path, s) in refs {
            for expr in interpolations(&s) {
                for t in traversals(expr) {
                    self.check_traversal(&path, &t);
                }
            }
        }
    }

    fn check_traversal(&mut self, path: &str, t: &[&str]) {
        let (section, sec_key, ty, name, attr) = match t {
            ["data", ty, name, rest @ ..] => {
                (Section::Data, "data", *ty, *name, rest.first().copied())
            }
            ["var", name, ..] => {
                if !self
                    .section("variable")
                    .is_some_and(|s| s.contains_key(*name))
                {
                    self.problem(path, format!("`var.{name}` is not declared"));
                }
                return;
            }
            ["local", name, ..] => {
                if !self
                    .section("locals")
                    .is_some_and(|s| s.contains_key(*name))
                {
                    self.problem(path, format!("`local.{name}` is not declared"));
                }
                return;
            }
            [ty, name, rest @ ..] if ty.starts_with("aws_") => (
                Section::Resource,
                "resource",
                *ty,
                *name,
                rest.first().copied(),
            ),
            _ => return,
        };
        let shown = if section == Section::Data {
            format!("data.{ty}.{name}")
        } else {
            format!("{ty}.{name}")
        };
        if !self.declared(sec_key, ty, name) {
            self.problem(
                path,
                format!("reference to `{shown}`, which the document does not declare"),
            );
            return;
        }
        let (Some(attr), Some(schema)) = (attr, self.provider.schema(section, ty)) else {
            return;
        };
        if !schema.readable.contains(attr) {
            self.problem(
                path,
                format!(
                    "reference to `{shown}.{attr}`: `{ty}` has no attribute `{attr}`{}",
                    suggestion(attr, schema.readable.iter())
                ),
            );
        }
    }
}

fn collect_strings(path: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((path.to_string(), s.clone())),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_strings(&format!("{path}[{i}]"), x, out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                collect_strings(&format!("{path}.{k}"), x, out);
            }
        }
        _ => {}
    }
}

/// All problems of one `main.tf.json` document, sorted.
pub(crate) fn check_document(provider: &Provider, doc: &Value) -> Vec<Problem> {
    let Some(doc) = doc.as_object() else {
        return vec![Problem {
            path: "(document)".into(),
            message: format!("expected an object, got {}", json_kind(doc)),
        }];
    };
    let mut c = Checker {
        provider,
        doc,
        problems: Vec::new(),
    };
    c.check();
    let mut p = c.problems;
    p.sort();
    p.dedup();
    p
}

// ------------------------------------------------------------------------------------------
// Building the projects
// ------------------------------------------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    common::root().join("tests/fixtures/terraform").join(name)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Builds a project with `--target terraform` and returns its `main.tf.json`.
fn build_terraform(project: &Path, out: &Path) -> Result<Value, String> {
    let r = common::slsc(
        &[
            "build",
            project.to_str().unwrap(),
            "--target",
            "terraform",
            "--out",
            out.to_str().unwrap(),
        ],
        common::root(),
    );
    if !r.status.success() {
        return Err(format!(
            "slsc build {} --target terraform failed:\n{}",
            project.display(),
            String::from_utf8_lossy(&r.stderr)
        ));
    }
    Ok(read_json(&out.join("main.tf.json")))
}

/// The example projects (not examples/policies/) and the every-feature projects: (label,
/// project directory).
fn projects(scratch: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(common::root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && common::declares_app(p))
        .collect();
    examples.sort();
    for ex in examples {
        let name = ex.file_name().unwrap().to_string_lossy().to_string();
        out.push((format!("examples/{name}"), ex));
    }
    for p in [
        every_feature::every_feature_project(common::TODAY),
        every_feature::cors_true_project(),
    ] {
        let dir = scratch.join("projects").join(p.name);
        p.write(&dir);
        out.push((format!("every-feature:{}", p.name), dir));
    }
    out
}

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------

/// The extraction reads what it should from the package, on a few known types.
#[test]
fn the_schema_is_extracted_from_the_package() {
    let Some(p) = provider() else { return };
    let f = p
        .schema(Section::Resource, "aws_lambda_function")
        .expect("aws_lambda_function");
    assert_eq!(f.attr("function_name"), Some(&Ty::String));
    assert!(f.fields["function_name"].required && f.fields["role"].required);
    assert!(!f.fields["handler"].required);
    assert_eq!(f.attr("memory_size"), Some(&Ty::Number));
    assert_eq!(f.attr("publish"), Some(&Ty::Bool));
    assert_eq!(
        f.attr("architectures"),
        Some(&Ty::List(Box::new(Ty::String)))
    );
    assert_eq!(f.attr("tags"), Some(&Ty::Map(Box::new(Ty::String))));
    let (n, env) = f.block("environment").expect("environment is a block");
    assert_eq!(n, Nesting::List);
    assert_eq!(env.attr("variables"), Some(&Ty::Map(Box::new(Ty::String))));
    let (n, vpc) = f.block("vpc_config").expect("vpc_config is a block");
    assert_eq!(n, Nesting::List);
    assert_eq!(vpc.attr("subnet_ids"), Some(&Ty::Set(Box::new(Ty::String))));
    assert!(vpc.fields["subnet_ids"].required);
    assert_eq!(f.block("timeouts").map(|b| b.0), Some(Nesting::Single));
    assert!(f.readable.contains("arn") && f.readable.contains("invoke_arn"));
    assert!(
        !f.fields.contains_key("arn"),
        "computed-only attributes are not arguments"
    );
    // A block two levels down.
    let (_, cap) = f.block("capacity_provider_config").unwrap();
    assert!(cap.fields["lambda_managed_instances_capacity_provider_config"].required);
    let (_, lmi) = cap
        .block("lambda_managed_instances_capacity_provider_config")
        .unwrap();
    assert_eq!(lmi.attr("capacity_provider_arn"), Some(&Ty::String));

    let q = p
        .schema(Section::Resource, "aws_sqs_queue")
        .expect("aws_sqs_queue");
    assert_eq!(q.attr("visibility_timeout_seconds"), Some(&Ty::Number));
    assert_eq!(q.attr("fifo_queue"), Some(&Ty::Bool));
    assert_eq!(q.attr("redrive_policy"), Some(&Ty::String));
    assert!(q.fields.values().all(|f| !f.required));

    let t = p
        .schema(Section::Resource, "aws_dynamodb_table")
        .expect("aws_dynamodb_table");
    let (n, attr) = t.block("attribute").expect("attribute is a block");
    assert_eq!(n, Nesting::Set);
    assert!(attr.fields["name"].required && attr.fields["type"].required);
    assert_eq!(t.attr("hash_key"), Some(&Ty::String));
    let (_, gsi) = t.block("global_secondary_index").unwrap();
    assert_eq!(
        gsi.attr("non_key_attributes"),
        Some(&Ty::Set(Box::new(Ty::String)))
    );
    assert!(t.readable.contains("stream_arn"));

    let prov = p
        .schema(Section::Provider, "aws")
        .expect("the provider configuration");
    assert_eq!(prov.attr("region"), Some(&Ty::String));
    assert_eq!(prov.attr("alias"), Some(&Ty::String));
    let (_, dt) = prov.block("default_tags").expect("default_tags is a block");
    assert_eq!(dt.attr("tags"), Some(&Ty::Map(Box::new(Ty::String))));

    let ci = p
        .schema(Section::Data, "aws_caller_identity")
        .expect("data aws_caller_identity");
    assert!(ci.readable.contains("account_id"));
    let part = p
        .schema(Section::Data, "aws_partition")
        .expect("data aws_partition");
    assert!(part.readable.contains("dns_suffix") && part.readable.contains("partition"));

    assert!(p.schema(Section::Resource, "aws_no_such_thing").is_none());
    assert!(
        p.schema(Section::Resource, "aws_caller_identity").is_none(),
        "a data source only"
    );
    assert!(p.schema(Section::Data, "aws_lambda_function").is_some());
    assert!(p.schema(Section::Data, "aws_sqs_queue_policy").is_none());
}

/// A hand-written document that conforms passes; one with a mistake of each kind reports each.
#[test]
fn the_checker_finds_each_kind_of_mismatch_in_the_fixtures() {
    let Some(p) = provider() else { return };
    let good = check_document(&p, &read_json(&fixture("main.tf.json")));
    assert!(
        good.is_empty(),
        "tests/fixtures/terraform/main.tf.json should conform:\n  {}",
        good.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    let bad: Vec<String> = check_document(&p, &read_json(&fixture("mismatches.tf.json")))
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected = [
        "data.aws_no_such_source: no data source `aws_no_such_source` in PROVIDER",
        "output.queue_url.sensitive: attribute of type bool: expected bool, got string \"yes\"",
        "output.queue_url.value: reference to `aws_sqs_queue.missing`, which the document does not declare",
        "provider.aws.default_tags: a nested block (list): expected an array of objects (or an object), got string \"team=growth\"",
        "provider.aws.regoin: unknown key: not an argument or block of this schema (did you mean `region`?)",
        "resource.aws_dynamodb_table.users: missing required attribute `name`",
        "resource.aws_dynamodb_table.users.attribute[0]: missing required attribute `type`",
        "resource.aws_dynamodb_table.users.attribute[1]: a block: expected an object, got \"pk\"",
        "resource.aws_dynamodb_table.users.stream_enabled: attribute of type bool: expected bool, got string \"true\"",
        "resource.aws_lambda_function.api.depends_on[0]: \"aws_iam_role.nope\" is not a resource or data source of this document",
        "resource.aws_lambda_function.api.environment: a nested block (list): expected an array of objects (or an object), got string \"${local.env}\"",
        "resource.aws_lambda_function.api.lifecycle.ignore_changes[0]: \"source_hash\" is not an argument of this resource",
        "resource.aws_lambda_function.api.memory_size: attribute of type number: expected number, got string \"128\"",
        "resource.aws_lambda_function.api.role: reference to `aws_iam_role.api.role_arn`: `aws_iam_role` has no attribute `role_arn` (did you mean `arn`?)",
        "resource.aws_lambda_function.api.tracing_config[0].mode: attribute of type string: expected string, got number 1",
        "resource.aws_lambda_function.api.vpc_config[0].subnet_ids: attribute of type set(string): expected set(string), got string \"subnet-1\"",
        "resource.aws_lambda_function.api.vpc_config[0]: missing required attribute `security_group_ids`",
        "resource.aws_lambda_function.api.vpc_config[0].security_group_idz: unknown key: not an argument or block of this block (did you mean `security_group_ids`?)",
        "resource.aws_lambda_function.api.layers[1]: attribute of type string: expected string, got object",
        "resource.aws_lambda_function.api: missing required attribute `function_name`",
        "resource.aws_lambda_function.api.timeouts: a single block: at most one, got 2",
        "resource.aws_lambda_function.api.timeouts[1].destroy: unknown key: not an argument or block of this block",
        "resource.aws_sqs_queue.2jobs: `2jobs` is not a valid Terraform name",
        "resource.aws_sqs_queue.2jobs.tags: attribute of type map(string): expected map(string), got array",
        "resource.aws_sqs_quee: no resource type `aws_sqs_quee` in PROVIDER",
        "terraform.required_providers.aws.version: \"~> 5.0\" does not admit VERSION, the provider version the schema is from",
        "variables: not a top-level key of Terraform's JSON syntax",
    ];
    let mut expected: Vec<String> = expected
        .iter()
        .map(|e| {
            e.replace("PROVIDER", &p.describe())
                .replace("VERSION", &p.provider_version)
        })
        .collect();
    expected.sort();
    let mut got = bad.clone();
    got.sort();
    let missing: Vec<&String> = expected.iter().filter(|e| !got.contains(e)).collect();
    let extra: Vec<&String> = got.iter().filter(|g| !expected.contains(g)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "tests/fixtures/terraform/mismatches.tf.json:\nnot reported:\n  {}\nreported but not expected:\n  {}",
        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
        extra.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
    );
}

#[test]
fn version_constraints() {
    let v = [6, 66, 0];
    for (c, ok) in [
        ("~> 6.0", true),
        ("~> 6.66.0", true),
        ("~> 6.67", false),
        ("~> 5.0", false),
        (">= 5.0, < 7.0", true),
        (">= 6.67", false),
        ("6.66.0", true),
        ("= 6.66", true),
        ("!= 6.66.0", false),
        ("~> 6", true),
    ] {
        assert_eq!(admits(c, v), Some(ok), "{c}");
    }
    assert_eq!(admits("~> 6.0.0-beta1", v), None);
}

#[test]
fn interpolations_and_references() {
    assert_eq!(
        interpolations("a${x.y}b$${z}${f({a = 1})}"),
        vec!["x.y", "f({a = 1})"]
    );
    assert!(is_pure_interpolation("${aws_sqs_queue.q.arn}"));
    assert!(!is_pure_interpolation("${a}:${b}"));
    assert!(!is_pure_interpolation("arn:${a}"));
    assert_eq!(
        traversals(
            r#"jsonencode({ a = aws_sqs_queue.q.arn, b = "x.y" }) == data.aws_partition.current.partition ? 1.5 : var.v[0].w"#
        ),
        vec![
            vec!["a"],
            vec!["aws_sqs_queue", "q", "arn"],
            vec!["b"],
            vec!["data", "aws_partition", "current", "partition"],
            vec!["var", "v"],
        ]
    );
}

/// Every example and the every-feature projects, built with `--target terraform`, conform to
/// the provider schema. All mismatches are reported at once.
#[test]
fn the_terraform_output_conforms_to_the_aws_provider_schema() {
    let Some(p) = provider() else { return };
    let scratch = Temp::new("tf-schema");
    let mut report = Vec::new();
    let mut checked_types = BTreeSet::new();
    for (i, (label, dir)) in projects(scratch.path()).into_iter().enumerate() {
        let out = scratch.path().join(format!("out-{i}"));
        let doc = match build_terraform(&dir, &out) {
            Ok(d) => d,
            Err(e) => {
                report.push(format!("{label}: {e}"));
                continue;
            }
        };
        for (sec, prefix) in [("resource", ""), ("data", "data.")] {
            if let Some(types) = doc[sec].as_object() {
                checked_types.extend(types.keys().map(|t| format!("{prefix}{t}")));
            }
        }
        for problem in check_document(&p, &doc) {
            report.push(format!("{label}: {problem}"));
        }
    }
    assert!(
        report.is_empty(),
        "the Terraform output does not conform to {} ({} mismatches):\n  {}",
        p.describe(),
        report.len(),
        report.join("\n  ")
    );
    eprintln!(
        "checked {} resource and data source types against {}: {}",
        checked_types.len(),
        p.describe(),
        checked_types.into_iter().collect::<Vec<_>>().join(", ")
    );
}
