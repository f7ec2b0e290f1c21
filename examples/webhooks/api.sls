# Public webhook endpoint and an internal status endpoint.

trigger "incoming_hook" {
  function = function.receive
  http     = "POST /hooks/{provider}"
  # Public on purpose: GitHub/GitLab cannot sign AWS requests. Every delivery
  # carries an HMAC signature (or token) that the handler verifies instead.
  auth = "none"
}

trigger "build_status" {
  function = function.build_status
  http     = "GET /builds/{id}"
  auth     = "iam" # internal tools call it with SigV4
}

function "receive" {
  handler     = "receive.handler"
  source      = "src"
  concurrency = 20
  writes      = [database.builds] # the "queued" record, keyed by delivery id
  sends       = [queue.builds]

  environment = {
    QUEUE_URL             = queue.builds.url
    GITHUB_WEBHOOK_SECRET = secret("webhooks/github-webhook-secret")
    GITLAB_WEBHOOK_TOKEN  = secret("webhooks/gitlab-webhook-token")
  }
}

function "build_status" {
  handler     = "status.handler"
  source      = "src"
  concurrency = 10
  # GetObject on builds/* lets it hand out presigned artifact URLs.
  reads       = [database.builds, prefix(bucket.artifacts, "builds/")]
  environment = { ARTIFACT_BUCKET = bucket.artifacts.name }
}
