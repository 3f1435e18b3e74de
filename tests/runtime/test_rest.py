"""``RESTClient`` and ``AsyncRESTClient`` over a scripted in-memory API server."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import kubeset._async.rest
import kubeset._sync.rest
from kubeset import __version__
from kubeset.config import Config
from kubeset.errors import (
    Conflict,
    Forbidden,
    InternalError,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)
from kubeset.request import Request
from kubeset.rest import AsyncRESTClient, RESTClient

HOST = "https://127.0.0.1:6443"
GET_POD = Request("GET", "/api/v1/namespaces/default/pods/web")
POST_CM = Request(
    "POST",
    "/api/v1/namespaces/default/configmaps",
    (),
    b'{"metadata":{"name":"c"}}',
    "application/json",
)

Reply = Callable[[httpx.Request], httpx.Response]


def reply(
    status: int = 200,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> Reply:
    """A response factory (a fresh ``httpx.Response`` per call)."""

    def make(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, headers=headers, content=content)
        payload = body if body is not None else {"kind": "Pod", "metadata": {"name": "web"}}
        return httpx.Response(status, headers=headers, json=payload)

    return make


def status_body(code: int, reason: str, message: str = "msg", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
        **extra,
    }


class Server:
    """Plays back a script of replies (the last one repeats) and records every request."""

    def __init__(self, *script: Reply | Exception) -> None:
        self.script = list(script) or [reply()]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, Exception):
            raise item
        return item(request)

    @property
    def calls(self) -> int:
        return len(self.requests)


class Harness:
    """One REST client, sync or async, over a :class:`Server`; async calls run to completion."""

    def __init__(self, mode: str, server: Server, config: Config) -> None:
        self.mode = mode
        self.server = server
        transport = httpx.MockTransport(server)
        self.http: httpx.Client | httpx.AsyncClient
        self.rest: RESTClient | AsyncRESTClient
        if mode == "sync":
            self.http = httpx.Client(base_url=config.host, transport=transport)
            self.rest = RESTClient(config, http_client=self.http)
        else:
            self.http = httpx.AsyncClient(base_url=config.host, transport=transport)
            self.rest = AsyncRESTClient(config, http_client=self.http)

    def request(self, req: Request) -> httpx.Response:
        if isinstance(self.rest, RESTClient):
            return self.rest.request(req)
        return asyncio.run(self.rest.request(req))

    def close(self) -> None:
        if isinstance(self.http, httpx.Client):
            self.http.close()
        else:
            asyncio.run(self.http.aclose())


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the clients ask to sleep for; nothing actually sleeps."""
    recorded: list[float] = []

    def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    async def fake_async_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(kubeset._sync.rest, "_sleep", fake_sleep)
    monkeypatch.setattr(kubeset._async.rest, "_sleep", fake_async_sleep)
    return recorded


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest, sleeps: list[float]) -> Iterator[Callable[..., Harness]]:
    """``make(*script, **config_fields)`` → a :class:`Harness` in the parametrized mode."""
    made: list[Harness] = []

    def factory(*script: Reply | Exception, **config: Any) -> Harness:
        config.setdefault("qps", 0)
        harness = Harness(request.param, Server(*script), Config(host=HOST, **config))
        made.append(harness)
        return harness

    yield factory
    for harness in made:
        harness.close()


# --- responses and typed errors -------------------------------------------------------------------


def test_success(make: Callable[..., Harness]) -> None:
    h = make(reply(200, {"kind": "Pod", "metadata": {"name": "web"}}))
    response = h.request(GET_POD)
    assert response.status_code == 200
    assert response.json()["metadata"]["name"] == "web"
    sent = h.server.requests[0]
    assert sent.method == "GET"
    assert str(sent.url) == f"{HOST}/api/v1/namespaces/default/pods/web"
    assert "Content-Type" not in sent.headers


