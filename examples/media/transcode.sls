# Video transcoding through a FIFO queue: one message group per media id, so
# a re-upload of the same video is processed after the first one, never
# concurrently with it, while different videos run in parallel.

queue "transcode" {
  fifo         = true
  dead_letter  = queue.transcode_dlq # a FIFO queue needs a FIFO dead letter queue
  max_receives = 3
  # visibility_timeout unset: 6 x transcode's 15 minutes = 90 minutes.
  tags = { cost_center = "cc-4822" } # the transcoding budget; wins over the app's cost_center
}

queue "transcode_dlq" {
  fifo      = true
  retention = "14d"
}

trigger "transcode_jobs" {
  function   = function.transcode
  source     = queue.transcode
  batch_size = 1 # one video per invocation: the 15-minute budget is per invocation
}

function "transcode" {
  handler      = "handler.handler"
  source       = "functions/transcode"
  memory       = "2GB" # ffmpeg gets more vCPU with more memory
  timeout      = "15m"
  architecture = "arm64" # cheaper per second; the ffmpeg layer is an arm64 build
  concurrency  = 10
  layers       = [var.ffmpeg_layer_arn]

  reads  = [prefix(bucket.uploads, "uploads/")]
  writes = [prefix(bucket.uploads, "renditions/"), prefix(bucket.uploads, "thumbs/")]
  sends  = [topic.media_ready]

  environment = {
    BUCKET    = bucket.uploads.name
    TOPIC_ARN = topic.media_ready.arn
  }
}

alarm "transcode_dead_letters" {
  watch     = queue.transcode_dlq
  metric    = "depth"
  threshold = 1
  notify    = [var.alert_email]
}
