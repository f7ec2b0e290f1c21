# Sign-up service: app-wide defaults, inputs and outputs. Every function
# inherits runtime, memory, timeout, architecture, environment and tags from
# the app block unless it sets its own.

app "signup" {
  region        = var.region
  runtime       = "nodejs22.x"
  architecture  = "arm64"
  memory        = 256
  timeout       = "10s" # the HTTP function must finish well inside API Gateway's 30 s
  log_retention = 14
  tags          = { team = "growth", service = "signup" }
  environment   = { LOG_LEVEL = var.log_level } # merged into every function

  # The sign-up page is a browser app served from another origin.
  cors = {
    origins = [local.site_origin]
    methods = ["POST"]
    headers = ["content-type", "authorization"]
    max_age = "1h"
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "log_level" {
  type        = string
  default     = "info"
  description = "override with --var log_level=debug"
}

variable "oncall_email" {
  type    = string
  default = "oncall@example.com"
}

locals {
  service      = "${app.name}-${app.stage}"
  site_origin  = "https://www.example.com"
  mail_domain  = "example.com"
  from_address = "Example <welcome@${local.mail_domain}>"
  # permissions take literal ARNs (no deploy-time values), hence the account id.
  account_id = "123456789012"
  # Cognito user pool whose ID tokens may call POST /signup.
  jwt_issuer   = "https://cognito-idp.${var.region}.amazonaws.com/${var.region}_AbCdEf123"
  jwt_audience = ["4s1n2ngclientid0example0"]
}

output "api_url" { value = http.url }
output "users_table" { value = database.users.name }
