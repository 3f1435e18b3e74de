"""End-to-end tests of the kubelet stand-in (``ControlPlane(kubelet=True)``), through the real
kube-apiserver, with raw HTTP and WebSocket (httpx + httpx-ws) rather than kubeset's client: they
prove the plumbing (apiserver → node address → egress proxy → stand-in → local processes).

Channel protocols (``v5.channel.k8s.io``/``v4.channel.k8s.io``): every binary message starts
with its channel byte: 0 stdin, 1 stdout, 2 stderr, 3 status (JSON, then the server closes),
4 terminal resize (JSON ``{"Width":..,"Height":..}``), 255 close (v5 only: ``[255, channel]``).
Port-forward over ``v4.channel.k8s.io``: per port two channels, data ``2i`` and error ``2i+1``;
each first carries the port as two little-endian bytes.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, WebSocketNetworkError, WebSocketSession, connect_ws

from kubeset.envtest import Binaries, ControlPlane, _controlplane
from kubeset.envtest.pytest_plugin import envtest_required

TIMEOUT = 15.0  # every request, stream read and wait in this file ends within this


@pytest.fixture(scope="module")
def plane(envtest_binaries: Binaries) -> Iterator[ControlPlane]:
    if envtest_binaries.kubelet is None:
        message = "the kubelet stand-in is not built: run `make envtest`"
        if envtest_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with ControlPlane(kubelet=True) as cp:
        yield cp


@pytest.fixture
def client(plane: ControlPlane) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=plane.host, verify=plane.ssl_context(), trust_env=False, timeout=TIMEOUT
    ) as c:
        yield c


def _pod(
    client: httpx.Client,
    node: str,
    *,
    command: list[str] | None = None,
    tty: bool = False,
    ready: bool = True,
) -> str:
    """Create a pod bound to the stand-in's node; wait until it runs (``ready``)."""
    name = f"p-{uuid.uuid4().hex[:8]}"
    container: dict[str, Any] = {"name": "main", "image": "kubeset.invalid/none", "tty": tty}
    if command is not None:
        container["command"] = command
    if tty:
        container["stdin"] = True
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"nodeName": node, "containers": [container]},
    }
    response = client.post("/api/v1/namespaces/default/pods", json=body)
    assert response.status_code == 201, response.text
    if ready:
        _wait_pod(client, name, lambda pod: pod["status"].get("phase") == "Running")
    return name


def _wait_pod(client: httpx.Client, name: str, check: Any) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while True:
        pod: dict[str, Any] = client.get(f"/api/v1/namespaces/default/pods/{name}").json()
        if check(pod):
            return pod
        assert time.monotonic() < deadline, f"pod {name} never got there: {pod.get('status')}"
        time.sleep(0.1)


class _Session:
    """What a channel-protocol WebSocket session received."""

    def __init__(self, subprotocol: str) -> None:
        self.subprotocol = subprotocol
        self.channels: dict[int, bytearray] = {}

    def data(self, channel: int) -> bytes:
        return bytes(self.channels.get(channel, b""))

    @property
    def status(self) -> dict[str, Any]:
        raw = self.data(3)
        return json.loads(raw) if raw else {}


def _read_all(ws: Any, session: _Session, until: float) -> None:
    """Collect messages by channel until the server closes the connection."""
    while True:
        remaining = until - time.monotonic()
        assert remaining > 0, f"no end of stream; got {session.channels}"
        try:
            message = ws.receive_bytes(timeout=remaining)
        except (WebSocketDisconnect, WebSocketNetworkError):
            return
        except queue.Empty:
            continue
        if message:
            session.channels.setdefault(message[0], bytearray()).extend(message[1:])


def _ws_url(plane: ControlPlane, path: str, query: list[tuple[str, str]]) -> str:
    return f"{plane.host}{path}?{urlencode(query)}"


def _connect(
    url: str, client: httpx.Client, protocols: list[str]
) -> AbstractContextManager[WebSocketSession]:
    return connect_ws(
        url,
        client,
        subprotocols=protocols,
        keepalive_ping_interval_seconds=None,
        session_class=WebSocketSession,
    )


