"""Section 5: watch events decoded per second from the local replay server, sync and async.

Every subject opens ``GET /api/v1/namespaces/x/pods?watch=true`` on the replay server (plain HTTP
on 127.0.0.1, in its own process) and consumes the whole stream of N MODIFIED events, decoding
each into the client's typed object. Floor: ``orjson.loads`` of each line read with httpx's
``iter_lines`` — reading and splitting the stream plus parsing, nothing typed. kubeset runs with
httpx's own transport and with ``Config(transport="fast")`` (urllib3 / aiohttp under httpx).

Usage: ``python bench/sec_watch.py OUT.json``.
"""

from __future__ import annotations

import asyncio
import functools
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
from common import (
    KUBESET,
    KUBESET_ASYNC,
    KUBESET_ASYNC_FAST,
    KUBESET_FAST,
    LIGHTKUBE,
    OFFICIAL,
    OFFICIAL_ASYNC,
    Section,
    Settings,
    log,
    write_json,
)

FLOOR = "orjson.loads per line (floor)"
NS = "x"


def start_replay(events: int) -> tuple[subprocess.Popen[str], str]:
    bench = Path(__file__).resolve().parent
    proc = subprocess.Popen(
        [sys.executable, str(bench / "replay_server.py"), "--events", str(events)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("port "):
        proc.kill()
        raise RuntimeError(f"the replay server did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def floor(host: str, n: int, deadline: float) -> int:
    count = 0
    with (
        httpx.Client(base_url=host, timeout=None) as client,
        client.stream("GET", f"/api/v1/namespaces/{NS}/pods", params={"watch": "true"}) as resp,
    ):
        for line in resp.iter_lines():
            if line:
                orjson.loads(line)
                count += 1
                if count % 100 == 0 and time.perf_counter() > deadline:
                    break
    return count


def kubeset_sync(host: str, n: int, deadline: float, *, transport: str = "httpx") -> int:
    from kubeset import Config
    from kubeset_k8s import Clientset

    count = 0
    with (
        Clientset.for_config(Config(host=host, qps=0, transport=transport)) as cs,
        cs.core_v1().pods(NS).watch() as w,
    ):
        for _event in w:
            count += 1
            if count % 100 == 0 and time.perf_counter() > deadline:
                break
    return count


def kubeset_async(host: str, n: int, deadline: float, *, transport: str = "httpx") -> int:
    from kubeset import Config
    from kubeset_k8s import AsyncClientset

    async def run() -> int:
        count = 0
        async with (
            AsyncClientset.for_config(Config(host=host, qps=0, transport=transport)) as cs,
            cs.core_v1().pods(NS).watch() as w,
        ):
            async for _event in w:
                count += 1
                if count % 100 == 0 and time.perf_counter() > deadline:
                    break
        return count

    return asyncio.run(run())


def official_sync(host: str, n: int, deadline: float) -> int:
    from kubernetes import client, watch

    api = client.CoreV1Api(client.ApiClient(client.Configuration(host=host)))
    w = watch.Watch()
    count = 0
    for _event in w.stream(api.list_namespaced_pod, NS):
        count += 1
        # the client would reconnect when the stream ends
        if count == n or (count % 100 == 0 and time.perf_counter() > deadline):
            w.stop()
            break
    return count


def official_async(host: str, n: int, deadline: float) -> int:
    from kubernetes.aio import client, watch

    async def run() -> int:
        async with client.ApiClient(client.Configuration(host=host)) as api_client:
            api = client.CoreV1Api(api_client)
            w = watch.Watch()
            count = 0
            async with w.stream(api.list_namespaced_pod, NS) as stream:
                async for _event in stream:
                    count += 1
                    if count == n or (count % 100 == 0 and time.perf_counter() > deadline):
                        w.stop()
                        break
            return count

    return asyncio.run(run())


def lightkube_sync(host: str, n: int, deadline: float) -> int:
    from lightkube import Client, KubeConfig
    from lightkube.config.models import Cluster, User
    from lightkube.resources.core_v1 import Pod

    config = KubeConfig.from_one(cluster=Cluster(server=host), user=User())
    count = 0
    with Client(config) as c:
        for _event in c.watch(Pod, namespace=NS):
            count += 1
            if count == n or (count % 100 == 0 and time.perf_counter() > deadline):
                break
    return count


SUBJECTS: dict[str, Callable[[str, int, float], int]] = {
    FLOOR: floor,
    KUBESET: kubeset_sync,
    KUBESET_ASYNC: kubeset_async,
    KUBESET_FAST: functools.partial(kubeset_sync, transport="fast"),
    KUBESET_ASYNC_FAST: functools.partial(kubeset_async, transport="fast"),
    LIGHTKUBE: lightkube_sync,
    OFFICIAL: official_sync,
    OFFICIAL_ASYNC: official_async,
}


def _preload() -> None:
    """Import every client before the clock runs, and build kubeset's event validator."""
    import kubernetes.aio.watch
    import kubernetes.watch
    import lightkube

    from kubeset.decode import decode_event
    from kubeset.errors import RequestInfo
    from kubeset_k8s import AsyncClientset, Clientset
    from kubeset_k8s.models.core_v1 import Pod

    decode_event(Pod, b'{"type":"ADDED","object":{}}', RequestInfo("GET", "/", 200))
    del kubernetes, lightkube, AsyncClientset, Clientset


def main() -> None:
    out = Path(sys.argv[1])
    settings = Settings.from_env()
    n = settings.watch_events
    proc, host = start_replay(n)
    section = Section(
        "watch",
        f"Watch: a stream of {n:,} MODIFIED pod events over 127.0.0.1 HTTP",
        "events/s",
        "rate",
        FLOOR,
        note="sync unless named async; a subject reads the whole stream or stops after "
        f"{settings.watch_budget:.0f} s",
    )
    try:
        names = list(SUBJECTS)
        _preload()
        for rnd in range(settings.watch_repeats):
            order = names[rnd % len(names) :] + names[: rnd % len(names)]
            for name in order:
                start = time.perf_counter()
                got = SUBJECTS[name](host, n, start + settings.watch_budget)
                elapsed = time.perf_counter() - start
                if got != n and elapsed < settings.watch_budget:
                    raise RuntimeError(f"{name} saw {got} events, not {n}")
                row = section.row(name)
                row.runs.append(got / elapsed)
                row.extra.setdefault("events_read", []).append(got)
                log(f"  watch                  {name:<28} {got / elapsed:10.0f} events/s ({got:,})")
        for row in section.rows:
            if min(row.extra["events_read"]) < n:
                row.note = (
                    f"read for {settings.watch_budget:.0f} s per run (BENCH_WATCH_BUDGET), "
                    f"{min(row.extra['events_read']):,}+ events"
                )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    write_json(out, [section.to_json()])


if __name__ == "__main__":
    main()
