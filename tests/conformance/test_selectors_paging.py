"""Label and field selectors, and limit/continue paging."""

from __future__ import annotations

import pytest

from kubeset import BadRequest
from kubeset_k8s import Clientset
from kubeset_k8s.models.core_v1 import ConfigMap, Container, Pod, PodSpec, PodStatus
from kubeset_k8s.models.meta_v1 import ObjectMeta


def names(items: list[object] | None) -> list[str]:
    return sorted(str(o.metadata.name) for o in items or [])  # type: ignore[attr-defined]


@pytest.fixture
def labelled(cs: Clientset, ns: str) -> str:
    cms = cs.core_v1().config_maps(ns)
    for name, labels in {
        "a": {"app": "web", "tier": "front"},
        "b": {"app": "web", "tier": "back"},
        "c": {"app": "db"},
        "d": {},
    }.items():
        cms.create(ConfigMap(metadata=ObjectMeta(name=name, labels=labels or None)))
    return ns


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["a", "b"]),
        ("app==web", ["a", "b"]),
        ("app!=web", ["c", "d"]),
        ("tier in (front,middle)", ["a"]),
        ("tier notin (front)", ["b", "c", "d"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c", "d"]),
        ("app=web,tier=back", ["b"]),
        ("", ["a", "b", "c", "d"]),
    ],
)
def test_label_selectors(cs: Clientset, labelled: str, selector: str, expected: list[str]) -> None:
    got = cs.core_v1().config_maps(labelled).list(label_selector=selector)
    assert names(got.items) == expected


def test_label_selector_across_namespaces(cs: Clientset, labelled: str) -> None:
    got = cs.core_v1().config_maps("").list(label_selector="app=db")
    assert [
        (o.metadata.namespace, o.metadata.name)
        for o in got.items or []
        if o.metadata and o.metadata.namespace == labelled
    ] == [(labelled, "c")]


def test_field_selectors(cs: Clientset, labelled: str) -> None:
    cms = cs.core_v1().config_maps(labelled)
    assert names(cms.list(field_selector="metadata.name=b").items) == ["b"]
    assert names(cms.list(field_selector="metadata.name!=b").items) == ["a", "c", "d"]
    everywhere = cs.core_v1().config_maps("").list(field_selector=f"metadata.namespace={labelled}")
    assert names(everywhere.items) == ["a", "b", "c", "d"]


def test_pod_field_selectors(cs: Clientset, ns: str) -> None:
    pods = cs.core_v1().pods(ns)
    for name, node in (("p1", "node-a"), ("p2", "node-b"), ("p3", None)):
        pods.create(
            Pod(
                metadata=ObjectMeta(name=name),
                spec=PodSpec(node_name=node, containers=[Container(name="c", image="busybox")]),
            )
        )
    p2 = pods.get("p2")
    p2.status = PodStatus(phase="Running")
    pods.update_status(p2)
    assert names(pods.list(field_selector="spec.nodeName=node-a").items) == ["p1"]
    assert names(pods.list(field_selector="spec.nodeName=").items) == ["p3"]
    assert names(pods.list(field_selector="status.phase=Running").items) == ["p2"]
    assert names(pods.list(field_selector="status.phase!=Running,spec.nodeName!=").items) == ["p1"]


def test_unsupported_field_selector(cs: Clientset, ns: str) -> None:
    with pytest.raises(BadRequest) as bad:
        cs.core_v1().config_maps(ns).list(field_selector="data.k=v")
    assert bad.value.message == (
        '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )


def test_paging(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    for i in range(7):
        cms.create(ConfigMap(metadata=ObjectMeta(name=f"cm-{i}")))
    seen: list[str] = []
    token: str | None = None
    pages = 0
    remaining: list[int | None] = []
    versions = set()
    while True:
        page = cms.list(limit=3, continue_=token)
        pages += 1
        assert page.metadata is not None
        versions.add(page.metadata.resource_version)
        remaining.append(page.metadata.remaining_item_count)
        seen += [str(o.metadata.name) for o in page.items or [] if o.metadata]
        token = page.metadata.continue_
        if not token:
            break
    assert seen == [f"cm-{i}" for i in range(7)]  # key order
    assert pages == 3
    assert remaining == [4, 1, None]
    assert len(versions) == 1  # one snapshot


def test_paging_is_a_snapshot(cs: Clientset, ns: str) -> None:
    cms = cs.core_v1().config_maps(ns)
    for i in range(4):
        cms.create(ConfigMap(metadata=ObjectMeta(name=f"cm-{i}")))
    first = cms.list(limit=2)
    cms.create(ConfigMap(metadata=ObjectMeta(name="cm-9")))
    cms.delete("cm-3")
    assert first.metadata is not None
    rest = cms.list(limit=10, continue_=first.metadata.continue_)
    assert names(rest.items) == ["cm-2", "cm-3"]
