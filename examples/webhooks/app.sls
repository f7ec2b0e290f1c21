# CI webhook service: providers POST push events, a queue-driven worker runs
# the build, results are kept in DynamoDB/S3 and reported back as commit statuses.

app "webhooks" {
  region        = "eu-central-1"
  runtime       = "python3.13"
  memory        = 256
  timeout       = 10
  log_retention = 30
  tags          = { team = "platform", service = "ci-webhooks" }

  # Deploy-time values are allowed here too; every function gets them.
  environment = {
    LOG_LEVEL      = var.log_level
    BUILDS_TABLE   = database.builds.name
    BUILD_TTL_DAYS = local.build_ttl_days # numbers become strings
  }

  # Stricter than the default: an unbounded function is a build error here.
  lint = { "missing-concurrency" = "deny" }
}

variable "log_level" {
  type        = string
  default     = "info"
  description = "e.g. slsc build --var log_level=debug"
}

variable "alert_email" {
  type    = string
  default = "platform-alerts@example.com"
}

variable "subnet_ids" {
  type        = list(string)
  default     = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]
  description = "private subnets with a NAT route (the worker calls provider APIs)"
}

variable "security_group_ids" {
  type    = list(string)
  default = ["sg-0123456789abcdef0"]
}

locals {
  build_ttl_days = 90
}

output "webhook_url" { value = "${http.url}/hooks" }
output "artifacts_bucket" { value = bucket.artifacts.name }
