"""Where the specs the tests read live, and which one generated/kubeset_k8s was rendered from."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
K8S_V136 = CORPUS / "openapi-v2" / "kubernetes-v1.36.swagger.json"
K8S_V128 = CORPUS / "openapi-v2" / "kubernetes_v1.28.1.json"
PROJECT_SPEC = ROOT / "openapi" / "swagger.json"


@cache
def k8s_spec_path() -> Path:
    """The spec whose sha256 the header of generated/kubeset_k8s records."""
    head = (ROOT / "generated" / "kubeset_k8s" / "__init__.py").read_text().split("\n", 1)[0]
    match = re.search(r"\(sha256 ([0-9a-f]+)\)", head)
    assert match, f"no spec digest in the header of generated/kubeset_k8s: {head}"
    for candidate in (PROJECT_SPEC, K8S_V136):
        digest = hashlib.sha256(candidate.read_bytes()).hexdigest() if candidate.is_file() else ""
        if digest.startswith(match.group(1)):
            return candidate
    raise AssertionError(
        "generated/kubeset_k8s was rendered from no known spec: run `make generate`"
    )


@cache
def k8s_spec() -> dict[str, Any]:
    """The parsed spec generated/kubeset_k8s was rendered from."""
    data: dict[str, Any] = json.loads(k8s_spec_path().read_bytes())
    return data


# Saved OpenAPI v3 documents: the project's (openapi/v3, dumped by `make openapi` from the same
# kube-apiserver as openapi/swagger.json) and the corpus's (client-go test data: core, apps, batch
# and discovery.k8s.io; older than their "~1.36" note says — no pods/resize, ClaimSource kept).
PROJECT_V3 = ROOT / "openapi" / "v3"
CORPUS_V3 = CORPUS / "openapi-v3"
CORPUS_V3_DOCUMENTS = (
    "api__v1_openapi.json",
    "apis__apps__v1_openapi.json",
    "apis__batch__v1_openapi.json",
    "apis__discovery.k8s.io__v1_openapi.json",
)


def v2_subset(
    spec: dict[str, Any], groups: list[str], info: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The part of a swagger 2.0 ``spec`` serving ``groups`` (``""`` is the core group): their
    paths, the shared parameters, and every definition these reach; ``info`` replaces the
    spec's."""
    prefixes = tuple("/api/v1/" if g == "" else f"/apis/{g}/" for g in groups)
    paths = {p: item for p, item in spec["paths"].items() if p.startswith(prefixes)}
    definitions = spec["definitions"]
    keep: set[str] = set()
    stack: list[Any] = [paths, spec.get("parameters") or {}]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/definitions/"):
                name = ref.removeprefix("#/definitions/")
                if name not in keep:
                    keep.add(name)
                    stack.append(definitions[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return {
        **spec,
        "info": info if info is not None else spec["info"],
        "paths": paths,
        "definitions": {name: definitions[name] for name in sorted(keep)},
    }


def package_files(root: Path) -> dict[str, str]:
    """Every file of a generated package by relative path, without the header line of its
    Python files (which names the source and its digest)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        text = path.read_text()
        out[str(path.relative_to(root))] = text.split("\n", 1)[1] if path.suffix == ".py" else text
    return out
