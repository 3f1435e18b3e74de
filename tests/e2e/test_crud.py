"""CRUD, typed errors, selectors, paging, dry run, deletion policies and discovery against a real
kube-apiserver."""

from __future__ import annotations

import pytest

from kubeset import AlreadyExists, Conflict, Invalid, NotFound, to_dict
from kubeset_k8s import Clientset
from kubeset_k8s.models.apps_v1 import Deployment, DeploymentSpec
from kubeset_k8s.models.core_v1 import ConfigMap, Container, PodSpec, PodTemplateSpec
from kubeset_k8s.models.meta_v1 import LabelSelector, ObjectMeta
from kubeset_k8s.models.rbac_v1 import ClusterRole, PolicyRule


def _cm(name: str, labels: dict[str, str] | None = None, **data: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, labels=labels), data=data or None)


def deployment(name: str, replicas: int = 1, containers: tuple[str, ...] = ("web",)) -> Deployment:
    labels = {"app": name}
    return Deployment(
        metadata=ObjectMeta(name=name, labels=labels),
        spec=DeploymentSpec(
            replicas=replicas,
            selector=LabelSelector(match_labels=labels),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels=labels),
                spec=PodSpec(containers=[Container(name=c, image=f"{c}:1") for c in containers]),
            ),
        ),
    )