def test_query_and_body_sent(make: Callable[..., Harness]) -> None:
    h = make(reply(201))
    req = Request(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        (("dryRun", "All"), ("fieldManager", "me")),
        b'{"a":1}',
        "application/json",
    )
    h.request(req)
    sent = h.server.requests[0]
    assert sent.url.path == "/api/v1/namespaces/default/configmaps"
    assert sent.url.params.multi_items() == [("dryRun", "All"), ("fieldManager", "me")]
    assert sent.content == b'{"a":1}'
    assert sent.headers["Content-Type"] == "application/json"


def test_not_found(make: Callable[..., Harness]) -> None:
    h = make(reply(404, status_body(404, "NotFound", 'pods "web" not found')))
    with pytest.raises(NotFound) as exc:
        h.request(GET_POD)
    assert exc.value.code == 404
    assert exc.value.message == 'pods "web" not found'
    assert exc.value.request is not None
    assert exc.value.request.method == "GET"
    assert exc.value.request.path == "/api/v1/namespaces/default/pods/web"
    assert exc.value.request.status_code == 404
    assert h.server.calls == 1


def test_conflict_names_request(make: Callable[..., Harness]) -> None:
    h = make(reply(409, status_body(409, "Conflict", "the object has been modified")))
    req = Request("PUT", "/api/v1/namespaces/d/configmaps/c", (("dryRun", "All"),), b"{}")
    with pytest.raises(Conflict) as exc:
        h.request(req)
    assert str(exc.value) == (
        "PUT /api/v1/namespaces/d/configmaps/c?dryRun=All -> 409: "
        "Conflict: the object has been modified"
    )


def test_forbidden_plain_text_body(make: Callable[..., Harness]) -> None:
    h = make(reply(403, content=b"forbidden by proxy"))
    with pytest.raises(Forbidden, match="forbidden by proxy"):
        h.request(GET_POD)


# --- retries -----------------------------------------------------------------------------------------


def test_get_retried_on_503_then_succeeds(
    make: Callable[..., Harness], sleeps: list[float]
) -> None:
    h = make(
        reply(503, status_body(503, "ServiceUnavailable")),
        reply(503, status_body(503, "ServiceUnavailable")),
        reply(200),
        max_retries=3,
    )
    assert h.request(GET_POD).status_code == 200
    assert h.server.calls == 3
    assert sleeps == pytest.approx([0.2, 0.4])


def test_get_gives_up_after_max_retries(make: Callable[..., Harness], sleeps: list[float]) -> None:
    h = make(reply(503, status_body(503, "ServiceUnavailable", "down")), max_retries=2)
    with pytest.raises(ServiceUnavailable, match="down"):
        h.request(GET_POD)
    assert h.server.calls == 3
    assert len(sleeps) == 2


def test_no_retries_when_disabled(make: Callable[..., Harness], sleeps: list[float]) -> None:
    h = make(reply(500, content=b"oops"), max_retries=0)
    with pytest.raises(InternalError, match="oops"):
        h.request(GET_POD)
    assert h.server.calls == 1
    assert sleeps == []


def test_post_not_retried_on_503(make: Callable[..., Harness], sleeps: list[float]) -> None:
    h = make(reply(503, status_body(503, "ServiceUnavailable")), reply(201), max_retries=5)
    with pytest.raises(ServiceUnavailable):
        h.request(POST_CM)
    assert h.server.calls == 1
    assert sleeps == []


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_write_retried_on_429_with_retry_after(
    make: Callable[..., Harness], sleeps: list[float], method: str
) -> None:
    h = make(
        reply(429, status_body(429, "TooManyRequests"), headers={"Retry-After": "0"}),
        reply(200),
        max_retries=5,
    )
    req = Request(
        method, "/api/v1/namespaces/default/configmaps/c", (), b'{"x":1}', "application/json"
    )
    assert h.request(req).status_code == 200
    assert h.server.calls == 2
    assert sleeps == [0.0]
    first, second = h.server.requests
    assert first.content == second.content == b'{"x":1}'
    assert first.method == second.method == method


