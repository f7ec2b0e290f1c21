#!/usr/bin/env python3
"""checkov's pass rate on slsc's output, with the defaults and with the strict profile.

Builds every project given for both targets, runs checkov (pinned by the caller) once per
framework, and prints the pass rate (passed / (passed + failed) over every check on every
resource) and the failing checks. Each project is also built under the strict profile: a copy
whose `app` block gets `profile = "strict"` and what it requires (a key in the app's region, a
VPC, a code-signing configuration, an access-log bucket), with any `log_retention` of the app
removed (strict defaults it to 365 days).

Exits 1 when
  - a default rate is below its floor (--min-cloudformation / --min-terraform), or
  - a check fails on strict output and docs/checkov.md does not list it as not applicable
    (its "Not applicable under the strict profile" table), or
  - checkov could not parse a file.

    python3 tests/checkov_rates.py --slsc target/debug/slsc --checkov CHECKOV \\
        --work DIR --min-cloudformation 77 --min-terraform 72 examples/* PROJECT...

Documentation: docs/checkov.md. Python 3.9+ standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRICT = """  profile             = "strict"
  kms_key             = "arn:aws:kms:{region}:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  code_signing_config = "arn:aws:lambda:{region}:123456789012:code-signing-config:csc-0a1b2c3d4e5f60718"
  access_logs_bucket  = "example-access-logs-123456789012"
  vpc = {{
    subnet_ids         = ["subnet-0a1b2c3d4e5f60718"]
    security_group_ids = ["sg-0a1b2c3d4e5f60718"]
  }}
