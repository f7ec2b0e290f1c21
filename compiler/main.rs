//! The `slsc` command line: parses flags, calls the library, renders, sets the exit code.
//!
//! Exit codes: 0 success (warnings allowed unless `--deny-warnings`), 1 the project has errors,
//! 2 usage or I/O problems. Machine output goes to stdout, status lines to stderr.

use clap::{Args, Parser, Subcommand, ValueEnum};
use slsc::diagnostics;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Type-check a project and report diagnostics.
    Check(CheckArgs),
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
    })
}

fn check(args: &CheckArgs) -> ExitCode {
    let opts = match options(&args.project) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    let c = match slsc::compile(&args.project.path, &opts) {
        Ok(c) => c,
        Err(e) => return usage_error(&e.to_string()),
    };
    let out = match args.format {
        Format::Human => {
            diagnostics::render_human(&c.diagnostics, &c.sources, std::io::stderr().is_terminal())
        }
        Format::Json => diagnostics::render_json(&c.diagnostics, &c.sources),
        Format::Sarif => diagnostics::render_sarif(&c.diagnostics, &c.sources),
        Format::Github => diagnostics::render_github(&c.diagnostics, &c.sources),
    };
    match args.format {
        // The human report is for people: stderr, like other status output.
        Format::Human => {
            let _ = std::io::stderr().write_all(out.as_bytes());
        }
        _ => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(out.as_bytes())
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return ExitCode::from(2);
            }
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Check(args) => check(args),
    }
}
