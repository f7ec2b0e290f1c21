//! Physical names: the name a resource has in the account.
//!
//! A block's physical name is its explicit `name` attribute (functions, queues, databases,
//! buckets and topics; adopting slsc must not rename what already exists), else the name slsc
//! derives (`crate::naming`: `{app}-{stage}-{name}`, `.fifo` for FIFO queues and topics,
//! buckets lower case with the account id appended). Every emitted name, ARN, environment value
//! and rule that reasons about names reads it from here ([`Model::physical_name`],
//! [`Model::bucket_name`]), so an explicit name is used everywhere or nowhere.
//!
//! [`validate`] checks explicit names against each service's rules (`invalid-value` at the
//! attribute) and finds two blocks of one kind with the same final name (`name-collision`).

use super::{Addr, Block, BlockKind, Model};
use crate::diagnostics::Diagnostic;
use crate::naming;
use std::collections::BTreeMap;

/// A bucket's name: an explicit one as written, or the derived base to which the emitters append
/// `-{account id}` (known only at deploy time).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BucketName {
    pub base: String,
    pub account_suffix: bool,
}

impl Model {
    /// The explicit physical name of a block (its `name` attribute), if it has one.
    pub fn explicit_name(&self, kind: BlockKind, name: &str) -> Option<&str> {
        self.find(kind, name).and_then(|b| b.str("name"))
    }

    /// The physical name of the block `kind.name`: its explicit `name`, else
    /// `{app}-{stage}-{name}` (with `.fifo` for a FIFO queue or topic). For a bucket without an
    /// explicit name this is the base without the account id: see [`Model::bucket_name`].
    pub fn physical_name(&self, kind: BlockKind, name: &str) -> String {
        if let Some(explicit) = self.explicit_name(kind, name) {
            return explicit.to_string();
        }
        let fifo = self.find(kind, name).and_then(|b| b.bool("fifo")) == Some(true);
        self.derived_name(kind, name, fifo)
    }

    /// The name slsc derives for a block of `kind` named `name` (for a bucket, without the
    /// account id).
    fn derived_name(&self, kind: BlockKind, name: &str, fifo: bool) -> String {
        let derived = naming::physical(&self.app.name, &self.stage, name);
        match kind {
            BlockKind::Queue | BlockKind::Topic => naming::with_fifo_suffix(derived, fifo),
            BlockKind::Bucket => naming::bucket_base(&derived),
            _ => derived,
        }
    }

    /// A bucket's name: explicit, or derived (then the emitters append the account id).
    pub fn bucket_name(&self, name: &str) -> BucketName {
        BucketName {
            base: self.physical_name(BlockKind::Bucket, name),
            account_suffix: self.explicit_name(BlockKind::Bucket, name).is_none(),
        }
    }
}

