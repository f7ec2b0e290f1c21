// POST /signup — creates the profile of a user who signed in with Cognito.
// API Gateway has already verified the JWT; its claims arrive in the event.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const { TABLE, EMAIL_INDEX } = process.env;

const reply = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

export const handler = async (event) => {
  const claims = event.requestContext?.authorizer?.jwt?.claims ?? {};
  let body = {};
  try {
    const raw = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString() : event.body;
    body = JSON.parse(raw || "{}");
  } catch {
    return reply(400, { error: "body must be JSON" });
  }

  const email = String(claims.email ?? body.email ?? "").trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return reply(400, { error: "a valid e-mail is required" });

  // The e-mail must not belong to another profile (GSI by_email).
  const taken = await db.send(new QueryCommand({
    TableName: TABLE,
    IndexName: EMAIL_INDEX,
    KeyConditionExpression: "email = :e",
    ExpressionAttributeValues: { ":e": email },
    Limit: 1,
  }));
  if (taken.Count > 0) return reply(409, { error: "this e-mail is already registered" });

  const now = new Date().toISOString();
  const user = {
    user_id: claims.sub,
    email,
    name: String(body.name ?? "").slice(0, 100),
    created_at: now,
    created_day: now.slice(0, 10), // partition key of the by_day index
  };
  try {
    await db.send(new PutCommand({
      TableName: TABLE,
      Item: user,
      ConditionExpression: "attribute_not_exists(user_id)",
    }));
  } catch (err) {
    if (err.name === "ConditionalCheckFailedException") return reply(409, { error: "already signed up" });
    throw err; // counted by the signup_errors alarm
  }
  console.log(JSON.stringify({ level: "info", msg: "signed up", user_id: user.user_id }));
  return reply(201, { user_id: user.user_id });
};
