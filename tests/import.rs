//! `slsc import`: a Serverless Framework service → a `.sls` project (docs/import.md).
//!
//! - The corpus (`../shared/corpus/serverless-examples`, 128 real files): every AWS file imports
//!   and checks with no error, every other provider is refused with its position, and the
//!   numbers in docs/import.md (files, empty reports, functions and events mapped) are what the
//!   import does today (`SLSC_UPDATE_DOCS=1 cargo test --test import` rewrites them).
//! - A service using every mapping (`tests/fixtures/import/shop`): what each becomes.
//! - Malformed input: a YAML error and a non-AWS provider are errors with a position; `--strict`
//!   exits 1 when the report is not empty; an existing project is not overwritten.

mod common;

use common::temp::Temp;
use common::TODAY;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    common::serverless::corpus_dir()
}

/// Every serverless.yml of the corpus, sorted (`None` when the corpus is not there: a failure
/// in CI, a skip elsewhere).
fn corpus() -> Option<Vec<PathBuf>> {
    let dir = corpus_dir();
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the corpus is missing at {} (set SLSC_CORPUS)",
            dir.display()
        );
        eprintln!("skipping: no corpus at {}", dir.display());
        return None;
    }
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(d).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.file_name().is_some_and(|n| n == "serverless.yml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&dir, &mut out);
    Some(out)
}

/// Writes an import's files into `out` and compiles them: the diagnostics.
fn check_imported(imp: &slsc::import::Imported, out: &Path) -> Vec<slsc::diagnostics::Diagnostic> {
    for (rel, text) in &imp.files {
        std::fs::write(out.join(rel), text).unwrap();
    }
    let opts = slsc::Options {
        today: TODAY.into(),
        ..Default::default()
    };
    let c = slsc::compile(out, &opts).expect("the imported project reads");
    let mut d = c.diagnostics.clone();
    d.extend(slsc::emit::measure(&c));
    d
}

/// The corpus numbers, as docs/import.md reports them.
#[derive(Default, Debug, PartialEq)]
struct Numbers {
    files: usize,
    aws: usize,
    refused: usize,
    imported: usize,
    empty_report: usize,
    check_clean: usize,
    functions: usize,
    functions_mapped: usize,
    events: usize,
    events_mapped: usize,
}

impl Numbers {
    fn markdown(&self) -> String {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                100.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        format!(
            "| corpus files | {} |\n|---|---|\n| AWS files | {} |\n| other providers (refused with their position) | {} |\n| AWS files imported | {} |\n| … with an empty report | {} |\n| … that check with no error | {} |\n| functions mapped | {} of {} ({:.1} %) |\n| events mapped | {} of {} ({:.1} %) |\n",
            self.files,
            self.aws,
            self.refused,
            self.imported,
            self.empty_report,
            self.check_clean,
            self.functions_mapped,
            self.functions,
            pct(self.functions_mapped, self.functions),
            self.events_mapped,
            self.events,
            pct(self.events_mapped, self.events),
        )
    }
}

#[test]
fn every_aws_file_of_the_corpus_imports_and_checks_with_no_error() {
    let Some(files) = corpus() else { return };
    let mut n = Numbers {
        files: files.len(),
        ..Default::default()
    };
    let mut problems = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(corpus_dir()).unwrap().display().to_string();
        let tmp = Temp::new("corpus");
        match slsc::import::import(f, tmp.path(), TODAY) {
            Ok(imp) => {
                n.aws += 1;
                n.imported += 1;
                n.empty_report += imp.findings.is_empty() as usize;
                n.functions += imp.summary.functions;
                n.functions_mapped += imp.summary.functions_mapped;
                n.events += imp.summary.events;
                n.events_mapped += imp.summary.events_mapped;
                let errors: Vec<String> = check_imported(&imp, tmp.path())
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| format!("{}: {}", d.code, d.message))
                    .collect();
                if errors.is_empty() {
                    n.check_clean += 1;
                } else {
                    problems.push(format!("{rel}: {}", errors.join("; ")));
                }
                for (_, text) in &imp.files {
                    assert_eq!(
                        slsc::fmt::format(text).as_deref(),
                        Some(text.as_str()),
                        "{rel}: the import is formatted"
                    );
                }
            }
            Err(slsc::import::ImportError::NotAws(p, line, _)) => {
                n.refused += 1;
                assert!(line > 0 && p != "aws", "{rel}");
            }
            Err(e) => problems.push(format!("{rel}: {e}")),
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(n.functions_mapped * 100 >= n.functions * 95, "{n:?}");
    assert!(n.events_mapped * 100 >= n.events * 90, "{n:?}");
    // docs/import.md reports these numbers.
    let doc_path = common::root().join("docs/import.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let (begin, end) = (
        "<!-- corpus numbers: begin -->\n",
        "<!-- corpus numbers: end -->",
    );
    let (Some(a), Some(b)) = (doc.find(begin), doc.find(end)) else {
        panic!("docs/import.md has no corpus numbers section");
    };
    let table = n.markdown();
    let current = &doc[a + begin.len()..b];
    if current != table {
        if std::env::var_os("SLSC_UPDATE_DOCS").is_some() {
            let new = format!("{}{table}{}", &doc[..a + begin.len()], &doc[b..]);
            std::fs::write(&doc_path, new).unwrap();
        } else {
            panic!("docs/import.md's corpus numbers are stale: run `SLSC_UPDATE_DOCS=1 cargo test --test import`\nnow:\n{table}");
        }
    }
}

