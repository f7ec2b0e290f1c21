# Data stores: recoverable in prod, cheap elsewhere.

# Point-in-time recovery restores a table to any second of the last 35 days: the only undo for
# a bad migration or a buggy batch job. On by default; turning it off in prod needs a reason.
policy "table_pitr_in_prod" {
  for       = "database"
  condition = self.point_in_time_recovery
  message   = "production tables keep point-in-time recovery on"
  level     = "deny"
  when      = app.stage == "prod"
}

# `retain = false` deletes the table with its data when the block is removed or the stack is
# destroyed. Fine for a preview stage, never for prod.
policy "tables_retained_in_prod" {
  for       = "database"
  condition = self.retain
  message   = "production tables are retained when removed from the stack (retain = true)"
  level     = "deny"
  when      = app.stage == "prod"
}

policy "buckets_retained_in_prod" {
  for       = "bucket"
  condition = self.retain
  message   = "production buckets are retained when removed from the stack (retain = true)"
  level     = "deny"
  when      = app.stage == "prod"
}

# Versioning keeps overwritten and deleted objects, so an accidental overwrite can be undone.
# A warning: for buckets of derived data (thumbnails, reports) it only costs storage.
policy "bucket_versioning_in_prod" {
  for       = "bucket"
  condition = self.versioning
  message   = "production buckets keep object versions (versioning = true) unless the data can be regenerated"
  level     = "warn"
  when      = app.stage == "prod"
}

# Provisioned capacity is billed every hour whether or not a dev stage is used; on-demand costs
# nothing when idle. Prod may provision for a known steady load.
policy "on_demand_outside_prod" {
  for       = "database"
  condition = app.stage == "prod" || self.billing == "on_demand"
  message   = "only prod tables may use provisioned capacity (billed even when idle)"
  level     = "warn"
}
