"""Compact objects (kubeset.compact): typed, lossless, validated on first touch, thread-safe."""

from __future__ import annotations

import copy
import json
import pickle
import threading
from typing import Any

import pytest

from kubeset import compact
from kubeset.cache import Indexer, Lister, drop_managed_fields
from kubeset.decode import decode_event, resource_version_of
from kubeset.errors import DecodeError, Gone
from kubeset.model import to_dict
from kubeset.store import labels_of, meta_namespace_key
from kubeset_k8s.models.core_v1 import Pod, PodList

MANAGED = [
    {
        "manager": "kube-controller-manager",
        "operation": "Update",
        "apiVersion": "v1",
        "time": "2026-01-01T00:00:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {"f:containers": {'k:{"name":"app"}': {".": {}, "f:image": {}}}}},
    },
    {
        "manager": "kubelet",
        "operation": "Update",
        "apiVersion": "v1",
        "time": "2026-01-01T00:00:01Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:status": {"f:phase": {}}},
        "subresource": "status",
    },
]


def pod_dict(name: str = "web-1", version: str = "42", **extra: Any) -> dict[str, Any]:
    # The apiserver's own field order: metadata first, managedFields last in it.
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "uid": "0b5e7f44-1a2b-4c3d-8e9f-001122334455",
            "resourceVersion": version,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app": "web", "tier": "front"},
            "annotations": {"note": 'has "quotes" and ] brackets ['},
            "managedFields": MANAGED,
        },
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}], "futureField": [1, 2]},
        "status": {"phase": "Running"},
        **extra,
    }


def line(kind: str, obj: dict[str, Any]) -> str:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":"))


def decoder(drop: bool = False) -> Any:
    return compact.event_decoder(Pod, lambda raw, req: decode_event(Pod, raw, req), drop=drop)


def test_a_compact_object_is_the_model_and_validates_on_first_touch() -> None:
    event = decoder()(line("ADDED", pod_dict()), None)
    obj = event.object
    assert event.type == "ADDED"
    assert isinstance(obj, Pod) and compact.is_compact(obj)
    # the cache reads metadata without validating
    assert meta_namespace_key(obj) == "shop/web-1"
    assert resource_version_of(obj) == "42"
    assert labels_of(obj) == {"app": "web", "tier": "front"}
    assert compact.is_compact(obj)
    # the first attribute validates: afterwards it is exactly a Pod
    assert obj.spec is not None and obj.spec.containers[0].image == "nginx:1.27"
    assert type(obj) is Pod and not compact.is_compact(obj)
    assert obj == Pod.model_validate(pod_dict())


def test_lossless_unknown_fields_and_managed_fields_survive() -> None:
    obj = decoder()(line("MODIFIED", pod_dict()), None).object
    assert to_dict(obj) == pod_dict()


@pytest.mark.parametrize(
    "touch",
    [
        lambda o: o.model_dump(mode="json", by_alias=True, exclude_unset=True),
        lambda o: json.loads(o.model_dump_json(by_alias=True, exclude_unset=True)),
        lambda o: to_dict(copy.deepcopy(o)),
        lambda o: to_dict(copy.copy(o)),
        lambda o: to_dict(pickle.loads(pickle.dumps(o))),
        lambda o: to_dict(o.model_copy(deep=True)),
        lambda o: to_dict(PodList(items=[o])).get("items", [None])[0],
        lambda o: to_dict(Pod.model_validate(o)),
    ],
    ids=["dump", "dump_json", "deepcopy", "copy", "pickle", "model_copy", "nested", "revalidate"],
)
def test_every_way_of_reading_sees_the_whole_object(touch: Any) -> None:
    obj = decoder()(line("ADDED", pod_dict()), None).object
    assert touch(obj) == pod_dict()


def test_writes_go_to_the_validated_object() -> None:
    obj = decoder()(line("ADDED", pod_dict()), None).object
    obj.metadata.labels = {"changed": "yes"}  # type: ignore[union-attr]
    assert type(obj) is Pod
    assert to_dict(obj)["metadata"]["labels"] == {"changed": "yes"}
    other = decoder()(line("ADDED", pod_dict()), None).object
    other.status = None
    assert type(other) is Pod and other.status is None


def test_repr_and_equality_materialise() -> None:
    a = decoder()(line("ADDED", pod_dict()), None).object
    b = decoder()(line("ADDED", pod_dict()), None).object
    assert a == b
    assert repr(a).startswith("Pod(")


