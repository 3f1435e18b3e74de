"""The corpus gate: every CRD of tests/corpus/crds generates, imports, passes mypy --strict,
and round-trips objects built from its own schema (decode → encode loses nothing, unknown fields
included)."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from clientgen.base_package import BaseIndex
from clientgen.generate import Summary, render_package
from clientgen.sources import crd_spec, load_crd_documents
from kubeset import to_dict
from tests.specs import CORPUS, ROOT

PROJECTS = sorted(p for p in (CORPUS / "crds").iterdir() if p.is_dir())
EXTRA = {"kubesetUnknownField": {"nested": [1, "two", None, {"deep": True}]}}


def _package(project: Path) -> str:
    return "corpus_" + project.name.replace("-", "_")


def sample(schema: dict[str, Any], depth: int = 0) -> Any:
    """A value valid for ``schema`` that sets every property, with unknown fields added to every
    object that has properties (a newer controller's fields)."""
    if schema.get("x-kubernetes-int-or-string"):
        return "25%" if depth % 2 else 3
    if schema.get("enum"):
        return schema["enum"][-1]
    kind = schema.get("type")
    if "properties" in schema or kind == "object":
        props = schema.get("properties") or {}
        if not props:
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return {"key-a": sample(extra, depth + 1)}
            return {"free": {"form": ["x", 1, 2.5]}, "n": None}
        value = {name: sample(sub, depth + 1) for name, sub in props.items()}
        if depth < 12:
            value.update(EXTRA)
        return value
    if kind == "array":
        items = schema.get("items")
        return [sample(items, depth + 1)] if isinstance(items, dict) else ["anything", 1]
    if kind == "string":
        fmt = schema.get("format")
        return {"date-time": "2024-05-01T12:00:00Z", "byte": "AAEC", "date": "2024-05-01"}.get(
            str(fmt), "value"
        )
    if kind == "integer":
        return 7
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return {"any": ["json", 1, None]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Summary]]]:
    root = tmp_path_factory.mktemp("corpus")
    base = BaseIndex()
    summaries = {}
    for project in PROJECTS:
        spec = crd_spec(load_crd_documents([str(project)]))
        summaries[project.name] = render_package(spec, _package(project), root, base=base)
    sys.path.insert(0, str(root))
    yield root, summaries
    sys.path.remove(str(root))
    for name in list(sys.modules):
        if name.startswith("corpus_"):
            del sys.modules[name]


def _kinds() -> Iterator[tuple[Path, dict[str, Any], dict[str, Any]]]:
    for project in PROJECTS:
        for file in sorted(project.glob("*.yaml")):
            for doc in yaml.safe_load_all(file.read_text()):
                if doc:
                    for version in doc["spec"]["versions"]:
                        if version.get("served", True):
                            yield project, doc, version


CASES = list(_kinds())


def test_every_crd_generates_without_warnings(corpus: tuple[Path, dict[str, Summary]]) -> None:
    _, summaries = corpus
    assert sorted(summaries) == [p.name for p in PROJECTS]
    for name, summary in summaries.items():
        assert summary.resources > 0 and not summary.warnings, (name, summary.warnings)


@pytest.mark.parametrize(
    ("project", "crd", "version"),
    CASES,
    ids=[f"{c['metadata']['name']}/{v['name']}" for _, c, v in CASES],
)
def test_round_trip_of_a_sample_object(
    corpus: tuple[Path, dict[str, Summary]],
    project: Path,
    crd: dict[str, Any],
    version: dict[str, Any],
) -> None:
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    schema = version["schema"]["openAPIV3Schema"]
    obj = sample(schema)
    obj.update(
        apiVersion=f"{group}/{version['name']}",
        kind=kind,
        metadata={
            "name": "sample",
            "namespace": "ns",
            "labels": {"a": "b"},
            "resourceVersion": "1",
        },
    )
    typed = importlib.import_module(f"{_package(project)}.typed")
    model = None
    for found in pkgutil.iter_modules(typed.__path__):
        module = importlib.import_module(f"{typed.__name__}.{found.name}")
        for value in vars(module).values():
            info = getattr(value, "_info", None)
            if info is not None and (info.group, info.version, info.kind) == (
                group,
                version["name"],
                kind,
            ):
                model = value._model
    assert model is not None, f"no client for {group}/{version['name']} {kind}"
    decoded = model.model_validate_json(json.dumps(obj))
    assert to_dict(decoded) == obj


def test_generated_packages_pass_mypy_strict(corpus: tuple[Path, dict[str, Summary]]) -> None:
    root, _ = corpus
    packages = [arg for p in PROJECTS for arg in ("-p", _package(p))]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *packages],
        cwd=root,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "MYPYPATH": os.pathsep.join([str(root), str(ROOT), str(ROOT / "generated")]),
        },
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
