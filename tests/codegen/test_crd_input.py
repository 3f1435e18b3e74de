"""CRD manifests: bad input is named by file and document, odd schemas are typed permissively
with a warning (never a crash, never dropped data), and class names are stable."""

from __future__ import annotations

import copy
import importlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from clientgen.base_package import BaseIndex
from clientgen.cli import main
from clientgen.generate import render_package
from clientgen.sources import crd_spec, load_crd_documents
from clientgen.spec import SpecError
from kubeset import to_dict
from tests.specs import CORPUS

CERTIFICATES = CORPUS / "crds" / "cert-manager" / "cert-manager.io_certificates.yaml"


def widget_crd(
    schema: dict[str, Any], *, api_version: str = "apiextensions.k8s.io/v1"
) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                    "subresources": {"status": {}},
                },
                {
                    "name": "v0",
                    "served": False,
                    "storage": False,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                },
            ],
        },
    }


def _write(path: Path, *docs: Any) -> Path:
    path.write_text(yaml.safe_dump_all(docs))
    return path


def test_not_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [unclosed\n  - x: y\n")
    with pytest.raises(SpecError) as info:
        load_crd_documents([str(bad)])
    assert str(bad) in str(info.value) and "not valid YAML (line" in str(info.value)


def test_not_a_crd_names_file_and_document(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "mixed.yaml",
        widget_crd({"type": "object"}),
        {"apiVersion": "v1", "kind": "ConfigMap"},
    )
    with pytest.raises(SpecError) as info:
        load_crd_documents([str(path)])
    assert info.value.source == f"{path} (document 2)"
    assert "not a CustomResourceDefinition (kind 'ConfigMap')" in str(info.value)


def test_v1beta1_crd_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "old.yaml",
        widget_crd({"type": "object"}, api_version="apiextensions.k8s.io/v1beta1"),
    )
    with pytest.raises(SpecError) as info:
        load_crd_documents([str(path)])
    assert (
        str(path) in str(info.value)
        and "v1beta1" in str(info.value)
        and info.value.path == "$.apiVersion"
    )


def test_missing_schema_names_the_field(tmp_path: Path) -> None:
    crd = widget_crd({"type": "object"})
    del crd["spec"]["versions"][0]["schema"]
    path = _write(tmp_path / "noschema.yaml", crd)
    with pytest.raises(SpecError) as info:
        crd_spec(load_crd_documents([str(path)]))
    assert info.value.path == "$.spec.versions[0].schema.openAPIV3Schema"


def test_cli_reports_bad_crd_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "cm.yaml", {"apiVersion": "v1", "kind": "ConfigMap"})
    out = tmp_path / "out"
    assert main(["generate", "--crd", str(path), "--package", "w", "--out", str(out)]) == 2
    assert (
        f"clientgen: error: {path}: $.kind: not a CustomResourceDefinition"
        in capsys.readouterr().err
    )
    assert not out.exists() or list(out.iterdir()) == []


def test_list_documents_and_directories(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    _write(
        tmp_path / "sub" / "list.yaml",
        {"apiVersion": "v1", "kind": "List", "items": [widget_crd({"type": "object"})]},
    )
    docs = load_crd_documents([str(tmp_path)])
    assert [d["metadata"]["name"] for d, _ in docs] == ["widgets.example.com"]
    assert docs[0][1].endswith("list.yaml item 1")


ODD = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "shape": {
                    "anyOf": [
                        {"type": "object", "properties": {"radius": {"type": "integer"}}},
                        {"type": "object", "properties": {"side": {"type": "integer"}}},
                    ]
                },
                "pair": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]},
                "choice": {
                    "type": "object",
                    "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                    "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
                    "not": {"required": ["c"]},
                },
                "labels": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "nullable": True},
                },
                "port": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "embedded": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                },
                "mode": {"type": "string", "enum": ["A", "B"], "default": "A"},
                "name": {"type": "string", "pattern": "^(?i)[a-z]+(?-i)Z$"},
                "size": {
                    "type": "integer",
                    "x-kubernetes-validations": [{"rule": "self > 0", "message": "positive"}],
                },
                "when": {"type": "string", "format": "date-time"},
                "link": {"type": "string", "format": "uri"},
                "ratio": {"type": "number"},
            },
        },
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}


