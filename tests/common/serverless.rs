//! The Serverless Framework v3 (`serverless package`), run offline, for tests that compare its
//! CloudFormation with slsc's (`slsc import serverless.yml`). docs/serverless-package-corpus.md
//! records which corpus services package this way and why the others do not.
//!
//! The binary is `SLSC_SERVERLESS`, else `${SLSC_CI_CACHE:-/tmp/slsc-ci-cache}/serverless/
//! node_modules/.bin/serverless`; `.ci/run` installs serverless@[`VERSION`] there (npm) and sets
//! the variable. Without it [`bin_or_skip`] prints a "skipped" message and returns `None` —
//! except under CI (`CI` set), where it panics.
//!
//! What `serverless package` needs to run offline, as [`package`] sets it up:
//! - A clean environment ([`envs`]; none of the host's variables but `PATH` and `TMPDIR`): fake
//!   credentials (packaging signs nothing, but the AWS provider wants some), the region, `HOME`
//!   in the scratch directory (it writes `~/.serverlessrc` and `~/.serverless/`),
//!   `SLS_TELEMETRY_DISABLED=1` and `SLS_NOTIFICATIONS_MODE=off` (without them every run posts to
//!   `sp-notifications-and-metrics-v1.serverless-platform.com`), `SLS_DISABLE_AUTO_UPDATE=1`.
//!   Packaging calls AWS only for what cannot work offline anyway (a `layers:` entry makes it ask
//!   CloudFormation for the last deployed layer's hash; `${ssm:…}`, `${cf:…}`, `${s3:…}`,
//!   `${aws:accountId}` resolve through AWS): `HTTPS_PROXY` points at a closed local port and
//!   retries are off, so such a run fails in ~2 s instead of retrying for ~25 s or hanging.
//! - At least one file to zip: with only `serverless.yml` it fails ("No file matches include /
//!   exclude patterns"), and a `package.artifact` must exist; handler files are not checked.
//!   The corpus holds only the configuration, so [`package`] writes stubs ([`write_stubs`]).
//! - No `plugins:` that are not installed (no flag or variable skips them: only help and the
//!   plugin-independent commands tolerate a missing plugin), no `org:` (the dashboard plugin
//!   then wants a login), no container images (they need a Dockerfile and docker).
//!
//! What differs between two runs on the same service: the `ApiGatewayDeployment<epoch ms>`
//! logical ID (REST APIs) and the artifacts' `S3Key` (`serverless/SERVICE/dev/<epoch ms>-<ISO
//! date>/…`). The `…LambdaVersion<hash>` and `WebsocketsDeployment<hash>` IDs are stable but hash
//! the (stub) code and the template: not comparable with another compiler's.

use super::temp::Temp;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned version (`SERVERLESS_VERSION` in `.ci/run`: bump both together).
pub const VERSION: &str = "3.40.0";

/// Where the corpus of Serverless Framework services lives, relative to the repository
/// (`SLSC_CORPUS` overrides it): the serverless/examples repository, read in place, never copied
/// into this repository.
pub const CORPUS: &str = "../shared/corpus/serverless-examples";

/// How long one `serverless package` may take (about 3 s alone; more on a loaded machine).
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// The stage and region every run packages for.
pub const STAGE: &str = "dev";
pub const REGION: &str = "us-east-1";

/// Corpus services (directories under [`corpus_dir`]) that [`package`] packages offline with
/// serverless [`VERSION`] (docs/serverless-package-corpus.md lists all 89 AWS services). Together
/// they cover `http` (REST API: CORS, path parameters, a TOKEN authorizer), `httpApi`,
/// `websocket` (with a REQUEST authorizer), `schedule` (cron and rate), `sns`, `s3` (a new bucket,
/// and an `existing: true` one through serverless's Custom::S3), `stream` (Kinesis), `iot`, and
/// DynamoDB tables and an S3 bucket policy in `resources`. The corpus has no `sqs` event that
/// packages as it is: see [`PACKAGED_WITHOUT_PLUGINS`].
pub const PACKAGED_SAMPLE: &[&str] = &[
    "aws-node",
    "aws-node-rest-api-with-dynamodb",
    "aws-node-auth0-cognito-custom-authorizers-api",
    "aws-node-http-api",
    "aws-python-http-api-with-dynamodb",
    "aws-node-websockets-authorizers",
    "aws-node-scheduled-cron",
    "aws-node-text-analysis-via-sns-post-processing",
    "aws-node-ses-receive-email-body",
    "aws-golang-s3-file-replicator",
    "aws-golang-stream-kinesis-to-elasticsearch",
    "aws-node-iot-event",
];

