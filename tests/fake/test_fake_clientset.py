"""The real clientsets (sync and async), the dynamic client and the informers on the fake."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import kubeset_k8s
from kubeset import errors
from kubeset.cache import (
    AsyncListWatch,
    AsyncSharedInformer,
    ListWatch,
    RetryWatcher,
    SharedInformer,
)
from kubeset.fake import FakeServer, fake_clientset
from kubeset_k8s.models.core_v1 import Pod
from kubeset_k8s.models.meta_v1 import ObjectMeta


def pod(name: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def test_sync_informer_syncs_and_follows() -> None:
    server = FakeServer(bookmark_interval=0.2)
    server.add_objects(pod("a", ns="one"), pod("b", ns="two"))
    with server.clientset(kubeset_k8s.Clientset) as cs:
        informer = SharedInformer(ListWatch(cs.core_v1().pods("")))
        added: list[str] = []
        deleted: list[str] = []
        informer.add_event_handler(
            on_add=lambda o: added.append(o.metadata.name),
            on_delete=lambda o: deleted.append(getattr(getattr(o, "metadata", None), "name", "?")),
        )
        informer.start()
        try:
            assert informer.wait_for_cache_sync(timeout=5)
            assert sorted(p.metadata.name for p in informer.lister().list()) == ["a", "b"]
            cs.core_v1().pods("one").create(pod("c", ns="one"))
            eventually(lambda: "c" in added)
            cs.core_v1().pods("two").patch("b", {"metadata": {"labels": {"x": "y"}}})
            eventually(
                lambda: (informer.indexer.get_by_key("two/b").metadata.labels or {}).get("x") == "y"
            )
            cs.core_v1().pods("one").delete("a")
            eventually(lambda: "a" in deleted)
        finally:
            informer.stop(timeout=5)
        assert server.actions[0].verb == "watch"  # the streaming list
        assert server.actions[0].query.get("sendInitialEvents") == "true"


def test_sync_informer_paged_list_fallback() -> None:
    server = FakeServer()
    server.add_objects(*(pod(f"p{i}") for i in range(7)))
    with server.clientset(kubeset_k8s.Clientset) as cs:
        lw = ListWatch(cs.core_v1().pods("default"), page_size=3)
        informer = SharedInformer(lw, use_watch_list=False)
        informer.start()
        try:
            assert informer.wait_for_cache_sync(timeout=5)
            assert len(informer.lister().list()) == 7
        finally:
            informer.stop(timeout=5)
        lists = [a for a in server.actions if a.verb == "list"]
        assert len(lists) == 3 and lists[1].query.get("continue")


def test_informer_relists_after_gone() -> None:
    server = FakeServer(history=5)
    server.add_objects(pod("a"))
    with server.clientset(kubeset_k8s.Clientset) as cs:
        informer = SharedInformer(ListWatch(cs.core_v1().pods("default")))
        informer.start()
        try:
            assert informer.wait_for_cache_sync(timeout=5)
            # cut the watch, then move the history past it: the resumed watch gets 410
            server.prepend_reactor("watch", "pods", lambda a: None)
            for i in range(10):
                server.add_objects(pod(f"n{i}"))
            server.close_watches()
            eventually(lambda: len(informer.lister().list()) == 11)
        finally:
            informer.stop(timeout=5)


def test_retry_watcher_gets_gone() -> None:
    server = FakeServer(history=3)
    server.add_objects(pod("a"))
    with server.clientset(kubeset_k8s.Clientset) as cs:
        lw = ListWatch(cs.core_v1().pods("default"))
        items, version = lw.list()
        assert len(items) == 1
        for i in range(5):
            cs.core_v1().pods("default").create(pod(f"n{i}"))
        watcher = RetryWatcher(lw, version)
        with pytest.raises(errors.Gone):
            for _ in watcher:
                pass
        # a relist gives a version to watch from again
        items, version = lw.list()
        assert len(items) == 6
        watcher = RetryWatcher(lw, version)
        threading.Timer(0.1, lambda: cs.core_v1().pods("default").delete("a")).start()
        for event in watcher:
            assert event.type == "DELETED"
            watcher.stop()
            break


def test_both_clients_at_once() -> None:
    import anyio

    server = FakeServer()
    server.add_objects(pod("a"))
    sync_cs = server.clientset(kubeset_k8s.Clientset)

    async def main() -> list[str]:
        async with server.async_clientset(kubeset_k8s.AsyncClientset) as acs:
            await acs.core_v1().pods("default").create(pod("b"))
            await anyio.to_thread.run_sync(
                lambda: sync_cs.core_v1().pods("default").create(pod("c"))
            )
            listed = await acs.core_v1().pods("default").list()
            return [p.metadata.name for p in listed.items if p.metadata and p.metadata.name]

    with sync_cs:
        assert anyio.run(main) == ["a", "b", "c"]


@pytest.mark.anyio
async def test_async_clientset_verbs() -> None:
    server = FakeServer()
    server.add_objects(pod("a"))
    async with server.async_clientset(kubeset_k8s.AsyncClientset) as acs:
        pods = acs.core_v1().pods("default")
        got = await pods.get("a")
        assert got.metadata is not None and got.metadata.name == "a"
        with pytest.raises(errors.NotFound):
            await pods.get("zz")
        with pytest.raises(errors.AlreadyExists):
            await pods.create(pod("a"))
        stale = await pods.get("a")
        await pods.patch("a", {"metadata": {"labels": {"x": "1"}}})
        with pytest.raises(errors.Conflict):
            await pods.update(stale)
        names = [p.metadata.name async for p in pods.list_iter(page_size=1) if p.metadata]
        assert names == ["a"]
        assert await pods.delete("a") is not None


@pytest.mark.anyio
async def test_async_reactor_awaited() -> None:
    import anyio

    server = FakeServer()
    server.add_objects(pod("a"))

    async def slow(action: Any) -> None:
        await anyio.sleep(0.05)

    server.prepend_reactor("get", "pods", slow)
    async with server.async_clientset(kubeset_k8s.AsyncClientset) as acs:
        start = time.monotonic()
        await acs.core_v1().pods("default").get("a")
        assert time.monotonic() - start >= 0.05


@pytest.mark.anyio
async def test_async_informer() -> None:
    server = FakeServer(bookmark_interval=0.2)
    server.add_objects(pod("a"))
    async with server.async_clientset(kubeset_k8s.AsyncClientset) as acs:
        informer: AsyncSharedInformer[Any] = AsyncSharedInformer(
            AsyncListWatch(acs.core_v1().pods(""))
        )
        informer.start()
        try:
            assert await informer.wait_for_cache_sync(timeout=5)
            await acs.core_v1().pods("default").create(pod("b"))
            import anyio

            with anyio.fail_after(5):
                while len(informer.lister().list()) != 2:
                    await anyio.sleep(0.01)
        finally:
            await informer.stop(timeout=5)


@pytest.mark.anyio
async def test_fake_clientset_async() -> None:
    acs = fake_clientset(
        kubeset_k8s.AsyncClientset, Pod(metadata=ObjectMeta(name="p", namespace="x"))
    )
    async with acs:
        listed = await acs.core_v1().pods("x").list()
        assert [p.metadata.name for p in listed.items if p.metadata] == ["p"]
        assert isinstance(acs.fake, FakeServer)  # type: ignore[attr-defined]
