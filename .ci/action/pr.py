#!/usr/bin/env python3
"""The slsc GitHub Action (action.yml at the repository root): check a project, plan the pull
request's change, and post the plan as one comment on the pull request — created on the first
run, updated on every later one.

    python3 .ci/action/pr.py --project DIR [--target cloudformation|terraform] [--slsc BIN]
                             [--fail-on-data-loss]

Reads the pull-request event at $GITHUB_EVENT_PATH; talks to $GITHUB_API_URL (default
https://api.github.com) with $GITHUB_TOKEN, for $GITHUB_REPOSITORY. Exit codes, as people
expect from a check:
  0  the project checks (warnings allowed) and the plan was made (changes or not);
  1  `slsc check` found errors, the plan failed, or (with --fail-on-data-loss) the plan loses
     data; the comment is posted in every case where there is something to say.
Also writes `check-exitcode` and `plan-exitcode` to $GITHUB_OUTPUT and the comment to
$GITHUB_STEP_SUMMARY when they are set. Python 3.9+ standard library only. Tested by
tests/action.rs against a recorded event and a fake API.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

MARKER = "<!-- slsc-plan -->"


def api(method: str, path: str, body: dict | None = None) -> object:
    base = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Accept", "application/vnd.github+json")
    req.add_header("X-GitHub-Api-Version", "2022-11-28")
    req.add_header("User-Agent", "slsc-action")
    token = os.environ.get("GITHUB_TOKEN", "")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
    except urllib.error.HTTPError as e:
        raise SystemExit(f"slsc action: {method} {path}: HTTP {e.code}: {e.read().decode()[:500]}")
    return json.loads(text) if text else None


def existing_comment(repo: str, number: int) -> int | None:
    """The id of the comment an earlier run posted (it starts with the marker)."""
    page = 1
    while True:
        comments = api("GET", f"/repos/{repo}/issues/{number}/comments?per_page=100&page={page}")
        for c in comments or []:
            if str(c.get("body", "")).startswith(MARKER):
                return int(c["id"])
        if not comments or len(comments) < 100:
            return None
        page += 1


def run(cmd: list[str]) -> tuple[int, str, str]:
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--project", default=".")
    ap.add_argument("--target", default="cloudformation", choices=["cloudformation", "terraform"])
    ap.add_argument("--slsc", default="slsc")
    ap.add_argument("--fail-on-data-loss", action="store_true")
    a = ap.parse_args()
    event_path = os.environ.get("GITHUB_EVENT_PATH")
    repo = os.environ.get("GITHUB_REPOSITORY")
    if not event_path or not repo:
        raise SystemExit("slsc action: GITHUB_EVENT_PATH and GITHUB_REPOSITORY must be set")
    with open(event_path) as f:
        event = json.load(f)
    pr = event.get("pull_request")
    if not pr:
        raise SystemExit("slsc action: the event is not a pull request (run it on `pull_request`)")
    number, base = int(pr["number"]), pr["base"]["sha"]

    # The check's findings as annotations (GitHub reads them from the step's output).
    check_code, out, err = run([a.slsc, "check", a.project, "--format", "github"])
    sys.stdout.write(out)
    sys.stderr.write(err)
    summary = (err.strip().splitlines() or ["slsc check ran"])[-1]
    plan_code, plan, perr = run([a.slsc, "plan", a.project, "--base-ref", base, "--target", a.target,
                                 "--format", "markdown", "--detailed-exitcode"])
    sys.stderr.write(perr)
    if plan_code == 1:
        plan = "The plan failed:\n\n```\n" + perr.strip()[-3000:] + "\n```\n"
    loses_data = plan_code == 2 and "data loss" in plan.lower()

    status = "errors: the pull request cannot be deployed" if check_code == 1 else "passes"
    body = (f"{MARKER}\n### slsc\n\n**check** {status} — {summary}\n\n"
            f"**plan** against `{pr['base']['ref']}` ({base[:7]}), target {a.target}:\n\n{plan.strip()}\n")
    existing = existing_comment(repo, number)
    if existing is None:
        api("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body})
    else:
        api("PATCH", f"/repos/{repo}/issues/comments/{existing}", {"body": body})

    for var, text in (("GITHUB_OUTPUT", f"check-exitcode={check_code}\nplan-exitcode={plan_code}\n"),
                      ("GITHUB_STEP_SUMMARY", body)):
        if os.environ.get(var):
            with open(os.environ[var], "a") as f:
                f.write(text)
    failed = check_code == 1 or plan_code == 1 or (a.fail_on_data_loss and loses_data)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