fn shop() -> (slsc::import::Imported, Temp) {
    let yml = common::root().join("tests/fixtures/import/shop/serverless.yml");
    let tmp = Temp::new("shop");
    let imp = slsc::import::import(&yml, tmp.path(), TODAY).unwrap();
    (imp, tmp)
}

fn file<'a>(imp: &'a slsc::import::Imported, name: &str) -> &'a str {
    &imp.files.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn a_service_using_every_mapping_imports_as_expected() {
    let (imp, tmp) = shop();
    let app = file(&imp, "app.sls");
    let functions = file(&imp, "functions.sls");
    let resources = file(&imp, "resources.sls");
    for (text, want) in [
        // provider → app: the stage and region defaults, a retired runtime upgraded with a note.
        (app, "app \"shop_api\" {"),
        (app, "stage  = \"dev\""),
        (app, "region = \"eu-west-1\""),
        (app, "# was nodejs12.x, which is retired"),
        (app, "runtime       = \"nodejs24.x\""),
        (app, "log_retention = 14"),
        (app, "tracing = true"),
        // variables: custom → locals, a file read at import, env with a fallback, intrinsics.
        (app, "table_name = \"orders-${app.stage}\""),
        // `onError` (Lambda's dead-letter target) → `dead_letter`.
        (functions, "dead_letter = topic.failures"),
        (app, "QUEUE_URL = queue.jobs.url"),
        (app, "API_TOKEN = var.api_token"),
        (app, "default     = \"none\""),
        // adoption: the deployed stack's logical IDs.
        (
            app,
            "CreateOrderFunction         = \"CreateOrderLambdaFunction\"",
        ),
        (app, "CreateOrderFunctionLogGroup = \"CreateOrderLogGroup\""),
        (app, "OrderEventsTopic            = \"SNSTopicOrderevents\""),
        (
            app,
            "ShopUploadsDevBucket        = \"S3BucketShopuploadsdev\"",
        ),
        (app, "value       = database.orders.name"),
        // functions: Serverless's physical names, layers, concurrency.
        (
            functions,
            "name        = \"shop-api-${app.stage}-createOrder\"",
        ),
        (functions, "layers      = [layer.common]"),
        (functions, "concurrency = 5"),
        // events.
        (functions, "http     = \"POST /orders\""),
        (functions, "auth     = \"jwt\""),
        (functions, "audience = [\"client-123\"]"),
        (functions, "http = \"GET /orders/{id}\""),
        (functions, "auth = \"iam\""),
        (functions, "source           = queue.jobs"),
        (functions, "batch_size       = 25"),
        (functions, "partial_failures = true"),
        (functions, "source            = database.orders"),
        (functions, "starting_position = \"latest\""),
        (functions, "source   = bucket.shop_uploads_dev"),
        (functions, "prefix   = \"uploads/\""),
        (functions, "source   = topic.order_events"),
        (functions, "schedule = \"rate(1 hour)\""),
        (functions, "websocket = \"$connect\""),
        (functions, "websocket = \"sendMessage\""),
        // IAM: the shared role's grants on declared resources, the rest as permissions.
        (functions, "writes = [database.orders]"),
        (functions, "sends = [queue.jobs]"),
        (functions, "actions   = [\"ses:SendEmail\"]"),
        // resources: names kept, indexes, streams, dead letters, raw resources.
        (resources, "name          = local.table_name"),
        (resources, "byCustomer = {"),
        (resources, "stream = \"new_and_old_images\""),
        (resources, "dead_letter        = queue.jobs_dlq"),
        (resources, "type       = \"AWS::SSM::Parameter\""),
        (resources, "Value = \"${aws.region}-${queue.jobs.url}\""),
    ] {
        // Alignment depends on the neighbours: compare with runs of spaces collapsed.
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(norm(text).contains(&norm(want)), "`{want}` not in:\n{text}");
    }
    // A function triggered by the queue and the table is not granted to send or write there.
    let worker = functions.split("function \"worker\"").nth(1).unwrap();
    let worker = worker.split("\ntrigger").next().unwrap();
    assert!(
        !worker.contains("writes") && !worker.contains("sends"),
        "{worker}"
    );
    // What did not map is a finding with its line.
    let keys: Vec<(u32, &str)> = imp
        .findings
        .iter()
        .map(|f| (f.line, f.key.as_str()))
        .collect();
    for (line, key) in [
        (6, "plugins"),
        (52, "provider.apiGateway"),
        (101, "functions.thumbnail.events[1].s3.existing"),
        (114, "functions.notify.events[2].cloudwatchEvent"),
        (168, "resources.Resources.GatewayResponseDefault4XX"),
    ] {
        assert!(
            keys.contains(&(line, key)),
            "({line}, {key}) not in {keys:?}"
        );
    }
    assert_eq!(imp.summary.functions, 5);
    assert_eq!((imp.summary.events, imp.summary.events_mapped), (11, 10));
    // It checks with no error, builds and the report says what it did not map.
    let errors: Vec<_> = check_imported(&imp, tmp.path())
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let report = slsc::import::markdown(&imp, "serverless.yml");
    assert!(
        report.contains("| serverless.yml:114:9 | `functions.notify.events[2].cloudwatchEvent` |"),
        "{report}"
    );
    assert!(
        report.contains("| `serverless-webpack` | bundles the code"),
        "{report}"
    );
    assert!(
        report.contains("| `serverless-iam-roles-per-function` | covered"),
        "{report}"
    );
}