def _exec(
    plane: ControlPlane,
    pod: str,
    command: list[str],
    *,
    protocols: list[str],
    stdin: bytes | None = None,
    tty: bool = False,
    resize: tuple[int, int] | None = None,
) -> _Session:
    query = [("command", c) for c in command] + [("stdout", "true")]
    query.append(("stderr", "false" if tty else "true"))
    if stdin is not None:
        query.append(("stdin", "true"))
    if tty:
        query.append(("tty", "true"))
    url = _ws_url(plane, f"/api/v1/namespaces/default/pods/{pod}/exec", query)
    with (
        httpx.Client(verify=plane.ssl_context(), trust_env=False, timeout=TIMEOUT) as c,
        _connect(url, c, protocols) as ws,
    ):
        session = _Session(ws.subprotocol or "")
        if resize is not None:
            width, height = resize
            ws.send_bytes(b"\x04" + json.dumps({"Width": width, "Height": height}).encode())
        if stdin is not None:
            ws.send_bytes(b"\x00" + stdin)
            if session.subprotocol.startswith("v5."):
                ws.send_bytes(b"\xff\x00")  # CLOSE stdin
        _read_all(ws, session, time.monotonic() + TIMEOUT)
    return session


# ---------------------------------------------------------------------------------- the node


def test_node_is_registered_and_ready(client: httpx.Client, plane: ControlPlane) -> None:
    node = client.get(f"/api/v1/nodes/{plane.node_name}").json()
    assert plane.node_name == _controlplane.KUBELET_NODE_NAME == "kubeset-node"
    ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}
    assert ready["Ready"] == "True"
    assert {"type": "InternalIP", "address": _controlplane.KUBELET_NODE_IP} in node["status"][
        "addresses"
    ]
    assert node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] == plane.kubelet_port
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.36.3"


def test_node_proxy(client: httpx.Client, plane: ControlPlane) -> None:
    response = client.get(f"/api/v1/nodes/{plane.node_name}/proxy/healthz")
    assert (response.status_code, response.text) == (200, "ok")
    pod = _pod(client, plane.node_name, command=["sleep", "60"])
    pods = client.get(f"/api/v1/nodes/{plane.node_name}/proxy/pods").json()
    assert pods["kind"] == "PodList"
    assert pod in [p["metadata"]["name"] for p in pods["items"]]
    configz = client.get(f"/api/v1/nodes/{plane.node_name}/proxy/configz").json()
    assert configz["kubeletconfig"]["port"] == plane.kubelet_port
    assert client.get(f"/api/v1/nodes/{plane.node_name}/proxy/nothing-here").status_code == 404


def test_stand_in_requires_an_authorized_client_certificate(plane: ControlPlane) -> None:
    url = f"https://127.0.0.1:{plane.kubelet_port}/healthz"
    anonymous = ssl.create_default_context(cafile=str(plane.ca_cert_path))
    with (
        httpx.Client(verify=anonymous, trust_env=False, timeout=TIMEOUT) as c,
        pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)),
    ):
        c.get(url)  # no client certificate: the TLS handshake fails
    bob = plane.add_user("bob", ["developers"])
    with httpx.Client(verify=plane.ssl_context(bob), trust_env=False, timeout=TIMEOUT) as c:
        assert c.get(url).status_code == 403
    with httpx.Client(verify=plane.ssl_context(), trust_env=False, timeout=TIMEOUT) as c:
        assert c.get(url).text == "ok"  # admin: group system:masters


# ---------------------------------------------------------------------------------- logs


