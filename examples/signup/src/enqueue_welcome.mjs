// Users table stream -> welcome queue. Only INSERTs matter (new sign-ups).
// A thrown error makes Lambda retry the batch; after 3 retries the batch
// metadata goes to the stream_failures queue (the trigger's on_failure).
import { SQSClient, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { unmarshall } from "@aws-sdk/util-dynamodb";

const sqs = new SQSClient({});
const { QUEUE_URL } = process.env;

export const handler = async (event) => {
  const messages = event.Records
    .filter((r) => r.eventName === "INSERT")
    .map((r) => {
      const user = unmarshall(r.dynamodb.NewImage);
      return {
        Id: r.eventID.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 80),
        MessageBody: JSON.stringify({ user_id: user.user_id, email: user.email, name: user.name }),
      };
    });

  for (let i = 0; i < messages.length; i += 10) {
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries: messages.slice(i, i + 10) }));
    if (out.Failed?.length) throw new Error(`could not enqueue ${out.Failed.length} welcome messages`);
  }
  return { enqueued: messages.length };
};
