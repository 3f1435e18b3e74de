"""Authentication: the credentials each request carries, as I/O-free flows.

The flow is an I/O-free state machine: generator functions that *yield effects* — run a command
(:class:`RunCommand`), read a file (:class:`ReadFile`), make an HTTP request
(:class:`HttpRequest`), write refreshed tokens back (:class:`PersistTokens`), wait
(:class:`Sleep`) — and receive their results. A runner performs the effects:
:class:`~kubeset._async.auth.AsyncAuthRunner` (the async REST client's; written once, in
``kubeset/_async/auth.py``) and :class:`~kubeset._sync.auth.AuthRunner` (the sync REST client's,
generated from it), with the blocking I/O of :mod:`kubeset._auth_io`. Both are importable from
here too (``from kubeset.auth import AuthRunner``). The REST clients drive them::

    creds = runner.credentials()          # cached; runs a plugin only when needed
    send the request with authenticator.headers(creds)
    on 401: if runner.unauthorized(creds): send it once more with runner.credentials()

How each kind of credential behaves:

- ``token``, ``username``/``password``: fixed; a 401 is final.
- Every credential that goes into a header as it is (a token from the config, a token file or a
  plugin, an id-token, impersonated names) is checked where it is made: one with a line break or
  another control character raises :class:`~kubeset.config.ConfigError` naming the credential,
  never showing it (an HTTP library's own error, and its DEBUG log, would print it in full).
- ``tokenFile`` (and the in-cluster service-account token): re-read every minute; after a 401 the
  next request re-reads it (client-go's behaviour: the rejected request is not repeated). While
  the file cannot be read, the last token read (else ``token``) is used.
- ``exec`` plugins: run on first use and cached until the credential's ``expirationTimestamp``,
  one cache per plugin configuration for the whole process (as client-go's), shared by sync and
  async clients and safe across threads: concurrent requests that need a credential run the
  plugin once. After a 401 the plugin is run again (unless another request already did) and, if
  the credential changed, the request is sent once more — a 401 comes from authentication, before
  the server acted, so this holds for writes too. Plugin stderr is passed through to
  ``sys.stderr`` (prompts of interactive logins) and kept for error messages. A run is bounded:
  a plugin still running after :data:`EXEC_TIMEOUT` (180 s; :data:`EXEC_INTERACTIVE_TIMEOUT`,
  600 s, when it was given the terminal) is killed with the processes it started and
  :class:`ExecPluginError` names it; set these module attributes to change the bounds.
- ``oidc`` auth provider: the ``id-token`` is used until 10 s before its expiry, then refreshed
  with the ``refresh-token`` at the issuer's token endpoint, and the new tokens are written back
  to the kubeconfig file the user came from (as kubectl does).

Impersonation (``as``, ``as-uid``, ``as-groups``, ``as-user-extra``) adds ``Impersonate-*``
headers to every request.

A client certificate returned by an exec plugin changes the TLS identity: the REST client compares
``authenticator.client_cert(creds)`` with the certificate its httpx client was built with, and
builds a new httpx client when it changes (the old one is kept, so that streams in flight on it
finish, and closed with the REST client).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx

from kubeset.config import AuthProviderConfig, Config, ConfigError, ExecConfig, Impersonation
from kubeset.kubeconfig import header_value_problem

if TYPE_CHECKING:
    from kubeset._async.auth import AsyncAuthRunner
    from kubeset._sync.auth import AuthRunner

__all__ = [
    "AsyncAuthRunner",
    "AuthRunner",
    "Authenticator",
    "CommandResult",
    "CredentialCache",
    "Credentials",
    "ExecPluginError",
    "HttpRequest",
    "HttpResult",
    "KubeAuth",
    "PersistTokens",
    "ReadFile",
    "RunCommand",
    "Sleep",
    "clear_credential_cache",
]

T = TypeVar("T")

TOKEN_FILE_REFRESH = 60.0
#: How often a request waiting for another one's plugin run or token refresh looks again.
WAIT_INTERVAL = 0.02
#: An OIDC id-token is refreshed this many seconds before it expires (client-go's expiryDelta).
OIDC_EXPIRY_DELTA = 10.0
OIDC_HTTP_TIMEOUT = 30.0
STDERR_KEPT = 4096
#: The longest an exec credential plugin may run, in seconds, when it has no terminal: then it is
#: killed (its process group with it) and :class:`ExecPluginError` raised. 180 s leaves room for
#: a browser login (kubelogin's own limit is 180 s); ``None``: no limit (client-go's behaviour).
EXEC_TIMEOUT: float | None = 180.0
#: The same for a plugin that was given the terminal (``interactiveMode`` and a terminal on
#: standard input): a person may be typing a password or a one-time code.
EXEC_INTERACTIVE_TIMEOUT: float | None = 600.0

_log = logging.getLogger("kubeset")


class ExecPluginError(ConfigError):
    """An exec credential plugin is missing, failed, or returned something unusable.

    Attributes: ``command``, ``exit_code`` (``None`` if it did not run), ``stderr`` (its last
    4 KiB) and ``install_hint`` (from the kubeconfig); all of them are in the message.
    """

    def __init__(
        self,
        message: str,
        *,
        command: str,
        exit_code: int | None = None,
        stderr: str = "",
        install_hint: str | None = None,
    ) -> None:
        self.command = command
        self.exit_code = exit_code
        self.stderr = stderr
        self.install_hint = install_hint
        full = message
        if stderr:
            full += f"\nstderr:\n{stderr}"
        if install_hint:
            full += f"\n\n{install_hint}"
        super().__init__(full)


# --- effects and their results --------------------------------------------------------------------


@dataclass(frozen=True)
class Sleep:
    """Wait (for another request's plugin run or refresh to finish)."""

    seconds: float


@dataclass(frozen=True)
class ReadFile:
    """Read a file; the result is its bytes, or the ``OSError``."""

    path: str


@dataclass(frozen=True)
class RunCommand:
    """Run a credential plugin; the result is a :class:`CommandResult`.

    ``interactive``: the plugin gets this process's stdin (else ``/dev/null``). ``timeout``: the
    plugin is killed after this many seconds (``None``: no limit).
    """

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(repr=False)
    interactive: bool = False
    timeout: float | None = None


@dataclass(frozen=True)
class CommandResult:
    """How a command ended; ``error`` is set (``returncode`` ``None``) if it did not start;
    ``timed_out`` if it was killed for running longer than its ``timeout``."""

    returncode: int | None
    stdout: bytes = field(default=b"", repr=False)
    stderr: bytes = b""
    error: OSError | None = None
    timed_out: bool = False


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request to an identity provider; the result is an :class:`HttpResult`."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    form: tuple[tuple[str, str], ...] | None = field(default=None, repr=False)
    ca_file: str | None = None
    ca_data: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class HttpResult:
    """An HTTP response (``status`` ``None`` and ``error`` set when no response came)."""

    status: int | None
    body: bytes = field(default=b"", repr=False)
    error: str | None = None


@dataclass(frozen=True)
class PersistTokens:
    """Write refreshed auth-provider tokens back into the kubeconfig that defined ``user``."""

    path: str
    user: str
    values: Mapping[str, str] = field(repr=False)


Effect = Sleep | ReadFile | RunCommand | HttpRequest | PersistTokens
Flow = Generator[Effect, Any, T]


def _value(value: T) -> Flow[T]:
    """A flow that needs no effect."""
    return value
    yield  # a generator function, so that it can be driven like any other flow


# --- credentials ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Credentials:
    """What one request authenticates with. Compared by identity; secrets are not in ``repr()``.

    ``kind``: ``none``, ``token``, ``token-file``, ``basic``, ``exec`` or ``oidc``.
    ``client_cert``: PEM certificate and key from an exec plugin. ``expires_at``: POSIX time.
    ``serial`` grows with every credential made, so that the newer of two is known.
    """

    kind: str
    token: str | None = None
    username: str | None = None
    password: str | None = None
    client_cert: tuple[bytes, bytes] | None = None
    expires_at: float | None = None
    serial: int = field(default_factory=itertools.count().__next__)

    def __repr__(self) -> str:
        has = [name for name in ("token", "password", "client_cert") if getattr(self, name)]
        return (
            f"Credentials(kind={self.kind!r}, username={self.username!r}, "
            f"secrets={has!r}, expires_at={self.expires_at!r})"
        )

    __str__ = __repr__

    def same_secret(self, other: Credentials) -> bool:
        """True when both would authenticate the same way."""
        return (self.token, self.username, self.password, self.client_cert) == (
            other.token,
            other.username,
            other.password,
            other.client_cert,
        )


NO_CREDENTIALS = Credentials("none")


class _Source(Protocol):
    def credentials(self) -> Flow[Credentials]: ...

    def unauthorized(self, used: Credentials) -> Flow[bool]: ...


def _check_header_value(value: str | None, what: str) -> None:
    """ConfigError if ``value`` cannot go into a header; the message never shows the value (an
    HTTP library's own error, and its DEBUG log, would print it in full)."""
    problem = header_value_problem(value) if value else None
    if problem is not None:
        raise ConfigError(f"{what} {problem} (the value is not shown)")


class _Static:
    """A token or username/password: never changes, nothing to refresh."""

    def __init__(self, creds: Credentials) -> None:
        self._creds = creds

    def credentials(self) -> Flow[Credentials]:
        return _value(self._creds)

    def unauthorized(self, used: Credentials) -> Flow[bool]:
        return _value(False)


class _TokenFile:
    """A token file re-read every minute, and on the next request after a 401."""

    def __init__(
        self, path: str, fallback: str | None, clock: Callable[[], float], refresh: float
    ) -> None:
        self._path = path
        self._fallback = fallback
        self._clock = clock
        self._refresh = refresh
        self._lock = threading.Lock()
        self._cached: Credentials | None = None
        self._expires = 0.0

    def credentials(self) -> Flow[Credentials]:
        with self._lock:
            if self._cached is not None and self._clock() < self._expires:
                return self._cached
        data = yield ReadFile(self._path)
        token: str | None = None
        problem = ""
        if isinstance(data, OSError):
            problem = (
                "does not exist"
                if isinstance(data, FileNotFoundError)
                else data.strerror or type(data).__name__
            )
        else:
            try:
                token = bytes(data).decode().strip()
            except UnicodeDecodeError:
                problem = "not UTF-8 text"
        if token is None:
            with self._lock:
                previous = self._cached
            if previous is not None:
                _log.error(
                    "cannot re-read token file %s (%s); using the last token", self._path, problem
                )
                return previous
            if self._fallback:
                return Credentials("token", token=self._fallback)
            raise ConfigError(f"cannot read token file {self._path}: {problem}")
        _check_header_value(token, f"the token in token file {self._path}")
        creds = Credentials("token-file", token=token or None)
        with self._lock:
            self._cached = creds
            self._expires = self._clock() + self._refresh
        return creds

    def unauthorized(self, used: Credentials) -> Flow[bool]:
        with self._lock:
            if self._cached is used:
                self._expires = 0.0  # re-read on the next request
        return _value(False)


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def _parse_time(value: str) -> float:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


class _Exec:
    """An exec credential plugin: run once, cached until expiry, re-run after a 401."""

    def __init__(
        self,
        config: ExecConfig,
        cluster: dict[str, Any] | None,
        wall_clock: Callable[[], float],
        stdin_is_terminal: Callable[[], bool],
    ) -> None:
        self._config = config
        self._cluster = cluster
        self._wall_clock = wall_clock
        self._stdin_is_terminal = stdin_is_terminal
        self._lock = threading.Lock()
        self._creds: Credentials | None = None
        self._refreshing = False
        self.runs = 0
        """How many times the plugin was started."""

    def _valid(self, creds: Credentials | None) -> bool:
        if creds is None:
            return False
        return creds.expires_at is None or self._wall_clock() < creds.expires_at

    def credentials(self) -> Flow[Credentials]:
        while True:
            with self._lock:
                if self._creds is not None and self._valid(self._creds):
                    return self._creds
                if not self._refreshing:
                    self._refreshing = True
                    break
            yield Sleep(WAIT_INTERVAL)  # another request is running the plugin
        try:
            creds = yield from self._run()
            with self._lock:
                self._creds = creds
            return creds
        finally:
            with self._lock:
                self._refreshing = False

    def unauthorized(self, used: Credentials) -> Flow[bool]:
        with self._lock:
            if self._creds is used:
                self._creds = None  # refused: run the plugin again (unless someone already did)
        fresh = yield from self.credentials()
        return not fresh.same_secret(used)

    def _error(self, message: str, result: CommandResult | None = None) -> ExecPluginError:
        stderr = ""
        if result is not None:
            stderr = result.stderr.decode(errors="replace").strip()[-STDERR_KEPT:]
        return ExecPluginError(
            message,
            command=self._config.command,
            exit_code=None if result is None else result.returncode,
            stderr=stderr,
            install_hint=self._config.install_hint,
        )

    def _interactive(self) -> bool:
        mode = self._config.interactive_mode
        if mode == "Never":
            return False
        terminal = self._stdin_is_terminal()
        if mode == "Always" and not terminal:
            raise self._error(
                f"exec plugin {self._config.command}: interactiveMode is Always, "
                "but standard input is not a terminal"
            )
        return terminal

    def _run(self) -> Flow[Credentials]:
        cfg = self._config
        interactive = self._interactive()
        spec: dict[str, Any] = {"interactive": interactive}
        if self._cluster is not None:
            spec["cluster"] = self._cluster
        info = {"apiVersion": cfg.api_version, "kind": "ExecCredential", "spec": spec}
        env = dict(os.environ)
        env.update(cfg.env)
        env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
        timeout = EXEC_INTERACTIVE_TIMEOUT if interactive else EXEC_TIMEOUT
        result = yield RunCommand((cfg.command, *cfg.args), env, interactive, timeout)
        with self._lock:
            self.runs += 1
        if result.timed_out:
            raise self._error(
                f"exec plugin: executable {cfg.command} did not finish within {timeout:g} s "
                "and was killed",
                result,
            )
        if result.error is not None:
            if isinstance(result.error, FileNotFoundError):
                raise self._error(f"exec plugin: executable {cfg.command} not found")
            reason = result.error.strerror or type(result.error).__name__
            raise self._error(f"exec plugin: cannot run {cfg.command}: {reason}")
        if result.returncode != 0:
            code = result.returncode
            how = (
                f"was killed by signal {-code}"
                if code is not None and code < 0
                else f"failed with exit code {code}"
            )
            raise self._error(f"exec plugin: executable {cfg.command} {how}", result)
        return self._parse(result)

    def _parse(self, result: CommandResult) -> Credentials:
        cfg = self._config
        name = f"exec plugin {cfg.command}"
        # Never quote the output in a message: it carries the credential.
        try:
            doc = json.loads(result.stdout.decode())
        except UnicodeDecodeError:
            raise self._error(f"{name}: output is not UTF-8 text", result) from None
        except json.JSONDecodeError as exc:
            raise self._error(
                f"{name}: output is not a JSON ExecCredential ({exc.msg} at line {exc.lineno} "
                f"column {exc.colno})",
                result,
            ) from None
        if not isinstance(doc, dict) or doc.get("kind") != "ExecCredential":
            kind = doc.get("kind") if isinstance(doc, dict) else type(doc).__name__
            raise self._error(f"{name}: returned {kind!r}, not an ExecCredential", result)
        if doc.get("apiVersion") != cfg.api_version:
            raise self._error(
                f"{name} is configured to use API version {cfg.api_version}, "
                f"plugin returned version {doc.get('apiVersion')}",
                result,
            )
        status = doc.get("status")
        if not isinstance(status, dict):
            raise self._error(f"{name} didn't return a status field", result)
        for label in ("token", "clientCertificateData", "clientKeyData"):
            if status.get(label) is not None and not isinstance(status[label], str):
                raise self._error(f"{name}: status.{label} must be a string", result)
        token = status.get("token")
        cert = status.get("clientCertificateData")
        key = status.get("clientKeyData")
        if not token and not cert and not key:
            raise self._error(f"{name} didn't return a token or cert/key pair", result)
        if bool(cert) != bool(key):
            raise self._error(f"{name} returned only certificate or key, not both", result)
        problem = header_value_problem(token) if token else None
        if problem is not None:
            raise self._error(f"{name}: status.token {problem} (the value is not shown)", result)
        expires_at = None
        stamp = status.get("expirationTimestamp")
        if stamp:
            try:
                expires_at = _parse_time(str(stamp))
            except ValueError:
                raise self._error(
                    f"{name}: expirationTimestamp {stamp!r} is not an RFC 3339 time", result
                ) from None
        client_cert = (str(cert).encode(), str(key).encode()) if cert else None
        return Credentials(
            "exec", token=token or None, client_cert=client_cert, expires_at=expires_at
        )


def _jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (``None`` if it has none); ConfigError if it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ConfigError("oidc: the id-token is not a JWT (it does not have three parts)")
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        raise ConfigError("oidc: the id-token's payload is not base64url JSON") from None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class _OIDC:
    """client-go's ``oidc`` auth provider: id-token, refreshed with the refresh-token."""

    def __init__(self, provider: AuthProviderConfig, wall_clock: Callable[[], float]) -> None:
        self._provider = provider
        self._config = dict(provider.config)
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._refreshing = False
        self.refreshes = 0

    def _usable(self, token: str) -> bool:
        exp = _jwt_expiry(token)
        return exp is not None and self._wall_clock() + OIDC_EXPIRY_DELTA < exp

    def credentials(self) -> Flow[Credentials]:
        while True:
            with self._lock:
                token = self._config.get("id-token")
                if token and self._usable(token):
                    _check_header_value(token, f"the id-token of user {self._provider.user_name!r}")
                    return Credentials("oidc", token=token)
                if not self._config.get("refresh-token"):
                    raise ConfigError(
                        f"oidc auth provider of user {self._provider.user_name!r}: no valid "
                        "id-token, and cannot refresh without refresh-token"
                    )
                if not self._refreshing:
                    self._refreshing = True
                    break
            yield Sleep(WAIT_INTERVAL)
        try:
            return (yield from self._refresh())
        finally:
            with self._lock:
                self._refreshing = False

    def unauthorized(self, used: Credentials) -> Flow[bool]:
        return _value(False)  # client-go refreshes on expiry only

    def _request(self, method: str, url: str, **kwargs: Any) -> HttpRequest:
        ca_data = None
        raw = self._config.get("idp-certificate-authority-data")
        if raw:
            try:
                ca_data = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise ConfigError("oidc: idp-certificate-authority-data is not base64") from None
        return HttpRequest(
            method,
            url,
            ca_file=self._config.get("idp-certificate-authority") or None,
            ca_data=ca_data,
            **kwargs,
        )

    def _refresh(self) -> Flow[Credentials]:
        cfg = self._config
        issuer = cfg["idp-issuer-url"].rstrip("/")
        discovery = f"{issuer}/.well-known/openid-configuration"
        found = yield self._request("GET", discovery)
        token_url = None
        if found.status == 200:
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                doc = json.loads(found.body)
                if isinstance(doc, dict) and isinstance(doc.get("token_endpoint"), str):
                    token_url = doc["token_endpoint"]
        if token_url is None:
            raise ConfigError(f"oidc: no token_endpoint from {discovery}: {_http_problem(found)}")
        refresh_token = cfg["refresh-token"]
        client_id, secret = cfg["client-id"], cfg.get("client-secret", "")
        form: tuple[tuple[str, str], ...] = (
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        )
        # golang.org/x/oauth2's auto-detection: client credentials in a Basic header, then in
        # the form if the server refused that.
        basic = base64.b64encode(
            f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}".encode()
        ).decode()
        answer = yield self._request(
            "POST", token_url, headers=(("Authorization", f"Basic {basic}"),), form=form
        )
        if answer.status is not None and not 200 <= answer.status < 300:
            in_form = (*form, ("client_id", client_id))
            if secret:
                in_form = (*in_form, ("client_secret", secret))
            answer = yield self._request("POST", token_url, form=in_form)
        if answer.status is None or not 200 <= answer.status < 300:
            raise ConfigError(
                f"oidc: refreshing the id-token at {token_url} failed: {_http_problem(answer)}"
            )
        try:
            tokens = json.loads(answer.body)
        except (ValueError, UnicodeDecodeError):
            raise ConfigError(f"oidc: the token response of {token_url} is not JSON") from None
        if not isinstance(tokens, dict) or not tokens.get("access_token"):
            raise ConfigError(f"oidc: the token response of {token_url} has no access_token")
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise ConfigError(
                'oidc: token response did not contain an id_token, either the scope "openid" '
                "wasn't requested upon login, or the provider doesn't support id_tokens as part "
                "of the refresh response"
            )
        _check_header_value(id_token, f"oidc: the id_token from {token_url}")
        updates = {"id-token": id_token}
        new_refresh = tokens.get("refresh_token")
        if isinstance(new_refresh, str) and new_refresh and new_refresh != refresh_token:
            updates["refresh-token"] = new_refresh
        with self._lock:
            self._config.update(updates)
            self.refreshes += 1
        provider = self._provider
        if provider.persist_path and provider.user_name:
            yield PersistTokens(provider.persist_path, provider.user_name, updates)
        return Credentials("oidc", token=id_token)


