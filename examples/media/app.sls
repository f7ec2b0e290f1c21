# Media pipeline: uploads -> thumbnails (images) / transcoding (videos) -> "ready" notifications.

app "media" {
  region        = "us-east-1"
  runtime       = "python3.13"
  memory        = 512
  timeout       = 30
  tracing       = true # X-Ray across S3 -> Lambda -> SQS -> Lambda -> SNS
  log_retention = 30
  tags          = { team = "media", cost_center = "cc-4821" }
  environment   = { LOG_LEVEL = "INFO" }
}

variable "ffmpeg_layer_arn" {
  type        = string
  default     = "arn:aws:lambda:us-east-1:123456789012:layer:ffmpeg-arm64:4"
  description = "a layer with a static ffmpeg in /opt/bin, built for arm64"
}

variable "alert_email" {
  type    = string
  default = "media-oncall@example.com"
}

output "uploads_bucket" { value = bucket.uploads.name }
output "media_ready_topic_arn" { value = topic.media_ready.arn }
