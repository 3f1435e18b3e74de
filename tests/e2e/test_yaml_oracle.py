"""The API server is the oracle for kubeset.kyaml: the matrix of tests/runtime/test_kyaml.py is
sent to the real kube-apiserver as ``application/yaml`` request bodies — as a ConfigMap's
``data`` and as the ``spec`` of a custom resource that keeps unknown fields — and what the server
stores (read back as JSON) must be what ``kyaml.load`` made of the same body; a body the server
refuses must be one the loader refuses (or reads as a value the field cannot hold)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kubeset import ManifestError, kyaml
from kubeset.envtest import ControlPlane
from kubeset_k8s import Clientset
from tests.runtime.test_kyaml import SINGLE, same

pytestmark = pytest.mark.e2e

GROUP = "kyaml.kubeset.example"
PLURAL = "yamlcases"
CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"{PLURAL}.{GROUP}"},
    "spec": {
        "group": GROUP,
        "names": {"kind": "YamlCase", "plural": PLURAL, "singular": "yamlcase"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                        },
                    }
                },
            }
        ],
    },
}
INT64 = (-(2**63), 2**63 - 1)
CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def _held(value: Any) -> Any:
    """JSON as Kubernetes holds it: integers beyond int64 are float64."""
    if isinstance(value, dict):
        return {k: _held(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_held(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return value if INT64[0] <= value <= INT64[1] else float(value)
    return value


def _embeddable(text: str) -> bool:
    """A case that can be indented under a field: one document, no directives or markers."""
    return not text.startswith("\ufeff") and not any(
        line.startswith(("%", "---", "...")) for line in text.splitlines()
    )


def _indent(text: str) -> str:
    return "".join("  " + line if line.strip() else line for line in text.splitlines(True))


CASES = [(name, text) for name, text, _ in SINGLE if _embeddable(text)]


def _load(body: str) -> tuple[bool, Any]:
    try:
        return True, kyaml.load(body)
    except ManifestError:
        return False, None


@pytest.fixture(scope="module")
def client(kube_cluster: ControlPlane) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=kube_cluster.host,
        verify=kube_cluster.ssl_context(),
        trust_env=False,
        timeout=30.0,
        headers={"Content-Type": "application/yaml", "Accept": "application/json"},
    ) as http:
        yield http


@pytest.fixture(scope="module")
def crd(cs: Clientset) -> str:
    crds = cs.apiextensions_v1().custom_resource_definitions()
    try:
        crds.create(CRD)
    except Exception as exc:  # installed by an earlier run on a reused cluster
        if "AlreadyExists" not in type(exc).__name__:
            raise
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = crds.get(CRD["metadata"]["name"]).status
        if status and any(
            c.type == "Established" and c.status == "True" for c in status.conditions or []
        ):
            return f"/apis/{GROUP}/v1"
        time.sleep(0.2)
    raise AssertionError("CRD not Established in 30 s")


def _send(client: httpx.Client, collection: str, name: str, body: str) -> tuple[int, Any]:
    created = client.post(collection, content=body.encode())
    if created.status_code != 201:
        return created.status_code, created.text
    stored = client.get(f"{collection}/{name}")
    assert stored.status_code == 200, stored.text
    return 201, _held(json.loads(stored.content))


def test_configmap_data_is_stored_as_kyaml_reads_it(client: httpx.Client, ns: str) -> None:
    collection = f"/api/v1/namespaces/{ns}/configmaps"
    disagreements: list[tuple[Any, ...]] = []
    accepted: list[str] = []
    rejected: list[str] = []
    for index, (case, text) in enumerate(CASES):
        name = f"case-{index}"
        body = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n" + _indent(
            text
        )
        ok, loaded = _load(body)
        data = loaded.get("data") if ok and isinstance(loaded, dict) else None
        # ConfigMap data holds strings under keys of [-._a-zA-Z0-9]; a null value is stored
        # as the empty string.
        storable = ok and (
            data is None
            or (
                isinstance(data, dict)
                and all(isinstance(v, str) or v is None for v in data.values())
                and all(CONFIG_KEY.fullmatch(k) for k in data)
            )
        )
        code, stored = _send(client, collection, name, body)
        (accepted if code == 201 else rejected).append(case)
        if storable != (code == 201):
            disagreements.append((case, "kyaml", loaded if ok else "error", "server", code, stored))
            continue
        if code == 201:
            expected = {k: "" if v is None else v for k, v in (data or {}).items()}
            if not same(stored.get("data", {}), expected):
                disagreements.append((case, "kyaml", expected, "server", stored.get("data")))
    print(f"\nConfigMap data: {len(accepted)} accepted, {len(rejected)} rejected")
    print("rejected:", rejected)
    assert not disagreements, "\n".join(map(repr, disagreements))
    assert len(accepted) > 50 and len(rejected) > 50


def test_custom_resource_spec_is_stored_as_kyaml_reads_it(
    client: httpx.Client, crd: str, ns: str
) -> None:
    collection = f"{crd}/namespaces/{ns}/{PLURAL}"
    disagreements: list[tuple[Any, ...]] = []
    accepted: list[str] = []
    rejected: list[str] = []
    for index, (case, text) in enumerate(CASES):
        name = f"case-{index}"
        body = (
            f"apiVersion: {GROUP}/v1\nkind: YamlCase\nmetadata:\n  name: {name}\nspec:\n"
            + _indent(text)
        )
        ok, loaded = _load(body)
        spec = loaded.get("spec") if ok and isinstance(loaded, dict) else None
        storable = ok and (spec is None or isinstance(spec, dict))
        code, stored = _send(client, collection, name, body)
        (accepted if code == 201 else rejected).append(case)
        if storable != (code == 201):
            disagreements.append((case, "kyaml", loaded if ok else "error", "server", code, stored))
            continue
        if code == 201 and not same(stored.get("spec"), spec):
            disagreements.append((case, "kyaml", spec, "server", stored.get("spec")))
    print(f"\ncustom resource spec: {len(accepted)} accepted, {len(rejected)} rejected")
    print("rejected:", rejected)
    assert not disagreements, "\n".join(map(repr, disagreements))
    assert len(accepted) > 100


def test_the_server_reads_the_first_document_only(client: httpx.Client, ns: str) -> None:
    body = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first-only\ndata:\n  a: '1'\n"
        "---\nnot: [valid\n"
    )
    assert kyaml.load(body)["data"] == {"a": "1"}
    code, stored = _send(client, f"/api/v1/namespaces/{ns}/configmaps", "first-only", body)
    assert code == 201 and stored["data"] == {"a": "1"}


def test_an_enum_of_equals_signs_is_read_like_the_server(client: httpx.Client, ns: str) -> None:
    body = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: matchers\ndata:\n"
        "  eq: =\n  re: =~\n  ratio: 1:20\n  day: 2024-01-01\n"
    )
    code, stored = _send(client, f"/api/v1/namespaces/{ns}/configmaps", "matchers", body)
    assert code == 201
    assert stored["data"] == kyaml.load(body)["data"]
    assert stored["data"] == {"eq": "=", "re": "=~", "ratio": "1:20", "day": "2024-01-01"}
