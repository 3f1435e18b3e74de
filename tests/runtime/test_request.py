"""The pure request builders of ``kubeset.request`` and response decoders of ``kubeset.decode``."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import pytest
from pydantic import field_validator

from kubeset import decode as decode_module
from kubeset.decode import decode, decode_event, decode_optional
from kubeset.errors import (
    DecodeError,
    Forbidden,
    Gone,
    InternalError,
    RequestInfo,
    TooManyRequests,
)
from kubeset.model import KubeModel
from kubeset.request import (
    Request,
    apply_body,
    create_request,
    delete_collection_request,
    delete_request,
    get_request,
    list_request,
    object_body,
    object_name,
    patch_body,
    patch_request,
    resource_path,
    update_request,
)
from kubeset.resource import PatchType, ResourceInfo, WatchEvent
from kubeset_k8s.models import core_v1, meta_v1
from kubeset_k8s.typed.apps_v1 import DeploymentsClient
from kubeset_k8s.typed.core_v1 import (
    ComponentStatusesClient,
    ConfigMapsClient,
    NamespacesClient,
    NodesClient,
    PodsClient,
)

INFO = RequestInfo("GET", "/api/v1/namespaces/default/pods/web", 200)

# What the generated clients know about their resources (``_info`` is what the runtime reads).
_PODS = PodsClient._info
_CONFIG_MAPS = ConfigMapsClient._info
_NODES = NodesClient._info
_NAMESPACES = NamespacesClient._info
_COMPONENT_STATUSES = ComponentStatusesClient._info
_DEPLOYMENTS = DeploymentsClient._info

# A resource that only accepts merge patches (like a CRD without strategic merge support).
_WIDGETS = ResourceInfo(
    group="example.com",
    version="v1alpha1",
    kind="Widget",
    plural="widgets",
    namespaced=True,
    verbs=frozenset({"get", "list", "watch", "create", "update", "patch", "delete"}),
    patch_types=frozenset({PatchType.MERGE, PatchType.JSON, PatchType.APPLY}),
)


def body_json(req: Request) -> Any:
    assert req.body is not None
    return json.loads(req.body)


# --- resource_path -------------------------------------------------------------------------------


class TestResourcePath:
    def test_core_namespaced_object(self) -> None:
        assert resource_path(_PODS, "default", "web") == "/api/v1/namespaces/default/pods/web"

    def test_core_namespaced_collection(self) -> None:
        assert resource_path(_PODS, "kube-system") == "/api/v1/namespaces/kube-system/pods"

    def test_all_namespaces_collection(self) -> None:
        assert resource_path(_PODS, None) == "/api/v1/pods"
        assert resource_path(_PODS, "") == "/api/v1/pods"

    def test_grouped_namespaced(self) -> None:
        assert (
            resource_path(_DEPLOYMENTS, "prod", "api")
            == "/apis/apps/v1/namespaces/prod/deployments/api"
        )
        assert resource_path(_DEPLOYMENTS, None) == "/apis/apps/v1/deployments"

    def test_cluster_scoped(self) -> None:
        assert resource_path(_NODES, None, "node-1") == "/api/v1/nodes/node-1"
        assert resource_path(_NODES, None) == "/api/v1/nodes"

    def test_cluster_scoped_ignores_namespace(self) -> None:
        assert (
            resource_path(_NAMESPACES, "default", "kube-system") == "/api/v1/namespaces/kube-system"
        )

    def test_subresource(self) -> None:
        assert (
            resource_path(_PODS, "default", "web", "status")
            == "/api/v1/namespaces/default/pods/web/status"
        )
        assert (
            resource_path(_DEPLOYMENTS, "prod", "api", "scale")
            == "/apis/apps/v1/namespaces/prod/deployments/api/scale"
        )
        assert resource_path(_NODES, None, "n1", "status") == "/api/v1/nodes/n1/status"

    def test_subresource_without_name(self) -> None:
        with pytest.raises(ValueError, match="subresource 'status' needs an object name"):
            resource_path(_PODS, "default", None, "status")

    def test_name_is_quoted(self) -> None:
        path = resource_path(_PODS, "default", "a b%c?d#e")
        assert path == "/api/v1/namespaces/default/pods/a%20b%25c%3Fd%23e"

    def test_colon_and_at_kept(self) -> None:
        # RBAC objects are commonly named like "system:controller:foo".
        path = resource_path(_NODES, None, "system:node@x")
        assert path == "/api/v1/nodes/system:node@x"

    def test_namespaced_name_without_namespace(self) -> None:
        with pytest.raises(ValueError, match=r"pods is namespaced.*'web'"):
            resource_path(_PODS, None, "web")
        with pytest.raises(ValueError, match="namespace is required"):
            resource_path(_PODS, "", "web")

    @pytest.mark.parametrize("name", ["a/b", "/", ".", ".."])
    def test_name_not_a_segment(self, name: str) -> None:
        with pytest.raises(ValueError, match="not a valid path segment"):
            resource_path(_PODS, "default", name)

    def test_namespace_not_a_segment(self) -> None:
        with pytest.raises(ValueError, match="namespace 'a/b' is not a valid path segment"):
            resource_path(_PODS, "a/b", "web")

    def test_empty_name(self) -> None:
        with pytest.raises(ValueError, match="name must not be empty"):
            resource_path(_PODS, "default", "")


# --- get / list ---------------------------------------------------------------------------------


class TestGetAndList:
    def test_get(self) -> None:
        req = get_request(_PODS, "default", "web")
        assert req == Request("GET", "/api/v1/namespaces/default/pods/web")
        assert req.body is None and req.content_type is None

    def test_get_namespaced_needs_namespace(self) -> None:
        with pytest.raises(ValueError, match="namespace is required"):
            get_request(_PODS, None, "web")

    def test_get_resource_version(self) -> None:
        req = get_request(_PODS, "default", "web", resource_version="0")
        assert req.params == (("resourceVersion", "0"),)
        assert req.url_path == "/api/v1/namespaces/default/pods/web?resourceVersion=0"

    def test_get_subresource_verbs_checked(self) -> None:
        assert get_request(_PODS, "d", "p", subresource="log").path.endswith("/pods/p/log")
        with pytest.raises(ValueError, match="pods/eviction does not support get"):
            get_request(_PODS, "d", "p", subresource="eviction")

    def test_get_without_verb(self) -> None:
        tokenreviews = ResourceInfo(
            "authentication.k8s.io",
            "v1",
            "TokenReview",
            "tokenreviews",
            False,
            frozenset({"create"}),
        )
        with pytest.raises(ValueError, match="tokenreviews does not support get"):
            get_request(tokenreviews, None, "x")

    def test_list_plain(self) -> None:
        req = list_request(_PODS, "default")
        assert req == Request("GET", "/api/v1/namespaces/default/pods")

    def test_list_all_params(self) -> None:
        req = list_request(
            _PODS,
            None,
            label_selector="app=web,tier!=db",
            field_selector="spec.nodeName=n1",
            limit=50,
            continue_="tok/en==",
            resource_version="123",
            resource_version_match="NotOlderThan",
            timeout_seconds=30,
        )
        assert req.method == "GET"
        assert req.path == "/api/v1/pods"
        assert req.params == (
            ("labelSelector", "app=web,tier!=db"),
            ("fieldSelector", "spec.nodeName=n1"),
            ("limit", "50"),
            ("continue", "tok/en=="),
            ("resourceVersion", "123"),
            ("resourceVersionMatch", "NotOlderThan"),
            ("timeoutSeconds", "30"),
        )
        assert "watch" not in dict(req.params)
        assert "labelSelector=app%3Dweb%2Ctier%21%3Ddb" in req.url_path

    def test_list_ignores_watch_only_options_without_watch(self) -> None:
        req = list_request(_PODS, "d", allow_watch_bookmarks=True, send_initial_events=True)
        assert req.params == ()

    def test_watch_params(self) -> None:
        req = list_request(
            _CONFIG_MAPS,
            "default",
            resource_version="10",
            resource_version_match="NotOlderThan",
            timeout_seconds=5,
            watch=True,
            allow_watch_bookmarks=True,
            send_initial_events=False,
        )
        params = dict(req.params)
        assert params == {
            "resourceVersion": "10",
            "resourceVersionMatch": "NotOlderThan",
            "timeoutSeconds": "5",
            "watch": "true",
            "allowWatchBookmarks": "true",
            "sendInitialEvents": "false",
        }

    def test_list_and_watch_verbs_checked(self) -> None:
        list_request(_COMPONENT_STATUSES, None)
        with pytest.raises(ValueError, match="componentstatuses does not support watch"):
            list_request(_COMPONENT_STATUSES, None, watch=True)


# --- writes ---------------------------------------------------------------------------------------


class TestWrites:
    def test_create(self) -> None:
        req = create_request(_CONFIG_MAPS, "default", b"{}")
        assert req.method == "POST"
        assert req.path == "/api/v1/namespaces/default/configmaps"
        assert req.params == ()
        assert req.body == b"{}"
        assert req.content_type == "application/json"

    def test_create_options(self) -> None:
        req = create_request(
            _CONFIG_MAPS,
            "default",
            b"{}",
            dry_run=True,
            field_manager="ctl",
            field_validation="Strict",
        )
        assert req.params == (
            ("dryRun", "All"),
            ("fieldManager", "ctl"),
            ("fieldValidation", "Strict"),
        )

    def test_create_needs_namespace(self) -> None:
        for ns in (None, ""):
            with pytest.raises(ValueError, match="configmaps is namespaced"):
                create_request(_CONFIG_MAPS, ns, b"{}")

    def test_create_cluster_scoped(self) -> None:
        assert create_request(_NODES, None, b"{}").path == "/api/v1/nodes"

    def test_create_without_verb(self) -> None:
        with pytest.raises(ValueError, match="componentstatuses does not support create"):
            create_request(_COMPONENT_STATUSES, None, b"{}")

    def test_create_subresource(self) -> None:
        req = create_request(_PODS, "default", b"{}", name="web", subresource="eviction")
        assert req.method == "POST"
        assert req.path == "/api/v1/namespaces/default/pods/web/eviction"
        with pytest.raises(ValueError, match="pods/status does not support create"):
            create_request(_PODS, "default", b"{}", name="web", subresource="status")

    def test_update(self) -> None:
        req = update_request(_CONFIG_MAPS, "default", "cfg", b'{"a":1}', dry_run=True)
        assert req.method == "PUT"
        assert req.path == "/api/v1/namespaces/default/configmaps/cfg"
        assert req.params == (("dryRun", "All"),)
        assert req.body == b'{"a":1}'
        assert req.content_type == "application/json"

    def test_update_subresource(self) -> None:
        req = update_request(_DEPLOYMENTS, "prod", "api", b"{}", subresource="scale")
        assert req.path == "/apis/apps/v1/namespaces/prod/deployments/api/scale"

    def test_update_needs_namespace(self) -> None:
        with pytest.raises(ValueError, match="namespace is required"):
            update_request(_CONFIG_MAPS, None, "cfg", b"{}")

    @pytest.mark.parametrize("ptype", list(PatchType))
    def test_patch_content_types(self, ptype: PatchType) -> None:
        manager = "ctl" if ptype is PatchType.APPLY else None
        req = patch_request(_PODS, "d", "web", b"{}", ptype, field_manager=manager)
        assert req.method == "PATCH"
        assert req.path == "/api/v1/namespaces/d/pods/web"
        assert req.content_type == ptype.value

    def test_patch_type_as_string(self) -> None:
        req = patch_request(_PODS, "d", "web", b"{}", "application/merge-patch+json")
        assert req.content_type == "application/merge-patch+json"

    def test_patch_options(self) -> None:
        req = patch_request(
            _PODS,
            "d",
            "web",
            b"{}",
            PatchType.STRATEGIC,
            dry_run=True,
            field_manager="m",
            field_validation="Warn",
        )
        assert req.params == (("dryRun", "All"), ("fieldManager", "m"), ("fieldValidation", "Warn"))

    def test_apply_force(self) -> None:
        req = patch_request(
            _PODS, "d", "web", b"{}", PatchType.APPLY, field_manager="m", force=True
        )
        assert dict(req.params) == {"fieldManager": "m", "force": "true"}
        assert req.content_type == "application/apply-patch+yaml"

    def test_apply_requires_field_manager(self) -> None:
        with pytest.raises(ValueError, match="field_manager"):
            patch_request(_PODS, "d", "web", b"{}", PatchType.APPLY)

    @pytest.mark.parametrize("ptype", [PatchType.JSON, PatchType.MERGE, PatchType.STRATEGIC])
    def test_force_only_with_apply(self, ptype: PatchType) -> None:
        with pytest.raises(ValueError, match="force is only valid for server-side apply"):
            patch_request(_PODS, "d", "web", b"{}", ptype, force=True)

    @pytest.mark.parametrize("ptype", [PatchType.JSON, PatchType.MERGE, PatchType.STRATEGIC])
    def test_force_false_not_sent_with_other_patches(self, ptype: PatchType) -> None:
        # The API server rejects any ``force`` parameter, even false, on a non-apply patch.
        req = patch_request(_PODS, "d", "web", b"{}", ptype, force=False)
        assert "force" not in dict(req.params)

    def test_patch_type_not_accepted(self) -> None:
        with pytest.raises(ValueError) as exc:
            patch_request(_WIDGETS, "d", "w", b"{}", PatchType.STRATEGIC)
        message = str(exc.value)
        assert "widgets does not accept STRATEGIC patches" in message
        assert "accepts APPLY, JSON, MERGE" in message

    def test_unknown_patch_type(self) -> None:
        with pytest.raises(ValueError) as exc:
            patch_request(_PODS, "d", "web", b"{}", "text/plain")
        message = str(exc.value)
        assert "unknown patch type 'text/plain'" in message
        for name in ("JSON", "MERGE", "STRATEGIC", "APPLY"):
            assert name in message

    def test_patch_without_verb(self) -> None:
        with pytest.raises(ValueError, match="componentstatuses does not support patch"):
            patch_request(_COMPONENT_STATUSES, None, "x", b"{}", PatchType.MERGE)

    def test_patch_body(self) -> None:
        assert patch_body(b"raw") == b"raw"
        assert patch_body("text") == b"text"
        assert json.loads(patch_body({"a": [1, "é"]})) == {"a": [1, "é"]}
        assert json.loads(patch_body([{"op": "remove", "path": "/x"}])) == [
            {"op": "remove", "path": "/x"}
        ]
        meta = meta_v1.ObjectMeta(labels={"a": "b"})
        assert json.loads(patch_body(meta)) == {"labels": {"a": "b"}}


# --- delete -----------------------------------------------------------------------------------------


class TestDelete:
    def test_delete_defaults(self) -> None:
        req = delete_request(_PODS, "default", "web")
        assert req.method == "DELETE"
        assert req.path == "/api/v1/namespaces/default/pods/web"
        assert req.params == ()
        assert req.content_type == "application/json"
        assert body_json(req) == {"kind": "DeleteOptions", "apiVersion": "v1"}

    def test_delete_options(self) -> None:
        req = delete_request(
            _PODS,
            "default",
            "web",
            grace_period_seconds=0,
            propagation_policy="Foreground",
            preconditions={"uid": "u-1", "resourceVersion": "42"},
            dry_run=True,
        )
        assert body_json(req) == {
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "gracePeriodSeconds": 0,
            "propagationPolicy": "Foreground",
            "preconditions": {"uid": "u-1", "resourceVersion": "42"},
            "dryRun": ["All"],
        }
        assert req.params == ()

    def test_delete_preconditions_model(self) -> None:
        pre = meta_v1.Preconditions(resource_version="7")
        req = delete_request(_PODS, "default", "web", preconditions=pre)
        assert body_json(req)["preconditions"] == {"resourceVersion": "7"}

    def test_delete_needs_namespace(self) -> None:
        with pytest.raises(ValueError, match="namespace is required"):
            delete_request(_PODS, None, "web")

    def test_delete_collection(self) -> None:
        req = delete_collection_request(
            _PODS,
            "default",
            label_selector="app=web",
            field_selector="status.phase=Failed",
            grace_period_seconds=5,
            propagation_policy="Background",
            dry_run=True,
            timeout_seconds=9,
        )
        assert req.method == "DELETE"
        assert req.path == "/api/v1/namespaces/default/pods"
        assert req.params == (
            ("labelSelector", "app=web"),
            ("fieldSelector", "status.phase=Failed"),
            ("timeoutSeconds", "9"),
        )
        assert body_json(req) == {
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "gracePeriodSeconds": 5,
            "propagationPolicy": "Background",
            "dryRun": ["All"],
        }

    def test_delete_collection_needs_namespace(self) -> None:
        with pytest.raises(ValueError, match="delete_collection needs a namespace"):
            delete_collection_request(_PODS, "")

    def test_delete_collection_cluster_scoped(self) -> None:
        assert delete_collection_request(_NODES, None).path == "/api/v1/nodes"

    def test_delete_collection_without_verb(self) -> None:
        with pytest.raises(ValueError, match="namespaces does not support deletecollection"):
            delete_collection_request(_NAMESPACES, None)


# --- bodies -----------------------------------------------------------------------------------------


class TestBodies:
    def test_object_body_fills_api_version_and_kind(self) -> None:
        cm = core_v1.ConfigMap(metadata=meta_v1.ObjectMeta(name="cfg"), data={"k": "v"})
        assert json.loads(object_body(cm, _CONFIG_MAPS)) == {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cfg"},
            "data": {"k": "v"},
        }

    def test_object_body_grouped_api_version(self) -> None:
        data = json.loads(object_body({"metadata": {"name": "a"}}, _DEPLOYMENTS))
        assert data["apiVersion"] == "apps/v1"
        assert data["kind"] == "Deployment"

    def test_object_body_keeps_given_api_version_and_kind(self) -> None:
        body = {"apiVersion": "v9", "kind": "Other", "metadata": {"name": "x"}}
        assert json.loads(object_body(body, _CONFIG_MAPS)) == body

    def test_object_body_without_info(self) -> None:
        assert json.loads(object_body({"a": 1})) == {"a": 1}

    def test_object_body_wire_names_and_only_set_fields(self) -> None:
        pod = core_v1.Pod(
            metadata=meta_v1.ObjectMeta(name="p", generate_name="p-"),
            spec=core_v1.PodSpec(
                containers=[core_v1.Container(name="c", image="nginx", image_pull_policy="Never")],
                restart_policy="Never",
            ),
        )
        data = json.loads(object_body(pod, _PODS))
        assert data == {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "generateName": "p-"},
            "spec": {
                "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Never"}],
                "restartPolicy": "Never",
            },
        }
        assert b"null" not in object_body(pod, _PODS)

    def test_object_body_does_not_mutate_mapping(self) -> None:
        body: dict[str, Any] = {"metadata": {"name": "x"}}
        object_body(body, _CONFIG_MAPS)
        assert body == {"metadata": {"name": "x"}}

    def test_apply_body_strips_managed_fields(self) -> None:
        cm = core_v1.ConfigMap.model_validate(
            {
                "metadata": {
                    "name": "cfg",
                    "labels": {"a": "b"},
                    "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
                },
                "data": {"k": "v"},
            }
        )
        data = json.loads(apply_body(cm, _CONFIG_MAPS))
        assert data == {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cfg", "labels": {"a": "b"}},
            "data": {"k": "v"},
        }
        # The model itself is untouched.
        assert cm.metadata is not None and cm.metadata.managed_fields

    def test_apply_body_mapping(self) -> None:
        body = {"metadata": {"name": "cfg", "managedFields": []}}
        data = json.loads(apply_body(body, _CONFIG_MAPS))
        assert data == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}}
        assert body["metadata"] == {"name": "cfg", "managedFields": []}

    def test_object_name(self) -> None:
        assert object_name({"metadata": {"name": "a"}}) == "a"
        assert object_name(core_v1.Pod(metadata=meta_v1.ObjectMeta(name="b"))) == "b"
        for bad in ({}, {"metadata": {}}, core_v1.Pod(), {"metadata": {"name": ""}}):
            with pytest.raises(ValueError, match=r"no metadata\.name"):
                object_name(bad)


# --- decoding -----------------------------------------------------------------------------------------


class TestDecode:
    def test_decode(self) -> None:
        raw = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "namespace": "default", "resourceVersion": "5"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        }
        pod = decode(core_v1.Pod, json.dumps(raw).encode(), INFO)
        assert isinstance(pod, core_v1.Pod)
        assert pod.metadata is not None and pod.metadata.resource_version == "5"
        assert pod.spec is not None and pod.spec.containers[0].image == "nginx"

    @pytest.mark.parametrize(
        ("content", "expect"),
        [
            (b"<html>Bad Gateway</html>", "not valid JSON"),
            (b'{"metadata": {"name": "we', "not valid JSON"),
            (b"", "not valid JSON"),
            (b'{"metadata": 5}', "does not fit the model: metadata"),
            (b"[1, 2]", "does not fit the model"),
        ],
    )
    def test_decode_errors(self, content: bytes, expect: str) -> None:
        with pytest.raises(DecodeError) as exc:
            decode(core_v1.Pod, content, INFO)
        message = str(exc.value)
        assert expect in message
        assert message.startswith("GET /api/v1/namespaces/default/pods/web -> 200: Pod: ")
        assert exc.value.request == INFO

    def test_decode_optional_status(self) -> None:
        status = {"kind": "Status", "apiVersion": "v1", "status": "Success", "details": {}}
        assert decode_optional(core_v1.Pod, json.dumps(status).encode(), INFO) is None

    def test_decode_optional_object(self) -> None:
        raw = {
            "kind": "Pod",
            "metadata": {"name": "web", "deletionTimestamp": "2024-05-01T12:00:00Z"},
        }
        pod = decode_optional(core_v1.Pod, json.dumps(raw).encode(), INFO)
        assert isinstance(pod, core_v1.Pod)
        assert pod.metadata is not None and pod.metadata.deletion_timestamp is not None

    @pytest.mark.parametrize("content", [b"nope", b'{"metadata": 5}'])
    def test_decode_optional_errors(self, content: bytes) -> None:
        with pytest.raises(DecodeError, match=r"GET /api/v1/namespaces/default/pods/web -> 200"):
            decode_optional(core_v1.Pod, content, INFO)


def _event(type_: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": type_, "object": obj}).encode()


def _status(code: int, reason: str, message: str = "m", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
        **extra,
    }


class TestDecodeEvent:
    def test_first_event_builds_a_model_never_used_before(self) -> None:
        # A fresh interpreter, so that nothing has built Pod's validator yet: the watch's first
        # event must build it (and the models it refers to) before the event envelope.
        code = (
            "from kubeset_k8s.models.core_v1 import Pod\n"
            "from kubeset.errors import RequestInfo\n"
            "from kubeset.decode import decode_event\n"
            'line = b\'{"type":"ADDED","object":{"metadata":{"name":"web"},\'\n'
            'line += b\'"spec":{"containers":[{"name":"c"}]}}}\'\n'
            "event = decode_event(Pod, line, RequestInfo('GET', '/', 200))\n"
            "print(event.object.metadata.name, event.object.spec.containers[0].name)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["web", "c"]

    @pytest.mark.parametrize("type_", ["ADDED", "MODIFIED", "DELETED"])
    def test_object_events(self, type_: str) -> None:
        line = _event(type_, {"kind": "Pod", "metadata": {"name": "web", "resourceVersion": "9"}})
        event = decode_event(core_v1.Pod, line, INFO)
        assert isinstance(event, WatchEvent)
        assert event.type == type_
        assert isinstance(event.object, core_v1.Pod)
        assert event.object.metadata is not None
        assert event.object.metadata.name == "web"
        assert event.object.metadata.resource_version == "9"

    def test_str_line(self) -> None:
        line = _event("ADDED", {"metadata": {"name": "cfg"}, "data": {"a": "b"}}).decode()
        event = decode_event(core_v1.ConfigMap, line, INFO)
        assert event.object.data == {"a": "b"}

    def test_bookmark(self) -> None:
        line = _event(
            "BOOKMARK",
            {
                "kind": "Pod",
                "apiVersion": "v1",
                "metadata": {
                    "resourceVersion": "12746",
                    "annotations": {"k8s.io/initial-events-end": "true"},
                },
            },
        )
        event = decode_event(core_v1.Pod, line, INFO)
        assert event.type == "BOOKMARK"
        assert event.object.metadata is not None
        assert event.object.metadata.resource_version == "12746"
        assert event.object.metadata.annotations == {"k8s.io/initial-events-end": "true"}

    @pytest.mark.parametrize("reason", ["Expired", "Gone"])
    def test_error_410_is_gone(self, reason: str) -> None:
        line = _event("ERROR", _status(410, reason, "too old resource version: 1 (200)"))
        with pytest.raises(Gone) as exc:
            decode_event(core_v1.Pod, line, INFO)
        assert exc.value.code == 410
        assert exc.value.reason == reason
        assert "too old resource version" in str(exc.value)
        assert exc.value.request == INFO

    def test_error_410_without_reason(self) -> None:
        status = _status(410, "")
        del status["reason"]
        with pytest.raises(Gone):
            decode_event(core_v1.Pod, _event("ERROR", status), INFO)

    @pytest.mark.parametrize(
        ("code", "reason", "cls"),
        [
            (500, "InternalError", InternalError),
            (403, "Forbidden", Forbidden),
            (429, "TooManyRequests", TooManyRequests),
        ],
    )
    def test_other_errors(self, code: int, reason: str, cls: type[Exception]) -> None:
        line = _event("ERROR", _status(code, reason, "boom"))
        with pytest.raises(cls) as exc:
            decode_event(core_v1.Pod, line, INFO)
        assert getattr(exc.value, "code", None) == code
        assert "boom" in str(exc.value)

    def test_error_status_not_fitting_model(self) -> None:
        # A Status whose metadata cannot be an ObjectMeta still becomes the typed error.
        status = _status(410, "Expired")
        status["metadata"] = 7
        with pytest.raises(Gone):
            decode_event(core_v1.Pod, _event("ERROR", status), INFO)

    def test_non_json_line(self) -> None:
        with pytest.raises(DecodeError, match="a watch event is not valid JSON") as exc:
            decode_event(core_v1.Pod, b"<html>oops", INFO)
        assert exc.value.request == INFO

    def test_wrong_shape(self) -> None:
        with pytest.raises(DecodeError, match="does not fit the model"):
            decode_event(core_v1.Pod, _event("ADDED", {"metadata": 5}), INFO)

    def test_unknown_type(self) -> None:
        with pytest.raises(DecodeError, match="type"):
            decode_event(core_v1.Pod, _event("RENAMED", {}), INFO)


# --- the collector pause of large decodes --------------------------------------------------------


class _Probe(KubeModel):
    """Records whether the cyclic collector was enabled while it was being validated."""

    name: str | None = None
    seen: ClassVar[list[bool]] = []
    barrier: ClassVar[threading.Barrier | None] = None

    @field_validator("name")
    @classmethod
    def _record(cls, value: str | None) -> str | None:
        cls.seen.append(gc.isenabled())
        if cls.barrier is not None:
            cls.barrier.wait(timeout=10)
        return value


class _ProbeList(KubeModel):
    items: list[_Probe] | None = None


def _probe_body(n: int) -> bytes:
    return json.dumps({"items": [{"name": f"p{i}", "extra": {"k": i}} for i in range(n)]}).encode()


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> type[_Probe]:
    monkeypatch.setattr(_Probe, "seen", [])
    monkeypatch.setattr(_Probe, "barrier", None)
    assert gc.isenabled()
    return _Probe


class TestDecodeCollector:
    def test_large_body_validated_with_collector_paused(self, probe: type[_Probe]) -> None:
        body = _probe_body(4000)
        assert len(body) >= decode_module.GC_PAUSE_MIN_BYTES
        result = decode(_ProbeList, body, INFO)
        assert probe.seen and not any(probe.seen)
        assert gc.isenabled()
        assert result.items is not None and len(result.items) == 4000
        assert result.items[3999].model_extra == {"extra": {"k": 3999}}

    def test_small_body_left_alone(self, probe: type[_Probe]) -> None:
        body = _probe_body(3)
        assert len(body) < decode_module.GC_PAUSE_MIN_BYTES
        decode(_ProbeList, body, INFO)
        assert probe.seen == [True, True, True]

    def test_collector_switched_off_by_the_caller_stays_off(self, probe: type[_Probe]) -> None:
        gc.disable()
        try:
            decode(_ProbeList, _probe_body(4000), INFO)
            assert not gc.isenabled()
        finally:
            gc.enable()

    def test_resumed_after_a_decode_error(
        self, probe: type[_Probe], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(decode_module, "GC_PAUSE_MIN_BYTES", 10)
        with pytest.raises(DecodeError, match="not valid JSON"):
            decode(_ProbeList, b'{"items": [{"name": "a"}, {"na', INFO)
        with pytest.raises(DecodeError, match="does not fit the model"):
            decode(_ProbeList, b'{"items": [{"name": 5}, 7]}', INFO)
        assert gc.isenabled()

    def test_concurrent_decodes_resume_once_both_are_done(
        self, probe: type[_Probe], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(decode_module, "GC_PAUSE_MIN_BYTES", 10)
        monkeypatch.setattr(probe, "barrier", threading.Barrier(2))
        body = _probe_body(1)
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: decode(_ProbeList, body, INFO), range(2)))
        assert len(results) == 2
        assert probe.seen == [False, False]  # both inside the validator at the same time
        assert gc.isenabled()
