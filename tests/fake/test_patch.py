"""JSON patch, JSON merge patch and strategic merge patch of the fake apiserver.

Expected results and error messages are the kube-apiserver's (v1.36) for the same inputs.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubeset.fake.patch import PatchError, json_patch, merge_patch, strategic_merge_patch
from kubeset.patchmeta import FieldMeta, PatchMeta, TypeMeta

POD = "Pod"

META = PatchMeta(
    {"v1/Pod": POD},
    {
        POD: TypeMeta(
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
                "volumes": FieldMeta(
                    type="Volume",
                    list=True,
                    strategy="merge,retainKeys",
                    merge_key="name",
                    list_type="map",
                    list_map_keys=("name",),
                ),
                "nodeSelector": FieldMeta(map=True, map_type="atomic"),
                "affinity": FieldMeta(type="Affinity"),
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
        "Volume": TypeMeta(
            fields={"configMap": FieldMeta(type="CM"), "secret": FieldMeta(type="Secret")}
        ),
    },
)


def pod() -> dict[str, Any]:
    return {
        "metadata": {
            "name": "p",
            "labels": {"a": "1", "b": "2"},
            "finalizers": ["x", "y"],
            "ownerReferences": [{"uid": "u1", "name": "o1", "kind": "K", "apiVersion": "v1"}],
        },
        "spec": {
            "containers": [
                {
                    "name": "a",
                    "image": "ia",
                    "env": [{"name": "E1", "value": "1"}, {"name": "E2", "value": "2"}],
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                },
                {"name": "b", "image": "ib"},
            ],
            "tolerations": [{"key": "k1"}],
            "volumes": [{"name": "v1", "configMap": {"name": "cm"}}],
        },
    }


def names(items: list[dict[str, Any]]) -> list[str]:
    return [i["name"] for i in items]


# -- JSON patch -------------------------------------------------------------------------------


def test_json_patch_add_replace_remove_and_input_untouched() -> None:
    doc = pod()
    before = copy.deepcopy(doc)
    out = json_patch(
        doc,
        [
            {"op": "add", "path": "/metadata/labels/c", "value": "3"},
            {"op": "replace", "path": "/spec/containers/0/image", "value": "new"},
            {"op": "remove", "path": "/metadata/labels/a"},
        ],
    )
    assert out["metadata"]["labels"] == {"b": "2", "c": "3"}
    assert out["spec"]["containers"][0]["image"] == "new"
    assert doc == before


def test_json_patch_array_positions() -> None:
    out = json_patch(pod(), [{"op": "add", "path": "/spec/containers/-", "value": {"name": "z"}}])
    assert names(out["spec"]["containers"]) == ["a", "b", "z"]
    out = json_patch(pod(), [{"op": "add", "path": "/spec/containers/1", "value": {"name": "z"}}])
    assert names(out["spec"]["containers"]) == ["a", "z", "b"]
    # Negative indexes count from the end (of the list grown by one, for add), as in the
    # apiserver.
    out = json_patch(pod(), [{"op": "add", "path": "/spec/containers/-1", "value": {"name": "z"}}])
    assert names(out["spec"]["containers"]) == ["a", "b", "z"]
    out = json_patch(pod(), [{"op": "add", "path": "/spec/containers/-2", "value": {"name": "z"}}])
    assert names(out["spec"]["containers"]) == ["a", "z", "b"]
    out = json_patch(pod(), [{"op": "remove", "path": "/spec/containers/-1"}])
    assert names(out["spec"]["containers"]) == ["a"]


def test_json_patch_pointer_escaping() -> None:
    out = json_patch(pod(), [{"op": "add", "path": "/metadata/labels/a~1b~0c", "value": "x"}])
    assert out["metadata"]["labels"]["a/b~c"] == "x"


def test_json_patch_move_and_copy() -> None:
    out = json_patch(
        pod(), [{"op": "move", "from": "/metadata/labels/a", "path": "/metadata/labels/z"}]
    )
    assert out["metadata"]["labels"] == {"b": "2", "z": "1"}
    out = json_patch(
        pod(), [{"op": "move", "from": "/spec/containers/0", "path": "/spec/containers/-"}]
    )
    assert names(out["spec"]["containers"]) == ["b", "a"]
    out = json_patch(
        pod(), [{"op": "copy", "from": "/metadata/labels", "path": "/metadata/annotations"}]
    )
    assert out["metadata"]["annotations"] == {"a": "1", "b": "2"}
    out["metadata"]["annotations"]["a"] = "changed"
    assert out["metadata"]["labels"]["a"] == "1"
    # Copying a missing object key copies null (the apiserver's JSON patch library does).
    out = json_patch(
        pod(), [{"op": "copy", "from": "/metadata/labels/q", "path": "/metadata/labels/z"}]
    )
    assert out["metadata"]["labels"]["z"] is None


def test_json_patch_test_op() -> None:
    json_patch(pod(), [{"op": "test", "path": "/metadata/labels/a", "value": "1"}])
    json_patch(pod(), [{"op": "test", "path": "/metadata/labels/q", "value": None}])
    with pytest.raises(PatchError) as err:
        json_patch(pod(), [{"op": "test", "path": "/metadata/labels/a", "value": "2"}])
    assert err.value.message == "testing value /metadata/labels/a failed: test failed"
    assert not err.value.bad_request
    # 80 and 80.0 are different JSON documents to the apiserver.
    with pytest.raises(PatchError):
        json_patch(
            pod(),
            [{"op": "test", "path": "/spec/containers/0/ports/0/containerPort", "value": 80.0}],
        )


def test_json_patch_replace_missing_object_key_adds_it() -> None:
    out = json_patch(pod(), [{"op": "replace", "path": "/metadata/labels/zz", "value": "n"}])
    assert out["metadata"]["labels"]["zz"] == "n"


def test_json_patch_replace_root() -> None:
    assert json_patch(pod(), [{"op": "replace", "path": "", "value": {"x": 1}}]) == {"x": 1}


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        (
            [{"op": "add", "path": "/nope/x", "value": 1}],
            'add operation does not apply: doc is missing path: "/nope/x": missing value',
        ),
        (
            [{"op": "add", "path": "", "value": {}}],
            'add operation does not apply: doc is missing path: "": missing value',
        ),
        (
            [{"op": "add", "path": "/spec/containers/5", "value": {}}],
            "error in add for path: '/spec/containers/5': Unable to access invalid index: 5: "
            "invalid index referenced",
        ),
        (
            [{"op": "add", "path": "/spec/containers/x", "value": {}}],
            "error in add for path: '/spec/containers/x': value was not a proper array index: "
            "'x': strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            [{"op": "remove", "path": "/metadata/labels/zz"}],
            "error in remove for path: '/metadata/labels/zz': Unable to remove nonexistent key: "
            "zz: missing value",
        ),
        (
            [{"op": "remove", "path": "/spec/containers/7"}],
            "error in remove for path: '/spec/containers/7': Unable to access invalid index: 7: "
            "invalid index referenced",
        ),
        (
            [{"op": "replace", "path": "/spec/containers/9", "value": 1}],
            "replace operation does not apply: doc is missing key: /spec/containers/9: "
            "missing value",
        ),
        (
            [{"op": "move", "from": "/metadata/labels/q", "path": "/metadata/labels/z"}],
            "error in move for path: 'q': Unable to remove nonexistent key: q: missing value",
        ),
        (
            [{"op": "copy", "from": "/spec/containers/8", "path": "/metadata/labels/z"}],
            "error in copy for from: '/spec/containers/8': Unable to access invalid index: 8: "
            "invalid index referenced",
        ),
        (
            [{"op": "test", "path": "/spec/containers/9", "value": 1}],
            "error in test for path: '/spec/containers/9': Unable to access invalid index: 9: "
            "invalid index referenced",
        ),
        (
            [{"op": "test", "path": "/nope/q", "value": 1}],
            "test operation does not apply: is missing path: /nope/q: missing value",
        ),
        ([{"op": "frob", "path": "/a"}], "Unexpected kind: frob"),
        ([{"path": "/a"}], "Unexpected kind: unknown"),
        ([{"op": "add", "value": 1}], "add operation failed to decode path: missing value"),
        (
            [{"op": "move", "path": "/a"}],
            "move operation failed to decode from: operation, missing from field: missing value",
        ),
    ],
)
def test_json_patch_errors(ops: list[dict[str, Any]], message: str) -> None:
    doc = pod()
    with pytest.raises(PatchError) as err:
        json_patch(doc, ops)
    assert err.value.message == message
    assert not err.value.bad_request
    assert doc == pod()


def test_json_patch_error_is_atomic() -> None:
    doc = pod()
    with pytest.raises(PatchError):
        json_patch(
            doc,
            [
                {"op": "add", "path": "/metadata/labels/c", "value": "3"},
                {"op": "test", "path": "/metadata/labels/a", "value": "nope"},
            ],
        )
    assert "c" not in doc["metadata"]["labels"]


@pytest.mark.parametrize("ops", [{"op": "add"}, "x", [1]])
def test_json_patch_malformed_is_bad_request(ops: object) -> None:
    with pytest.raises(PatchError) as err:
        json_patch(pod(), ops)
    assert err.value.bad_request


# -- JSON merge patch -------------------------------------------------------------------------


def test_merge_patch_null_deletes_and_lists_replace() -> None:
    doc = pod()
    out = merge_patch(
        doc,
        {
            "metadata": {"labels": {"a": None, "c": "3"}},
            "spec": {"containers": [{"name": "only", "x": None}]},
        },
    )
    assert out["metadata"]["labels"] == {"b": "2", "c": "3"}
    # Lists are replaced whole; nulls inside new objects are pruned.
    assert out["spec"]["containers"] == [{"name": "only"}]
    assert doc == pod()


def test_merge_patch_new_subtree_pruned_of_nulls() -> None:
    out = merge_patch(pod(), {"spec": {"newmap": {"a": None, "b": {"c": None, "d": 1}}}})
    assert out["spec"]["newmap"] == {"b": {"d": 1}}


def test_merge_patch_object_replaces_scalar() -> None:
    out = merge_patch(pod(), {"metadata": {"name": {"a": None, "b": 1}}})
    assert out["metadata"]["name"] == {"b": 1}


@pytest.mark.parametrize("patch", [None, [1], "x", 3])
def test_merge_patch_not_an_object_is_bad_request(patch: object) -> None:
    with pytest.raises(PatchError) as err:
        merge_patch(pod(), patch)
    assert err.value.bad_request
    assert err.value.message == "Invalid JSON Patch"


# -- Strategic merge patch --------------------------------------------------------------------


def smp(patch: dict[str, Any], doc: dict[str, Any] | None = None) -> dict[str, Any]:
    return strategic_merge_patch(doc if doc is not None else pod(), patch, META, POD)


def test_smp_merges_list_by_key_new_items_first() -> None:
    out = smp({"spec": {"containers": [{"name": "c", "image": "ic"}]}})
    # Like the apiserver: items the patch adds go before the live-only ones.
    assert names(out["spec"]["containers"]) == ["c", "a", "b"]
    out = smp({"spec": {"containers": [{"name": "b", "image": "ib2"}, {"name": "c"}]}})
    assert out["spec"]["containers"] == [
        pod()["spec"]["containers"][0],
        {"name": "b", "image": "ib2"},
        {"name": "c"},
    ]


def test_smp_merges_nested_lists_and_deletes_items() -> None:
    out = smp(
        {
            "spec": {
                "containers": [
                    {
                        "name": "a",
                        "env": [{"name": "E3", "value": "3"}, {"name": "E1", "$patch": "delete"}],
                    }
                ]
            }
        }
    )
    a = out["spec"]["containers"][0]
    assert a["env"] == [{"name": "E3", "value": "3"}, {"name": "E2", "value": "2"}]
    assert a["image"] == "ia"


def test_smp_delete_item_directive() -> None:
    out = smp({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}})
    assert names(out["spec"]["containers"]) == ["b"]


def test_smp_replace_list_directive() -> None:
    out = smp({"spec": {"containers": [{"name": "z", "image": "iz"}, {"$patch": "replace"}]}})
    assert out["spec"]["containers"] == [{"name": "z", "image": "iz"}]


def test_smp_replace_map_directive() -> None:
    out = smp({"metadata": {"labels": {"$patch": "replace", "z": "9"}}})
    assert out["metadata"]["labels"] == {"z": "9"}
    out = smp({"spec": {"$patch": "replace", "containers": [{"name": "q"}]}})
    assert out["spec"] == {"containers": [{"name": "q"}]}


def test_smp_delete_map_directive() -> None:
    out = smp({"spec": {"affinity": {"$patch": "delete"}}})
    assert "affinity" not in out["spec"]
    doc = pod()
    doc["spec"]["affinity"] = {"nodeAffinity": {}}
    out = smp({"spec": {"affinity": {"$patch": "delete"}}}, doc)
    assert out["spec"]["affinity"] == {}


def test_smp_merge_directive_is_rejected_like_the_apiserver() -> None:
    with pytest.raises(PatchError, match="unknown patch type: merge in map"):
        smp({"metadata": {"labels": {"$patch": "merge"}}})
    with pytest.raises(PatchError, match="merging lists cannot yet be specified in the patch"):
        smp({"spec": {"containers": [{"name": "a", "$patch": "merge"}]}})


def test_smp_primitive_list_merged_as_set() -> None:
    out = smp({"metadata": {"finalizers": ["z", "x"]}})
    assert out["metadata"]["finalizers"] == ["z", "x", "y"]
    out = smp({"metadata": {"finalizers": ["x", "x", "w"]}})
    assert out["metadata"]["finalizers"] == ["x", "w", "y"]


def test_smp_delete_from_primitive_list() -> None:
    out = smp({"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}})
    assert out["metadata"]["finalizers"] == ["y"]
    with pytest.raises(PatchError) as err:
        smp({"metadata": {"$deleteFromPrimitiveListX/finalizers": ["x"]}})
    assert err.value.bad_request
    assert err.value.message == "invalid patch format of primitive list"


def test_smp_set_element_order() -> None:
    out = smp(
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                "containers": [{"name": "a", "image": "new"}],
            }
        }
    )
    assert names(out["spec"]["containers"]) == ["b", "a"]
    assert out["spec"]["containers"][1]["image"] == "new"
    out = smp(
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "b"}, {"name": "c"}, {"name": "a"}],
                "containers": [{"name": "c", "image": "new"}],
            }
        }
    )
    assert names(out["spec"]["containers"]) == ["b", "c", "a"]
    out = smp({"metadata": {"$setElementOrder/finalizers": ["y", "z", "x"], "finalizers": ["z"]}})
    assert out["metadata"]["finalizers"] == ["y", "z", "x"]


def test_smp_retain_keys() -> None:
    out = smp(
        {
            "spec": {
                "volumes": [
                    {"name": "v1", "$retainKeys": ["name", "secret"], "secret": {"secretName": "s"}}
                ]
            }
        }
    )
    assert out["spec"]["volumes"] == [{"name": "v1", "secret": {"secretName": "s"}}]
    with pytest.raises(PatchError) as err:
        smp(
            {
                "spec": {
                    "volumes": [
                        {"name": "v1", "$retainKeys": ["name"], "secret": {"secretName": "s"}}
                    ]
                }
            }
        )
    assert err.value.message == "invalid patch format of retainKeys"
    assert err.value.bad_request


def test_smp_null_deletes_and_maps_merge() -> None:
    out = smp({"metadata": {"labels": {"a": None, "c": "3"}}})
    assert out["metadata"]["labels"] == {"b": "2", "c": "3"}
    out = smp({"spec": {"containers": None}})
    assert "containers" not in out["spec"]


def test_smp_non_merge_list_is_replaced() -> None:
    out = smp({"spec": {"tolerations": [{"key": "k2"}]}})
    assert out["spec"]["tolerations"] == [{"key": "k2"}]


def test_smp_missing_merge_key_fails() -> None:
    with pytest.raises(PatchError, match="does not contain declared merge key: name"):
        smp({"spec": {"containers": [{"image": "x"}]}})


def test_smp_new_items_carry_no_nulls_or_directives() -> None:
    out = smp(
        {
            "spec": {
                "containers": [
                    {
                        "name": "new",
                        "env": [{"name": "X", "value": None}],
                        "$setElementOrder/env": [{"name": "X"}],
                    }
                ]
            }
        }
    )
    assert out["spec"]["containers"][0] == {"name": "new", "env": [{"name": "X"}]}


def test_smp_unknown_type_is_merge_patch_like() -> None:
    doc = {"spec": {"list": [1, 2], "m": {"a": 1, "b": 2}}}
    out = strategic_merge_patch(doc, {"spec": {"list": [3], "m": {"a": None, "c": 3}}}, META, None)
    assert out == {"spec": {"list": [3], "m": {"b": 2, "c": 3}}}
    assert doc == {"spec": {"list": [1, 2], "m": {"a": 1, "b": 2}}}


def test_smp_does_not_mutate_inputs() -> None:
    doc, patch = pod(), {"spec": {"containers": [{"name": "a", "image": "n"}]}}
    before = copy.deepcopy(patch)
    smp(patch, doc)
    assert doc == pod()
    assert patch == before


# -- With the generated metadata of kubeset_k8s --------------------------------------------------


def test_smp_with_generated_metadata_on_a_deployment() -> None:
    from kubeset.patchmeta import load_patch_meta

    try:
        meta = load_patch_meta("kubeset_k8s")
    except FileNotFoundError:  # pragma: no cover - only before the package is generated
        pytest.skip("kubeset_k8s has no patchmeta.json")
    type_name = meta.kind_type("apps/v1", "Deployment")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "finalizers": ["a"]},
        "spec": {
            "replicas": 1,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}]}
                    ]
                }
            },
        },
    }
    out = strategic_merge_patch(
        deployment,
        {
            "metadata": {"finalizers": ["b"]},
            "spec": {
                "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "app", "env": [{"name": "B", "value": "2"}]},
                            {"name": "sidecar", "image": "s:1"},
                        ]
                    }
                },
            },
        },
        meta,
        type_name,
    )
    assert out["metadata"]["finalizers"] == ["b", "a"]
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    containers = out["spec"]["template"]["spec"]["containers"]
    assert names(containers) == ["app", "sidecar"]
    assert containers[0]["image"] == "app:1"
    assert containers[0]["env"] == [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]
