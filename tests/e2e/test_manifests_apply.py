"""kubeset.manifests against the real kube-apiserver: one multi-document manifest in the wrong
order (a custom resource before its CRD, objects before their namespace) applied in one call."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from kubeset import Config
from kubeset.manifests import Registry, apply_all, async_apply_all, load_all
from kubeset_k8s import AsyncClientset, Clientset

MANAGER = "e2e-manifests"


def crd(group: str) -> str:
    return f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}}
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {{status: {{}}}}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {{type: integer, minimum: 0}}
                color: {{type: string}}
"""


def manifest(group: str, ns: str, *, replicas: int = 2, color: str = "blue") -> str:
    """A custom resource, its CRD, the namespace, a ConfigMap and a Deployment, in the wrong
    order for applying them one by one."""
    return f"""\
apiVersion: {group}/v1
kind: Widget
metadata: {{name: w1, namespace: {ns}}}
spec: {{size: 3, color: {color}}}
---
{crd(group)}---
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}, labels: {{team: shop}}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings, namespace: {ns}}}
data: {{mode: fast}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: web, image: nginx}}]}}
"""


def unique() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def typed_group(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ModuleType]]:
    """A fresh API group and the typed package clientgen generates from its CRD."""
    from clientgen.cli import main as clientgen

    group = f"m{unique()}.kubeset.test"
    out = tmp_path_factory.mktemp("manifests-e2e")
    (out / "crd.yaml").write_text(crd(group))
    args = ["generate", "--crd", str(out / "crd.yaml"), "--package", "mfe_widgets"]
    assert clientgen([*args, "--out", str(out), "--quiet"]) == 0
    sys.path.insert(0, str(out))
    yield group, importlib.import_module("mfe_widgets")
    sys.path.remove(str(out))
    for name in list(sys.modules):
        if name.split(".")[0] == "mfe_widgets":
            del sys.modules[name]


def test_apply_in_dependency_order_typed(
    cs: Clientset, typed_group: tuple[str, ModuleType], tmp_path: Path
) -> None:
    group, package = typed_group
    ns = f"mf-{unique()}"
    path = tmp_path / "app.yaml"
    path.write_text(manifest(group, ns))
    registry = Registry.for_packages("kubeset_k8s", package.__name__)
    docs = load_all(path, registry=registry)
    assert [(d.kind, d.typed) for d in docs] == [
        ("Widget", True),
        ("CustomResourceDefinition", True),
        ("Namespace", True),
        ("ConfigMap", True),
        ("Deployment", True),
    ]

    report = apply_all(cs, docs, field_manager=MANAGER, registry=registry)
    assert report.ok, str(report)
    assert str(report).splitlines() == [
        f"namespace/{ns} created",
        f"customresourcedefinition.apiextensions.k8s.io/widgets.{group} created",
        "configmap/settings created",
        # custom resources and workloads: one class, in file order
        f"widget.{group}/w1 created",
        "deployment.apps/web created",
    ]
    assert [(r.source, r.index) for r in report] == [
        (str(path), 2),
        (str(path), 1),
        (str(path), 3),
        (str(path), 0),
        (str(path), 4),
    ]
    widget = report.results[3].object
    assert type(widget).__name__ == "Widget" and widget.spec.size == 3
    established = cs.apiextensions_v1().custom_resource_definitions().get(f"widgets.{group}")
    assert any(
        c.type == "Established" and c.status == "True"
        for c in (established.status and established.status.conditions) or []
    )
    assert cs.core_v1().config_maps(ns).get("settings").data == {"mode": "fast"}
    fields = cs.apps_v1().deployments(ns).get("web").metadata.managed_fields or []
    assert [(f.manager, f.operation) for f in fields] == [(MANAGER, "Apply")]

    again = apply_all(cs, load_all(path, registry=registry), field_manager=MANAGER)
    assert again.ok, str(again)
    assert [r.outcome for r in again] == ["unchanged"] * 5

    # A dry run tells a change from none without persisting it.
    changed = load_all(manifest(group, ns, replicas=3), registry=registry)
    dry = apply_all(cs, changed, field_manager=MANAGER, dry_run=True, registry=registry)
    assert dry.outcomes()["deployment.apps/web"] == "configured"
    assert dry.outcomes()["configmap/settings"] == "unchanged"
    assert cs.apps_v1().deployments(ns).get("web").spec.replicas == 2

    changed_for_real = apply_all(cs, changed, field_manager=MANAGER, registry=registry)
    assert changed_for_real.outcomes()["deployment.apps/web"] == "configured"
    assert cs.apps_v1().deployments(ns).get("web").spec.replicas == 3


def test_failures_reported_with_the_servers_message(cs: Clientset, tmp_path: Path) -> None:
    """Custom resources through the dynamic client (no package for the group); an invalid
    Deployment and a ConfigMap with an unknown field fail, the others are applied."""
    group = f"d{unique()}.kubeset.test"
    ns = f"mf-{unique()}"
    bad_configmap = (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: typo, namespace: {ns}}}\n"
        "dataa: {mode: slow}\n"
    )
    text = manifest(group, ns, replicas=-1) + "---\n" + bad_configmap
    path = tmp_path / "mixed.yaml"
    path.write_text(text)

    report = apply_all(cs, load_all(path), field_manager=MANAGER)
    outcomes = {(r.index, r.outcome) for r in report}
    assert outcomes == {
        (0, "created"),  # the Widget, through discovery once its CRD is Established
        (1, "created"),
        (2, "created"),
        (3, "created"),
        (4, "failed"),
        (5, "failed"),
    }
    failed = {r.index: r for r in report.failed}
    assert failed[4].error is not None
    assert failed[4].error.startswith('Invalid: Deployment.apps "web" is invalid')
    assert "spec.replicas" in failed[4].error
    assert f"({path}, document 4)" in str(failed[4])
    # server-side apply refuses fields outside the schema, whatever the field validation
    assert ".dataa: field not declared in schema" in (failed[5].error or "")
    widget = next(r.object for r in report if r.kind == "Widget")
    assert isinstance(widget, dict) and widget["spec"] == {"size": 3, "color": "blue"}

    # Unknown to the registry and to discovery.
    unknown = (
        f"apiVersion: nope.kubeset.test/v1\nkind: Gizmo\nmetadata: {{name: g, namespace: {ns}}}\n"
    )
    (result,) = apply_all(cs, load_all(unknown), field_manager=MANAGER)
    assert result.outcome == "failed"
    assert result.error == "no resource serves Gizmo in nope.kubeset.test/v1"


@pytest.mark.anyio
async def test_async_apply(config: Config, cs: Clientset) -> None:
    ns = f"mf-{unique()}"
    text = (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a, namespace: {ns}}}\ndata: {{k: v}}\n"
        f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: {{a: b}}}}\n"
    )
    async with AsyncClientset.for_config(config) as acs:
        report = await async_apply_all(acs, load_all(text), field_manager=MANAGER)
        assert str(report) == f"namespace/{ns} created\nconfigmap/a created"
        again = await async_apply_all(acs, load_all(text), field_manager=MANAGER)
        assert [r.outcome for r in again] == ["unchanged", "unchanged"]
    assert cs.core_v1().config_maps(ns).get("a").data == {"k": "v"}
