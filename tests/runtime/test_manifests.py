"""kubeset.manifests on kubeset.fake: the registry, load_all, apply order and apply_all."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from kubeset.errors import ManifestError
from kubeset.fake import FakeServer, fake_clientset
from kubeset.fake.server import Action
from kubeset.manifests import (
    ApplyFailed,
    Document,
    InvalidDocument,
    Registry,
    apply_all,
    apply_order,
    async_apply_all,
    load_all,
)
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models.apps_v1 import Deployment
from kubeset_k8s.models.core_v1 import ConfigMap, Namespace
from kubeset_k8s.models.meta_v1 import ObjectMeta

GROUP = "manifests.kubeset.test"
CRD = f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.{GROUP}
spec:
  group: {GROUP}
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
WIDGET = f"""\
apiVersion: {GROUP}/v1
kind: Widget
metadata: {{name: w1, namespace: shop}}
spec: {{size: 3, color: blue}}
"""
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
CONFIGMAP = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop}\ndata: {k: v}\n"
)
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
"""


def yaml_docs(*docs: str) -> str:
    return "---\n".join(docs)


@pytest.fixture(scope="module")
def widgets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """``mf_widgets``: a typed package generated from the Widget CRD above."""
    from clientgen.cli import main as clientgen

    out = tmp_path_factory.mktemp("manifests-packages")
    (out / "crd.yaml").write_text(CRD)
    args = ["generate", "--crd", str(out / "crd.yaml"), "--package", "mf_widgets"]
    assert clientgen([*args, "--out", str(out), "--quiet"]) == 0
    sys.path.insert(0, str(out))
    yield importlib.import_module("mf_widgets")
    sys.path.remove(str(out))
    for name in list(sys.modules):
        if name.split(".")[0] == "mf_widgets":
            del sys.modules[name]


def establish_crds(server: FakeServer) -> None:
    """The fake runs no CRD controller: reads of a CRD show it Established."""

    def established(action: Action) -> httpx.Response | None:
        if action.subresource:
            return None
        obj = server.get_object(
            "apiextensions.k8s.io/v1", "CustomResourceDefinition", "", action.name
        )
        if obj is None:
            return None
        obj["status"] = {"conditions": [{"type": "Established", "status": "True"}]}
        return httpx.Response(200, json=obj)

    server.prepend_reactor("get", "customresourcedefinitions", established)


# --- the registry ---------------------------------------------------------------------------------


def test_registry_lookups() -> None:
    registry = Registry.for_packages("kubeset_k8s")
    assert registry.model("v1", "ConfigMap") is ConfigMap
    assert registry.model("apps/v1", "Deployment") is Deployment
    info = registry.resource("apps/v1", "Deployment")
    assert info is not None and info.plural == "deployments" and info.namespaced
    ns_info = registry.resource("v1", "Namespace")
    assert ns_info is not None and not ns_info.namespaced
    assert registry.model("v1", "Nope") is None and registry.resource("nope/v1", "X") is None
    assert ("v1", "Pod") in registry and ("v1", "PodList") not in registry
    assert registry.packages == ("kubeset_k8s",)
    entry = registry.entry("v1", "ConfigMap")
    assert entry is not None and entry.client.__name__ == "ConfigMapsClient"
    assert entry.async_client is not None and entry.async_client.__name__ == "AsyncConfigMapsClient"


def test_registry_for_clientset_adds_the_built_in_api(widgets: ModuleType) -> None:
    cs = fake_clientset(widgets.Clientset)
    registry = Registry.for_clientset(cs)
    assert registry.packages == ("mf_widgets", "kubeset_k8s")
    model = registry.model(f"{GROUP}/v1", "Widget")
    assert model is not None and model.__module__.startswith("mf_widgets.models")
    assert registry.model("v1", "Namespace") is Namespace
    assert Registry.for_clientset(fake_clientset(Clientset)).packages == ("kubeset_k8s",)


# --- load_all -------------------------------------------------------------------------------------