def test_logs_tail_since_timestamps_limit(client: httpx.Client, plane: ControlPlane) -> None:
    script = "for i in 1 2 3 4 5; do echo out $i; echo err $i >&2; done; sleep 60"
    pod = _pod(client, plane.node_name, command=["sh", "-c", script])
    logs = f"/api/v1/namespaces/default/pods/{pod}/log"

    def get(**params: Any) -> str:
        deadline = time.monotonic() + TIMEOUT
        while True:  # the container writes its lines right after it starts
            response = client.get(logs, params=params)
            assert response.status_code == 200, response.text
            if "out 5" in client.get(logs).text:
                return response.text
            assert time.monotonic() < deadline
            time.sleep(0.1)

    everything = get()
    assert sorted(everything.splitlines()) == sorted(
        [f"out {i}" for i in range(1, 6)] + [f"err {i}" for i in range(1, 6)]
    )
    assert get(tailLines=2).splitlines() == everything.splitlines()[-2:]
    assert get(tailLines=0) == ""
    stamped = get(timestamps="true", tailLines=1)
    stamp, _, text = stamped.rstrip("\n").partition(" ")
    assert text == everything.splitlines()[-1]
    assert stamp.endswith("Z") and stamp[:4].isdigit()
    assert get(limitBytes=7) == everything[:7]
    assert get(sinceSeconds=3600) == everything
    assert get(sinceTime="2000-01-01T00:00:00Z") == everything
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    assert get(sinceTime=future) == ""
    previous = client.get(logs, params={"previous": "true"})
    assert previous.status_code == 400
    assert "previous terminated container" in previous.text
    missing = client.get(logs, params={"container": "nope"})
    assert missing.status_code == 400  # the API server checks container names itself


def test_logs_follow_streams_until_the_container_exits(
    client: httpx.Client, plane: ControlPlane
) -> None:
    script = "echo first; sleep 1; echo second; sleep 1; echo third"
    pod = _pod(client, plane.node_name, command=["sh", "-c", script], ready=False)
    _wait_pod(client, pod, lambda p: p["status"].get("phase") in ("Running", "Succeeded"))
    arrivals: list[tuple[float, str]] = []
    started = time.monotonic()
    with client.stream(
        "GET", f"/api/v1/namespaces/default/pods/{pod}/log", params={"follow": "true"}
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            arrivals.append((time.monotonic() - started, line))
    assert [line for _, line in arrivals] == ["first", "second", "third"]
    # Streamed as written, not at the end: "first" came well before "third".
    assert arrivals[2][0] - arrivals[0][0] > 1.0, arrivals
    done = _wait_pod(client, pod, lambda p: p["status"].get("phase") == "Succeeded")
    (status,) = done["status"]["containerStatuses"]
    assert status["state"]["terminated"]["exitCode"] == 0


def test_logs_follow_with_tail_lines(client: httpx.Client, plane: ControlPlane) -> None:
    script = "seq 1 10; sleep 1; echo 11"
    pod = _pod(client, plane.node_name, command=["sh", "-c", script], ready=False)
    _wait_pod(client, pod, lambda p: p["status"].get("phase") in ("Running", "Succeeded"))
    time.sleep(0.5)  # the first ten lines are written
    response = client.get(
        f"/api/v1/namespaces/default/pods/{pod}/log", params={"follow": "true", "tailLines": 3}
    )
    assert response.text.splitlines() == ["8", "9", "10", "11"]


# ---------------------------------------------------------------------------------- exec


@pytest.mark.parametrize(
    "protocols",
    [
        # The API server translates v5 (WebSocket) into SPDY to the kubelet.
        ["v5.channel.k8s.io", "v4.channel.k8s.io"],
        # v4 is proxied as a WebSocket to the kubelet, which serves it itself.
        ["v4.channel.k8s.io"],
    ],
    ids=["v5", "v4"],
)
def test_exec_stdout_stderr_and_exit_code(
    client: httpx.Client, plane: ControlPlane, protocols: list[str]
) -> None:
    pod = _pod(client, plane.node_name, command=["sleep", "60"])
    ok = _exec(plane, pod, ["sh", "-c", "echo to-out; echo to-err >&2"], protocols=protocols)
    assert ok.subprotocol == protocols[0]
    assert (ok.data(1), ok.data(2)) == (b"to-out\n", b"to-err\n")
    assert ok.status["status"] == "Success"

    failed = _exec(plane, pod, ["sh", "-c", "echo partial; exit 3"], protocols=protocols)
    assert failed.data(1) == b"partial\n"
    status = failed.status
    assert status["status"] == "Failure"
    assert status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    assert "exit code 3" in status["message"]


def test_exec_stdin_and_environment(client: httpx.Client, plane: ControlPlane) -> None:
    pod = _pod(client, plane.node_name, command=["sleep", "60"])
    echoed = _exec(plane, pod, ["cat"], protocols=["v5.channel.k8s.io"], stdin=b"hello\n")
    assert echoed.data(1) == b"hello\n"
    assert echoed.status["status"] == "Success"
    env = _exec(plane, pod, ["sh", "-c", "echo $HOSTNAME"], protocols=["v5.channel.k8s.io"])
    assert env.data(1) == f"{pod}\n".encode()


def test_exec_missing_command_is_an_error(client: httpx.Client, plane: ControlPlane) -> None:
    pod = _pod(client, plane.node_name, command=["sleep", "60"])
    session = _exec(plane, pod, ["kubeset-no-such-command"], protocols=["v5.channel.k8s.io"])
    assert session.status["status"] == "Failure"
    assert "executable file not found" in session.status["message"]


def test_exec_tty_with_resize(client: httpx.Client, plane: ControlPlane) -> None:
    pod = _pod(client, plane.node_name, command=["sleep", "60"])
    session = _exec(
        plane,
        pod,
        ["sh", "-c", "sleep 1; stty size; tty"],
        protocols=["v5.channel.k8s.io"],
        tty=True,
        resize=(123, 45),
    )
    lines = session.data(1).decode().split()
    assert lines[:2] == ["45", "123"], session.channels
    assert lines[2].startswith("/dev/pts/")


def test_exec_into_an_unbound_pod_is_refused(client: httpx.Client) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"unbound-{uuid.uuid4().hex[:6]}"},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }
    name = client.post("/api/v1/namespaces/default/pods", json=body).json()["metadata"]["name"]
    response = client.post(
        f"/api/v1/namespaces/default/pods/{name}/exec", params={"command": "true", "stdout": "1"}
    )
    assert response.status_code == 400
    assert "does not have a host assigned" in response.text


