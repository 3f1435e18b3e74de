"""Shared test setup: the ``e2e`` marker on tests/e2e and the corpus location.

The ``kube_cluster`` fixture comes from kubeset's pytest plugin (``kubeset.envtest``), which the
installed package registers through its ``pytest11`` entry point.
"""

from __future__ import annotations

from pathlib import Path

import pytest

E2E = Path(__file__).parent / "e2e"
CORPUS = Path(__file__).resolve().parent / "corpus"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (``@pytest.mark.anyio``) run on asyncio."""
    return "asyncio"
