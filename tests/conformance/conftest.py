"""The conformance suite: every test runs against the real kube-apiserver (``envtest``) and the
in-memory ``kubeset.fake`` server, through the same generated clients. A test that passes on
envtest and fails on the fake is a fake bug (or a difference listed in docs/fake.md).

Fixtures: ``backend`` (parametrized), ``cs`` / ``acs`` (sync and async clientsets on it), ``ns``
(a fresh namespace), ``certs`` (a typed package generated from cert-manager's CRDs, installed on
the backend). At the end of the run the terminal summary counts the outcomes per backend.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from kubeset import AlreadyExists, Config, KubesetError, load_kubeconfig
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models.core_v1 import Namespace
from kubeset_k8s.models.meta_v1 import ObjectMeta
from tests.specs import CORPUS

CERT_MANAGER_CRDS = sorted((CORPUS / "crds" / "cert-manager").glob("*.yaml"))


@dataclass
class Backend:
    """One server the suite runs against."""

    name: str
    config: Config | None = None  # envtest
    server: Any = None  # kubeset.fake.FakeServer
    control_plane: Any = None
    packages: dict[str, ModuleType] = field(default_factory=dict)

    def clientset(self, cls: type[Any] = Clientset) -> Any:
        if self.server is not None:
            return self.server.clientset(cls)
        return cls.for_config(self.config)

    def async_clientset(self, cls: type[Any] = AsyncClientset) -> Any:
        if self.server is not None:
            return self.server.async_clientset(cls)
        return cls.for_config(self.config)

    def expire_history(self, cs: Clientset) -> None:
        """Make every resourceVersion seen so far too old to watch from (410 Gone). envtest: etcd
        is compacted and kube-apiserver restarted, so its watch cache starts anew (a version
        before it is then served from etcd, where it is compacted); the fake forgets its
        history."""
        if self.server is not None:
            self.server.compact()
            return
        self.control_plane.compact_etcd()
        self.control_plane.restart_apiserver()
        ok, deadline = 0, time.monotonic() + 30
        while ok < 5 and time.monotonic() < deadline:  # clear the pool's dead connections
            try:
                cs.core_v1().namespaces().list(limit=1)
                ok += 1
            except KubesetError:
                ok = 0
                time.sleep(0.2)

    def install_crds(self, cs: Clientset, files: list[Path], package: ModuleType) -> None:
        if self.server is not None:
            self.server.add_package(package.__name__)
            return
        crds = cs.apiextensions_v1().custom_resource_definitions()
        names = []
        for file in files:
            for doc in yaml.safe_load_all(file.read_text()):
                if doc:
                    with contextlib.suppress(AlreadyExists):
                        crds.create(doc)
                    names.append(doc["metadata"]["name"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = {
                c.metadata.name
                for c in crds.list().items or []
                if c.metadata
                and c.status
                and any(
                    x.type == "Established" and x.status == "True"
                    for x in c.status.conditions or []
                )
            }
            if set(names) <= ready:
                time.sleep(0.5)  # discovery and the REST handlers follow Established
                return
            time.sleep(0.2)
        raise AssertionError(f"CRDs not Established: {sorted(set(names) - ready)}")


BACKENDS = [pytest.param("envtest", marks=pytest.mark.e2e), "fake"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "envtest":
        control_plane = request.getfixturevalue("kube_cluster")
        yield Backend(
            "envtest",
            config=load_kubeconfig(control_plane.kubeconfig_path, qps=0),
            control_plane=control_plane,
        )
        return
    from kubeset.fake import FakeServer

    # envtest runs no kube-controller-manager: no garbage collector, on either side.
    server = FakeServer(packages=("kubeset_k8s",), garbage_collector=False)
    yield Backend("fake", server=server)


@pytest.fixture(scope="session")
def cs(backend: Backend) -> Iterator[Clientset]:
    with backend.clientset() as clientset:
        yield clientset


@pytest.fixture
async def acs(backend: Backend) -> AsyncIterator[AsyncClientset]:
    async with backend.async_clientset() as clientset:
        yield clientset


@pytest.fixture
def ns(cs: Clientset) -> str:
    name = f"conf-{uuid.uuid4().hex[:8]}"
    cs.core_v1().namespaces().create(Namespace(metadata=ObjectMeta(name=name)))
    return name


@pytest.fixture(scope="session")
def certs_package(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """``conf_certs``: a typed package generated from cert-manager's CRD manifests."""
    from clientgen.cli import main as clientgen

    out = tmp_path_factory.mktemp("conformance-packages")
    args = ["generate", "--crd", str(CORPUS / "crds" / "cert-manager")]
    assert clientgen([*args, "--package", "conf_certs", "--out", str(out), "--quiet"]) == 0
    sys.path.insert(0, str(out))
    return importlib.import_module("conf_certs")


@pytest.fixture(scope="session")
def certs(backend: Backend, cs: Clientset, certs_package: ModuleType) -> Iterator[Any]:
    """A ``conf_certs.Clientset`` on the backend, its CRDs installed."""
    if certs_package.__name__ not in backend.packages:
        backend.install_crds(cs, CERT_MANAGER_CRDS, certs_package)
        backend.packages[certs_package.__name__] = certs_package
    with backend.clientset(certs_package.Clientset) as clientset:
        yield clientset


# --- per-backend counts in the terminal summary ---------------------------------------------------

_outcomes: Counter[tuple[str, str]] = Counter()


def _backend_of(item_id: str) -> str | None:
    for name in ("envtest", "fake"):
        if f"[{name}" in item_id or f"-{name}]" in item_id or f"-{name}-" in item_id:
            return name
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    name = _backend_of(item.nodeid)
    if name is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[(name, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _outcomes:
        return
    terminalreporter.section("conformance per backend")
    for name in ("envtest", "fake"):
        counts = {k[1]: v for k, v in _outcomes.items() if k[0] == name}
        if counts:
            parts = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
            terminalreporter.write_line(f"{name}: {parts}")
