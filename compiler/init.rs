//! `slsc init [DIR]`: a new project that checks clean, builds for both targets, and shows the
//! shape of a real one — an app block with defaults, an HTTP function with IAM auth and a
//! concurrency limit, a queue with a dead letter queue and its consumer.

/// The app name for a directory name: `[a-z][a-z0-9_]*`, at most 40 characters.
pub fn app_name(dir_name: &str) -> String {
    let mut s: String = dir_name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    s = s.trim_matches('_').to_string();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s = format!("app_{s}");
    }
    s.truncate(40);
    s.trim_end_matches('_').to_string()
}

/// The files of a new project: (relative path, contents). The `.sls` files are in `slsc fmt`'s
/// canonical layout, whatever the app's name.
pub fn files(name: &str) -> Vec<(&'static str, String)> {
    templates(name)
        .into_iter()
        .map(|(path, text)| {
            let text = if path.ends_with(".sls") {
                crate::fmt::format(&text).unwrap_or(text)
            } else {
                text
            };
            (path, text)
        })
        .collect()
}

fn templates(name: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "app.sls",
            format!(
                r#"# The app: its name, region and the defaults every function inherits.
app "{name}" {{
  region      = var.region
  runtime     = "nodejs22.x"
  memory      = 256
  timeout     = "10s"
  tags        = {{ service = "{name}" }}
}}

variable "region" {{
  type    = string
  default = "us-east-1"
}}

output "api_url" {{
  value       = http.url
  description = "the HTTP API's URL"
}}
"#
            ),
        ),
        (
            "api.sls",
            r#"# An HTTP endpoint that queues work: callers sign requests with IAM (SigV4).
function "submit" {
  handler     = "submit.handler"
  source      = "src"
  concurrency = 10 # a limit keeps a traffic spike from taking the account's concurrency
  sends       = [module.jobs.queue]
  environment = { JOBS_URL = module.jobs.queue_url }
}

trigger "submit_http" {
  function = function.submit
  http     = "POST /jobs"
  auth     = "iam"
}
"#
            .to_string(),
        ),
        (
            "worker.sls",
            r#"# The queue and its consumer, from the standard library (`slsc explain std/queue_worker`):
# a dead letter queue (after 3 failed receives), a visibility timeout 6x the worker's timeout,
# partial batch failures and a concurrency limit come with it.
module "jobs" {
  source       = "std/queue_worker"
  handler      = "worker.handler"
  code         = "src"
  timeout      = 30
  concurrency  = 5
  max_receives = 3
}
"#
            .to_string(),
        ),
        (
            "src/submit.mjs",
            r#"import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";

const sqs = new SQSClient({});

export const handler = async (event) => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.JOBS_URL, MessageBody: event.body ?? "{}" }));
  return { statusCode: 202, body: JSON.stringify({ queued: true }) };
};
"#
            .to_string(),
        ),
        (
            "src/worker.mjs",
            r#"export const handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      console.log("job", record.body);
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
"#
            .to_string(),
        ),
        (".gitignore", ".slsc/\n".to_string()),
    ]
}
