"""Helpers shared by the handlers (all functions are packaged from src/)."""
import json
import logging
import os
from datetime import datetime, timezone

import boto3

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "info").upper())
log = logging.getLogger("webhooks")

table = boto3.resource("dynamodb").Table(os.environ["BUILDS_TABLE"])
_secrets = boto3.client("secretsmanager")
_cache = {}


def secret(env_key):
    """The environment holds a Secrets Manager *name* (slsc's secret()); fetch its value once."""
    name = os.environ[env_key]
    if name not in _cache:
        _cache[name] = _secrets.get_secret_value(SecretId=name)["SecretString"]
    return _cache[name]


def now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def response(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
