"""The whole cluster as one package: install CRDs, run ``clientgen generate --from-cluster`` without
``--group`` against the envtest kube-apiserver (client certificate over TLS with the cluster CA,
from the kubeconfig), import the package and drive a built-in and a custom resource through it.
The same cluster read through ``--spec <server>/openapi/v2`` and ``/openapi/v3`` gives the same
clients."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clientgen.cli import main as clientgen
from kubeset import Config, load_kubeconfig
from kubeset.envtest import ControlPlane
from kubeset_k8s import Clientset
from tests.e2e.test_crd import CERT_MANAGER, _install
from tests.specs import package_files

PACKAGE = "whole"


@pytest.fixture(scope="module")
def out(
    cs: Clientset, kube_cluster: ControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """``whole`` generated from the cluster with cert-manager's CRDs installed, importable."""
    _install(cs, sorted(CERT_MANAGER.glob("*.yaml")))
    root = tmp_path_factory.mktemp("whole")
    args = ["generate", "--from-cluster", "--kubeconfig", str(kube_cluster.kubeconfig_path)]
    assert clientgen([*args, "--package", PACKAGE, "--out", str(root / "cluster")]) == 0
    sys.path.insert(0, str(root / "cluster"))
    yield root
    sys.path.remove(str(root / "cluster"))
    for name in list(sys.modules):
        if name.split(".")[0] == PACKAGE:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(name)


def test_kubeconfig_is_authenticated_tls(kube_cluster: ControlPlane) -> None:
    """What the generator read the cluster with: https, the cluster's CA, a client certificate."""
    config = load_kubeconfig(str(kube_cluster.kubeconfig_path))
    assert config.host.startswith("https://") and config.has_ca()
    assert config.cert_file or config.cert_data or config.bearer_token


def test_package_has_the_built_in_and_the_crd_groups(out: Path) -> None:
    pkg = _module(PACKAGE)
    for accessor in ("core_v1", "apps_v1", "apiextensions_v1", "rbac_v1", "certmanager_v1"):
        assert callable(getattr(pkg.Clientset, accessor, None)), accessor
    typed = {p.stem for p in (out / "cluster" / PACKAGE / "typed").glob("*.py")}
    assert {"core_v1", "apps_v1", "cert_manager_v1"} <= typed
    # One self-contained package, like kubeset_k8s: it imports no other generated package.
    files = package_files(out / "cluster" / PACKAGE)
    assert [name for name, text in files.items() if "kubeset_k8s" in text] == []
    object_meta = _module(f"{PACKAGE}.models.meta_v1").ObjectMeta
    assert object_meta.__module__.startswith(f"{PACKAGE}.models.meta_v1")


def test_drive_a_config_map_and_an_issuer(out: Path, config: Config, ns: str) -> None:
    pkg = _module(PACKAGE)
    core = _module(f"{PACKAGE}.models.core_v1")
    meta = _module(f"{PACKAGE}.models.meta_v1")
    cert_manager = _module(f"{PACKAGE}.models.cert_manager_v1")
    name = f"w-{uuid.uuid4().hex[:6]}"
    with pkg.Clientset.for_config(config) as whole:
        config_maps = whole.core_v1().config_maps(ns)
        created = config_maps.create(
            core.ConfigMap(metadata=meta.ObjectMeta(name=name), data={"k": "v"})
        )
        assert created.metadata.uid and created.data == {"k": "v"}
        issuers = whole.certmanager_v1().issuers(ns)
        issuer = cert_manager.Issuer(
            metadata=meta.ObjectMeta(name=name),
            spec=cert_manager.IssuerSpec.model_validate({"ca": {"secretName": "ca-key"}}),
        )
        made = issuers.create(issuer)
        assert isinstance(made, cert_manager.Issuer) and made.spec.ca.secret_name == "ca-key"
        cms = config_maps.list()
        assert name in {c.metadata.name for c in cms.items}
        assert all(isinstance(c, core.ConfigMap) for c in cms.items)
        listed = issuers.list()
        assert [i.metadata.name for i in listed.items] == [name]
        assert isinstance(listed.items[0], cert_manager.Issuer)
        issuers.delete(name)
        config_maps.delete(name)


def test_spec_urls_give_the_same_clients(out: Path, kube_cluster: ControlPlane) -> None:
    """``--spec <server>/openapi/v3`` is ``--from-cluster``; ``/openapi/v2`` gives the same
    clients (its models state less)."""
    kubeconfig = str(kube_cluster.kubeconfig_path)
    for version in ("v2", "v3"):
        url = f"{kube_cluster.host}/openapi/{version}"
        args = ["generate", "--spec", url, "--kubeconfig", kubeconfig, "--package", PACKAGE]
        assert clientgen([*args, "--out", str(out / version), "--quiet"]) == 0
    cluster, v2, v3 = (package_files(out / d / PACKAGE) for d in ("cluster", "v2", "v3"))
    assert v3 == cluster

    def clients(files: dict[str, str]) -> dict[str, str]:
        return {
            name: text
            for name, text in files.items()
            if not name.startswith("models/") and name != "patchmeta.json"
        }

    assert clients(v2) == clients(v3)
    assert sorted(v2) == sorted(v3)


def test_spec_url_on_another_server_is_refused(
    kube_cluster: ControlPlane, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = kube_cluster.host.replace("127.0.0.1", "localhost")
    url = f"{host}/openapi/v2"
    args = ["generate", "--spec", url, "--kubeconfig", str(kube_cluster.kubeconfig_path)]
    assert clientgen([*args, "--package", PACKAGE, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert url in err and kube_cluster.host in err and "--context" in err
