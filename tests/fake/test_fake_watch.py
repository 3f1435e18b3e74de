"""Watches on the fake server: history, 410, bookmarks, initial events, selectors, timeouts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import kubeset_k8s
from kubeset import errors
from kubeset.fake import FakeServer


def cm(name: str, ns: str = "default", **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, **meta},
    }


@pytest.fixture
def server() -> FakeServer:
    return FakeServer(bookmark_interval=0.1)


@pytest.fixture
def cs(server: FakeServer) -> Iterator[kubeset_k8s.Clientset]:
    with server.clientset(kubeset_k8s.Clientset) as clientset:
        yield clientset


def test_raw_lines_keep_type_first(server: FakeServer) -> None:
    server.add_objects(cm("a"))
    http = httpx.Client(transport=server.transport(), base_url=server.config().host)
    params = {"watch": "true", "timeoutSeconds": "1"}
    with http, http.stream("GET", "/api/v1/namespaces/default/configmaps", params=params) as resp:
        assert resp.status_code == 200
        line = next(resp.iter_lines())
    assert line.startswith('{"type":"ADDED","object":{')
    assert json.loads(line)["object"]["metadata"]["name"] == "a"


def test_watch_from_resource_version(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a"))
    rv = server.resource_version
    client = cs.core_v1().config_maps("default")
    client.create(cm("b"))
    client.patch("a", {"data": {"x": "1"}})
    client.delete("b")
    with client.watch(resource_version=rv, timeout_seconds=1) as w:
        events = [(e.type, e.object.metadata.name) for e in w if e.object.metadata]
    assert events == [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]


def test_watch_initial_added_then_changes(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a"))
    client = cs.core_v1().config_maps("default")
    seen: list[tuple[str, str]] = []
    with client.watch(timeout_seconds=5) as w:
        for event in w:
            assert event.object.metadata is not None
            seen.append((event.type, event.object.metadata.name or ""))
            if len(seen) == 1:
                threading.Thread(target=lambda: client.create(cm("b"))).start()
            if len(seen) == 2:
                break
    assert seen == [("ADDED", "a"), ("ADDED", "b")]


def test_watch_too_old_is_gone(cs: kubeset_k8s.Clientset) -> None:
    server = FakeServer(history=2)
    server.add_objects(*(cm(f"c{i}") for i in range(5)))
    client = server.clientset(kubeset_k8s.Clientset)
    w = client.core_v1().config_maps("default").watch(resource_version="1", timeout_seconds=1)
    with client, pytest.raises(errors.Gone) as info, w:
        list(w)
    assert info.value.reason == "Expired"
    assert info.value.message.startswith("too old resource version: 1 (")


def test_bookmarks(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a"))
    rv = server.resource_version
    with (
        cs.core_v1()
        .config_maps("default")
        .watch(resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=2) as w
    ):
        for event in w:
            assert event.type == "BOOKMARK"
            assert (
                event.object.metadata is not None and event.object.metadata.resource_version == rv
            )
            break


def test_send_initial_events(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a"), cm("b"))
    types = []
    with (
        cs.core_v1()
        .config_maps("default")
        .watch(
            send_initial_events=True,
            resource_version_match="NotOlderThan",
            allow_watch_bookmarks=True,
            timeout_seconds=2,
        ) as w
    ):
        for event in w:
            types.append(event.type)
            if event.type == "BOOKMARK":
                md = event.object.metadata
                assert md is not None and md.annotations == {"k8s.io/initial-events-end": "true"}
                assert md.resource_version == server.resource_version
                break
    assert types == ["ADDED", "ADDED", "BOOKMARK"]


def test_send_initial_events_needs_match(cs: kubeset_k8s.Clientset) -> None:
    w = cs.core_v1().config_maps("default").watch(send_initial_events=True)
    with pytest.raises(errors.Invalid), w:
        list(w)


def test_timeout_ends_stream(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    start = time.monotonic()
    with (
        cs.core_v1()
        .config_maps("default")
        .watch(resource_version=server.resource_version, timeout_seconds=1) as w
    ):
        assert list(w) == []
    assert 0.9 <= time.monotonic() - start < 3


def test_selector_transitions(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a", labels={"app": "x"}))
    rv = server.resource_version
    client = cs.core_v1().config_maps("default")
    client.patch("a", {"metadata": {"labels": {"app": "y"}}})
    client.patch("a", {"metadata": {"labels": {"app": "x"}}})
    client.patch("a", {"data": {"k": "v"}})
    with client.watch(resource_version=rv, label_selector="app=x", timeout_seconds=1) as w:
        events = [
            (e.type, (e.object.metadata.labels or {}).get("app")) for e in w if e.object.metadata
        ]
    assert events == [("DELETED", "x"), ("ADDED", "x"), ("MODIFIED", "x")]


def test_field_selector_watch(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a"), cm("b"))
    with (
        cs.core_v1()
        .config_maps("default")
        .watch(field_selector="metadata.name=b", timeout_seconds=1) as w
    ):
        names = [e.object.metadata.name for e in w if e.object.metadata]
    assert names == ["b"]


def test_namespace_scoped_watch(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a", ns="one"), cm("b", ns="two"))
    with cs.core_v1().config_maps("two").watch(timeout_seconds=1) as w:
        assert [e.object.metadata.name for e in w if e.object.metadata] == ["b"]
    with cs.core_v1().config_maps("").watch(timeout_seconds=1) as w:
        assert len(list(w)) == 2


def test_close_ends_stream_promptly(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    w = (
        cs.core_v1()
        .config_maps("default")
        .watch(resource_version=server.resource_version, timeout_seconds=30)
    )
    result: list[Any] = []

    def read() -> None:
        try:
            result.extend(w)
        except errors.KubesetError as exc:
            result.append(exc)

    with w:
        thread = threading.Thread(target=read)
        thread.start()
        time.sleep(0.1)
        w.interrupt()
        thread.join(timeout=3)
        assert not thread.is_alive()
    assert len(result) == 1 and isinstance(result[0], errors.ConnectionFailed)


def test_close_watches(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    w = (
        cs.core_v1()
        .config_maps("default")
        .watch(resource_version=server.resource_version, timeout_seconds=30)
    )
    threading.Timer(0.2, server.close_watches).start()
    start = time.monotonic()
    with w:
        assert list(w) == []
    assert time.monotonic() - start < 3


def test_metadata_watch(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a"))
    with cs.core_v1().config_maps("default").watch_metadata(timeout_seconds=1) as w:
        (event,) = list(w)
    assert event.object.kind == "PartialObjectMetadata"


@pytest.mark.anyio
async def test_async_watch(server: FakeServer) -> None:
    import anyio

    server.add_objects(cm("a"))
    async with server.async_clientset(kubeset_k8s.AsyncClientset) as acs:
        client = acs.core_v1().config_maps("default")
        seen: list[str] = []
        async with client.watch(timeout_seconds=5) as w:
            async for event in w:
                assert event.object.metadata is not None
                seen.append(f"{event.type}:{event.object.metadata.name}")
                if len(seen) == 1:
                    await client.create(cm("b"))
                if len(seen) == 2:
                    break
        assert seen == ["ADDED:a", "ADDED:b"]
        # the event loop stays free while a watch waits
        ticks = 0
        quiet = client.watch(resource_version=server.resource_version, timeout_seconds=1)

        async def tick() -> None:
            nonlocal ticks
            for _ in range(10):
                ticks += 1
                await anyio.sleep(0.01)

        async with quiet as w, anyio.create_task_group() as tg:
            tg.start_soon(tick)
            assert [e async for e in w] == []
        assert ticks == 10


@pytest.mark.anyio
async def test_async_gone(server: FakeServer) -> None:
    small = FakeServer(history=2)
    small.add_objects(*(cm(f"c{i}") for i in range(4)))
    async with small.async_clientset(kubeset_k8s.AsyncClientset) as acs:
        with pytest.raises(errors.Gone):
            async with acs.core_v1().config_maps("default").watch(resource_version="1") as w:
                async for _ in w:
                    pass
