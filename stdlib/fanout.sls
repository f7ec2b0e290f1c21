# std/fanout — a topic delivered to several functions, each with its own failure queue.
#
# Creates a topic and, for every entry of `handlers`, a std/topic_subscriber: a function
# subscribed to the topic with a queue for the events it failed on. Publishers send to the
# topic (`sends = [module.NAME.topic]`); every subscriber gets every message, independently:
# one slow or failing subscriber does not hold the others back.
# - Each subscriber has a concurrency limit and its own failure queue (kept 14 days): an event
#   that still fails after Lambda's two retries is kept there, with the error.
# - The topic is a standard topic: a FIFO topic cannot invoke a function.
#
# The blocks of subscriber KEY are named `{module}_sub_{KEY}_fn` and `{module}_sub_{KEY}_failed`.
#
# Inputs:
#   handlers      map(string)  required    subscriber name → handler, e.g. { email = "email.handler" }
#   code          string       "."         the directory to package, relative to the project
#   runtime       string       the app's   e.g. "python3.13"
#   memory        number       the app's   MB
#   timeout       number       30          seconds
#   concurrency   number       5           reserved concurrency of each function
#   environment   map(string)  {}          every function's environment
#
# Outputs:
#   topic           ref(topic)  the topic, for a publisher's `sends`
#   topic_arn       string      deploy-time: the topic's ARN (for an `environment`)
#
# Example:
#   module "order_events" {
#     source = "std/fanout"
#     handlers = {
#       email     = "email.handler"
#       analytics = "analytics.handler"
#     }
#   }
#
#   function "checkout" {
#     handler     = "checkout.handler"
#     sends       = [module.order_events.topic]
#     environment = { ORDER_TOPIC = module.order_events.topic_arn }
#   }

variable "handlers" {
  type        = map(string)
  description = "subscriber name → handler"
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

topic "events" {}

module "sub" {
  for_each    = var.handlers
  source      = "std/topic_subscriber"
  topic       = topic.events
  handler     = each.value
  code        = var.code
  runtime     = var.runtime
  memory      = var.memory
  timeout     = var.timeout
  concurrency = var.concurrency
  environment = var.environment
}

output "topic" {
  value = topic.events
}

output "topic_arn" {
  value = topic.events.arn
}
