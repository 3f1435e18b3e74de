"""Patch metadata (``<package>/patchmeta.json``): the facts of the Kubernetes 1.36 spec that
strategic merge patch and server-side apply need, read back through ``load_patch_meta``; the
list-map keys of CRDs, with their inline objects named by path; and the loader's own rules."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clientgen.base_package import BaseIndex
from clientgen.generate import render_package
from clientgen.ir import build_ir
from clientgen.patchmeta import PATCH_META_FILE, patch_meta, patch_type_meta, render_patch_meta
from clientgen.sources import crd_spec, load_crd_documents
from kubeset.patchmeta import FieldMeta, PatchMeta, TypeMeta, load_patch_meta
from tests.specs import CORPUS, ROOT, k8s_spec

CORE = "io.k8s.api.core.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
COMMITTED = ROOT / "generated" / "kubeset_k8s" / PATCH_META_FILE
CLUSTER = "io.x-k8s.cluster.v1beta1.Cluster"


@pytest.fixture(scope="module")
def k8s() -> PatchMeta:
    return load_patch_meta("kubeset_k8s")


# ------------------------------------------------------------------------------ kubeset_k8s


def test_pod_spec_containers(k8s: PatchMeta) -> None:
    assert k8s.field(CORE + "PodSpec", "containers") == FieldMeta(
        type=CORE + "Container",
        list=True,
        strategy="merge",
        merge_key="name",
        list_type="map",
        list_map_keys=("name",),
    )
    resource_claims = k8s.field(CORE + "PodSpec", "resourceClaims")
    assert resource_claims is not None and resource_claims.strategy == "merge,retainKeys"


def test_container_ports_have_two_keys(k8s: PatchMeta) -> None:
    ports = k8s.field(CORE + "Container", "ports")
    assert ports is not None
    assert (ports.type, ports.merge_key, ports.list_type, ports.list_map_keys) == (
        CORE + "ContainerPort",
        "containerPort",
        "map",
        ("containerPort", "protocol"),
    )


def test_object_meta(k8s: PatchMeta) -> None:
    assert k8s.field(META + "ObjectMeta", "finalizers") == FieldMeta(
        list=True, strategy="merge", list_type="set"
    )
    owners = k8s.field(META + "ObjectMeta", "ownerReferences")
    assert owners is not None and (owners.merge_key, owners.list_map_keys) == ("uid", ("uid",))
    managed = k8s.field(META + "ObjectMeta", "managedFields")
    assert managed == FieldMeta(type=META + "ManagedFieldsEntry", list=True, list_type="atomic")
    # Scalars and maps of scalars without extensions are nothing to either algorithm:
    for name in ("name", "labels", "annotations", "creationTimestamp"):
        assert k8s.field(META + "ObjectMeta", name) is None, name
    assert k8s.field(CORE + "ResourceRequirements", "limits") is None


def test_map_types(k8s: PatchMeta) -> None:
    assert k8s.type(CORE + "LocalObjectReference").map_type == "atomic"
    assert k8s.type(CORE + "LocalObjectReference").fields == {}
    assert k8s.field(CORE + "PodSpec", "nodeSelector") == FieldMeta(map=True, map_type="atomic")
    claim_ref = k8s.field(CORE + "PersistentVolumeSpec", "claimRef")
    assert claim_ref == FieldMeta(type=CORE + "ObjectReference", map_type="granular")
    strategy = k8s.field("io.k8s.api.apps.v1.DeploymentSpec", "strategy")
    assert strategy == FieldMeta(
        type="io.k8s.api.apps.v1.DeploymentStrategy", strategy="retainKeys"
    )
    counters = k8s.field("io.k8s.api.resource.v1.CounterSet", "counters")
    assert counters == FieldMeta(type="io.k8s.api.resource.v1.Counter", map=True)


def test_kinds(k8s: PatchMeta) -> None:
    assert k8s.kinds["apps/v1/Deployment"] == "io.k8s.api.apps.v1.Deployment"
    assert k8s.kind_type("v1", "Pod") == CORE + "Pod"
    assert k8s.kind_type("apps/v1", "Deployment") == "io.k8s.api.apps.v1.Deployment"
    # subresource bodies are kinds too; lists are not
    assert k8s.kinds["autoscaling/v1/Scale"] == "io.k8s.api.autoscaling.v1.Scale"
    assert k8s.kinds["policy/v1/Eviction"] == "io.k8s.api.policy.v1.Eviction"
    assert not [k for k in k8s.kinds if k.endswith("List")]
    assert k8s.field(CORE + "Pod", "spec") == FieldMeta(type=CORE + "PodSpec")
    assert k8s.field(CORE + "Pod", "metadata") == FieldMeta(type=META + "ObjectMeta")


def test_agrees_with_the_spec(k8s: PatchMeta) -> None:
    """Every extension of every property of the spec is in the file, and every type named is
    one of the spec's definitions."""
    definitions: dict[str, Any] = k8s_spec()["definitions"]
    extensions = {
        "x-kubernetes-patch-strategy": "strategy",
        "x-kubernetes-patch-merge-key": "merge_key",
        "x-kubernetes-list-type": "list_type",
        "x-kubernetes-map-type": "map_type",
    }
    checked = 0
    for name, schema in definitions.items():
        for key, prop in (schema.get("properties") or {}).items():
            for extension, attr in extensions.items():
                if extension in prop:
                    found = k8s.field(name, key)
                    assert found is not None, (name, key)
                    assert getattr(found, attr) == prop[extension], (name, key, extension)
                    checked += 1
            if "x-kubernetes-list-map-keys" in prop:
                found = k8s.field(name, key)
                assert found is not None
                assert list(found.list_map_keys) == prop["x-kubernetes-list-map-keys"]
        if "x-kubernetes-map-type" in schema:
            assert k8s.type(name).map_type == schema["x-kubernetes-map-type"], name
    assert checked > 500
    named = {f.type for t in k8s.types.values() for f in t.fields.values() if f.type}
    assert named | set(k8s.types) | set(k8s.kinds.values()) <= set(definitions)


