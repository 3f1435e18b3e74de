"""Section 6: requests per second against a real kube-apiserver (envtest), rate limiting off.

One ConfigMap ``default/x`` is read N times: sequentially (one client, one connection), and with
20 concurrent asyncio tasks (kubernetes.aio for the official client; its sync client in 20 threads
beside it). Floors: httpx ``GET`` + ``orjson.loads`` with the same TLS client certificate,
sequential (``httpx.Client``) and 20 tasks (``httpx.AsyncClient``) — kubeset's transport alone.
urllib3 (the official client's transport) and aiohttp (kubernetes.aio's) do the same as extra
rows, to show what the transports themselves cost. kubeset runs twice: with httpx's own transport
(the default) and with ``Config(transport="fast")`` (urllib3 under ``httpx.Client``, aiohttp under
``httpx.AsyncClient``).

Usage: ``python bench/sec_requests.py OUT.json``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson
from common import (
    KUBESET,
    KUBESET_ASYNC,
    KUBESET_ASYNC_FAST,
    KUBESET_FAST,
    OFFICIAL,
    OFFICIAL_ASYNC,
    Section,
    Settings,
    log,
    median,
    write_json,
)

NAME, NS = "x", "default"
PATH = f"/api/v1/namespaces/{NS}/configmaps/{NAME}"
FLOOR_SEQ = "httpx + orjson (floor)"
FLOOR_CONC = "httpx async + orjson (floor)"
URLLIB3 = "urllib3 + orjson (transport only)"
AIOHTTP = "aiohttp + orjson (transport only)"
OFFICIAL_THREADS = "kubernetes (official), threads"
#: Requests of the burst section, all started at once.
BURST = 1000


def _split(n: int, workers: int) -> list[int]:
    return [n // workers + (1 if i < n % workers else 0) for i in range(workers)]


class Subjects:
    """Clients made once (connections warm), each with a ``run(n)`` per mode."""

    def __init__(self, cp: Any, settings: Settings) -> None:
        from kubernetes import client as k8s_client
        from kubernetes import config as k8s_config

        from kubeset import load_kubeconfig

        self.cp = cp
        self.workers = settings.concurrency
        self.kubeconfig = str(cp.kubeconfig_path)
        self.config = load_kubeconfig(self.kubeconfig).copy(qps=0)
        cfg = k8s_client.Configuration()
        k8s_config.load_kube_config(config_file=self.kubeconfig, client_configuration=cfg)
        cfg.connection_pool_maxsize = self.workers
        self.official_cfg = cfg
        self.official = k8s_client.CoreV1Api(k8s_client.ApiClient(cfg))
        self.http = httpx.Client(base_url=cp.host, verify=cp.ssl_context())
        import urllib3

        host, port = cp.host.removeprefix("https://").rsplit(":", 1)
        self.pool = urllib3.HTTPSConnectionPool(host, int(port), ssl_context=cp.ssl_context())
        from kubeset_k8s import Clientset

        self.cs = Clientset.for_config(self.config)
        self.fast_config = self.config.copy(transport="fast")
        self.cs_fast = Clientset.for_config(self.fast_config)

    def close(self) -> None:
        self.http.close()
        self.cs.close()
        self.cs_fast.close()

    # sequential
    def floor_seq(self, n: int) -> None:
        for _ in range(n):
            r = self.http.get(PATH)
            r.raise_for_status()
            orjson.loads(r.content)

    def urllib3_seq(self, n: int) -> None:
        for _ in range(n):
            r = self.pool.request("GET", PATH)
            if r.status != 200:
                raise RuntimeError(f"GET {PATH}: {r.status}")
            orjson.loads(r.data)

    def kubeset_seq(self, n: int) -> None:
        cms = self.cs.core_v1().config_maps(NS)
        for _ in range(n):
            cms.get(NAME)

    def kubeset_fast_seq(self, n: int) -> None:
        cms = self.cs_fast.core_v1().config_maps(NS)
        for _ in range(n):
            cms.get(NAME)

    def official_seq(self, n: int) -> None:
        for _ in range(n):
            self.official.read_namespaced_config_map(NAME, NS)

    # concurrent
    def floor_conc(self, n: int) -> None:
        async def run() -> None:
            limits = httpx.Limits(max_connections=self.workers)
            async with httpx.AsyncClient(
                base_url=self.cp.host, verify=self.cp.ssl_context(), limits=limits
            ) as http:

                async def worker(k: int) -> None:
                    for _ in range(k):
                        r = await http.get(PATH)
                        r.raise_for_status()
                        orjson.loads(r.content)

                await asyncio.gather(*(worker(k) for k in _split(n, self.workers)))

        asyncio.run(run())

    def aiohttp_conc(self, n: int) -> None:
        import aiohttp

        async def run() -> None:
            connector = aiohttp.TCPConnector(ssl=self.cp.ssl_context(), limit=self.workers)
            async with aiohttp.ClientSession(self.cp.host, connector=connector) as session:

                async def worker(k: int) -> None:
                    for _ in range(k):
                        async with session.get(PATH) as r:
                            r.raise_for_status()
                            orjson.loads(await r.read())

                await asyncio.gather(*(worker(k) for k in _split(n, self.workers)))

        asyncio.run(run())

    def kubeset_conc(
        self, n: int, *, fast: bool = False, http2: bool = False, workers: int | None = None
    ) -> None:
        from kubeset_k8s import AsyncClientset

        config = self.fast_config if fast else self.config
        if http2:
            config = config.copy(http2=True)
        tasks = workers or self.workers

        async def run() -> None:
            async with AsyncClientset.for_config(config) as cs:
                cms = cs.core_v1().config_maps(NS)

                async def worker(k: int) -> None:
                    for _ in range(k):
                        await cms.get(NAME)

                await asyncio.gather(*(worker(k) for k in _split(n, tasks)))

        asyncio.run(run())

    def kubeset_fast_conc(self, n: int) -> None:
        self.kubeset_conc(n, fast=True)

    # 1,000 tasks at once, one GET each (issue: client CPU must not grow with the queue)
    def kubeset_burst(self, n: int) -> None:
        self.kubeset_conc(n, workers=n)

    def kubeset_burst_http2(self, n: int) -> None:
        self.kubeset_conc(n, http2=True, workers=n)

    def kubeset_fast_burst(self, n: int) -> None:
        self.kubeset_conc(n, fast=True, workers=n)

    def official_async_burst(self, n: int) -> None:
        self.official_async_conc(n, workers=n, pool=100)

    def official_async_conc(self, n: int, *, workers: int | None = None, pool: int = 0) -> None:
        from kubernetes.aio import client, config

        tasks = workers or self.workers

        async def run() -> None:
            cfg = client.Configuration()
            await config.load_kube_config(config_file=self.kubeconfig, client_configuration=cfg)
            cfg.connection_pool_maxsize = pool or self.workers
            async with client.ApiClient(cfg) as api_client:
                api = client.CoreV1Api(api_client)

                async def worker(k: int) -> None:
                    for _ in range(k):
                        await api.read_namespaced_config_map(NAME, NS)

                await asyncio.gather(*(worker(k) for k in _split(n, tasks)))

        asyncio.run(run())

    def official_threads(self, n: int) -> None:
        with ThreadPoolExecutor(self.workers) as pool:
            list(pool.map(self.official_seq, _split(n, self.workers)))


def _measure(section: Section, subjects: dict[str, Callable[[int], None]], n: int, r: int) -> None:
    names = list(subjects)
    for name in names:  # warm: connections, imports, validators
        subjects[name](50)
    for rnd in range(r):
        order = names[rnd % len(names) :] + names[: rnd % len(names)]
        for name in order:
            start, cpu = time.perf_counter(), time.process_time()
            subjects[name](n)
            rate = n / (time.perf_counter() - start)
            row = section.row(name)
            row.runs.append(rate)
            row.extra.setdefault("client_cpu_us", []).append((time.process_time() - cpu) / n * 1e6)
            log(f"  {section.key:<22} {name:<28} {rate:10.0f} requests/s")
    for row in section.rows:
        row.extra["client_cpu_us_per_request"] = median(row.extra.pop("client_cpu_us"))


def main() -> None:
    from kubeset.envtest import ControlPlane

    out = Path(sys.argv[1])
    settings = Settings.from_env()
    n = settings.requests
    with ControlPlane() as cp:
        s = Subjects(cp, settings)
        s.http.post(
            f"/api/v1/namespaces/{NS}/configmaps",
            json={"metadata": {"name": NAME, "labels": {"app": "bench"}}, "data": {"k": "v" * 64}},
        ).raise_for_status()
        seq = Section(
            "requests_seq",
            f"{n:,} sequential GETs of one ConfigMap (envtest kube-apiserver, TLS)",
            "requests/s",
            "rate",
            FLOOR_SEQ,
            note="rate limiting off (kubeset qps=0; the official client has none); the API server "
            "shares the 2 CPUs, so client CPU per request is shown too",
        )
        _measure(
            seq,
            {
                FLOOR_SEQ: s.floor_seq,
                KUBESET: s.kubeset_seq,
                KUBESET_FAST: s.kubeset_fast_seq,
                OFFICIAL: s.official_seq,
                URLLIB3: s.urllib3_seq,
            },
            n,
            settings.request_repeats,
        )
        conc = Section(
            "requests_concurrent",
            f"{n:,} GETs from {settings.concurrency} concurrent tasks",
            "requests/s",
            "rate",
            FLOOR_CONC,
            note="asyncio tasks; the official sync client in threads for comparison",
        )
        _measure(
            conc,
            {
                FLOOR_CONC: s.floor_conc,
                KUBESET_ASYNC: s.kubeset_conc,
                KUBESET_ASYNC_FAST: s.kubeset_fast_conc,
                OFFICIAL_ASYNC: s.official_async_conc,
                OFFICIAL_THREADS: s.official_threads,
                AIOHTTP: s.aiohttp_conc,
            },
            n,
            settings.request_repeats,
        )
        burst = Section(
            "requests_burst",
            f"{BURST:,} GETs started at once ({BURST:,} asyncio tasks, one GET each)",
            "requests/s",
            "rate",
            OFFICIAL_ASYNC,
            note="client CPU per request is the figure to read: it must not grow with the number "
            "of queued requests (kubeset admits requests into the connection pool no faster than "
            "it can carry them); the official client with a pool of 100 connections",
        )
        _measure(
            burst,
            {
                OFFICIAL_ASYNC: s.official_async_burst,
                KUBESET_ASYNC: s.kubeset_burst,
                KUBESET_ASYNC + ", HTTP/2": s.kubeset_burst_http2,
                KUBESET_ASYNC_FAST: s.kubeset_fast_burst,
            },
            BURST,
            settings.request_repeats,
        )
        s.close()
    write_json(out, [seq.to_json(), conc.to_json(), burst.to_json()])


if __name__ == "__main__":
    main()
