"""Informers, listers and the generated factory against a real kube-apiserver, sync and async."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from kubeset import NotFound
from kubeset.cache import (
    AsyncListWatch,
    AsyncSharedInformer,
    DeletedFinalStateUnknown,
    ListWatch,
    SharedInformer,
    drop_managed_fields,
    is_compact,
)
from kubeset.dynamic import DynamicClient
from kubeset.model import to_dict
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.informers import AsyncSharedInformerFactory, SharedInformerFactory
from kubeset_k8s.models.core_v1 import ConfigMap
from kubeset_k8s.models.meta_v1 import ObjectMeta
from tests.waiting import until


def _cm(name: str, **labels: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, labels=labels or None), data={"k": name})


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.last: dict[str, Any] = {}
        self.tombstones: dict[str, DeletedFinalStateUnknown[Any]] = {}
        self.lock = threading.Lock()

    def _name(self, obj: Any) -> str:
        if isinstance(obj, DeletedFinalStateUnknown):
            return obj.key.rpartition("/")[2]
        return str(obj.metadata.name)

    def add(self, obj: Any) -> None:
        with self.lock:
            self.events.append(("add", self._name(obj)))
            self.last[self._name(obj)] = obj

    def update(self, old: Any, new: Any) -> None:
        with self.lock:
            self.events.append(("update", self._name(new)))
            self.last[self._name(new)] = new

    def delete(self, obj: Any) -> None:
        with self.lock:
            kind = "tombstone" if isinstance(obj, DeletedFinalStateUnknown) else "delete"
            if isinstance(obj, DeletedFinalStateUnknown):
                self.tombstones[self._name(obj)] = obj
            self.events.append((kind, self._name(obj)))
            self.last.pop(self._name(obj), None)


@pytest.mark.parametrize("watch_list", [True, False], ids=["streaming-list", "paged-list"])
def test_informer_follows_the_server(cs: Clientset, ns: str, watch_list: bool) -> None:
    cms = cs.core_v1().config_maps(ns)
    for i in range(7):
        cms.create(_cm(f"pre-{i}", tier="a" if i % 2 else "b"))
    rec = Recorder()
    lw = ListWatch(cms, page_size=3)
    informer = SharedInformer(lw, use_watch_list=watch_list)
    informer.add_event_handler(rec.add, rec.update, rec.delete)
    informer.start()
    try:
        assert informer.wait_for_cache_sync(timeout=15)
        assert informer.reflector.use_watch_list is watch_list
        assert len(informer.indexer) == 7
        assert until(lambda: len(rec.events) == 7)
        cms.create(_cm("new", tier="a"))
        cms.patch("pre-0", {"data": {"k": "changed"}})
        cms.delete("pre-1")
        assert until(lambda: len(rec.events) == 10), rec.events
        assert rec.events[7:] == [("add", "new"), ("update", "pre-0"), ("delete", "pre-1")]
        lister = informer.lister()
        assert sorted(c.metadata.name for c in lister.namespace(ns).list("tier=a")) == [  # type: ignore[union-attr]
            "new",
            "pre-3",
            "pre-5",
        ]
        assert lister.namespace(ns).get("pre-0").data == {"k": "changed"}
        with pytest.raises(NotFound):
            lister.namespace(ns).get("pre-1")
        # the cache equals a fresh list
        fresh = {c.metadata.name: c.metadata.resource_version for c in cms.list().items or []}  # type: ignore[union-attr]
        cached = {c.metadata.name: c.metadata.resource_version for c in informer.indexer.list()}  # type: ignore[union-attr]
        assert cached == fresh
    finally:
        informer.stop(timeout=2)


def test_relist_after_gone_delivers_tombstones(cs: Clientset, ns: str) -> None:
    """A watch whose version expired (410) makes the reflector list again; objects deleted while
    it was not watching reach on_delete as DeletedFinalStateUnknown with their last state."""
    cms = cs.core_v1().config_maps(ns)
    for name in ("keep", "gone"):
        cms.create(_cm(name))
    rec = Recorder()
    informer = SharedInformer(ListWatch(cms), use_watch_list=False)
    informer.add_event_handler(rec.add, rec.update, rec.delete)
    # Sync by hand (no watch yet), then change the server behind the informer's back.
    items, version = informer.lw.list()
    informer.replace(items, version)
    cms.delete("gone")
    cms.create(_cm("late"))
    informer.reflector.last_sync_resource_version = "1"  # long compacted: the watch answers 410
    informer.start()
    try:
        assert until(lambda: ("tombstone", "gone") in rec.events and ("add", "late") in rec.events)
        tomb = rec.tombstones["gone"]
        assert tomb.key == f"{ns}/gone" and tomb.obj.data == {"k": "gone"}  # its last state
        assert informer.reflector.relists >= 1
        assert sorted(informer.indexer.list_keys()) == [f"{ns}/keep", f"{ns}/late"]
    finally:
        informer.stop(timeout=2)


def test_handler_errors_are_isolated_and_resync_redelivers(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(_cm("one"))
    calls: list[str] = []

    def broken(obj: Any) -> None:
        calls.append("broken")
        raise RuntimeError("handler bug")

    updates: list[str] = []
    informer = SharedInformer(ListWatch(cms), resync=0.5)
    informer.add_event_handler(on_add=broken)
    informer.add_event_handler(on_update=lambda old, new: updates.append(new.metadata.name))
    informer.start()
    try:
        assert informer.wait_for_cache_sync(timeout=15)
        assert until(lambda: len(updates) >= 2)  # resync: on_update(obj, obj) every 0.5 s
        cms.create(_cm("two"))
        assert until(lambda: calls.count("broken") == 2)  # the informer went on after the bug
    finally:
        informer.stop(timeout=2)


def test_transform_and_late_handler(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(_cm("a"))

    def strip(obj: Any) -> Any:
        obj.metadata.managed_fields = None
        return obj

    informer = SharedInformer(ListWatch(cms), transform=strip)
    informer.start()
    try:
        assert informer.wait_for_cache_sync(timeout=15)
        cached = informer.indexer.get_by_key(f"{ns}/a")
        assert cached is not None and cached.metadata.managed_fields is None  # type: ignore[union-attr]
        late: list[str] = []
        informer.add_event_handler(on_add=lambda o: late.append(o.metadata.name))
        assert until(lambda: late == ["a"])  # a late handler first sees what is cached
    finally:
        informer.stop(timeout=2)


@pytest.mark.parametrize("watch_list", [True, False], ids=["streaming-list", "paged-list"])
def test_cached_objects_are_compact_and_lossless(cs: Clientset, ns: str, watch_list: bool) -> None:
    """The cache holds compact objects (validated on first touch) that equal what a GET returns,
    field for field; drop_managed_fields takes managedFields off the text and nothing else."""
    cms = cs.core_v1().config_maps(ns)
    for i in range(3):
        cms.create(_cm(f"c-{i}", app="x"))
    plain = SharedInformer(ListWatch(cms, page_size=2), use_watch_list=watch_list)
    dropped = SharedInformer(
        ListWatch(cms, page_size=2), use_watch_list=watch_list, transform=drop_managed_fields
    )
    plain.start()
    dropped.start()
    try:
        assert plain.wait_for_cache_sync(timeout=15) and dropped.wait_for_cache_sync(timeout=15)
        cms.patch("c-1", {"data": {"k": "v2"}})  # a watch event, besides the list
        for informer in (plain, dropped):
            assert until(
                lambda i=informer: (
                    (c := i.indexer.get_by_key(f"{ns}/c-1")) is not None
                    and c.metadata.resource_version == cms.get("c-1").metadata.resource_version
                )
            )
        for i in range(3):
            key = f"{ns}/c-{i}"
            a, b = plain.indexer.get_by_key(key), dropped.indexer.get_by_key(key)
            assert isinstance(a, ConfigMap) and isinstance(b, ConfigMap)
            if i != 1:  # not touched yet: still compact; keys, labels and selectors need no model
                assert is_compact(a) and is_compact(b)
            live = to_dict(cms.get(f"c-{i}"))
            live.pop("kind"), live.pop("apiVersion")  # list items and events may omit them
            got = {k: v for k, v in to_dict(a).items() if k not in ("kind", "apiVersion")}
            assert got == live
            assert live["metadata"]["managedFields"]
            live["metadata"].pop("managedFields")
            got = {k: v for k, v in to_dict(b).items() if k not in ("kind", "apiVersion")}
            assert got == live
        assert len(plain.lister().namespace(ns).list("app=x")) == 3
    finally:
        plain.stop(timeout=2)
        dropped.stop(timeout=2)


def test_generated_factory_and_listers(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(_cm("x", app="web"))
    factory = SharedInformerFactory(
        cs, namespace=ns, tweak_list_options=lambda o: o.update(label_selector="app=web")
    )
    config_maps = factory.core_v1().config_maps()
    assert config_maps.informer() is factory.core_v1().config_maps().informer()  # shared
    metadata = config_maps.metadata_informer()
    factory.start()
    try:
        assert factory.wait_for_cache_sync(timeout=15)
        lister = config_maps.lister()
        assert [c.metadata.name for c in lister.config_maps(ns).list()] == ["x"]  # type: ignore[union-attr]
        assert lister.config_maps(ns).get("x").data == {"k": "x"}
        cms.create(_cm("y", app="db"))  # filtered out by the tweak
        cms.create(_cm("z", app="web"))
        assert until(lambda: len(lister.list()) == 2)
        assert sorted(m.metadata.name for m in metadata.indexer.list()) in (["x"], ["x", "z"])  # type: ignore[union-attr]
        assert type(metadata.indexer.list()[0]).__name__ == "PartialObjectMetadata"
    finally:
        factory.shutdown(timeout=2)


def test_dynamic_informer(cs: Clientset, ns: str, config: Any) -> None:
    cs.core_v1().config_maps(ns).create(_cm("d"))
    with DynamicClient.for_config(config) as dyn:
        resource = dyn.resource("v1", "ConfigMap", namespace=ns)
        factory = SharedInformerFactory(cs)
        informer = factory.dynamic_informer(resource)
        factory.start()
        try:
            assert factory.wait_for_cache_sync(timeout=15)
            assert informer.lister().namespace(ns).get("d")["data"] == {"k": "d"}
        finally:
            factory.shutdown(timeout=2)


@pytest.mark.anyio
async def test_async_informer_and_factory(acs: AsyncClientset, ns: str) -> None:
    cms = acs.core_v1().config_maps(ns)
    await cms.create(_cm("a1"))
    seen: list[str] = []

    async def on_add(obj: Any) -> None:
        seen.append(obj.metadata.name)

    informer = AsyncSharedInformer(AsyncListWatch(cms))
    informer.add_event_handler(on_add=on_add)
    async with informer:
        assert await informer.wait_for_cache_sync(timeout=15)
        await cms.create(_cm("a2"))
        for _ in range(100):
            if seen == ["a1", "a2"]:
                break
            await asyncio.sleep(0.05)
        assert seen == ["a1", "a2"]

    async with AsyncSharedInformerFactory(acs, namespace=ns) as factory:
        pods_and_cms = factory.core_v1().config_maps()
        pods_and_cms.informer()
        factory.start()
        assert await factory.wait_for_cache_sync(timeout=15)
        assert sorted(c.metadata.name for c in pods_and_cms.lister().list()) == ["a1", "a2"]  # type: ignore[union-attr]
