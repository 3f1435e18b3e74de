"""The httpx clients the REST clients send with, made from a :class:`~kubeset.config.Config`:
base URL, headers, timeouts, TLS, proxy and, for ``Config(transport="fast")``, the aiohttp or
urllib3 transport (:mod:`kubeset.transports`); and what the sync and async REST clients share
around them: request URLs, the rate limiter, ``Warning`` header parsing. Retry decisions are in
:mod:`kubeset.retry`, authentication in :mod:`kubeset.auth`."""

from __future__ import annotations

import importlib.util
import re
import ssl
import sys
import urllib.parse
import warnings
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from kubeset.config import Config, ConfigError, InsecureTLSWarning, redact_url
from kubeset.ratelimit import TokenBucket

if TYPE_CHECKING:
    from kubeset.request import Request

__all__ = [
    "check_transport",
    "client_options",
    "make_http_client",
    "make_limiter",
    "parse_warnings",
    "remember_missing_sniffio",
    "request_url",
    "warn_if_insecure",
]


def _proxy(config: Config) -> str:
    url = config.proxy_url or ""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https", "socks5"):
        raise ConfigError(
            f"proxy-url {redact_url(url)!r} has unsupported scheme {scheme!r}: "
            "must be http, https, or socks5"
        )
    if scheme == "socks5" and importlib.util.find_spec("socksio") is None:
        raise ConfigError(
            f"proxy-url {redact_url(url)!r} is a SOCKS5 proxy, which needs the socksio package: "
            "pip install 'kubeset[socks]'"
        )
    return url


#: The package each side of ``transport="fast"`` needs, and the extra that installs it.
_FAST_PACKAGES = {False: "urllib3", True: "aiohttp"}

HTTPClient = TypeVar("HTTPClient", httpx.Client, httpx.AsyncClient)


def client_options(
    config: Config,
    *,
    client_cert: tuple[bytes, bytes] | None = None,
    asynchronous: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client`` (``httpx.AsyncClient`` with ``asynchronous=True``)
    from a :class:`Config`.

    ``client_cert``: a PEM certificate and key to present when the config has none of its own
    (one an exec plugin returned). With ``config.transport == "fast"`` the options carry a
    ``transport`` (:class:`~kubeset.transports.AiohttpTransport` when ``asynchronous``, else
    :class:`~kubeset.transports.Urllib3Transport`) holding the TLS settings and the proxy;
    ``asynchronous`` makes no difference otherwise.
    """
    headers = {"User-Agent": config.user_agent, "Accept": "application/json"}
    if config.disable_compression:
        headers["Accept-Encoding"] = "identity"
    verify = config.ssl_context(client_cert=client_cert)
    options: dict[str, Any] = {
        "base_url": config.host,
        "headers": headers,
        "timeout": httpx.Timeout(config.timeout),
        "follow_redirects": False,
    }
    if config.transport == "fast":
        options["transport"] = _fast_transport(config, verify, asynchronous=asynchronous)
        return options
    options["verify"] = verify
    if config.proxy_url:
        options["proxy"] = _proxy(config)
    return options


def _fast_transport(
    config: Config, verify: ssl.SSLContext | bool, *, asynchronous: bool
) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
    proxy = None
    if config.proxy_url:
        if urllib.parse.urlsplit(config.proxy_url).scheme == "socks5":
            raise ConfigError(
                f"proxy-url {redact_url(config.proxy_url)!r} is a SOCKS5 proxy, which "
                "transport='fast' does not support: use transport='httpx' "
                "(with pip install 'kubeset[socks]')"
            )
        proxy = _proxy(config)
    from kubeset import transports

    if asynchronous:
        return transports.AiohttpTransport(verify=verify, proxy=proxy)
    return transports.Urllib3Transport(verify=verify, proxy=proxy)


def make_http_client(
    cls: type[HTTPClient], config: Config, *, client_cert: tuple[bytes, bytes] | None = None
) -> HTTPClient:
    """A new ``cls`` (``httpx.Client`` or ``httpx.AsyncClient``) for ``config``
    (:func:`client_options`)."""
    asynchronous = issubclass(cls, httpx.AsyncClient)
    if asynchronous and config.transport == "httpx":
        remember_missing_sniffio()
    return cls(**client_options(config, client_cert=client_cert, asynchronous=asynchronous))


def remember_missing_sniffio() -> None:
    """Make a failing ``import sniffio`` fail at once, when sniffio is not installed.

    httpcore (the transport under ``httpx.AsyncClient``) asks sniffio which event loop runs each
    time it makes a lock or semaphore, importing it inside the function. Without sniffio (which
    httpx and anyio no longer require) every such call searches ``sys.path`` again for a module
    that is not there: a third of the client CPU of a small async request. ``None`` in
    ``sys.modules`` is Python's record of a module known to be absent; nothing else changes, as
    the import failed anyway.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def check_transport(cls: type[httpx.Client] | type[httpx.AsyncClient], config: Config) -> None:
    """Raise ``ImportError`` now, naming the extra to install, when ``config.transport`` needs a
    package that is missing for ``cls`` clients (the httpx client itself is made later)."""
    if config.transport != "fast":
        return
    package = _FAST_PACKAGES[issubclass(cls, httpx.AsyncClient)]
    if importlib.util.find_spec(package) is None:
        raise ImportError(
            f"transport='fast' needs the {package} package for {cls.__name__} clients, which is "
            f"not installed: pip install 'kubeset[{package}]' (or use transport='httpx')"
        )


def request_url(base_url: httpx.URL, req: Request) -> httpx.URL | str:
    """``req``'s URL below an httpx client's ``base_url``, parsed once.

    The same URL as ``client.build_request(method, req.path, params=req.params)`` gives, without
    httpx joining the path to the base and then merging the query, each step a new parse of the
    whole URL (about a tenth of a small request's client CPU). Without an absolute base (a
    caller's own client) the relative path is returned for httpx to handle as it would.
    """
    if not base_url.is_absolute_url:
        return req.url_path
    return httpx.URL(str(base_url).rstrip("/") + req.url_path)


def warn_if_insecure(config: Config) -> None:
    """Warn (:class:`~kubeset.config.InsecureTLSWarning`) when TLS verification is off."""
    if config.insecure_skip_tls_verify and config.host.startswith("https://"):
        warnings.warn(
            f"insecure-skip-tls-verify is set for {config.host}: the server's certificate is "
            "not verified, and anyone on the path can read and change the traffic",
            InsecureTLSWarning,
            stacklevel=3,
        )


def make_limiter(config: Config) -> TokenBucket | None:
    """The shared token bucket, or ``None`` when ``qps <= 0`` disables rate limiting."""
    return TokenBucket(config.qps, config.burst) if config.qps > 0 else None


_WARNING = re.compile(r'\s*(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"')


def parse_warnings(values: list[str]) -> list[str]:
    """The messages of RFC 7234 ``Warning`` headers (``299 - "message"``)."""
    messages = []
    for value in values:
        pos = 0
        while pos < len(value):
            match = _WARNING.match(value, pos)
            if not match:
                break
            messages.append(re.sub(r"\\(.)", r"\1", match.group(3)))
            pos = match.end()
            rest = value[pos:].lstrip()
            if rest.startswith('"'):  # an optional warn-date
                end = rest.find('"', 1)
                rest = rest[end + 1 :] if end > 0 else ""
            rest = rest.lstrip()
            if not rest.startswith(","):
                break
            pos = len(value) - len(rest) + 1
    return messages
