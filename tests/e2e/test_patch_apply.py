"""The four patch types and server-side apply against a real kube-apiserver."""

from __future__ import annotations

import pytest

from kubeset import Conflict, PatchType, UnsupportedMediaType
from kubeset.request import Request
from kubeset_k8s import Clientset
from kubeset_k8s.models.apps_v1 import Deployment, DeploymentSpec
from kubeset_k8s.models.meta_v1 import ObjectMeta
from tests.e2e.test_crud import deployment


def _containers(d: Deployment) -> list[tuple[str, str]]:
    spec = d.spec.template.spec if d.spec and d.spec.template else None
    return [(c.name or "", c.image or "") for c in (spec.containers if spec else [])]


def test_strategic_merge_merges_by_key_where_merge_patch_replaces(cs: Clientset, ns: str) -> None:
    deployments = cs.apps_v1().deployments(ns)
    deployments.create(deployment("smp", containers=("a", "b")))
    body = {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b:2"}]}}}}
    merged = deployments.patch("smp", body, patch_type=PatchType.STRATEGIC)
    assert _containers(merged) == [("a", "a:1"), ("b", "b:2")]  # merged by name
    body["spec"]["template"]["spec"]["containers"][0]["image"] = "b:3"
    replaced = deployments.patch("smp", body, patch_type=PatchType.MERGE)
    assert _containers(replaced) == [("b", "b:3")]  # the whole list replaced


def test_json_patch(cs: Clientset, ns: str) -> None:
    deployments = cs.apps_v1().deployments(ns)
    deployments.create(deployment("jp", replicas=1))
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 4},
        {"op": "add", "path": "/metadata/labels/patched", "value": "json"},
    ]
    patched = deployments.patch("jp", ops, patch_type=PatchType.JSON)
    assert patched.spec and patched.spec.replicas == 4
    assert patched.metadata and (patched.metadata.labels or {})["patched"] == "json"
    with pytest.raises(ValueError, match="JSON patch"):
        deployments.patch("jp", ops)  # a list is only a JSON patch


def test_merge_patch_with_dry_run_and_field_manager(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create({"metadata": {"name": "m"}, "data": {"a": "1", "b": "2"}})
    dry = cms.patch("m", {"data": {"b": None, "c": "3"}}, dry_run=True)
    assert dry.data == {"a": "1", "c": "3"}
    assert cms.get("m").data == {"a": "1", "b": "2"}
    real = cms.patch("m", {"data": {"b": None, "d": "4"}}, field_manager="patcher")
    assert real.data == {"a": "1", "d": "4"} and real.metadata
    assert "patcher" in {m.manager for m in real.metadata.managed_fields or []}


def test_server_side_apply_conflict_and_force(cs: Clientset, ns: str) -> None:
    deployments = cs.apps_v1().deployments(ns)
    mine = deployment("ssa", replicas=2)
    applied = deployments.apply(mine, field_manager="team-a")
    assert applied.spec and applied.spec.replicas == 2
    # Re-applying the same intent is a no-op for the same manager.
    again = deployments.apply(mine, field_manager="team-a")
    assert again.spec and again.spec.replicas == 2
    theirs = Deployment(metadata=ObjectMeta(name="ssa"), spec=DeploymentSpec(replicas=5))
    with pytest.raises(Conflict) as info:
        deployments.apply(theirs, field_manager="team-b")
    assert info.value.code == 409
    assert any("team-a" in (c.get("message") or "") for c in info.value.details.get("causes", []))
    forced = deployments.apply(theirs, field_manager="team-b", force=True)
    assert forced.spec and forced.spec.replicas == 5
    owners = (
        {m.manager for m in (forced.metadata.managed_fields or [])} if forced.metadata else set()
    )
    assert {"team-a", "team-b"} <= owners
    # apply() of an object read from the server works too (managedFields are not sent back).
    current = deployments.get("ssa")
    assert deployments.apply(current, field_manager="team-b", force=True).metadata


def test_apply_patch_type_through_patch(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ap"}, "data": {"k": "v"}}
    created = cms.patch("ap", body, patch_type=PatchType.APPLY, field_manager="raw-apply")
    assert created.data == {"k": "v"}


def test_unsupported_patch_content_type_is_a_typed_415(cs: Clientset, ns: str) -> None:
    cs.core_v1().config_maps(ns).create({"metadata": {"name": "u"}})
    request = Request(
        "PATCH", f"/api/v1/namespaces/{ns}/configmaps/u", (), b"{}", "application/x-no-such-patch"
    )
    with pytest.raises(UnsupportedMediaType) as info:
        cs.rest.request(request)
    assert info.value.code == 415