def _http_problem(result: HttpResult) -> str:
    if result.status is None:
        return result.error or "no response"
    detail = ""
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        body = json.loads(result.body)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            detail = f" {body['error']}"
            if isinstance(body.get("error_description"), str):
                detail += f": {body['error_description']}"
    return f"HTTP {result.status}{detail}"


# --- the shared cache -----------------------------------------------------------------------------


class CredentialCache:
    """Exec plugins and OIDC providers shared by every client of this process (or of one cache).

    One entry per plugin configuration (command, args, env, API version, interactive mode, and the
    cluster when ``provideClusterInfo`` is set) and per OIDC issuer, client and user, as client-go
    keeps them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exec: dict[str, _Exec] = {}
        self._oidc: dict[tuple[str, ...], _OIDC] = {}

    def exec_source(
        self,
        config: ExecConfig,
        cluster: dict[str, Any] | None,
        wall_clock: Callable[[], float],
        stdin_is_terminal: Callable[[], bool],
    ) -> _Exec:
        key = json.dumps(
            [
                config.command,
                list(config.args),
                [list(e) for e in config.env],
                config.api_version,
                config.interactive_mode,
                config.install_hint,
                cluster,
            ],
            sort_keys=True,
            default=str,
        )
        with self._lock:
            source = self._exec.get(key)
            if source is None:
                source = self._exec[key] = _Exec(config, cluster, wall_clock, stdin_is_terminal)
            return source

    def oidc_source(self, provider: AuthProviderConfig, wall_clock: Callable[[], float]) -> _OIDC:
        cfg = provider.config
        key = (
            cfg.get("idp-issuer-url", ""),
            cfg.get("client-id", ""),
            provider.persist_path or "",
            provider.user_name or "",
        )
        with self._lock:
            source = self._oidc.get(key)
            if source is None:
                source = self._oidc[key] = _OIDC(provider, wall_clock)
            return source

    def clear(self) -> None:
        """Forget every cached credential."""
        with self._lock:
            self._exec.clear()
            self._oidc.clear()


_DEFAULT_CACHE = CredentialCache()


def clear_credential_cache() -> None:
    """Forget the exec and OIDC credentials every client of this process shares."""
    _DEFAULT_CACHE.clear()


def _exec_cluster(config: Config, exec_config: ExecConfig) -> dict[str, Any]:
    """``spec.cluster`` for ``KUBERNETES_EXEC_INFO`` (client-go's ``ConfigToExecCluster``)."""
    cluster: dict[str, Any] = {"server": config.host}
    if config.tls_server_name:
        cluster["tls-server-name"] = config.tls_server_name
    if config.insecure_skip_tls_verify:
        cluster["insecure-skip-tls-verify"] = True
    ca = config.ca_data
    if not ca and config.ca_file:
        try:
            ca = Path(config.ca_file).read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"cannot read certificate-authority {config.ca_file}: {exc.strerror}"
            ) from None
    if ca:
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    if config.proxy_url:
        cluster["proxy-url"] = config.proxy_url
    if config.disable_compression:
        cluster["disable-compression"] = True
    if exec_config.cluster_config is not None:
        cluster["config"] = exec_config.cluster_config
    return cluster


