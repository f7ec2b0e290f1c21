"""GET /builds/{id} (IAM-authenticated): every attempt of a build, with a report link."""
import os

import boto3
from boto3.dynamodb.conditions import Key

from common import response, table

s3 = boto3.client("s3")
ARTIFACT_BUCKET = os.environ["ARTIFACT_BUCKET"]


def handler(event, context):
    build_id = event["pathParameters"]["id"]
    items = table.query(KeyConditionExpression=Key("build_id").eq(build_id))["Items"]
    if not items:
        return response(404, {"error": "no such build"})
    attempts = []
    for item in items:
        attempt = {k: item[k] for k in ("status", "queued_at", "started_at", "finished_at") if k in item}
        attempt["attempt"] = int(item["attempt"])
        if "report_key" in item:
            attempt["report_url"] = s3.generate_presigned_url(
                "get_object", Params={"Bucket": ARTIFACT_BUCKET, "Key": item["report_key"]}, ExpiresIn=900)
        attempts.append(attempt)
    first = items[0]
    return response(200, {"build_id": build_id, "repo": first["repo"], "sha": first["sha"], "attempts": attempts})
