"""The same spec always renders to the same bytes, whatever the order of its keys, and the
committed generated/kubeset_k8s is exactly what its spec renders to (what `make verify` checks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clientgen.cli import main
from clientgen.generate import render_package
from clientgen.spec import load_spec, parse_spec
from tests.specs import ROOT, k8s_spec_path


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _reversed(node: Any) -> Any:
    """Every object's keys in reverse order (list order is meaning, so it stays)."""
    if isinstance(node, dict):
        return {k: _reversed(node[k]) for k in reversed(list(node))}
    if isinstance(node, list):
        return [_reversed(v) for v in node]
    return node


def _without_digest(files: dict[str, str]) -> dict[str, str]:
    """Drop the lines that name the spec's sha256 (the reordered file has other bytes)."""
    return {
        name: "\n".join(line for line in text.splitlines() if "sha256" not in line.lower())
        for name, text in files.items()
    }


@pytest.mark.slow
def test_key_order_does_not_matter(tmp_path: Path) -> None:
    path = k8s_spec_path()
    data = json.loads(path.read_bytes())
    shuffled = parse_spec(json.dumps(_reversed(data), indent=1).encode(), path.name)
    render_package(load_spec(str(path)), "kubeset_k8s", tmp_path / "a")
    render_package(shuffled, "kubeset_k8s", tmp_path / "b")
    first, second = _tree(tmp_path / "a" / "kubeset_k8s"), _tree(tmp_path / "b" / "kubeset_k8s")
    assert _without_digest(first) == _without_digest(second)


def test_committed_package_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    spec = k8s_spec_path()
    code = main(
        [
            "verify",
            "--spec",
            str(spec),
            "--package",
            "kubeset_k8s",
            "--out",
            str(ROOT / "generated"),
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