/// Corpus services that package offline with [`package_without_plugins`] and not with
/// [`package`]: their plugins only build code, run locally or add commands
/// (serverless-webpack, serverless-plugin-typescript, serverless-esbuild,
/// serverless-python-requirements without `layer`, serverless-offline, serverless-dynamodb-local,
/// serverless-plugin-optimize, serverless-hooks-plugin, the single-page-app example's plugin), so
/// the template is the one the plugins would give but for the code. Among them the corpus's only
/// `sqs` event (`aws-node-typescript-sqs-standard`, an SQS queue in `resources` too).
pub const PACKAGED_WITHOUT_PLUGINS: &[&str] = &[
    "aws-node-dynamic-image-resizer",
    "aws-node-rest-api-typescript",
    "aws-node-rest-api-with-dynamodb-and-offline",
    "aws-node-serve-dynamic-html-via-http-endpoint",
    "aws-node-signed-uploads",
    "aws-node-single-page-app-via-cloudfront",
    "aws-node-typescript-nest",
    "aws-node-typescript-sqs-standard",
    "aws-python-http-api-with-pynamodb",
    "aws-python-line-echo-bot",
    "aws-python-rest-api-with-faunadb",
    "aws-python-rest-api-with-pynamodb",
    "aws-ruby-line-bot",
];

/// The corpus directory (`SLSC_CORPUS`, else [`CORPUS`] next to the repository).
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("SLSC_CORPUS")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| super::root().join(CORPUS))
}

/// The `serverless` executable, checked to be [`VERSION`]: `SLSC_SERVERLESS`, else
/// `${SLSC_CI_CACHE:-/tmp/slsc-ci-cache}/serverless/node_modules/.bin/serverless`.
pub fn serverless_bin() -> Result<PathBuf, String> {
    let bin = match std::env::var_os("SLSC_SERVERLESS").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => {
            let cache = std::env::var_os("SLSC_CI_CACHE")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/tmp/slsc-ci-cache"));
            cache.join("serverless/node_modules/.bin/serverless")
        }
    };
    // `.bin/serverless` links to `serverless/bin/serverless.js`; the package.json is beside bin/.
    let real = bin.canonicalize().map_err(|e| {
        format!(
            "no serverless at {} ({e}): .ci/run installs serverless@{VERSION} with npm and sets \
             SLSC_SERVERLESS",
            bin.display()
        )
    })?;
    let manifest = real
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("package.json"))
        .ok_or_else(|| format!("{} is not in an npm package", real.display()))?;
    let version = std::fs::read(&manifest)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v["version"].as_str().map(String::from))
        .ok_or_else(|| format!("cannot read the version in {}", manifest.display()))?;
    if version != VERSION {
        return Err(format!(
            "{} is serverless {version}, the tests expect {VERSION} (.ci/run installs it)",
            bin.display()
        ));
    }
    Ok(bin)
}

/// [`serverless_bin`], or `None` after printing why the test is skipped; under CI (`CI` set) a
/// missing or wrong serverless panics.
pub fn bin_or_skip() -> Option<PathBuf> {
    match serverless_bin() {
        Ok(bin) => Some(bin),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but serverless cannot run: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED: this test needs the Serverless Framework: {why}");
            None
        }
    }
}

/// Runs `serverless package --stage dev --region us-east-1` offline on a copy of `service_dir`
/// (in a fresh scratch directory, with [`write_stubs`] added) and returns the parsed
/// `.serverless/cloudformation-template-update-stack.json`. The error carries its output.
pub fn package(service_dir: &Path) -> Result<Value, String> {
    package_copy(service_dir, false)
}

/// [`package`] on a copy whose configuration has no top-level `plugins:` and whose
/// `service: {name: X}` (the object notation v3 refuses) is `service: X`: for the services of
/// [`PACKAGED_WITHOUT_PLUGINS`], whose plugins only build code, run locally or add commands, so
/// that the template is what it would be with them.
pub fn package_without_plugins(service_dir: &Path) -> Result<Value, String> {
    package_copy(service_dir, true)
}

