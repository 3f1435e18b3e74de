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
