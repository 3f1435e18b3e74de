"""Watches: from a resourceVersion, resume, selectors, the streaming list, 410 Gone; informers."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from kubeset import Gone
from kubeset.cache import ListWatch, RetryWatcher, SharedInformer
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models.core_v1 import ConfigMap
from kubeset_k8s.models.meta_v1 import ObjectMeta
from tests.conformance.conftest import Backend
from tests.waiting import until


def cm(name: str, **labels: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, labels=labels or None), data={"k": name})


def collect(w: Any, n: int, timeout: float = 10) -> list[tuple[str, str, str]]:
    """The first ``n`` events of watch ``w`` as (type, name, resourceVersion)."""
    out: list[tuple[str, str, str]] = []
    deadline = time.monotonic() + timeout
    with w:
        for event in w:
            meta = event.object.metadata
            out.append((event.type, str(meta.name), str(meta.resource_version)))
            if len(out) >= n or time.monotonic() > deadline:
                break
    return out


def test_watch_from_a_list_version(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(cm("before"))
    listed = cms.list()
    assert listed.metadata is not None
    start = listed.metadata.resource_version
    a = cms.create(cm("a"))
    cms.patch("a", {"data": {"k": "2"}})
    cms.delete("a")
    events = collect(cms.watch(resource_version=start, timeout_seconds=10), 3)
    assert [(t, n) for t, n, _ in events] == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
    versions = [int(v) for _, _, v in events]
    assert versions == sorted(versions)
    assert a.metadata is not None and events[0][2] == a.metadata.resource_version


def test_resume_from_the_middle(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    made = [cms.create(cm(f"c{i}")) for i in range(4)]
    middle = made[1].metadata.resource_version  # type: ignore[union-attr]
    events = collect(cms.watch(resource_version=middle, timeout_seconds=10), 2)
    assert [(t, n) for t, n, _ in events] == [("ADDED", "c2"), ("ADDED", "c3")]


def test_watch_with_a_label_selector_sees_objects_leave_and_enter(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(cm("a", app="x"))
    listed = cms.list(label_selector="app=x")
    assert listed.metadata is not None
    w = cms.watch(
        label_selector="app=x",
        resource_version=listed.metadata.resource_version,
        timeout_seconds=10,
    )
    cms.patch("a", {"metadata": {"labels": {"app": "y"}}})
    cms.create(cm("other", app="y"))
    cms.patch("a", {"metadata": {"labels": {"app": "x"}}})
    events = collect(w, 2)
    assert [(t, n) for t, n, _ in events] == [("DELETED", "a"), ("ADDED", "a")]


def test_streaming_list_ends_with_the_bookmark(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    for name in ("a", "b"):
        cms.create(cm(name))
    seen: list[str] = []
    with cms.watch(
        send_initial_events=True,
        resource_version_match="NotOlderThan",
        allow_watch_bookmarks=True,
        timeout_seconds=10,
    ) as w:
        for event in w:
            if event.type == "BOOKMARK":
                annotations = event.object.metadata.annotations or {}  # type: ignore[union-attr]
                assert annotations.get("k8s.io/initial-events-end") == "true"
                assert event.object.metadata.resource_version  # type: ignore[union-attr]
                break
            seen.append(f"{event.type} {event.object.metadata.name}")  # type: ignore[union-attr]
    assert sorted(seen) == ["ADDED a", "ADDED b"]


def test_an_expired_version_is_gone(backend: Backend, cs: Clientset, ns: str) -> None:
    """A version older than the server's retained history (the watch cache's window; the fake's
    ``history``) is answered with an ERROR event carrying 410, raised as Gone."""
    cms = cs.core_v1().config_maps(ns)
    cms.create(cm("a"))
    for i in range(3):
        cms.patch("a", {"data": {"k": str(i)}})
    backend.expire_history(cs)
    cms.patch("a", {"data": {"k": "after"}})
    with pytest.raises(Gone) as gone:
        collect(cms.watch(resource_version="1", timeout_seconds=5), 1)
    assert gone.value.code == 410
    assert gone.value.message.startswith("too old resource version: 1 (")


def test_retry_watcher_and_informer(backend: Backend, cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(cm("pre"))
    informer = SharedInformer(ListWatch(cms))
    seen: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(kind: str) -> Any:
        def handler(*objs: Any) -> None:
            obj = objs[-1]
            name = obj.key.rpartition("/")[2] if hasattr(obj, "key") else obj.metadata.name
            with lock:
                seen.append((kind, name))

        return handler

    informer.add_event_handler(record("add"), record("update"), record("delete"))
    informer.start()
    try:
        assert informer.wait_for_cache_sync(timeout=15)
        listed = cms.list()
        retry = RetryWatcher(ListWatch(cms), listed.metadata.resource_version)  # type: ignore[union-attr]
        cms.create(cm("new"))
        cms.patch("pre", {"data": {"k": "x"}})
        cms.delete("new")
        events = []
        for event in retry:
            events.append((event.type, event.object.metadata.name))
            if len(events) == 3:
                break
        retry.stop()
        assert events == [("ADDED", "new"), ("MODIFIED", "pre"), ("DELETED", "new")]
        assert until(lambda: len(seen) == 4), seen
        assert seen == [("add", "pre"), ("add", "new"), ("update", "pre"), ("delete", "new")]
        cached = {o.metadata.name: o.metadata.resource_version for o in informer.indexer.list()}  # type: ignore[union-attr]
        fresh = {o.metadata.name: o.metadata.resource_version for o in cms.list().items or []}  # type: ignore[union-attr]
        assert cached == fresh
    finally:
        informer.stop(timeout=2)


@pytest.mark.anyio
async def test_async_watch(acs: AsyncClientset, ns: str) -> None:
    cms = acs.core_v1().config_maps(ns)
    listed = await cms.list()
    await cms.create(cm("a"))
    await cms.delete("a")
    got = []
    async with cms.watch(
        resource_version=listed.metadata.resource_version, timeout_seconds=10
    ) as w:  # type: ignore[union-attr]
        async for event in w:
            got.append((event.type, event.object.metadata.name))  # type: ignore[union-attr]
            if len(got) == 2:
                break
    assert got == [("ADDED", "a"), ("DELETED", "a")]
