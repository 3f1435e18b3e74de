"""Golden tests: a small hand-made spec renders to exactly the committed files.

``KUBESET_UPDATE_GOLDEN=1 pytest tests/codegen/test_golden.py`` rewrites them after an intended
change; review the diff like any other code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clientgen.generate import render_package
from clientgen.spec import load_spec

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
SPEC = HERE / "specs" / "widgets.json"
GOLDEN = HERE / "golden" / "widgets"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("golden")
    render_package(load_spec(str(SPEC)), "widgets", root)
    yield root / "widgets"


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_matches_golden(rendered: Path) -> None:
    if os.environ.get("KUBESET_UPDATE_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(rendered, GOLDEN, ignore=shutil.ignore_patterns("__pycache__"))
    expected, actual = _files(GOLDEN), _files(rendered)
    assert sorted(actual) == sorted(expected)
    for name, text in expected.items():
        assert actual[name] == text, f"{name} differs from the golden file"


def test_golden_package_is_strictly_typed(rendered: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", "widgets"],
        cwd=rendered.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": os.pathsep.join([str(rendered.parent), str(ROOT)])},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _import(rendered: Path) -> Any:
    sys.path.insert(0, str(rendered.parent))
    try:
        import widgets.models.widgets_v1 as models
        import widgets.typed.widgets_v1 as typed

        return models, typed
    finally:
        sys.path.remove(str(rendered.parent))


def test_trap_fields_work(rendered: Path) -> None:
    models, typed = _import(rendered)
    wire = {
        "$ref": "#/x",
        "class": "c",
        "continue": True,
        "copy": "c",
        "from": "f",
        "json": "j",
        "not": "n",
        "schema": "s",
        "type": "t",
        "validate": "v",
        "x-kubernetes-thing": "k",
        "proxyURL": "u1",
        "proxyUrl": "u2",
        "size": 2,
        "port": "http",
        "ratio": 1,
        "mode": "SomethingNewer",
        "name": "anyTHINGgoesX",
        "payload": "AAEC",
        "raw": {"kind": "Anything", "x": [1]},
        "anything": [1, "two", None],
        "template": {"a": {"b": {}}},
        "when": "2024-01-02T03:04:05.000000Z",
    }
    spec = models.WidgetSpec.model_validate_json(json.dumps(wire))
    assert (spec.class_, spec.continue_, spec.from_, spec.not_, spec.field_ref) == (
        "c",
        True,
        "f",
        "n",
        "#/x",
    )
    assert (spec.proxy_url, spec.proxy_url_1, spec.size, spec.port, spec.ratio) == (
        "u1",
        "u2",
        2,
        "http",
        1,
    )
    assert json.loads(spec.model_dump_json(by_alias=True, exclude_unset=True)) == wire
    built = models.WidgetSpec(from_="a", continue_=False, x_kubernetes_thing="k")
    assert json.loads(built.model_dump_json(by_alias=True, exclude_unset=True)) == {
        "from": "a",
        "continue": False,
        "x-kubernetes-thing": "k",
    }
    assert typed._WIDGETS.subresources == {
        "scale": frozenset({"get", "update"}),
        "status": frozenset({"get", "update", "patch"}),
    }


def test_resources_offer_exactly_their_verbs(rendered: Path) -> None:
    _, typed = _import(rendered)
    widgets, gadgets, reviews = typed.WidgetsClient, typed.GadgetsClient, typed.ReviewsClient
    for verb in (
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "apply",
        "delete",
        "delete_collection",
    ):
        assert hasattr(widgets, verb), verb
    for name in ("get_status", "update_status", "patch_status", "get_scale", "update_scale"):
        assert hasattr(widgets, name), name
    # status has no apply-patch content type here, scale no patch at all:
    for name in ("apply_status", "patch_scale", "apply_scale"):
        assert not hasattr(widgets, name), name
    assert {v for v in ("get", "list", "watch", "create", "delete") if hasattr(gadgets, v)} == {
        "get",
        "list",
    }
    assert {v for v in ("get", "list", "create", "delete") if hasattr(reviews, v)} == {"create"}
    assert typed._WIDGETS.namespaced and not typed._GADGETS.namespaced
    assert {p.name for p in typed._WIDGETS.patch_types} == {"JSON", "MERGE", "APPLY"}
