"""Exec, attach, port-forward, proxy and logs through kubeset's clients (sync and async), against a
real kube-apiserver and the kubelet stand-in (``ControlPlane(kubelet=True)``): pods bound to its
node get local processes, so every byte here went client → kube-apiserver → stand-in → process
and back.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from kubeset import (
    BadRequest,
    Config,
    Forbidden,
    InternalError,
    NotFound,
    PortForwardError,
    load_kubeconfig,
)
from kubeset._sync import connect as sync_connect
from kubeset.envtest import Binaries, ControlPlane
from kubeset.envtest.pytest_plugin import envtest_required
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models.core_v1 import (
    Container,
    Pod,
    PodSpec,
)
from kubeset_k8s.models.meta_v1 import ObjectMeta
from kubeset_k8s.models.rbac_v1 import PolicyRule, Role, RoleBinding, RoleRef, Subject

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

TIMEOUT = 20.0
NS = "default"


@pytest.fixture(scope="module")
def plane(envtest_binaries: Binaries) -> Iterator[ControlPlane]:
    if envtest_binaries.kubelet is None:
        message = "the kubelet stand-in is not built: run `make envtest`"
        if envtest_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with ControlPlane(kubelet=True) as cp:
        yield cp


@pytest.fixture(scope="module")
def config(plane: ControlPlane) -> Config:
    return load_kubeconfig(plane.kubeconfig_path, qps=0, call_timeout=TIMEOUT)


@pytest.fixture(scope="module")
def cs(config: Config) -> Iterator[Clientset]:
    with Clientset.for_config(config) as clientset:
        yield clientset


@pytest.fixture
async def acs(config: Config) -> AsyncIterator[AsyncClientset]:
    async with AsyncClientset.for_config(config) as clientset:
        yield clientset


def _pod(
    cs: Clientset,
    node: str,
    command: list[str] | None = None,
    *,
    tty: bool = False,
    stdin: bool = False,
    wait: str = "Running",
) -> str:
    name = f"p-{uuid.uuid4().hex[:8]}"
    container = Container(name="main", image="kubeset.invalid/none", command=command, tty=tty)
    if stdin or tty:
        container.stdin = True
    pods = cs.core_v1().pods(NS)
    pods.create(
        Pod(metadata=ObjectMeta(name=name), spec=PodSpec(node_name=node, containers=[container]))
    )
    deadline = time.monotonic() + TIMEOUT
    while wait:
        status = pods.get(name).status
        if status is not None and status.phase in (wait, "Succeeded"):
            break
        assert time.monotonic() < deadline, f"pod {name} never got {wait}: {status}"
        time.sleep(0.05)
    return name


@pytest.fixture(scope="module")
def sleeper(cs: Clientset, plane: ControlPlane) -> str:
    """A running pod to exec into."""
    return _pod(cs, plane.node_name, ["sleep", "600"])


# ---------------------------------------------------------------------------------- exec


def test_exec_stdout_stderr_and_exit_codes(cs: Clientset, sleeper: str) -> None:
    pods = cs.core_v1().pods(NS)
    ok = pods.exec(sleeper, ["sh", "-c", "echo to-out; echo to-err >&2"])
    assert (ok.stdout, ok.stderr, ok.exit_code, ok.ok) == (b"to-out\n", b"to-err\n", 0, True)
    failed = pods.exec(sleeper, ["sh", "-c", "printf partial; exit 3"])
    assert (failed.stdout, failed.exit_code, failed.ok) == (b"partial", 3, False)
    assert pods.exec(sleeper, ["false"]).exit_code == 1
    binary = pods.exec(sleeper, ["sh", "-c", r"printf '\000\377\001'"])
    assert binary.stdout == b"\x00\xff\x01"


async def test_exec_async(acs: AsyncClientset, sleeper: str) -> None:
    pods = acs.core_v1().pods(NS)
    result = await pods.exec(sleeper, ["sh", "-c", "echo out; echo err >&2; exit 7"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"out\n", b"err\n", 7)
    results = await asyncio.gather(*(pods.exec(sleeper, ["echo", str(i)]) for i in range(10)))
    assert [r.stdout for r in results] == [f"{i}\n".encode() for i in range(10)]


def test_exec_stdin_small_large_and_text(cs: Clientset, sleeper: str) -> None:
    pods = cs.core_v1().pods(NS)
    assert pods.exec(sleeper, ["cat"], stdin=b"hello\n").stdout == b"hello\n"
    assert pods.exec(sleeper, ["cat"], stdin="héllo").stdout == "héllo".encode()
    assert pods.exec(sleeper, ["wc", "-c"], stdin=b"").stdout.strip() == b"0"
    big = bytes(range(256)) * 8192  # 2 MiB, every byte value: written while reading
    echoed = pods.exec(sleeper, ["cat"], stdin=big)
    assert echoed.exit_code == 0 and echoed.stdout == big


async def test_exec_stdin_async(acs: AsyncClientset, sleeper: str) -> None:
    pods = acs.core_v1().pods(NS)
    big = bytes(range(256)) * 8192
    echoed = await pods.exec(sleeper, ["cat"], stdin=big)
    assert echoed.stdout == big
    counted = await pods.exec(sleeper, ["sh", "-c", "wc -c >&2"], stdin=b"x" * 1000)
    assert counted.stderr.strip() == b"1000"


def test_exec_over_v4(cs: Clientset, sleeper: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server without v5 chooses v4 from the same offer: offer only v4 to see it work."""
    monkeypatch.setattr(sync_connect, "EXEC_PROTOCOLS", ("v4.channel.k8s.io",))
    pods = cs.core_v1().pods(NS)
    result = pods.exec(sleeper, ["sh", "-c", "echo out; echo err >&2; exit 5"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"out\n", b"err\n", 5)
    with pods.stream_exec(sleeper, ["true"]) as session:
        assert session.protocol == "v4.channel.k8s.io"
        assert session.wait() == 0
    with pods.stream_exec(sleeper, ["true"]) as session:
        pass
    monkeypatch.undo()
    with pods.stream_exec(sleeper, ["true"]) as session:
        assert session.protocol == "v5.channel.k8s.io"


def test_exec_errors_are_typed(cs: Clientset, plane: ControlPlane, sleeper: str) -> None:
    pods = cs.core_v1().pods(NS)
    with pytest.raises(InternalError, match="executable file not found"):
        pods.exec(sleeper, ["kubeset-no-such-command"])
    with pytest.raises(NotFound):
        pods.exec("no-such-pod", ["true"])
    unbound = _pod(cs, "", ["sleep", "1"], wait="")
    with pytest.raises(BadRequest, match="does not have a host assigned"):
        pods.exec(unbound, ["true"])
    with pytest.raises(BadRequest):
        pods.exec(sleeper, ["true"], container="nope")
    with pytest.raises(ValueError, match="non-empty list"):
        pods.exec(sleeper, "true")  # type: ignore[arg-type]


def test_exec_timeout(cs: Clientset, sleeper: str) -> None:
    from kubeset import RequestTimeout

    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        cs.core_v1().pods(NS).exec(sleeper, ["sleep", "30"], timeout=1.0)
    assert time.monotonic() - started < 10


def test_stream_exec_interactive(cs: Clientset, sleeper: str) -> None:
    pods = cs.core_v1().pods(NS)
    with pods.stream_exec(sleeper, ["sh"], stdin=True) as session:
        session.write_stdin("echo one; echo two >&2\n")
        seen: dict[str, bytes] = {"stdout": b"", "stderr": b""}
        while seen["stdout"] != b"one\n" or seen["stderr"] != b"two\n":
            chunk = session.read(timeout=TIMEOUT)
            assert chunk is not None
            seen[chunk[0]] += chunk[1]
        session.write_stdin(b"exit 4\n")
        assert session.wait() == 4
        assert session.exit_code == 4
        assert session.read() is None


async def test_stream_exec_tty_resize_async(acs: AsyncClientset, sleeper: str) -> None:
    pods = acs.core_v1().pods(NS)
    async with pods.stream_exec(
        sleeper, ["sh", "-c", "read line; stty size; tty"], stdin=True, tty=True
    ) as session:
        await session.resize(123, 45)
        await session.write_stdin("go\n")
        output = b""
        async for stream, data in session:
            assert stream == "stdout"  # a terminal merges stderr into stdout
            output += data
        assert session.exit_code == 0
    lines = output.decode().split()
    assert "45" in lines and "123" in lines, output
    assert lines[lines.index("45") + 1] == "123"
    assert lines[-1].startswith("/dev/pts/")


def test_stream_exec_tty_resize_sync(cs: Clientset, sleeper: str) -> None:
    pods = cs.core_v1().pods(NS)
    with pods.stream_exec(sleeper, ["sh", "-c", "read x; stty size"], stdin=True, tty=True) as s:
        s.resize(80, 24)
        s.resize(100, 30)
        s.write_stdin("\n")
        assert s.wait() == 0
    assert s.stdout.split()[-2:] == [b"30", b"100"]


# ---------------------------------------------------------------------------------- attach


def test_attach_sync(cs: Clientset, plane: ControlPlane) -> None:
    pod = _pod(cs, plane.node_name, stdin=True)  # the main process is `cat`
    pods = cs.core_v1().pods(NS)
    with pods.attach(pod, stdin=True) as session:
        session.write_stdin(b"echo me\n")
        received = b""
        while b"echo me\n" not in received:
            chunk = session.read(timeout=TIMEOUT)
            assert chunk is not None
            received += chunk[1]
    assert pods.get_logs(pod) == "echo me\n"


async def test_attach_async_sees_the_process_end(
    acs: AsyncClientset, plane: ControlPlane, cs: Clientset
) -> None:
    pod = _pod(cs, plane.node_name, ["sh", "-c", "read x; echo got $x; exit 2"], stdin=True)
    async with acs.core_v1().pods(NS).attach(pod, stdin=True) as session:
        await session.write_stdin("it\n")
        # Attach reports the end of the session, not the process's exit code.
        assert await session.wait(TIMEOUT) == 0
    assert bytes(session.stdout) == b"got it\n"


# ---------------------------------------------------------------------------------- port-forward


class _Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = f"hello from {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def local_http() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def test_port_forward_listener_sync(cs: Clientset, sleeper: str, local_http: int) -> None:
    pods = cs.core_v1().pods(NS)
    with pods.port_forward(sleeper, [local_http]) as pf:
        local = pf.local_port(local_http)
        assert local != local_http
        with httpx.Client(base_url=f"http://127.0.0.1:{local}", timeout=TIMEOUT) as http:
            assert http.get("/one").text == "hello from /one"
            assert http.get("/two").text == "hello from /two"  # the same connection, kept alive
            payload = bytes(range(256)) * 4096  # 1 MiB each way
            assert http.post("/echo", content=payload).content == payload
        results: list[str] = []

        def fetch(i: int) -> None:
            results.append(httpx.get(f"http://127.0.0.1:{local}/c{i}", timeout=TIMEOUT).text)

        threads = [threading.Thread(target=fetch, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        assert sorted(results) == sorted(f"hello from /c{i}" for i in range(8))
        assert pf.errors == []


async def test_port_forward_listener_async(
    acs: AsyncClientset, sleeper: str, local_http: int
) -> None:
    pods = acs.core_v1().pods(NS)
    async with pods.port_forward(sleeper, [(0, local_http)]) as pf:
        local = pf.local_port(local_http)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{local}", timeout=TIMEOUT) as http:
            responses = await asyncio.gather(*(http.get(f"/a{i}") for i in range(8)))
            assert [r.text for r in responses] == [f"hello from /a{i}" for i in range(8)]
        assert pf.errors == []


def test_port_forward_stream(cs: Clientset, sleeper: str, local_http: int) -> None:
    pods = cs.core_v1().pods(NS)
    with pods.port_forward(sleeper, [local_http], listen=False) as pf, pf.connect(local_http) as s:
        s.send(b"GET /raw HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")
        received = b""
        while data := s.recv(TIMEOUT):
            received += data
    assert received.startswith(b"HTTP/1.0 200") or received.startswith(b"HTTP/1.1 200")
    assert received.endswith(b"hello from /raw")


async def test_port_forward_stream_async(
    acs: AsyncClientset, sleeper: str, local_http: int
) -> None:
    pods = acs.core_v1().pods(NS)
    async with pods.port_forward_stream(sleeper, local_http) as s:
        await s.send(b"GET /as HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")
        received = b""
        while data := await s.recv(TIMEOUT):
            received += data
    assert received.endswith(b"hello from /as")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_port_forward_to_a_closed_port(cs: Clientset, sleeper: str) -> None:
    pods = cs.core_v1().pods(NS)
    port = _closed_port()
    with pods.port_forward_stream(sleeper, port) as s, pytest.raises(PortForwardError) as caught:
        s.recv(TIMEOUT)
    assert caught.value.port == port and "connection refused" in caught.value.message
    with pods.port_forward(sleeper, [port]) as pf:
        with socket.create_connection(("127.0.0.1", pf.local_port(port)), timeout=TIMEOUT) as c:
            assert c.recv(10) == b""  # closed from the far side
        deadline = time.monotonic() + TIMEOUT
        while not pf.errors:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert isinstance(pf.errors[0], PortForwardError)


# ---------------------------------------------------------------------------------- proxy


def test_node_proxy(cs: Clientset, plane: ControlPlane, sleeper: str) -> None:
    nodes = cs.core_v1().nodes()
    assert nodes.proxy_get(plane.node_name, "healthz") == b"ok"
    pods = nodes.proxy(plane.node_name, "pods").json()
    assert sleeper in [p["metadata"]["name"] for p in pods["items"]]
    with pytest.raises(NotFound):
        nodes.proxy_get(plane.node_name, "nothing-here")
    head = nodes.proxy(plane.node_name, "healthz", method="HEAD")
    assert head.status_code == 200 and head.content == b""


async def test_pod_proxy_async(
    acs: AsyncClientset, cs: Clientset, sleeper: str, local_http: int, plane: ControlPlane
) -> None:
    pods = acs.core_v1().pods(NS)
    assert await pods.proxy_get(sleeper, "hi/there", port=local_http) == b"hello from /hi/there"
    response = await pods.proxy(sleeper, "q", port=local_http, params={"a": "1"})
    assert response.text == "hello from /q?a=1"
    posted = await pods.proxy(sleeper, "echo", method="POST", port=local_http, body=b"abc")
    assert posted.content == b"abc"


# ---------------------------------------------------------------------------------- logs


def test_logs_follow_tail_since_timestamps(cs: Clientset, plane: ControlPlane) -> None:
    pods = cs.core_v1().pods(NS)
    pod = _pod(
        cs,
        plane.node_name,
        ["sh", "-c", "seq 1 5; sleep 1; echo 6; sleep 1; echo 7; sleep 1"],
        wait="Running",
    )
    started = time.monotonic()
    with pods.stream_logs(pod, tail_lines=2) as stream:
        followed = []
        for line in stream.lines():
            followed.append((time.monotonic() - started, line))
    lines = [line for _, line in followed]
    # At most the last two lines written before the stream opened, then what came after.
    assert lines[-2:] == ["6", "7"] and lines == [str(i) for i in range(8 - len(lines), 8)], lines
    assert followed[-1][0] - followed[0][0] > 0.5  # streamed as written
    assert pods.get_logs(pod).splitlines() == [str(i) for i in range(1, 8)]
    assert pods.get_logs(pod, tail_lines=2).splitlines() == ["6", "7"]
    assert pods.get_logs(pod, since_seconds=3600).splitlines() == [str(i) for i in range(1, 8)]
    stamped = pods.get_logs(pod, timestamps=True, tail_lines=1).strip()
    stamp, _, text = stamped.partition(" ")
    assert text == "7" and stamp.endswith("Z")
    assert pods.get_logs(pod, limit_bytes=3) == "1\n2"


async def test_logs_follow_async(acs: AsyncClientset, cs: Clientset, plane: ControlPlane) -> None:
    pod = _pod(
        cs, plane.node_name, ["sh", "-c", "echo a; sleep 1; echo b; sleep 1"], wait="Running"
    )
    lines = []
    async with acs.core_v1().pods(NS).stream_logs(pod, timestamps=True) as stream:
        async for line in stream.lines():
            lines.append(line.partition(" ")[2])
    assert lines == ["a", "b"]


# ---------------------------------------------------------------------------------- RBAC


def test_exec_needs_rbac(cs: Clientset, plane: ControlPlane, sleeper: str) -> None:
    user = plane.add_user(f"viewer-{uuid.uuid4().hex[:6]}")
    rbac = cs.rbac_v1()
    role = f"pod-reader-{uuid.uuid4().hex[:6]}"
    rbac.roles(NS).create(
        Role(
            metadata=ObjectMeta(name=role),
            rules=[PolicyRule(api_groups=[""], resources=["pods"], verbs=["get"])],
        )
    )
    rbac.role_bindings(NS).create(
        RoleBinding(
            metadata=ObjectMeta(name=role),
            role_ref=RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name=role),
            subjects=[Subject(kind="User", name=user.name, api_group="rbac.authorization.k8s.io")],
        )
    )
    config = load_kubeconfig(user.kubeconfig_path, qps=0)
    with Clientset.for_config(config) as viewer:
        pods = viewer.core_v1().pods(NS)
        deadline = time.monotonic() + TIMEOUT
        while True:  # RBAC caches catch up
            try:
                assert pods.get(sleeper).metadata is not None
                break
            except Forbidden:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        with pytest.raises(Forbidden, match="pods/exec"):
            pods.exec(sleeper, ["true"])
        with pytest.raises(Forbidden):
            pods.port_forward_stream(sleeper, 80).open()
        with pytest.raises(Forbidden):
            viewer.core_v1().nodes().proxy_get(plane.node_name, "healthz")


# ---------------------------------------------------------------------------------- transports


@pytest.mark.parametrize("options", [{"transport": "fast"}, {"http2": True}], ids=["fast", "http2"])
def test_websockets_over_every_transport(
    plane: ControlPlane, sleeper: str, options: dict[str, Any]
) -> None:
    """Upgrades go over an HTTP/1.1 connection of httpx's own whatever the client's transport."""
    config = load_kubeconfig(plane.kubeconfig_path, qps=0, **options)
    with Clientset.for_config(config) as clientset:
        pods = clientset.core_v1().pods(NS)
        assert pods.get(sleeper).metadata is not None
        assert pods.exec(sleeper, ["echo", "hi"]).stdout == b"hi\n"


@pytest.mark.parametrize("options", [{"transport": "fast"}, {"http2": True}], ids=["fast", "http2"])
async def test_websockets_over_every_transport_async(
    plane: ControlPlane, sleeper: str, options: dict[str, Any]
) -> None:
    config = load_kubeconfig(plane.kubeconfig_path, qps=0, **options)
    async with AsyncClientset.for_config(config) as clientset:
        pods = clientset.core_v1().pods(NS)
        assert (await pods.exec(sleeper, ["echo", "hi"])).stdout == b"hi\n"
