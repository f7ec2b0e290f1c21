//! The `slsc` command line: parses flags, calls the library, renders, sets the exit code.
//!
//! Exit codes: 0 success (warnings allowed unless `--deny-warnings`), 1 the project has errors,
//! 2 usage or I/O problems. Machine output goes to stdout, status lines to stderr.

use clap::{Args, Parser, Subcommand, ValueEnum};
use slsc::diagnostics;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc: most of a build is allocating and freeing small JSON and syntax nodes
/// (docs/performance.md). Wrapped so that running out of memory is a message and exit code 2,
/// not an abort.
#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

struct Allocator;

// SAFETY: every call is forwarded to mimalloc unchanged; only a null result is acted on.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        checked(mimalloc::MiMalloc.alloc(layout), layout.size())
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        checked(mimalloc::MiMalloc.alloc_zeroed(layout), layout.size())
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        mimalloc::MiMalloc.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        checked(mimalloc::MiMalloc.realloc(ptr, layout, size), size)
    }
}

/// `ptr`, or — when the allocation failed — a message on stderr and exit code 2 (the project
/// is too large for the memory this process may use; docs/limits.md). Written without
/// allocating, and leaving with `_exit`, which runs no destructors.
fn checked(ptr: *mut u8, size: usize) -> *mut u8 {
    if !ptr.is_null() {
        return ptr;
    }
    extern "C" {
        fn write(fd: std::ffi::c_int, buf: *const u8, n: usize) -> isize;
        fn _exit(code: std::ffi::c_int) -> !;
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = size;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let parts: [&[u8]; 3] = [
        b"error: out of memory: an allocation of ",
        &digits[at..],
        b" bytes failed. The project needs more memory than this process may use \
          (slsc needs up to ~60 times the size of the project's .sls files to build it, \
          ~200 times to plan it: docs/limits.md). Raise the memory limit, or split the app.\n",
    ];
    // SAFETY: writes of valid byte slices to stderr, then leaving the process.
    unsafe {
        for p in parts {
            let _ = write(2, p.as_ptr(), p.len());
        }
        _exit(2)
    }
}

extern "C" {
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// The size of a project's own `.sls` files above which freed memory goes back to the system
/// quickly (see [`tune_allocator`]).
const LARGE_PROJECT_BYTES: u64 = 1 << 20;

/// For a large project (over [`LARGE_PROJECT_BYTES`] of `.sls`, ~3,000 functions), returns
/// freed memory to the system after 10 ms instead of a second: a build frees its syntax trees
/// while it builds the model and the template, so this keeps the peak near what is live
/// for a few percent of the time. A smaller project keeps mimalloc's defaults: its peak is tens
/// of MB either way, and memory returned early (or arenas committed page by page, mimalloc's
/// `arena_eager_commit` = 0, which slsc also used to set) would be faulted in again moments
/// later — at 1,000 functions the page faults were a tenth of the build. The option is mimalloc v3's `mi_option_purge_delay` (15, default 1000); it is set
/// only when it has its documented default (so a mimalloc whose option numbers moved is left as
/// it is, and so is an explicit `MIMALLOC_PURGE_DELAY`).
fn tune_allocator(project: &std::path::Path) {
    const PURGE_DELAY: std::ffi::c_int = 15;
    let bytes = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let size: u64 = match std::fs::read_dir(project) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sls"))
            .map(|p| bytes(&p))
            .sum(),
        Err(_) => bytes(project),
    };
    if size <= LARGE_PROJECT_BYTES {
        return;
    }
    // SAFETY: plain calls into the linked allocator with a valid option number; no pointers.
    unsafe {
        if mi_option_get(PURGE_DELAY) == 1000 {
            mi_option_set(PURGE_DELAY, 10);
        }
    }
}

#[derive(Parser)]
#[command(
    name = "slsc",
    version,
    about = "Compiler for .sls serverless application definitions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Type-check a project, run the rules and report diagnostics.
    Check(CheckArgs),
    /// Check, then emit the deployable output (template + artifacts).
    Build(BuildArgs),
    /// Draw the resource graph (dot, mermaid or json), loops highlighted.
    Graph(GraphArgs),
    /// Show what a change does to deployed infrastructure: compare with a base.
    Plan(PlanArgs),
    /// Check, build, and apply through a CloudFormation change set.
    Deploy(DeployArgs),
    /// Delete the deployed stack.
    Destroy(DestroyArgs),
    /// Print the deployed stack's outputs.
    Outputs(OutputsArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// Create a new project (an app, an HTTP function, a queue and its worker).
    Init(InitArgs),
    /// Rewrite .sls files in the canonical layout (indentation, aligned `=`).
    Fmt(FmtArgs),
    /// Turn a Serverless Framework serverless.yml into a .sls project (and IMPORT.md).
    Import(ImportArgs),
    /// Run the language server on stdin/stdout (for editors: docs/editors.md).
    Lsp(LspArgs),
}

#[derive(Args)]
struct LspArgs {
    /// The date for date-dependent rules (YYYY-MM-DD; default: SLSC_TODAY or the system date).
    #[arg(long)]
    today: Option<String>,
}

#[derive(Args)]
struct ImportArgs {
    /// The serverless.yml (v3/v4, AWS provider).
    file: PathBuf,
    /// Where to write the project (default: serverless.yml's directory).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Exit 1 when something did not map (the report is not empty).
    #[arg(long)]
    strict: bool,
    /// Pin "today" (YYYY-MM-DD) for runtime decisions; also SLSC_TODAY.
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
}

#[derive(Args)]
struct FmtArgs {
    /// A project directory (its .sls files) or one .sls file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Change nothing: list the files that are not formatted (with a diff) and exit 1 if any.
    #[arg(long)]
    check: bool,
}

#[derive(Args)]
struct InitArgs {
    /// The directory to create the project in (created if missing; must hold no .sls file).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// Where the stack is.
#[derive(Args)]
struct StackArgs {
    /// The stack (default: {app}-{stage}).
    #[arg(long, value_name = "NAME")]
    stack: Option<String>,
    /// The region (default: app.region).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// An AWS-compatible endpoint (e.g. a local emulator).
    #[arg(long = "endpoint-url", value_name = "URL", value_parser = endpoint_url)]
    endpoint_url: Option<String>,
}

#[derive(Args)]
struct DeployArgs {
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    stack: StackArgs,
    /// The S3 bucket for the artifacts and the template.
    #[arg(long = "artifact-bucket", value_name = "BUCKET")]
    artifact_bucket: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Deploy even when the change loses data (a replaced or deleted table, bucket or queue).
    #[arg(long = "allow-data-loss")]
    allow_data_loss: bool,
    /// How long to wait for the change set, and then for the stack (e.g. "45m"; default 30m).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    timeout: Option<std::time::Duration>,
}

/// `--timeout`: seconds, or `"90s"`, `"30m"`, `"2h"`.
fn duration(s: &str) -> Result<std::time::Duration, String> {
    let secs = s
        .trim()
        .parse::<u64>()
        .ok()
        .or_else(|| slsc::model::schema::parse_duration(s))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{s}` is not a duration: write e.g. 90s, 30m or 2h"))?;
    Ok(std::time::Duration::from_secs(secs))
}

#[derive(Args)]
struct DestroyArgs {
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    stack: StackArgs,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Destroy even when queues, or tables and buckets without `retain`, would be deleted.
    #[arg(long = "allow-data-loss")]
    allow_data_loss: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputsFormat {
    Text,
    Json,
}

#[derive(Args)]
struct OutputsArgs {
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    stack: StackArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputsFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlanFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("base_source").required(true).args(["base", "base_ref", "stack"])))]
struct PlanArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Compare with another copy of the project.
    #[arg(long, value_name = "DIR")]
    base: Option<PathBuf>,
    /// Compare with the project as it is at a git revision (read through git; the work tree is
    /// not touched).
    #[arg(long = "base-ref", value_name = "GITREF")]
    base_ref: Option<String>,
    /// Compare with a deployed CloudFormation stack.
    #[arg(long, value_name = "NAME")]
    stack: Option<String>,
    /// An AWS-compatible endpoint for --stack.
    #[arg(long = "endpoint-url", value_name = "URL", requires = "stack", value_parser = endpoint_url)]
    endpoint_url: Option<String>,
    /// Which output to compare.
    #[arg(long, value_enum, default_value = "cloudformation")]
    target: TargetArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: PlanFormat,
    /// Exit 0 when there are no changes, 2 when there are, 1 on any error.
    #[arg(long)]
    detailed_exitcode: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum TargetArg {
    Cloudformation,
    Terraform,
}

#[derive(Args)]
struct BuildArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// What to emit.
    #[arg(long, value_enum)]
    target: TargetArg,
    /// The output directory (default: PATH/.slsc/<target>/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// List what went into each zip, and what was left out and why (on stderr).
    #[arg(long = "explain-artifacts")]
    explain_artifacts: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Args)]
struct GraphArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "mermaid")]
    format: GraphFormat,
}

#[derive(Args)]
struct ExplainArgs {
    /// The rule's name, e.g. recursive-invocation (omit to list the rules), std/NAME for a
    /// stdlib module (`std` lists them), or `security` for the security defaults and the strict
    /// profile.
    rule: Option<String>,
}

/// Options shared by every command that compiles a project.
#[derive(Args)]
struct ProjectArgs {
    /// The project directory (or a single .sls file).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The stage (overrides `app.stage`).
    #[arg(long)]
    stage: Option<String>,
    /// Set a variable: --var name=value (parsed by the variable's declared type).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// A file of `name = value` HCL attributes setting variables.
    #[arg(long = "var-file", value_name = "FILE")]
    var_file: Option<PathBuf>,
    /// Pin "today" (YYYY-MM-DD) for date-dependent rules; also SLSC_TODAY.
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
    /// Add the `policy` blocks of a file, or of a directory's .sls files (repeatable).
    #[arg(long = "policy", value_name = "FILE_OR_DIR")]
    policies: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Exit with 1 when there are warnings.
    #[arg(long)]
    deny_warnings: bool,
}

/// Writes machine output to stdout (an error is an I/O problem: exit 2).
fn write_stdout(out: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()
}

/// `--endpoint-url`: an `http://` or `https://` URL with a host (checked before any SDK call, so
/// a typo is a usage error, not an SDK error).
fn endpoint_url(s: &str) -> Result<String, String> {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or_else(|| {
            format!("`{s}` is not a URL: write it as http://HOST:PORT or https://HOST")
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let name = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() {
            h
        } else {
            host
        }
    });
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(format!(
            "`{s}` has no host: write it as http://HOST:PORT or https://HOST"
        ));
    }
    Ok(s.to_string())
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn options(p: &ProjectArgs) -> Result<slsc::Options, String> {
    let mut vars = Vec::new();
    for v in &p.vars {
        let Some((k, val)) = v.split_once('=') else {
            return Err(format!("--var {v}: expected NAME=VALUE"));
        };
        vars.push((k.trim().to_string(), val.to_string()));
    }
    let today = match p.today.clone().or_else(|| std::env::var("SLSC_TODAY").ok()) {
        Some(t) => {
            if !slsc::model::runtimes::valid_date(&t) {
                return Err(format!("--today {t}: expected a date as YYYY-MM-DD"));
            }
            t
        }
        None => String::new(),
    };
    Ok(slsc::Options {
        stage: p.stage.clone(),
        vars,
        var_file: p.var_file.clone(),
        today,
        policies: p.policies.clone(),
        ..Default::default()
    })
}

/// Compiles the project named by the shared options; a usage or I/O problem is exit 2.
fn compile(p: &ProjectArgs) -> Result<slsc::Compilation, ExitCode> {
    let opts = options(p).map_err(|e| usage_error(&e))?;
    slsc::compile(&p.path, &opts).map_err(|e| usage_error(&e.to_string()))
}

fn check(args: &CheckArgs) -> ExitCode {
    /// What SARIF says about a built-in rule: its summary, its `slsc explain` page, its docs page
    /// and default level (other codes are described by the diagnostics module itself).
    fn sarif_rule_text(code: &str) -> Option<diagnostics::RuleText> {
        use slsc::checks::Level;
        slsc::checks::rule(code).map(|r| diagnostics::RuleText {
            summary: r.summary.to_string(),
            page: Some(r.page()),
            help_uri: Some(format!("{}/rules/{}.md", diagnostics::DOCS_URL, r.name)),
            level: match r.level {
                Level::Deny => "error",
                Level::Warn => "warning",
                Level::Allow => "none",
            },
        })
    }

    /// `slsc check: 2 errors, 1 warning in 5 files`.
    fn check_summary(c: &slsc::Compilation) -> String {
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        format!(
            "slsc check: {}, {} in {}",
            plural(c.errors(), "error"),
            plural(c.warnings(), "warning"),
            plural(c.files_read(), "file")
        )
    }

    let opts = match options(&args.project) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    let c = match slsc::check(&args.project.path, &opts) {
        Ok(c) => c,
        Err(e) => return usage_error(&e.to_string()),
    };
    let out = match args.format {
        Format::Human => {
            diagnostics::render_human(&c.diagnostics, &c.sources, std::io::stderr().is_terminal())
        }
        Format::Json => diagnostics::render_json(&c.diagnostics, &c.sources),
        Format::Sarif => {
            diagnostics::render_sarif_with(&c.diagnostics, &c.sources, &sarif_rule_text)
        }
        Format::Github => diagnostics::render_github(&c.diagnostics, &c.sources),
    };
    match args.format {
        // The human report is for people: stderr, like other status output.
        Format::Human => {
            let _ = std::io::stderr().write_all(out.as_bytes());
        }
        _ => {
            if write_stdout(&out).is_err() {
                return ExitCode::from(2);
            }
            // Machine output on stdout; a one-line summary for the job log on stderr.
            eprintln!("{}", check_summary(&c));
        }
    }
    let code = if c.errors() > 0 || (args.deny_warnings && c.warnings() > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing a large project's trees and model would only cost time.
    std::mem::forget(c);
    code
}

fn report_human(diags: &[diagnostics::Diagnostic], sources: &slsc::syntax::SourceMap) {
    if diags.is_empty() {
        return;
    }
    let _ = std::io::stderr().write_all(
        diagnostics::render_human(diags, sources, std::io::stderr().is_terminal()).as_bytes(),
    );
}

fn build(args: &BuildArgs) -> ExitCode {
    let c = match compile(&args.project) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if c.errors() > 0 {
        report_human(&c.diagnostics, &c.sources);
        eprintln!("error: not building: the project has errors");
        return ExitCode::from(1);
    }
    let target = target_of(args.target);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| c.project_dir.join(".slsc").join(target.as_str()));
    slsc::timings::mark("compiled");
    let built = match slsc::emit::build_with(&c, target, &out, args.explain_artifacts) {
        Ok(b) => b,
        Err(diags) => {
            let all = c.with_more(diags);
            report_human(&all, &c.sources);
            eprintln!("error: not building: the project has errors");
            return ExitCode::from(1);
        }
    };
    let all = c.with_more(built.diagnostics.iter().cloned());
    report_human(&all, &c.sources);
    slsc::timings::mark("diagnostics printed");
    for (key, functions, entries) in &built.explained {
        eprintln!(
            "{key} (function{} {}):",
            if functions.len() == 1 { "" } else { "s" },
            functions.join(", ")
        );
        for (path, why) in entries {
            match why {
                None => eprintln!("  + {path}"),
                Some(why) => eprintln!("  - {path}  ({why})"),
            }
        }
    }
    if let Err(e) = slsc::output::write(&out, &built.files) {
        return usage_error(&format!("cannot write {}: {e}", out.display()));
    }
    slsc::timings::mark("files written");
    eprintln!(
        "wrote {} ({} resources, {} artifact{})",
        slsc::syntax::display_path(&out),
        built.resources,
        built.artifacts,
        if built.artifacts == 1 { "" } else { "s" }
    );
    std::mem::forget(c);
    ExitCode::SUCCESS
}

fn graph(args: &GraphArgs) -> ExitCode {
    let c = match compile(&args.project) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The graph exists when the project has no compile errors; rule findings (a loop, say) are
    // what the picture is for, so they do not stop it.
    let Some(g) = c.graph.as_ref() else {
        report_human(&c.diagnostics, &c.sources);
        return ExitCode::from(1);
    };
    let out = match args.format {
        GraphFormat::Dot => slsc::graph::render::dot(g, &c.loop_edges),
        GraphFormat::Mermaid => slsc::graph::render::mermaid(g, &c.loop_edges),
        GraphFormat::Json => slsc::graph::render::json(g, &c.loop_edges),
    };
    if write_stdout(&out).is_err() {
        return ExitCode::from(2);
    }
    std::mem::forget(c);
    ExitCode::SUCCESS
}

fn target_of(t: TargetArg) -> slsc::emit::Target {
    match t {
        TargetArg::Cloudformation => slsc::emit::Target::CloudFormation,
        TargetArg::Terraform => slsc::emit::Target::Terraform,
    }
}

fn plan(args: &PlanArgs) -> ExitCode {
    use slsc::plan::{base::Base, render, Failure};
    // With --detailed-exitcode every error is 1 (as in Terraform): 2 means "changes".
    let fail = |code: u8| ExitCode::from(if args.detailed_exitcode { 1 } else { code });
    let opts = match options(&args.project) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return fail(2);
        }
    };
    let base = match (&args.base, &args.base_ref, &args.stack) {
        (Some(d), _, _) => Base::Dir(d.clone()),
        (_, Some(r), _) => Base::GitRef(r.clone()),
        (_, _, Some(s)) => Base::Stack {
            name: s.clone(),
            endpoint_url: args.endpoint_url.clone(),
        },
        _ => unreachable!("clap requires one base"),
    };
    let target = target_of(args.target);
    let outcome = match slsc::plan::run(
        &args.project.path,
        &opts,
        &base,
        target,
        Some(&slsc::deploy::Stacks),
    ) {
        Ok(o) => o,
        Err(Failure::Usage(e)) => {
            eprintln!("error: {e}");
            return fail(2);
        }
        Err(Failure::Errors {
            side,
            compilation,
            diagnostics,
        }) => {
            report_human(&diagnostics, &compilation.sources);
            eprintln!("error: no plan: {side} has errors");
            return fail(1);
        }
    };
    report_human(&outcome.diagnostics, &outcome.head.sources);
    let p = &outcome.plan;
    eprintln!("compared with {}", outcome.base_label);
    let out = match args.format {
        PlanFormat::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render::text(p, color)
        }
        PlanFormat::Markdown => render::markdown(p),
        PlanFormat::Json => render::json(p),
    };
    if write_stdout(&out).is_err() {
        return fail(2);
    }
    if args.detailed_exitcode && !p.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn aws_options(s: &StackArgs) -> slsc::deploy::AwsOptions {
    slsc::deploy::AwsOptions {
        region: s.region.clone(),
        endpoint_url: s.endpoint_url.clone(),
    }
}

/// Compiles a project for a deploy-family command; errors stop it (exit 1).
fn compile_clean(p: &ProjectArgs, what: &str) -> Result<slsc::Compilation, ExitCode> {
    let c = compile(p)?;
    report_human(&c.diagnostics, &c.sources);
    if c.errors() > 0 {
        eprintln!("error: not {what}: the project has errors");
        return Err(ExitCode::from(1));
    }
    Ok(c)
}

fn deploy_failure(f: slsc::deploy::Failure) -> ExitCode {
    eprintln!("error: {}", f.message);
    ExitCode::from(f.code)
}

fn deploy(args: &DeployArgs) -> ExitCode {
    let c = match compile_clean(&args.project, "deploying") {
        Ok(c) => c,
        Err(code) => return code,
    };
    let opts = slsc::deploy::DeployOptions {
        stack: args.stack.stack.clone(),
        artifact_bucket: args.artifact_bucket.clone(),
        aws: aws_options(&args.stack),
        yes: args.yes,
        allow_data_loss: args.allow_data_loss,
        timeout: args.timeout,
    };
    match slsc::deploy::deploy(&c, &opts) {
        Ok(_) => ExitCode::SUCCESS,
        Err(f) => deploy_failure(f),
    }
}

fn destroy(args: &DestroyArgs) -> ExitCode {
    let c = match compile_clean(&args.project, "destroying") {
        Ok(c) => c,
        Err(code) => return code,
    };
    match slsc::deploy::destroy(
        &c,
        args.stack.stack.as_deref(),
        &aws_options(&args.stack),
        args.yes,
        args.allow_data_loss,
    ) {
        Ok(_) => ExitCode::SUCCESS,
        Err(f) => deploy_failure(f),
    }
}

fn outputs(args: &OutputsArgs) -> ExitCode {
    let c = match compile_clean(&args.project, "reading outputs") {
        Ok(c) => c,
        Err(code) => return code,
    };
    let slsc::deploy::StackOutputs {
        stack,
        status,
        outputs: outs,
    } = match slsc::deploy::outputs(&c, args.stack.stack.as_deref(), &aws_options(&args.stack)) {
        Ok(o) => o,
        Err(f) => return deploy_failure(f),
    };
    let out = match args.format {
        OutputsFormat::Text => outs
            .iter()
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect::<String>(),
        OutputsFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> = outs
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            serde_json::to_string_pretty(
                &serde_json::json!({"stack": stack, "status": status, "outputs": map}),
            )
            .expect("JSON serialises")
                + "\n"
        }
    };
    if write_stdout(&out).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn fmt(args: &FmtArgs) -> ExitCode {
    let files = match slsc::syntax::project_files(&args.path) {
        Ok((_, files)) => files,
        Err(e) => return usage_error(&e.to_string()),
    };
    let mut unformatted = 0;
    let mut refused = 0;
    let mut out = String::new();
    for f in &files {
        let shown = slsc::syntax::display_path(f);
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => return usage_error(&format!("cannot read {shown}: {e}")),
        };
        let Some(formatted) = slsc::fmt::format(&text) else {
            // Show where: the syntax diagnostics of the file, when it has any.
            let mut sources = slsc::syntax::SourceMap::default();
            let mut parsed = slsc::syntax::Parsed {
                files: Vec::new(),
                diagnostics: Vec::new(),
            };
            slsc::syntax::add_and_parse(
                &mut sources,
                shown.clone(),
                text.into_bytes(),
                &mut parsed,
            );
            if !parsed.diagnostics.is_empty() {
                let color = std::io::stderr().is_terminal();
                eprint!(
                    "{}",
                    diagnostics::render_human(&parsed.diagnostics, &sources, color)
                );
            }
            eprintln!(
                "error: {shown}: not formatted: fix its syntax first (`slsc check` shows where)"
            );
            refused += 1;
            continue;
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if args.check {
            out.push_str(
                &similar::TextDiff::from_lines(&text, &formatted)
                    .unified_diff()
                    .header(&shown, &shown)
                    .to_string(),
            );
        } else if let Err(e) = std::fs::write(f, &formatted) {
            return usage_error(&format!("cannot write {shown}: {e}"));
        } else {
            eprintln!("formatted {shown}");
        }
    }
    if write_stdout(&out).is_err() {
        return ExitCode::from(2);
    }
    if args.check && unformatted > 0 {
        eprintln!(
            "{unformatted} file{} not formatted: run `slsc fmt`",
            if unformatted == 1 { " is" } else { "s are" }
        );
    }
    if refused > 0 || (args.check && unformatted > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn import(args: &ImportArgs) -> ExitCode {
    let today = args
        .today
        .clone()
        .or_else(|| std::env::var("SLSC_TODAY").ok())
        .unwrap_or_else(slsc::model::runtimes::system_today);
    if !slsc::model::runtimes::valid_date(&today) {
        return usage_error(&format!("--today {today}: expected a date as YYYY-MM-DD"));
    }
    let dir = args
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let out = args.out.clone().unwrap_or_else(|| dir.to_path_buf());
    let shown = slsc::syntax::display_path(&args.file);
    let imported = match slsc::import::import(&args.file, &out, &today) {
        Ok(i) => i,
        Err(slsc::import::ImportError::Read(e)) => return usage_error(&e),
        Err(e) => {
            eprintln!("error: {shown}:{e}");
            return ExitCode::from(1);
        }
    };
    let report = slsc::import::markdown(&imported, &shown);
    let mut files = imported.files.clone();
    files.push(("IMPORT.md".to_string(), report));
    for (rel, _) in &files {
        let path = out.join(rel);
        if path.exists() {
            return usage_error(&format!(
                "{} exists: not overwriting it (import into an empty directory with --out)",
                path.display()
            ));
        }
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        return usage_error(&format!("cannot create {}: {e}", out.display()));
    }
    for (rel, text) in &files {
        let path = out.join(rel);
        if let Err(e) = std::fs::write(&path, text) {
            return usage_error(&format!("cannot write {}: {e}", path.display()));
        }
    }
    for l in slsc::import::lines(&imported, &shown) {
        eprintln!("{l}");
    }
    let s = &imported.summary;
    eprintln!(
        "imported {} of {} functions and {} of {} events into {} ({} finding(s): see {}); next: `slsc check {}`",
        s.functions_mapped,
        s.functions,
        s.events_mapped,
        s.events,
        slsc::syntax::display_path(&out),
        imported.findings.len(),
        slsc::syntax::display_path(&out.join("IMPORT.md")),
        slsc::syntax::display_path(&out),
    );
    if args.strict && !imported.findings.is_empty() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn init(args: &InitArgs) -> ExitCode {
    let dir = &args.dir;
    if let Ok(rd) = std::fs::read_dir(dir) {
        let has_sls = rd
            .filter_map(|e| e.ok())
            .any(|e| e.path().extension().is_some_and(|x| x == "sls"));
        if has_sls {
            return usage_error(&format!(
                "{} already holds .sls files: slsc init starts a new project in an empty (or new) directory",
                dir.display()
            ));
        }
    }
    let base = std::fs::canonicalize(dir)
        .ok()
        .or_else(|| std::env::current_dir().ok().map(|c| c.join(dir)));
    let dir_name = base
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "app".to_string());
    let name = slsc::init::app_name(&dir_name);
    for (rel, text) in slsc::init::files(&name) {
        let path = dir.join(rel);
        if path.exists() {
            return usage_error(&format!("{} exists: not overwriting it", path.display()));
        }
        if let Some(parent) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                return usage_error(&format!("cannot create {}: {e}", parent.display()));
            }
        }
        if let Err(e) = std::fs::write(&path, text) {
            return usage_error(&format!("cannot write {}: {e}", path.display()));
        }
    }
    eprintln!(
        "created app \"{name}\" in {}: try `slsc check {0}` and `slsc build {0} --target cloudformation`",
        slsc::syntax::display_path(dir)
    );
    ExitCode::SUCCESS
}

/// `slsc explain std` (the stdlib modules) and `slsc explain std/NAME` (a module's header).
fn explain_std(topic: &str) -> ExitCode {
    let Some(name) = topic.strip_prefix("std/").filter(|n| !n.is_empty()) else {
        print!("{}", slsc::stdlib::listing());
        return ExitCode::SUCCESS;
    };
    match slsc::stdlib::module(name) {
        Some(text) => {
            print!("{}", slsc::stdlib::header(text));
            ExitCode::SUCCESS
        }
        None => {
            let hint = slsc::model::value::suggest(name, slsc::stdlib::names())
                .map(|s| format!(" (did you mean `std/{s}`?)"))
                .unwrap_or_else(|| " (`slsc explain std` lists them)".into());
            usage_error(&format!("no stdlib module named `std/{name}`{hint}"))
        }
    }
}

fn explain(args: &ExplainArgs) -> ExitCode {
    if let Some(topic) = args
        .rule
        .as_deref()
        .filter(|t| *t == "std" || t.starts_with("std/"))
    {
        return explain_std(topic);
    }
    if args.rule.as_deref() == Some("security") {
        print!("{}", slsc::model::profile::explain());
        return ExitCode::SUCCESS;
    }
    let Some(name) = &args.rule else {
        for r in slsc::checks::RULES {
            println!(
                "{:<28} {:<5}{} {}",
                r.name,
                r.level.as_str(),
                if r.hard { "*" } else { " " },
                r.summary
            );
        }
        println!("\n* hard: AWS would refuse the result, so the level goes no lower than warn");
        println!("`slsc explain std` lists the stdlib modules");
        println!("`slsc explain security` lists the security defaults and the strict profile");
        return ExitCode::SUCCESS;
    };
    match slsc::checks::rule(name) {
        Some(r) => {
            print!("{}", r.page());
            ExitCode::SUCCESS
        }
        None => {
            let names = slsc::checks::RULES.iter().map(|r| r.name);
            let hint = slsc::model::value::suggest(name, names)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_else(|| " (`slsc explain` lists the rules)".into());
            usage_error(&format!("no rule named `{name}`{hint}"))
        }
    }
}

fn main() -> ExitCode {
    slsc::timings::mark("start");
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // A usage error of `plan --detailed-exitcode` is 1 (2 means "changes").
            let detailed = std::env::args().any(|a| a == "--detailed-exitcode");
            let code = if e.use_stderr() && detailed {
                1
            } else {
                e.exit_code()
            };
            return ExitCode::from(code as u8);
        }
    };
    let project = match &cli.command {
        Command::Check(a) => Some(&a.project),
        Command::Build(a) => Some(&a.project),
        Command::Graph(a) => Some(&a.project),
        Command::Plan(a) => Some(&a.project),
        Command::Deploy(a) => Some(&a.project),
        _ => None,
    };
    if let Some(p) = project {
        tune_allocator(&p.path);
    }
    match &cli.command {
        Command::Check(args) => check(args),
        Command::Build(args) => build(args),
        Command::Graph(args) => graph(args),
        Command::Plan(args) => plan(args),
        Command::Deploy(args) => deploy(args),
        Command::Destroy(args) => destroy(args),
        Command::Outputs(args) => outputs(args),
        Command::Explain(args) => explain(args),
        Command::Init(args) => init(args),
        Command::Import(args) => import(args),
        Command::Fmt(args) => fmt(args),
        Command::Lsp(args) => {
            let today = args
                .today
                .clone()
                .or_else(|| std::env::var("SLSC_TODAY").ok())
                .unwrap_or_default();
            ExitCode::from(slsc::lsp::run(today) as u8)
        }
    }
}
