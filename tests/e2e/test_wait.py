"""kubeset.wait against a real kube-apiserver: concurrent updaters resolved by retry_on_conflict,
watch_until on a CRD becoming Established, and poll_until / watch_until timing out."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from typing import Any

import pytest

from kubeset import NotFound, WatchEvent
from kubeset.wait import (
    WaitTimeout,
    async_poll_until,
    async_retry_on_conflict,
    async_watch_until,
    poll_until,
    retry_on_conflict,
    watch_until,
)
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models.apiextensions_v1 import CustomResourceDefinition
from kubeset_k8s.models.core_v1 import ConfigMap
from kubeset_k8s.models.meta_v1 import ObjectMeta

GROUP = "wait.kubeset.test"


def crd_manifest() -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    plural = f"widgets{suffix}"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": f"widget{suffix}", "kind": f"Widget{suffix}"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def established(event: WatchEvent[CustomResourceDefinition]) -> bool:
    status = event.object.status
    return any(
        c.type == "Established" and c.status == "True" for c in (status and status.conditions) or []
    )


# --- retry_on_conflict --------------------------------------------------------------------------


def test_two_stale_updaters_both_land_with_retry_on_conflict(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(ConfigMap(metadata=ObjectMeta(name="shared"), data={"base": "1"}))
    barrier = threading.Barrier(2)
    attempts: Counter[str] = Counter()
    errors: list[BaseException] = []

    def updater(key: str) -> None:
        stale = cms.get("shared")  # both read the same resourceVersion before either writes

        def bump() -> ConfigMap:
            attempts[key] += 1
            cm = stale if attempts[key] == 1 else cms.get("shared")
            cm.data = {**(cm.data or {}), key: "set"}
            return cms.update(cm)

        try:
            barrier.wait(5)
            retry_on_conflict(bump)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=updater, args=(key,)) for key in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    assert errors == []
    assert cms.get("shared").data == {"base": "1", "a": "set", "b": "set"}
    # One stale update won; the other got a Conflict, read afresh and retried once.
    assert sorted(attempts.values()) == [1, 2]


@pytest.mark.anyio
async def test_two_stale_async_updaters_both_land(acs: AsyncClientset, ns: str) -> None:
    cms = acs.core_v1().config_maps(ns)
    await cms.create(ConfigMap(metadata=ObjectMeta(name="shared"), data={}))
    stale = await cms.get("shared")
    attempts: Counter[str] = Counter()

    async def updater(key: str) -> ConfigMap:
        async def bump() -> ConfigMap:
            attempts[key] += 1
            cm = stale.model_copy(deep=True) if attempts[key] == 1 else await cms.get("shared")
            cm.data = {**(cm.data or {}), key: "set"}
            return await cms.update(cm)

        return await async_retry_on_conflict(bump)

    await asyncio.wait_for(asyncio.gather(updater("a"), updater("b")), 10)
    assert (await cms.get("shared")).data == {"a": "set", "b": "set"}
    assert sorted(attempts.values()) == [1, 2]


# --- watch_until --------------------------------------------------------------------------------


def test_watch_until_a_crd_is_established(cs: Clientset) -> None:
    crds = cs.apiextensions_v1().custom_resource_definitions()
    manifest = crd_manifest()
    name = manifest["metadata"]["name"]
    creator = threading.Timer(0.3, crds.create, args=(manifest,))
    creator.start()  # after the wait has listed: the Established event comes from the watch
    try:
        event = watch_until(crds, established, field_selector=f"metadata.name={name}", timeout=20)
        assert event.type in ("ADDED", "MODIFIED")
        assert event.object.metadata and event.object.metadata.name == name
        # Already established: the list answers, no event needed.
        again = watch_until(crds, established, field_selector=f"metadata.name={name}", timeout=5)
        assert (
            again.type == "ADDED" and again.object.metadata and again.object.metadata.name == name
        )
    finally:
        creator.join(10)
        crds.delete(name)


@pytest.mark.anyio
async def test_async_watch_until_a_crd_is_established(acs: AsyncClientset) -> None:
    crds = acs.apiextensions_v1().custom_resource_definitions()
    manifest = crd_manifest()
    name = manifest["metadata"]["name"]

    async def create_later() -> None:
        await asyncio.sleep(0.3)
        await crds.create(manifest)

    creator = asyncio.create_task(create_later())
    try:
        event = await async_watch_until(
            crds, established, field_selector=f"metadata.name={name}", timeout=20
        )
        assert event.object.metadata and event.object.metadata.name == name
    finally:
        await creator
        await crds.delete(name)


def test_watch_until_times_out(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(ConfigMap(metadata=ObjectMeta(name="other", labels={"w": "x"})))
    seen: list[str] = []

    def never(event: WatchEvent[ConfigMap]) -> bool:
        seen.append(event.type)
        return False

    start = time.monotonic()
    with pytest.raises(WaitTimeout):
        watch_until(cms, never, label_selector="w=x", timeout=1)
    assert time.monotonic() - start < 3
    assert seen == ["ADDED"]  # the listed object was offered


@pytest.mark.anyio
async def test_async_watch_until_times_out(acs: AsyncClientset, ns: str) -> None:
    start = time.monotonic()
    with pytest.raises(WaitTimeout):
        await async_watch_until(acs.core_v1().config_maps(ns), lambda e: False, timeout=0.5)
    assert time.monotonic() - start < 1.5


# --- poll_until ---------------------------------------------------------------------------------


def test_poll_until_times_out_and_succeeds(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)

    def exists() -> bool:
        try:
            cms.get("late")
        except NotFound:
            return False
        return True

    start = time.monotonic()
    with pytest.raises(WaitTimeout):
        poll_until(exists, interval=0.05, timeout=0.3)
    assert 0.3 <= time.monotonic() - start < 1.5
    creator = threading.Timer(0.2, cms.create, args=(ConfigMap(metadata=ObjectMeta(name="late")),))
    creator.start()
    try:
        poll_until(exists, interval=0.05, timeout=10)
    finally:
        creator.join(10)


@pytest.mark.anyio
async def test_async_poll_until_times_out(acs: AsyncClientset, ns: str) -> None:
    cms = acs.core_v1().config_maps(ns)

    async def exists() -> bool:
        try:
            await cms.get("never")
        except NotFound:
            return False
        return True

    start = time.monotonic()
    with pytest.raises(WaitTimeout):
        await async_poll_until(exists, interval=0.05, timeout=0.3)
    assert time.monotonic() - start < 1.5
