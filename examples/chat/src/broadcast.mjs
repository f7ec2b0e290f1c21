// sendMessage: post the text to every connection of the sender's room, through the API Gateway
// Management API at CALLBACK_URL (the function has `manages_connections = true`).
// $default: tell the sender which actions exist.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand, DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const api = new ApiGatewayManagementApiClient({ endpoint: process.env.CALLBACK_URL });
const TABLE = process.env.CONNECTIONS_TABLE;

const post = async (connectionId, message) => {
  try {
    await api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify(message) }));
  } catch (err) {
    if (err.$metadata?.httpStatusCode !== 410) throw err;
    // Gone: the client left without $disconnect.
    await db.send(new DeleteCommand({ TableName: TABLE, Key: { connection_id: connectionId } }));
  }
};

export const handler = async (event) => {
  const { connectionId, routeKey } = event.requestContext;
  if (routeKey !== "sendMessage") {
    await post(connectionId, { error: 'unknown action: send {"action": "sendMessage", "text": "…"}' });
    return { statusCode: 200 };
  }
  let text = "";
  try {
    text = String(JSON.parse(event.body ?? "{}").text ?? "").slice(0, 2000);
  } catch {
    await post(connectionId, { error: "a message is JSON" });
    return { statusCode: 200 };
  }
  const me = await db.send(new GetCommand({ TableName: TABLE, Key: { connection_id: connectionId } }));
  const room = me.Item?.room;
  if (!room || !text) return { statusCode: 200 };
  let ExclusiveStartKey;
  do {
    const page = await db.send(new QueryCommand({
      TableName: TABLE,
      IndexName: "by_room",
      KeyConditionExpression: "room = :room",
      ExpressionAttributeValues: { ":room": room },
      ExclusiveStartKey,
    }));
    await Promise.all(page.Items.map((c) => post(c.connection_id, { room, from: connectionId, text })));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return { statusCode: 200 };
};
