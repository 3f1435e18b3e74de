"""Section 9: what a unit test's server costs — 1,000 create+get+list cycles of a ConfigMap through
the same kubeset clientset on three backends.

- ``kubeset.fake``: the in-memory API server (full semantics: resourceVersions, managedFields,
  selectors, watch history);
- respx mocks: three canned routes answering the create, the get and the list with fixed JSON —
  what tests without a fake write by hand today, and the floor (no server logic at all);
- envtest: a real kube-apiserver and etcd on 127.0.0.1 (``kubeset.envtest.ControlPlane``).

One cycle: ``create`` a ConfigMap, ``get`` it, ``list`` the namespace with a field selector on its
name (one item, so the list's cost does not grow with the cycles). Each subject runs in a fresh
process; the time covers the cycles only (the fake's server, the mock routes and the control plane
are made before the clock starts).

Usage: ``python bench/sec_fake.py OUT.json``; ``--child SUBJECT CYCLES`` runs one measurement.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import Section, Settings, log, write_json

FAKE = "kubeset.fake"
RESPX = "respx mocks (canned responses)"
ENVTEST = "envtest (kube-apiserver + etcd)"
SUBJECTS = [RESPX, FAKE, ENVTEST]
NS = "bench"


def _cycles(cs: Any, n: int) -> float:
    from kubeset_k8s.models.core_v1 import ConfigMap
    from kubeset_k8s.models.meta_v1 import ObjectMeta

    cms = cs.core_v1().config_maps(NS)
    start = time.perf_counter()
    for i in range(n):
        name = f"cm-{i}"
        cms.create(ConfigMap(metadata=ObjectMeta(name=name), data={"k": str(i)}))
        got = cms.get(name)
        assert got.data == {"k": str(i)} or got.data == {"k": "0"}
        listed = cms.list(field_selector=f"metadata.name={name}")
        assert len(listed.items or []) == 1
    return time.perf_counter() - start


def _respx(n: int) -> float:
    import httpx
    import respx

    from kubeset import Config
    from kubeset_k8s import Clientset

    host = "https://mock.invalid"
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm-0", "namespace": NS, "resourceVersion": "1", "uid": "u"},
        "data": {"k": "0"},
    }
    listed = {"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {}, "items": [cm]}
    with respx.mock(base_url=host, assert_all_called=True) as mock:
        base = f"/api/v1/namespaces/{NS}/configmaps"
        mock.post(base).mock(return_value=httpx.Response(201, json=cm))
        mock.get(base).mock(return_value=httpx.Response(200, json=listed))
        mock.get(url__regex=rf"{base}/[^/?]+$").mock(return_value=httpx.Response(200, json=cm))
        with Clientset.for_config(Config(host=host, qps=0)) as cs:
            return _cycles(cs, n)


def _fake(n: int) -> float:
    from kubeset.fake import fake_clientset
    from kubeset_k8s import Clientset

    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}
    cs = fake_clientset(Clientset, namespace)
    cs.core_v1().namespaces().get(NS)  # the server's first request (imports) before the clock
    return _cycles(cs, n)


def _envtest(n: int) -> float:
    from kubeset import load_kubeconfig
    from kubeset.envtest import ControlPlane
    from kubeset_k8s import Clientset

    with ControlPlane() as cp:
        config = load_kubeconfig(cp.kubeconfig_path, qps=0)
        with Clientset.for_config(config) as cs:
            cs.core_v1().namespaces().create({"metadata": {"name": NS}})
            return _cycles(cs, n)


CHILDREN = {RESPX: _respx, FAKE: _fake, ENVTEST: _envtest}


def main() -> None:
    if sys.argv[1] == "--child":
        seconds = CHILDREN[sys.argv[2]](int(sys.argv[3]))
        print(json.dumps({"seconds": seconds}))
        sys.stdout.flush()
        os._exit(0)
    settings = Settings.from_env()
    cycles = int(os.environ.get("BENCH_FAKE_CYCLES") or (200 if settings.quick else 1000))
    repeats = 1 if settings.quick else 3
    section = Section(
        "fake_cycles",
        f"Test servers: {cycles:,} create+get+list cycles through one kubeset Clientset",
        "s",
        "time",
        RESPX,
        note="a fresh process per run; the clock covers the cycles only",
    )
    for name in SUBJECTS:
        section.row(name)
    for _ in range(repeats):
        for name in SUBJECTS:
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", name, str(cycles)],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"{name} failed:\n{proc.stderr[-3000:]}")
            seconds = json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]
            section.row(name).runs.append(seconds)
            log(f"  fake_cycles            {name:<40} {seconds:7.2f} s")
    write_json(Path(sys.argv[-1]), [section.to_json()])


if __name__ == "__main__":
    main()
