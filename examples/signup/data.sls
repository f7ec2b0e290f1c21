# The users table and its indexes.

database "users" {
  partition_key = { name = "user_id", type = "string" }

  indexes = {
    # Uniqueness check on sign-up: is this e-mail address already taken?
    by_email = {
      partition_key = { name = "email", type = "string" }
      projection    = "keys_only"
    }
    # The nightly report queries one day's sign-ups instead of scanning.
    by_day = {
      partition_key = { name = "created_day", type = "string" }
      sort_key      = { name = "created_at", type = "string" }
      projection    = "all"
    }
  }

  # The stream trigger only needs the inserted item, so ask for the new image
  # instead of the default new_and_old_images (half the stream payload).
  stream = "new_image"
}

# Nightly report files, one CSV per day under daily/.
bucket "reports" {}