def test_committed_file_is_deterministic_and_round_trips(k8s: PatchMeta) -> None:
    text = COMMITTED.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    data = json.loads(text)
    assert "base" not in data
    assert list(data) == sorted(data) and list(data["types"]) == sorted(data["types"])
    # the loader's view written back is the same bytes
    assert render_patch_meta(PatchMeta.from_json(data)) == text
    assert PatchMeta.from_json(k8s.to_json()).types == k8s.types
    # compact: one line per field at most
    fields = sum(len(t.get("fields", {})) for t in data["types"].values())
    assert len(text.splitlines()) <= fields + 4 * len(data["types"]) + len(data["kinds"]) + 6


def test_key_order_of_the_spec_does_not_matter() -> None:
    definitions: dict[str, Any] = k8s_spec()["definitions"]
    shuffled = {
        name: {**dict(reversed(schema.items())), "properties": dict(reversed(props.items()))}
        if isinstance(props := schema.get("properties"), dict)
        else schema
        for name, schema in reversed(definitions.items())
    }
    first = PatchMeta({}, patch_type_meta(definitions))
    second = PatchMeta({}, patch_type_meta(shuffled))
    assert render_patch_meta(first) == render_patch_meta(second)


# ------------------------------------------------------------------------------------- CRDs


@pytest.fixture(scope="module")
def cluster_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, PatchMeta]]:
    root = tmp_path_factory.mktemp("patchmeta")
    spec = crd_spec(load_crd_documents([str(CORPUS / "crds" / "cluster-api")]))
    render_package(spec, "patchmeta_capi", root, base=BaseIndex())
    sys.path.insert(0, str(root))
    try:
        yield root / "patchmeta_capi", load_patch_meta("patchmeta_capi")
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("patchmeta_capi", None)
        load_patch_meta.cache_clear()


