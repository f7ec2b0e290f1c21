// topic.media_ready (kind = "video" only, filtered by SNS) -> POST to a webhook.
// WEBHOOK_URL_PARAM is the *name* of an SSM SecureString parameter.
import { SSMClient, GetParameterCommand } from "@aws-sdk/client-ssm";

const ssm = new SSMClient({});
let webhookUrl;

export const handler = async (event) => {
  webhookUrl ??= (await ssm.send(new GetParameterCommand({
    Name: process.env.WEBHOOK_URL_PARAM,
    WithDecryption: true,
  }))).Parameter.Value;

  for (const record of event.Records) {
    const ready = JSON.parse(record.Sns.Message);
    const res = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ event: "media.ready", ...ready }),
    });
    // A throw makes Lambda retry the async invocation (twice by default).
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }
};
