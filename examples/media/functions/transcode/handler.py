"""FIFO transcode queue -> 720p H.264 rendition + poster thumbnail, then "media ready"."""
import json
import os
import posixpath
import subprocess
import tempfile

import boto3

s3 = boto3.client("s3")
sns = boto3.client("sns")

BUCKET = os.environ["BUCKET"]
TOPIC_ARN = os.environ["TOPIC_ARN"]
FFMPEG = "/opt/bin/ffmpeg"  # from the ffmpeg layer


def ffmpeg(*args):
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def transcode(media_id, key):
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        src = posixpath.join(tmp, "source" + posixpath.splitext(key)[1])
        mp4 = posixpath.join(tmp, "720p.mp4")
        poster = posixpath.join(tmp, "poster.jpg")
        s3.download_file(BUCKET, key, src)

        ffmpeg("-i", src, "-vf", "scale=-2:720", "-c:v", "libx264", "-preset", "veryfast",
               "-crf", "23", "-c:a", "aac", "-movflags", "+faststart", mp4)
        ffmpeg("-ss", "1", "-i", src, "-frames:v", "1", "-vf", "scale=320:-2", poster)

        rendition_key = f"renditions/{media_id}/720p.mp4"
        thumb_key = f"thumbs/{media_id}.jpg"
        s3.upload_file(mp4, BUCKET, rendition_key, ExtraArgs={"ContentType": "video/mp4"})
        s3.upload_file(poster, BUCKET, thumb_key, ExtraArgs={"ContentType": "image/jpeg"})
    return rendition_key, thumb_key


def handler(event, context):
    # batch_size = 1: exactly one record. An exception returns the message to
    # the queue; after 3 receives it moves to transcode_dlq (and pages).
    for record in event["Records"]:
        job = json.loads(record["body"])
        rendition, thumb = transcode(job["media_id"], job["key"])
        sns.publish(
            TopicArn=TOPIC_ARN,
            Message=json.dumps({"media_id": job["media_id"], "video": rendition, "thumbnail": thumb}),
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "video"}},
        )
