"""Where the specs the tests read live, and which one generated/k8s was rendered from."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
K8S_V136 = CORPUS / "openapi-v2" / "kubernetes-v1.36.swagger.json"
K8S_V128 = CORPUS / "openapi-v2" / "kubernetes_v1.28.1.json"
PROJECT_SPEC = ROOT / "openapi" / "swagger.json"


@cache
def k8s_spec_path() -> Path:
    """The spec whose sha256 generated/k8s records."""
    import k8s

    for candidate in (PROJECT_SPEC, K8S_V136):
        if (
            candidate.is_file()
            and hashlib.sha256(candidate.read_bytes()).hexdigest() == k8s.SPEC_SHA256
        ):
            return candidate
    raise AssertionError("generated/k8s was rendered from no known spec: run `make generate`")


@cache
def k8s_spec() -> dict[str, Any]:
    """The parsed spec generated/k8s was rendered from."""
    data: dict[str, Any] = json.loads(k8s_spec_path().read_bytes())
    return data
