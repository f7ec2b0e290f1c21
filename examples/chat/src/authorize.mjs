// $connect authorizer: the client connects with ?room=ROOM&token=TOKEN, where TOKEN is the
// hex HMAC-SHA256 of the room name under the signing key kept in Secrets Manager. A WebSocket
// authorizer answers with an IAM policy; the room travels on to the route in `context`.
import { createHmac, timingSafeEqual } from "node:crypto";
import { SecretsManagerClient, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";

const secrets = new SecretsManagerClient({});
let key; // cached for the life of the execution environment

const policy = (effect, resource, context) => ({
  principalId: context?.room ?? "anonymous",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: resource }],
  },
  context,
});

export const handler = async (event) => {
  const { room = "", token = "" } = event.queryStringParameters ?? {};
  if (!/^[a-z0-9-]{1,64}$/.test(room) || !/^[0-9a-f]{64}$/.test(token)) {
    return policy("Deny", event.methodArn);
  }
  key ??= (await secrets.send(new GetSecretValueCommand({ SecretId: process.env.TOKEN_SECRET }))).SecretString;
  const expected = createHmac("sha256", key).update(room).digest();
  const ok = timingSafeEqual(expected, Buffer.from(token, "hex"));
  return ok ? policy("Allow", event.methodArn, { room }) : policy("Deny", event.methodArn);
};
