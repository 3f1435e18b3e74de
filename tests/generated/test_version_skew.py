"""Version skew: packages for the oldest and the newest Kubernetes of the corpus (v1.28 and v1.36)
generate, import, pass ``mypy --strict`` and reach every operation of their own spec; and a
package offers only what its cluster serves.

Reachability reuses ``test_reachability``'s machinery (cases, recording transport, invocation),
driven by each package's own spec instead of ``kubeset_k8s``'s.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from clientgen.generate import render_package
from clientgen.spec import load_spec
from kubeset import Config
from tests.generated.test_reachability import (
    METHODS,
    NAME,
    NS,
    PATCH_NAMES,
    PATH,
    Case,
    Recorder,
    _invoke,
)
from tests.specs import K8S_V128, K8S_V136

PACKAGES = {"k8s_v128": K8S_V128, "k8s_v136": K8S_V136}
MYPY_TIMEOUT = 900

Table = dict[tuple[str, str, str], Callable[[str | None], Any]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Both packages, rendered into one importable directory."""
    root = tmp_path_factory.mktemp("skew")
    for package, spec in PACKAGES.items():
        render_package(load_spec(str(spec)), package, root)
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))
    for name in list(sys.modules):
        if name.split(".")[0] in PACKAGES:
            del sys.modules[name]


def _spec(package: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PACKAGES[package].read_bytes())
    return data


def _cases(spec: dict[str, Any]) -> Iterator[Case]:
    """Every non-connect operation of ``spec``, one case per patch type (as test_reachability)."""
    for path, item in sorted(spec["paths"].items()):
        for method in METHODS:
            op = item.get(method)
            if not op or op.get("x-kubernetes-action") in (None, "connect"):
                continue
            if method == "patch":
                for content_type in op.get("consumes", []):
                    if content_type in PATCH_NAMES:
                        yield Case(path, method, op, "patch", content_type)
                    elif content_type == "application/apply-patch+yaml":
                        yield Case(path, method, op, "apply", content_type)
            else:
                yield Case(path, method, op, op["x-kubernetes-action"])


def _declared(spec: dict[str, Any], case: Case) -> set[str]:
    names = set()
    item = spec["paths"][case.path]
    for param in [*(item.get("parameters") or []), *(case.op.get("parameters") or [])]:
        if "$ref" in param:
            param = spec["parameters"][param["$ref"].rsplit("/", 1)[1]]
        if param.get("in") == "query":
            names.add(param["name"])
    return names


def _table(cs: Any) -> Table:
    """(group, version, plural) → a factory of resource clients, found by walking the
    clientset."""
    table: Table = {}
    for gv_name, _ in inspect.getmembers(type(cs), inspect.isfunction):
        if gv_name.startswith("_") or gv_name in ("discovery", "for_config", "close"):
            continue
        group_client = getattr(cs, gv_name)()
        for accessor, fn in inspect.getmembers(type(group_client), inspect.isfunction):
            if accessor.startswith("_"):
                continue
            namespaced = "namespace" in inspect.signature(fn).parameters

            def factory(
                ns: str | None, g: Any = group_client, a: str = accessor, n: bool = namespaced
            ) -> Any:
                return getattr(g, a)(ns if ns is not None else "") if n else getattr(g, a)()

            info = factory(None).info
            table[(info.group, info.version, info.plural)] = factory
    return table


def _package(generated: Path, name: str) -> ModuleType:
    return importlib.import_module(name)


@pytest.mark.slow
@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_package_imports(generated: Path, package: str) -> None:
    pkg = _package(generated, package)
    assert inspect.isclass(pkg.Clientset) and inspect.isclass(pkg.AsyncClientset)
    models = importlib.import_module(f"{package}.models.core_v1")
    pod = models.Pod.model_validate({"metadata": {"name": "p"}, "spec": {"containers": []}})
    assert pod.metadata.name == "p"


