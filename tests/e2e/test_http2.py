"""HTTP/2 to the envtest kube-apiserver: many open watches do not hold up requests; watches over
HTTP/2 deliver events and close cleanly; apply conflicts are typed."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from contextlib import ExitStack

import httpx
import pytest

from kubeset import Config
from kubeset.errors import Conflict, FieldManagerConflict
from kubeset.httpclient import AsyncLaneTransport, LaneTransport
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models.core_v1 import ConfigMap
from kubeset_k8s.models.meta_v1 import ObjectMeta

pytestmark = pytest.mark.e2e

WATCHES = 200
GETS = 50


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@pytest.fixture
def h2config(config: Config) -> Config:
    pytest.importorskip("h2")
    return config.copy(http2=True)


@pytest.mark.parametrize("http2", [True, False], ids=["http2", "http1"])
def test_async_gets_stay_fast_with_200_open_watches(config: Config, ns: str, http2: bool) -> None:
    if http2:
        pytest.importorskip("h2")
    # HTTP/1.1: one connection per watch, so the stream pool needs room for 200.
    config = config.copy(http2=True) if http2 else config.copy(max_connections=250)

    async def main() -> tuple[list[float], str]:
        async with AsyncClientset.for_config(config) as acs:
            cms = acs.core_v1().config_maps(ns)
            watches = [cms.watch(timeout_seconds=60) for _ in range(WATCHES)]
            try:
                # Opened one at a time in 20s: each holds its place until closed.
                for chunk in range(0, WATCHES, 20):
                    await asyncio.gather(*(w.__aenter__() for w in watches[chunk : chunk + 20]))
                latencies = []
                for _ in range(GETS):
                    start = time.monotonic()
                    await acs.core_v1().namespaces().get(ns)
                    latencies.append(time.monotonic() - start)
                # The watches still work: one sees a new object.
                name = f"cm-{uuid.uuid4().hex[:6]}"
                await cms.create(ConfigMap(metadata=ObjectMeta(name=name)))
                async for event in watches[-1]:
                    assert event.type == "ADDED"
                    seen = event.object.metadata.name
                    break
                transport = acs.rest.http._transport
                assert isinstance(transport, AsyncLaneTransport)
                version = (await acs.rest.request(_version_request())).http_version
            finally:
                await asyncio.gather(*(w.aclose() for w in watches))
            # Closed cleanly: every place given back.
            lanes = transport._lanes
            assert lanes.unary.active == 0 and all(lane.active == 0 for lane in lanes.streams)
            # 100 streams per HTTP/2 connection; HTTP/1.1: one pool of connections
            assert 2 <= len(lanes.streams) <= 3 if http2 else len(lanes.streams) == 1
            assert seen == name
            return latencies, version

    latencies, version = asyncio.run(asyncio.wait_for(main(), 90))
    assert version == ("HTTP/2" if http2 else "HTTP/1.1")
    assert p99(latencies) < 2, sorted(latencies)[-5:]


def _version_request() -> object:
    from kubeset.request import Request

    return Request("GET", "/version")


def test_sync_gets_stay_fast_with_open_watches(h2config: Config, ns: str) -> None:
    """Sync watches, each in its own thread, and GETs on the same client (HTTP/2)."""
    watches_open = 120
    with Clientset.for_config(h2config) as cs:
        cms = cs.core_v1().config_maps(ns)
        stop = threading.Event()
        errors: list[BaseException] = []
        with ExitStack() as stack:
            opened = [
                stack.enter_context(cms.watch(timeout_seconds=30)) for _ in range(watches_open)
            ]

            def drain(w: object) -> None:
                try:
                    for _ in w:  # type: ignore[attr-defined]
                        if stop.is_set():
                            return
                except BaseException as exc:
                    if not stop.is_set():
                        errors.append(exc)

            threads = [threading.Thread(target=drain, args=(w,), daemon=True) for w in opened]
            for t in threads:
                t.start()
            latencies = []
            for _ in range(GETS):
                start = time.monotonic()
                cs.core_v1().namespaces().get(ns)
                latencies.append(time.monotonic() - start)
            assert isinstance(cs.rest.http._transport, LaneTransport)
            response = cs.rest.request(_version_request())  # type: ignore[arg-type]
            assert response.http_version == "HTTP/2"
            stop.set()
            cms.create(ConfigMap(metadata=ObjectMeta(name=f"wake-{uuid.uuid4().hex[:6]}")))
            for t in threads:
                t.join(15)
            assert not any(t.is_alive() for t in threads)
        assert not errors, errors[:3]
        assert p99(latencies) < 2, sorted(latencies)[-5:]


def test_http1_by_default(config: Config) -> None:
    assert not config.http2
    with Clientset.for_config(config) as cs:
        response = cs.rest.request(_version_request())  # type: ignore[arg-type]
        assert response.http_version == "HTTP/1.1"


def test_apply_conflict_is_a_field_manager_conflict(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    name = f"cm-{uuid.uuid4().hex[:6]}"
    cms.apply(ConfigMap(metadata=ObjectMeta(name=name), data={"k": "a"}), field_manager="one")
    with pytest.raises(FieldManagerConflict) as info:
        cms.apply(ConfigMap(metadata=ObjectMeta(name=name), data={"k": "b"}), field_manager="two")
    assert isinstance(info.value, Conflict)
    assert any(c.get("field") == ".data.k" for c in info.value.conflicts)
    # A stale resourceVersion is a plain Conflict.
    current = cms.get(name)
    assert current.metadata is not None
    current.metadata.resource_version = "1"
    with pytest.raises(Conflict) as stale:
        cms.update(current)
    assert type(stale.value) is Conflict


def test_transport_errors_are_typed_against_a_dead_port(config: Config) -> None:
    import socket

    from kubeset.errors import ConnectionFailed

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bad = config.copy(host=f"https://127.0.0.1:{port}", max_retries=0)
    with Clientset.for_config(bad) as cs, pytest.raises(ConnectionFailed) as info:
        cs.core_v1().namespaces().list()
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert f"GET https://127.0.0.1:{port}/api/v1/namespaces" in str(info.value)
