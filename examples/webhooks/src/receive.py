"""POST /hooks/{provider}: verify the delivery's signature, record it, queue a build."""
import base64
import hashlib
import hmac
import json
import os
import time

import boto3
from botocore.exceptions import ClientError

from common import log, now, response, secret, table

sqs = boto3.client("sqs")
QUEUE_URL = os.environ["QUEUE_URL"]
TTL_SECONDS = int(os.environ["BUILD_TTL_DAYS"]) * 86400


def verified(provider, headers, raw):
    if provider == "github":
        expected = "sha256=" + hmac.new(secret("GITHUB_WEBHOOK_SECRET").encode(), raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(headers.get("x-hub-signature-256", ""), expected)
    if provider == "gitlab":
        return hmac.compare_digest(headers.get("x-gitlab-token", ""), secret("GITLAB_WEBHOOK_TOKEN"))
    return False


def push_job(provider, headers, payload):
    """The build job for a push event, or None for events we ignore."""
    if provider == "github" and headers.get("x-github-event") == "push" and not payload.get("deleted"):
        repo, sha = payload["repository"]["full_name"], payload["after"]
        return {"build_id": headers["x-github-delivery"], "repo": repo, "sha": sha,
                "archive_url": f"https://codeload.github.com/{repo}/tar.gz/{sha}"}
    if provider == "gitlab" and headers.get("x-gitlab-event") == "Push Hook" and payload.get("checkout_sha"):
        project, sha = payload["project"], payload["checkout_sha"]
        return {"build_id": headers.get("x-gitlab-event-uuid") or hashlib.sha256(json.dumps(payload).encode()).hexdigest(),
                "repo": project["path_with_namespace"], "sha": sha,
                "archive_url": f"{project['web_url']}/-/archive/{sha}/archive.tar.gz"}
    return None


def handler(event, context):
    provider = event["pathParameters"]["provider"]
    if provider not in ("github", "gitlab"):
        return response(404, {"error": f"unknown provider {provider}"})
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    if not verified(provider, headers, raw):
        return response(401, {"error": "bad signature"})

    job = push_job(provider, headers, json.loads(raw))
    if job is None:
        return response(202, {"ignored": True})
    job["provider"] = provider

    try:  # the delivery id is the build id: a redelivered webhook is not a second build
        table.put_item(
            Item={**job, "attempt": 0, "status": "queued", "queued_at": now(),
                  "expires_at": int(time.time()) + TTL_SECONDS},
            ConditionExpression="attribute_not_exists(build_id)",
        )
    except ClientError as err:
        if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return response(200, {"build_id": job["build_id"], "duplicate": True})
        raise
    try:
        sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(job))
    except Exception:
        table.delete_item(Key={"build_id": job["build_id"], "attempt": 0})  # let the provider retry
        raise
    log.info("queued build %s for %s@%s", job["build_id"], job["repo"], job["sha"])
    return response(202, {"build_id": job["build_id"]})
