//! A moto server (a mock AWS, <https://github.com/getmoto/moto>) for integration tests that
//! deploy: one server per [`Moto`], on a free loopback port, stopped when dropped.
//!
//! The server is `SLSC_MOTO_SERVER` (a path to moto's `moto_server`; `.ci/run` installs
//! `moto[server]` pinned and sets it), else `moto_server` on `PATH`. Without it [`Moto::start`]
//! prints a "skipped" message and returns `None` — except under CI (`CI` set), where it panics.
//!
//! What moto 5.2.5's server does, as these helpers rely on it:
//! - It routes a request to a service by the service name in the SigV4 `Authorization` header's
//!   credential scope (`Credential=KEY/DATE/REGION/SERVICE/aws4_request`), not by the `Host`
//!   header; the region comes from the same scope. It checks no signature, so a fixed fake one
//!   does ([`auth_header`]). Unsigned requests go to S3 (us-east-1) unless the body or path says
//!   otherwise, and `/moto-api/...` always goes to moto's own API.
//! - S3 is path-style only here (`http://127.0.0.1:PORT/BUCKET/KEY`): a virtual-hosted bucket
//!   (`BUCKET.127.0.0.1`) cannot resolve. A signed CreateBucket must carry a
//!   `CreateBucketConfiguration` whose `LocationConstraint` matches the signing region (except
//!   us-east-1, which has none), as AWS requires.
//! - CloudFormation's `TemplateURL` is read straight from moto's S3 backend, by parsing the URL:
//!   `https://BUCKET.s3.REGION.amazonaws.com/KEY`, `https://s3.REGION.amazonaws.com/BUCKET/KEY`
//!   and `http://localhost:PORT/BUCKET/KEY` work; `http://127.0.0.1:PORT/BUCKET/KEY` does not
//!   (moto takes `127` for the bucket name).
//! - The recorder needs no environment variable: `start-recording` switches it on. It records
//!   every request but those to `/moto-api/recorder/...` (so `/moto-api/reset` is recorded too)
//!   as JSON lines `{"headers", "method", "url", "body", "body_encoded"}`, the body base64 when
//!   `body_encoded` (any request with a body) — see [`recorded_body`] and [`recorded_call`].
//!   `/moto-api/reset` resets the services' state, not the recording.

use super::temp::Temp;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The region the helpers and [`Moto::envs`] use unless told otherwise.
pub const REGION: &str = "eu-west-1";

/// moto's default account id (what ARNs and queue URLs contain).
pub const ACCOUNT: &str = "123456789012";

/// How long the server may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one HTTP request to the server may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A running moto server, killed (and waited for) when dropped.
pub struct Moto {
    child: Child,
    port: u16,
    region: String,
    /// Holds the server's log and its recording; removed after the server stops.
    dir: Temp,
}

impl Moto {
    /// Starts a server whose helpers use [`REGION`]; `None` (after a "skipped" message) when
    /// moto is not installed, outside CI.
    pub fn start() -> Option<Moto> {
        Moto::start_in(REGION)
    }

    /// Starts a server whose helpers (and [`Moto::envs`]) use `region`.
    pub fn start_in(region: &str) -> Option<Moto> {
        let server = match server_path() {
            Ok(p) => p,
            Err(why) => {
                if std::env::var_os("CI").is_some() {
                    panic!("CI is set but moto's server cannot be found: {why}");
                }
                eprintln!(
                    "skipped: this test needs moto's server: {why} (.ci/run installs \
                     moto[server] and sets SLSC_MOTO_SERVER)"
                );
                return None;
            }
        };
        let dir = Temp::new("moto");
        let log_path = dir.path().join("moto.log");
        // The port is free when checked but could be taken before moto binds it: try again then.
        for attempt in 1..=3 {
            let port = free_port();
            let log = std::fs::File::create(&log_path).unwrap();
            let mut child = Command::new(&server)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .current_dir(dir.path())
                .env("MOTO_RECORDER_FILEPATH", dir.path().join("recording.jsonl"))
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_DEFAULT_REGION", region)
                .env("AWS_CONFIG_FILE", dir.path().join("no-aws-config"))
                .env(
                    "AWS_SHARED_CREDENTIALS_FILE",
                    dir.path().join("no-aws-credentials"),
                )
                .env_remove("AWS_SESSION_TOKEN")
                .env_remove("AWS_PROFILE")
                .env_remove("MOTO_ENABLE_RECORDING")
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", server.display()));
            match wait_ready(&mut child, port) {
                Ok(()) => {
                    let moto = Moto {
                        child,
                        port,
                        region: region.to_string(),
                        dir,
                    };
                    // Creates the (empty) recording, so that downloading it works before any.
                    moto.moto_api("POST", "/moto-api/recorder/reset-recording");
                    return Some(moto);
                }
                Err(exited) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    if exited && log.contains("Address already in use") && attempt < 3 {
                        continue;
                    }
                    panic!(
                        "moto's server ({}) did not start on port {port} within {}s{}; its \
                         log:\n{log}",
                        server.display(),
                        START_TIMEOUT.as_secs(),
                        if exited { " (it exited)" } else { "" }
                    );
                }
            }
        }
        unreachable!()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The region the helpers use.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The server's output so far (its request log and any Python tracebacks).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }

