# std/topic_subscriber — a function subscribed to a topic, whose failed events are kept.
#
# Creates the function, its subscription to the topic given as `topic`, and a queue for the
# events it failed on:
# - SNS invokes the function asynchronously: Lambda retries a failing event twice, then sends
#   it, with the error, to the failure queue (kept 14 days) instead of dropping it;
# - `filter` subscribes to only the messages whose attributes match (an SNS filter policy:
#   attribute name → accepted values);
# - the function has a concurrency limit, so a burst of messages cannot starve the account.
#
# The topic must be a standard topic: a FIFO topic cannot invoke a function.
#
# Inputs:
#   topic         ref(topic)         required    the topic to subscribe to, e.g. topic.orders
#   handler       string             required    the function's handler, e.g. "email.handler"
#   filter        map(list(string))  none        e.g. { kind = ["refund", "cancel"] }
#   code          string             "."         the directory to package, relative to the project
#   runtime       string             the app's   e.g. "python3.13"
#   memory        number             the app's   MB
#   timeout       number             30          seconds
#   concurrency   number             5           reserved concurrency of the function
#   environment   map(string)        {}          the function's environment
#   reads         list(ref)          []          tables and buckets the function reads
#   writes        list(ref)          []          tables and buckets it writes
#   sends         list(ref)          []          queues and topics it sends to
#
# Outputs:
#   function          ref(function)  the function
#   function_name     string         deploy-time: the function's name
#   failed_queue      ref(queue)     the queue of failed events, e.g. for another function's `reads`
#   failed_queue_url  string         deploy-time: its URL (to inspect or redrive failed events)
#
# Example:
#   topic "orders" {}
#
#   module "email" {
#     source  = "std/topic_subscriber"
#     topic   = topic.orders
#     handler = "email.handler"
#     filter  = { kind = ["created"] }
#   }

variable "topic" {
  type        = ref(topic)
  description = "the topic to subscribe to"
}

variable "handler" {
  type        = string
  description = "the function's handler"
}

variable "filter" {
  type    = map(list(string))
  default = null
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
  default = 30
}

variable "concurrency" {
  type    = number
  default = 5
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

function "fn" {
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

trigger "topic" {
  function = function.fn
  source   = var.topic
  filter   = var.filter
}

output "function" {
  value = function.fn
}

output "function_name" {
  value = function.fn.name
}

output "failed_queue" {
  value = queue.failed
}

output "failed_queue_url" {
  value = queue.failed.url
}
