# POST /signup: a user who already signed in with Cognito creates their
# profile. The route is JWT-authenticated by API Gateway, so the handler can
# trust the `sub` and `email` claims without verifying the token itself.

trigger "signup_http" {
  function = function.signup
  http     = "POST /signup"
  auth     = "jwt"
  jwt      = {
    issuer   = local.jwt_issuer
    audience = local.jwt_audience
  }
}

function "signup" {
  description = "creates the user profile for an authenticated Cognito user"
  handler     = "signup.handler"
  source      = "src"
  concurrency = 50

  # writes also grants reads, which covers the by_email index query.
  writes = [database.users]

  environment = {
    TABLE       = database.users.name
    EMAIL_INDEX = "by_email"
    SERVICE     = local.service
  }
}
