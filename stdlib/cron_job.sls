# std/cron_job — a function that runs on a schedule, with an alarm on its errors.
#
# Creates the function, the schedule trigger and an alarm:
# - the function has a concurrency limit (1 by default), so a run that outlasts the schedule's
#   interval never overlaps the next one;
# - the alarm goes off as soon as one run fails (the function's `errors` ≥ 1 within a minute)
#   and e-mails `notify`; a scheduled job has no caller to notice a failure otherwise;
# - `input` is sent to the handler as its event (a JSON object), so one handler can serve
#   several jobs;
# - the schedule invokes the function asynchronously: a run that fails three times goes, with
#   the error, to the failure queue (kept 14 days) instead of being dropped.
#
# Inputs:
#   handler       string        required    the function's handler, e.g. "report.handler"
#   schedule      string        required    "rate(1 hour)", "rate(5 minutes)" or "cron(0 6 * * ? *)"
#   code          string        "."         the directory to package, relative to the project
#   runtime       string        the app's   e.g. "python3.13"
#   memory        number        the app's   MB
#   timeout       number        60          seconds
#   concurrency   number        1           reserved concurrency of the function (1: no overlap)
#   input         any           none        the event sent to the handler (sent as JSON)
#   notify        list(string)  []          e-mail addresses the errors alarm notifies
#   environment   map(string)   {}          the function's environment
#   reads         list(ref)     []          tables and buckets the function reads
#   writes        list(ref)     []          tables and buckets it writes
#   sends         list(ref)     []          queues and topics it sends to
#
# Outputs:
#   function       ref(function)  the function, for another function's `invokes`
#   function_name  string         deploy-time: the function's name
#   function_arn   string         deploy-time: the function's ARN
#   alarm_arn      string         deploy-time: the errors alarm's ARN
#   failed_queue   ref(queue)     the queue of the runs that failed
#
# Example:
#   module "nightly_report" {
#     source   = "std/cron_job"
#     handler  = "report.handler"
#     schedule = "cron(0 6 * * ? *)"
#     input    = { kind = "daily" }
#     notify   = ["ops@example.com"]
#     reads    = [database.orders]
#   }

variable "handler" {
  type        = string
  description = "the function's handler"
}

variable "schedule" {
  type        = string
  description = "rate(…) or cron(…), EventBridge syntax"
}

variable "code" {
  type    = string
  default = "."
}

variable "runtime" {
  type    = string
  default = null
}

variable "memory" {
  type    = number
  default = null
}

variable "timeout" {
  type    = number
  default = 60
}

variable "concurrency" {
  type    = number
  default = 1
}

variable "input" {
  type    = any
  default = null
}

variable "notify" {
  type    = list(string)
  default = []
}

variable "environment" {
  type    = map(string)
  default = {}
}

variable "reads" {
  type    = list(ref)
  default = []
}

variable "writes" {
  type    = list(ref)
  default = []
}

variable "sends" {
  type    = list(ref)
  default = []
}

function "job" {
  handler     = var.handler
  source      = var.code
  runtime     = var.runtime
  memory      = var.memory
  timeout     = var.timeout
  concurrency = var.concurrency
  environment = var.environment
  reads       = var.reads
  writes      = var.writes
  sends       = var.sends
  on_failure  = queue.failed
}

queue "failed" {
  retention = "14d"
}

trigger "schedule" {
  function = function.job
  schedule = var.schedule
  input    = var.input
}

alarm "errors" {
  watch     = function.job
  metric    = "errors"
  threshold = 1
  notify    = var.notify
}

output "function" {
  value = function.job
}

output "function_name" {
  value = function.job.name
}

output "function_arn" {
  value = function.job.arn
}

output "alarm_arn" {
  value = alarm.errors.arn
}

output "failed_queue" {
  value = queue.failed
}