def test_crd_package_records_its_base_and_only_its_own_types(
    cluster_api: tuple[Path, PatchMeta],
) -> None:
    package, _ = cluster_api
    data = json.loads((package / PATCH_META_FILE).read_text())
    assert data["base"] == "kubeset_k8s"
    assert data["kinds"]["cluster.x-k8s.io/v1beta1/Cluster"] == CLUSTER
    assert data["kinds"]["cluster.x-k8s.io/v1beta2/MachineDeployment"] == (
        "io.x-k8s.cluster.v1beta2.MachineDeployment"
    )
    assert not [k for k in data["kinds"] if k.endswith("List") or "autoscaling" in k]
    assert not [t for t in data["types"] if t.startswith("io.k8s.")]
    # no strategic merge patch for custom resources
    fields = [f for t in data["types"].values() for f in t.get("fields", {}).values()]
    assert len(fields) > 100
    assert not [f for f in fields if "strategy" in f or "mergeKey" in f]


def test_crd_list_map_keys_and_inline_names(cluster_api: tuple[Path, PatchMeta]) -> None:
    _, meta = cluster_api
    assert meta.kind_type("cluster.x-k8s.io/v1beta1", "Cluster") == CLUSTER
    assert meta.field(CLUSTER, "spec") == FieldMeta(type=CLUSTER + ".spec")
    taints = meta.field(CLUSTER + ".spec.topology.controlPlane", "taints")
    assert taints == FieldMeta(
        type=CLUSTER + ".spec.topology.controlPlane.taints[]",
        list=True,
        list_type="map",
        list_map_keys=("key", "effect"),
    )
    deployments = meta.field(CLUSTER + ".spec.topology.workers", "machineDeployments")
    assert deployments is not None and deployments.list_map_keys == ("name",)
    assert meta.type(CLUSTER + ".spec.controlPlaneRef").map_type == "atomic"
    domains = meta.field(CLUSTER + ".status", "failureDomains")
    assert domains == FieldMeta(type=CLUSTER + ".status.failureDomains{}", map=True)


def test_crd_metadata_is_object_meta_of_the_base(cluster_api: tuple[Path, PatchMeta]) -> None:
    _, meta = cluster_api
    assert meta.field(CLUSTER, "metadata") == FieldMeta(type=META + "ObjectMeta")
    # merged with kubeset_k8s's by the loader
    owners = meta.field(META + "ObjectMeta", "ownerReferences")
    assert owners is not None and owners.list_map_keys == ("uid",)
    assert meta.kinds["apps/v1/Deployment"] == "io.k8s.api.apps.v1.Deployment"


def test_cert_manager_certificate() -> None:
    spec = crd_spec(load_crd_documents([str(CORPUS / "crds" / "cert-manager")]))
    meta = patch_meta(build_ir(spec, "certmanager"), skip=lambda name: name.startswith("io.k8s."))
    root = "io.cert-manager.v1.Certificate"
    assert meta.kind_type("cert-manager.io/v1", "Certificate") == root
    assert meta.field(root + ".spec", "privateKey") == FieldMeta(type=root + ".spec.privateKey")
    assert meta.field(root + ".spec", "dnsNames") == FieldMeta(list=True, list_type="atomic")
    conditions = meta.field(root + ".status", "conditions")
    assert conditions is not None and conditions.list_map_keys == ("type",)
    assert conditions.type == root + ".status.conditions[]"


def _crd(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gizmos.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Gizmo", "plural": "gizmos"},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1", "served": True, "schema": {"openAPIV3Schema": schema}},
            ],
        },
    }


def _types(schema: dict[str, Any]) -> dict[str, TypeMeta]:
    spec = crd_spec([(_crd(schema), "gizmos.yaml")])
    return patch_meta(build_ir(spec, "gizmos"), skip=lambda n: n.startswith("io.k8s.")).types


ROOT_TYPE = "com.example.v1.Gizmo"


