# Nightly report and alarms.

trigger "nightly_report" {
  function = function.daily_report
  schedule = "cron(0 3 * * ? *)" # 03:00 UTC every day
  input    = {
    report         = "daily-signups"
    lookback_hours = 24
  }
}

function "daily_report" {
  handler     = "report.handler"
  source      = "src"
  timeout     = "5m"
  memory      = 512
  concurrency = 1 # never two reports at once
  dead_letter = queue.ops_failures # a night whose report failed three times is kept
  reads       = [database.users]
  writes      = [prefix(bucket.reports, "daily/")]

  environment = {
    TABLE         = database.users.name
    DAY_INDEX     = "by_day"
    REPORT_BUCKET = bucket.reports.name
  }
}

# Pages a human: 5 or more failed sign-ups in 5 minutes (the comparison is >=).
alarm "signup_errors" {
  watch              = function.signup
  metric             = "errors"
  threshold          = 5
  period             = "5m"
  evaluation_periods = 1
  notify             = [var.oncall_email]
}

# Welcome mails stuck for over 15 minutes (the metric is in seconds, Maximum).
alarm "welcome_backlog" {
  watch              = queue.welcome
  metric             = "age"
  threshold          = 900
  period             = 300
  evaluation_periods = 2
  notify             = [var.oncall_email]
}

# ...and posts the same alarm to the team chat.
trigger "welcome_backlog_chat" {
  function = function.backlog_alert
  source   = alarm.welcome_backlog
}

function "backlog_alert" {
  handler     = "backlog_alert.handler"
  source      = "src"
  concurrency = 1
  dead_letter = queue.ops_failures

  environment = {
    # A Slack-style incoming webhook URL is itself a credential: keep it in SSM.
    CHAT_WEBHOOK_PARAM = ssm("/signup/chat-webhook-url")
    QUEUE_URL          = queue.welcome.url
  }
}

# Asynchronous events (the nightly schedule, the backlog alarm) that failed three times.
queue "ops_failures" {
  retention = "14d"
}
