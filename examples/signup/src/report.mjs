// Nightly report: yesterday's sign-ups as CSV in s3://REPORT_BUCKET/daily/.
// The schedule's `input` arrives as the event: { report, lookback_hours }.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const s3 = new S3Client({});
const { TABLE, DAY_INDEX, REPORT_BUCKET } = process.env;

const csvCell = (v) => `"${String(v ?? "").replaceAll('"', '""')}"`;

export const handler = async (event) => {
  const hours = Number(event.lookback_hours ?? 24);
  const since = new Date(Date.now() - hours * 3600_000);
  const days = new Set([since.toISOString().slice(0, 10), new Date().toISOString().slice(0, 10)]);

  const users = [];
  for (const day of days) {
    let ExclusiveStartKey;
    do {
      const page = await db.send(new QueryCommand({
        TableName: TABLE,
        IndexName: DAY_INDEX,
        KeyConditionExpression: "created_day = :d AND created_at >= :since",
        ExpressionAttributeValues: { ":d": day, ":since": since.toISOString() },
        ExclusiveStartKey,
      }));
      users.push(...page.Items);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  const csv = ["user_id,email,created_at", ...users.map((u) => [u.user_id, u.email, u.created_at].map(csvCell).join(","))].join("\n");
  const key = `daily/${event.report ?? "report"}-${new Date().toISOString().slice(0, 10)}.csv`;
  await s3.send(new PutObjectCommand({ Bucket: REPORT_BUCKET, Key: key, Body: csv, ContentType: "text/csv" }));
  return { key, signups: users.length };
};
