# Build queue, worker and storage.

queue "builds" {
  dead_letter        = queue.builds_dlq
  max_receives       = 3
  visibility_timeout = "30m" # 6 x the worker's 5-minute timeout
}

queue "builds_dlq" {
  retention = "14d"
}

trigger "build_jobs" {
  function         = function.worker
  source           = queue.builds
  batch_size       = 5
  batch_window     = "10s"
  partial_failures = true # a failed build does not re-run the other four
  max_concurrency  = 10   # equal to the reserved concurrency, so pollers never get throttled
}

function "worker" {
  handler     = "worker.handler"
  source      = "src"
  memory      = 1024
  timeout     = "5m"
  concurrency = 10
  writes      = [database.builds, prefix(bucket.artifacts, "builds/")]
  invokes     = [function.notify] # asynchronously (InvocationType=Event)

  # Reaches the internal package mirror; DynamoDB/S3 through gateway endpoints.
  vpc = {
    subnet_ids         = var.subnet_ids
    security_group_ids = var.security_group_ids
  }

  environment = {
    ARTIFACT_BUCKET = bucket.artifacts.name
    NOTIFY_FUNCTION = function.notify.name
  }
}

function "notify" {
  description = "reports a build result as a commit status"
  handler     = "notify.handler"
  source      = "src"
  concurrency = 5
  retries     = 1
  on_failure  = queue.notify_failures # statuses that could not be posted, kept for replay
  environment = { GITHUB_TOKEN = secret("webhooks/github-status-token") }
}

queue "notify_failures" {
  retention = "14d"
}

database "builds" {
  # The table predates slsc (the Serverless Framework's TableName: webhooks-builds-${stage}):
  # keeping its name keeps the table — and the builds in it — when the stack moves to slsc.
  name          = "webhooks-builds-${app.stage}"
  partition_key = { name = "build_id", type = "string" }
  sort_key      = { name = "attempt", type = "number" }
  ttl           = "expires_at" # builds disappear after local.build_ttl_days
}

bucket "artifacts" {
  versioning = true # a rebuild never silently overwrites a published artifact
}

alarm "dead_builds" {
  watch     = queue.builds_dlq
  metric    = "depth"
  threshold = 1
  notify    = [var.alert_email]
}

alarm "lost_statuses" {
  watch     = queue.notify_failures
  metric    = "depth"
  threshold = 1
  period    = "5m"
  notify    = [var.alert_email]
}