# ---------------------------------------------------------------------------------- attach


def test_attach_to_the_main_process(client: httpx.Client, plane: ControlPlane) -> None:
    pod = _pod(client, plane.node_name)  # no command: the main process is `cat`
    query = [("stdin", "true"), ("stdout", "true"), ("stderr", "true")]
    url = _ws_url(plane, f"/api/v1/namespaces/default/pods/{pod}/attach", query)
    with (
        httpx.Client(verify=plane.ssl_context(), trust_env=False, timeout=TIMEOUT) as c,
        _connect(url, c, ["v5.channel.k8s.io"]) as ws,
    ):
        ws.send_bytes(b"\x00echo me\n")
        received = b""
        deadline = time.monotonic() + TIMEOUT
        while b"echo me\n" not in received:
            message = ws.receive_bytes(timeout=max(0.1, deadline - time.monotonic()))
            if message[:1] == b"\x01":
                received += message[1:]
    logs = client.get(f"/api/v1/namespaces/default/pods/{pod}/log").text
    assert logs == "echo me\n"


# ---------------------------------------------------------------------------------- port-forward


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"hello from {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_http() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def test_port_forward_over_websocket(
    client: httpx.Client, plane: ControlPlane, local_http: int
) -> None:
    pod = _pod(client, plane.node_name, command=["sleep", "60"])
    url = _ws_url(
        plane, f"/api/v1/namespaces/default/pods/{pod}/portforward", [("ports", str(local_http))]
    )
    with (
        httpx.Client(verify=plane.ssl_context(), trust_env=False, timeout=TIMEOUT) as c,
        _connect(url, c, ["v4.channel.k8s.io"]) as ws,
    ):
        assert ws.subprotocol == "v4.channel.k8s.io"
        port_bytes = local_http.to_bytes(2, "little")
        # First on each channel: the port, little-endian.
        first = {ws.receive_bytes(timeout=TIMEOUT) for _ in range(2)}
        assert first == {b"\x00" + port_bytes, b"\x01" + port_bytes}
        ws.send_bytes(b"\x00GET /through-the-apiserver HTTP/1.0\r\nHost: pod\r\n\r\n")
        session = _Session(ws.subprotocol)
        _read_all(ws, session, time.monotonic() + TIMEOUT)
    response = session.data(0).decode()
    assert response.startswith("HTTP/1.0 200"), session.channels
    assert response.endswith("hello from /through-the-apiserver")
    assert session.data(1) == b""


