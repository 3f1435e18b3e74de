"""Retry policy (``kubeset.retry``), ``Warning`` parsing, token bucket and httpx client options
(``kubeset.httpclient``)."""

from __future__ import annotations

import asyncio
import email.utils
import time

import httpx
import pytest

from kubeset.config import Config
from kubeset.httpclient import client_options, make_limiter, parse_warnings
from kubeset.ratelimit import TokenBucket
from kubeset.retry import MAX_BACKOFF, retry_delay


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- retry_delay -----------------------------------------------------------------------------------


class TestRetryDelay:
    @pytest.mark.parametrize("code", [429, 500, 502, 503, 504])
    def test_get_retried_on_transient_codes(self, code: int) -> None:
        assert retry_delay("GET", code, httpx.Headers(), 0) == pytest.approx(0.2)

    def test_get_retried_on_connection_error(self) -> None:
        assert retry_delay("GET", None, None, 0) == pytest.approx(0.2)
        assert retry_delay("HEAD", None, None, 1) == pytest.approx(0.4)

    @pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 410, 422, 501])
    def test_get_not_retried_on_other_codes(self, code: int) -> None:
        assert retry_delay("GET", code, httpx.Headers(), 0) is None

    @pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
    def test_writes_only_retried_on_429(self, method: str) -> None:
        assert retry_delay(method, 429, httpx.Headers(), 0) == pytest.approx(0.2)
        for code in (500, 502, 503, 504):
            assert retry_delay(method, code, httpx.Headers(), 0) is None
        assert retry_delay(method, None, None, 0) is None

    def test_retry_after_seconds(self) -> None:
        assert retry_delay("GET", 503, httpx.Headers({"Retry-After": "3"}), 0) == 3.0
        assert retry_delay("POST", 429, httpx.Headers({"Retry-After": "0"}), 4) == 0.0
        assert retry_delay("GET", 429, httpx.Headers({"Retry-After": "1.5"}), 0) == 1.5

    def test_retry_after_negative_is_zero(self) -> None:
        assert retry_delay("GET", 429, httpx.Headers({"Retry-After": "-5"}), 0) == 0.0

    def test_retry_after_http_date(self) -> None:
        when = email.utils.formatdate(time.time() + 5, usegmt=True)
        delay = retry_delay("GET", 503, httpx.Headers({"Retry-After": when}), 0)
        assert delay is not None
        # HTTP dates have one-second resolution.
        assert 3.0 <= delay <= 5.0

    def test_retry_after_date_in_the_past(self) -> None:
        when = email.utils.formatdate(time.time() - 3600, usegmt=True)
        assert retry_delay("GET", 503, httpx.Headers({"Retry-After": when}), 0) == 0.0

    def test_retry_after_garbage_falls_back_to_backoff(self) -> None:
        headers = httpx.Headers({"Retry-After": "soon-ish"})
        assert retry_delay("GET", 503, headers, 2) == pytest.approx(0.8)

    def test_retry_after_is_capped(self) -> None:
        delay = retry_delay("GET", 429, httpx.Headers({"Retry-After": "86400"}), 0)
        assert delay == MAX_BACKOFF * 3

    def test_exponential_backoff_capped(self) -> None:
        delays = [retry_delay("GET", 503, httpx.Headers(), n) for n in range(10)]
        assert delays[:5] == pytest.approx([0.2, 0.4, 0.8, 1.6, 3.2])
        assert all(d == MAX_BACKOFF for d in delays[6:])
        assert delays == sorted(d for d in delays if d is not None)

    def test_headers_none(self) -> None:
        assert retry_delay("GET", 503, None, 0) == pytest.approx(0.2)


# --- parse_warnings -----------------------------------------------------------------------------


class TestParseWarnings:
    def test_single(self) -> None:
        assert parse_warnings(['299 - "policy/v1beta1 PodSecurityPolicy is deprecated"']) == [
            "policy/v1beta1 PodSecurityPolicy is deprecated"
        ]

    def test_multiple_headers(self) -> None:
        assert parse_warnings(['299 - "one"', '299 - "two"']) == ["one", "two"]

    def test_comma_separated(self) -> None:
        value = '299 - "first, with a comma", 299 kube-apiserver "second"'
        assert parse_warnings([value]) == ["first, with a comma", "second"]

    def test_escaped_quotes(self) -> None:
        value = r'299 - "unknown field \"spec.foo\"", 299 - "back\\slash"'
        assert parse_warnings([value]) == ['unknown field "spec.foo"', "back\\slash"]

    def test_with_warn_date(self) -> None:
        value = '299 - "dated" "Sat, 25 Aug 2012 23:34:45 GMT", 299 - "next"'
        assert parse_warnings([value]) == ["dated", "next"]

    def test_warn_date_at_end(self) -> None:
        assert parse_warnings(['299 - "only" "Sat, 25 Aug 2012 23:34:45 GMT"']) == ["only"]

    def test_garbage_ignored(self) -> None:
        assert parse_warnings(["not a warning"]) == []
        assert parse_warnings([""]) == []
        assert parse_warnings(['299 - "ok" trailing junk']) == ["ok"]

    def test_empty_message(self) -> None:
        assert parse_warnings(['299 - ""']) == [""]


