"""A spec the generator cannot use fails with the file and the JSON path, exit code 2, and leaves
nothing behind in the output directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clientgen.cli import main
from clientgen.spec import SpecError, load_spec, parse_spec

GOOD = Path(__file__).parent / "specs" / "widgets.json"


def _good() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOOD.read_text())
    return data


def _write(tmp_path: Path, data: Any, name: str = "spec.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        ({"openapi": "3.0.0", "paths": {}}, "$.openapi", "OpenAPI v2"),
        ({"info": {}}, "$.swagger", "not an OpenAPI v2 document"),
        ({"swagger": "2.0", "paths": {}}, "$.definitions", "missing or empty"),
        ({"swagger": "2.0", "definitions": {}}, "$.definitions", "missing or empty"),
        ([1, 2], "$", "not an object"),
    ],
)
def test_not_a_usable_spec(tmp_path: Path, data: Any, where: str, words: str) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(SpecError) as info:
        load_spec(str(path))
    assert info.value.source == str(path)
    assert info.value.path == where
    assert words in str(info.value)
    assert str(path) in str(info.value)


def test_not_json(tmp_path: Path) -> None:
    path = _write(tmp_path, "{ this is: [not json")
    with pytest.raises(SpecError, match="not JSON or YAML"):
        load_spec(str(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(str(tmp_path / "nope.json"))


def test_dangling_ref_names_its_json_path() -> None:
    data = _good()
    spec = data["definitions"]["com.example.widgets.v1.WidgetSpec"]["properties"]
    spec["port"] = {"$ref": "#/definitions/io.k8s.Nowhere"}
    with pytest.raises(SpecError) as info:
        parse_spec(json.dumps(data).encode(), "my-spec.json")
    assert info.value.path == (
        '$.definitions["com.example.widgets.v1.WidgetSpec"].properties.port.$ref'
    )
    assert "dangling $ref '#/definitions/io.k8s.Nowhere'" in str(info.value)
    assert str(info.value).startswith("my-spec.json: ")


def test_remote_ref_is_refused() -> None:
    data = _good()
    data["definitions"]["com.example.widgets.v1.Gadget"]["properties"]["color"] = {
        "$ref": "https://example.com/schema.json"
    }
    with pytest.raises(SpecError, match="non-local"):
        parse_spec(json.dumps(data).encode(), "s.json")


def test_cli_exit_code_and_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _good()
    data["paths"]["/apis/widgets.example.com/v1/gadgets"]["get"]["responses"]["200"]["schema"] = {
        "$ref": "#/definitions/Missing"
    }
    spec = _write(tmp_path, data)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("unrelated")
    assert main(["generate", "--spec", str(spec), "--package", "widgets", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"clientgen: error: {spec}: $.paths")
    assert "/apis/widgets.example.com/v1/gadgets" in err and "Missing" in err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_failure_after_start_leaves_previous_package_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert (
        main(
            ["generate", "--spec", str(GOOD), "--package", "widgets", "--out", str(out), "--quiet"]
        )
        == 0
    )
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*.py"))

    def broken(*_: Any, **__: Any) -> str:
        raise RuntimeError("template exploded")

    monkeypatch.setattr("clientgen.render.Renderer.clientset_module", broken)
    with pytest.raises(RuntimeError, match="template exploded"):
        main(
            ["generate", "--spec", str(GOOD), "--package", "widgets", "--out", str(out), "--quiet"]
        )
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.py")) == before
    assert [p.name for p in out.iterdir()] == ["widgets"]


def test_bad_package_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["generate", "--spec", str(GOOD), "--package", "not-a-name", "--out", str(tmp_path)])
        == 2
    )
    assert "not a valid Python package name" in capsys.readouterr().err