    /// The environment a child `slsc` needs to talk to this server (in [`Moto::region`]): fake
    /// credentials, the region, `AWS_ENDPOINT_URL`, no instance metadata, and config and
    /// credentials files that do not exist, so the host's never leak in. Use
    /// [`Moto::command`] to also remove the host's variables that would override these.
    pub fn envs(&self) -> Vec<(&'static str, String)> {
        self.envs_in(&self.region)
    }

    /// [`Moto::envs`] for another region.
    pub fn envs_in(&self, region: &str) -> Vec<(&'static str, String)> {
        let missing = |name: &str| self.dir.path().join(name).to_string_lossy().into_owned();
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", region.into()),
            ("AWS_DEFAULT_REGION", region.into()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_CONFIG_FILE", missing("no-aws-config")),
            ("AWS_SHARED_CREDENTIALS_FILE", missing("no-aws-credentials")),
        ]
    }

    /// The host's AWS variables a child must not inherit (they would override [`Moto::envs`]
    /// or point the SDK elsewhere).
    pub const HOST_VARS_REMOVED: &'static [&'static str] = &[
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_ENDPOINT_URL_S3",
        "AWS_ENDPOINT_URL_CLOUDFORMATION",
        "AWS_ENDPOINT_URL_STS",
    ];

    /// A command for `program` with [`Moto::envs`] set and [`Moto::HOST_VARS_REMOVED`] removed.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        for var in Moto::HOST_VARS_REMOVED {
            cmd.env_remove(var);
        }
        cmd.envs(self.envs());
        cmd
    }

    /// Runs the slsc binary against this server (like `common::slsc`, with SLSC_TODAY pinned).
    pub fn slsc(&self, args: &[&str], cwd: &Path) -> Output {
        self.command(env!("CARGO_BIN_EXE_slsc"))
            .args(args)
            .current_dir(cwd)
            .env("SLSC_TODAY", super::TODAY)
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("the slsc binary runs")
    }

    // --- raw HTTP ---------------------------------------------------------------------------

    /// One HTTP/1.1 request to the server: (status, body, lossily UTF-8). `path` includes the
    /// query string. `Host`, `Content-Length` and `Connection: close` are added.
    pub fn http_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let (status, body) = self.http_bytes(method, path, headers, body);
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// [`Moto::http_request`] with the body as bytes.
    pub fn http_bytes(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        try_http(self.port, method, path, headers, body).unwrap_or_else(|e| {
            panic!(
                "{method} {path} to moto failed: {e}; its log:\n{}",
                self.log()
            )
        })
    }

    /// A request signed (fake) for `service` in the helpers' region.
    pub fn signed(
        &self,
        service: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let auth = auth_header(service, &self.region);
        let mut all = vec![("Authorization", auth.as_str())];
        all.extend_from_slice(headers);
        self.http_request(method, path, &all, body)
    }

    fn moto_api(&self, method: &str, path: &str) -> String {
        let (status, body) = self.http_request(method, path, &[], b"");
        assert_eq!(status, 200, "{method} {path}: {body}");
        body
    }

    // --- moto's own API -----------------------------------------------------------------------

    /// Forgets every resource of every service (`POST /moto-api/reset`).
    pub fn reset(&self) {
        self.moto_api("POST", "/moto-api/reset");
    }

    /// Erases the recording and starts recording every request.
    pub fn start_recording(&self) {
        self.moto_api("POST", "/moto-api/recorder/reset-recording");
        self.moto_api("POST", "/moto-api/recorder/start-recording");
    }

    pub fn stop_recording(&self) {
        self.moto_api("POST", "/moto-api/recorder/stop-recording");
    }

    /// The requests recorded since [`Moto::start_recording`], in order: moto's entries
    /// `{"headers": {..}, "method", "url", "body", "body_encoded"}`.
    pub fn recorded(&self) -> Vec<Value> {
        self.moto_api("GET", "/moto-api/recorder/download-recording")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("recording line {l}: {e}")))
            .collect()
    }

    /// The recorded requests as [`recorded_call`]s (`service:Action`).
    pub fn recorded_calls(&self) -> Vec<String> {
        self.recorded().iter().map(recorded_call).collect()
    }

    // --- S3 (REST, path-style) ----------------------------------------------------------------

    /// Creates a bucket in `region` (panics on failure).
    pub fn create_bucket(&self, name: &str, region: &str) {
        let body = if region == "us-east-1" {
            String::new()
        } else {
            format!(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>"
            )
        };
        let auth = auth_header("s3", region);
        let (status, resp) = self.http_request(
            "PUT",
            &format!("/{name}"),
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/xml"),
            ],
            body.as_bytes(),
        );
        assert_eq!(status, 200, "CreateBucket {name} in {region}: {resp}");
    }

    /// Uploads an object (panics on failure).
    pub fn put_object(&self, bucket: &str, key: &str, body: &[u8]) {
        let (status, resp) = self.signed(
            "s3",
            "PUT",
            &format!("/{bucket}/{}", encode_key(key)),
            &[("Content-Type", "application/octet-stream")],
            body,
        );
        assert_eq!(status, 200, "PutObject {bucket}/{key}: {resp}");
    }

    /// An object's bytes, `None` when it (or the bucket) does not exist.
    pub fn get_object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let auth = auth_header("s3", &self.region);
        let (status, body) = self.http_bytes(
            "GET",
            &format!("/{bucket}/{}", encode_key(key)),
            &[("Authorization", &auth)],
            b"",
        );
        match status {
            200 => Some(body),
            404 => None,
            _ => panic!(
                "GetObject {bucket}/{key}: {status} {}",
                String::from_utf8_lossy(&body)
            ),
        }
    }

    /// The keys in a bucket (ListObjectsV2, first 1000), in S3's order; panics when the bucket
    /// does not exist.
    pub fn list_objects(&self, bucket: &str) -> Vec<String> {
        let (status, body) = self.signed("s3", "GET", &format!("/{bucket}?list-type=2"), &[], b"");
        assert_eq!(status, 200, "ListObjectsV2 {bucket}: {body}");
        xml_values(&body, "Key")
    }

    /// The bucket names (ListBuckets).
    pub fn list_buckets(&self) -> Vec<String> {
        let (status, body) = self.signed("s3", "GET", "/", &[], b"");
        assert_eq!(status, 200, "ListBuckets: {body}");
        xml_values(&body, "Name")
    }

    // --- query (form) and JSON protocols ---------------------------------------------------------

    /// A query-protocol call (`POST /`, form-encoded `Action`, `Version` and `params`) to
    /// `service` (its SigV4 signing name): (status, XML body).
    pub fn query(
        &self,
        service: &str,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> (u16, String) {
        let mut form = format!(
            "Action={}&Version={}",
            urlencode(action),
            urlencode(version)
        );
        for (k, v) in params {
            form.push('&');
            form.push_str(&urlencode(k));
            form.push('=');
            form.push_str(&urlencode(v));
        }
        self.signed(
            service,
            "POST",
            "/",
            &[(
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )],
            form.as_bytes(),
        )
    }

    /// A CloudFormation call (panics on an error response): its XML body.
    pub fn cfn(&self, action: &str, params: &[(&str, &str)]) -> String {
        let (status, body) = self.cfn_result(action, params);
        assert_eq!(status, 200, "cloudformation:{action} {params:?}: {body}");
        body
    }

    /// A CloudFormation call: (status, XML body), errors included.
    pub fn cfn_result(&self, action: &str, params: &[(&str, &str)]) -> (u16, String) {
        self.query("cloudformation", "2010-05-15", action, params)
    }

    /// A stack's status (`CREATE_COMPLETE`, …), `None` when there is no such stack.
    pub fn stack_status(&self, stack: &str) -> Option<String> {
        let (status, body) = self.cfn_result("DescribeStacks", &[("StackName", stack)]);
        if status == 400 && body.contains("does not exist") {
            return None;
        }
        assert_eq!(status, 200, "DescribeStacks {stack}: {body}");
        xml_values(&body, "StackStatus").into_iter().next()
    }

    /// A stack's outputs (key, value), in CloudFormation's order.
    pub fn stack_outputs(&self, stack: &str) -> Vec<(String, String)> {
        let body = self.cfn("DescribeStacks", &[("StackName", stack)]);
        let outputs = xml_values(&body, "Outputs")
            .into_iter()
            .next()
            .unwrap_or_default();
        xml_values(&outputs, "OutputKey")
            .into_iter()
            .zip(xml_values(&outputs, "OutputValue"))
            .collect()
    }

    /// A JSON-protocol call (`POST /`, `X-Amz-Target: target`, `application/x-amz-json-1.0`) to
    /// `service` (its signing name); panics on an error response.
    pub fn json_api(&self, service: &str, target: &str, body: &Value) -> Value {
        let (status, resp) = self.signed(
            service,
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", target),
            ],
            body.to_string().as_bytes(),
        );
        assert_eq!(status, 200, "{target}: {resp}");
        serde_json::from_str(&resp).unwrap_or_else(|e| panic!("{target}: {e}: {resp}"))
    }

    /// The queue URLs (SQS ListQueues), as moto writes them: `http://127.0.0.1:PORT/ACCOUNT/NAME`.
    pub fn sqs_list_queues(&self) -> Vec<String> {
        let v = self.json_api("sqs", "AmazonSQS.ListQueues", &serde_json::json!({}));
        strings(&v["QueueUrls"])
    }

    /// The table names (DynamoDB ListTables).
    pub fn dynamodb_list_tables(&self) -> Vec<String> {
        let v = self.json_api(
            "dynamodb",
            "DynamoDB_20120810.ListTables",
            &serde_json::json!({}),
        );
        strings(&v["TableNames"])
    }

    /// Lambda's ListFunctions response (`{"Functions": [..]}`, each a function configuration).
    pub fn lambda_list_functions(&self) -> Value {
        let (status, body) = self.signed("lambda", "GET", "/2015-03-31/functions/", &[], b"");
        assert_eq!(status, 200, "lambda ListFunctions: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("lambda ListFunctions: {e}: {body}"))
    }

    /// The function names (Lambda ListFunctions).
    pub fn lambda_function_names(&self) -> Vec<String> {
        let v = self.lambda_list_functions();
        v["Functions"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .filter_map(|f| f["FunctionName"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The server to run, or why there is none.
fn server_path() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("SLSC_MOTO_SERVER").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("SLSC_MOTO_SERVER={} is not a file", p.display()))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
        .ok_or_else(|| "SLSC_MOTO_SERVER is not set and moto_server is not on PATH".to_string())
}

/// Waits until the server answers `GET /moto-api/`. `Err(true)` when it exited, `Err(false)` on
/// the timeout.
fn wait_ready(child: &mut Child, port: u16) -> Result<(), bool> {
    let deadline = Instant::now() + START_TIMEOUT;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(true);
        }
        if let Ok((200, _)) = try_http(port, "GET", "/moto-api/", &[], b"") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(false)
}

/// A loopback port nothing listens on (now).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

/// A fake SigV4 `Authorization` header: moto reads the service and region from its credential
/// scope and checks nothing else.
pub fn auth_header(service: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, \
         SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000"
    )
}

/// One request over a fresh connection.
fn try_http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(req.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut resp = Vec::new();
    stream.read_to_end(&mut resp)?;
    parse_response(&resp)
}

fn bad(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.into())
}

