# std/queue_worker — a function that works through a queue, with every safe default.
#
# Creates a queue, its dead letter queue, the function and the trigger between them:
# - the queue's visibility timeout is 6 × the function's timeout (AWS's guidance), so a
#   message is not handed to a second worker while the first still runs;
# - a message that fails `max_receives` times moves to the dead letter queue (kept 14 days)
#   instead of being retried forever;
# - partial batch failures are on: the handler returns the failed messages
#   (`{ batchItemFailures: [{ itemIdentifier: messageId }] }`) and only those are retried;
# - the function has a concurrency limit, so a burst of messages cannot starve the account.
#
# Inputs:
#   handler       string       required    the function's handler, e.g. "billing.handler"
#   code          string       "."         the directory to package, relative to the project
#   runtime       string       the app's   e.g. "python3.13"
#   memory        number       256         MB
#   timeout       number       30          seconds (the queue's visibility is 6 × this)
#   concurrency   number       5           reserved concurrency of the function
#   batch_size    number       10          messages per invocation
#   max_receives  number       5           receives before a message goes to the dead letter queue
#   fifo          bool         false       FIFO queues (ordered, exactly-once)
#   environment   map(string)  {}          the function's environment
#   reads         list(ref)    []          tables and buckets the function reads
#   writes        list(ref)    []          tables and buckets it writes
#   sends         list(ref)    []          queues and topics it sends to
#
# Outputs:
#   queue          ref(queue)  the queue, for another function's `sends`
#   queue_url      string      deploy-time: the queue's URL (for an `environment`)
#   queue_arn      string      deploy-time: the queue's ARN
#   function       ref(function)
#   function_name  string      deploy-time: the function's name
#
# Example:
#   module "billing" {
#     source  = "std/queue_worker"
#     handler = "billing.handler"
#   }
#
#   function "checkout" {
#     handler     = "checkout.handler"
#     sends       = [module.billing.queue]
#     environment = { BILLING_QUEUE = module.billing.queue_url }
#   }

variable "handler" {
  type        = string
  description = "the function's handler"
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
  default = 256
}

variable "timeout" {
  type    = number
  default = 30
}

variable "concurrency" {
  type    = number
  default = 5
}

variable "batch_size" {
  type    = number
  default = 10
}

variable "max_receives" {
  type    = number
  default = 5
}

variable "fifo" {
  type    = bool
  default = false
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

queue "jobs" {
  fifo               = var.fifo
  visibility_timeout = var.timeout * 6
  dead_letter        = queue.failed
  max_receives       = var.max_receives
}

queue "failed" {
  fifo      = var.fifo
  retention = "14d"
}

function "worker" {
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
}

trigger "jobs" {
  function         = function.worker
  source           = queue.jobs
  batch_size       = var.batch_size
  partial_failures = true
}

output "queue" {
  value = queue.jobs
}

output "queue_url" {
  value = queue.jobs.url
}

output "queue_arn" {
  value = queue.jobs.arn
}

output "function" {
  value = function.worker
}

output "function_name" {
  value = function.worker.name
}