#[test]
fn the_imported_shop_builds_with_the_stack_s_logical_ids() {
    let (imp, tmp) = shop();
    for (rel, text) in &imp.files {
        std::fs::write(tmp.path().join(rel), text).unwrap();
    }
    let tpl = common::build::main_json(tmp.path(), "cloudformation");
    let r = tpl["Resources"].as_object().unwrap();
    for id in [
        "CreateOrderLambdaFunction",
        "CreateOrderLogGroup",
        "OrdersTable",
        "JobsQueue",
        "JobsDlq",
        "S3BucketShopuploadsdev",
        "SNSTopicOrderevents",
        "ConfigParameter",
    ] {
        assert!(
            r.contains_key(id),
            "{id} not in {:?}",
            r.keys().collect::<Vec<_>>()
        );
    }
    assert_eq!(
        r["CreateOrderLambdaFunction"]["Properties"]["FunctionName"],
        "shop-api-dev-createOrder"
    );
    assert_eq!(r["OrdersTable"]["Properties"]["TableName"], "orders-dev");
    assert_eq!(r["JobsQueue"]["Properties"]["QueueName"], "shop-jobs-dev");
    // References follow the renamed IDs.
    let sub = r["JobsQueue"]["Properties"]["RedrivePolicy"].to_string();
    assert!(sub.contains("JobsDlq"), "{sub}");
}