@pytest.mark.slow
@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_operation_is_reachable(generated: Path, package: str) -> None:
    spec = _spec(package)
    recorder = Recorder()
    host = "https://127.0.0.1:6443"
    failures: list[str] = []
    with httpx.Client(base_url=host, transport=httpx.MockTransport(recorder)) as http:
        cs = _package(generated, package).Clientset.for_config(
            Config(host=host, qps=0), http_client=http
        )
        table = _table(cs)
        cases = list(_cases(spec))
        for case in cases:
            match = PATH.match(case.path)
            assert match, f"path shape not understood: {case.path}"
            key = (match.group("group") or "", match.group("version") or "v1", match["plural"])
            if key not in table:
                failures.append(f"{case.id}: no clientset accessor reaches {key}")
                continue
            recorder.requests.clear()
            _invoke(table[key](NS if match.group("ns") else None), case, match)
            request = recorder.requests[-1]
            expected = case.path
            if match.group("watch"):
                expected = expected.replace("/watch/", "/", 1).removesuffix("/{name}")
            expected = expected.replace("{namespace}", NS).replace("{name}", NAME)
            if (request.method, request.url.path) != (case.method.upper(), expected):
                failures.append(f"{case.id}: sent {request.method} {request.url.path}")
            undeclared = set(request.url.params.keys()) - _declared(spec, case)
            if undeclared:
                failures.append(f"{case.id}: query {sorted(undeclared)} not declared")
            if case.patch_type and request.headers["content-type"] != case.patch_type:
                failures.append(f"{case.id}: content type {request.headers['content-type']}")
    assert failures == []
    assert len(cases) > 500


def _group_versions(spec: dict[str, Any]) -> set[tuple[str, str]]:
    out = set()
    for path in spec["paths"]:
        match = PATH.match(path)
        if match:
            out.add((match.group("group") or "", match.group("version") or "v1"))
    return out


@pytest.mark.slow
def test_a_package_offers_only_what_its_cluster_serves(generated: Path) -> None:
    served: dict[str, set[tuple[str, str]]] = {}
    for package in PACKAGES:
        with httpx.Client(transport=httpx.MockTransport(Recorder())) as http:
            cs = _package(generated, package).Clientset.for_config(
                Config(host="https://127.0.0.1:6443", qps=0), http_client=http
            )
            served[package] = {(group, version) for group, version, _ in _table(cs)}
        assert served[package] == _group_versions(_spec(package))
    old, new = served["k8s_v128"], served["k8s_v136"]
    # Added after 1.28: DRA's v1, storage version migration, flowcontrol's v1.
    for gv in [("resource.k8s.io", "v1"), ("storagemigration.k8s.io", "v1beta1")]:
        assert gv in new and gv not in old
    assert ("flowcontrol.apiserver.k8s.io", "v1") in new - old
    # Served by 1.28, removed since: flowcontrol's betas, DRA's v1alpha2.
    for gv in [("flowcontrol.apiserver.k8s.io", "v1beta3"), ("resource.k8s.io", "v1alpha2")]:
        assert gv in old and gv not in new
    assert not (generated / "k8s_v136" / "typed" / "flowcontrol_v1beta3.py").exists()
    assert not (generated / "k8s_v128" / "typed" / "resource_v1.py").exists()
    # A subresource 1.33 added: pods/resize.
    v128 = _package(generated, "k8s_v128").typed.core_v1.PodsClient
    v136 = _package(generated, "k8s_v136").typed.core_v1.PodsClient
    assert hasattr(v136, "patch_resize") and not hasattr(v128, "patch_resize")


@pytest.mark.slow
def test_packages_pass_mypy_strict(generated: Path) -> None:
    """``mypy --strict`` on both packages, as `make typecheck` checks generated/."""
    command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11"]
    command += ["--cache-dir", str(generated / ".mypy_cache"), "--no-error-summary"]
    for package in sorted(PACKAGES):
        command += ["-p", package]
    env = {**os.environ, "MYPYPATH": str(generated)}
    result = subprocess.run(
        command,
        cwd=generated,
        env=env,
        capture_output=True,
        text=True,
        timeout=MYPY_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
