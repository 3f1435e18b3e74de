"""The IR of the real Kubernetes v1.36 spec: verbs, scope, kinds, subresources and patch types
exactly as the paths declare them."""

from __future__ import annotations

import pytest

from clientgen.ir import Clientset, Resource, build_ir
from clientgen.spec import load_spec
from tests.specs import K8S_V128, K8S_V136

ALL = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")


@pytest.fixture(scope="module")
def ir() -> Clientset:
    return build_ir(load_spec(str(K8S_V136)), "kubeset_k8s")


def _find(ir: Clientset, accessor: str, plural: str) -> Resource:
    gv = next(g for g in ir.group_versions if g.accessor == accessor)
    return next(r for r in gv.resources if r.plural == plural)


def test_pods(ir: Clientset) -> None:
    pods = _find(ir, "core_v1", "pods")
    assert (pods.kind, pods.namespaced, pods.verbs) == ("Pod", True, ALL)
    assert pods.model.module == "core_v1" and pods.list_model and pods.list_model.name == "PodList"
    assert pods.patch_types == ("APPLY", "JSON", "MERGE", "STRATEGIC")
    subs = {s.name: s for s in pods.subresources}
    assert set(subs) == {"binding", "ephemeralcontainers", "eviction", "log", "resize", "status"}
    assert subs["eviction"].verbs == ("create",) and subs["eviction"].model
    assert (subs["eviction"].api_version, subs["eviction"].kind) == ("policy/v1", "Eviction")
    assert subs["status"].same_model and subs["status"].method("update") == "update_status"
    assert subs["ephemeralcontainers"].method("patch") == "patch_ephemeral_containers"
    assert subs["eviction"].method("create") == "evict"
    assert subs["log"].runtime_mixin == "WithLogs"


def test_scope_and_partial_verb_sets(ir: Clientset) -> None:
    assert _find(ir, "core_v1", "nodes").namespaced is False
    assert _find(ir, "core_v1", "namespaces").verbs == ALL[:-1]  # no deletecollection
    assert _find(ir, "core_v1", "componentstatuses").verbs == ("get", "list")
    assert _find(ir, "authentication_v1", "tokenreviews").verbs == ("create",)
    assert _find(ir, "authorization_v1", "localsubjectaccessreviews").namespaced is True
    scale = next(s for s in _find(ir, "apps_v1", "deployments").subresources if s.name == "scale")
    assert (scale.api_version, scale.kind, scale.same_model) == ("autoscaling/v1", "Scale", False)
    token = next(
        s for s in _find(ir, "core_v1", "serviceaccounts").subresources if s.name == "token"
    )
    assert token.method("create") == "create_token"


def test_accessors_follow_client_go(ir: Clientset) -> None:
    accessors = {gv.accessor for gv in ir.group_versions}
    assert {
        "core_v1",
        "apps_v1",
        "rbac_v1",
        "internal_v1alpha1",
        "flowcontrol_v1",
        "resource_v1",
    } <= accessors
    assert len(accessors) == len(ir.group_versions)
    core_v1 = next(g for g in ir.group_versions if g.accessor == "core_v1")
    core = {r.accessor for r in core_v1.resources}
    assert {
        "pods",
        "config_maps",
        "persistent_volume_claims",
        "replication_controllers",
        "service_accounts",
    } <= core


def test_older_spec_builds_too() -> None:
    ir = build_ir(load_spec(str(K8S_V128)), "k8s128")
    assert ir.resource_count > 50
    assert not ir.skipped
