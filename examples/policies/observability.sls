# Observability in production: what on-call needs when something breaks at 3 am.

# X-Ray traces show which hop of a chain (API -> function -> queue -> function) is slow or
# failing. Off by default in the language (it costs per trace), required in prod.
policy "tracing_in_prod" {
  for       = "function"
  condition = self.tracing
  message   = "production functions have X-Ray tracing on (tracing = true, or app.tracing)"
  level     = "deny"
  when      = app.stage == "prod"
}

# Debug logging in prod leaks request bodies (personal data) into CloudWatch and multiplies the
# log bill. `self.environment` is the function's environment merged with the app's.
policy "no_debug_logging_in_prod" {
  for       = "function"
  condition = lookup(self.environment, "LOG_LEVEL", "info") != "debug"
  message   = "LOG_LEVEL = \"debug\" is not allowed in prod (personal data in logs, log costs)"
  level     = "deny"
  when      = app.stage == "prod"
}

# An alarm nobody receives is not monitoring. An alarm may instead (or also) trigger a function
# (`trigger { source = alarm.X }`), which this policy cannot see: hence only a warning.
policy "alarms_notify_someone" {
  for       = "alarm"
  condition = length(self.notify) > 0
  message   = "alarms notify an on-call address (notify = [\"team-oncall@example.com\"])"
  level     = "warn"
}
