# Functions: size, runtimes and limits. Checked on every `function` block with `self` holding
# its resolved attributes (the app's defaults applied; sizes in MB, durations in seconds).

# Memory is what Lambda bills by (GB-seconds). A function that needs more than 1 GB is usually
# a batch job in disguise (ffmpeg, large exports): the platform team reviews those and grants an
# exception per project with `app { lint = { "policy/max_memory" = "warn" } }`.
policy "max_memory" {
  for       = "function"
  condition = self.memory <= 1024
  message   = "functions over 1 GB need a platform exception (memory is what Lambda bills by)"
  level     = "deny"
}

# The runtimes the platform team patches, scans and has base layers for. Older ones are also
# caught by the built-in `deprecated-runtime` rule, but only once AWS deprecates them; this list
# moves on when the organisation does. (A `contains` check written as a `for` filter.)
policy "allowed_runtimes" {
  for       = "function"
  condition = length([for r in ["nodejs22.x", "nodejs24.x", "python3.12", "python3.13", "python3.14", "java21"] : r if r == self.runtime]) > 0
  message   = "use a supported runtime: nodejs22.x, nodejs24.x, python3.12 to python3.14, or java21"
  level     = "deny"
}

# Lambda runs up to 15 minutes, but a function that needs more than 5 is a job that should be
# resumable (Step Functions, or a queue of smaller pieces): a timeout or a redeploy mid-run
# otherwise loses the work. A warning: some imports do need it.
policy "max_timeout" {
  for       = "function"
  condition = self.timeout <= 300
  message   = "functions running over 5 minutes should be split into resumable steps"
  level     = "warn"
}

# One function must not reserve a large share of the account's concurrency: reserved capacity
# is taken away from every other function in the account, in every stage. Unset is fine here
# (the built-in `missing-concurrency` rule asks for a limit).
policy "concurrency_cap" {
  for       = "function"
  condition = self.concurrency == null || self.concurrency <= 100
  message   = "reserve at most 100 concurrent executions per function; ask the platform team for more"
  level     = "deny"
}

# Graviton (arm64) costs about 20% less per GB-second for the same code in interpreted runtimes.
# A nudge, not a rule: native dependencies may not have arm64 builds yet.
policy "prefer_arm64" {
  for       = "function"
  condition = self.architecture == "arm64"
  message   = "prefer architecture = \"arm64\" (about 20% cheaper) unless a dependency is x86-only"
  level     = "warn"
}
