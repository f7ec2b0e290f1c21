# std/upload_processor — a bucket whose new uploads are processed by a function.
#
# Creates a bucket and a function triggered by every object created under `input_prefix`
# (optionally only the names ending in `suffix`). The function may read the whole bucket but
# writes only under `output_prefix`:
# - its results cannot trigger it again: the compiler proves it (`recursive-invocation`) as
#   long as neither prefix starts with the other, and refuses the module otherwise;
# - its IAM role may write `output_prefix*` only, not the uploads;
# - the bucket blocks public access, is versioned (old versions expire after 30 days) and is
#   kept when it leaves the stack; the function has a concurrency limit, so a bulk upload
#   cannot starve the account;
# - S3 invokes the function asynchronously: an upload it fails on three times goes, with the
#   error, to the failure queue (kept 14 days) instead of being dropped.
#
# The bucket's name is in the function's environment as BUCKET_NAME, and OUTPUT_PREFIX says
# where to write.
#
# Inputs:
#   handler        string       required      the function's handler, e.g. "thumbs.handler"
#   input_prefix   string       "uploads/"    the key prefix of the objects to process
#   output_prefix  string       "processed/"  the key prefix the function writes under
#   suffix         string       none          only objects whose key ends with this, e.g. ".jpg"
#   code           string       "."           the directory to package, relative to the project
#   runtime        string       the app's     e.g. "python3.13"
#   memory         number       the app's     MB
#   timeout        number       60            seconds
#   concurrency    number       5             reserved concurrency of the function
#   versioning     bool         true          keep overwritten and deleted objects (30 days)
#   environment    map(string)  {}            the function's environment (BUCKET_NAME and
#                                             OUTPUT_PREFIX are added)
#   reads          list(ref)    []            other tables and buckets the function reads
#   writes         list(ref)    []            other tables and buckets it writes
#   sends          list(ref)    []            queues and topics it sends to
#
# Outputs:
#   bucket         ref(bucket)    the bucket, for another function's `reads` or `writes`
#   bucket_name    string         deploy-time: the bucket's name
#   function       ref(function)  the function
#   function_name  string         deploy-time: the function's name
#   failed_queue   ref(queue)     the queue of uploads the function failed on
#
# Example:
#   module "thumbnails" {
#     source        = "std/upload_processor"
#     handler       = "thumbs.handler"
#     input_prefix  = "photos/"
#     output_prefix = "thumbs/"
#     suffix        = ".jpg"
#     memory        = 1024
#   }
#
#   function "upload_url" {
#     handler     = "upload.handler"
#     writes      = [prefix(module.thumbnails.bucket, "photos/")]
#     environment = { BUCKET = module.thumbnails.bucket_name }
#   }

variable "handler" {
  type        = string
  description = "the function's handler"
}

variable "input_prefix" {
  type    = string
  default = "uploads/"
}

variable "output_prefix" {
  type    = string
  default = "processed/"
}

variable "suffix" {
  type    = string
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
  default = 60
}

variable "concurrency" {
  type    = number
  default = 5
}

variable "versioning" {
  type    = bool
  default = true
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

bucket "files" {
  versioning = var.versioning
}

function "fn" {
  handler     = var.handler
  source      = var.code
  runtime     = var.runtime
  memory      = var.memory
  timeout     = var.timeout
  concurrency = var.concurrency
  environment = merge(var.environment, {
      BUCKET_NAME   = bucket.files.name
      OUTPUT_PREFIX = var.output_prefix
  })
  reads      = concat([bucket.files], var.reads)
  writes     = concat([prefix(bucket.files, var.output_prefix)], var.writes)
  sends      = var.sends
  on_failure = queue.failed
}

queue "failed" {
  retention = "14d"
}

trigger "uploads" {
  function = function.fn
  source   = bucket.files
  events   = ["created"]
  prefix   = var.input_prefix
  suffix   = var.suffix
}

output "bucket" {
  value = bucket.files
}

output "bucket_name" {
  value = bucket.files.name
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
