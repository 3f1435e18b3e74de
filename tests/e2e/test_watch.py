"""Watches against a real kube-apiserver: event order, resume, bookmarks and 410 Gone."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from kubeset import Config, Gone, WatchEvent, load_kubeconfig
from kubeset.config import TransportName
from kubeset.envtest import Binaries, ControlPlane
from kubeset_k8s import Clientset
from kubeset_k8s.models.core_v1 import ConfigMap
from kubeset_k8s.models.meta_v1 import ObjectMeta


def _events(events: Iterator[WatchEvent[ConfigMap]], count: int) -> list[tuple[str, str, str]]:
    out = []
    for event in events:
        meta = event.object.metadata
        out.append((event.type, meta.name if meta else "", (event.object.data or {}).get("v", "")))
        if len(out) == count:
            break
    return out


@pytest.mark.parametrize("transport", ["httpx", "fast"])
def test_live_watch_delivers_added_modified_deleted_in_order(
    config: Config, ns: str, transport: TransportName
) -> None:
    with Clientset.for_config(config.copy(transport=transport)) as cs:
        _live_watch(cs, ns)


def _live_watch(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    start = cms.list().metadata
    assert start and start.resource_version
    ready = threading.Event()

    def writer() -> None:
        ready.wait(10)
        cm = cms.create(ConfigMap(metadata=ObjectMeta(name="w"), data={"v": "1"}))
        cm.data = {"v": "2"}
        cms.update(cm)
        cms.delete("w")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with cms.watch(resource_version=start.resource_version, timeout_seconds=20) as watch:
            ready.set()
            seen = _events(iter(watch), 3)
    finally:
        ready.set()
        thread.join(10)
    assert seen == [("ADDED", "w", "1"), ("MODIFIED", "w", "2"), ("DELETED", "w", "2")]
    assert watch.resource_version and int(watch.resource_version) > int(start.resource_version)


def test_watch_resumes_from_a_resource_version(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cm = cms.create(ConfigMap(metadata=ObjectMeta(name="r"), data={"v": "1"}))
    with cms.watch(
        resource_version=cm.metadata.resource_version if cm.metadata else None, timeout_seconds=10
    ) as first:
        cm.data = {"v": "2"}
        cm = cms.update(cm)
        assert _events(iter(first), 1) == [("MODIFIED", "r", "2")]
        resume_from = first.resource_version
    # Changes made while nobody watched are replayed from where the first watch stopped.
    cm.data = {"v": "3"}
    cm = cms.update(cm)
    cms.delete("r")
    with cms.watch(resource_version=resume_from, timeout_seconds=10) as second:
        assert _events(iter(second), 2) == [("MODIFIED", "r", "3"), ("DELETED", "r", "3")]


def test_watch_ends_when_the_server_times_it_out(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    with cms.watch(timeout_seconds=1) as watch:
        assert list(watch) == []


def test_initial_events_end_with_a_bookmark(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    for name in ("x", "y"):
        cms.create(ConfigMap(metadata=ObjectMeta(name=name, labels={"b": "1"})))
    with cms.watch(
        label_selector="b=1",
        send_initial_events=True,
        allow_watch_bookmarks=True,
        resource_version_match="NotOlderThan",
        timeout_seconds=10,
    ) as watch:
        events = []
        for event in watch:
            events.append(event)
            if event.type == "BOOKMARK":
                break
    assert sorted(
        (e.type, e.object.metadata.name if e.object.metadata else None) for e in events[:2]
    ) == [
        ("ADDED", "x"),
        ("ADDED", "y"),
    ]
    bookmark = events[2].object
    assert events[2].type == "BOOKMARK" and bookmark.metadata
    assert bookmark.metadata.annotations == {"k8s.io/initial-events-end": "true"}
    assert bookmark.metadata.resource_version


@pytest.fixture(scope="module")
def uncached(envtest_binaries: Binaries) -> Iterator[ControlPlane]:
    """A control plane with the watch cache off, so watches and continue tokens read etcd
    directly and an etcd compaction makes old resourceVersions expire at once."""
    with ControlPlane(
        etcd_path=envtest_binaries.etcd,
        apiserver_path=envtest_binaries.kube_apiserver,
        extra_apiserver_flags=["--watch-cache=false"],
    ) as plane:
        yield plane


def test_gone_after_etcd_compaction(uncached: ControlPlane) -> None:
    with Clientset.for_config(load_kubeconfig(uncached.kubeconfig_path, qps=0)) as cs:
        cms = cs.core_v1().config_maps("default")
        cm = cms.create(ConfigMap(metadata=ObjectMeta(name="old"), data={"v": "0"}))
        for i in range(3):
            cms.create(ConfigMap(metadata=ObjectMeta(name=f"more-{i}")))
        page = cms.list(limit=2)
        old = cm.metadata.resource_version if cm.metadata else None
        for i in range(1, 4):
            cm.data = {"v": str(i)}
            cm = cms.update(cm)
        uncached.compact_etcd()
        with (
            pytest.raises(Gone) as watch_gone,
            cms.watch(resource_version=old, timeout_seconds=10) as watch,
        ):
            list(watch)
        assert watch_gone.value.code == 410 and watch_gone.value.reason == "Expired"
        with pytest.raises(Gone) as list_gone:
            cms.list(limit=2, continue_=page.metadata.continue_ if page.metadata else None)
        assert list_gone.value.code == 410 and "continue" in list_gone.value.message
        # A fresh list and watch from its resourceVersion work again.
        fresh = cms.list()
        assert fresh.metadata
        with cms.watch(
            resource_version=fresh.metadata.resource_version, timeout_seconds=1
        ) as watch:
            assert list(watch) == []