_HEADER_KEY_SAFE = "!#$&'*+-.^_`|~"
_UNSAFE_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|^[ \t]|[ \t]$")


def _impersonation_headers(imp: Impersonation | None) -> list[tuple[str, str]]:
    if imp is None:
        return []
    headers = [("Impersonate-User", imp.user)]
    if imp.uid:
        headers.append(("Impersonate-Uid", imp.uid))
    headers.extend(("Impersonate-Group", group) for group in imp.groups)
    for key, values in imp.extra:
        name = "Impersonate-Extra-" + urllib.parse.quote(key, safe=_HEADER_KEY_SAFE)
        headers.extend((name, value) for value in values)
    return headers


class Authenticator:
    """The authentication of one :class:`~kubeset.config.Config`: flows and request headers.

    ``cache`` holds exec and OIDC credentials (default: the process-wide one). ``clock`` (monotonic)
    paces token-file re-reads; ``wall_clock`` is compared with expiry times.
    """

    def __init__(
        self,
        config: Config,
        *,
        cache: CredentialCache | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        stdin_is_terminal: Callable[[], bool] = _stdin_is_terminal,
        token_file_refresh: float = TOKEN_FILE_REFRESH,
    ) -> None:
        cache = _DEFAULT_CACHE if cache is None else cache
        _check_header_value(config.bearer_token, "the bearer token (Config.bearer_token)")
        self._impersonation = _impersonation_headers(config.impersonate)
        for name, value in self._impersonation:
            _check_header_value(value, f"the impersonation header {name}")
        self._static_cert = bool(config.cert_file or config.cert_data)
        self._source: _Source
        if config.bearer_token_file:
            self._source = _TokenFile(
                config.bearer_token_file, config.bearer_token, clock, token_file_refresh
            )
        elif config.bearer_token:
            self._source = _Static(Credentials("token", token=config.bearer_token))
        elif config.username:
            self._source = _Static(
                Credentials("basic", username=config.username, password=config.password or "")
            )
        elif config.exec_provider is not None:
            cluster = None
            if config.exec_provider.provide_cluster_info:
                cluster = _exec_cluster(config, config.exec_provider)
            self._source = cache.exec_source(
                config.exec_provider, cluster, wall_clock, stdin_is_terminal
            )
        elif config.auth_provider is not None:
            if config.auth_provider.name != "oidc":
                raise ConfigError(
                    f"auth provider {config.auth_provider.name!r} is not supported (only oidc)"
                )
            self._source = cache.oidc_source(config.auth_provider, wall_clock)
        else:
            self._source = _Static(NO_CREDENTIALS)

    @property
    def source(self) -> object:
        """The credential source (tests look at an exec source's ``runs``)."""
        return self._source

    def credentials(self) -> Flow[Credentials]:
        """The credentials to send now (cached, refreshed when expired)."""
        return self._source.credentials()

    def unauthorized(self, used: Credentials) -> Flow[bool]:
        """The server answered 401 to ``used``: refresh; True if a retry would send new ones."""
        return self._source.unauthorized(used)

    def headers(self, creds: Credentials) -> list[tuple[str, str]]:
        """``Authorization`` and ``Impersonate-*`` headers for ``creds``."""
        headers: list[tuple[str, str]] = []
        if creds.token:
            headers.append(("Authorization", f"Bearer {creds.token}"))
        elif creds.username is not None:
            raw = f"{creds.username}:{creds.password or ''}".encode()
            headers.append(("Authorization", "Basic " + base64.b64encode(raw).decode()))
        headers.extend(self._impersonation)
        for name, value in headers:
            # Every credential is checked where it is made; this is the last line of defence.
            if _UNSAFE_HEADER.search(value) is not None:
                _check_header_value(value, f"the {name} header")
        return headers

    def client_cert(self, creds: Credentials) -> tuple[bytes, bytes] | None:
        """The TLS client certificate ``creds`` bring (a configured one takes precedence)."""
        return None if self._static_cert else creds.client_cert


