"""End-to-end tests of the etcd + kube-apiserver test control plane.

Most tests share the session-scoped ``kube_cluster``; a few start their own
control plane because they stop it, break it, or need different flags.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

import kubeset
from kubeset.envtest import (
    Binaries,
    BinariesNotFoundError,
    ControlPlane,
    ControlPlaneStartError,
    EnvtestError,
    _controlplane,
    find_binaries,
)
from kubeset.envtest.__main__ import stable_json, v3_file_name
from kubeset.envtest.pytest_plugin import SKIP_REASON, envtest_required

REPO_ROOT = Path(kubeset.__file__).resolve().parent.parent


@pytest.fixture
def admin_client(kube_cluster: ControlPlane) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=kube_cluster.host,
        verify=kube_cluster.ssl_context(),
        trust_env=False,
        timeout=10.0,
    ) as client:
        yield client


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _first_watch_event(client: httpx.Client, path: str, resource_version: str) -> Any:
    """The first event of a watch starting at ``resource_version``."""
    url = f"{path}?watch=1&resourceVersion={resource_version}"
    with client.stream("GET", url, timeout=10.0) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.strip():
                return json.loads(line)
    raise AssertionError("watch ended without an event")


def _make_history(client: httpx.Client, path: str, body: dict[str, Any]) -> str:
    """Create an object and update it twice; return the creation resourceVersion."""
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    obj = response.json()
    created_rv = str(obj["metadata"]["resourceVersion"])
    for n in range(2):
        obj["metadata"].setdefault("labels", {})["step"] = str(n)
        response = client.put(f"{path}/{body['metadata']['name']}", json=obj)
        assert response.status_code == 200, response.text
        obj = response.json()
    return created_rv


def _assert_expired(event: Any) -> None:
    assert event["type"] == "ERROR", event
    status = event["object"]
    assert status["kind"] == "Status", status
    assert status["code"] == 410, status
    assert status["reason"] == "Expired", status


# ----------------------------------------------------------- shared cluster


def test_version_and_readyz_with_admin_kubeconfig(
    kube_cluster: ControlPlane, tmp_path: Path
) -> None:
    assert kube_cluster.host.startswith("https://127.0.0.1:")
    assert kube_cluster.start_seconds > 0
    kubeconfig = kube_cluster.kubeconfig_path.read_text()
    assert kube_cluster.kubeconfig_path.stat().st_mode & 0o777 == 0o600
    assert f'server: "{kube_cluster.host}"' in kubeconfig
    assert "current-context: envtest" in kubeconfig
    assert 'name: "admin"' in kubeconfig

    # Authenticate with exactly the credentials embedded in the kubeconfig.
    def field(name: str) -> bytes:
        match = re.search(rf"^\s*{name}: (\S+)$", kubeconfig, re.MULTILINE)
        assert match, name
        return base64.b64decode(match.group(1))

    (tmp_path / "ca.crt").write_bytes(field("certificate-authority-data"))
    (tmp_path / "admin.crt").write_bytes(field("client-certificate-data"))
    (tmp_path / "admin.key").write_bytes(field("client-key-data"))
    ctx = ssl.create_default_context(cafile=str(tmp_path / "ca.crt"))
    ctx.load_cert_chain(str(tmp_path / "admin.crt"), str(tmp_path / "admin.key"))
    with httpx.Client(base_url=kube_cluster.host, verify=ctx, trust_env=False) as client:
        version = client.get("/version")
        assert version.status_code == 200
        assert version.json()["gitVersion"].startswith("v1.36.")
        readyz = client.get("/readyz")
        assert readyz.status_code == 200
        assert readyz.text == "ok"
        # Admin is cluster-admin via system:masters.
        nodes = client.get("/api/v1/nodes")
        assert nodes.status_code == 200


def test_admin_identity(kube_cluster: ControlPlane) -> None:
    admin = kube_cluster.admin
    assert admin.name == "admin"
    assert admin.groups == ("system:masters",)
    assert admin.kubeconfig_path == kube_cluster.kubeconfig_path
    assert kube_cluster.ca_cert_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert kube_cluster.tmp_dir.stat().st_mode & 0o777 == 0o700
    assert kube_cluster.etcd_url.startswith("http://127.0.0.1:")


def test_rbac_denies_new_user(kube_cluster: ControlPlane) -> None:
    alice = kube_cluster.add_user("alice", ["devs"])
    assert alice.name == "alice"
    assert alice.groups == ("devs",)
    assert alice.key_path.stat().st_mode & 0o777 == 0o600
    assert alice.kubeconfig_path.stat().st_mode & 0o777 == 0o600
    assert 'user: "alice"' in alice.kubeconfig_path.read_text()

    cert = x509.load_pem_x509_certificate(alice.cert_path.read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "devs"

    with httpx.Client(
        base_url=kube_cluster.host,
        verify=kube_cluster.ssl_context(alice),
        trust_env=False,
        timeout=10.0,
    ) as client:
        response = client.get("/api/v1/namespaces/default/pods")
    assert response.status_code == 403
    status = response.json()
    assert status["kind"] == "Status"
    assert status["reason"] == "Forbidden"
    assert 'User "alice"' in status["message"]


def test_compaction_expires_watch_without_watch_cache(
    kube_cluster: ControlPlane, admin_client: httpx.Client
) -> None:
    # Core events are not served from the API server's watch cache, so a watch
    # from a compacted revision reaches etcd and ends with 410 Expired.
    path = "/api/v1/namespaces/default/events"
    old_rv = _make_history(
        admin_client,
        path,
        {
            "metadata": {"name": "compaction-probe"},
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": "nothing"},
            "reason": "Probe",
            "message": "kubeset envtest compaction probe",
        },
    )
    compacted = kube_cluster.compact_etcd()
    assert compacted > int(old_rv)
    _assert_expired(_first_watch_event(admin_client, path, old_rv))
    # Compacting again at the same revision is not an error.
    assert kube_cluster.compact_etcd() >= compacted


def test_pods_can_be_created_without_service_accounts(admin_client: httpx.Client) -> None:
    pod = {
        "metadata": {"name": "envtest-pod"},
        "spec": {"containers": [{"name": "c", "image": "registry.invalid/none:1"}]},
    }
    response = admin_client.post("/api/v1/namespaces/default/pods", json=pod)
    assert response.status_code == 201, response.text
    assert response.json()["status"]["phase"] == "Pending"
    # Unscheduled pods are deleted immediately: nothing waits for a kubelet.
    response = admin_client.delete("/api/v1/namespaces/default/pods/envtest-pod")
    assert response.status_code == 200, response.text
    assert admin_client.get("/api/v1/namespaces/default/pods/envtest-pod").status_code == 404


def test_logs_tail_shows_both_logs(kube_cluster: ControlPlane) -> None:
    tail = kube_cluster.logs_tail(5)
    assert "kube-apiserver log" in tail
    assert "etcd log" in tail
    assert str(kube_cluster.apiserver_log_path) in tail


# ------------------------------------------------------------- no processes


def test_missing_binaries_say_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(BinariesNotFoundError) as excinfo:
        find_binaries(binary_dir=tmp_path)
    message = str(excinfo.value)
    assert "make envtest" in message
    assert "KUBEBUILDER_ASSETS" in message
    assert str(tmp_path) in message

    monkeypatch.setenv("KUBEBUILDER_ASSETS", str(tmp_path))
    with pytest.raises(BinariesNotFoundError, match="make envtest"):
        find_binaries()

    plane = ControlPlane(binary_dir=tmp_path)
    with pytest.raises(BinariesNotFoundError, match="KUBEBUILDER_ASSETS"):
        plane.start()
    assert plane.apiserver_pid is None
    assert plane.etcd_pid is None
    with pytest.raises(EnvtestError, match="not running"):
        _ = plane.host
    plane.stop()  # harmless


def test_explicit_binary_paths_are_checked(tmp_path: Path) -> None:
    with pytest.raises(BinariesNotFoundError, match="etcd_path"):
        find_binaries(etcd_path=tmp_path / "etcd", apiserver_path=tmp_path / "kube-apiserver")
    for name in ("etcd", "kube-apiserver"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    found = find_binaries(binary_dir=tmp_path)
    assert found == Binaries(etcd=tmp_path / "etcd", kube_apiserver=tmp_path / "kube-apiserver")


def test_envtest_required_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBESET_REQUIRE_ENVTEST", raising=False)
    for value, required in (("", False), ("false", False), ("true", True), ("1", True)):
        monkeypatch.setenv("CI", value)
        assert envtest_required() is required, value
    monkeypatch.delenv("CI")
    assert envtest_required() is False
    monkeypatch.setenv("KUBESET_REQUIRE_ENVTEST", "1")
    assert envtest_required() is True
    assert "make envtest" in SKIP_REASON
    assert "\n" not in SKIP_REASON


def test_openapi_file_names_and_format() -> None:
    assert v3_file_name("api/v1") == "api__v1_openapi.json"
    assert v3_file_name("apis/apps/v1") == "apis__apps__v1_openapi.json"
    assert v3_file_name(".well-known/openid-configuration") == (
        ".well-known__openid-configuration_openapi.json"
    )
    assert stable_json({"b": 1, "a": ["é"]}) == '{\n  "a": [\n    "é"\n  ],\n  "b": 1\n}\n'


# ------------------------------------------------------ own control planes


def test_bad_apiserver_flag_fails_fast_with_log_tail(envtest_binaries: Binaries) -> None:
    plane = ControlPlane(
        etcd_path=envtest_binaries.etcd,
        apiserver_path=envtest_binaries.kube_apiserver,
        extra_apiserver_flags=["--no-such-flag"],
        start_timeout=60.0,
    )
    began = time.monotonic()
    with pytest.raises(ControlPlaneStartError) as excinfo:
        plane.start()
    assert time.monotonic() - began < 30.0
    message = str(excinfo.value)
    assert "kube-apiserver exited" in message
    assert "--- kube-apiserver log" in message
    assert "unknown flag: --no-such-flag" in message
    assert "--- etcd log" in message
    # The failed start cleaned up after itself.
    for pid in (plane.etcd_pid, plane.apiserver_pid):
        assert pid is not None
        assert _pid_gone(pid)
        assert _group_gone(pid)


def test_own_control_plane_port_retry_compaction_and_stop(
    envtest_binaries: Binaries, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hand the API server a port that is already taken: it must retry elsewhere.
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    taken = int(blocker.getsockname()[1])
    real_free_ports = _controlplane._free_ports
    handed_out: list[int] = []

    def free_ports(count: int) -> list[int]:
        if count == 1 and not handed_out:
            handed_out.append(taken)
            return [taken]
        return real_free_ports(count)

    monkeypatch.setattr(_controlplane, "_free_ports", free_ports)
    # With the watch cache off, even configmap watches go to etcd, so a watch
    # from before the compaction expires.
    plane = ControlPlane(
        etcd_path=envtest_binaries.etcd,
        apiserver_path=envtest_binaries.kube_apiserver,
        extra_apiserver_flags=["--watch-cache=false"],
    )
    try:
        plane.start()
    finally:
        blocker.close()
    with plane:
        assert handed_out == [taken]
        assert plane.host != f"https://127.0.0.1:{taken}"
        assert "address already in use" in plane.apiserver_log_path.read_text()
        tmp_dir = plane.tmp_dir
        etcd_pid, apiserver_pid = plane.etcd_pid, plane.apiserver_pid
        assert plane.running
        with httpx.Client(
            base_url=plane.host, verify=plane.ssl_context(), trust_env=False, timeout=10.0
        ) as client:
            path = "/api/v1/namespaces/default/configmaps"
            old_rv = _make_history(
                client, path, {"metadata": {"name": "history"}, "data": {"k": "v"}}
            )
            plane.compact_etcd()
            _assert_expired(_first_watch_event(client, path, old_rv))

    assert not plane.running
    assert not tmp_dir.exists()
    for pid in (etcd_pid, apiserver_pid):
        assert pid is not None
        assert _pid_gone(pid)
        assert _group_gone(pid)
    plane.stop()  # idempotent
    with pytest.raises(EnvtestError, match="not running"):
        _ = plane.host


def _reader(stream: IO[str]) -> tuple[queue.Queue[str], threading.Thread]:
    """Lines of ``stream``, read by a background thread ("" at end of stream)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put("")

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return lines, thread


