"""builds queue -> a small CI run: download the commit's archive, check it, store artifacts.

The "build" checks that every .py file compiles and every .json file parses;
the archive and a report.json land in s3://ARTIFACT_BUCKET/builds/<id>/<attempt>/.
"""
import io
import json
import os
import tarfile
import time
import urllib.request

import boto3

from common import log, now, table

s3 = boto3.client("s3")
lam = boto3.client("lambda")
ARTIFACT_BUCKET = os.environ["ARTIFACT_BUCKET"]
NOTIFY_FUNCTION = os.environ["NOTIFY_FUNCTION"]
TTL_SECONDS = int(os.environ["BUILD_TTL_DAYS"]) * 86400
MAX_ARCHIVE = 200 * 1024 * 1024


def check(archive):
    problems, files = [], 0
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            files += 1
            if member.name.endswith((".py", ".json")):
                text = tar.extractfile(member).read()
                try:
                    compile(text, member.name, "exec") if member.name.endswith(".py") else json.loads(text)
                except (SyntaxError, ValueError) as err:
                    problems.append({"file": member.name, "error": str(err)})
    return files, problems


def run_build(job, attempt):
    key = {"build_id": job["build_id"], "attempt": attempt}
    expires_at = int(time.time()) + TTL_SECONDS
    table.put_item(Item={**job, **key, "status": "running", "started_at": now(), "expires_at": expires_at})

    with urllib.request.urlopen(job["archive_url"], timeout=60) as res:
        archive = res.read(MAX_ARCHIVE + 1)
    if len(archive) > MAX_ARCHIVE:
        raise ValueError("archive too large")
    files, problems = check(archive)
    state = "success" if not problems else "failure"

    prefix = f"builds/{job['build_id']}/{attempt}/"
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key=prefix + "source.tar.gz", Body=archive)
    report = {"repo": job["repo"], "sha": job["sha"], "files": files, "problems": problems}
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key=prefix + "report.json", Body=json.dumps(report, indent=2),
                  ContentType="application/json")
    table.update_item(
        Key=key,
        UpdateExpression="SET #s = :s, finished_at = :f, report_key = :r",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": state, ":f": now(), ":r": prefix + "report.json"},
    )
    # Fire and forget: notify has its own retries and an on_failure queue.
    lam.invoke(FunctionName=NOTIFY_FUNCTION, InvocationType="Event", Payload=json.dumps({
        **job, "state": state, "description": f"{files} files, {len(problems)} problems"}).encode())


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            run_build(json.loads(record["body"]), int(record["attributes"]["ApproximateReceiveCount"]))
        except Exception:
            log.exception("build failed: message %s", record["messageId"])
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}  # partial_failures = true on the trigger