@pytest.fixture
def odd_package(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    path = _write(tmp_path / "odd.yaml", widget_crd(ODD))
    summary = render_package(
        crd_spec(load_crd_documents([str(path)])),
        "oddwidgets",
        tmp_path,
        base=BaseIndex(),
        origins={"com.example.v1.Widget": f"widgets.example.com ({path})"},
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield summary, importlib.import_module("oddwidgets.models.example_v1")
    finally:
        sys.path.remove(str(tmp_path))
        for name in list(sys.modules):
            if name.startswith("oddwidgets"):
                del sys.modules[name]


def test_odd_schemas_are_permissive_with_warnings_and_lossless(
    odd_package: tuple[Any, Any],
) -> None:
    summary, models = odd_package
    warnings = "\n".join(summary.warnings)
    assert len(summary.warnings) == 2
    assert "widgets.example.com (" in warnings and "odd.yaml)" in warnings
    assert "properties.spec.properties.shape: anyOf of 2 schemas; typed as any JSON" in warnings
    assert "properties.spec.properties.pair.items: a tuple of item schemas" in warnings
    wire = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {
            "shape": {"radius": 3},
            "pair": ["a", 1],
            "choice": {"a": "x"},
            "labels": {"k": None, "j": "v"},
            "port": "http",
            "raw": {"anything": {"goes": [1]}},
            "embedded": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
            "mode": "C-from-a-newer-controller",
            "name": "whateverZ",
            "size": 0,
            "when": "2024-05-01T12:00:00Z",
            "link": "https://example.com",
            "ratio": 2,
        },
        "status": {"free": True},
    }
    widget = models.Widget.model_validate_json(json.dumps(wire))
    assert to_dict(widget) == wire
    source = "\n".join(p.read_text() for p in sorted(Path(models.__file__).parent.glob("*.py")))
    assert "Exactly one of: a; b." in source and "Validation rule: `self > 0` (positive)." in source
    assert 'Known values: "A", "B".' in source and 'Default: "A".' in source
    assert "class WidgetSpecChoice(" in source
    assert "labels: dict[str, str | None] | None" in source


def test_unrelated_changes_rename_no_class(tmp_path: Path) -> None:
    """Adding fields elsewhere keeps every existing class name (and its fields)."""
    original = yaml.safe_load(CERTIFICATES.read_text())
    changed = copy.deepcopy(original)
    spec = changed["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec["properties"]["aNewFeature"] = {
        "type": "object",
        "properties": {"enabled": {"type": "boolean"}},
    }
    spec["properties"]["privateKey"]["properties"]["hint"] = {"type": "string"}

    def classes(doc: dict[str, Any], where: Path) -> dict[str, list[str]]:
        path = _write(where / "c.yaml", doc)
        render_package(crd_spec(load_crd_documents([str(path)])), "cm", where, base=BaseIndex())
        found: dict[str, list[str]] = {}
        for module in sorted((where / "cm" / "models" / "cert_manager_v1").glob("*.py")):
            text = module.read_text()
            for name in re.findall(r"^class (\w+)\(", text, flags=re.MULTILINE):
                found[name] = re.findall(r"^    (\w+): ", text, flags=re.MULTILINE)
        return found

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    before, after = classes(original, tmp_path / "a"), classes(changed, tmp_path / "b")
    assert set(before) <= set(after)
    assert set(after) - set(before) == {"CertificateSpecANewFeature"}
    for name, fields in before.items():
        if name not in ("CertificateSpec", "CertificateSpecPrivateKey"):
            assert after[name] == fields, name
    assert set(after["CertificateSpecPrivateKey"]) - set(before["CertificateSpecPrivateKey"]) == {
        "hint"
    }
