# "Media ready" fan-out. Both thumbnail and transcode publish here with a
# message attribute kind = "image" | "video"; only videos (which take minutes)
# are worth a notification, so the subscription filters on it.

topic "media_ready" {}

trigger "video_ready" {
  function = function.notify
  source   = topic.media_ready
  filter   = { kind = ["video"] }
}

function "notify" {
  handler     = "index.handler"
  source      = "functions/notify"
  runtime     = "nodejs24.x"
  memory      = 128
  timeout     = 10
  concurrency = 5

  environment = {
    WEBHOOK_URL_PARAM = ssm("/media/ready-webhook-url") # the value is the parameter's name
  }
}
