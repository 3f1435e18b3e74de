"""The fake API server's semantics, through the real generated sync clientset and raw httpx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import kubeset_k8s
from kubeset import errors
from kubeset.fake import Action, FakeServer, fake_clientset
from kubeset_k8s.models.apps_v1 import Deployment
from kubeset_k8s.models.core_v1 import ConfigMap, Namespace, Pod
from kubeset_k8s.models.meta_v1 import ObjectMeta


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def cs(server: FakeServer) -> Iterator[kubeset_k8s.Clientset]:
    with server.clientset(kubeset_k8s.Clientset) as clientset:
        yield clientset


@pytest.fixture
def http(server: FakeServer) -> Iterator[httpx.Client]:
    with httpx.Client(transport=server.transport(), base_url=server.config().host) as client:
        yield client


def cm(name: str = "a", ns: str = "default", **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, **meta},
    }


def pod(name: str = "p", ns: str = "default", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "x"}], **spec},
    }


def deployment(name: str = "d", ns: str = "default", replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "x"}]},
            },
        },
    }


# --- create / get / metadata -----------------------------------------------------------------


def test_create_fills_metadata(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(Namespace(metadata=ObjectMeta(name="default")))
    created = cs.core_v1().pods("default").create(pod())
    md = created.metadata
    assert md is not None and md.uid and md.resource_version and md.creation_timestamp
    assert md.generation == 1
    assert created.status is not None and created.status.phase == "Pending"
    plain = cs.core_v1().config_maps("default").create(cm())
    assert plain.metadata is not None and plain.metadata.generation is None
    assert int(plain.metadata.resource_version or 0) > int(md.resource_version or 0)


def test_creation_timestamp_format(server: FakeServer, http: httpx.Client) -> None:
    server.add_objects(cm())
    body = http.get("/api/v1/namespaces/default/configmaps/a").json()
    stamp = body["metadata"]["creationTimestamp"]
    assert stamp.endswith("Z") and len(stamp) == 20
    assert body["kind"] == "ConfigMap" and body["apiVersion"] == "v1"


def test_generate_name(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(Namespace(metadata=ObjectMeta(name="default")))
    made = (
        cs.core_v1()
        .config_maps("default")
        .create(ConfigMap(metadata=ObjectMeta(generate_name="web-")))
    )
    name = made.metadata.name if made.metadata else ""
    assert name and name.startswith("web-") and len(name) == 9
    assert set(name[4:]) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_namespace_required(cs: kubeset_k8s.Clientset, http: httpx.Client) -> None:
    with pytest.raises(errors.NotFound) as info:
        cs.core_v1().config_maps("nope").create(cm(ns="nope"))
    assert info.value.message == 'namespaces "nope" not found'
    response = http.post("/api/v1/namespaces/nope/configmaps", json=cm(ns="nope"))
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'namespaces "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "kind": "namespaces"},
        "code": 404,
    }


def test_seeding_creates_namespace(server: FakeServer, cs: kubeset_k8s.Clientset) -> None:
    server.add_objects(cm(ns="seeded"))
    ns = cs.core_v1().namespaces().get("seeded")
    assert ns.status is not None and ns.status.phase == "Active"
    assert ns.metadata is not None and ns.metadata.labels == {
        "kubernetes.io/metadata.name": "seeded"
    }


def test_not_found_and_already_exists(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm())
    with pytest.raises(errors.NotFound) as nf:
        cs.core_v1().config_maps("default").get("zz")
    assert nf.value.message == 'configmaps "zz" not found'
    assert nf.value.details == {"name": "zz", "kind": "configmaps"}
    with pytest.raises(errors.AlreadyExists) as ae:
        cs.core_v1().config_maps("default").create(cm())
    assert ae.value.message == 'configmaps "a" already exists'
    with pytest.raises(errors.NotFound) as grouped:
        cs.apps_v1().deployments("default").get("x")
    assert grouped.value.message == 'deployments.apps "x" not found'
    assert grouped.value.details == {"name": "x", "group": "apps", "kind": "deployments"}


def test_invalid_names(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(Namespace(metadata=ObjectMeta(name="default")))
    with pytest.raises(errors.Invalid) as info:
        cs.core_v1().config_maps("default").create(cm("Bad_Name"))
    assert info.value.message.startswith(
        'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'
    )
    assert info.value.causes[0]["field"] == "metadata.name"
    assert info.value.causes[0]["reason"] == "FieldValueInvalid"
    with pytest.raises(errors.Invalid) as missing:
        cs.core_v1().config_maps("default").create({"metadata": {}})
    assert (
        missing.value.message
        == 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required'
    )
    with pytest.raises(errors.Invalid) as label:
        cs.core_v1().namespaces().create({"metadata": {"name": "a.b"}})
    assert "RFC 1123 label" in label.value.message


def test_unknown_resource_and_method(http: httpx.Client) -> None:
    response = http.get("/api/v1/namespaces/default/foos")
    assert response.status_code == 404
    assert response.json()["message"] == "the server could not find the requested resource"
    response = http.post("/api/v1/componentstatuses", json={"metadata": {"name": "x"}})
    assert response.status_code == 405
    assert response.json()["reason"] == "MethodNotAllowed"


def test_method_not_allowed_is_typed(cs: kubeset_k8s.Clientset) -> None:
    from kubeset.request import Request

    req = Request("POST", "/api/v1/componentstatuses", (), b"{}", "application/json")
    with pytest.raises(errors.MethodNotAllowed):
        cs.rest.request(req)


# --- update / status / generation ------------------------------------------------------------


def test_update_conflict(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm())
    client = cs.core_v1().config_maps("default")
    current = client.get("a")
    current.data = {"x": "1"}
    updated = client.update(current)
    current.data = {"x": "2"}
    with pytest.raises(errors.Conflict) as info:
        client.update(current)
    assert info.value.message == (
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; please '
        "apply your changes to the latest version and try again"
    )
    assert updated.data == {"x": "1"}


def test_update_noop_keeps_resource_version(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm())
    client = cs.core_v1().config_maps("default")
    current = client.get("a")
    again = client.update(current)
    assert again.metadata is not None and current.metadata is not None
    assert again.metadata.resource_version == current.metadata.resource_version


def test_update_name_mismatch_and_missing(http: httpx.Client, server: FakeServer) -> None:
    server.add_objects(cm())
    response = http.put("/api/v1/namespaces/default/configmaps/a", json=cm("b"))
    assert response.status_code == 400
    assert (
        response.json()["message"]
        == "the name of the object (b) does not match the name on the URL (a)"
    )
    response = http.put("/api/v1/namespaces/default/configmaps/zz", json=cm("zz"))
    assert response.status_code == 404


def test_status_subresource_rules(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(deployment())
    client = cs.apps_v1().deployments("default")
    current = client.get("d")
    assert current.metadata is not None and current.metadata.generation == 1
    data = current.model_dump(by_alias=True, exclude_none=True, mode="json")
    data["status"] = {"replicas": 3}
    data["spec"]["replicas"] = 5
    data["metadata"]["labels"] = {"x": "2"}
    data["metadata"]["annotations"] = {"y": "2"}
    after = client.update_status(data)
    assert after.status is not None and after.status.replicas == 3
    assert after.spec is not None and after.spec.replicas == 1  # spec ignored
    assert after.metadata is not None and after.metadata.generation == 1
    assert after.metadata.annotations == {"y": "2"} and not after.metadata.labels
    data = after.model_dump(by_alias=True, exclude_none=True, mode="json")
    data["status"] = {"replicas": 9}
    data["spec"]["replicas"] = 4
    main = client.update(data)
    assert main.status is not None and main.status.replicas == 3  # status ignored
    assert main.spec is not None and main.spec.replicas == 4
    assert main.metadata is not None and main.metadata.generation == 2
    labelled = main.model_dump(by_alias=True, exclude_none=True, mode="json")
    labelled["metadata"]["labels"] = {"only": "metadata"}
    assert (client.update(labelled).metadata or ObjectMeta()).generation == 2


def test_pod_status_update_keeps_labels(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(pod())
    client = cs.core_v1().pods("default")
    data = client.get("p").model_dump(by_alias=True, exclude_none=True, mode="json")
    data["metadata"]["labels"] = {"x": "2"}
    data["status"] = {"phase": "Running"}
    after = client.update_status(data)
    assert after.metadata is not None and after.metadata.labels == {"x": "2"}
    assert after.status is not None and after.status.phase == "Running"


def test_scale_subresource(
    cs: kubeset_k8s.Clientset, server: FakeServer, http: httpx.Client
) -> None:
    server.add_objects(deployment(replicas=2))
    scale = http.get("/apis/apps/v1/namespaces/default/deployments/d/scale").json()
    assert scale["kind"] == "Scale" and scale["spec"] == {"replicas": 2}
    assert scale["status"]["selector"] == "app=d"
    scale["spec"]["replicas"] = 6
    response = http.put("/apis/apps/v1/namespaces/default/deployments/d/scale", json=scale)
    assert response.status_code == 200 and response.json()["spec"]["replicas"] == 6
    got = cs.apps_v1().deployments("default").get("d")
    assert got.spec is not None and got.spec.replicas == 6
    assert got.metadata is not None and got.metadata.generation == 2


def test_dry_run(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm())
    before = server.resource_version
    client = cs.core_v1().config_maps("default")
    made = client.create(cm("b"), dry_run=True)
    assert made.metadata is not None and made.metadata.uid
    with pytest.raises(errors.NotFound):
        client.get("b")
    current = client.get("a")
    current.data = {"k": "v"}
    client.update(current, dry_run=True)
    client.delete("a", dry_run=True)
    assert client.get("a").data is None
    assert server.resource_version == before


# --- deletion --------------------------------------------------------------------------------


def test_delete_returns_status(http: httpx.Client, server: FakeServer) -> None:
    (stored,) = server.add_objects(cm())
    response = http.request("DELETE", "/api/v1/namespaces/default/configmaps/a", json={})
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "a", "kind": "configmaps", "uid": stored["metadata"]["uid"]},
    }


def test_finalizers(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm(finalizers=["example.com/x"]))
    client = cs.core_v1().config_maps("default")
    pending = client.delete("a")
    assert pending is not None and pending.metadata is not None
    assert pending.metadata.deletion_timestamp is not None
    assert pending.metadata.deletion_grace_period_seconds == 0
    assert client.delete("a") is not None  # still there
    current = client.get("a")
    current.metadata.finalizers = ["example.com/x", "new"]  # type: ignore[union-attr]
    with pytest.raises(errors.Invalid):
        client.update(current)
    current.metadata.finalizers = []  # type: ignore[union-attr]
    client.update(current)
    with pytest.raises(errors.NotFound):
        client.get("a")


def test_preconditions(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm())
    client = cs.core_v1().config_maps("default")
    with pytest.raises(errors.Conflict) as info:
        client.delete("a", preconditions={"uid": "other"})
    assert (
        "the UID in the precondition (other) does not match the UID in record" in info.value.message
    )
    with pytest.raises(errors.Conflict):
        client.delete("a", preconditions={"resourceVersion": "1"})
    current = client.get("a")
    assert current.metadata is not None
    client.delete("a", preconditions={"uid": current.metadata.uid})


def _owned(kind: str, name: str, owner: dict[str, Any]) -> dict[str, Any]:
    obj = cm(name) if kind == "ConfigMap" else pod(name)
    obj["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"],
        }
    ]
    return obj


def test_propagation_background(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    (owner,) = server.add_objects(deployment())
    server.add_objects(_owned("ConfigMap", "dep", owner), cm("other"))
    cs.apps_v1().deployments("default").delete("d")
    names = [
        c.metadata.name for c in cs.core_v1().config_maps("default").list().items if c.metadata
    ]
    assert names == ["other"]


def test_propagation_orphan(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    (owner,) = server.add_objects(deployment())
    server.add_objects(_owned("ConfigMap", "dep", owner))
    cs.apps_v1().deployments("default").delete("d", propagation_policy="Orphan")
    left = cs.core_v1().config_maps("default").get("dep")
    assert left.metadata is not None and not left.metadata.owner_references


def test_propagation_foreground(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    (owner,) = server.add_objects(deployment())
    blocked = _owned("ConfigMap", "dep", owner)
    blocked["metadata"]["finalizers"] = ["example.com/hold"]
    server.add_objects(blocked)
    deployments = cs.apps_v1().deployments("default")
    pending = deployments.delete("d", propagation_policy="Foreground")
    assert pending is not None and pending.metadata is not None
    assert "foregroundDeletion" in (pending.metadata.finalizers or [])
    dep = cs.core_v1().config_maps("default").get("dep")
    assert dep.metadata is not None and dep.metadata.deletion_timestamp is not None
    dep.metadata.finalizers = []
    cs.core_v1().config_maps("default").update(dep)
    with pytest.raises(errors.NotFound):
        deployments.get("d")


def test_pod_grace(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(pod("unbound"), pod("bound", nodeName="n1"))
    pods = cs.core_v1().pods("default")
    gone = pods.delete("unbound")
    assert gone is not None  # pods answer with the object
    with pytest.raises(errors.NotFound):
        pods.get("unbound")
    terminating = pods.delete("bound")
    assert terminating is not None and terminating.metadata is not None
    assert terminating.metadata.deletion_grace_period_seconds == 30
    assert pods.get("bound").metadata is not None
    pods.delete("bound", grace_period_seconds=0)
    with pytest.raises(errors.NotFound):
        pods.get("bound")


def test_namespace_deletion(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm(ns="doomed"), pod(ns="doomed"), cm(ns="kept"))
    deleted = cs.core_v1().namespaces().delete("doomed")
    assert (
        deleted is not None and deleted.status is not None and deleted.status.phase == "Terminating"
    )
    assert cs.core_v1().config_maps("").list().items[0].metadata.namespace == "kept"  # type: ignore[union-attr]
    assert not cs.core_v1().pods("").list().items
    with pytest.raises(errors.NotFound):
        cs.core_v1().namespaces().get("doomed")


def test_delete_collection(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a", labels={"app": "x"}), cm("b", labels={"app": "y"}), cm("c"))
    cs.core_v1().config_maps("default").delete_collection(label_selector="app")
    names = [
        c.metadata.name for c in cs.core_v1().config_maps("default").list().items if c.metadata
    ]
    assert names == ["c"]


# --- list: selectors, paging, resourceVersion ------------------------------------------------


def test_label_selectors(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(
        cm("a", labels={"app": "web", "tier": "1"}),
        cm("b", labels={"app": "db"}),
        cm("c"),
    )
    client = cs.core_v1().config_maps("default")

    def names(selector: str) -> list[str]:
        return [
            c.metadata.name or "" for c in client.list(label_selector=selector).items if c.metadata
        ]

    assert names("app=web") == ["a"]
    assert names("app==web") == ["a"]
    assert names("app!=web") == ["b", "c"]
    assert names("app in (web,db)") == ["a", "b"]
    assert names("app notin (web)") == ["b", "c"]
    assert names("tier") == ["a"]
    assert names("!tier") == ["b", "c"]
    with pytest.raises(errors.BadRequest):
        client.list(label_selector="a=(b")


def test_field_selectors(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(pod("a", nodeName="n1"), pod("b"), pod("c", ns="other", nodeName="n1"))
    pods = cs.core_v1().pods("")
    on_node = [
        p.metadata.name for p in pods.list(field_selector="spec.nodeName=n1").items if p.metadata
    ]
    assert on_node == ["a", "c"]
    assert len(pods.list(field_selector="spec.nodeName!=n1,metadata.namespace=default").items) == 1
    assert len(pods.list(field_selector="metadata.name=b").items) == 1
    assert len(pods.list(field_selector="status.phase=Pending").items) == 3
    assert len(pods.list(field_selector="spec.hostNetwork=false").items) == 3
    with pytest.raises(errors.BadRequest) as info:
        pods.list(field_selector="spec.foo=bar")
    assert info.value.message == "field label not supported: spec.foo"
    with pytest.raises(errors.BadRequest) as generic:
        cs.core_v1().config_maps("").list(field_selector="spec.foo=bar")
    assert (
        generic.value.message
        == '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )
    with pytest.raises(errors.BadRequest) as job:
        cs.batch_v1().jobs("").list(field_selector="spec.foo=bar")
    assert job.value.message == 'field label "spec.foo" not supported for Job'
    assert not cs.batch_v1().jobs("").list(field_selector="status.successful=1").items
    assert not cs.core_v1().secrets("").list(field_selector="type=Opaque").items
    assert not cs.core_v1().events("").list(field_selector="involvedObject.name=x,reason=y").items


def test_paging(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(*(cm(f"c{i}") for i in range(5)))
    client = cs.core_v1().config_maps("default")
    first = client.list(limit=2)
    assert first.metadata is not None and first.metadata.remaining_item_count == 3
    token = first.metadata.continue_
    assert token
    client.create(cm("c10"))  # after the snapshot: not in the next pages
    client.delete("c3")
    second = client.list(limit=2, continue_=token)
    assert [c.metadata.name for c in second.items if c.metadata] == ["c2", "c3"]
    assert (
        second.metadata is not None
        and second.metadata.resource_version == first.metadata.resource_version
    )
    third = client.list(limit=2, continue_=second.metadata.continue_)
    assert [c.metadata.name for c in third.items if c.metadata] == ["c4"]
    assert third.metadata is not None and not third.metadata.continue_
    assert len(list(client.list_iter(page_size=2))) == 5


def test_expired_continue(cs: kubeset_k8s.Clientset) -> None:
    server = FakeServer(history=3)
    server.add_objects(*(cm(f"c{i}") for i in range(3)))
    with server.clientset(kubeset_k8s.Clientset) as client:
        first = client.core_v1().config_maps("default").list(limit=1)
        for i in range(4):
            client.core_v1().config_maps("default").create(cm(f"n{i}"))
        with pytest.raises(errors.Gone) as info:
            client.core_v1().config_maps("default").list(
                limit=1, continue_=first.metadata.continue_
            )  # type: ignore[union-attr]
        assert info.value.reason == "Expired"
        assert info.value.message.startswith("The provided continue parameter is too old")


def test_bad_continue(http: httpx.Client) -> None:
    response = http.get(
        "/api/v1/namespaces/default/configmaps", params={"limit": "1", "continue": "garbage"}
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("invalid continue token")


def test_list_resource_version_semantics(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a"))
    client = cs.core_v1().config_maps("default")
    old_rv = server.resource_version
    client.create(cm("b"))
    exact = client.list(resource_version=old_rv, resource_version_match="Exact")
    assert [c.metadata.name for c in exact.items if c.metadata] == ["a"]
    assert exact.metadata is not None and exact.metadata.resource_version == old_rv
    newer = client.list(resource_version=old_rv, resource_version_match="NotOlderThan")
    assert len(newer.items) == 2
    with pytest.raises(errors.Timeout) as info:
        client.list(resource_version="999999")
    assert (
        info.value.message
        == f"Timeout: Too large resource version: 999999, current: {server.resource_version}"
    )
    with pytest.raises(errors.Invalid) as bad:
        client.list(resource_version_match="Exact")
    assert bad.value.message == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden unless resourceVersion is provided"
    )


def test_list_items_omit_kind(server: FakeServer, http: httpx.Client) -> None:
    server.add_objects(cm())
    body = http.get("/api/v1/namespaces/default/configmaps").json()
    assert body["kind"] == "ConfigMapList" and "kind" not in body["items"][0]


def test_metadata_only(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm("a", labels={"x": "1"}))
    meta = cs.core_v1().config_maps("default").list_metadata()
    assert meta.kind == "PartialObjectMetadataList"
    assert meta.items and meta.items[0].metadata and meta.items[0].metadata.labels == {"x": "1"}
    one = cs.core_v1().config_maps("default").get_metadata("a")
    assert one.kind == "PartialObjectMetadata"


# --- patches ---------------------------------------------------------------------------------


def test_patches(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    from kubeset.resource import PatchType

    server.add_objects(cm(labels={"a": "1"}), deployment())
    client = cs.core_v1().config_maps("default")
    merged = client.patch("a", {"data": {"k": "v"}})
    assert merged.data == {"k": "v"}
    jp = client.patch(
        "a", [{"op": "add", "path": "/data/j", "value": "w"}], patch_type=PatchType.JSON
    )
    assert jp.data == {"k": "v", "j": "w"}
    smp = (
        cs.apps_v1()
        .deployments("default")
        .patch(
            "d",
            {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "y"}]}}}},
            patch_type=PatchType.STRATEGIC,
        )
    )
    assert smp.spec is not None and smp.metadata is not None and smp.metadata.generation == 2
    with pytest.raises(errors.NotFound):
        client.patch("zz", {"data": {}})
    with pytest.raises(errors.Conflict):
        client.patch("a", {"metadata": {"resourceVersion": "1"}})


def test_apply(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(Namespace(metadata=ObjectMeta(name="default")))
    client = cs.core_v1().config_maps("default")
    made = client.apply(cm() | {"data": {"a": "1"}}, field_manager="one")
    assert made.data == {"a": "1"}
    assert made.metadata is not None and made.metadata.managed_fields
    with pytest.raises(errors.FieldManagerConflict):
        client.apply(cm() | {"data": {"a": "2"}}, field_manager="two")
    forced = client.apply(cm() | {"data": {"a": "2"}}, field_manager="two", force=True)
    assert forced.data == {"a": "2"}


def test_patch_content_types(http: httpx.Client, server: FakeServer) -> None:
    server.add_objects(cm())
    response = http.patch(
        "/api/v1/namespaces/default/configmaps/a",
        content=b"{}",
        headers={"Content-Type": "application/apply-patch+yaml"},
    )
    assert response.status_code == 422
    assert (
        response.json()["message"]
        == 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
    )
    response = http.patch(
        "/api/v1/namespaces/default/configmaps/a",
        content=b"{}",
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 415


# --- reactors, actions, discovery ------------------------------------------------------------


def test_actions_recorded(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(Namespace(metadata=ObjectMeta(name="default")))
    server.clear_actions()
    cs.core_v1().config_maps("default").create(cm())
    cs.core_v1().config_maps("default").list(label_selector="a=b")
    actions = server.actions
    assert [(a.verb, a.resource, a.namespace) for a in actions] == [
        ("create", "configmaps", "default"),
        ("list", "configmaps", "default"),
    ]
    assert actions[0].body["metadata"]["name"] == "a"
    assert actions[1].query == {"labelSelector": "a=b"}
    server.clear_actions()
    assert server.actions == []


def test_reactors(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm())
    seen: list[Action] = []

    def record(action: Action) -> None:
        seen.append(action)

    def refuse(action: Action) -> Exception:
        return errors.Conflict("busy")

    server.prepend_reactor("*", "*", record)
    server.prepend_reactor("update", "configmaps", refuse)
    client = cs.core_v1().config_maps("default")
    with pytest.raises(errors.Conflict) as info:
        client.update(client.get("a"))
    assert info.value.message == "busy"
    server.prepend_reactor(
        "get",
        "configmaps",
        lambda a: httpx.Response(418, json={"kind": "Status", "code": 418, "message": "teapot"}),
    )
    with pytest.raises(errors.ApiError) as teapot:
        client.get("a")
    assert teapot.value.code == 418
    assert [a.verb for a in seen] == ["get"]


def test_reactor_delay(cs: kubeset_k8s.Clientset, server: FakeServer) -> None:
    server.add_objects(cm())
    server.prepend_reactor("get", "*", lambda action: time.sleep(0.05))
    start = time.monotonic()
    cs.core_v1().config_maps("default").get("a")
    assert time.monotonic() - start >= 0.05


def test_discovery(cs: kubeset_k8s.Clientset, http: httpx.Client) -> None:
    from kubeset.meta import resource_info

    groups = cs.discovery().server_groups()
    names = [g.name for g in groups]
    assert names[0] == "" and "apps" in names
    apps = next(g for g in groups if g.name == "apps")
    assert apps.preferred_version is not None and apps.preferred_version.version == "v1"
    doc = cs.discovery().server_resources_for_group_version("apps/v1")
    info = resource_info(doc, "apps/v1", "Deployment")
    assert info.plural == "deployments" and info.namespaced
    assert info.subresources["scale"] == frozenset({"get", "update", "patch"})
    assert info.subresource_kinds["scale"] == ("autoscaling/v1", "Scale")
    assert http.get("/version").json()["gitVersion"].startswith("v1.36")
    assert cs.discovery().server_version().minor == "36"


def test_dynamic_client(server: FakeServer) -> None:
    from kubeset.dynamic import DynamicClient

    server.add_objects(cm(labels={"a": "b"}))
    http = httpx.Client(transport=server.transport(), base_url=server.config().host)
    with DynamicClient.for_config(server.config(), http_client=http) as dyn:
        maps = dyn.resource("v1", "ConfigMap", namespace="default")
        assert maps.get("a")["metadata"]["labels"] == {"a": "b"}
        patched = maps.patch("a", {"data": {"x": "y"}})
        assert patched["data"] == {"x": "y"}
        with pytest.raises(errors.NotFound):
            maps.get("nope")


def test_fake_clientset_helper() -> None:
    cs = fake_clientset(kubeset_k8s.Clientset, Pod(metadata=ObjectMeta(name="p", namespace="ns1")))
    with cs:
        assert [p.metadata.name for p in cs.core_v1().pods("ns1").list().items if p.metadata] == [
            "p"
        ]
        server: FakeServer = cs.fake  # type: ignore[attr-defined]
        assert isinstance(server, FakeServer)
        assert (
            json.loads(json.dumps(server.get_object("v1", "Pod", "ns1", "p")))["metadata"]["name"]
            == "p"
        )


def test_models_seeded(server: FakeServer, cs: kubeset_k8s.Clientset) -> None:
    server.add_objects(Deployment(metadata=ObjectMeta(name="m", namespace="default")))
    assert cs.apps_v1().deployments("default").get("m").metadata is not None
