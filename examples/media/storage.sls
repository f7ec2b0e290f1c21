# One bucket, three key prefixes:
#   uploads/<media_id>/<file>      written by clients (presigned URLs, another service)
#   thumbs/<media_id>.jpg          written by thumbnail (images) and transcode (video poster)
#   renditions/<media_id>/720p.mp4 written by transcode
# Only uploads/ triggers anything, and no function writes under uploads/, so
# writing back into the triggering bucket is not a loop.

bucket "uploads" {
  # Merged with the app's tags: what the data classification scanner reads.
  tags = { data = "user-content" }
}

trigger "new_upload" {
  function = function.thumbnail
  source   = bucket.uploads
  events   = ["created"]
  prefix   = "uploads/"
}

function "thumbnail" {
  description = "thumbnails images; hands videos to the transcode queue"
  handler     = "handler.handler"
  source      = "functions/thumbnail" # Pillow is pip-installed here before `slsc build`
  memory      = 1024
  timeout     = 60
  concurrency = 20
  dead_letter = queue.thumbnail_failures # uploads whose thumbnail failed three times

  reads  = [prefix(bucket.uploads, "uploads/")]
  writes = [prefix(bucket.uploads, "thumbs/")] # must not overlap the trigger's "uploads/"
  sends  = [queue.transcode, topic.media_ready]

  environment = {
    BUCKET              = bucket.uploads.name
    THUMB_PREFIX        = "thumbs/"
    TRANSCODE_QUEUE_URL = queue.transcode.url
    TOPIC_ARN           = topic.media_ready.arn
  }
}

queue "thumbnail_failures" {
  retention = "14d"
}