/// Splits an HTTP/1.1 response into status and body (Content-Length, chunked, or up to EOF).
fn parse_response(resp: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
    let end = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| {
            bad(format!(
                "no end of headers in {:?}",
                String::from_utf8_lossy(resp)
            ))
        })?;
    let head = String::from_utf8_lossy(&resp[..end]);
    let rest = &resp[end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        if k == "content-length" {
            length = v.parse::<usize>().ok();
        } else if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(n) = length {
        rest.get(..n)
            .ok_or_else(|| bad(format!("body shorter than Content-Length {n}")))?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| bad("bad chunk"))?;
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .map_err(|_| bad(format!("bad chunk size {size_text:?}")))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or_else(|| bad("short chunk"))?);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

// --- small parsers ----------------------------------------------------------------------------

/// The text of every `<tag>…</tag>` (or `""` for `<tag/>`) in `xml`, in document order,
/// entities decoded. Minimal: no CDATA, and an element nested in one of the same name ends at
/// the first closing tag.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        // `<tagX` is another element; `<tag>`, `<tag/>` and `<tag attr…>` are this one.
        match after.chars().next() {
            Some('>') | Some('/') | Some(' ') | Some('\t') | Some('\r') | Some('\n') => {}
            _ => {
                rest = after;
                continue;
            }
        }
        let Some(gt) = after.find('>') else { break };
        if after[..gt].ends_with('/') {
            out.push(String::new());
            rest = &after[gt + 1..];
            continue;
        }
        let content = &after[gt + 1..];
        let Some(j) = content.find(&close) else { break };
        out.push(xml_unescape(&content[..j]));
        rest = &content[j + close.len()..];
    }
    out
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An S3 key for a path: each segment percent-encoded, `/` kept.
fn encode_key(key: &str) -> String {
    key.split('/').map(urlencode).collect::<Vec<_>>().join("/")
}

