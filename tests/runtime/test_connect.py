"""Exec, attach, port-forward and proxy against a fake WebSocket server (no apiserver): the channel
protocol, exit codes and errors, sync and async."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from kubeset import (
    Config,
    ConnectionFailed,
    Forbidden,
    InternalError,
    PortForwardError,
    RequestTimeout,
)
from kubeset.request import connect_request, exec_params
from kubeset_k8s import AsyncClientset, Clientset
from tests.fake_websocket import FakeServer, upgrade

HOST = "https://127.0.0.1:6443"
SUCCESS = b'\x03{"status": "Success"}'


def _exit(code: int) -> bytes:
    status = {
        "status": "Failure",
        "reason": "NonZeroExitCode",
        "message": f"command terminated with non-zero exit code: exit code {code}",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }
    return b"\x03" + json.dumps(status).encode()


Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], Clientset]]:
    made: list[Clientset] = []

    def make(handler: Handler) -> Clientset:
        http = httpx.Client(base_url=HOST, transport=httpx.MockTransport(handler))
        cs = Clientset.for_config(Config(host=HOST, qps=0, call_timeout=5), http_client=http)
        made.append(cs)
        return cs

    yield make
    for cs in made:
        cs.close()


def _ws(server: FakeServer, protocol: str | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return upgrade(request, server, protocol=protocol)

    return handler


def test_exec_collects_output_and_exit_code(serve: Any) -> None:
    server = FakeServer([b"\x01", b"\x01out", b"\x02err", b"\x01\x00\xff", _exit(3)])
    result = serve(_ws(server)).core_v1().pods("ns").exec("p", ["sh", "-c", "x"])
    assert (result.stdout, result.stderr, result.exit_code, result.ok) == (
        b"out\x00\xff",
        b"err",
        3,
        False,
    )
    assert server.closed_by_client


def test_exec_writes_stdin_and_closes_it_on_v5_only(serve: Any) -> None:
    # The status comes once stdin is in (as from a real `cat`), not before: a client that has
    # its status needs to send nothing more.
    v5 = FakeServer([], close=False, reply=lambda m: [SUCCESS] if m == b"\xff\x00" else [])
    serve(_ws(v5)).core_v1().pods("ns").exec("p", ["cat"], stdin="hé")
    assert v5.received == [b"\x00" + "hé".encode(), b"\xff\x00"]
    v4 = FakeServer([], close=False, reply=lambda m: [SUCCESS] if m == b"\x00x" else [])
    serve(_ws(v4, "v4.channel.k8s.io")).core_v1().pods("ns").exec("p", ["cat"], stdin=b"x")
    assert v4.received == [b"\x00x"]  # v4 cannot close stdin


def test_large_stdin_is_chunked(serve: Any) -> None:
    server = FakeServer([SUCCESS], close=False)
    data = bytes(200_000)
    with serve(_ws(server)).core_v1().pods("ns").stream_exec("p", ["cat"], stdin=True) as s:
        s.write_stdin(data)
    assert [len(m) for m in server.received] == [65537, 65537, 65537, 200_000 - 3 * 65536 + 1]


def test_resize_and_interactive_reads(serve: Any) -> None:
    server = FakeServer([b"\x01a", b"\x02b", SUCCESS], close=False)
    pods = serve(_ws(server)).core_v1().pods("ns")
    with pods.stream_exec("p", ["sh"], stdin=True, tty=True) as session:
        assert session.protocol == "v5.channel.k8s.io"
        session.resize(100, 40)
        assert list(session) == [("stdout", b"a"), ("stderr", b"b")]
        assert session.wait() == 0
    assert json.loads(server.received[0][1:]) == {"Width": 100, "Height": 40}
    assert server.received[0][0] == 4


def test_a_failure_that_is_no_exit_code_is_a_typed_error(serve: Any) -> None:
    status = {"status": "Failure", "reason": "InternalError", "code": 500, "message": "boom"}
    server = FakeServer([b"\x03" + json.dumps(status).encode()])
    with pytest.raises(InternalError, match="boom"):
        serve(_ws(server)).core_v1().pods("ns").exec("p", ["x"])


def test_stream_ending_without_status(serve: Any) -> None:
    with pytest.raises(ConnectionFailed, match="before the process's exit status"):
        serve(_ws(FakeServer([b"\x01x"]))).core_v1().pods("ns").exec("p", ["x"])


def test_reads_are_bounded(serve: Any) -> None:
    server = FakeServer([b"\x01x"], close=False)
    with serve(_ws(server)).core_v1().pods("ns").stream_exec("p", ["x"]) as session:
        assert session.read(timeout=1) == ("stdout", b"x")
        with pytest.raises(RequestTimeout):
            session.read(timeout=0.2)
        with pytest.raises(RequestTimeout):
            session.wait(timeout=0.2)
    with pytest.raises(RequestTimeout):
        serve(_ws(FakeServer([], close=False))).core_v1().pods("ns").exec("p", ["x"], timeout=0.3)


def test_refusals_and_bad_handshakes(serve: Any) -> None:
    forbidden = {
        "kind": "Status",
        "status": "Failure",
        "reason": "Forbidden",
        "code": 403,
        "message": 'pods "p" is forbidden: cannot create resource "pods/exec"',
    }
    cs = serve(lambda request: httpx.Response(403, json=forbidden))
    with pytest.raises(Forbidden, match="pods/exec"):
        cs.core_v1().pods("ns").exec("p", ["x"])
    with pytest.raises(ConnectionFailed, match="answered 200 instead of 101"):
        serve(lambda request: httpx.Response(200, text="hi")).core_v1().pods("ns").exec("p", ["x"])
    with pytest.raises(ConnectionFailed, match=r"chose subprotocol 'channel\.k8s\.io'"):
        serve(_ws(FakeServer([SUCCESS]), "channel.k8s.io")).core_v1().pods("ns").exec("p", ["x"])

    def bad_accept(request: httpx.Request) -> httpx.Response:
        response = upgrade(request, FakeServer([SUCCESS]))
        response.headers["Sec-WebSocket-Accept"] = "nope"
        return response

    with pytest.raises(ConnectionFailed, match="Accept does not match"):
        serve(bad_accept).core_v1().pods("ns").exec("p", ["x"])


def test_port_forward_stream_and_error_channel(serve: Any) -> None:
    port = (8080).to_bytes(2, "little")
    server = FakeServer(
        [b"\x00" + port, b"\x01" + port, b"\x00hello"],
        close=False,
        reply=lambda message: [b"\x00" + message[1:].upper()],
    )
    pods = serve(_ws(server, "v4.channel.k8s.io")).core_v1().pods("ns")
    with pods.port_forward_stream("p", 8080) as stream:
        assert stream.recv(1) == b"hello"
        stream.send(b"abc")
        assert stream.recv(1) == b"ABC"
    assert server.received == [b"\x00abc"]
    failing = FakeServer([b"\x00" + port, b"\x01" + port + b"connection refused"])
    pods = serve(_ws(failing, "v4.channel.k8s.io")).core_v1().pods("ns")
    with pods.port_forward_stream("p", 8080) as stream, pytest.raises(PortForwardError) as caught:
        stream.recv(1)
    assert (caught.value.port, caught.value.message) == (8080, "connection refused")


def test_proxy_requests(serve: Any) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"body")

    cs = serve(handler)
    assert (
        cs.core_v1().pods("ns").proxy_get("p", "/a/b%20c", port=8080, params={"q": "1"}) == b"body"
    )
    cs.core_v1().services("ns").proxy(
        "s",
        "x",
        method="post",
        scheme="https",
        port="web",
        body="{}",
        content_type="application/json",
        headers={"X-A": "1"},
    )
    cs.core_v1().nodes().proxy("n", "")
    assert [(r.method, r.url.raw_path) for r in seen] == [
        ("GET", b"/api/v1/namespaces/ns/pods/p:8080/proxy/a/b%20c?q=1"),
        ("POST", b"/api/v1/namespaces/ns/services/https:s:web/proxy/x"),
        ("GET", b"/api/v1/nodes/n/proxy"),
    ]
    assert seen[1].headers["x-a"] == "1" and seen[1].content == b"{}"


def test_request_builders_check_what_the_spec_declares() -> None:
    from kubeset_k8s.typed.core_v1 import _NODES, _PODS

    with pytest.raises(ValueError, match="pods/exec does not support PUT"):
        connect_request(_PODS, "ns", "p", "exec", "PUT")
    with pytest.raises(ValueError, match="nodes/exec does not support GET"):
        connect_request(_NODES, None, "n", "exec")
    with pytest.raises(ValueError, match="non-empty list"):
        exec_params("ls", container=None, stdin=False, stdout=True, stderr=True, tty=False)
    assert exec_params(
        ["a", "b"], container="c", stdin=True, stdout=True, stderr=False, tty=True
    ) == (
        ("command", "a"),
        ("command", "b"),
        ("container", "c"),
        ("stdin", "true"),
        ("stdout", "true"),
        ("stderr", "false"),
        ("tty", "true"),
    )


# ---------------------------------------------------------------------------------- async


def _async_clientset(handler: Handler) -> AsyncClientset:
    http = httpx.AsyncClient(base_url=HOST, transport=httpx.MockTransport(handler))
    return AsyncClientset.for_config(Config(host=HOST, qps=0, call_timeout=5), http_client=http)


def _async_ws(server: FakeServer, protocol: str | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return upgrade(request, server, protocol=protocol, asynchronous=True)

    return handler


@pytest.mark.anyio
async def test_async_exec_stream_and_port_forward() -> None:
    server = FakeServer([b"\x01out", b"\x02err", _exit(2)])
    async with _async_clientset(_async_ws(server)) as acs:
        result = await acs.core_v1().pods("ns").exec("p", ["x"], stdin=b"in")
    assert (result.stdout, result.stderr, result.exit_code) == (b"out", b"err", 2)
    assert server.received == [b"\x00in", b"\xff\x00"] and server.closed_by_client

    chatty = FakeServer([b"\x01a", SUCCESS], close=False)
    async with (
        _async_clientset(_async_ws(chatty)) as acs,
        acs.core_v1().pods("ns").stream_exec("p", ["sh"], stdin=True) as session,
    ):
        await session.resize(1, 2)
        assert [chunk async for chunk in session] == [("stdout", b"a")]
        assert session.exit_code == 0

    port = (80).to_bytes(2, "little")
    forward = FakeServer([b"\x00" + port, b"\x01" + port, b"\x00x"])
    async with (
        _async_clientset(_async_ws(forward, "v4.channel.k8s.io")) as acs,
        acs.core_v1().pods("ns").port_forward_stream("p", 80) as stream,
    ):
        assert await stream.recv(1) == b"x"
        assert await stream.recv(1) == b""


@pytest.mark.anyio
async def test_async_reads_are_bounded_and_sessions_close_in_any_order() -> None:
    servers = [FakeServer([], close=False) for _ in range(2)]
    async with _async_clientset(lambda r: upgrade(r, servers.pop(), asynchronous=True)) as acs:
        pods = acs.core_v1().pods("ns")
        first = pods.stream_exec("p", ["x"])
        second = pods.stream_exec("p", ["y"])
        await first.open()
        await second.open()
        with pytest.raises(RequestTimeout):
            await first.read(timeout=0.1)
        await first.aclose()  # not the last opened: no task-group nesting to respect
        await second.aclose()
