"""Where kubeset's import time goes: cumulative steps in fresh processes, then ``-X importtime``
self times grouped by package.

Times are CPU times, the minimum over ``--runs`` fresh processes (the least-disturbed run; the
main bench reports wall-time medians). Run:
``bench/.venv/bin/python bench/experiments/import_breakdown.py [--runs 11]``; writes
``bench/results/experiments-import.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
URL = "http://127.0.0.1:1"

# (label, code added to the previous steps)
STEPS = [
    ("import httpx", "import httpx"),
    ("import pydantic (lazy package)", "import pydantic"),
    ("from pydantic import BaseModel", "from pydantic import BaseModel"),
    ("import kubeset", "import kubeset"),
    ("import kubeset_k8s", "import kubeset_k8s"),
    ("from kubeset_k8s import Clientset", "from kubeset_k8s import Clientset"),
    (
        "Clientset.for_config(Config(...))",
        f"cs = Clientset.for_config(kubeset.Config(host='{URL}'))",
    ),
    ("cs.core_v1()", "core = cs.core_v1()"),
    ('core.pods("x")', 'pods = core.pods("x")'),
    ("from kubeset_k8s.models.core_v1 import Pod", "from kubeset_k8s.models.core_v1 import Pod"),
    ("first Pod validated", "Pod.model_validate({'metadata': {'name': 'a'}})"),
    (
        "first PodList validated",
        "from kubeset_k8s.models.core_v1 import PodList; PodList.model_validate({})",
    ),
]

ALONE = [
    ("import kubeset (alone)", "import kubeset"),
    ("import kubeset_k8s.models.core_v1 (alone)", "import kubeset_k8s.models.core_v1"),
    ("import kubeset_k8s.models.meta_v1 (alone)", "import kubeset_k8s.models.meta_v1"),
    ("import kubeset_k8s.typed.core_v1 (alone)", "import kubeset_k8s.typed.core_v1"),
    ("import kubeset_k8s.typed.apps_v1 (alone)", "import kubeset_k8s.typed.apps_v1"),
    ("floor: import httpx, pydantic", "import httpx, pydantic"),
    (
        "import httpx; from pydantic import BaseModel",
        "import httpx\nfrom pydantic import BaseModel",
    ),
    (
        "... + one deferred-build model class",
        "import httpx\nfrom pydantic import BaseModel, ConfigDict\n"
        "class M(BaseModel):\n    model_config = ConfigDict(defer_build=True)\n    a: int = 0",
    ),
]


def timed(code: str) -> float:
    """CPU time (ms) of ``code`` in a fresh interpreter: less disturbed by other processes on a
    shared machine than wall time."""
    program = f"import time\n_t = time.process_time()\n{code}\nprint(time.process_time() - _t)\n"
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout
    return float(out.strip().splitlines()[-1]) * 1000


def min_of(code: str, runs: int) -> float:
    """The minimum over ``runs`` fresh processes: on a shared machine, the least-disturbed run is
    the best estimate of what a step costs by itself (medians are in the main bench)."""
    timed(code)  # bytecode caches
    return min(timed(code) for _ in range(runs))


def importtime(code: str, runs: int) -> dict[str, float]:
    """Self time (ms) per package group, median over runs."""
    per_run: list[dict[str, float]] = []
    for _ in range(runs):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
        ).stderr
        groups: dict[str, float] = defaultdict(float)
        for line in err.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
            if not m:
                continue
            name = m.group(2)
            parts = name.split(".")
            if parts[0] in ("kubeset_k8s", "kubeset"):
                key = (
                    ".".join(parts[:3])
                    if parts[:2] in (["kubeset_k8s", "models"], ["kubeset_k8s", "typed"])
                    else ".".join(parts[:2])
                )
            else:
                key = parts[0]
            groups[key] += int(m.group(1)) / 1000
        per_run.append(groups)
    keys = set().union(*per_run)
    return {k: statistics.median(r.get(k, 0.0) for r in per_run) for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    result: dict[str, object] = {}
    steps = []
    code = ""
    previous = 0.0
    for label, line in STEPS:
        code += line + "\n"
        total = min_of(code, args.runs)
        steps.append({"step": label, "cumulative_ms": total, "step_ms": total - previous})
        print(f"{total:8.1f} ms  (+{total - previous:6.1f})  {label}", flush=True)
        previous = total
    result["steps"] = steps
    alone = []
    for label, line in ALONE:
        ms = min_of(line, args.runs)
        alone.append({"what": label, "ms": ms})
        print(f"{ms:8.1f} ms  {label}", flush=True)
    result["alone"] = alone
    snippet = "\n".join(line for _, line in STEPS[3:10])
    groups = importtime(snippet, max(3, args.runs // 2))
    top = sorted(groups.items(), key=lambda kv: -kv[1])[:30]
    print("\n-X importtime self time by package (the kubeset import snippet):")
    for name, ms in top:
        print(f"{ms:8.1f} ms  {name}")
    result["importtime_self_ms"] = dict(top)
    result["importtime_total_ms"] = sum(groups.values())
    out = HERE.parent / "results" / "experiments-import.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