#[test]
fn bad_input_is_an_error_with_a_position() {
    let tmp = Temp::new("bad");
    let out = tmp.path().join("out");
    // A YAML syntax error.
    tmp.write(
        "yaml/serverless.yml",
        b"service: x\nprovider:\n  name: aws\n  runtime: [nodejs20.x\n",
    );
    let o = common::slsc(
        &[
            "import",
            "yaml/serverless.yml",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("yaml/serverless.yml:"), "{err}");
    assert!(!out.exists(), "nothing written on an error");
    // Another provider.
    tmp.write(
        "gcp/serverless.yml",
        b"service: x\nprovider:\n  name: google\n  runtime: nodejs20\n",
    );
    let o = common::slsc(
        &[
            "import",
            "gcp/serverless.yml",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("gcp/serverless.yml:3:9: the provider is `google`"),
        "{err}"
    );
    // Not a service at all.
    tmp.write("none/serverless.yml", b"hello: world\n");
    let o = common::slsc(
        &[
            "import",
            "none/serverless.yml",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    // A missing file is a usage error.
    let o = common::slsc(&["import", "nope/serverless.yml"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn strict_fails_on_findings_and_an_existing_project_is_kept() {
    let tmp = Temp::new("strict");
    tmp.write(
        "svc/serverless.yml",
        b"service: svc\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  hello:\n    handler: h.handler\n    events:\n      - iot:\n          sql: \"SELECT * FROM 'x'\"\n",
    );
    let out = tmp.path().join("out");
    let o = common::slsc(
        &[
            "import",
            "svc/serverless.yml",
            "--out",
            out.to_str().unwrap(),
            "--strict",
        ],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("svc/serverless.yml:9:9: functions.hello.events[0].iot"),
        "{err}"
    );
    let report = std::fs::read_to_string(out.join("IMPORT.md")).unwrap();
    assert!(
        report.contains("`iot` events have no slsc trigger"),
        "{report}"
    );
    // Written anyway (the report is the point), and not overwritten by a second import.
    let o = common::slsc(
        &[
            "import",
            "svc/serverless.yml",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("exists: not overwriting"));
    // Without --strict the same import succeeds, into the service's own directory by default.
    let o = common::slsc(&["import", "svc/serverless.yml"], tmp.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let check = common::slsc(&["check", "svc"], tmp.path());
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_import_is_the_same_from_any_directory() {
    let yml = common::root().join("tests/fixtures/import/shop/serverless.yml");
    let a = Temp::new("det-a");
    let b = Temp::new("det-b");
    let x = slsc::import::import(&yml, a.path(), TODAY).unwrap();
    let y = slsc::import::import(&yml, b.path(), TODAY).unwrap();
    assert_eq!(
        x.files, y.files,
        "two imports into sibling directories are byte-identical"
    );
    assert_eq!(x.findings, y.findings);
}

/// Every imported corpus project builds for CloudFormation, and cfn-lint (with `SLSC_PYTHON`)
/// finds nothing in any of the templates: `check` passing means the target accepts it.
#[test]
fn every_imported_corpus_project_builds_and_passes_cfn_lint() {
    let Some(files) = corpus() else { return };
    let found = common::python::with_module("cfnlint");
    let python = common::python::or_skip(found, "cfn-lint");
    let out = Temp::new("corpus-lint");
    let mut templates = Vec::new();
    for f in &files {
        let tmp = Temp::new("corpus-build");
        let Ok(imp) = slsc::import::import(f, tmp.path(), TODAY) else {
            continue; // another provider
        };
        for (rel, text) in &imp.files {
            std::fs::write(tmp.path().join(rel), text).unwrap();
        }
        let rel = f
            .strip_prefix(corpus_dir())
            .unwrap()
            .parent()
            .unwrap()
            .display()
            .to_string();
        let tpl = common::build::main_json(tmp.path(), "cloudformation");
        let path = out.write(
            &format!("{}.json", rel.replace('/', "_")),
            tpl.to_string().as_bytes(),
        );
        templates.push(path);
    }
    assert!(templates.len() >= 80, "{} templates", templates.len());
    let Some(python) = python else { return };
    let o = common::python::cfn_lint_json(&python)
        .args(&templates)
        .output()
        .expect("cfn-lint runs");
    let findings: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("cfn-lint prints JSON");
    assert_eq!(findings, serde_json::json!([]), "{findings:#}");
}

/// The kinds a template's resources count as, for comparing Serverless's template with slsc's:
/// functions, data stores and triggers, by kind.
fn kinds(t: &serde_json::Value) -> std::collections::BTreeMap<&'static str, usize> {
    let mut out = std::collections::BTreeMap::new();
    for (id, r) in t["Resources"].as_object().unwrap() {
        let p = &r["Properties"];
        let kind = match r["Type"].as_str().unwrap_or_default() {
            // Serverless's own custom-resource function (existing S3 buckets) is not the user's.
            "AWS::Lambda::Function" if !id.starts_with("Custom") => "function",
            "AWS::DynamoDB::Table" => "table",
            "AWS::SQS::Queue" => "queue",
            "AWS::SNS::Topic" => "topic",
            "AWS::Kinesis::Stream" => "stream",
            "AWS::S3::Bucket" if id != "ServerlessDeploymentBucket" => "bucket",
            "AWS::ApiGateway::Method" if p["HttpMethod"] != "OPTIONS" => "route",
            "AWS::ApiGatewayV2::Route" => "route",
            "AWS::Events::Rule" => "schedule",
            "AWS::Lambda::EventSourceMapping" => "mapping",
            "AWS::SNS::Subscription" => "subscription",
            "AWS::Lambda::Permission" if p["Principal"] == "s3.amazonaws.com" => "s3",
            // Serverless's custom resource that configures an `existing` bucket's events.
            "Custom::S3" => "s3",
            _ => continue,
        };
        // Serverless writes a topic's subscriptions inside the topic.
        if kind == "topic" {
            let subs = p["Subscription"].as_array().map_or(0, Vec::len);
            if subs > 0 {
                *out.entry("subscription").or_insert(0) += subs;
            }
        }
        *out.entry(kind).or_insert(0) += 1;
    }
    out
}

/// The trigger kind of an event the import reported as not mapped: a finding about the event
/// itself (`functions.f.events[0].iot`), not about one of its keys.
fn unmapped_kind(key: &str) -> Option<&'static str> {
    let event = key.split(".events[").nth(1)?.split_once("].")?.1;
    if event.contains('.') {
        return None;
    }
    Some(match event {
        "http" | "httpApi" | "websocket" => "route",
        "schedule" | "eventBridge" => "schedule",
        "sqs" | "stream" => "mapping",
        "sns" => "subscription",
        "s3" => "s3",
        _ => return None,
    })
}

/// Round trip with the real Serverless Framework: on a sample of the corpus that packages
/// offline, the imported project's CloudFormation has the functions, triggers and data stores
/// (by kind and count) of `serverless package`'s own — less what the import reported as not
/// mapped, plus the buckets of `existing` s3 events (which slsc declares, with a finding).
#[test]
fn imported_projects_have_what_serverless_packages() {
    if corpus().is_none() {
        return;
    }
    let Some(_) = common::serverless::bin_or_skip() else {
        return;
    };
    let mut problems = Vec::new();
    let sample = common::serverless::PACKAGED_SAMPLE
        .iter()
        .map(|s| (s, false))
        .chain(
            common::serverless::PACKAGED_WITHOUT_PLUGINS
                .iter()
                .take(3)
                .map(|s| (s, true)),
        );
    for (name, without_plugins) in sample {
        let dir = corpus_dir().join(name);
        let theirs = if without_plugins {
            common::serverless::package_without_plugins(&dir)
        } else {
            common::serverless::package(&dir)
        };
        let theirs = match theirs {
            Ok(t) => t,
            Err(e) => panic!("{name}: serverless package failed: {e}"),
        };
        let tmp = Temp::new("roundtrip");
        let imp = slsc::import::import(&dir.join("serverless.yml"), tmp.path(), TODAY).unwrap();
        for (rel, text) in &imp.files {
            std::fs::write(tmp.path().join(rel), text).unwrap();
        }
        let ours = common::build::main_json(tmp.path(), "cloudformation");
        let mut want = kinds(&theirs);
        for f in &imp.findings {
            if let Some(k) = unmapped_kind(&f.key) {
                if !f.key.ends_with(".existing") {
                    if let Some(n) = want.get_mut(k) {
                        *n = n.saturating_sub(1);
                    }
                }
            }
            if f.key.ends_with(".s3.existing") {
                *want.entry("bucket").or_insert(0) += 1;
            }
        }
        want.retain(|_, n| *n > 0);
        let got = kinds(&ours);
        if got != want {
            problems.push(format!("{name}: serverless {want:?}, slsc {got:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Mutants of every corpus file (a line deleted, duplicated or cut, a `:` dropped, a tag
/// added, the text truncated): the import never panics — each is an import or an error with a
/// position — and what imports still checks without a crash.
#[test]
fn mutated_serverless_files_never_crash_the_import() {
    let Some(files) = corpus() else { return };
    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let tmp = Temp::new("mutants");
    let mut count = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for k in 0..6 {
            let i = next(lines.len());
            let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            match k {
                0 if !l.is_empty() => {
                    l.remove(i);
                }
                1 if !l.is_empty() => l.insert(i, l[i].clone()),
                2 if !l.is_empty() => {
                    let cut = l[i]
                        .char_indices()
                        .map(|(p, _)| p)
                        .nth(next(l[i].len() + 1))
                        .unwrap_or(0);
                    l[i].truncate(cut);
                }
                3 if !l.is_empty() => l[i] = l[i].replacen(':', "", 1),
                4 if !l.is_empty() => l[i] = format!("{} !Ref", l[i]),
                _ => {
                    let chars: Vec<char> = text.chars().collect();
                    l = vec![chars[..next(chars.len())].iter().collect()];
                }
            }
            let dir = tmp.path().join(format!("m{count}"));
            std::fs::create_dir_all(&dir).unwrap();
            let yml = dir.join("serverless.yml");
            std::fs::write(&yml, l.join("\n")).unwrap();
            let out = dir.join("out");
            std::fs::create_dir_all(&out).unwrap();
            if let Ok(imp) = slsc::import::import(&yml, &out, TODAY) {
                let _ = check_imported(&imp, &out);
            }
            count += 1;
        }
    }
    assert!(count > 500, "{count} mutants");
}
