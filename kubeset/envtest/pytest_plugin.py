"""pytest plugin: a session-scoped ``kube_cluster`` fixture.

Enable it with ``pytest_plugins = ["kubeset.envtest.pytest_plugin"]`` in a
``conftest.py`` or ``-p kubeset.envtest.pytest_plugin`` (it is also registered
through the ``pytest11`` entry point when kubeset is installed).

``kube_cluster`` yields a started :class:`kubeset.envtest.ControlPlane`, shared
by the whole session; ``envtest_binaries`` gives the binaries' paths to tests that
start their own control plane. When the binaries are missing the tests that use
either are skipped, unless ``CI`` is set (and not ``false``) or ``KUBESET_REQUIRE_ENVTEST=1``,
in which case they fail with instructions. Without the ``envtest`` extra
(``cryptography``) they fail with one line: ``pip install 'kubeset[envtest]'``.

This module imports nothing heavy: the control plane code (and ``cryptography``)
is imported only when the fixture is first used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from kubeset.envtest import Binaries, ControlPlane

SKIP_REASON = (
    "envtest binaries not found: run `python -m kubeset.envtest build` "
    "(or `make envtest` in a kubeset checkout; needs Go) or set KUBEBUILDER_ASSETS"
)
_FALSE_VALUES = frozenset({"", "0", "false", "no", "off"})


def envtest_required() -> bool:
    """True when missing binaries must fail the run rather than skip tests."""
    if os.environ.get("KUBESET_REQUIRE_ENVTEST", "").strip() == "1":
        return True
    return os.environ.get("CI", "").strip().lower() not in _FALSE_VALUES


@pytest.fixture(scope="session")
def envtest_binaries() -> Binaries:
    """The ``etcd`` and ``kube-apiserver`` binaries, for tests that run their own
    :class:`~kubeset.envtest.ControlPlane`.

    Skips the test when they are missing, or fails it when envtest is required
    (``CI`` set, or ``KUBESET_REQUIRE_ENVTEST=1``). Fails it, in one line, when the
    ``envtest`` extra is not installed.
    """
    from kubeset.envtest import BinariesNotFoundError, MissingExtraError, find_binaries
    from kubeset.envtest._errors import require_envtest_extra

    # pytest.fail/skip outside the except blocks: no "During handling of the above
    # exception" in the report, only the one-line message.
    problem = ""
    try:
        require_envtest_extra()
        return find_binaries()
    except MissingExtraError as exc:
        problem = str(exc)
    except BinariesNotFoundError as exc:
        problem = str(exc) if envtest_required() else ""
    if problem:
        pytest.fail(problem, pytrace=False)
    pytest.skip(SKIP_REASON)


@pytest.fixture(scope="session")
def kube_cluster(envtest_binaries: Binaries) -> Iterator[ControlPlane]:
    """A running etcd + kube-apiserver control plane for the whole test session.

    Connect with ``kube_cluster.kubeconfig_path`` (admin, ``system:masters``),
    or ``kube_cluster.host`` plus ``kube_cluster.ssl_context()``; add RBAC
    subjects with ``kube_cluster.add_user(name, groups)``.
    """
    from kubeset.envtest import ControlPlane, EnvtestError

    plane = ControlPlane(
        etcd_path=envtest_binaries.etcd, apiserver_path=envtest_binaries.kube_apiserver
    )
    try:
        plane.start()
    except EnvtestError as exc:
        pytest.fail(f"envtest control plane failed to start: {exc}", pytrace=False)
    try:
        yield plane
    finally:
        plane.stop()
