"""``Config(transport="fast")`` against a real kube-apiserver: the sync clientset over urllib3, the
async one over aiohttp, with TLS and client certificates (the admin's, an RBAC-limited user's, one
from an exec plugin), watches, typed errors and ``tls-server-name``."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from kubeset import Config, Forbidden, NotFound, PatchType, load_kubeconfig
from kubeset.auth import clear_credential_cache
from kubeset.envtest import ControlPlane
from kubeset.transports import AiohttpTransport, Urllib3Transport
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models.core_v1 import ConfigMap
from kubeset_k8s.models.meta_v1 import ObjectMeta

PLUGIN = Path(__file__).resolve().parents[1] / "fake_exec_plugin.py"


@pytest.fixture(scope="module")
def fast(config: Config) -> Config:
    return config.copy(transport="fast")


def crud_and_watch(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    start = cms.list().metadata
    assert start and start.resource_version
    created = cms.create(ConfigMap(metadata=ObjectMeta(name="fast", labels={"t": "fast"})))
    assert created.metadata and created.metadata.uid
    patched = cms.patch("fast", {"data": {"k": "v"}}, patch_type=PatchType.MERGE)
    assert patched.data == {"k": "v"}
    assert cms.get("fast").data == {"k": "v"}
    assert [c.metadata.name for c in cms.list(label_selector="t=fast").items or [] if c.metadata]
    cms.delete("fast")
    with pytest.raises(NotFound, match='configmaps "fast" not found'):
        cms.get("fast")
    seen: list[tuple[str, str]] = []
    with cms.watch(resource_version=start.resource_version, timeout_seconds=20) as watch:
        for event in watch:
            seen.append((event.type, (event.object.data or {}).get("k", "")))
            if len(seen) == 3:
                break
    assert seen == [("ADDED", ""), ("MODIFIED", "v"), ("DELETED", "v")]


def test_sync_clientset_over_urllib3(fast: Config, ns: str) -> None:
    with Clientset.for_config(fast) as cs:
        crud_and_watch(cs, ns)
        assert isinstance(cs.rest.http._transport, Urllib3Transport)


@pytest.mark.anyio
async def test_async_clientset_over_aiohttp(fast: Config, ns: str) -> None:
    async with AsyncClientset.for_config(fast) as cs:
        cms = cs.core_v1().config_maps(ns)
        created = await asyncio.gather(
            *(cms.create(ConfigMap(metadata=ObjectMeta(name=f"c{i}"))) for i in range(20))
        )
        assert len({c.metadata.uid for c in created if c.metadata}) == 20
        assert len((await cms.list()).items or []) == 20
        patched = await cms.patch("c0", {"data": {"k": "v"}}, patch_type=PatchType.MERGE)
        assert patched.data == {"k": "v"}
        with pytest.raises(NotFound):
            await cms.get("missing")
        assert isinstance(cs.rest.http._transport, AiohttpTransport)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_certificate_user_is_forbidden(kube_cluster: ControlPlane, mode: str) -> None:
    user = kube_cluster.add_user(f"fast-{mode}", ["fast-team"])
    config = load_kubeconfig(user.kubeconfig_path, transport="fast")
    message = f'User "fast-{mode}" cannot list resource "pods"'
    if mode == "sync":
        with Clientset.for_config(config) as cs, pytest.raises(Forbidden, match=message):
            cs.core_v1().pods("default").list()
        return

    async def main() -> None:
        async with AsyncClientset.for_config(config) as cs:
            with pytest.raises(Forbidden, match=message):
                await cs.core_v1().pods("default").list()

    asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_exec_plugin_client_certificate(
    kube_cluster: ControlPlane, tmp_path: Path, mode: str
) -> None:
    user = kube_cluster.add_user(f"fast-exec-{mode}")
    plan = {
        "api_version": "client.authentication.k8s.io/v1",
        "responses": [{"cert": user.cert_path.read_text(), "key": user.key_path.read_text()}],
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    doc = yaml.safe_load(kube_cluster.kubeconfig_path.read_text())
    doc["users"][0]["user"] = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": sys.executable,
            "args": [str(PLUGIN), str(tmp_path)],
            "interactiveMode": "Never",
        }
    }
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump(doc))
    config = load_kubeconfig(tmp_path / "kubeconfig", transport="fast", qps=0)
    message = f'User "fast-exec-{mode}" cannot list resource "pods"'
    clear_credential_cache()
    try:
        if mode == "sync":
            with Clientset.for_config(config) as cs, pytest.raises(Forbidden, match=message):
                cs.core_v1().pods("default").list()
        else:

            async def main() -> None:
                async with AsyncClientset.for_config(config) as cs:
                    with pytest.raises(Forbidden, match=message):
                        await cs.core_v1().pods("default").list()

            asyncio.run(main())
    finally:
        clear_credential_cache()
    assert len((tmp_path / "runs").read_text().splitlines()) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_tls_server_name(fast: Config, mode: str) -> None:
    # The serving certificate names kubernetes.default.svc (and 127.0.0.1, which the host is).
    good = fast.copy(tls_server_name="kubernetes.default.svc", max_retries=0)
    bad = fast.copy(tls_server_name="not-the-server.example", max_retries=0)
    refused = r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"
    if mode == "sync":
        with Clientset.for_config(good) as cs:
            assert cs.discovery().server_version().git_version
        with Clientset.for_config(bad) as cs, pytest.raises(httpx.ConnectError, match=refused):
            cs.discovery().server_version()
        return

    async def main() -> None:
        async with AsyncClientset.for_config(good) as cs:
            assert (await cs.discovery().server_version()).git_version
        async with AsyncClientset.for_config(bad) as cs:
            with pytest.raises(httpx.ConnectError, match=refused):
                await cs.discovery().server_version()

    asyncio.run(main())
