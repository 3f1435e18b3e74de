"""The status and scale subresources, and deletion: finalizers, preconditions, propagation."""

from __future__ import annotations

from typing import Any

import pytest

from kubeset import Conflict, NotFound
from kubeset.model import to_dict
from kubeset_k8s import Clientset
from kubeset_k8s.models.apps_v1 import DeploymentStatus
from kubeset_k8s.models.autoscaling_v1 import Scale, ScaleSpec
from kubeset_k8s.models.core_v1 import ConfigMap
from kubeset_k8s.models.meta_v1 import ObjectMeta, OwnerReference
from tests.conformance.test_crud import deployment


def test_update_ignores_status_and_update_status_ignores_spec(cs: Clientset, ns: str) -> None:
    deps = cs.apps_v1().deployments(ns)
    made = deps.create(deployment("web"))
    made.status = DeploymentStatus(replicas=5)
    assert made.spec is not None
    made.spec.replicas = 2
    updated = deps.update(made)
    assert updated.spec is not None and updated.spec.replicas == 2
    assert updated.status is None or updated.status.replicas is None
    updated.status = DeploymentStatus(replicas=7, observed_generation=2)
    assert updated.spec is not None
    updated.spec.replicas = 9
    after = deps.update_status(updated)
    assert after.status is not None and after.status.replicas == 7
    assert after.spec is not None and after.spec.replicas == 2
    assert after.metadata is not None and after.metadata.generation == 2
    patched = deps.patch_status("web", {"status": {"replicas": 8}})
    assert patched.status is not None and patched.status.replicas == 8


def test_create_drops_status(cs: Clientset, ns: str) -> None:
    body = to_dict(deployment("web"))
    body["status"] = {"replicas": 3}
    made = cs.apps_v1().deployments(ns).create(body)
    assert made.status is None or made.status.replicas is None


def test_scale(cs: Clientset, ns: str) -> None:
    deps = cs.apps_v1().deployments(ns)
    deps.create(deployment("web"))
    scale = deps.get_scale("web")
    assert scale.spec is not None and scale.spec.replicas == 1
    assert scale.metadata is not None and scale.metadata.name == "web"
    new = Scale(metadata=ObjectMeta(name="web"), spec=ScaleSpec(replicas=4))
    got = deps.update_scale("web", new)
    assert got.spec is not None and got.spec.replicas == 4
    assert deps.get("web").spec.replicas == 4  # type: ignore[union-attr]


def test_finalizers_hold_a_deletion(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(ConfigMap(metadata=ObjectMeta(name="a", finalizers=["example.com/hold"])))
    pending = cms.delete("a")
    assert pending is not None and pending.metadata is not None
    assert pending.metadata.deletion_timestamp is not None
    assert pending.metadata.deletion_grace_period_seconds == 0
    held = cms.get("a")
    assert held.metadata is not None and held.metadata.deletion_timestamp is not None
    # a deleting object takes no new finalizers but may lose its own
    held.metadata.finalizers = []
    cms.update(held)
    with pytest.raises(NotFound):
        cms.get("a")


def test_preconditions(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    made = cms.create(ConfigMap(metadata=ObjectMeta(name="a")))
    assert made.metadata is not None
    with pytest.raises(Conflict) as wrong_uid:
        cms.delete("a", preconditions={"uid": "00000000-0000-0000-0000-000000000000"})
    assert wrong_uid.value.message.startswith(
        'Operation cannot be fulfilled on ConfigMap "a": the UID in the precondition '
        "(00000000-0000-0000-0000-000000000000) does not match the UID in record"
    )
    with pytest.raises(Conflict):
        cms.delete("a", preconditions={"resourceVersion": "1"})
    cms.delete(
        "a",
        preconditions={"uid": made.metadata.uid, "resourceVersion": made.metadata.resource_version},
    )
    with pytest.raises(NotFound):
        cms.get("a")


def _owned(cs: Clientset, ns: str) -> tuple[Any, Any]:
    cms = cs.core_v1().config_maps(ns)
    owner = cms.create(ConfigMap(metadata=ObjectMeta(name="owner")))
    assert owner.metadata is not None
    ref = OwnerReference(
        api_version="v1", kind="ConfigMap", name="owner", uid=str(owner.metadata.uid)
    )
    child = cms.create(ConfigMap(metadata=ObjectMeta(name="child", owner_references=[ref])))
    return owner, child


@pytest.mark.parametrize(
    ("policy", "finalizer"), [("Foreground", "foregroundDeletion"), ("Orphan", "orphan")]
)
def test_propagation_policies_mark_the_owner(
    cs: Clientset, ns: str, policy: Any, finalizer: str
) -> None:
    """What the apiserver itself does: the owner is marked with the policy's finalizer and a
    deletionTimestamp; the garbage collector (kube-controller-manager) does the rest, and
    neither envtest nor the fake run one."""
    cms = cs.core_v1().config_maps(ns)
    _owned(cs, ns)
    pending = cms.delete("owner", propagation_policy=policy)
    assert pending is not None and pending.metadata is not None
    assert pending.metadata.finalizers == [finalizer]
    assert pending.metadata.deletion_timestamp is not None
    assert cms.get("child").metadata is not None


def test_background_deletes_the_owner_at_once(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    _owned(cs, ns)
    assert cms.delete("owner", propagation_policy="Background") is None
    with pytest.raises(NotFound):
        cms.get("owner")


def test_delete_collection_with_a_selector(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    for name, team in (("a", "x"), ("b", "x"), ("c", "y")):
        cms.create(ConfigMap(metadata=ObjectMeta(name=name, labels={"team": team})))
    cms.delete_collection(label_selector="team=x")
    assert [o.metadata.name for o in cms.list().items or [] if o.metadata] == ["c"]
