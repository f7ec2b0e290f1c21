# std/http_endpoint — a function behind one HTTP route, authenticated by default.
#
# Creates the function and the `http` trigger that routes one method and path of the app's
# shared HTTP API to it:
# - the route requires IAM (SigV4) authentication unless `auth` says otherwise: "jwt" with
#   `jwt = { issuer, audience }` (e.g. a Cognito user pool), or "none" for a deliberately public route;
# - the timeout defaults to 10 s (API Gateway stops waiting at 30 s, so a larger timeout only
#   keeps the function running after the caller got a 503);
# - the function has a concurrency limit, so a flood of requests cannot starve the account.
#
# Inputs:
#   handler       string        required    the function's handler, e.g. "orders.get"
#   route         string        required    "METHOD /path", e.g. "GET /orders/{id}"
#   auth          string        "iam"       "iam", "jwt" or "none" (public)
#   jwt           object        none        with auth = "jwt": { issuer = "https://…", audience = [client IDs] }
#   code          string        "."         the directory to package, relative to the project
#   runtime       string        the app's   e.g. "python3.13"
#   memory        number        the app's   MB
#   timeout       number        10          seconds (at most 30 is useful behind HTTP)
#   concurrency   number        10          reserved concurrency of the function
#   environment   map(string)   {}          the function's environment
#   reads         list(ref)     []          tables and buckets the function reads
#   writes        list(ref)     []          tables and buckets it writes
#   sends         list(ref)     []          queues and topics it sends to
#
# Outputs:
#   function       ref(function)  the function, for another function's `invokes`
#   function_name  string         deploy-time: the function's name
#   url            string         deploy-time: the base URL of the app's HTTP API
#
# Example:
#   module "get_order" {
#     source       = "std/http_endpoint"
#     handler      = "orders.get"
#     route        = "GET /orders/{id}"
#     auth         = "jwt"
#     jwt          = {
#       issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
#       audience = ["example-client-id"]
#     }
#     reads        = [database.orders]
#   }
#
#   output "api" {
#     value = module.get_order.url
#   }

variable "handler" {
  type        = string
  description = "the function's handler"
}

variable "route" {
  type        = string
  description = "METHOD /path"
}

variable "auth" {
  type    = string
  default = "iam"
}

variable "jwt" {
  type        = any
  default     = null
  description = "{ issuer, audience }: checked as the http trigger's `jwt`"
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
  default = 10
}

variable "concurrency" {
  type    = number
  default = 10
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

function "api" {
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

trigger "route" {
  function = function.api
  http     = var.route
  auth     = var.auth
  jwt      = var.jwt
}

output "function" {
  value = function.api
}

output "function_name" {
  value = function.api.name
}

output "url" {
  value = http.url
}