/// Decodes `%XX` and `+` (form encoding).
pub fn urldecode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The form parameters of a query-protocol body, in order, decoded.
pub fn form_params(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (urldecode(k), urldecode(v))
        })
        .collect()
}

/// Decodes standard base64 (with or without padding; whitespace ignored).
pub fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        if c == b'=' {
            break;
        }
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// A recorded request's header, looked up case-insensitively.
pub fn recorded_header<'a>(entry: &'a Value, name: &str) -> Option<&'a str> {
    entry["headers"]
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

/// A recorded request's body (base64-decoded when moto encoded it).
pub fn recorded_body(entry: &Value) -> Vec<u8> {
    let body = entry["body"].as_str().unwrap_or_default();
    if entry["body_encoded"].as_bool() == Some(true) {
        base64_decode(body)
    } else {
        body.as_bytes().to_vec()
    }
}

/// A recorded request's path and query (its URL without scheme and host).
pub fn recorded_path(entry: &Value) -> String {
    let url = entry["url"].as_str().unwrap_or_default();
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/".into(), |i| rest[i..].to_string()),
        None => url.to_string(),
    }
}

/// A recorded request in short: `service:Action` — the service from the `Authorization`
/// credential scope (`moto-api` for moto's own API, `unsigned` otherwise), the action from
/// `X-Amz-Target`, else the form's `Action`, else `METHOD path` (REST: S3, Lambda).
pub fn recorded_call(entry: &Value) -> String {
    let path = recorded_path(entry);
    let service = recorded_header(entry, "Authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .map(String::from)
        .unwrap_or_else(|| {
            if path.starts_with("/moto-api") {
                "moto-api".into()
            } else {
                "unsigned".into()
            }
        });
    let action = if let Some(t) = recorded_header(entry, "X-Amz-Target") {
        t.rsplit('.').next().unwrap_or(t).to_string()
    } else {
        let body = String::from_utf8_lossy(&recorded_body(entry)).into_owned();
        let is_form = recorded_header(entry, "Content-Type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        match form_params(&body).into_iter().find(|(k, _)| k == "Action") {
            Some((_, a)) if is_form => a,
            _ => format!("{} {path}", entry["method"].as_str().unwrap_or("?")),
        }
    };
    format!("{service}:{action}")
}