# --- the runners, importable from here (loaded on first use) --------------------------------------

#: Names defined elsewhere and importable from this module: the runners and the token write-back,
#: not imported with this module (the async runner needs asyncio, which sync programs skip).
_ELSEWHERE = {
    "AsyncAuthRunner": "kubeset._async.auth",
    "AuthRunner": "kubeset._sync.auth",
    "persist_tokens": "kubeset._auth_io",
}


def __getattr__(name: str) -> Any:
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


# --- httpx.Auth -----------------------------------------------------------------------------------


def _set_headers(request: httpx.Request, headers: list[tuple[str, str]]) -> None:
    names = {name.lower() for name, _ in headers}
    kept = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in names]
    request.headers = httpx.Headers(kept + headers)


class KubeAuth(httpx.Auth):
    """A config's credentials for an httpx client of your own: ``httpx.Client(auth=KubeAuth(cfg))``.

    Tokens (static, file, exec, oidc), basic auth and impersonation, with the same caching and
    401 handling as kubeset's REST clients. Client certificates are TLS settings: give the client
    ``verify=config.ssl_context()``.
    """

    def __init__(self, config: Config, *, authenticator: Authenticator | None = None) -> None:
        self.authenticator = authenticator or Authenticator(config)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        from kubeset._sync.auth import AuthRunner

        runner = AuthRunner(self.authenticator)
        creds = runner.credentials()
        _set_headers(request, self.authenticator.headers(creds))
        response = yield request
        if response.status_code == 401 and runner.unauthorized(creds):
            _set_headers(request, self.authenticator.headers(runner.credentials()))
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        from kubeset._async.auth import AsyncAuthRunner

        runner = AsyncAuthRunner(self.authenticator)
        creds = await runner.credentials()
        _set_headers(request, self.authenticator.headers(creds))
        response = yield request
        if response.status_code == 401 and await runner.unauthorized(creds):
            _set_headers(request, self.authenticator.headers(await runner.credentials()))
            yield request
