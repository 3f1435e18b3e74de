"""The list-pods example end to end, and transport behaviour only a real server shows: Forbidden
for an RBAC-limited user, server Warning headers, the user agent the server records."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubeset import Config, Forbidden, load_kubeconfig
from kubeset.envtest import ControlPlane
from kubeset_k8s import Clientset
from kubeset_k8s.models.core_v1 import Container, Pod, PodSpec
from kubeset_k8s.models.meta_v1 import ObjectMeta

ROOT = Path(__file__).resolve().parents[2]


def test_list_pods_example(cs: Clientset, ns: str, kube_cluster: ControlPlane) -> None:
    for i in range(3):
        pod = Pod(
            metadata=ObjectMeta(name=f"demo-{i}"),
            spec=PodSpec(containers=[Container(name="c", image="nginx")]),
        )
        cs.core_v1().pods(ns).create(pod)
    expected = len(cs.core_v1().pods("").list().items or [])
    assert expected >= 3
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "list_pods.py"),
            "--kubeconfig",
            str(kube_cluster.kubeconfig_path),
            "--count",
            "2",
            "--interval",
            "0.2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KUBECONFIG": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines.count(f"There are {expected} pods in the cluster") == 2
    assert lines.count("Pod example-xxxxx in namespace default not found") == 2


def test_forbidden_for_a_user_without_rbac(kube_cluster: ControlPlane) -> None:
    bob = kube_cluster.add_user("bob", ["team-b"])
    with (
        Clientset.for_config(load_kubeconfig(bob.kubeconfig_path)) as cs,
        pytest.raises(Forbidden) as info,
    ):
        cs.core_v1().pods("default").list()
    assert info.value.code == 403
    assert 'User "bob" cannot list resource "pods"' in info.value.message
    assert info.value.details == {"kind": "pods"}


def test_server_warnings_reach_the_handler(config: Config, ns: str) -> None:
    warnings: list[str] = []
    with Clientset.for_config(config.copy(warning_handler=warnings.append)) as cs:
        body = {"metadata": {"name": "warned"}, "data": {"a": "1"}, "unknownTopLevel": 1}
        cs.core_v1().config_maps(ns).create(body, field_validation="Warn")
    assert any('unknown field "unknownTopLevel"' in w for w in warnings), warnings


def test_user_agent_is_recorded_by_the_server(cs: Clientset, ns: str) -> None:
    created = cs.core_v1().config_maps(ns).create({"metadata": {"name": "ua"}, "data": {"a": "b"}})
    managers = (
        {m.manager for m in (created.metadata.managed_fields or [])} if created.metadata else set()
    )
    assert managers == {"kubeset"}  # the server names the manager after the user agent's program