def test_cluster_command_writes_kubeconfig_and_stops_on_sigterm(
    envtest_binaries: Binaries, tmp_path: Path
) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["KUBEBUILDER_ASSETS"] = str(envtest_binaries.etcd.parent)
    kubeconfig = tmp_path / "kubeconfig"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubeset.envtest", "cluster", "--kubeconfig", str(kubeconfig)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    reader: threading.Thread | None = None
    try:
        output_lines, reader = _reader(proc.stdout)
        deadline = time.monotonic() + 90.0
        lines: list[str] = []
        while not any(line.startswith("Press Ctrl-C") for line in lines):
            line = output_lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line, "".join(lines)
            lines.append(line)
        output = "".join(lines)
        assert "kube-apiserver v1.36." in output
        assert f"KUBECONFIG={kubeconfig} python examples/list_pods.py" in output
        assert kubeconfig.stat().st_mode & 0o777 == 0o600
        assert "current-context: envtest" in kubeconfig.read_text()
        log_dir = Path(re.findall(r"^logs: (\S+)", output, re.MULTILINE)[0]).parent

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60.0) == 0, output
        assert not kubeconfig.exists()
        assert not log_dir.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10.0)
        if reader is not None:
            reader.join(timeout=10.0)
        proc.stdout.close()
