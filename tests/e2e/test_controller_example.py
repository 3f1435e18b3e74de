"""examples/team_configmap_controller.py runs end to end against the real apiserver."""

from __future__ import annotations

import importlib.util
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from kubeset import Config, NotFound
from kubeset_k8s import Clientset
from kubeset_k8s.models.core_v1 import Namespace
from kubeset_k8s.models.meta_v1 import ObjectMeta
from tests.waiting import until

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "team_configmap_controller.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("team_configmap_controller", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def controller(config: Config) -> Iterator[tuple[ModuleType, Clientset]]:
    example = _load()
    stop = threading.Event()
    with Clientset.for_config(config) as cs:
        ctl = example.TeamConfigMapController(cs)
        runner = threading.Thread(target=ctl.run, args=(stop,), daemon=True)
        runner.start()
        try:
            yield example, cs
        finally:
            stop.set()
            runner.join(timeout=30)
            assert not runner.is_alive(), "the controller did not stop"


def _team(cs: Clientset, ns: str) -> str | None:
    try:
        cm = cs.core_v1().config_maps(ns).get("team-info")
    except NotFound:
        return None
    return (cm.data or {}).get("team")


@pytest.mark.usefixtures("controller")
def test_controller_keeps_team_config_maps(cs: Clientset) -> None:
    suffix = uuid.uuid4().hex[:6]
    labelled, plain = f"ctl-a-{suffix}", f"ctl-b-{suffix}"
    namespaces = cs.core_v1().namespaces()
    namespaces.create(Namespace(metadata=ObjectMeta(name=labelled, labels={"team": "blue"})))
    namespaces.create(Namespace(metadata=ObjectMeta(name=plain)))
    assert until(lambda: _team(cs, labelled) == "blue", timeout=20.0)
    assert _team(cs, plain) is None

    namespaces.patch(labelled, {"metadata": {"labels": {"team": "red"}}})
    assert until(lambda: _team(cs, labelled) == "red", timeout=20.0)

    cs.core_v1().config_maps(labelled).delete("team-info")  # someone deletes it: it comes back
    assert until(lambda: _team(cs, labelled) == "red", timeout=20.0)

    namespaces.patch(plain, {"metadata": {"labels": {"team": "green"}}})
    assert until(lambda: _team(cs, plain) == "green", timeout=20.0)

    namespaces.patch(labelled, {"metadata": {"labels": {"team": None}}})
    assert until(lambda: _team(cs, labelled) is None, timeout=20.0)