def test_typed_and_dict_documents() -> None:
    text = yaml_docs(CONFIGMAP, "# just a comment\n", WIDGET, "")
    docs = load_all(text)
    # empty documents are left out, and not counted
    assert [(d.kind, d.index, d.typed) for d in docs] == [
        ("ConfigMap", 0, True),
        ("Widget", 1, False),
    ]
    cm, widget = docs
    assert isinstance(cm.obj, ConfigMap) and cm.obj.data == {"k": "v"}
    assert (cm.api_version, cm.name, cm.namespace, cm.source) == ("v1", "cfg", "shop", "<string>")
    assert widget.obj == {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Widget",
        "metadata": {"name": "w1", "namespace": "shop"},
        "spec": {"size": 3, "color": "blue"},
    }
    assert widget.label == f"widget.{GROUP}/w1" and cm.label == "configmap/cfg"
    assert load_all(text.encode(), name="in.yaml")[1].source == "in.yaml"


def test_the_registry_given_types_custom_resources(widgets: ModuleType) -> None:
    registry = Registry.for_packages("kubeset_k8s", "mf_widgets")
    (widget,) = load_all(WIDGET, registry=registry)
    assert type(widget.obj).__name__ == "Widget" and widget.obj.spec.size == 3
    (plain,) = load_all(WIDGET, registry=Registry())
    assert isinstance(plain.obj, dict)


def test_list_documents_are_expanded() -> None:
    text = textwrap.dedent("""\
        apiVersion: v1
        kind: List
        items:
          - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
          - {apiVersion: v1, kind: Secret, metadata: {name: b}}
        """)
    docs = load_all(text)
    assert [(d.kind, d.index, d.item) for d in docs] == [("ConfigMap", 0, 0), ("Secret", 0, 1)]
    assert docs[1].where == "<string>, document 0, item 1"


def test_directory_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(CONFIGMAP)
    (tmp_path / "a.yml").write_text(yaml_docs(NAMESPACE, DEPLOYMENT))
    (tmp_path / "c.json").write_text(
        '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}'
    )
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.yaml").write_text(WIDGET)
    docs = load_all(tmp_path)
    assert [(Path(d.source).name, d.index, d.kind) for d in docs] == [
        ("a.yml", 0, "Namespace"),
        ("a.yml", 1, "Deployment"),
        ("b.yaml", 0, "ConfigMap"),
        ("c.json", 0, "Secret"),
    ]
    assert [d.kind for d in load_all(tmp_path, recursive=True)][-1] == "Widget"
    # a one-line str naming a file is a path
    assert [d.kind for d in load_all(str(tmp_path / "b.yaml"))] == ["ConfigMap"]
    with pytest.raises(FileNotFoundError):
        load_all(str(tmp_path / "missing.yaml"))


@pytest.mark.parametrize(
    ("text", "index", "field", "problem"),
    [
        (yaml_docs(CONFIGMAP, "- a\n- b\n"), 1, "", "not an object"),
        (yaml_docs(CONFIGMAP, "apiVersion: v1\nmetadata: {name: x}\n"), 1, "kind", "required"),
        ("kind: ConfigMap\n", 0, "apiVersion", "required"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n", 0, "metadata", "must be an object"),
        (
            yaml_docs(NAMESPACE, DEPLOYMENT.replace("replicas: 2", "replicas: lots")),
            1,
            "spec.replicas",
            "integer",
        ),
        (
            "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, metadata: {name: a}}]\n",
            0,
            "items[0].kind",
            "required",
        ),
    ],
)
def test_bad_documents_name_file_index_and_field(
    tmp_path: Path, text: str, index: int, field: str, problem: str
) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    with pytest.raises(InvalidDocument) as info:
        load_all(path)
    err = info.value
    assert isinstance(err, ManifestError)
    assert (err.source, err.index, err.field) == (str(path), index, field)
    assert problem in err.problem
    assert str(path) in str(err) and f"document {index}" in str(err)


def test_yaml_errors_are_manifest_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml_docs(CONFIGMAP, "kind: [unclosed\n"))
    with pytest.raises(ManifestError) as info:
        load_all(path)
    assert info.value.source == str(path)
    assert info.value.line is not None


# --- order ----------------------------------------------------------------------------------------


def test_apply_order() -> None:
    docs = load_all(
        yaml_docs(
            WIDGET,
            DEPLOYMENT,
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
            CONFIGMAP,
            "apiVersion: admissionregistration.k8s.io/v1\n"
            "kind: ValidatingWebhookConfiguration\nmetadata: {name: hook}\n",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n",
            CRD,
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
            NAMESPACE,
        )
    )
    assert [d.kind for d in apply_order(docs)] == [
        "Namespace",
        "CustomResourceDefinition",
        "Role",
        "ConfigMap",
        "Secret",
        "Service",
        "Widget",
        "Deployment",
        "ValidatingWebhookConfiguration",
    ]


