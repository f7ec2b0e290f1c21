#!/usr/bin/env python3
"""Latency of `slsc lsp`: how long after a keystroke the diagnostics are published.

Generates the side-by-side application of N functions (benches/side_by_side.py --generate-only,
100 functions per file), starts `slsc lsp` in it, opens one file and sends R edits (each changes
one function's memory), timing each from the didChange to the publishDiagnostics of the edited
file and of the last file of the project. Prints the median and the 90th percentile.

    python3 benches/lsp_latency.py --slsc target/release/slsc --n 1000 -r 30

Documentation: docs/performance.md. Python 3.9+ standard library only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def send(p, msg):
    body = json.dumps(msg).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    p.stdin.flush()


def read(p):
    n = 0
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("slsc lsp closed its output")
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    return json.loads(p.stdout.read(n))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slsc", default=str(ROOT / "target/release/slsc"))
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("-r", "--repetitions", type=int, default=30)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, str(ROOT / "benches/side_by_side.py"), "--n", str(a.n),
                        "--generate-only", "--work", work], check=True, capture_output=True)
        proj = Path(work) / f"n{a.n}" / "sls"
        files = sorted(proj.glob("*.sls"))
        edited = files[1]
        text = edited.read_text()
        uri = edited.resolve().as_uri()
        last_uri = files[-1].resolve().as_uri()
        p = subprocess.Popen([str(Path(a.slsc).resolve()), "lsp"], cwd=proj, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        send(p, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
        read(p)

        def change(version, new_text, method="textDocument/didChange"):
            if method == "textDocument/didOpen":
                params = {"textDocument": {"uri": uri, "languageId": "sls", "version": version, "text": new_text}}
            else:
                params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": new_text}]}
            t0 = time.perf_counter()
            send(p, {"jsonrpc": "2.0", "method": method, "params": params})
            own = None
            while True:
                m = read(p)
                if m.get("method") != "textDocument/publishDiagnostics":
                    continue
                if m["params"]["uri"] == uri and own is None:
                    own = time.perf_counter() - t0
                if m["params"]["uri"] == last_uri:
                    return own, time.perf_counter() - t0

        change(1, text, "textDocument/didOpen")
        own_times, all_times = [], []
        for i in range(a.repetitions):
            memory = 128 + 64 * (i % 8)
            new = text.replace("memory", f"memory = {memory} #", 1) if i % 2 else text
            own, total = change(i + 2, new)
            own_times.append(own)
            all_times.append(total)
        send(p, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        read(p)
        send(p, {"jsonrpc": "2.0", "method": "exit"})
        p.wait(timeout=10)

    def ms(xs, q):
        xs = sorted(xs)
        return 1000 * (statistics.median(xs) if q == 50 else xs[min(len(xs) - 1, int(len(xs) * 0.9))])

    print(f"slsc lsp, {a.n} functions in {len(files)} files, {a.repetitions} edits:")
    print(f"  edited file's diagnostics: median {ms(own_times, 50):.1f} ms, p90 {ms(own_times, 90):.1f} ms")
    print(f"  every file's diagnostics:  median {ms(all_times, 50):.1f} ms, p90 {ms(all_times, 90):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
