# The WebSocket API: who may connect, what happens on connect, disconnect and
# each message.

function "authorize" {
  description = "verifies the connection token (an HMAC over the room name)"
  handler     = "authorize.handler"
  source      = "src"
  concurrency = 20
  environment = { TOKEN_SECRET = secret(var.token_secret) }
}

function "connections" {
  description = "remembers which connection is in which room, and forgets it"
  handler     = "connections.handler"
  source      = "src"
  concurrency = 20
  writes      = [database.connections]
  environment = { CONNECTIONS_TABLE = database.connections.name }
}

function "broadcast" {
  description         = "posts a message to every connection of the sender's room"
  handler             = "broadcast.handler"
  source              = "src"
  concurrency         = 50
  writes              = [database.connections] # forgets connections that are gone
  manages_connections = true
  environment         = {
    CONNECTIONS_TABLE = database.connections.name
    CALLBACK_URL      = websocket.endpoint
  }
}

# Authorization happens once, when a client connects: the token arrives as a
# query string parameter (browsers cannot set headers on a WebSocket).
trigger "connect" {
  function   = function.connections
  websocket  = "$connect"
  auth       = "lambda"
  authorizer = { function = function.authorize, identity = ["route.request.querystring.token"] }
}

trigger "disconnect" {
  function  = function.connections
  websocket = "$disconnect"
}

trigger "send_message" {
  function  = function.broadcast
  websocket = "sendMessage"
}

# Anything else a client sends gets a short help message from the same function.
trigger "unknown_action" {
  function  = function.broadcast
  websocket = "$default"
}

# One item per open connection; a connection that is never closed cleanly
# expires after two hours.
database "connections" {
  partition_key = { name = "connection_id", type = "string" }
  ttl           = "expires_at"
  indexes       = {
    by_room = { partition_key = { name = "room", type = "string" }, sort_key = { name = "connection_id", type = "string" } }
  }
}