# --- apply_all ------------------------------------------------------------------------------------


def test_apply_created_unchanged_configured() -> None:
    cs = fake_clientset(Clientset)
    docs = load_all(yaml_docs(DEPLOYMENT, CONFIGMAP, NAMESPACE), name="app.yaml")
    report = apply_all(cs, docs, field_manager="deployer")
    assert report.ok, str(report)
    assert str(report) == (
        "namespace/shop created\nconfigmap/cfg created\ndeployment.apps/web created"
    )
    assert [(r.source, r.index, r.namespace) for r in report] == [
        ("app.yaml", 2, None),
        ("app.yaml", 1, "shop"),
        ("app.yaml", 0, "shop"),
    ]
    deployment = report.results[2].object
    assert isinstance(deployment, Deployment) and deployment.spec.replicas == 2
    stored = cs.core_v1().config_maps("shop").get("cfg")
    assert stored.metadata.managed_fields[0].manager == "deployer"

    again = apply_all(cs, docs, field_manager="deployer")
    assert [r.outcome for r in again] == ["unchanged"] * 3

    changed = load_all(yaml_docs(DEPLOYMENT, CONFIGMAP.replace("k: v", "k: w"), NAMESPACE))
    third = apply_all(cs, changed, field_manager="deployer")
    assert third.outcomes() == {
        "namespace/shop": "unchanged",
        "configmap/cfg": "configured",
        "deployment.apps/web": "unchanged",
    }
    assert cs.core_v1().config_maps("shop").get("cfg").data == {"k": "w"}


def test_default_namespace_and_objects_built_in_code() -> None:
    cs = fake_clientset(
        Clientset,
        Namespace(metadata=ObjectMeta(name="team")),
        Namespace(metadata=ObjectMeta(name="default")),
    )
    objects: list[Any] = [
        ConfigMap(metadata=ObjectMeta(name="from-model"), data={"a": "1"}),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-dict"}},
    ]
    report = apply_all(cs, objects, field_manager="m", namespace="team")
    assert report.ok, str(report)
    assert [(r.source, r.index, r.namespace) for r in report] == [
        ("<object>", 0, "team"),
        ("<object>", 1, "team"),
    ]
    assert cs.core_v1().config_maps("team").get("from-dict").metadata.name == "from-dict"
    # without one, the config's namespace ("default")
    report = apply_all(cs, objects[:1], field_manager="m")
    assert report.ok and cs.core_v1().config_maps("default").get("from-model")


def test_failures_are_reported_and_the_rest_applied() -> None:
    cs = fake_clientset(Clientset)
    text = yaml_docs(
        CONFIGMAP.replace("namespace: shop", "namespace: nowhere"),
        WIDGET,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: shop}\n",
        NAMESPACE,
        CONFIGMAP,
    )
    report = apply_all(cs, load_all(text, name="mixed.yaml"), field_manager="m")
    assert not report.ok
    assert [(r.index, r.outcome) for r in report] == [
        (3, "created"),
        (0, "failed"),
        (2, "failed"),
        (4, "created"),
        (1, "failed"),
    ]
    by_index = {r.index: r for r in report.failed}
    assert "NotFound" in (by_index[0].error or "") and "nowhere" in (by_index[0].error or "")
    assert by_index[2].error == "metadata.name is required"
    assert by_index[1].error == f"no resource serves Widget in {GROUP}/v1"
    assert str(by_index[1]) == (
        f"widget.{GROUP}/w1 failed (mixed.yaml, document 1): "
        f"no resource serves Widget in {GROUP}/v1"
    )
    with pytest.raises(ApplyFailed, match="3 of 5 documents failed"):
        report.raise_for_failures()


def test_server_errors_are_typed() -> None:
    cs = fake_clientset(Clientset)
    from kubeset.errors import Invalid

    cs.fake.prepend_reactor(  # type: ignore[attr-defined]
        "patch", "configmaps", lambda action: Invalid('ConfigMap "cfg" is invalid: data: bad')
    )
    report = apply_all(cs, load_all(yaml_docs(NAMESPACE, CONFIGMAP)), field_manager="m")
    failed = report.results[1]
    assert failed.outcome == "failed" and isinstance(failed.exception, Invalid)
    assert failed.error == 'Invalid: ConfigMap "cfg" is invalid: data: bad'


