"""A client-go credential plugin for tests, driven by a plan file.

    python fake_exec_plugin.py STATE_DIR

``STATE_DIR/plan.json`` lists one response per run (the last one repeats)::

    {"api_version": "client.authentication.k8s.io/v1",
     "responses": [{"token": "t1", "expires_in": 2}, {"cert": "PEM", "key": "PEM"},
                   {"exit": 3, "stderr": "boom"}, {"raw": "not json"}, {"sleep": 0.5, ...}],
     "echo_env": ["NAME"]}

Every run appends one JSON line to ``STATE_DIR/runs``: the run number, its pid, ``KUBERNETES_EXEC_INFO``,
the ``echo_env`` variables and what stdin gave, so a test can count runs exactly. Each
``expirationTimestamp`` issued is appended to ``STATE_DIR/expiries`` (POSIX seconds).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    state = Path(sys.argv[1])
    plan = json.loads((state / "plan.json").read_text())
    runs_file = state / "runs"
    run = len(runs_file.read_text().splitlines()) if runs_file.exists() else 0
    responses = plan["responses"]
    response = responses[min(run, len(responses) - 1)]
    stdin_data: str | None = None
    stdin_tty = sys.stdin is not None and sys.stdin.isatty()
    if sys.stdin is not None and not stdin_tty:  # never block on a terminal
        try:
            stdin_data = sys.stdin.read()
        except OSError:
            stdin_data = None
    record = {
        "run": run + 1,
        "pid": os.getpid(),
        "exec_info": json.loads(os.environ.get("KUBERNETES_EXEC_INFO", "null")),
        "env": {name: os.environ.get(name) for name in plan.get("echo_env", [])},
        "stdin": stdin_data,
        "stdin_tty": stdin_tty,
    }
    with runs_file.open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    if response.get("sleep"):
        time.sleep(float(response["sleep"]))
    if response.get("stderr"):
        sys.stderr.write(response["stderr"] + "\n")
        sys.stderr.flush()
    if "exit" in response:
        return int(response["exit"])
    if "raw" in response:
        sys.stdout.write(response["raw"])
        return 0
    status: dict[str, str] = {}
    if response.get("token"):
        status["token"] = response["token"]
    if response.get("cert"):
        status["clientCertificateData"] = response["cert"]
    if response.get("key"):
        status["clientKeyData"] = response["key"]
    if response.get("expires_in") is not None:
        expiry = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=float(response["expires_in"]))
        status["expirationTimestamp"] = expiry.isoformat().replace("+00:00", "Z")
        with (state / "expiries").open("a") as fh:
            fh.write(f"{expiry.timestamp()}\n")
    out = {
        "apiVersion": response.get("api_version", plan.get("api_version")),
        "kind": "ExecCredential",
        "status": status,
    }
    sys.stdout.write(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
