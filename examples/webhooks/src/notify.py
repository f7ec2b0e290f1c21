"""Invoked asynchronously by the worker: report the build as a GitHub commit status.

Raising lets Lambda retry once (retries = 1); then the event goes to the
notify_failures queue (on_failure), which the lost_statuses alarm watches.
"""
import json
import urllib.request

from common import log, secret


def handler(event, context):
    if event["provider"] != "github":
        log.info("no status API configured for %s, build %s", event["provider"], event["build_id"])
        return
    req = urllib.request.Request(
        f"https://api.github.com/repos/{event['repo']}/statuses/{event['sha']}",
        method="POST",
        data=json.dumps({"state": event["state"], "context": "ci/webhooks",
                         "description": event["description"][:140]}).encode(),
        headers={"authorization": f"Bearer {secret('GITHUB_TOKEN')}",
                 "accept": "application/vnd.github+json", "content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as res:
        log.info("status %s posted for %s: HTTP %s", event["state"], event["build_id"], res.status)