def test_port_forward_to_a_closed_port_reports_on_the_error_channel(
    client: httpx.Client, plane: ControlPlane
) -> None:
    pod = _pod(client, plane.node_name, command=["sleep", "60"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]  # free, and nothing listens once closed
    url = _ws_url(
        plane, f"/api/v1/namespaces/default/pods/{pod}/portforward", [("ports", str(closed_port))]
    )
    with (
        httpx.Client(verify=plane.ssl_context(), trust_env=False, timeout=TIMEOUT) as c,
        _connect(url, c, ["v4.channel.k8s.io"]) as ws,
    ):
        session = _Session(ws.subprotocol or "")
        _read_all(ws, session, time.monotonic() + TIMEOUT)
    error = session.data(1)[2:].decode()  # after the port bytes
    assert f"error forwarding port {closed_port}" in error
    assert "connection refused" in error


# ---------------------------------------------------------------------------------- pod life


def test_pod_status_follows_the_main_process(client: httpx.Client, plane: ControlPlane) -> None:
    pod = _pod(client, plane.node_name, command=["sh", "-c", "sleep 0.5; exit 4"], ready=False)
    failed = _wait_pod(client, pod, lambda p: p["status"].get("phase") == "Failed")
    (status,) = failed["status"]["containerStatuses"]
    assert status["state"]["terminated"]["exitCode"] == 4
    assert failed["status"]["podIP"] == _controlplane.KUBELET_NODE_IP


def test_deleting_a_pod_stops_it_and_removes_it(client: httpx.Client, plane: ControlPlane) -> None:
    pod = _pod(client, plane.node_name, command=["sleep", "600"])
    running = _wait_pod(client, pod, lambda p: p["status"].get("phase") == "Running")
    pid = int(running["status"]["containerStatuses"][0]["containerID"].removeprefix("kubeset://"))
    assert not _gone(pid)
    response = client.delete(f"/api/v1/namespaces/default/pods/{pod}")
    assert response.status_code == 200
    _wait_pod_gone(client, pod)
    _wait_gone([pid])


def _wait_pod_gone(client: httpx.Client, pod: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while client.get(f"/api/v1/namespaces/default/pods/{pod}").status_code != 404:
        assert time.monotonic() < deadline, "the stand-in did not finish deleting the pod"
        time.sleep(0.1)


def _gone(pid: int) -> bool:
    """No such process, or a zombie (dead, waiting for whoever reaps orphans here)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _wait_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not all(_gone(p) for p in pids):
        left = [p for p in pids if not _gone(p)]
        assert time.monotonic() < deadline, f"processes left behind: {left}"
        time.sleep(0.1)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_stopping_the_control_plane_leaves_no_process_behind(envtest_binaries: Binaries) -> None:
    if envtest_binaries.kubelet is None:
        pytest.skip("the kubelet stand-in is not built")
    cp = ControlPlane(kubelet=True)
    with cp:
        with httpx.Client(
            base_url=cp.host, verify=cp.ssl_context(), trust_env=False, timeout=TIMEOUT
        ) as c:
            pod = _pod(c, cp.node_name, command=["sleep", "600"])
            status = c.get(f"/api/v1/namespaces/default/pods/{pod}").json()["status"]
            main = int(status["containerStatuses"][0]["containerID"].removeprefix("kubeset://"))
            # A background child of an exec (same process group) and a daemon in its own
            # session (reparented to the stand-in, its subreaper, when its parent exits).
            script = (
                "sleep 600 >/dev/null 2>&1 & echo $!; setsid sleep 601 >/dev/null 2>&1 & echo $!"
            )
            session = _exec(cp, pod, ["sh", "-c", script], protocols=["v5.channel.k8s.io"])
            pids = [int(p) for p in session.data(1).split()]
        assert len(pids) == 2
        kubelet = cp.kubelet_pid
        assert kubelet is not None
        assert not any(_gone(p) for p in [main, kubelet, *pids])
    _wait_gone([main, kubelet, *pids])
