# Queues and event sources: no message is lost silently, no batch is redelivered whole.

# A message that always fails is retried until its retention ends, then deleted without a trace.
# Every queue has a dead letter queue — except dead letter queues themselves, which by
# convention keep messages as long as SQS allows (retention = "14d", 1209600 s) so someone can
# look at them and redrive. The built-in `missing-dead-letter` rule only covers queues that
# trigger a function; this covers every queue.
policy "queue_dead_letter" {
  for       = "queue"
  condition = self.dead_letter != null || self.retention == 1209600
  message   = "queues need a dead_letter queue; a dead letter queue itself keeps messages 14 days (retention = \"14d\")"
  level     = "deny"
}

# Without partial batch failures, one bad message makes Lambda redeliver the whole batch, so the
# good messages are processed again (duplicate e-mails, double charges). Applies to queue
# triggers only: `self.source_kind` says what a trigger listens to.
policy "queue_partial_failures" {
  for       = "trigger"
  condition = self.source_kind != "queue" || self.partial_failures == true
  message   = "queue triggers report partial batch failures (partial_failures = true) so one bad message does not redeliver the batch"
  level     = "warn"
}
