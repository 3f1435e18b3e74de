"""Client configuration: where the API server is and how to talk to it.

:class:`Config` is the Python counterpart of client-go's ``rest.Config``, with its TLS settings
(:meth:`Config.ssl_context`). It is built from kubeconfig files, from the pod's service account,
by client-go's flag fallbacks, or by trying both: see :mod:`kubeset.kubeconfig`
(:func:`~kubeset.kubeconfig.load_kubeconfig`, :func:`~kubeset.kubeconfig.in_cluster_config`,
:func:`~kubeset.kubeconfig.build_config_from_flags`, :func:`~kubeset.kubeconfig.load_config`).

Defaults (documented, overridable): ``qps=50`` and ``burst=100`` for the client-side token bucket
(set ``qps=0`` to disable rate limiting), ``timeout=30`` seconds per attempt (to connect, and for
each read: watches and log streams are not cut by it), ``call_timeout=60`` seconds for a whole
call with its retries and backoff, ``watch_idle_timeout=120`` seconds of silence before a watch or
log stream is given up, ``max_retries=5`` for requests the server throttled or failed
transiently, ``max_connections=100`` and ``max_keepalive_connections=20`` per connection pool,
``http2=False``, ``transport="httpx"`` (see :class:`Config`).
"""

from __future__ import annotations

import logging
import os
import ssl
import tempfile
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from kubeset._version import __version__
from kubeset.errors import KubesetError

__all__ = [
    "DEFAULT_BURST",
    "DEFAULT_QPS",
    "AuthProviderConfig",
    "Config",
    "ConfigError",
    "EmptyConfigError",
    "ExecConfig",
    "Impersonation",
    "InsecureTLSWarning",
    "TransportName",
    "redact_url",
]

DEFAULT_QPS = 50.0
DEFAULT_BURST = 100
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_CALL_TIMEOUT = 60.0
DEFAULT_WATCH_IDLE_TIMEOUT = 120.0
DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_MAX_KEEPALIVE_CONNECTIONS = 20
EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")
#: What carries the requests under httpx's client (:attr:`Config.transport`).
TransportName = Literal["httpx", "fast"]
TRANSPORTS: tuple[str, ...] = get_args(TransportName)

_log = logging.getLogger("kubeset")


class ConfigError(KubesetError):
    """A kubeconfig or in-cluster configuration is missing, malformed or inconsistent."""


class EmptyConfigError(ConfigError):
    """No configuration was found: no kubeconfig file, or no context to use in it.

    :func:`~kubeset.kubeconfig.load_config` falls back to the in-cluster configuration on this
    error only, like client-go's deferred loading.
    """


class InsecureTLSWarning(UserWarning):
    """A client was built with ``insecure-skip-tls-verify``: the server is not authenticated."""


def _log_warning(message: str) -> None:
    _log.warning("server warning: %s", message)