def test_namespaced_crud(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    created = cms.create(_cm("one", a="1"))
    assert created.metadata and created.metadata.uid and created.metadata.namespace == ns
    got = cms.get("one")
    assert got.data == {"a": "1"} and got.metadata and got.metadata.uid == created.metadata.uid
    assert got.data is not None
    got.data["b"] = "2"
    updated = cms.update(got)
    assert updated.data == {"a": "1", "b": "2"}
    assert (
        updated.metadata and updated.metadata.resource_version != created.metadata.resource_version
    )
    assert [c.metadata.name for c in cms.list().items or [] if c.metadata] == ["one"]
    assert cms.delete("one") is None  # configmaps go at once: the server answers with a Status
    with pytest.raises(NotFound):
        cms.get("one")


def test_cluster_scoped_crud(cs: Clientset) -> None:
    roles = cs.rbac_v1().cluster_roles()
    rule = PolicyRule(api_groups=[""], resources=["pods"], verbs=["get"])
    role = roles.create(ClusterRole(metadata=ObjectMeta(name="e2e-reader"), rules=[rule]))
    assert role.metadata and role.metadata.namespace is None
    role.rules = [
        *(role.rules or []),
        PolicyRule(api_groups=[""], resources=["nodes"], verbs=["list"]),
    ]
    assert len(roles.update(role).rules or []) == 2
    assert "e2e-reader" in {r.metadata.name for r in roles.list().items or [] if r.metadata}
    roles.delete("e2e-reader")
    with pytest.raises(NotFound):
        roles.get("e2e-reader")


def test_conflict_on_stale_resource_version(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    stale = cms.create(_cm("c", v="1"))
    fresh = cms.get("c")
    fresh.data = {"v": "2"}
    cms.update(fresh)
    stale.data = {"v": "3"}
    with pytest.raises(Conflict) as info:
        cms.update(stale)
    assert info.value.code == 409 and info.value.reason == "Conflict"
    assert info.value.request and info.value.request.method == "PUT"
    assert cms.get("c").data == {"v": "2"}


def test_already_exists_and_not_found_are_typed(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(_cm("dup"))
    with pytest.raises(AlreadyExists) as exists:
        cms.create(_cm("dup"))
    assert exists.value.code == 409 and exists.value.details["name"] == "dup"
    with pytest.raises(NotFound) as missing:
        cms.get("nope")
    assert missing.value.details == {"name": "nope", "kind": "configmaps"}
    assert (
        missing.value.request
        and missing.value.request.path == f"/api/v1/namespaces/{ns}/configmaps/nope"
    )
    assert "404" in str(missing.value)


def test_invalid_names_the_field(cs: Clientset, ns: str) -> None:
    with pytest.raises(Invalid) as info:
        cs.core_v1().config_maps(ns).create(_cm("Not_A_Valid_Name"))
    assert info.value.code == 422
    assert any(c.get("field") == "metadata.name" for c in info.value.causes)


def test_label_and_field_selectors(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    for name, tier in (("a", "web"), ("b", "web"), ("c", "db")):
        cms.create(_cm(name, {"tier": tier, "suite": "selectors"}))
    names = lambda items: sorted(i.metadata.name for i in items or [] if i.metadata)  # noqa: E731
    assert names(cms.list(label_selector="tier=web").items) == ["a", "b"]
    assert names(cms.list(label_selector="tier in (db),suite=selectors").items) == ["c"]
    assert names(cms.list(label_selector="tier!=web,suite").items) == ["c"]
    assert names(cms.list(field_selector="metadata.name=b").items) == ["b"]
    assert names(cms.list(field_selector="metadata.name!=b", label_selector="suite").items) == [
        "a",
        "c",
    ]


def test_paging_through_1250_objects(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    total = 1250
    for i in range(total):
        cms.create(_cm(f"cm-{i:04d}", {"paged": "yes"}))
    first = cms.list(limit=500)  # remainingItemCount is only reported without selectors
    assert len(first.items or []) == 500
    assert (
        first.metadata and first.metadata.continue_ and first.metadata.remaining_item_count == 750
    )
    pages, seen, token = 0, [], None
    while True:
        page = cms.list(limit=300, continue_=token, label_selector="paged=yes")
        pages += 1
        seen += [i.metadata.name for i in page.items or [] if i.metadata]
        token = page.metadata.continue_ if page.metadata else None
        if not token:
            break
    assert pages == 5 and len(seen) == total and len(set(seen)) == total
    iterated = [
        i.metadata.name
        for i in cms.list_iter(page_size=200, label_selector="paged=yes")
        if i.metadata
    ]
    assert iterated == sorted(seen)


def test_dry_run_persists_nothing(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    echoed = cms.create(_cm("dry", a="1"), dry_run=True)
    assert echoed.metadata and echoed.metadata.name == "dry" and echoed.data == {"a": "1"}
    with pytest.raises(NotFound):
        cms.get("dry")
    real = cms.create(_cm("wet", a="1"))
    real.data = {"a": "changed"}
    cms.update(real, dry_run=True)
    assert cms.get("wet").data == {"a": "1"}
    cms.delete("wet", dry_run=True)
    assert cms.get("wet").metadata


def test_delete_with_propagation_policy_and_preconditions(cs: Clientset, ns: str) -> None:
    deployments = cs.apps_v1().deployments(ns)
    deployments.create(deployment("fg"))
    pending = deployments.delete("fg", propagation_policy="Foreground")
    # No garbage collector runs in envtest, so the foreground finalizer stays and we see it.
    assert pending is not None and pending.metadata and pending.metadata.deletion_timestamp
    assert "foregroundDeletion" in (pending.metadata.finalizers or [])
    orphan = deployments.create(deployment("orphan"))
    assert orphan.metadata
    with pytest.raises(Conflict):
        deployments.delete("orphan", preconditions={"uid": "00000000-0000-0000-0000-000000000000"})
    gone = deployments.delete(
        "orphan", propagation_policy="Orphan", preconditions={"uid": orphan.metadata.uid}
    )
    assert gone is not None and gone.metadata and "orphan" in (gone.metadata.finalizers or [])
    cms = cs.core_v1().config_maps(ns)
    cms.create(_cm("grace"))
    assert cms.delete("grace", grace_period_seconds=0) is None


def test_delete_collection(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    for i in range(4):
        cms.create(_cm(f"doomed-{i}", {"doomed": "yes"}))
    cms.create(_cm("kept"))
    cms.delete_collection(label_selector="doomed=yes")
    assert [c.metadata.name for c in cms.list().items or [] if c.metadata] == ["kept"]


def test_read_modify_write_keeps_every_field(cs: Clientset, ns: str) -> None:
    """An object read, changed in one place and written back comes back identical elsewhere."""
    deployments = cs.apps_v1().deployments(ns)
    deployments.create(deployment("rmw", replicas=2, containers=("a", "b")))
    before = deployments.get("rmw")
    assert before.metadata
    before.metadata.labels = {**(before.metadata.labels or {}), "touched": "yes"}
    after = deployments.update(before)
    want, got = to_dict(before), to_dict(after)
    for changing in ("resourceVersion", "managedFields", "generation"):
        want["metadata"].pop(changing, None)
        got["metadata"].pop(changing, None)
    assert got == want


def test_discovery(cs: Clientset) -> None:
    version = cs.discovery().server_version()
    assert version.git_version and version.git_version.startswith("v1.36.")
    groups = {g.name for g in cs.discovery().server_groups()}
    assert {"", "apps", "rbac.authorization.k8s.io"} <= groups
    resources = cs.discovery().server_resources_for_group_version("v1").resources or []
    names = {r.name for r in resources}
    assert {"pods", "pods/status", "pods/eviction", "configmaps", "serviceaccounts/token"} <= names
    pods = next(r for r in resources if r.name == "pods")
    assert pods.namespaced and pods.kind == "Pod" and "watch" in (pods.verbs or [])


def test_metadata_only_reads(cs: Clientset, ns: str) -> None:
    """list_metadata/get_metadata/watch_metadata: the server sends metadata, never data."""
    cms = cs.core_v1().config_maps(ns)
    for i in range(3):
        cms.create(_cm(f"meta-{i}", {"app": "m"}, secret="not-sent"))
    listed = cms.list_metadata(label_selector="app=m")
    assert (
        listed.kind == "PartialObjectMetadataList"
        and listed.metadata
        and listed.metadata.resource_version
    )
    assert [i.metadata.name for i in listed.items or [] if i.metadata] == [
        "meta-0",
        "meta-1",
        "meta-2",
    ]
    first = (listed.items or [])[0]
    assert (
        first.kind == "PartialObjectMetadata"
        and first.metadata
        and first.metadata.labels == {"app": "m"}
    )
    assert "data" not in to_dict(first) and first.metadata.uid and first.metadata.creation_timestamp
    one = cms.get_metadata("meta-1")
    assert one.metadata and one.metadata.name == "meta-1" and "data" not in to_dict(one)
    with cms.watch_metadata(
        resource_version=listed.metadata.resource_version, timeout_seconds=10
    ) as watch:
        cms.delete("meta-2")
        event = next(iter(watch))
    assert (
        event.type == "DELETED" and event.object.metadata and event.object.metadata.name == "meta-2"
    )
    assert "data" not in to_dict(event.object)