/// A service's rules for a name.
struct Rules {
    service: &'static str,
    min: usize,
    max: usize,
    /// The characters allowed (besides a FIFO name's `.fifo` suffix).
    allowed: fn(char) -> bool,
    allowed_text: &'static str,
    /// S3's extra rules: lower case, the ends, periods, reserved prefixes and suffixes.
    bucket: bool,
    /// Queues and topics: a FIFO one's name ends in `.fifo`, a standard one's does not.
    fifo_suffix: bool,
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn rules(kind: BlockKind) -> Option<Rules> {
    let word = |service, max| Rules {
        service,
        min: 1,
        max,
        allowed: word_char,
        allowed_text: "letters, digits, `_` and `-`",
        bucket: false,
        fifo_suffix: false,
    };
    Some(match kind {
        BlockKind::Function => word("a Lambda function name", 64),
        BlockKind::Queue => Rules {
            fifo_suffix: true,
            ..word("an SQS queue name", 80)
        },
        BlockKind::Topic => Rules {
            fifo_suffix: true,
            ..word("an SNS topic name", 256)
        },
        BlockKind::Database => Rules {
            service: "a DynamoDB table name",
            min: 3,
            max: 255,
            allowed: |c| word_char(c) || c == '.',
            allowed_text: "letters, digits, `_`, `-` and `.`",
            bucket: false,
            fifo_suffix: false,
        },
        BlockKind::Bucket => Rules {
            service: "an S3 bucket name",
            min: 3,
            max: 63,
            allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-',
            allowed_text: "lower-case letters, digits, `.` and `-`",
            bucket: true,
            fifo_suffix: false,
        },
        _ => return None,
    })
}

/// A name the service accepts, close to `name` (for the help).
fn repaired(name: &str, r: &Rules, fifo: bool) -> String {
    let stem = name.strip_suffix(".fifo").unwrap_or(name);
    let mut s: String = stem
        .chars()
        .map(|c| {
            let c = if r.bucket { c.to_ascii_lowercase() } else { c };
            if (r.allowed)(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if r.bucket {
        if bucket_problem(&s).is_some() {
            // Periods are what makes a name look like an IP address or hold `..`.
            s = s.replace('.', "-");
        }
        for p in ["xn--", "sthree-"] {
            s = s.strip_prefix(p).map(str::to_string).unwrap_or(s);
        }
        for x in ["-s3alias", "--ol-s3"] {
            s = s.strip_suffix(x).map(str::to_string).unwrap_or(s);
        }
        s = s
            .trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_string();
    }
    let suffix = if r.fifo_suffix && fifo { ".fifo" } else { "" };
    s.truncate(r.max - suffix.len());
    if r.bucket {
        s = s.trim_end_matches(['-', '.']).to_string();
    }
    while s.len() < r.min {
        s.push('0');
    }
    s + suffix
}

/// The service's rules in a sentence (for the help).
fn summary(r: &Rules, fifo: bool) -> String {
    let mut s = format!(
        "{} is {}–{} characters: {}",
        r.service, r.min, r.max, r.allowed_text
    );
    if r.bucket {
        s.push_str(", starting and ending with a letter or a digit");
    }
    if r.fifo_suffix {
        s.push_str(if fifo {
            ", ending in `.fifo` (FIFO)"
        } else {
            ", without `.fifo` (only FIFO names end in it)"
        });
    }
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// What S3 refuses in a bucket name beyond its characters and length.
fn bucket_problem(name: &str) -> Option<String> {
    let first_last = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_last(name.chars().next()) || !first_last(name.chars().last()) {
        return Some("must start and end with a letter or a digit".into());
    }
    if name.contains("..") {
        return Some("must not contain two adjacent periods".into());
    }
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some("must not look like an IP address".into());
    }
    for p in ["xn--", "sthree-"] {
        if name.starts_with(p) {
            return Some(format!("must not start with `{p}` (reserved by S3)"));
        }
    }
    for s in ["-s3alias", "--ol-s3"] {
        if name.ends_with(s) {
            return Some(format!("must not end with `{s}` (reserved by S3)"));
        }
    }
    None
}

/// What the service refuses in an explicit name, if anything.
fn problem(name: &str, r: &Rules, fifo: bool) -> Option<String> {
    if r.fifo_suffix {
        match (fifo, name.ends_with(".fifo")) {
            (true, false) => return Some("does not end in `.fifo`, which a FIFO name must".into()),
            (false, true) => {
                return Some("ends in `.fifo`, but only a FIFO name may (`fifo = true`)".into())
            }
            _ => {}
        }
    }
    let len = name.chars().count();
    if len < r.min || len > r.max {
        return Some(format!(
            "is {len} character{}; {} is {}–{} characters",
            if len == 1 { "" } else { "s" },
            r.service,
            r.min,
            r.max
        ));
    }
    let stem = if r.fifo_suffix && fifo {
        &name[..name.len() - ".fifo".len()]
    } else {
        name
    };
    if let Some(c) = stem.chars().find(|&c| !(r.allowed)(c)) {
        return Some(format!(
            "contains {c:?}: {} allows {} only",
            r.service, r.allowed_text
        ));
    }
    if r.bucket {
        return bucket_problem(name);
    }
    None
}

/// Checks every explicit name, and that no two blocks of a kind share a final name.
pub fn validate(model: &Model, diags: &mut Vec<Diagnostic>) {
    for b in &model.blocks {
        let (Some(name), Some(r)) = (b.str("name"), rules(b.kind)) else {
            continue;
        };
        let fifo = b.bool("fifo") == Some(true);
        if let Some(p) = problem(name, &r, fifo) {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    b.span_of("name"),
                    format!("the {} name \"{name}\" {p}", b.kind.as_str()),
                )
                .with_help(format!(
                    "{}, e.g. `name = \"{}\"`",
                    summary(&r, fifo),
                    repaired(name, &r, fifo)
                )),
            );
        }
    }
    collisions(model, diags);
}

/// Two blocks of one kind with the same physical name would be one resource. A block renamed
/// with `moved` derives its name from its old one (its identity).
fn collisions(model: &Model, diags: &mut Vec<Diagnostic>) {
    let identities = model.identities();
    let mut seen: BTreeMap<(BlockKind, String, bool), &Block> = BTreeMap::new();
    for b in &model.blocks {
        let Some(kind) = b.kind.ref_kind().filter(|_| rules(b.kind).is_some()) else {
            continue;
        };
        let key = match b.str("name") {
            Some(explicit) => (b.kind, explicit.to_string(), false),
            None => {
                let addr = Addr {
                    kind,
                    name: b.name.clone(),
                };
                let identity = identities.get(&addr).unwrap_or(&b.name);
                let fifo = b.bool("fifo") == Some(true);
                let derived = model.derived_name(b.kind, identity, fifo);
                (b.kind, derived, b.kind == BlockKind::Bucket)
            }
        };
        if let Some(&first) = seen.get(&key) {
            // At the block whose `name` makes the collision (the later one when both have one).
            let (first, b) = if first.is_set("name") && !b.is_set("name") {
                (b, first)
            } else {
                (first, b)
            };
            let explicit = |x: &Block| {
                if x.is_set("name") {
                    x.span_of("name")
                } else {
                    x.name_span
                }
            };
            diags.push(
                Diagnostic::error(
                    "name-collision",
                    explicit(b),
                    format!(
                        "{} and {} would both be the {} \"{}\"",
                        first.addr(),
                        b.addr(),
                        b.kind.as_str(),
                        key.1
                    ),
                )
                .with_label(explicit(first), "the other block")
                .with_help("physical names are unique per kind in an account and region: change one `name`"),
            );
        } else {
            seen.insert(key, b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{problem, repaired, rules};
    use crate::model::BlockKind;

    /// The name the help suggests is always one the service accepts.
    #[test]
    fn the_suggested_name_is_valid() {
        let names = [
            "u!",
            "Shop_Uploads",
            "shop..uploads",
            "10.0.0.1",
            "xn--a",
            "sthree-x",
            "a-s3alias",
            "a--ol-s3",
            "-a-",
            "..",
            "",
            "jobs",
            "jobs.fifo",
            "a b c",
            "a.b",
            &"x".repeat(300),
            &format!("{}-bbbb", "a".repeat(62)),
        ];
        for kind in [
            BlockKind::Function,
            BlockKind::Queue,
            BlockKind::Database,
            BlockKind::Bucket,
            BlockKind::Topic,
        ] {
            let r = rules(kind).unwrap();
            for fifo in [false, true] {
                for n in names {
                    let fixed = repaired(n, &r, fifo);
                    assert_eq!(
                        problem(&fixed, &r, fifo),
                        None,
                        "{kind:?} {n:?} → {fixed:?}"
                    );
                }
            }
        }
    }
}
