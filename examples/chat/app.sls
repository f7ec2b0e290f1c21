# Chat rooms over a WebSocket API: clients connect with a room and a token,
# send {"action": "sendMessage", "text": "..."} and receive every message
# posted to their room.

app "chat" {
  region        = "eu-west-1"
  runtime       = "nodejs22.x"
  architecture  = "arm64"
  memory        = 256
  timeout       = "10s" # a WebSocket integration gives up after 29 s
  log_retention = 14
  tags          = { team = "community", service = "chat" }

  # Each message's JSON field "action" picks its route (the default, written out).
  websocket_route_selection = "$request.body.action"
}

variable "token_secret" {
  type        = string
  default     = "chat/token-signing-key"
  description = "the Secrets Manager secret that signs connection tokens"
}

output "websocket_url" {
  value       = websocket.url
  description = "what clients connect to: wss://…/STAGE?room=ROOM&token=TOKEN"
}
