# Welcome pipeline: users stream -> enqueue_welcome -> queue.welcome -> send_welcome.
#
# The stream function does no slow work; it only turns new items into queue
# messages, so a flaky mail provider can never block the table's stream shard.

trigger "user_created" {
  function          = function.enqueue_welcome
  source            = database.users
  starting_position = "trim_horizon" # a deploy after an outage still welcomes everyone
  batch_size        = 25
  retries           = 3 # not -1: a poison record would otherwise block the shard for 24 h
  on_failure        = queue.stream_failures
}

function "enqueue_welcome" {
  handler     = "enqueue_welcome.handler"
  source      = "src"
  concurrency = 5 # a stream runs one batch per shard at a time; a handful is plenty
  sends       = [queue.welcome]

  environment = {
    QUEUE_URL = queue.welcome.url
  }
}

# Metadata of stream batches that failed 3 times; inspected by hand.
queue "stream_failures" {
  retention = "14d"
}

queue "welcome" {
  # visibility_timeout is left unset: slsc uses 6 x send_welcome's timeout.
  dead_letter  = queue.welcome_dlq
  max_receives = 4
}

queue "welcome_dlq" {
  retention = "14d"
}

trigger "welcome_messages" {
  function         = function.send_welcome
  source           = queue.welcome
  batch_size       = 10
  partial_failures = true # one bad address must not resend nine good mails
}

function "send_welcome" {
  description = "sends the welcome mail through SES and subscribes the newsletter"
  handler     = "send_welcome.handler"
  source      = "src"
  timeout     = "20s"
  concurrency = 5 # keeps us under the SES sending rate

  # SES is not modelled by slsc, so the grant is spelled out, scoped to the
  # verified domain identity.
  permissions = [
    {
      actions   = ["ses:SendEmail"]
      resources = ["arn:aws:ses:${var.region}:${local.account_id}:identity/${local.mail_domain}"]
    },
  ]

  environment = {
    FROM_ADDRESS   = local.from_address
    NEWSLETTER_URL = "https://api.newsletter.example/v2/contacts"
    # The value is the secret's name; the handler fetches it at cold start.
    MAIL_API_KEY = secret("signup/mail-api-key")
  }
}
