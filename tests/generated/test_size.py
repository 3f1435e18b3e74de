"""The generated layer stays declarative and small: behaviour lives in the runtime.

A resource's code lines (no docstrings, no blank lines) are its ``ResourceInfo``, its sync and
async client classes, its accessor on both group clients and its two ``Getter`` Protocols.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.specs import ROOT

TYPED = ROOT / "generated" / "kubeset_k8s" / "typed"


def _code_lines(source: list[str], node: ast.AST) -> int:
    """Lines of ``node`` that are neither blank nor part of a docstring."""
    doc_lines: set[int] = set()
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                doc_lines.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    if isinstance(node, ast.Module):
        start, end = 1, len(source)
    else:
        start, end = node.lineno, node.end_lineno or node.lineno
    return sum(
        1 for n in range(start, end + 1) if n not in doc_lines and source[n - 1].strip() != ""
    )


def resource_lines(module: Path, plural: str, const: str, accessor: str) -> int:
    source = module.read_text().splitlines()
    tree = ast.parse("\n".join(source))
    total = 0
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == const for t in node.targets
        ):
            total += _code_lines(source, node)
        elif isinstance(node, ast.ClassDef):
            if node.name in (f"{plural}Client", f"Async{plural}Client") or node.name in (
                f"{plural}Getter",
                f"Async{plural}Getter",
            ):
                total += _code_lines(source, node)
            elif node.name.endswith("Client"):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == accessor:
                        total += _code_lines(source, item)
    return total


def typed_lines() -> int:
    total = 0
    for path in TYPED.glob("*.py"):
        source = path.read_text().splitlines()
        total += _code_lines(source, ast.parse("\n".join(source))) if source else 0
    return total


@pytest.mark.parametrize(
    ("module", "plural", "const", "accessor", "limit"),
    [
        ("core_v1", "ConfigMaps", "_CONFIG_MAPS", "config_maps", 30),
        ("apps_v1", "Deployments", "_DEPLOYMENTS", "deployments", 40),
        # Pods: + the connect subresources (exec, attach, portforward, proxy: four mixins in each
        # client and their methods in ResourceInfo.connect).
        ("core_v1", "Pods", "_PODS", "pods", 76),
    ],
)
def test_resource_size(module: str, plural: str, const: str, accessor: str, limit: int) -> None:
    lines = resource_lines(TYPED / f"{module}.py", plural, const, accessor)
    assert 0 < lines <= limit, f"{plural}: {lines} code lines (limit {limit})"


def test_typed_package_size() -> None:
    # Before subresources moved into the runtime: 7,789 code lines.
    assert typed_lines() < 5000


if __name__ == "__main__":
    for args in (
        ("core_v1", "ConfigMaps", "_CONFIG_MAPS", "config_maps"),
        ("apps_v1", "Deployments", "_DEPLOYMENTS", "deployments"),
        ("core_v1", "Pods", "_PODS", "pods"),
    ):
        print(args[1], resource_lines(TYPED / f"{args[0]}.py", *args[1:]))
    print("typed/", typed_lines())