def test_stop_on_error_skips_the_rest() -> None:
    cs = fake_clientset(Clientset)
    docs = load_all(yaml_docs(CONFIGMAP, DEPLOYMENT))  # no namespace "shop"
    report = apply_all(cs, docs, field_manager="m", stop_on_error=True)
    assert [r.outcome for r in report] == ["failed", "skipped"]


def test_dry_run_persists_nothing() -> None:
    cs = fake_clientset(Clientset, Namespace(metadata=ObjectMeta(name="shop")))
    docs = load_all(CONFIGMAP)
    report = apply_all(cs, docs, field_manager="m", dry_run=True)
    assert str(report) == "configmap/cfg created (server dry run)"
    assert cs.core_v1().config_maps("shop").list().items == []
    apply_all(cs, docs, field_manager="m")
    assert [r.outcome for r in apply_all(cs, docs, field_manager="m", dry_run=True)] == [
        "unchanged"
    ]
    changed = load_all(CONFIGMAP.replace("k: v", "k: w"))
    assert [r.outcome for r in apply_all(cs, changed, field_manager="m", dry_run=True)] == [
        "configured"
    ]
    assert cs.core_v1().config_maps("shop").get("cfg").data == {"k": "v"}


def test_field_manager_conflicts_and_force() -> None:
    cs = fake_clientset(Clientset, Namespace(metadata=ObjectMeta(name="shop")))
    apply_all(cs, load_all(CONFIGMAP), field_manager="one")
    other = load_all(CONFIGMAP.replace("k: v", "k: w"))
    report = apply_all(cs, other, field_manager="two")
    assert report.results[0].outcome == "failed" and "Conflict" in (report.results[0].error or "")
    forced = apply_all(cs, other, field_manager="two", force=True)
    assert [r.outcome for r in forced] == ["configured"]


def test_crd_then_custom_resource_typed(widgets: ModuleType) -> None:
    cs = fake_clientset(widgets.Clientset)
    establish_crds(cs.fake)
    docs = load_all(
        yaml_docs(WIDGET, CRD, NAMESPACE),
        registry=Registry.for_packages("kubeset_k8s", "mf_widgets"),
    )
    report = apply_all(cs, docs, field_manager="m")
    assert str(report) == (
        "namespace/shop created\n"
        f"customresourcedefinition.apiextensions.k8s.io/widgets.{GROUP} created\n"
        f"widget.{GROUP}/w1 created"
    )
    widget = report.results[2].object
    assert type(widget).__name__ == "Widget" and widget.spec.color == "blue"
    assert cs.manifests_v1().widgets("shop").get("w1").spec.size == 3


def test_custom_resource_through_discovery(widgets: ModuleType) -> None:
    # The server serves widgets, the registry does not know them: the dynamic client's path.
    cs = fake_clientset(Clientset, packages=("kubeset_k8s", "mf_widgets"))
    establish_crds(cs.fake)  # type: ignore[attr-defined]
    report = apply_all(cs, load_all(yaml_docs(WIDGET, CRD, NAMESPACE)), field_manager="m")
    assert report.ok, str(report)
    widget = report.results[2].object
    assert isinstance(widget, dict) and widget["spec"] == {"size": 3, "color": "blue"}


def test_crd_not_established_in_time() -> None:
    cs = fake_clientset(Clientset)
    report = apply_all(cs, load_all(yaml_docs(CRD)), field_manager="m", wait_established=0.3)
    (result,) = report.results
    assert result.outcome == "failed"
    assert result.error == "created, but not Established within 0.3 s (no conditions yet)"


def test_document_of_model_without_kind() -> None:
    doc = Document.of(ConfigMap(metadata=ObjectMeta(name="x", namespace="n")))
    assert (doc.api_version, doc.kind, doc.name, doc.namespace) == ("v1", "ConfigMap", "x", "n")


@pytest.mark.anyio
async def test_async_apply_all() -> None:
    acs = fake_clientset(AsyncClientset)
    docs = load_all(yaml_docs(CONFIGMAP, NAMESPACE))
    report = await async_apply_all(acs, docs, field_manager="m")
    assert [r.outcome for r in report] == ["created", "created"]
    again = await async_apply_all(acs, docs, field_manager="m")
    assert [r.outcome for r in again] == ["unchanged", "unchanged"]
    await acs.aclose()
