// welcome queue -> welcome mail (SES) + newsletter subscription (third-party API).
// Reports partial batch failures so only the failed messages are retried.
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { SecretsManagerClient, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";

const ses = new SESv2Client({});
const secrets = new SecretsManagerClient({});
const { FROM_ADDRESS, NEWSLETTER_URL, MAIL_API_KEY } = process.env;

// MAIL_API_KEY holds the secret's *name*; the value is fetched once per container.
let apiKey;
const getApiKey = async () => {
  apiKey ??= (await secrets.send(new GetSecretValueCommand({ SecretId: MAIL_API_KEY }))).SecretString;
  return apiKey;
};

const welcome = async ({ email, name }) => {
  await ses.send(new SendEmailCommand({
    FromEmailAddress: FROM_ADDRESS,
    Destination: { ToAddresses: [email] },
    Content: {
      Simple: {
        Subject: { Data: "Welcome aboard!" },
        Body: { Text: { Data: `Hi ${name || "there"},\n\nthanks for signing up. We're glad you're here.\n` } },
      },
    },
  }));

  const res = await fetch(NEWSLETTER_URL, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await getApiKey()}` },
    body: JSON.stringify({ email, name, list: "product-updates" }),
  });
  // 409: already subscribed, which is fine on a retry.
  if (!res.ok && res.status !== 409) throw new Error(`newsletter API answered ${res.status}`);
};

export const handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      await welcome(JSON.parse(record.body));
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: err.message, messageId: record.messageId }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
