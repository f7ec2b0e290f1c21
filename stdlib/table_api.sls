# std/table_api — a REST API over a DynamoDB table: list, create, read, update, delete.
#
# Creates a table (partition key `key`), one function that may read and write it, and five
# routes to that function on the app's shared HTTP API: `GET PATH`, `POST PATH`,
# `GET PATH/{id}`, `PUT PATH/{id}` and `DELETE PATH/{id}`. The handler tells them apart by
# `routeKey` (e.g. "GET /todos/{id}") and reads the item's key from `pathParameters.id`; the
# table's name is in its environment as TABLE_NAME.
# - The routes require IAM (SigV4) authentication unless `auth` says otherwise: "jwt" with
#   `jwt = { issuer, audience }` (e.g. a Cognito user pool), or "none" for a deliberately public API.
# - The table is on-demand, with point-in-time recovery, and kept when it leaves the stack.
# - The function's timeout is 10 s (API Gateway stops waiting at 30 s) and it has a
#   concurrency limit, so a flood of requests cannot starve the account.
#
# Inputs:
#   path          string        required    the collection's path, e.g. "/todos"
#   handler       string        required    the function's handler, e.g. "todos.handler"
#   key           string        "id"        the table's partition key attribute
#   key_type      string        "string"    "string", "number" or "binary"
#   auth          string        "iam"       "iam", "jwt" or "none" (public)
#   jwt           object        none        with auth = "jwt": { issuer = "https://…", audience = [client IDs] }
#   code          string        "."         the directory to package, relative to the project
#   runtime       string        the app's   e.g. "python3.13"
#   memory        number        the app's   MB
#   timeout       number        10          seconds
#   concurrency   number        10          reserved concurrency of the function
#   environment   map(string)   {}          the function's environment (TABLE_NAME is added)
#   reads         list(ref)     []          other tables and buckets the function reads
#   writes        list(ref)     []          other tables and buckets it writes
#   sends         list(ref)     []          queues and topics it sends to
#
# Outputs:
#   table          ref(database)  the table, for another function's `reads` or `writes`
#   table_name     string         deploy-time: the table's name
#   function       ref(function)  the function
#   function_name  string         deploy-time: the function's name
#   url            string         deploy-time: the base URL of the app's HTTP API
#
# Example:
#   module "todos" {
#     source  = "std/table_api"
#     path    = "/todos"
#     handler = "todos.handler"
#   }
#
#   output "api" {
#     value = "${module.todos.url}/todos"
#   }

variable "path" {
  type        = string
  description = "the collection's path, e.g. /todos"
}

variable "handler" {
  type        = string
  description = "the function's handler"
}

variable "key" {
  type    = string
  default = "id"
}

variable "key_type" {
  type    = string
  default = "string"
}

variable "auth" {
  type    = string
  default = "iam"
}

variable "jwt" {
  type        = any
  default     = null
  description = "{ issuer, audience }: checked as the http triggers' `jwt`"
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

database "table" {
  partition_key = {
    name = var.key
    type = var.key_type
  }
}

function "api" {
  handler     = var.handler
  source      = var.code
  runtime     = var.runtime
  memory      = var.memory
  timeout     = var.timeout
  concurrency = var.concurrency
  environment = merge(var.environment, { TABLE_NAME = database.table.name })
  reads       = var.reads
  writes      = concat([database.table], var.writes)
  sends       = var.sends
}

trigger "list" {
  function = function.api
  http     = "GET ${var.path}"
  auth     = var.auth
  jwt      = var.jwt
}

trigger "create" {
  function = function.api
  http     = "POST ${var.path}"
  auth     = var.auth
  jwt      = var.jwt
}

trigger "read" {
  function = function.api
  http     = "GET ${var.path}/{id}"
  auth     = var.auth
  jwt      = var.jwt
}

trigger "update" {
  function = function.api
  http     = "PUT ${var.path}/{id}"
  auth     = var.auth
  jwt      = var.jwt
}

trigger "delete" {
  function = function.api
  http     = "DELETE ${var.path}/{id}"
  auth     = var.auth
  jwt      = var.jwt
}

output "table" {
  value = database.table
}

output "table_name" {
  value = database.table.name
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
