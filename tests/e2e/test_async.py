"""The async clientset against a real kube-apiserver: the same verbs, awaited."""

from __future__ import annotations

import asyncio

import pytest

from kubeset import AlreadyExists, Config, NotFound, PatchType
from kubeset.config import TransportName
from kubeset_k8s import AsyncClientset
from kubeset_k8s.models.core_v1 import ConfigMap, Namespace
from kubeset_k8s.models.meta_v1 import ObjectMeta

pytestmark = pytest.mark.anyio


async def test_async_verbs(acs: AsyncClientset) -> None:
    await acs.core_v1().namespaces().create(Namespace(metadata=ObjectMeta(name="e2e-async")))
    cms = acs.core_v1().config_maps("e2e-async")
    created = await asyncio.gather(
        *(
            cms.create(ConfigMap(metadata=ObjectMeta(name=f"a{i}", labels={"async": "yes"})))
            for i in range(20)
        )
    )
    assert len({c.metadata.uid for c in created if c.metadata}) == 20
    with pytest.raises(AlreadyExists):
        await cms.create(ConfigMap(metadata=ObjectMeta(name="a0")))
    page = await cms.list(label_selector="async=yes", limit=7)
    assert len(page.items or []) == 7
    names = [
        c.metadata.name
        async for c in cms.list_iter(label_selector="async=yes", page_size=6)
        if c.metadata
    ]
    assert sorted(names) == sorted(f"a{i}" for i in range(20))
    got = await cms.get("a1")
    got.data = {"k": "v"}
    assert (await cms.update(got)).data == {"k": "v"}
    patched = await cms.patch("a1", {"data": {"k2": "v2"}}, patch_type=PatchType.MERGE)
    assert patched.data == {"k": "v", "k2": "v2"}
    applied = await cms.apply(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a2"}, "data": {"x": "y"}},
        field_manager="async-e2e",
    )
    assert applied.data == {"x": "y"}
    await cms.delete("a1")
    with pytest.raises(NotFound):
        await cms.get("a1")
    await cms.delete_collection(label_selector="async=yes")
    assert (await cms.list(label_selector="async=yes")).items == []


@pytest.mark.parametrize("transport", ["httpx", "fast"])
async def test_async_watch(config: Config, transport: TransportName) -> None:
    async with AsyncClientset.for_config(config.copy(transport=transport)) as acs:
        await _async_watch(acs, f"e2e-async-watch-{transport}")


async def _async_watch(acs: AsyncClientset, ns: str) -> None:
    await acs.core_v1().namespaces().create(Namespace(metadata=ObjectMeta(name=ns)))
    cms = acs.core_v1().config_maps(ns)
    start = (await cms.list()).metadata
    assert start

    async def writer() -> None:
        cm = await cms.create(ConfigMap(metadata=ObjectMeta(name="w"), data={"v": "1"}))
        cm.data = {"v": "2"}
        await cms.update(cm)
        await cms.delete("w")

    seen: list[tuple[str, str]] = []
    async with cms.watch(resource_version=start.resource_version, timeout_seconds=20) as watch:
        task = asyncio.create_task(writer())
        async for event in watch:
            seen.append((event.type, (event.object.data or {}).get("v", "")))
            if len(seen) == 3:
                break
        await asyncio.wait_for(task, 10)
    assert seen == [("ADDED", "1"), ("MODIFIED", "2"), ("DELETED", "2")]
    version = await acs.discovery().server_version()
    assert version.git_version and version.git_version.startswith("v1.36.")