"""


def strict_copy(src: Path, dst: Path) -> None:
    """A copy of project `src` under the strict profile (see the module doc)."""
    shutil.copytree(src, dst)
    for f in sorted(dst.rglob("*.sls")):
        text = f.read_text()
        m = re.search(r'^app "[^"]+" \{\n', text, flags=re.M)
        if not m:
            continue
        end = text.find("\n}", m.end())
        body = text[m.end() : end]
        if "profile" in body and '"strict"' in body:
            return  # already strict
        body = re.sub(r"^\s*log_retention\s*=.*\n", "", body + "\n", flags=re.M).rstrip("\n")
        head = STRICT.format(region=region_of(body, dst))
        f.write_text(text[: m.end()] + head + body + text[end:])
        return
    raise SystemExit(f"checkov_rates: no app block in {src}")


def region_of(app_body: str, project: Path) -> str:
    """The app's region: a literal, or a variable's default (`region = var.region`)."""
    m = re.search(r'^\s*region\s*=\s*(?:"([^"]+)"|var\.(\w+))', app_body, flags=re.M)
    if not m:
        return "us-east-1"
    if m.group(1):
        return m.group(1)
    for f in project.rglob("*.sls"):
        v = re.search(r'variable "%s" \{[^}]*?default\s*=\s*"([^"]+)"' % m.group(2), f.read_text(), flags=re.S)
        if v:
            return v.group(1)
    raise SystemExit(f"checkov_rates: cannot tell the region of {project}")


def build(slsc: str, project: Path, out: Path) -> tuple[list[Path], list[Path]]:
    cf, tf = out / "cloudformation", out / "terraform"
    for target, d in (("cloudformation", cf), ("terraform", tf)):
        r = subprocess.run([slsc, "build", str(project), "--target", target, "--out", str(d)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"checkov_rates: slsc build {project} --target {target} failed:\n{r.stderr}")
    cf_files = [cf / "template.json"] + sorted((cf / "nested").glob("*.json"))
    return cf_files, [tf / "main.tf.json"]


def scan(checkov: str, framework: str, files: list[Path], report: Path) -> list[dict]:
    args = [checkov, "--framework", framework, "-o", "json", "--skip-download", "--soft-fail"]
    for f in files:
        args += ["-f", str(f)]
    r = subprocess.run(args, capture_output=True, text=True, cwd=report.parent)
    if r.returncode != 0:
        raise SystemExit(f"checkov_rates: checkov --framework {framework} did not run:\n{r.stderr[-4000:]}")
    report.write_text(r.stdout)
    data = json.loads(r.stdout)
    reports = [x for x in (data if isinstance(data, list) else [data]) if x.get("check_type") == framework]
    problems = [p for x in reports for p in x.get("results", {}).get("parsing_errors", [])]
    if problems:
        raise SystemExit(f"checkov_rates: checkov could not parse: {problems}")
    return reports


def tally(reports: list[dict], prefix: Path) -> tuple[int, int, Counter]:
    """Passed, failed and the failing check ids, over the files under `prefix`."""
    passed = failed = 0
    ids: Counter = Counter()
    for x in reports:
        res = x.get("results", {})
        for c in res.get("passed_checks", []):
            if os.path.realpath(c.get("file_abs_path", "")).startswith(str(prefix)):
                passed += 1
        for c in res.get("failed_checks", []):
            if os.path.realpath(c.get("file_abs_path", "")).startswith(str(prefix)):
                failed += 1
                ids[c["check_id"]] += 1
    return passed, failed, ids


def not_applicable() -> set[str]:
    """The check ids docs/checkov.md lists as not applicable under the strict profile."""
    text = (ROOT / "docs/checkov.md").read_text()
    m = re.search(r"^## Not applicable under the strict profile\n(.*?)(^## |\Z)", text, flags=re.M | re.S)
    if not m:
        raise SystemExit("checkov_rates: docs/checkov.md has no 'Not applicable under the strict profile' section")
    return set(re.findall(r"^\| (CKV2?_AWS_\d+) ", m.group(1), flags=re.M))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slsc", required=True)
    ap.add_argument("--checkov", required=True)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--min-cloudformation", type=float, default=0)
    ap.add_argument("--min-terraform", type=float, default=0)
    ap.add_argument("--as-is", action="append", type=Path, default=[],
                    help="a project measured only as written (under its own profile), e.g. the "
                    "every-feature projects, which turn defaults off on purpose")
    ap.add_argument("projects", nargs="*", type=Path)
    a = ap.parse_args()
    work = a.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    files = {("default", "cloudformation"): [], ("default", "terraform_json"): [],
             ("strict", "cloudformation"): [], ("strict", "terraform_json"): []}
    def name_of(p: Path) -> str:
        p = p.resolve()
        return p.parent.name if p.name == "project" else p.name

    builds = []
    for p in a.projects:
        strict_src = work / "strict-src" / name_of(p)
        strict_copy(p, strict_src)
        builds += [("default", p), ("strict", strict_src)]
    for p in a.as_is:
        is_strict = any(re.search(r'^\s*profile\s*=\s*"strict"', f.read_text(), flags=re.M)
                        for f in p.rglob("*.sls"))
        builds.append(("strict" if is_strict else "default", p))
    for profile, src in builds:
        cf, tf = build(a.slsc, src, work / profile / name_of(src))
        files[(profile, "cloudformation")] += cf
        files[(profile, "terraform_json")] += tf
    failed_run = False
    allowed = not_applicable()
    print("| output | profile | checks passed | failed | pass rate | failing checks (count) |")
    print("|---|---|---:|---:|---:|---|")
    for framework, floor in (("cloudformation", a.min_cloudformation), ("terraform_json", a.min_terraform)):
        both = files[("default", framework)] + files[("strict", framework)]
        reports = scan(a.checkov, framework, both, work / f"checkov-{framework}.json")
        for profile in ("default", "strict"):
            passed, failed, ids = tally(reports, work / profile)
            rate = 100.0 * passed / max(1, passed + failed)
            listed = ", ".join(f"{k} ({v})" for k, v in sorted(ids.items(), key=lambda x: (-x[1], x[0])))
            print(f"| {framework} | {profile} | {passed} | {failed} | {rate:.1f} % | {listed} |")
            if profile == "default" and rate < floor:
                print(f"checkov_rates: {framework} pass rate {rate:.1f} % is below its floor {floor} %", file=sys.stderr)
                failed_run = True
            if profile == "strict":
                unlisted = sorted(set(ids) - allowed)
                if unlisted:
                    print(f"checkov_rates: under the strict profile {framework} fails {', '.join(unlisted)}, "
                          "which docs/checkov.md does not list as not applicable", file=sys.stderr)
                    failed_run = True
    return 1 if failed_run else 0


if __name__ == "__main__":
    sys.exit(main())
