# "Media ready" fan-out. Both thumbnail and transcode publish here with a
# message attribute kind = "image" | "video"; only videos (which take minutes)
# are worth a notification, so the subscription filters on it.

topic "media_ready" {}

# The notifier, from the standard library (`slsc explain std/topic_subscriber`):
# the function, its filtered subscription, a concurrency limit, and a queue that
# keeps the notifications that still failed after Lambda's two retries (instead
# of dropping them), to inspect and redrive.
module "notify" {
  source      = "std/topic_subscriber"
  topic       = topic.media_ready
  filter      = { kind = ["video"] }
  handler     = "index.handler"
  code        = "functions/notify"
  runtime     = "nodejs24.x"
  memory      = 128
  timeout     = 10
  concurrency = 5

  environment = {
    WEBHOOK_URL_PARAM = ssm("/media/ready-webhook-url") # the value is the parameter's name
  }
}
