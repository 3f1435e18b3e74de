"""Every patch type and server-side apply: ownership, conflicts, force."""

from __future__ import annotations

from typing import Any

import pytest

from kubeset import Conflict, Invalid, PatchType, UnsupportedMediaType
from kubeset.dynamic import DynamicClient
from kubeset.model import to_dict
from kubeset_k8s import Clientset
from kubeset_k8s.models.apps_v1 import Deployment
from kubeset_k8s.models.core_v1 import ConfigMap
from kubeset_k8s.models.meta_v1 import ObjectMeta
from tests.conformance.test_crud import deployment


def test_json_patch(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(ConfigMap(metadata=ObjectMeta(name="a"), data={"x": "1", "y": "2"}))
    ops = [
        {"op": "add", "path": "/data/z", "value": "3"},
        {"op": "remove", "path": "/data/x"},
        {"op": "replace", "path": "/data/y", "value": "two"},
        {"op": "add", "path": "/metadata/labels", "value": {"a/b": "c"}},
        {"op": "copy", "from": "/data/z", "path": "/data/w"},
        {"op": "move", "from": "/data/w", "path": "/data/v"},
        {"op": "test", "path": "/data/v", "value": "3"},
    ]
    got = cms.patch("a", ops, patch_type=PatchType.JSON)
    assert got.data == {"y": "two", "z": "3", "v": "3"}
    assert got.metadata is not None and got.metadata.labels == {"a/b": "c"}
    escaped = [{"op": "add", "path": "/metadata/annotations", "value": {"x.io/y": "1"}}]
    cms.patch("a", escaped, patch_type=PatchType.JSON)
    pointer = [{"op": "replace", "path": "/metadata/annotations/x.io~1y", "value": "2"}]
    got = cms.patch("a", pointer, patch_type=PatchType.JSON)
    assert got.metadata is not None and got.metadata.annotations == {"x.io/y": "2"}


def test_json_patch_errors(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(ConfigMap(metadata=ObjectMeta(name="a"), data={"x": "1"}))
    with pytest.raises(Invalid) as failed_test:
        cms.patch("a", [{"op": "test", "path": "/data/x", "value": "2"}], patch_type=PatchType.JSON)
    assert failed_test.value.code == 422
    with pytest.raises(Invalid):
        cms.patch("a", [{"op": "remove", "path": "/data/nope"}], patch_type=PatchType.JSON)
    assert cms.get("a").data == {"x": "1"}


def test_merge_patch(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(
        ConfigMap(metadata=ObjectMeta(name="a", labels={"k": "v"}), data={"x": "1", "y": "2"})
    )
    got = cms.patch("a", {"data": {"x": None, "z": "3"}, "metadata": {"labels": {"n": "m"}}})
    assert got.data == {"y": "2", "z": "3"}
    assert got.metadata is not None and got.metadata.labels == {"k": "v", "n": "m"}


def test_merge_patch_replaces_lists(cs: Clientset, ns: str) -> None:
    deps = cs.apps_v1().deployments(ns)
    deps.create(deployment("web"))
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox"}]}}}}
    got = deps.patch("web", patch, patch_type=PatchType.MERGE)
    containers = got.spec.template.spec.containers  # type: ignore[union-attr]
    assert [c.name for c in containers or []] == ["side"]


def test_strategic_merge_patch_merges_by_key(cs: Clientset, ns: str) -> None:
    deps = cs.apps_v1().deployments(ns)
    deps.create(deployment("web"))
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "nginx:1.28",
                            "env": [{"name": "A", "value": "1"}],
                        },
                        {"name": "side", "image": "busybox"},
                    ]
                }
            }
        }
    }
    got = deps.patch("web", patch, patch_type=PatchType.STRATEGIC)
    containers = got.spec.template.spec.containers  # type: ignore[union-attr]
    assert [(c.name, c.image) for c in containers or []] == [
        ("app", "nginx:1.28"),
        ("side", "busybox"),
    ]
    assert [(e.name, e.value) for e in containers[0].env or []] == [("A", "1")]  # type: ignore[index]
    delete = {
        "spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}
    }
    got = deps.patch("web", delete, patch_type=PatchType.STRATEGIC)
    assert [c.name for c in got.spec.template.spec.containers or []] == ["app"]  # type: ignore[union-attr]


def test_strategic_merge_patch_puts_new_items_first(cs: Clientset, ns: str) -> None:
    deps = cs.apps_v1().deployments(ns)
    deps.create(deployment("web"))  # one container, "app"

    def containers(patch: dict[str, Any]) -> list[tuple[str | None, str | None]]:
        body = {"spec": {"template": {"spec": patch}}}
        got = deps.patch("web", body, patch_type=PatchType.STRATEGIC)
        return [(c.name, c.image) for c in got.spec.template.spec.containers or []]  # type: ignore[union-attr]

    assert containers({"containers": [{"name": "b", "image": "y"}]}) == [
        ("b", "y"),
        ("app", "nginx:1.27"),
    ]
    order = {
        "$setElementOrder/containers": [{"name": "app"}, {"name": "b"}],
        "containers": [{"name": "app", "image": "x2"}],
    }
    assert containers(order) == [("app", "x2"), ("b", "y")]


