"""Custom resources end to end: install real CRDs, generate a typed package from the cluster,
check it equals the one generated from the manifests, and drive it (and the dynamic client)
against the real kube-apiserver."""

from __future__ import annotations

import contextlib
import importlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from clientgen.cli import main as clientgen
from kubeset import AlreadyExists, NotFound, PatchType, UnsupportedMediaType, load_kubeconfig
from kubeset.dynamic import DynamicClient
from kubeset.envtest import ControlPlane
from kubeset_k8s import Clientset
from tests.specs import CORPUS

CERT_MANAGER = CORPUS / "crds" / "cert-manager"
MACHINE_DEPLOYMENTS = CORPUS / "crds" / "cluster-api" / "cluster.x-k8s.io_machinedeployments.yaml"


def _install(cs: Clientset, files: list[Path]) -> None:
    crds = cs.apiextensions_v1().custom_resource_definitions()
    names = []
    for file in files:
        for doc in yaml.safe_load_all(file.read_text()):
            if doc:
                with contextlib.suppress(AlreadyExists):  # installed by an earlier run
                    crds.create(doc)
                names.append(doc["metadata"]["name"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        established = {
            crd.metadata.name
            for crd in crds.list().items or []
            if crd.metadata
            and crd.status
            and any(
                c.type == "Established" and c.status == "True" for c in crd.status.conditions or []
            )
        }
        if set(names) <= established:
            return
        time.sleep(0.2)
    raise AssertionError(f"CRDs not Established in 30 s: {sorted(set(names) - established)}")


def _tree(root: Path) -> dict[str, str]:
    """Every file, without its first (header) line."""
    return {
        str(p.relative_to(root)): p.read_text().split("\n", 1)[1]
        for p in sorted(root.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def generated(
    cs: Clientset, kube_cluster: ControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Path]]:
    """cm_cluster/capi_cluster generated from the cluster (importable), and the same packages
    generated from the manifests, in a directory of their own."""
    _install(cs, [*sorted(CERT_MANAGER.glob("*.yaml")), MACHINE_DEPLOYMENTS])
    out = tmp_path_factory.mktemp("crd-packages")
    kubeconfig = str(kube_cluster.kubeconfig_path)
    runs = {
        ("cluster", "cm_cluster"): [
            "--from-cluster",
            "--kubeconfig",
            kubeconfig,
            "--group",
            "cert-manager.io",
        ],
        ("files", "cm_cluster"): ["--crd", str(CERT_MANAGER)],
        ("cluster", "capi_cluster"): [
            "--from-cluster",
            "--kubeconfig",
            kubeconfig,
            "--group",
            "cluster.x-k8s.io",
        ],
        ("files", "capi_cluster"): ["--crd", str(MACHINE_DEPLOYMENTS)],
    }
    for (where, package), args in runs.items():
        code = clientgen(
            ["generate", *args, "--package", package, "--out", str(out / where), "--quiet"]
        )
        assert code == 0
    sys.path.insert(0, str(out / "cluster"))
    yield {f"{where}/{package}": out / where / package for where, package in runs}
    sys.path.remove(str(out / "cluster"))
    for name in list(sys.modules):
        if name.split(".")[0] in ("cm_cluster", "capi_cluster"):
            del sys.modules[name]


def _package(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_cluster_and_manifests_give_the_same_package(generated: dict[str, Path]) -> None:
    for package in ("cm_cluster", "capi_cluster"):
        from_cluster = _tree(generated[f"cluster/{package}"])
        from_files = _tree(generated[f"files/{package}"])
        assert sorted(from_cluster) == sorted(from_files)
        for name, text in from_cluster.items():
            assert text == from_files[name], f"{package}/{name} differs"
    meta = generated["cluster/cm_cluster"] / "models" / "meta_v1"
    reexports = sorted(
        p.read_text().split("\n", 1)[1] for p in meta.glob("*.py") if p.stem != "__init__"
    )
    assert reexports == [
        f'from kubeset_k8s.models.meta_v1 import {name}\n\n__all__ = ["{name}"]\n'
        for name in ("Condition", "ListMeta", "ObjectMeta")
    ]


def test_typed_certificates(generated: dict[str, Path], config: Any, ns: str) -> None:
    pkg = _package("cm_cluster")
    models = _package("cm_cluster.models.cert_manager_v1")
    from kubeset_k8s.models.meta_v1 import Condition, ObjectMeta

    with pkg.Clientset.for_config(config) as cs:
        certs = cs.certmanager_v1().certificates(ns)
        cert = models.Certificate(
            metadata=ObjectMeta(name="web", labels={"app": "web"}),
            spec=models.CertificateSpec(
                secret_name="web-tls",
                dns_names=["web.example.com"],
                issuer_ref=models.CertificateSpecIssuerRef(name="ca", kind="ClusterIssuer"),
                private_key=models.CertificateSpecPrivateKey(algorithm="ECDSA", size=256),
                duration="2160h",
            ),
        )
        created = certs.create(cert)
        assert created.metadata.uid and created.spec.private_key.size == 256
        start = created.metadata.resource_version
        got = certs.get("web")
        assert got.spec.issuer_ref.kind == "ClusterIssuer" and got.spec.dns_names == [
            "web.example.com"
        ]
        got.spec.dns_names = ["web.example.com", "www.example.com"]
        updated = certs.update(got)
        assert updated.spec.dns_names == ["web.example.com", "www.example.com"]
        updated.status = models.CertificateStatus(
            conditions=[
                Condition(
                    type="Ready",
                    status="True",
                    reason="Issued",
                    message="ok",
                    last_transition_time="2024-05-01T12:00:00Z",
                )
            ],
            revision=1,
        )
        with_status = certs.update_status(updated)
        assert with_status.status.revision == 1 and isinstance(
            with_status.status.conditions[0], Condition
        )
        merged = certs.patch("web", {"spec": {"renewBefore": "360h"}}, patch_type=PatchType.MERGE)
        assert merged.spec.renew_before == "360h"
        jsonp = certs.patch(
            "web",
            [{"op": "replace", "path": "/spec/secretName", "value": "other-tls"}],
            patch_type=PatchType.JSON,
        )
        assert jsonp.spec.secret_name == "other-tls"
        with pytest.raises(ValueError, match="STRATEGIC"):
            certs.patch("web", {"spec": {}}, patch_type=PatchType.STRATEGIC)  # not offered for CRs
        applied = certs.apply(
            models.Certificate(
                metadata=ObjectMeta(name="web"), spec=models.CertificateSpec(common_name="web")
            ),
            field_manager="e2e",
            force=True,
        )
        assert applied.spec.common_name == "web" and applied.spec.secret_name == "other-tls"
        assert [c.metadata.name for c in certs.list(label_selector="app=web").items] == ["web"]
        with certs.watch(resource_version=start, timeout_seconds=5) as watch:
            first = next(iter(watch))
        assert first.type == "MODIFIED" and isinstance(first.object, models.Certificate)
        assert certs.delete("web") is None
        with pytest.raises(NotFound):
            certs.get("web")


def test_typed_cluster_issuers(generated: dict[str, Path], config: Any) -> None:
    pkg = _package("cm_cluster")
    models = _package("cm_cluster.models.cert_manager_v1")
    from kubeset_k8s.models.meta_v1 import ObjectMeta

    with pkg.Clientset.for_config(config) as cs:
        issuers = cs.certmanager_v1().cluster_issuers()
        issuer = models.ClusterIssuer(
            metadata=ObjectMeta(name="e2e-ca"),
            spec=models.IssuerSpec(ca=models.IssuerSpecCa(secret_name="ca-key-pair")),
        )
        created = issuers.create(issuer)
        assert created.metadata.namespace is None and created.spec.ca.secret_name == "ca-key-pair"
        created.spec.ca.crl_distribution_points = ["http://crl.example.com"]
        assert issuers.update(created).spec.ca.crl_distribution_points == ["http://crl.example.com"]
        assert "e2e-ca" in {i.metadata.name for i in issuers.list().items}
        issuers.delete("e2e-ca")
        with pytest.raises(NotFound):
            issuers.get("e2e-ca")


def test_machine_deployment_scale(generated: dict[str, Path], config: Any, ns: str) -> None:
    pkg = _package("capi_cluster")
    body = {
        "metadata": {"name": "md"},
        "spec": {
            "clusterName": "c1",
            "replicas": 1,
            "selector": {"matchLabels": {"pool": "a"}},
            "template": {
                "metadata": {"labels": {"pool": "a"}},
                "spec": {
                    "clusterName": "c1",
                    "bootstrap": {"dataSecretName": "boot"},
                    "infrastructureRef": {
                        "apiGroup": "infrastructure.cluster.x-k8s.io",
                        "kind": "DockerMachineTemplate",
                        "name": "t",
                    },
                },
            },
        },
    }
    with pkg.Clientset.for_config(config) as cs:
        mds = cs.cluster_v1beta2().machine_deployments(ns)
        created = mds.create(body)
        assert created.spec.template.spec.infrastructure_ref.kind == "DockerMachineTemplate"
        scale = mds.get_scale("md")
        assert scale.spec.replicas == 1 and scale.kind == "Scale"
        scale.spec.replicas = 4
        assert mds.update_scale("md", scale).spec.replicas == 4
        assert mds.get("md").spec.replicas == 4
        assert mds.patch_scale("md", {"spec": {"replicas": 2}}).spec.replicas == 2


def test_dynamic_client(generated: dict[str, Path], config: Any, ns: str) -> None:
    with DynamicClient.for_config(config) as dyn:
        certs = dyn.resource("cert-manager.io/v1", "Certificate", ns)
        assert certs.info.plural == "certificates" and certs.info.namespaced
        assert certs.info.subresources == {"status": frozenset({"get", "patch", "update"})}
        body = {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": "dyn"},
            "spec": {
                "secretName": "dyn-tls",
                "issuerRef": {"name": "ca"},
                "dnsNames": ["d.example.com"],
            },
        }
        created = certs.create(body)
        assert created["spec"]["secretName"] == "dyn-tls" and created["metadata"]["uid"]
        assert [i["metadata"]["name"] for i in certs.list()["items"]] == ["dyn"]
        patched = certs.patch("dyn", {"spec": {"commonName": "d"}})
        assert patched["spec"]["commonName"] == "d"
        with pytest.raises(UnsupportedMediaType) as info:
            certs.patch("dyn", {"spec": {"commonName": "e"}}, patch_type=PatchType.STRATEGIC)
        assert info.value.code == 415
        with certs.watch(
            resource_version=created["metadata"]["resourceVersion"], timeout_seconds=5
        ) as watch:
            event = next(iter(watch))
        assert event.type == "MODIFIED" and event.object["spec"]["commonName"] == "d"
        assert certs.delete("dyn") is None
        with pytest.raises(NotFound) as missing:
            dyn.resource("cert-manager.io/v1", "Nope")
        assert "Certificate" in str(missing.value)


def test_generate_from_cluster_reports_unknown_groups(
    kube_cluster: ControlPlane, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = clientgen(
        [
            "generate",
            "--from-cluster",
            "--kubeconfig",
            str(kube_cluster.kubeconfig_path),
            "--group",
            "nope.example.com",
            "--package",
            "nope",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 2
    assert "nope.example.com" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_loaded_config(kube_cluster: ControlPlane) -> None:
    assert load_kubeconfig(kube_cluster.kubeconfig_path).host.startswith("https://127.0.0.1:")