def test_concurrent_first_touches_see_one_object() -> None:
    for _ in range(20):
        obj = decoder()(line("ADDED", pod_dict()), None).object
        seen: list[Any] = []
        barrier = threading.Barrier(8)

        def touch(o: Any, b: threading.Barrier, out: list[Any]) -> None:
            b.wait(timeout=10)
            out.append(o.spec)

        threads = [threading.Thread(target=touch, args=(obj, barrier, seen)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert len(seen) == 8
        assert all(s is obj.spec for s in seen)  # one set of fields, whoever validated


def test_a_text_that_does_not_fit_the_model_raises_a_typed_error_on_touch() -> None:
    bad = pod_dict()
    bad["spec"]["containers"] = "not a list"
    obj = decoder()(line("ADDED", bad), None).object
    assert resource_version_of(obj) == "42"  # the head was fine
    with pytest.raises(DecodeError, match=r"Pod shop/web-1 \(resourceVersion 42\)"):
        _ = obj.spec


def test_isinstance_checks_do_not_validate() -> None:
    obj = decoder()(line("ADDED", pod_dict()), None).object
    assert not isinstance(obj, dict)
    assert isinstance(obj, Pod)
    assert compact.is_compact(obj)


@pytest.mark.parametrize("layout", ["apiserver", "sorted keys", "no managedFields"])
def test_the_head_is_read_in_every_layout(layout: str) -> None:
    obj = pod_dict()
    if layout == "sorted keys":  # custom resources: Go maps encode sorted, name after managedFields
        text = json.dumps(
            {"type": "MODIFIED", "object": obj}, sort_keys=True, separators=(",", ":")
        )
    elif layout == "no managedFields":
        del obj["metadata"]["managedFields"]
        text = line("MODIFIED", obj)
    else:
        text = line("MODIFIED", obj)
    got = decoder()(text, None).object
    assert compact.compact_meta(got) == compact.CompactMeta(
        "shop", "web-1", "42", obj["metadata"]["labels"]
    )
    assert to_dict(got) == obj


def test_a_non_apiserver_envelope_is_reencoded() -> None:
    text = json.dumps({"object": pod_dict(), "type": "ADDED"})  # object first, with spaces
    got = decoder()(text, None)
    assert got.type == "ADDED" and to_dict(got.object) == pod_dict()


def test_bookmarks_and_errors_take_the_eager_path() -> None:
    bookmark = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "77", "annotations": {"k8s.io/initial-events-end": "true"}},
    }
    event = decoder()(line("BOOKMARK", bookmark), None)
    assert event.type == "BOOKMARK" and not compact.is_compact(event.object)
    assert event.object.metadata.annotations == {"k8s.io/initial-events-end": "true"}
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "Expired",
        "code": 410,
    }
    with pytest.raises(Gone):
        decoder()(line("ERROR", status), None)
    with pytest.raises(DecodeError):
        decoder()("{not json", None)


def expected_without_managed_fields() -> dict[str, Any]:
    want = pod_dict()
    del want["metadata"]["managedFields"]
    return want


@pytest.mark.parametrize("layout", ["apiserver", "sorted keys", "managedFields not last"])
def test_drop_managed_fields_on_the_text(layout: str) -> None:
    obj = pod_dict()
    if layout == "sorted keys":
        text = json.dumps({"type": "ADDED", "object": obj}, sort_keys=True, separators=(",", ":"))
    elif layout == "managedFields not last":
        meta = obj["metadata"]
        obj["metadata"] = {"managedFields": meta.pop("managedFields"), **meta}
        text = line("ADDED", obj)
    else:
        text = line("ADDED", obj)
    got = decoder(drop=True)(text, None).object
    assert compact.is_compact(got)
    assert to_dict(got) == expected_without_managed_fields()


def test_drop_managed_fields_leaves_a_lookalike_elsewhere_alone() -> None:
    obj = pod_dict()
    obj["spec"]["template"] = {"metadata": {"managedFields": [{"manager": "x"}]}}
    got = decoder(drop=True)(line("ADDED", obj), None).object
    want = copy.deepcopy(obj)
    del want["metadata"]["managedFields"]
    assert to_dict(got) == want


def test_drop_managed_fields_on_a_model_and_a_dict() -> None:
    model = Pod.model_validate(pod_dict())
    assert drop_managed_fields(model) is model and model.metadata.managed_fields is None  # type: ignore[union-attr]
    plain = pod_dict()
    assert "managedFields" not in drop_managed_fields(plain)["metadata"]
    assert "managedFields" in plain["metadata"]  # the dict it was given is not changed


def test_from_item_and_the_indexer() -> None:
    objs = [compact.from_item(Pod, pod_dict(f"web-{i}", str(i))) for i in range(3)]
    index = Indexer[Any]()
    index.replace(objs)
    lister = Lister(index, "pods")
    assert sorted(meta_namespace_key(o) for o in lister.list("app=web")) == [
        "shop/web-0",
        "shop/web-1",
        "shop/web-2",
    ]
    assert lister.list("tier=back") == []
    assert all(compact.is_compact(o) for o in objs)  # keys, labels and selectors read the head
    got = lister.namespace("shop").get("web-1")
    assert got.status.phase == "Running"  # type: ignore[union-attr]
    dropped = compact.from_item(Pod, pod_dict(), drop=True)
    assert to_dict(dropped) == expected_without_managed_fields()