fn package_copy(service_dir: &Path, without_plugins: bool) -> Result<Value, String> {
    let bin = serverless_bin()?;
    let name = service_dir
        .file_name()
        .ok_or_else(|| format!("{} has no directory name", service_dir.display()))?;
    let scratch = Temp::new("serverless");
    let dir = scratch.path().join(name);
    copy_dir(service_dir, &dir).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            service_dir.display(),
            dir.display()
        )
    })?;
    if without_plugins {
        let config = config_file(&dir)
            .ok_or_else(|| format!("{} has no serverless.yml", service_dir.display()))?;
        let text = std::fs::read_to_string(&config).map_err(|e| e.to_string())?;
        std::fs::write(&config, strip_plugins(&text)).map_err(|e| e.to_string())?;
    }
    write_stubs(&dir).map_err(|e| format!("cannot write stubs in {}: {e}", dir.display()))?;
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let log_path = scratch.path().join("serverless.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;

    let mut cmd = Command::new(&bin);
    cmd.args(["package", "--stage", STAGE, "--region", REGION])
        .current_dir(&dir)
        .env_clear()
        .envs(envs(&home))
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break Some(status),
            None if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let what = format!("serverless package in a copy of {}", service_dir.display());
    match status {
        None => {
            return Err(format!(
                "{what} did not finish within {}s; its output:\n{output}",
                TIMEOUT.as_secs()
            ))
        }
        Some(s) if !s.success() => {
            return Err(format!("{what} failed ({s}); its output:\n{output}"))
        }
        Some(_) => {}
    }
    let template = dir.join(".serverless/cloudformation-template-update-stack.json");
    let text = std::fs::read_to_string(&template).map_err(|e| {
        format!(
            "{what} wrote no {} ({e}); its output:\n{output}",
            template.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", template.display()))
}

/// A proxy address where nothing listens (TCP port 1 on the loopback).
const DEAD_PROXY: &str = "http://127.0.0.1:1";

/// The whole environment of a run (the host's is cleared): `PATH` (for `#!/usr/bin/env node`)
/// and `TMPDIR` are kept.
pub fn envs(home: &Path) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = vec![
        ("HOME", home.to_string_lossy().into_owned()),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE".into()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        ),
        ("AWS_REGION", REGION.into()),
        ("AWS_DEFAULT_REGION", REGION.into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        (
            "AWS_CONFIG_FILE",
            home.join("no-aws-config").to_string_lossy().into_owned(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-aws-credentials")
                .to_string_lossy()
                .into_owned(),
        ),
        ("SLS_TELEMETRY_DISABLED", "1".into()),
        ("SLS_NOTIFICATIONS_MODE", "off".into()),
        ("SLS_DISABLE_AUTO_UPDATE", "1".into()),
        // A call to AWS (a layer's DescribeStacks) fails at once: through a proxy nothing listens
        // on, not retried (serverless retries 4 times, ~5 s apart, by default), 10 s at most.
        ("HTTPS_PROXY", DEAD_PROXY.into()),
        ("HTTP_PROXY", DEAD_PROXY.into()),
        ("SLS_AWS_REQUEST_MAX_RETRIES", "0".into()),
        ("AWS_CLIENT_TIMEOUT", "10000".into()),
        ("NO_COLOR", "1".into()),
    ];
    for keep in ["PATH", "TMPDIR"] {
        if let Ok(val) = std::env::var(keep) {
            v.push((keep, val));
        }
    }
    v
}

/// Copies a directory tree (files and directories; a link is copied as what it points to),
/// without a `.serverless/` output directory.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            if entry.file_name() != ".serverless" {
                copy_dir(&src, &dst)?;
            }
        } else {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// The service's configuration file in `dir`, if it has one serverless reads as YAML.
pub fn config_file(dir: &Path) -> Option<PathBuf> {
    ["serverless.yml", "serverless.yaml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Writes what packaging needs and the corpus lacks (each only when the path does not exist),
/// from a line scan of the YAML configuration: a stub source file per `handler:` (its module
/// path, with `.js`/`.py`/`.rb` after the first `runtime:`; a handler of another runtime that
/// has no dot, such as Go's `bin/hello`, is the file itself), an empty zip per `artifact:`, a
/// directory with one file per `path:` under the top-level `layers:`, and a
/// `slsc-placeholder.txt` when the directory held nothing but the configuration. Values with
/// `${…}` variables, absolute paths and `..` are skipped. Returns the files written.
pub fn write_stubs(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let Some(config) = config_file(dir) else {
        return Ok(written);
    };
    let text = std::fs::read_to_string(&config)?;
    let ext = text
        .lines()
        .find_map(|l| yaml_value(l, "runtime"))
        .map(|r| {
            if r.starts_with("nodejs") {
                "js"
            } else if r.starts_with("python") {
                "py"
            } else if r.starts_with("ruby") {
                "rb"
            } else {
                ""
            }
        })
        .unwrap_or("js");
    let mut wanted: Vec<(String, &[u8])> = Vec::new();
    let mut top = "";
    for line in text.lines() {
        if !line.starts_with([' ', '\t', '#', '-']) {
            if let Some((key, _)) = line.split_once(':') {
                top = key.trim();
            }
        }
        if let Some(h) = yaml_value(line, "handler") {
            let last = h.rsplit('/').next().unwrap_or(&h);
            match last.rfind('.') {
                Some(dot) if !ext.is_empty() => {
                    let module = &h[..h.len() - last.len() + dot];
                    wanted.push((format!("{module}.{ext}"), b"// stub\n"));
                }
                Some(_) => {} // a class or assembly name (Java, .NET): its artifact is the code
                None => wanted.push((h.clone(), b"stub\n")),
            }
        }
        if let Some(a) = yaml_value(line, "artifact") {
            // An empty zip: the end-of-central-directory record alone.
            const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
            wanted.push((a, EMPTY_ZIP));
        }
        if top == "layers" {
            if let Some(p) = yaml_value(line, "path") {
                wanted.push((format!("{p}/slsc-placeholder.txt"), b"stub\n"));
            }
        }
    }
    for (rel, contents) in wanted {
        let rel = rel.trim_start_matches("./");
        let p = Path::new(rel);
        if rel.is_empty()
            || p.is_absolute()
            || p.components().any(|c| c == std::path::Component::ParentDir)
        {
            continue;
        }
        let path = dir.join(p);
        if path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, contents)?;
        written.push(path);
    }
    let only_config = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .all(|e| e.path() == config || e.file_name() == ".serverless");
    if only_config {
        let path = dir.join("slsc-placeholder.txt");
        std::fs::write(&path, b"stub\n")?;
        written.push(path);
    }
    Ok(written)
}

/// `text` (a serverless.yml) without its top-level `plugins:` entry, and with `service:` followed
/// by an indented `name: X` turned into `service: X` (line-based).
pub fn strip_plugins(text: &str) -> String {
    let top_level = |l: &str| !l.is_empty() && !l.starts_with([' ', '\t', '#', '-']);
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("plugins:") {
            while lines.peek().is_some_and(|l| !top_level(l)) {
                lines.next();
            }
            continue;
        }
        if line.trim_end() == "service:" {
            let name = lines
                .peek()
                .and_then(|l| l.starts_with([' ', '\t']).then(|| l.trim_start()))
                .and_then(|l| l.strip_prefix("name:"))
                .map(|n| n.trim().to_string());
            if let Some(name) = name {
                lines.next();
                out.push(format!("service: {name}"));
                continue;
            }
        }
        out.push(line.to_string());
    }
    out.join("\n") + "\n"
}

/// The plain scalar of a `key: value` line (indented or in a list item), unquoted, without a
/// trailing comment; `None` for another key, an empty value, a flow or block value, or one with
/// a `${…}` variable.
fn yaml_value(line: &str, key: &str) -> Option<String> {
    let rest = line.trim_start().trim_start_matches("- ").trim_start();
    let value = rest.strip_prefix(key)?.trim_start().strip_prefix(':')?;
    let value = match value.find(" #") {
        Some(i) => &value[..i],
        None => value,
    }
    .trim()
    .trim_matches(|c| c == '"' || c == '\'');
    if value.is_empty()
        || value.contains("${")
        || value.starts_with(['{', '[', '|', '>', '&', '*', '!'])
    {
        return None;
    }
    Some(value.to_string())
}
