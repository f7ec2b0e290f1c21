// $connect and $disconnect: remember which room a connection is in, and forget it.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, DeleteCommand } from "@aws-sdk/lib-dynamodb";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.CONNECTIONS_TABLE;
const TWO_HOURS = 2 * 60 * 60;

export const handler = async (event) => {
  const { connectionId, eventType, authorizer } = event.requestContext;
  if (eventType === "CONNECT") {
    await db.send(new PutCommand({
      TableName: TABLE,
      Item: {
        connection_id: connectionId,
        room: authorizer.room, // set by the authorizer
        expires_at: Math.floor(Date.now() / 1000) + TWO_HOURS,
      },
    }));
  } else if (eventType === "DISCONNECT") {
    await db.send(new DeleteCommand({ TableName: TABLE, Key: { connection_id: connectionId } }));
  }
  return { statusCode: 200 };
};