def test_strategic_merge_patch_primitive_lists_and_replace(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(ConfigMap(metadata=ObjectMeta(name="a", finalizers=["x.io/a"])))
    got = cms.patch("a", {"metadata": {"finalizers": ["x.io/b"]}}, patch_type=PatchType.STRATEGIC)
    assert got.metadata is not None and got.metadata.finalizers == ["x.io/b", "x.io/a"]
    got = cms.patch(
        "a",
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["x.io/a"]}},
        patch_type=PatchType.STRATEGIC,
    )
    assert got.metadata is not None and got.metadata.finalizers == ["x.io/b"]
    got = cms.patch("a", {"metadata": {"finalizers": None}}, patch_type=PatchType.STRATEGIC)
    assert got.metadata is not None and got.metadata.finalizers is None


def managers(obj: object) -> dict[str, str]:
    entries = to_dict(obj)["metadata"].get("managedFields") or []  # type: ignore[arg-type]
    return {e["manager"]: e["operation"] for e in entries}


def test_apply_creates_and_records_ownership(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"x": "1"}}
    made = cms.apply(body, field_manager="tool-a")
    assert made.data == {"x": "1"}
    assert managers(made) == {"tool-a": "Apply"}
    entry = to_dict(made)["metadata"]["managedFields"][0]
    assert entry["fieldsType"] == "FieldsV1"
    assert entry["fieldsV1"] == {"f:data": {"f:x": {}}}
    # another manager applying the same value shares the field without a conflict
    shared = cms.apply({**body, "data": {"x": "1", "y": "2"}}, field_manager="tool-b")
    assert managers(shared) == {"tool-a": "Apply", "tool-b": "Apply"}
    # a different value for a field someone else owns is a conflict ...
    with pytest.raises(Conflict) as conflict:
        cms.apply({**body, "data": {"x": "9"}}, field_manager="tool-c")
    assert conflict.value.message == (
        'Apply failed with 2 conflicts: conflicts with "tool-a":\n- .data.x\n'
        'conflicts with "tool-b":\n- .data.x'
    )
    # ... unless forced, which takes it over
    forced = cms.apply({**body, "data": {"x": "9"}}, field_manager="tool-c", force=True)
    assert forced.data == {"x": "9", "y": "2"}


def test_apply_removes_what_a_manager_stops_applying(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    base = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    cms.apply({**base, "data": {"x": "1", "y": "2"}}, field_manager="tool")
    got = cms.apply({**base, "data": {"x": "1"}}, field_manager="tool")
    assert got.data == {"x": "1"}


def test_update_after_apply_takes_ownership(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    base = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    cms.apply({**base, "data": {"x": "1"}}, field_manager="tool")
    current = cms.get("a")
    current.data = {"x": "2"}
    updated = cms.update(current, field_manager="editor")
    assert managers(updated) == {"editor": "Update"}
    with pytest.raises(Conflict):
        cms.apply({**base, "data": {"x": "1"}}, field_manager="tool")


def test_apply_list_map_items(cs: Clientset, ns: str) -> None:
    deps = cs.apps_v1().deployments(ns)
    spec = to_dict(deployment("web"))
    spec.update(apiVersion="apps/v1", kind="Deployment")
    deps.apply(spec, field_manager="base")
    side = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "side", "image": "busybox"}]},
            },
        },
    }
    got: Deployment = deps.apply(side, field_manager="sidecar")
    names = [c.name for c in got.spec.template.spec.containers or []]  # type: ignore[union-attr]
    assert names == ["app", "side"]
    entry = next(e for e in to_dict(got)["metadata"]["managedFields"] if e["manager"] == "sidecar")
    containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert list(containers) == ['k:{"name":"side"}']


def test_strategic_merge_patch_is_refused_for_custom_resources(certs: Any, ns: str) -> None:
    issuers = certs.certmanager_v1().issuers(ns)
    issuers.create({"metadata": {"name": "self"}, "spec": {"selfSigned": {}}})
    with pytest.raises(ValueError, match="does not accept STRATEGIC patches"):  # kubeset knows
        issuers.patch("self", {"spec": {"selfSigned": {}}}, patch_type=PatchType.STRATEGIC)
    dynamic = DynamicClient(certs.rest).resource("cert-manager.io/v1", "Issuer", ns)
    with pytest.raises(UnsupportedMediaType):  # the server knows too
        dynamic.patch("self", {"spec": {"selfSigned": {}}}, patch_type=PatchType.STRATEGIC)
    got = issuers.patch("self", {"metadata": {"labels": {"a": "b"}}}, patch_type=PatchType.MERGE)
    assert got.metadata.labels == {"a": "b"}