def test_retry_after_header_used(make: Callable[..., Harness], sleeps: list[float]) -> None:
    h = make(
        reply(429, status_body(429, "TooManyRequests"), headers={"Retry-After": "2"}),
        reply(200),
    )
    h.request(GET_POD)
    assert sleeps == [2.0]


def test_429_exhausted_raises_too_many_requests(
    make: Callable[..., Harness], sleeps: list[float]
) -> None:
    body = status_body(429, "TooManyRequests", "slow", details={"retryAfterSeconds": 1})
    h = make(reply(429, body, headers={"Retry-After": "1"}), max_retries=1)
    with pytest.raises(TooManyRequests) as exc:
        h.request(POST_CM)
    assert exc.value.retry_after_seconds == 1
    assert h.server.calls == 2


def test_get_retried_on_connection_error(make: Callable[..., Harness], sleeps: list[float]) -> None:
    h = make(httpx.ConnectError("refused"), reply(200))
    assert h.request(GET_POD).status_code == 200
    assert h.server.calls == 2
    assert sleeps == pytest.approx([0.2])


def test_post_not_retried_on_connection_error(
    make: Callable[..., Harness], sleeps: list[float]
) -> None:
    h = make(httpx.ConnectError("refused"), reply(200))
    with pytest.raises(httpx.ConnectError):
        h.request(POST_CM)
    assert h.server.calls == 1


def test_connection_error_after_max_retries(
    make: Callable[..., Harness], sleeps: list[float]
) -> None:
    h = make(httpx.ReadTimeout("slow"), max_retries=2)
    with pytest.raises(httpx.ReadTimeout):
        h.request(GET_POD)
    assert h.server.calls == 3


# --- headers --------------------------------------------------------------------------------------------


def test_warning_headers_to_handler(make: Callable[..., Harness]) -> None:
    seen: list[str] = []
    headers = [
        ("Warning", '299 - "v1 ComponentStatus is deprecated in v1.19+"'),
        ("Warning", '299 - "unknown field \\"spec.foo\\"", 299 - "second"'),
    ]
    h = make(
        lambda request: httpx.Response(200, headers=headers, json={}),
        warning_handler=seen.append,
    )
    h.request(GET_POD)
    assert seen == [
        "v1 ComponentStatus is deprecated in v1.19+",
        'unknown field "spec.foo"',
        "second",
    ]


def test_warning_headers_on_error_response(make: Callable[..., Harness]) -> None:
    seen: list[str] = []
    h = make(
        reply(404, status_body(404, "NotFound"), headers={"Warning": '299 - "careful"'}),
        warning_handler=seen.append,
    )
    with pytest.raises(NotFound):
        h.request(GET_POD)
    assert seen == ["careful"]


def test_default_warning_handler_logs(
    make: Callable[..., Harness], caplog: pytest.LogCaptureFixture
) -> None:
    h = make(reply(200, {}, headers={"Warning": '299 - "deprecated API"'}))
    with caplog.at_level(logging.WARNING, logger="kubeset"):
        h.request(GET_POD)
    assert any("deprecated API" in r.getMessage() for r in caplog.records)


def test_no_warning_handler(make: Callable[..., Harness]) -> None:
    h = make(reply(200, {}, headers={"Warning": '299 - "x"'}), warning_handler=None)
    assert h.request(GET_POD).status_code == 200


def test_user_agent(make: Callable[..., Harness]) -> None:
    h = make()
    h.request(GET_POD)
    assert h.server.requests[0].headers["User-Agent"] == f"kubeset/{__version__}"


def test_custom_user_agent(make: Callable[..., Harness]) -> None:
    h = make(user_agent="my-controller/2.0")
    h.request(GET_POD)
    assert h.server.requests[0].headers["User-Agent"] == "my-controller/2.0"


def test_bearer_token(make: Callable[..., Harness]) -> None:
    h = make(bearer_token="s3cr3t")
    h.request(GET_POD)
    h.request(POST_CM)
    assert [r.headers["Authorization"] for r in h.server.requests] == ["Bearer s3cr3t"] * 2


