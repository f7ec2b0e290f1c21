"""S3 uploads/ -> image thumbnail in thumbs/, or a transcode job for videos."""
import io
import json
import os
import posixpath
import urllib.parse

import boto3

s3 = boto3.client("s3")
sqs = boto3.client("sqs")
sns = boto3.client("sns")

BUCKET = os.environ["BUCKET"]
THUMB_PREFIX = os.environ["THUMB_PREFIX"]
TRANSCODE_QUEUE_URL = os.environ["TRANSCODE_QUEUE_URL"]
TOPIC_ARN = os.environ["TOPIC_ARN"]

IMAGES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
VIDEOS = {".mp4", ".mov", ".mkv", ".webm"}
THUMB_SIZE = (320, 320)


def make_thumbnail(key, media_id):
    from PIL import Image  # installed into this directory before packaging

    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    with Image.open(io.BytesIO(body)) as img:
        img.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=85)
    thumb_key = f"{THUMB_PREFIX}{media_id}.jpg"
    s3.put_object(Bucket=BUCKET, Key=thumb_key, Body=out.getvalue(), ContentType="image/jpeg")
    return thumb_key


def publish_ready(media_id, thumb_key):
    sns.publish(
        TopicArn=TOPIC_ARN,
        Message=json.dumps({"media_id": media_id, "thumbnail": thumb_key}),
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "image"}},
    )


def enqueue_transcode(key, media_id, sequencer):
    sqs.send_message(
        QueueUrl=TRANSCODE_QUEUE_URL,
        MessageBody=json.dumps({"media_id": media_id, "key": key}),
        MessageGroupId=media_id,  # jobs for one video run in order
        MessageDeduplicationId=f"{media_id}-{sequencer}"[:128],  # S3 may deliver an event twice
    )


def handler(event, context):
    for record in event["Records"]:
        obj = record["s3"]["object"]
        key = urllib.parse.unquote_plus(obj["key"])
        parts = key.split("/")  # uploads/<media_id>/<file>
        if len(parts) != 3:
            print(json.dumps({"level": "WARN", "msg": "unexpected key layout", "key": key}))
            continue
        media_id = parts[1]
        ext = posixpath.splitext(key)[1].lower()
        if ext in IMAGES:
            publish_ready(media_id, make_thumbnail(key, media_id))
        elif ext in VIDEOS:
            enqueue_transcode(key, media_id, obj["sequencer"])
        else:
            print(json.dumps({"level": "INFO", "msg": "ignored file type", "key": key}))
