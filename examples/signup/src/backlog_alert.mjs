// Invoked through SNS when the welcome_backlog alarm changes state; posts the
// alarm to the team chat. CHAT_WEBHOOK_PARAM is an SSM parameter *name*.
import { SSMClient, GetParameterCommand } from "@aws-sdk/client-ssm";

const ssm = new SSMClient({});
const { CHAT_WEBHOOK_PARAM, QUEUE_URL } = process.env;

export const handler = async (event) => {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: CHAT_WEBHOOK_PARAM, WithDecryption: true }));
  for (const record of event.Records) {
    const alarm = JSON.parse(record.Sns.Message);
    const text = `:warning: ${alarm.AlarmName} is ${alarm.NewStateValue}: ${alarm.NewStateReason}\nQueue: ${QUEUE_URL}`;
    const res = await fetch(Parameter.Value, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    if (!res.ok) throw new Error(`chat webhook answered ${res.status}`);
  }
};