def test_crd_extensions() -> None:
    types = _types(
        {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "template": {
                            "type": "object",
                            "x-kubernetes-embedded-resource": True,
                            "x-kubernetes-preserve-unknown-fields": True,
                        },
                        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                        "size": {"x-kubernetes-int-or-string": True},
                        "tags": {
                            "type": "array",
                            "items": {"type": "string"},
                            "x-kubernetes-list-type": "set",
                            "x-kubernetes-patch-strategy": "merge",
                        },
                        "ref": {
                            "type": "object",
                            "x-kubernetes-map-type": "atomic",
                            "properties": {"name": {"type": "string"}},
                        },
                        "labels": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "x-kubernetes-map-type": "atomic",
                        },
                        "plain": {
                            "type": "object",
                            "properties": {"name": {"type": "string"}},
                        },
                    },
                }
            },
        }
    )
    spec = ROOT_TYPE + ".spec"
    assert types[ROOT_TYPE].fields["metadata"] == FieldMeta(type=META + "ObjectMeta")
    fields = types[spec].fields
    assert fields["template"] == FieldMeta(type=spec + ".template")
    assert types[spec + ".template"].fields == {"metadata": FieldMeta(type=META + "ObjectMeta")}
    assert "free" not in fields and "size" not in fields
    # the inline patch strategy is not the API server's (no strategic merge patch for CRs)
    assert fields["tags"] == FieldMeta(list=True, list_type="set")
    assert fields["ref"] == FieldMeta(type=spec + ".ref")
    assert types[spec + ".ref"] == TypeMeta(map_type="atomic")
    assert fields["labels"] == FieldMeta(map=True, map_type="atomic")
    assert fields["plain"] == FieldMeta(type=spec + ".plain")
    assert spec + ".plain" not in types  # a named type with nothing worth knowing


def test_crd_without_properties_is_still_a_kind_with_metadata() -> None:
    types = _types({"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    assert types[ROOT_TYPE].fields == {"metadata": FieldMeta(type=META + "ObjectMeta")}
    assert types[ROOT_TYPE + "List"].fields["items"] == FieldMeta(type=ROOT_TYPE, list=True)


# ----------------------------------------------------------------------------------- loader


def _package(root: Path, name: str, data: dict[str, Any] | None) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text("")
    if data is not None:
        (root / name / PATCH_META_FILE).write_text(json.dumps(data))


@pytest.fixture
def packages(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in list(sys.modules):
            if name.startswith("pm_loader_"):
                del sys.modules[name]
        load_patch_meta.cache_clear()


def test_loader_merges_the_base(packages: Path) -> None:
    base = {"kinds": {"v1/A": "a"}, "types": {"a": {"fields": {"x": {"type": "b"}}}}}
    own = {
        "base": "pm_loader_base",
        "kinds": {"x/v1/C": "c"},
        "types": {"c": {"mapType": "atomic"}},
    }
    _package(packages, "pm_loader_base", base)
    _package(packages, "pm_loader_own", own)
    meta = load_patch_meta("pm_loader_own")
    assert meta.kinds == {"v1/A": "a", "x/v1/C": "c"}
    assert meta.type("c") == TypeMeta(map_type="atomic")
    assert meta.field("a", "x") == FieldMeta(type="b")
    assert meta.type(None) == TypeMeta() and meta.field("nothing", "x") is None


def test_loader_errors(packages: Path) -> None:
    _package(packages, "pm_loader_bare", None)
    with pytest.raises(FileNotFoundError, match=r"pm_loader_bare has no patchmeta\.json"):
        load_patch_meta("pm_loader_bare")
    _package(packages, "pm_loader_loop", {"base": "pm_loader_loop"})
    with pytest.raises(ValueError, match="cycle"):
        load_patch_meta("pm_loader_loop")


def test_to_json_leaves_out_defaults() -> None:
    meta = PatchMeta(
        {"v1/A": "a"},
        {
            "a": TypeMeta(fields={"x": FieldMeta(type="b", list=True, list_map_keys=("k",))}),
            "b": TypeMeta(),
        },
    )
    data = meta.to_json()
    assert data == {
        "kinds": {"v1/A": "a"},
        "types": {"a": {"fields": {"x": {"list": True, "listMapKeys": ["k"], "type": "b"}}}},
    }
    assert PatchMeta.from_json(data).types["a"] == meta.types["a"]