def test_basic_auth(make: Callable[..., Harness]) -> None:
    h = make(username="admin", password="pw")
    h.request(GET_POD)
    assert h.server.requests[0].headers["Authorization"] == "Basic YWRtaW46cHc="


def test_no_credentials(make: Callable[..., Harness]) -> None:
    h = make()
    h.request(GET_POD)
    assert "Authorization" not in h.server.requests[0].headers


def test_token_file_reread_after_401(make: Callable[..., Harness], tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("old-token\n")
    h = make(
        reply(200),
        reply(401, status_body(401, "Unauthorized", "Unauthorized")),
        reply(200),
        bearer_token_file=str(token),
    )
    h.request(GET_POD)
    token.write_text("new-token\n")
    with pytest.raises(Unauthorized):
        h.request(GET_POD)
    h.request(GET_POD)
    assert [r.headers["Authorization"] for r in h.server.requests] == [
        "Bearer old-token",
        "Bearer old-token",  # still cached: less than a minute has passed
        "Bearer new-token",  # re-read because the server refused the old one
    ]


def test_401_not_retried(make: Callable[..., Harness], sleeps: list[float]) -> None:
    h = make(reply(401, status_body(401, "Unauthorized")), bearer_token="t")
    with pytest.raises(Unauthorized):
        h.request(GET_POD)
    assert h.server.calls == 1
    assert sleeps == []


def test_tls_server_name_sets_sni(make: Callable[..., Harness]) -> None:
    h = make(tls_server_name="kubernetes.default.svc")
    h.request(GET_POD)
    assert h.server.requests[0].extensions["sni_hostname"] == "kubernetes.default.svc"


# --- rate limiting ------------------------------------------------------------------------------------


def test_rate_limiter_delays(make: Callable[..., Harness], sleeps: list[float]) -> None:
    # burst 2, then one request per second. Sleeping is faked, so the bucket's clock barely moves.
    h = make(qps=1, burst=2)
    for _ in range(4):
        h.request(GET_POD)
    assert h.server.calls == 4
    assert len(sleeps) == 2
    assert 0.5 < sleeps[0] <= 1.0
    assert 1.5 < sleeps[1] <= 2.0


def test_rate_limiter_disabled(make: Callable[..., Harness], sleeps: list[float]) -> None:
    h = make(qps=0)
    for _ in range(50):
        h.request(GET_POD)
    assert sleeps == []


def test_rate_limiter_also_paces_retries(make: Callable[..., Harness], sleeps: list[float]) -> None:
    h = make(reply(503, content=b""), reply(200), qps=1, burst=1, max_retries=1)
    h.request(GET_POD)
    # One backoff sleep, and one wait for the token of the second attempt.
    assert len(sleeps) == 2
    assert sleeps[0] == pytest.approx(0.2)
    assert 0.5 < sleeps[1] <= 1.0


# --- streaming ----------------------------------------------------------------------------------------


class TrackedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that records whether it was closed."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def _stream_server(stream: TrackedStream) -> Server:
    return Server(lambda request: httpx.Response(200, stream=stream))


def test_sync_stream_closed_after_block() -> None:
    body = TrackedStream(b"line1\nli", b"ne2\n")
    server = _stream_server(body)
    config = Config(host=HOST, qps=0)
    with (
        httpx.Client(base_url=HOST, transport=httpx.MockTransport(server)) as http,
        RESTClient(config, http_client=http) as rest,
    ):
        with rest.stream(GET_POD, read_timeout=7.5) as response:
            assert not body.closed
            assert list(response.iter_lines()) == ["line1", "line2"]
        assert body.closed
        timeout = server.requests[0].extensions["timeout"]
        assert timeout["read"] == 7.5
        assert timeout["connect"] == config.timeout


def test_async_stream_closed_after_block() -> None:
    body = TrackedStream(b"a\n", b"b\n")
    server = _stream_server(body)

    async def main() -> list[str]:
        async with (
            httpx.AsyncClient(base_url=HOST, transport=httpx.MockTransport(server)) as http,
            AsyncRESTClient(Config(host=HOST, qps=0), http_client=http) as rest,
        ):
            async with rest.stream(GET_POD) as response:
                assert not body.closed
                lines = [line async for line in response.aiter_lines()]
            assert body.closed
            return lines

    assert asyncio.run(main()) == ["a", "b"]
    assert server.requests[0].extensions["timeout"]["read"] == Config(host=HOST).watch_idle_timeout


def test_sync_stream_error_is_typed() -> None:
    server = Server(reply(403, status_body(403, "Forbidden", "no watching")))
    with (
        httpx.Client(base_url=HOST, transport=httpx.MockTransport(server)) as http,
        RESTClient(Config(host=HOST, qps=0), http_client=http) as rest,
        pytest.raises(Forbidden, match="no watching"),
        rest.stream(GET_POD),
    ):
        pytest.fail("the block must not run")


def test_async_stream_error_is_typed() -> None:
    server = Server(reply(403, status_body(403, "Forbidden", "no watching")))

    async def main() -> None:
        async with (
            httpx.AsyncClient(base_url=HOST, transport=httpx.MockTransport(server)) as http,
            AsyncRESTClient(Config(host=HOST, qps=0), http_client=http) as rest,
            rest.stream(GET_POD),
        ):
            pytest.fail("the block must not run")

    with pytest.raises(Forbidden, match="no watching"):
        asyncio.run(main())


# --- owning the httpx client ----------------------------------------------------------------------


def test_given_client_not_closed() -> None:
    server = Server()
    with httpx.Client(base_url=HOST, transport=httpx.MockTransport(server)) as http:
        rest = RESTClient(Config(host=HOST, qps=0), http_client=http)
        rest.close()
        assert not http.is_closed
        rest.request(GET_POD)


def test_given_async_client_not_closed() -> None:
    async def main() -> None:
        async with httpx.AsyncClient(
            base_url=HOST, transport=httpx.MockTransport(Server())
        ) as http:
            rest = AsyncRESTClient(Config(host=HOST, qps=0), http_client=http)
            await rest.aclose()
            assert not http.is_closed
            await rest.request(GET_POD)

    asyncio.run(main())


@respx.mock(base_url=HOST, assert_all_called=True)
def test_own_client_headers_and_close(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/version").respond(json={"major": "1"})
    rest = RESTClient(Config(host=HOST, qps=0, bearer_token="tok"))
    with rest:
        response = rest.request(Request("GET", "/version"))
        assert response.json() == {"major": "1"}
    assert rest.http.is_closed
    sent = route.calls.last.request
    assert sent.headers["User-Agent"] == f"kubeset/{__version__}"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["Authorization"] == "Bearer tok"


def test_own_async_client_closed() -> None:
    async def main() -> AsyncRESTClient:
        async with respx.mock(base_url=HOST) as mock:
            mock.get("/version").respond(json={})
            async with AsyncRESTClient(Config(host=HOST, qps=0)) as rest:
                await rest.request(Request("GET", "/version"))
                sent = mock.calls.last.request
                assert sent.headers["User-Agent"] == f"kubeset/{__version__}"
            return rest

    rest = asyncio.run(main())
    assert rest.http.is_closed


def test_owned_client_uses_config_base_url() -> None:
    rest = RESTClient(Config(host="http://10.0.0.1:8080/", qps=0))
    with rest:
        assert str(rest.http.base_url) == "http://10.0.0.1:8080"
        built = rest.http.build_request("GET", "/api")
        assert str(built.url) == "http://10.0.0.1:8080/api"


def test_request_json_roundtrip(make: Callable[..., Harness]) -> None:
    h = make(lambda request: httpx.Response(200, json=json.loads(request.content)))
    assert h.request(POST_CM).json() == {"metadata": {"name": "c"}}