# --- TokenBucket ---------------------------------------------------------------------------------


class TestTokenBucket:
    def test_burst_then_qps(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket(10, 3, clock=clock)
        assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
        # Out of tokens: each further request waits one more tenth of a second.
        assert bucket.reserve() == pytest.approx(0.1)
        assert bucket.reserve() == pytest.approx(0.2)
        assert bucket.reserve() == pytest.approx(0.3)

    def test_refill_over_time(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket(2, 1, clock=clock)
        assert bucket.reserve() == 0.0
        assert bucket.reserve() == pytest.approx(0.5)
        clock.advance(0.5)  # the reserved token has been paid for
        assert bucket.reserve() == pytest.approx(0.5)
        clock.advance(10)  # refills, but never beyond burst
        assert bucket.reserve() == 0.0
        assert bucket.reserve() == pytest.approx(0.5)

    def test_steady_pacing(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket(5, 1, clock=clock)
        bucket.reserve()
        for _ in range(20):
            delay = bucket.reserve()
            assert delay == pytest.approx(0.2)
            clock.advance(delay)

    def test_burst_at_least_one(self) -> None:
        bucket = TokenBucket(1, 0, clock=FakeClock())
        assert bucket.burst == 1
        assert bucket.reserve() == 0.0
        assert bucket.reserve() == pytest.approx(1.0)

    @pytest.mark.parametrize("qps", [0, -1])
    def test_qps_must_be_positive(self, qps: float) -> None:
        with pytest.raises(ValueError, match="qps must be positive"):
            TokenBucket(qps, 10)

    def test_make_limiter(self) -> None:
        assert make_limiter(Config(host="h", qps=0)) is None
        assert make_limiter(Config(host="h", qps=-1)) is None
        limiter = make_limiter(Config(host="h", qps=7, burst=3))
        assert isinstance(limiter, TokenBucket)
        assert (limiter.qps, limiter.burst) == (7.0, 3)


# --- client_options --------------------------------------------------------------------------------


class TestClientOptions:
    def test_defaults(self) -> None:
        opts = client_options(Config(host="http://127.0.0.1:8080", timeout=12))
        assert opts["base_url"] == "http://127.0.0.1:8080"
        assert opts["headers"]["User-Agent"].startswith("kubeset/")
        assert opts["headers"]["Accept"] == "application/json"
        assert "Accept-Encoding" not in opts["headers"]
        assert opts["timeout"] == httpx.Timeout(12)
        assert opts["follow_redirects"] is False
        assert "proxy" not in opts

    def test_proxy_and_compression(self) -> None:
        opts = client_options(
            Config(host="http://h", proxy_url="http://proxy:3128", disable_compression=True)
        )
        assert opts["proxy"] == "http://proxy:3128"
        assert opts["headers"]["Accept-Encoding"] == "identity"

    def test_custom_user_agent(self) -> None:
        opts = client_options(Config(host="http://h", user_agent="my-operator/1.2"))
        assert opts["headers"]["User-Agent"] == "my-operator/1.2"


# --- request_url, sniffio ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "params"),
    [
        ("https://10.0.0.1:6443", ()),
        ("https://10.0.0.1:6443/", (("labelSelector", "app=x,tier in (a,b)"), ("limit", "5"))),
        ("https://rancher.example/k8s/clusters/c-1", (("fieldSelector", "metadata.name!=x"),)),
        ("https://rancher.example/k8s/clusters/c-1/", (("watch", "true"),)),
    ],
)
def test_request_url_is_what_httpx_would_build(
    base: str, params: tuple[tuple[str, str], ...]
) -> None:
    from kubeset.httpclient import request_url
    from kubeset.request import Request

    client = httpx.Client(base_url=base)
    req = Request("GET", "/api/v1/namespaces/default/roles/system:controller:x", params)
    expected = client.build_request("GET", req.path, params=req.params).url
    assert client.build_request("GET", request_url(client.base_url, req)).url == expected


def test_request_url_without_a_base_is_left_to_httpx() -> None:
    from kubeset.httpclient import request_url
    from kubeset.request import Request

    req = Request("GET", "/api", (("a", "b c"),))
    assert request_url(httpx.Client().base_url, req) == "/api?a=b+c"


def test_missing_sniffio_is_remembered_for_async_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    import sys

    from kubeset.httpclient import make_http_client

    real_find_spec = importlib.util.find_spec
    monkeypatch.delitem(sys.modules, "sniffio", raising=False)
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "sniffio" else real_find_spec(name, *a),
    )
    config = Config(host="https://127.0.0.1:6443")
    make_http_client(httpx.Client, config).close()
    assert "sniffio" not in sys.modules  # sync clients do not use it
    client = make_http_client(httpx.AsyncClient, config)
    assert sys.modules["sniffio"] is None
    with pytest.raises(ImportError):
        import sniffio  # noqa: F401
    asyncio.run(client.aclose())
