"""Section 1: import time, each run a fresh interpreter.

Each snippet imports a client, builds a client object and touches the pods API and the Pod model —
the least a program needs before its first request. The clock runs inside the child, around the
snippet only (interpreter start-up is the same for everyone and is left out). Subjects alternate,
run after run; one untimed run of each first writes the bytecode caches.

A second table adds decoding one pod from bytes to each snippet: kubeset builds its validators on
first use (``defer_build``), so this is where that cost shows.

Usage: ``python bench/sec_import.py OUT.json``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

from common import KR8S, KUBESET, LIGHTKUBE, OFFICIAL, Section, Settings, log, write_json

FLOOR = "import httpx, pydantic (floor)"
URL = "http://127.0.0.1:1"  # never contacted

SNIPPETS = {
    FLOOR: "import httpx, pydantic",
    KUBESET: f"""
        from kubeset_k8s import Clientset
        from kubeset import Config
        cs = Clientset.for_config(Config(host="{URL}"))
        pods = cs.core_v1().pods("x")
        from kubeset_k8s.models.core_v1 import Pod
    """,
    LIGHTKUBE: f"""
        from lightkube import Client, KubeConfig
        from lightkube.config.models import Cluster, User
        from lightkube.resources.core_v1 import Pod
        c = Client(KubeConfig.from_one(cluster=Cluster(server="{URL}"), user=User()))
    """,
    OFFICIAL: f"""
        from kubernetes import client
        api = client.CoreV1Api(client.ApiClient(client.Configuration(host="{URL}")))
        pods = api.list_namespaced_pod
        Pod = client.V1Pod
    """,
    KR8S: f"""
        import kr8s
        from kr8s.objects import Pod
        api = kr8s.Api(url="{URL}", bypass_factory=True)
    """,
}

POD = json.dumps(
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "a", "namespace": "x", "creationTimestamp": "2026-03-01T08:00:00Z"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}]},
        "status": {"phase": "Running", "startTime": "2026-03-01T08:00:00Z"},
    }
)

FIRST_DECODE = {
    FLOOR: "import orjson; orjson.loads(BODY)",
    KUBESET: "Pod.model_validate_json(BODY)",
    LIGHTKUBE: "from lightkube.core.decoders import decode_object; decode_object(BODY, Pod)",
    OFFICIAL: 'client.ApiClient().deserialize(BODY.decode(), "V1Pod", "application/json")',
    KR8S: "import json; Pod(json.loads(BODY), api=api)",
}


def _program(snippet: str) -> str:
    return (
        "import time\n"
        "_t0, _c0 = time.perf_counter(), time.process_time()\n"
        + textwrap.dedent(snippet).strip()
        + "\nprint(time.perf_counter() - _t0, time.process_time() - _c0)\n"
    )


#: The children may write bytecode caches whatever the caller's environment says: without them
#: every run would compile kubeset's modules from source, while the peers' (compiled by pip at
#: install) load from cache.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(snippet: str) -> tuple[float, float]:
    """Wall and CPU seconds of the snippet in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", _program(snippet)],
        capture_output=True,
        text=True,
        check=False,
        env=CHILD_ENV,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"import snippet failed:\n{snippet}\n{proc.stderr[-2000:]}")
    wall, cpu = proc.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def measure(section: Section, snippets: dict[str, str], runs: int) -> None:
    names = list(snippets)
    for name in names:  # bytecode caches
        run_once(snippets[name])
    for rnd in range(runs):
        order = names[rnd % len(names) :] + names[: rnd % len(names)]
        for name in order:
            wall, cpu = run_once(snippets[name])
            row = section.row(name)
            row.runs.append(wall * 1000)
            row.extra.setdefault("cpu_ms_runs", []).append(cpu * 1000)
    for row in section.rows:
        row.extra["cpu_ms"] = statistics.median(row.extra["cpu_ms_runs"])
        log(f"  {section.key:<22} {row.subject:<32} {row.value:8.0f} ms")


def main() -> None:
    out = Path(sys.argv[1])
    settings = Settings.from_env()
    imports = Section(
        "import",
        "Import, build a client, touch the pods API and the Pod model (fresh process)",
        "ms",
        "time",
        FLOOR,
        note=f"median of {settings.import_runs} fresh processes each",
    )
    measure(imports, SNIPPETS, settings.import_runs)
    first = Section(
        "import_first_decode",
        "The same, then decode one small Pod from bytes (first use)",
        "ms",
        "time",
        FLOOR,
        note="kubeset builds a model's validator on first use (defer_build): it shows here",
    )
    body = f"BODY = {POD.encode()!r}\n"
    measure(
        first,
        {
            name: textwrap.dedent(SNIPPETS[name]) + "\n" + body + FIRST_DECODE[name]
            for name in SNIPPETS
        },
        settings.import_runs,
    )
    write_json(out, [imports.to_json(), first.to_json()])


if __name__ == "__main__":
    main()