def redact_url(url: str) -> str:
    """``url`` with the password of its user info (``http://user:pass@proxy``) replaced."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class Impersonation:
    """Who to act as (kubeconfig ``as``, ``as-uid``, ``as-groups``, ``as-user-extra``).

    Sent as ``Impersonate-User``, ``Impersonate-Uid``, one ``Impersonate-Group`` per group and
    ``Impersonate-Extra-<key>`` headers.
    """

    user: str
    uid: str | None = None
    groups: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class ExecConfig:
    """A client-go credential plugin (kubeconfig ``users[].user.exec``).

    ``env`` values and the cluster's ``config`` extension are left out of ``repr()``: they may
    hold secrets.
    """

    command: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    api_version: str = "client.authentication.k8s.io/v1"
    install_hint: str | None = None
    provide_cluster_info: bool = False
    interactive_mode: str = "IfAvailable"
    cluster_config: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.command:
            raise ConfigError("an exec plugin needs a command")
        if self.api_version not in EXEC_API_VERSIONS:
            raise ConfigError(
                f"exec plugin apiVersion {self.api_version!r} is not supported "
                f"(supported: {', '.join(EXEC_API_VERSIONS)})"
            )
        if self.interactive_mode not in INTERACTIVE_MODES:
            raise ConfigError(
                f"exec plugin interactiveMode {self.interactive_mode!r} is not one of "
                f"{', '.join(INTERACTIVE_MODES)}"
            )

    @property
    def env_names(self) -> tuple[str, ...]:
        """The names of the extra environment variables (their values stay private)."""
        return tuple(name for name, _ in self.env)


#: Keys of an auth-provider config whose values are not secret (shown in ``repr()``).
_PUBLIC_PROVIDER_KEYS = frozenset({"idp-issuer-url", "client-id", "idp-certificate-authority"})


@dataclass(frozen=True)
class AuthProviderConfig:
    """A kubeconfig ``auth-provider`` (only ``oidc`` is supported).

    ``persist_path`` and ``user_name`` say where refreshed tokens are written back (the kubeconfig
    file that defined the user, as client-go does); ``None`` keeps them in memory only.
    """

    name: str
    config: Mapping[str, str] = field(default_factory=dict, repr=False)
    persist_path: str | None = None
    user_name: str | None = None

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.config.items() if k in _PUBLIC_PROVIDER_KEYS}
        hidden = sorted(k for k in self.config if k not in _PUBLIC_PROVIDER_KEYS)
        return (
            f"AuthProviderConfig(name={self.name!r}, config={shown!r}, "
            f"secret_keys={hidden!r}, persist_path={self.persist_path!r})"
        )


#: Config fields whose values never appear in ``repr()``.
_SECRET_FIELDS = frozenset({"ca_data", "cert_data", "key_data", "bearer_token", "password"})


@dataclass(repr=False)
class Config:
    """Everything needed to reach one API server as one user.

    Secrets (``bearer_token``, ``password``, ``key_data``, exec ``env`` values, auth-provider
    tokens, a proxy password) are left out of ``repr()`` and ``str()``.

    Credentials, in client-go's order of precedence: ``bearer_token_file`` (re-read every minute;
    ``bearer_token`` is used while it cannot be read) or ``bearer_token``; else ``username`` and
    ``password``; else ``exec_provider`` or ``auth_provider``. A client certificate
    (``cert_file``/``cert_data`` with ``key_file``/``key_data``) can go with any of them, and takes
    precedence over one returned by an exec plugin.

    ``transport`` chooses what sends the requests below httpx's client: ``"httpx"`` (the default)
    is httpx's own transport (httpcore); ``"fast"`` is :class:`~kubeset.transports.AiohttpTransport`
    for the async clients and :class:`~kubeset.transports.Urllib3Transport` for the sync ones,
    which cost less client CPU per request (``pip install 'kubeset[fast]'``, or the ``aiohttp`` or
    ``urllib3`` extra for one side). Both apply the same TLS settings, proxy and timeouts; a SOCKS
    ``proxy_url`` needs ``"httpx"``.

    Time limits:

    - ``timeout`` (30 s): per attempt, to connect, to send, to get a free connection, and for
      each read of the response (not for the whole body: a watch is not cut by it).
    - ``call_timeout`` (60 s; ``None``: no limit): the most a call (``get``, ``list``,
      ``create`` …, or opening a watch or log stream) may take, from the first attempt to the
      last, retries, their backoff and waiting for the rate limiter included. What is left of it
      caps each attempt's timeouts; a call that runs out raises the last attempt's error (or
      :class:`~kubeset.errors.RequestTimeout`). 60 s is the kube-apiserver's own default
      ``--request-timeout``, after which it answers a short request with 504 anyway, and it leaves
      room for one more attempt after an attempt that timed out.
    - ``watch_idle_timeout`` (120 s; ``None``: wait for ever): the longest a watch or followed
      log stream may stay silent (no byte) before it is given up with
      :class:`~kubeset.errors.RequestTimeout`, so that a server or proxy that stopped relaying
      cannot leave a controller waiting unawares. The API server sends a bookmark on a watch
      about every minute when asked to (``allow_watch_bookmarks=True``): 120 s is two bookmark
      intervals. A watch on a quiet resource without bookmarks, or a quiet followed log, ends
      after it with that error: resume from ``Watch.resource_version`` (what client-go's
      reflector does after its watches' 5-10 min server-side timeouts). A watch with
      ``timeout_seconds`` is also given up when the server has not ended it 10 s after that.

    Connections: requests and streams (watches, followed logs) use separate connection pools,
    so that open watches never hold up requests: each pool opens at most ``max_connections``
    connections and keeps at most ``max_keepalive_connections`` idle ones; with HTTP/1.1 each
    connection carries one request or stream at a time, so at most ``max_connections`` streams
    are open at once (raise it for more watches). ``http2=True`` speaks HTTP/2 when the server
    offers it (ALPN, as the kube-apiserver does over TLS; needs the ``h2`` package:
    ``pip install 'kubeset[http2]'``): each connection then carries up to 100 requests or
    streams, many watches share a few connections, as with client-go, and the stream pools grow
    to up to ``max_connections`` connections. It is off by default because httpcore (1.0.x) loses
    a response that arrives on a connection the server is closing gracefully (HTTP/2 GOAWAY):
    the kube-apiserver closes an HTTP/2 connection after every 401 (so a wrong token gives
    :class:`~kubeset.errors.ConnectionFailed` rather than
    :class:`~kubeset.errors.Unauthorized`), and with ``--goaway-chance`` after random
    requests. TCP keepalive is on for every connection (a peer that vanished is noticed after
    about a minute). The ``"fast"`` transports speak HTTP/1.1 only, with one pool of
    ``max_connections`` connections.
    """

    host: str
    ca_file: str | None = None
    ca_data: bytes | None = None
    cert_file: str | None = None
    cert_data: bytes | None = None
    key_file: str | None = None
    key_data: bytes | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    bearer_token: str | None = None
    bearer_token_file: str | None = None
    username: str | None = None
    password: str | None = None
    namespace: str = "default"
    qps: float = DEFAULT_QPS
    burst: int = DEFAULT_BURST
    timeout: float | None = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    user_agent: str = f"kubeset/{__version__}"
    proxy_url: str | None = None
    disable_compression: bool = False
    warning_handler: Callable[[str], None] | None = _log_warning
    exec_provider: ExecConfig | None = None
    auth_provider: AuthProviderConfig | None = None
    impersonate: Impersonation | None = None
    transport: TransportName = "httpx"
    call_timeout: float | None = DEFAULT_CALL_TIMEOUT
    watch_idle_timeout: float | None = DEFAULT_WATCH_IDLE_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_keepalive_connections: int = DEFAULT_MAX_KEEPALIVE_CONNECTIONS
    http2: bool = False

    def __post_init__(self) -> None:
        if self.max_connections < 1:
            raise ConfigError("max_connections must be at least 1")
        if self.max_keepalive_connections < 0:
            raise ConfigError("max_keepalive_connections must not be negative")
        if self.transport not in TRANSPORTS:
            raise ConfigError(
                f"transport {self.transport!r} is not one of {', '.join(map(repr, TRANSPORTS))}"
            )
        self.host = self.host.rstrip("/")
        if not self.host.startswith(("http://", "https://")):
            self.host = "https://" + self.host

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            if f.name in _SECRET_FIELDS or f.name == "warning_handler":
                continue
            value = getattr(self, f.name)
            if f.name == "proxy_url" and value is not None:
                value = redact_url(value)
            parts.append(f"{f.name}={value!r}")
        for name in sorted(_SECRET_FIELDS):
            if getattr(self, name) is not None:
                parts.append(f"{name}=<hidden>")
        return f"Config({', '.join(parts)})"

    __str__ = __repr__

    def copy(self, **changes: Any) -> Config:
        """A copy with some fields changed (``cfg.copy(qps=0)``)."""
        return replace(self, **changes)

    def has_ca(self) -> bool:
        """True when a cluster CA (file or data) replaces the system trust store."""
        return bool(self.ca_file or self.ca_data)

    def ssl_context(
        self, *, client_cert: tuple[bytes, bytes] | None = None
    ) -> ssl.SSLContext | bool:
        """TLS settings for httpx.

        Verifies the server against the cluster CA (``ca_data`` wins over ``ca_file``, as in
        client-go) or the system trust store; ``insecure_skip_tls_verify`` gives a context that
        does not verify. Presents the configured client certificate, else ``client_cert`` (PEM
        certificate and key, e.g. from an exec plugin).
        """
        if not self.host.startswith("https://"):
            return True
        if self.insecure_skip_tls_verify and self.has_ca():
            raise ConfigError(
                "a certificate authority and insecure-skip-tls-verify cannot both be set "
                "(client-go refuses this too): remove one"
            )
        if self.ca_data:
            try:
                ctx = ssl.create_default_context(cadata=self.ca_data.decode())
            except (ssl.SSLError, ValueError) as exc:
                raise ConfigError(
                    f"certificate-authority-data is not a valid PEM CA: {_ssl_reason(exc)}"
                ) from None
        else:
            try:
                ctx = ssl.create_default_context(cafile=self.ca_file)
            except (ssl.SSLError, OSError) as exc:
                raise ConfigError(
                    f"cannot load certificate-authority {self.ca_file}: {_ssl_reason(exc)}"
                ) from None
        if self.insecure_skip_tls_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.cert_file or self.cert_data:
            _load_client_cert(
                ctx,
                cert_file=self.cert_file,
                cert_data=self.cert_data,
                key_file=self.key_file,
                key_data=self.key_data,
            )
        elif client_cert is not None:
            _load_client_cert(
                ctx,
                cert_file=None,
                cert_data=client_cert[0],
                key_file=None,
                key_data=client_cert[1],
                what="exec plugin's",
            )
        return ctx


def _ssl_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _load_client_cert(
    ctx: ssl.SSLContext,
    *,
    cert_file: str | None,
    cert_data: bytes | None,
    key_file: str | None,
    key_data: bytes | None,
    what: str = "",
) -> None:
    """Load a client certificate and key into ``ctx``.

    ``ssl`` loads only from files: ``-data`` goes through files created 0600 in a private (0700)
    temporary directory that is removed before this returns, whatever happens.
    """
    if not (key_file or key_data):
        raise ConfigError("a client certificate is configured but no client key")
    with tempfile.TemporaryDirectory(prefix="kubeset-") as tmp:
        cert_path = cert_file
        key_path = key_file
        if cert_data is not None:
            cert_path = _write_private(Path(tmp) / "client.crt", cert_data)
        if key_data is not None:
            key_path = _write_private(Path(tmp) / "client.key", key_data)
        try:
            ctx.load_cert_chain(str(cert_path), str(key_path))
        except (ssl.SSLError, OSError) as exc:
            cert_name = cert_file or "client-certificate-data"
            key_name = key_file or "client-key-data"
            prefix = f"{what} " if what else ""
            raise ConfigError(
                f"cannot load {prefix}client certificate {cert_name} with key {key_name}: "
                f"{_ssl_reason(exc)}"
            ) from None


def _write_private(path: Path, data: bytes) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return str(path)
