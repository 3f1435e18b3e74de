"""Server-side apply and field ownership of the fake apiserver.

Expected objects, managedFields and conflict messages are the kube-apiserver's (v1.36) for
the same requests.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubeset.fake.apply import ApplyConflict, apply, record_update
from kubeset.fake.patch import PatchError
from kubeset.patchmeta import FieldMeta, PatchMeta, TypeMeta

POD = "Pod"
DEPLOYMENT = "Deployment"

META = PatchMeta(
    {"v1/Pod": POD, "apps/v1/Deployment": DEPLOYMENT},
    {
        POD: TypeMeta(
            fields={"metadata": FieldMeta(type="ObjectMeta"), "spec": FieldMeta(type="PodSpec")}
        ),
        DEPLOYMENT: TypeMeta(
            fields={
                "metadata": FieldMeta(type="ObjectMeta"),
                "spec": FieldMeta(type="DeploymentSpec"),
            }
        ),
        "DeploymentSpec": TypeMeta(
            fields={
                "selector": FieldMeta(type="LabelSelector"),
                "template": FieldMeta(type="PodTemplateSpec"),
            }
        ),
        "LabelSelector": TypeMeta(map_type="atomic", fields={"matchLabels": FieldMeta(map=True)}),
        "PodTemplateSpec": TypeMeta(
            fields={"metadata": FieldMeta(type="ObjectMeta"), "spec": FieldMeta(type="PodSpec")}
        ),
        "ObjectMeta": TypeMeta(
            fields={
                "labels": FieldMeta(map=True),
                "annotations": FieldMeta(map=True),
                "finalizers": FieldMeta(list=True, strategy="merge", list_type="set"),
                "ownerReferences": FieldMeta(
                    type="OwnerReference",
                    list=True,
                    strategy="merge",
                    merge_key="uid",
                    list_type="map",
                    list_map_keys=("uid",),
                ),
            }
        ),
        "PodSpec": TypeMeta(
            fields={
                "containers": FieldMeta(
                    type="Container",
                    list=True,
                    strategy="merge",
                    merge_key="name",
                    list_type="map",
                    list_map_keys=("name",),
                ),
                "tolerations": FieldMeta(type="Toleration", list=True, list_type="atomic"),
                "nodeSelector": FieldMeta(map=True, map_type="atomic"),
            }
        ),
        "Container": TypeMeta(
            fields={
                "env": FieldMeta(
                    type="EnvVar",
                    list=True,
                    strategy="merge",
                    merge_key="name",
                    list_type="map",
                    list_map_keys=("name",),
                ),
                "ports": FieldMeta(
                    type="ContainerPort",
                    list=True,
                    strategy="merge",
                    merge_key="containerPort",
                    list_type="map",
                    list_map_keys=("containerPort", "protocol"),
                ),
            }
        ),
    },
)

T0, T1, T2 = "2024-05-01T10:00:00Z", "2024-05-01T10:00:01Z", "2024-05-01T10:00:02Z"


def pod(labels: dict[str, str] | None = None, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    if labels is not None:
        obj["metadata"]["labels"] = labels
    if spec is not None:
        obj["spec"] = spec
    return obj


SPEC = {
    "containers": [
        {
            "name": "c",
            "image": "i",
            "ports": [{"containerPort": 80, "protocol": "TCP"}],
            "env": [{"name": "E", "value": "v"}],
        }
    ],
    "tolerations": [{"key": "k"}],
}

SPEC_FIELDS = {
    "f:containers": {
        'k:{"name":"c"}': {
            ".": {},
            "f:env": {'k:{"name":"E"}': {".": {}, "f:name": {}, "f:value": {}}},
            "f:image": {},
            "f:name": {},
            "f:ports": {
                'k:{"containerPort":80,"protocol":"TCP"}': {
                    ".": {},
                    "f:containerPort": {},
                    "f:protocol": {},
                }
            },
        }
    },
    "f:tolerations": {},
}


def do_apply(
    live: dict[str, Any] | None,
    config: dict[str, Any],
    manager: str,
    *,
    force: bool = False,
    now: str = T0,
    type_name: str = POD,
) -> dict[str, Any]:
    api_version = config["apiVersion"]
    return apply(
        live,
        config,
        manager=manager,
        force=force,
        meta=META,
        type_name=type_name,
        api_version=api_version,
        now=now,
    )


def do_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    manager: str,
    *,
    now: str = T0,
    type_name: str = POD,
) -> dict[str, Any]:
    return record_update(
        old,
        new,
        manager=manager,
        meta=META,
        type_name=type_name,
        api_version=new["apiVersion"],
        now=now,
    )


def managed(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["manager"]: e for e in obj["metadata"]["managedFields"]}


def fields(obj: dict[str, Any], manager: str) -> dict[str, Any]:
    result: dict[str, Any] = managed(obj)[manager]["fieldsV1"]
    return result


def test_apply_creates_and_records_ownership() -> None:
    config = pod({"x": "1"}, SPEC)
    config["metadata"]["finalizers"] = ["f1"]
    before = copy.deepcopy(config)
    out = do_apply(None, config, "a")
    assert config == before
    assert out["spec"] == SPEC
    assert out["metadata"]["labels"] == {"x": "1"}
    assert out["metadata"]["managedFields"] == [
        {
            "manager": "a",
            "operation": "Apply",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:finalizers": {'v:"f1"': {}}, "f:labels": {"f:x": {}}},
                "f:spec": SPEC_FIELDS,
            },
        }
    ]


def test_second_manager_conflicts_on_a_different_value() -> None:
    live = do_apply(None, pod(None, SPEC), "a")
    with pytest.raises(ApplyConflict) as err:
        do_apply(live, pod(None, {"containers": [{"name": "c", "image": "i2"}]}), "b", now=T1)
    assert err.value.conflicts == [("a", '.spec.containers[name="c"].image')]
    assert str(err.value) == (
        'Apply failed with 1 conflict: conflict with "a": .spec.containers[name="c"].image'
    )


def test_several_conflicts_message() -> None:
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "x"}}},
    }
    live = do_update(None, dep, "kube-controller", type_name=DEPLOYMENT)
    config = copy.deepcopy(dep)
    config["spec"]["replicas"] = 2
    config["spec"]["selector"] = {"matchLabels": {"app": "y"}}
    with pytest.raises(ApplyConflict) as err:
        do_apply(live, config, "a", type_name=DEPLOYMENT)
    assert err.value.conflicts == [
        ("kube-controller", ".spec.replicas"),
        ("kube-controller", ".spec.selector"),
    ]
    assert str(err.value) == (
        'Apply failed with 2 conflicts: conflicts with "kube-controller" using apps/v1:\n'
        "- .spec.replicas\n- .spec.selector"
    )


def test_same_value_is_shared_without_conflict() -> None:
    live = do_apply(None, pod(None, SPEC), "a")
    out = do_apply(live, pod(None, {"containers": [{"name": "c", "image": "i"}]}), "b", now=T1)
    assert fields(out, "b") == {
        "f:spec": {"f:containers": {'k:{"name":"c"}': {".": {}, "f:image": {}, "f:name": {}}}}
    }
    assert fields(out, "a") == {"f:spec": SPEC_FIELDS}
    # Nothing changed: the new entry has no time (the apiserver only stamps changes).
    assert "time" not in managed(out)["b"]


def test_force_takes_ownership() -> None:
    live = do_apply(None, pod(None, SPEC), "a")
    out = do_apply(
        live, pod(None, {"containers": [{"name": "c", "image": "i2"}]}), "b", force=True, now=T1
    )
    assert out["spec"]["containers"][0]["image"] == "i2"
    assert "f:image" not in fields(out, "a")["f:spec"]["f:containers"]['k:{"name":"c"}']
    assert "f:image" in fields(out, "b")["f:spec"]["f:containers"]['k:{"name":"c"}']


def test_dropped_field_is_removed_when_solely_owned() -> None:
    live = do_apply(None, pod({"x": "1", "y": "2"}, SPEC), "a")
    out = do_apply(
        live, pod({"x": "1"}, {"containers": [{"name": "c", "image": "i"}]}), "a", now=T1
    )
    assert out["metadata"]["labels"] == {"x": "1"}
    assert out["spec"] == {"containers": [{"name": "c", "image": "i"}]}
    assert fields(out, "a") == {
        "f:metadata": {"f:labels": {"f:x": {}}},
        "f:spec": {"f:containers": {'k:{"name":"c"}': {".": {}, "f:image": {}, "f:name": {}}}},
    }
    assert managed(out)["a"]["time"] == T1


def test_dropped_field_is_kept_when_co_owned() -> None:
    live = do_apply(None, pod({"x": "1", "y": "2"}, SPEC), "a")
    live = do_apply(live, pod({"y": "2"}), "b", now=T1)
    out = do_apply(live, pod({"x": "1"}, SPEC), "a", now=T2)
    assert out["metadata"]["labels"] == {"x": "1", "y": "2"}
    assert fields(out, "a")["f:metadata"] == {"f:labels": {"f:x": {}}}
    assert fields(out, "b") == {"f:metadata": {"f:labels": {"f:y": {}}}}


def test_dropping_everything_removes_everything_and_the_entry() -> None:
    live = do_apply(None, pod({"x": "1"}, {"containers": [{"name": "a", "image": "1"}]}), "a")
    out = do_apply(live, pod(), "a", now=T1)
    assert "labels" not in out["metadata"]
    assert "spec" not in out
    assert out["metadata"]["name"] == "p"
    assert "managedFields" not in out["metadata"]


def test_list_map_items_owned_by_key_and_merged_in_order() -> None:
    live = do_apply(
        None,
        pod(None, {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}),
        "a",
    )
    out = do_apply(
        live,
        pod(None, {"containers": [{"name": "z", "image": "3"}, {"name": "a", "image": "1"}]}),
        "b",
        now=T1,
    )
    assert [c["name"] for c in out["spec"]["containers"]] == ["z", "a", "b"]
    assert set(fields(out, "b")["f:spec"]["f:containers"]) == {
        'k:{"name":"a"}',
        'k:{"name":"z"}',
    }


def test_removing_a_list_item_from_the_config_removes_it() -> None:
    live = do_apply(
        None,
        pod(None, {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}),
        "a",
    )
    out = do_apply(live, pod(None, {"containers": [{"name": "a", "image": "1"}]}), "a", now=T1)
    assert out["spec"]["containers"] == [{"name": "a", "image": "1"}]


def test_set_items_owned_by_value() -> None:
    live = do_apply(None, {**pod(), "metadata": {"name": "p", "finalizers": ["f1", "f2"]}}, "a")
    live = do_apply(live, {**pod(), "metadata": {"name": "p", "finalizers": ["f3"]}}, "b", now=T1)
    out = do_apply(live, {**pod(), "metadata": {"name": "p", "finalizers": ["f2"]}}, "a", now=T2)
    assert out["metadata"]["finalizers"] == ["f2", "f3"]
    assert fields(out, "a") == {"f:metadata": {"f:finalizers": {'v:"f2"': {}}}}
    assert fields(out, "b") == {"f:metadata": {"f:finalizers": {'v:"f3"': {}}}}


def test_atomic_list_is_owned_whole() -> None:
    live = do_apply(None, pod(None, {"tolerations": [{"key": "k"}]}), "a")
    assert fields(live, "a") == {"f:spec": {"f:tolerations": {}}}
    with pytest.raises(ApplyConflict) as err:
        do_apply(live, pod(None, {"tolerations": [{"key": "k2"}]}), "b", now=T1)
    assert err.value.conflicts == [("a", ".spec.tolerations")]


def test_atomic_map_is_owned_whole() -> None:
    live = do_apply(None, pod(None, {"nodeSelector": {"a": "1", "b": "2"}}), "a")
    assert fields(live, "a") == {"f:spec": {"f:nodeSelector": {}}}


def test_update_after_apply_moves_ownership_to_the_updater() -> None:
    live = do_apply(None, pod({"x": "1"}, SPEC), "a")
    out = do_update(live, pod({"x": "2"}, SPEC), "kubectl-edit", now=T1)
    assert out["metadata"]["labels"] == {"x": "2"}
    assert fields(out, "a") == {"f:spec": SPEC_FIELDS}
    assert managed(out)["kubectl-edit"] == {
        "manager": "kubectl-edit",
        "operation": "Update",
        "apiVersion": "v1",
        "time": T1,
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:labels": {"f:x": {}}}},
    }
    assert [e["manager"] for e in out["metadata"]["managedFields"]] == ["a", "kubectl-edit"]


def test_update_that_removes_fields_drops_them_from_their_owners() -> None:
    live = do_apply(None, pod({"x": "1", "y": "2"}), "a")
    out = do_update(live, pod({"x": "1"}), "ed", now=T1)
    # The updater changed nothing it could own: only the removal is recorded.
    assert out["metadata"]["managedFields"] == [
        {
            "manager": "a",
            "operation": "Apply",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:x": {}}}},
        }
    ]


def test_create_by_update_owns_everything_it_set() -> None:
    out = do_update(None, pod({"x": "1"}, SPEC), "ctl")
    assert fields(out, "ctl") == {
        "f:metadata": {"f:labels": {".": {}, "f:x": {}}},
        "f:spec": {
            ".": {},
            "f:containers": {
                ".": {},
                'k:{"name":"c"}': {
                    ".": {},
                    "f:env": {".": {}, 'k:{"name":"E"}': {".": {}, "f:name": {}, "f:value": {}}},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": {
                        ".": {},
                        'k:{"containerPort":80,"protocol":"TCP"}': {
                            ".": {},
                            "f:containerPort": {},
                            "f:protocol": {},
                        },
                    },
                },
            },
            "f:tolerations": {},
        },
    }


def test_second_updater_takes_only_what_it_changed() -> None:
    live = do_update(None, pod({"x": "1"}, SPEC), "ctl")
    out = do_update(
        live, pod({"x": "1", "y": "2"}, {**SPEC, "tolerations": [{"key": "z"}]}), "other", now=T1
    )
    assert fields(out, "other") == {
        "f:metadata": {"f:labels": {"f:y": {}}},
        "f:spec": {"f:tolerations": {}},
    }
    assert "f:tolerations" not in fields(out, "ctl")["f:spec"]
    assert fields(out, "ctl")["f:metadata"] == {"f:labels": {".": {}, "f:x": {}}}


def test_update_merges_into_the_managers_previous_entry() -> None:
    live = do_update(None, pod({"x": "1"}), "ctl")
    out = do_update(live, pod({"x": "1", "y": "2"}), "ctl", now=T1)
    assert len(out["metadata"]["managedFields"]) == 1
    assert fields(out, "ctl") == {"f:metadata": {"f:labels": {".": {}, "f:x": {}, "f:y": {}}}}
    assert managed(out)["ctl"]["time"] == T1


def test_update_with_no_change_keeps_time() -> None:
    live = do_update(None, pod({"x": "1"}), "ctl")
    out = do_update(live, pod({"x": "1"}), "ctl", now=T1)
    assert managed(out)["ctl"]["time"] == T0


def test_apply_ignores_system_metadata_in_the_config() -> None:
    live = do_update(None, pod({"x": "1"}), "ctl")
    live["metadata"].update(uid="u-1", resourceVersion="7", creationTimestamp=T0, generation=1)
    config = pod({"x": "1", "y": "2"})
    config["metadata"].update(uid="other", resourceVersion="1", generation=9)
    out = do_apply(live, config, "a", now=T1)
    assert out["metadata"]["uid"] == "u-1"
    assert out["metadata"]["resourceVersion"] == "7"
    assert out["metadata"]["generation"] == 1
    assert fields(out, "a") == {"f:metadata": {"f:labels": {"f:x": {}, "f:y": {}}}}


def test_apply_rejects_managed_fields_in_the_config() -> None:
    config = pod({"x": "1"})
    config["metadata"]["managedFields"] = []
    with pytest.raises(PatchError) as err:
        do_apply(None, config, "a")
    assert err.value.bad_request
    assert str(err.value) == "metadata.managedFields must be nil"


def test_managed_fields_sent_on_update_replace_the_live_ones() -> None:
    live = do_apply(None, pod({"x": "1"}), "a")
    reset = pod({"x": "1"})
    reset["metadata"]["managedFields"] = []
    out = do_update(live, reset, "ctl", now=T1)
    assert "managedFields" not in out["metadata"]


def test_unknown_type_is_tracked_field_by_field() -> None:
    obj = {
        "apiVersion": "x/v1",
        "kind": "Thing",
        "metadata": {"name": "t"},
        "spec": {"a": 1, "l": [1, 2]},
    }
    out = apply(
        None, obj, manager="a", force=False, meta=META, type_name=None, api_version="x/v1", now=T0
    )
    # Objects are tracked key by key, lists whole; metadata.name is never owned.
    assert fields(out, "a") == {"f:spec": {".": {}, "f:a": {}, "f:l": {}}}


def test_apply_with_generated_metadata() -> None:
    from kubeset.patchmeta import load_patch_meta

    try:
        meta = load_patch_meta("kubeset_k8s")
    except FileNotFoundError:  # pragma: no cover - only before the package is generated
        pytest.skip("kubeset_k8s has no patchmeta.json")
    type_name = meta.kind_type("apps/v1", "Deployment")
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "x"}},
            "template": {
                "metadata": {"labels": {"app": "x"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }
    live = record_update(
        None, dep, manager="ctl", meta=meta, type_name=type_name, api_version="apps/v1", now=T0
    )
    config = copy.deepcopy(dep)
    config["spec"]["replicas"] = 5
    with pytest.raises(ApplyConflict) as err:
        apply(
            live,
            config,
            manager="a",
            force=False,
            meta=meta,
            type_name=type_name,
            api_version="apps/v1",
            now=T1,
        )
    assert err.value.conflicts == [("ctl", ".spec.replicas")]
    out = apply(
        live,
        config,
        manager="a",
        force=True,
        meta=meta,
        type_name=type_name,
        api_version="apps/v1",
        now=T1,
    )
    assert out["spec"]["replicas"] == 5
    spec_fields = fields(out, "a")["f:spec"]
    assert spec_fields["f:selector"] == {}
    assert spec_fields["f:template"]["f:spec"]["f:containers"] == {
        'k:{"name":"c"}': {".": {}, "f:image": {}, "f:name": {}}
    }
    assert "f:replicas" not in fields(out, "ctl")["f:spec"]
