"""CRUD semantics: generated fields, names, errors, scope, generation, dry run."""

from __future__ import annotations

import re

import pytest

from kubeset import AlreadyExists, Conflict, Invalid, NotFound
from kubeset_k8s import Clientset
from kubeset_k8s.models.apps_v1 import Deployment, DeploymentSpec
from kubeset_k8s.models.core_v1 import (
    ConfigMap,
    Container,
    PodSpec,
    PodTemplateSpec,
)
from kubeset_k8s.models.meta_v1 import LabelSelector, ObjectMeta
from kubeset_k8s.models.rbac_v1 import ClusterRole, PolicyRule


def cm(name: str | None = None, **data: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name), data=data or None)


def deployment(name: str, image: str = "nginx:1.27") -> Deployment:
    labels = {"app": name}
    return Deployment(
        metadata=ObjectMeta(name=name),
        spec=DeploymentSpec(
            replicas=1,
            selector=LabelSelector(match_labels=labels),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels=labels),
                spec=PodSpec(containers=[Container(name="app", image=image)]),
            ),
        ),
    )


def test_create_sets_server_fields(cs: Clientset, ns: str) -> None:
    got = cs.core_v1().config_maps(ns).create(cm("a", k="v"))
    meta = got.metadata
    assert meta is not None
    assert meta.name == "a" and meta.namespace == ns
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", str(meta.uid)
    )
    assert meta.resource_version and meta.resource_version.isdigit()
    assert meta.creation_timestamp is not None
    assert meta.generation is None  # a ConfigMap has no spec: no generation
    assert got.data == {"k": "v"}
    assert cs.core_v1().config_maps(ns).get("a") == got


def test_resource_versions_increase(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    a = cms.create(cm("a"))
    b = cms.create(cm("b"))
    a.data = {"x": "1"}
    a2 = cms.update(a)
    versions = [int(str(o.metadata.resource_version)) for o in (a, b, a2) if o.metadata]
    assert versions == sorted(versions) and len(set(versions)) == 3


def test_generate_name(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    made = [cms.create(ConfigMap(metadata=ObjectMeta(generate_name="gen-"))) for _ in range(3)]
    names = [str(m.metadata.name) for m in made if m.metadata]
    assert len(set(names)) == 3
    for name in names:
        assert re.fullmatch(r"gen-[bcdfghjklmnpqrstvwxz2456789]{5}", name)


def test_already_exists_and_not_found(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(cm("a"))
    with pytest.raises(AlreadyExists) as exists:
        cms.create(cm("a"))
    assert exists.value.message == 'configmaps "a" already exists'
    with pytest.raises(NotFound) as missing:
        cms.get("nope")
    assert missing.value.message == 'configmaps "nope" not found'
    with pytest.raises(NotFound):
        cms.delete("nope")


def test_stale_update_conflicts(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    first = cms.create(cm("a", k="1"))
    second = cms.get("a")
    first.data = {"k": "2"}
    cms.update(first)
    second.data = {"k": "3"}
    with pytest.raises(Conflict) as conflict:
        cms.update(second)
    assert "the object has been modified" in conflict.value.message
    # without a resourceVersion the update is unconditional
    assert second.metadata is not None
    second.metadata.resource_version = None
    assert cms.update(second).data == {"k": "3"}


def test_namespace_must_exist(cs: Clientset) -> None:
    with pytest.raises(NotFound) as missing:
        cs.core_v1().config_maps("no-such-namespace-x").create(cm("a"))
    assert missing.value.message == 'namespaces "no-such-namespace-x" not found'


def test_invalid_name(cs: Clientset, ns: str) -> None:
    with pytest.raises(Invalid) as invalid:
        cs.core_v1().config_maps(ns).create(cm("Not_Valid"))
    assert 'ConfigMap "Not_Valid" is invalid' in invalid.value.message
    causes = (invalid.value.details or {}).get("causes") or []
    assert any(c.get("field") == "metadata.name" for c in causes)


def test_cluster_scoped(cs: Clientset, ns: str) -> None:
    roles = cs.rbac_v1().cluster_roles()
    name = f"{ns}-reader"
    role = ClusterRole(
        metadata=ObjectMeta(name=name),
        rules=[PolicyRule(api_groups=[""], resources=["pods"], verbs=["get"])],
    )
    made = roles.create(role)
    assert made.metadata is not None and made.metadata.namespace is None
    assert name in {r.metadata.name for r in roles.list().items or [] if r.metadata}
    roles.delete(name)
    with pytest.raises(NotFound):
        roles.get(name)


def test_generation_follows_spec_only(cs: Clientset, ns: str) -> None:
    deps = cs.apps_v1().deployments(ns)
    made = deps.create(deployment("web"))
    assert made.metadata is not None and made.metadata.generation == 1
    made.metadata.labels = {"team": "a"}
    relabelled = deps.update(made)
    assert relabelled.metadata is not None and relabelled.metadata.generation == 1
    assert relabelled.spec is not None
    relabelled.spec.replicas = 3
    scaled = deps.update(relabelled)
    assert scaled.metadata is not None and scaled.metadata.generation == 2
    patched = deps.patch("web", {"spec": {"paused": True}})
    assert patched.metadata is not None and patched.metadata.generation == 3


def test_dry_run_stores_nothing(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    shown = cms.create(cm("a", k="v"), dry_run=True)
    assert shown.metadata is not None and shown.metadata.name == "a"
    with pytest.raises(NotFound):
        cms.get("a")
    real = cms.create(cm("a", k="v"))
    real.data = {"k": "dry"}
    assert cms.update(real, dry_run=True).data == {"k": "dry"}
    assert cms.get("a").data == {"k": "v"}
    cms.delete("a", dry_run=True)
    assert cms.get("a").data == {"k": "v"}


def test_delete_returns_and_removes(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    cms.create(cm("a"))
    cms.create(cm("b"))
    cms.delete("a")
    with pytest.raises(NotFound):
        cms.get("a")
    cms.delete_collection()
    assert (cms.list().items or []) == []


def test_unknown_fields_are_kept_or_dropped_as_the_server_does(cs: Clientset, ns: str) -> None:
    """Built-in types: the server drops fields it does not know (with a warning)."""
    cms = cs.core_v1().config_maps(ns)
    made = cms.create(
        {"metadata": {"name": "a"}, "data": {"k": "v"}, "bogus": 1}, field_validation="Ignore"
    )
    assert made.model_extra in (None, {})
