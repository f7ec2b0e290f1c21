# HTTP routes.

# Every route says who may call it: IAM (SigV4, for services and internal tools) or a JWT
# (users, through Cognito or another issuer). A deliberately public route (a webhook that checks
# its own signature, a health check) is an exception the project declares in its app block:
#   app "hooks" { lint = { "policy/http_routes_authenticated" = "allow" } }
# so the exception is visible in review. An absent `auth` fails too (the built-in
# `unauthenticated-route` rule only warns).
policy "http_routes_authenticated" {
  for       = "trigger"
  condition = self.source_kind != "http" || self.auth == "iam" || self.auth == "jwt"
  message   = "HTTP routes are authenticated (auth = \"iam\" or \"jwt\"); a public route needs a lint exception"
  level     = "deny"
}
