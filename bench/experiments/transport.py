"""Why kubeset's request rate trails the official client's: the transports, measured alone.

Against an envtest kube-apiserver, N GETs of one ConfigMap: rate and client CPU per request, for
kubeset and for the bare transports (httpx, urllib3, aiohttp), sequentially and from 20 asyncio
tasks. Two variants probe httpcore's async overheads:

- ``sniffio`` present: httpcore 1.0.x imports ``sniffio`` each time it sets up an async lock; when
  the package is not installed (anyio 4 no longer needs it) that is a failed import — a search of
  every ``sys.path`` entry — per lock, several per request. The variant puts a stand-in module in
  ``sys.modules`` (what installing ``sniffio`` does).
- fewer connections: httpcore's pool scans every connection for every queued request.

Run: ``bench/.venv/bin/python bench/experiments/transport.py [--requests 1000]``; writes
``bench/results/experiments-transport.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

HERE = Path(__file__).resolve().parent
PATH = "/api/v1/namespaces/default/configmaps/x"
WORKERS = 20


def _split(n: int, k: int) -> list[int]:
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _sniffio(present: bool) -> None:
    if present:
        shim = types.ModuleType("sniffio")
        shim.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
        sys.modules["sniffio"] = shim
    else:
        sys.modules.pop("sniffio", None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = args.requests

    import urllib3
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config

    from kubeset import load_kubeconfig
    from kubeset.envtest import ControlPlane
    from kubeset_k8s import AsyncClientset, Clientset

    with ControlPlane() as cp:
        kubeconfig = str(cp.kubeconfig_path)
        config = load_kubeconfig(kubeconfig).copy(qps=0)
        http = httpx.Client(base_url=cp.host, verify=cp.ssl_context())
        http.post(
            "/api/v1/namespaces/default/configmaps",
            json={"metadata": {"name": "x"}, "data": {"k": "v" * 64}},
        ).raise_for_status()
        host, port = cp.host.removeprefix("https://").rsplit(":", 1)
        pool = urllib3.HTTPSConnectionPool(host, int(port), ssl_context=cp.ssl_context())
        cs = Clientset.for_config(config)
        cfg = k8s_client.Configuration()
        k8s_config.load_kube_config(config_file=kubeconfig, client_configuration=cfg)
        official = k8s_client.CoreV1Api(k8s_client.ApiClient(cfg))

        def httpx_seq(k: int) -> None:
            for _ in range(k):
                orjson.loads(http.get(PATH).content)

        def urllib3_seq(k: int) -> None:
            for _ in range(k):
                orjson.loads(pool.request("GET", PATH).data)

        def kubeset_seq(k: int) -> None:
            cms = cs.core_v1().config_maps("default")
            for _ in range(k):
                cms.get("x")

        def official_seq(k: int) -> None:
            for _ in range(k):
                official.read_namespaced_config_map("x", "default")

        def httpx_async(connections: int, sniffio: bool) -> Callable[[int], None]:
            def run(k: int) -> None:
                _sniffio(sniffio)

                async def go() -> None:
                    limits = httpx.Limits(max_connections=connections)
                    async with httpx.AsyncClient(
                        base_url=cp.host, verify=cp.ssl_context(), limits=limits
                    ) as c:

                        async def worker(m: int) -> None:
                            for _ in range(m):
                                orjson.loads((await c.get(PATH)).content)

                        await asyncio.gather(*(worker(m) for m in _split(k, WORKERS)))

                asyncio.run(go())
                _sniffio(False)

            return run

        def kubeset_async(sniffio: bool) -> Callable[[int], None]:
            def run(k: int) -> None:
                _sniffio(sniffio)

                async def go() -> None:
                    async with AsyncClientset.for_config(config) as acs:
                        cms = acs.core_v1().config_maps("default")

                        async def worker(m: int) -> None:
                            for _ in range(m):
                                await cms.get("x")

                        await asyncio.gather(*(worker(m) for m in _split(k, WORKERS)))

                asyncio.run(go())
                _sniffio(False)

            return run

        def aiohttp_conc(k: int) -> None:
            import aiohttp

            async def go() -> None:
                connector = aiohttp.TCPConnector(ssl=cp.ssl_context(), limit=WORKERS)
                async with aiohttp.ClientSession(cp.host, connector=connector) as s:

                    async def worker(m: int) -> None:
                        for _ in range(m):
                            async with s.get(PATH) as r:
                                orjson.loads(await r.read())

                    await asyncio.gather(*(worker(m) for m in _split(k, WORKERS)))

            asyncio.run(go())

        subjects: dict[str, Callable[[int], None]] = {
            "sequential: httpx": httpx_seq,
            "sequential: urllib3": urllib3_seq,
            "sequential: kubeset": kubeset_seq,
            "sequential: kubernetes (official)": official_seq,
            "20 tasks: httpx async, 20 connections": httpx_async(WORKERS, False),
            "20 tasks: httpx async, 20 connections, sniffio present": httpx_async(WORKERS, True),
            "20 tasks: httpx async, 5 connections, sniffio present": httpx_async(5, True),
            "20 tasks: kubeset async": kubeset_async(False),
            "20 tasks: kubeset async, sniffio present": kubeset_async(True),
            "20 tasks: aiohttp": aiohttp_conc,
        }
        results: dict[str, dict[str, list[float]]] = {k: {"rate": [], "cpu": []} for k in subjects}
        for fn in subjects.values():
            fn(50)
        for _ in range(args.rounds):
            for name, fn in subjects.items():
                start, cpu = time.perf_counter(), time.process_time()
                fn(n)
                results[name]["rate"].append(n / (time.perf_counter() - start))
                results[name]["cpu"].append((time.process_time() - cpu) / n * 1e6)
        rows: list[dict[str, Any]] = []
        for name, r in results.items():
            rate, cpu = statistics.median(r["rate"]), statistics.median(r["cpu"])
            rows.append({"subject": name, "requests_per_s": rate, "client_cpu_us": cpu})
            print(f"{rate:8.0f} req/s  {cpu:7.0f} us CPU/request  {name}", flush=True)
        http.close()
        cs.close()
    out = HERE.parent / "results" / "experiments-transport.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"requests": n, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
