"""Client configuration: where the API server is and how to talk to it.

:class:`Config` is the Python counterpart of client-go's ``rest.Config``. It is built from a
kubeconfig file (:func:`load_kubeconfig`), from the pod's service account
(:func:`in_cluster_config`), or by :func:`build_config_from_flags` with client-go's fallback order.

Defaults (documented, overridable): ``qps=50`` and ``burst=100`` for the client-side token bucket
(set ``qps=0`` to disable rate limiting), ``timeout=30`` seconds per request (watches and log
streams are not cut by it), ``max_retries=5`` for requests the server throttled or failed
transiently.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import ssl
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from kubeset._version import __version__
from kubeset.errors import KubesetError

__all__ = [
    "DEFAULT_BURST",
    "DEFAULT_QPS",
    "Config",
    "ConfigError",
    "build_config_from_flags",
    "default_kubeconfig_path",
    "in_cluster_config",
    "load_kubeconfig",
]

DEFAULT_QPS = 50.0
DEFAULT_BURST = 100
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 5
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")

_log = logging.getLogger("kubeset")


class ConfigError(KubesetError):
    """A kubeconfig or in-cluster configuration is missing, malformed or inconsistent."""


def _log_warning(message: str) -> None:
    _log.warning("server warning: %s", message)


@dataclass
class Config:
    """Everything needed to reach one API server as one user.

    Secrets (``bearer_token``, ``password``, ``key_data``) are excluded from ``repr()``.
    """

    host: str
    ca_file: str | None = None
    ca_data: bytes | None = field(default=None, repr=False)
    cert_file: str | None = None
    cert_data: bytes | None = field(default=None, repr=False)
    key_file: str | None = None
    key_data: bytes | None = field(default=None, repr=False)
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    bearer_token: str | None = field(default=None, repr=False)
    bearer_token_file: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    namespace: str = "default"
    qps: float = DEFAULT_QPS
    burst: int = DEFAULT_BURST
    timeout: float | None = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    user_agent: str = f"kubeset/{__version__}"
    proxy_url: str | None = None
    disable_compression: bool = False
    warning_handler: Callable[[str], None] | None = field(default=_log_warning, repr=False)

    def __post_init__(self) -> None:
        self.host = self.host.rstrip("/")
        if not self.host.startswith(("http://", "https://")):
            self.host = "https://" + self.host

    def copy(self, **changes: Any) -> Config:
        """A copy with some fields changed (``cfg.copy(qps=0)``)."""
        return replace(self, **changes)

    def ssl_context(self) -> ssl.SSLContext | bool:
        """TLS settings for httpx (``insecure-skip-tls-verify``: a context that does not verify)."""
        if not self.host.startswith("https://"):
            return True
        # The cluster's CA replaces the system bundle; -data overrides the file (as in client-go).
        if self.ca_data:
            try:
                ctx = ssl.create_default_context(cadata=self.ca_data.decode())
            except (ssl.SSLError, ValueError) as exc:
                raise ConfigError(
                    f"certificate-authority-data is not a valid PEM CA: {exc}"
                ) from exc
        else:
            ctx = ssl.create_default_context(cafile=self.ca_file)
        if self.insecure_skip_tls_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.cert_file or self.cert_data:
            _load_client_cert(ctx, self)
        return ctx

    def auth_headers(self) -> dict[str, str]:
        """Authorization header for the static credentials (token, token file, basic auth)."""
        token = self.bearer_token
        if not token and self.bearer_token_file:
            try:
                token = Path(self.bearer_token_file).read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    f"cannot read token file {self.bearer_token_file}: {exc}"
                ) from exc
        if token:
            return {"Authorization": f"Bearer {token}"}
        if self.username is not None and self.password is not None:
            raw = f"{self.username}:{self.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        return {}


def _load_client_cert(ctx: ssl.SSLContext, cfg: Config) -> None:
    """Load the client certificate and key; ``-data`` goes through 0600 files removed at once."""
    if not (cfg.key_file or cfg.key_data):
        raise ConfigError("a client certificate is configured but no client key")
    with tempfile.TemporaryDirectory(prefix="kubeset-") as tmp:
        cert_path = cfg.cert_file
        key_path = cfg.key_file
        if cfg.cert_data is not None:
            cert_path = _write_private(Path(tmp) / "client.crt", cfg.cert_data)
        if cfg.key_data is not None:
            key_path = _write_private(Path(tmp) / "client.key", cfg.key_data)
        try:
            ctx.load_cert_chain(str(cert_path), str(key_path))
        except (ssl.SSLError, OSError) as exc:
            cert_name = cfg.cert_file or "client-certificate-data"
            key_name = cfg.key_file or "client-key-data"
            raise ConfigError(
                f"cannot load client certificate {cert_name} with key {key_name}: {exc}"
            ) from None


def _write_private(path: Path, data: bytes) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return str(path)


def default_kubeconfig_path() -> Path:
    """``~/.kube/config``."""
    return Path.home() / ".kube" / "config"


def _b64(value: Any, where: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{where} is not valid base64: {exc}") from None


def _named(entries: Any, kind: str, name: str, source: Path) -> dict[str, Any]:
    """The ``kind`` (cluster/user/context) body named ``name`` from a kubeconfig list."""
    found: dict[str, dict[str, Any]] = {}
    for entry in entries or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            found.setdefault(entry["name"], entry.get(kind) or {})
    if name not in found:
        known = ", ".join(sorted(found)) or "none"
        raise ConfigError(f"{source}: {kind} {name!r} not found (known {kind}s: {known})")
    return found[name]


def _read_kubeconfig(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read kubeconfig {path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: kubeconfig is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: kubeconfig must be a mapping, not {type(data).__name__}")
    return data


def load_kubeconfig(
    path: str | os.PathLike[str] | None = None,
    *,
    context: str | None = None,
    **overrides: Any,
) -> Config:
    """A :class:`Config` from one kubeconfig file (default ``$KUBECONFIG``'s first file or
    ``~/.kube/config``) and a context (default ``current-context``).

    Reads cluster ``server``, ``certificate-authority`` and ``-data``, ``insecure-skip-tls-verify``,
    ``tls-server-name``, ``proxy-url``, ``disable-compression``; user ``token``, ``tokenFile``,
    ``client-certificate``/``client-key`` and ``-data``, ``username``/``password``; and the
    context's ``namespace``. Relative file paths are resolved against the kubeconfig's directory.
    ``overrides`` are :class:`Config` fields applied last.
    """
    if path is None:
        env = os.environ.get("KUBECONFIG", "")
        first = next((p for p in env.split(os.pathsep) if p), None)
        path = first or default_kubeconfig_path()
    source = Path(path).expanduser()
    data = _read_kubeconfig(source)
    context_name = context or data.get("current-context")
    if not context_name:
        raise ConfigError(f"{source}: no context given and current-context is not set")
    ctx = _named(data.get("contexts"), "context", str(context_name), source)
    cluster_name = ctx.get("cluster")
    if not cluster_name:
        raise ConfigError(f"{source}: context {context_name!r} names no cluster")
    cluster = _named(data.get("clusters"), "cluster", str(cluster_name), source)
    user_name = ctx.get("user")
    user = _named(data.get("users"), "user", str(user_name), source) if user_name else {}
    base = source.parent

    def file_path(value: Any) -> str | None:
        if not value:
            return None
        p = Path(str(value)).expanduser()
        return str(p if p.is_absolute() else base / p)

    server = cluster.get("server")
    if not server:
        raise ConfigError(f"{source}: cluster {cluster_name!r} has no server")
    kwargs: dict[str, Any] = {
        "host": str(server),
        "ca_file": file_path(cluster.get("certificate-authority")),
        "insecure_skip_tls_verify": bool(cluster.get("insecure-skip-tls-verify", False)),
        "tls_server_name": cluster.get("tls-server-name"),
        "proxy_url": cluster.get("proxy-url"),
        "disable_compression": bool(cluster.get("disable-compression", False)),
        "cert_file": file_path(user.get("client-certificate")),
        "key_file": file_path(user.get("client-key")),
        "bearer_token": user.get("token"),
        "bearer_token_file": file_path(user.get("tokenFile")),
        "username": user.get("username"),
        "password": user.get("password"),
        "namespace": ctx.get("namespace") or "default",
    }
    where = f"{source}: cluster {cluster_name!r}"
    if cluster.get("certificate-authority-data"):
        kwargs["ca_data"] = _b64(
            cluster["certificate-authority-data"], f"{where} certificate-authority-data"
        )
    uwhere = f"{source}: user {user_name!r}"
    if user.get("client-certificate-data"):
        kwargs["cert_data"] = _b64(
            user["client-certificate-data"], f"{uwhere} client-certificate-data"
        )
    if user.get("client-key-data"):
        kwargs["key_data"] = _b64(user["client-key-data"], f"{uwhere} client-key-data")
    for key in ("ca_file", "cert_file", "key_file"):
        value = kwargs[key]
        if value is not None and not Path(value).is_file():
            raise ConfigError(f"{source}: {key.replace('_', '-')} file {value} does not exist")
    kwargs.update(overrides)
    return Config(**kwargs)


def in_cluster_config(
    *, env: Mapping[str, str] | None = None, sa_dir: Path = SERVICE_ACCOUNT_DIR
) -> Config:
    """A :class:`Config` from a pod's environment and mounted service account."""
    env = os.environ if env is None else env
    host, port = env.get("KUBERNETES_SERVICE_HOST"), env.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        raise ConfigError(
            "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT unset"
        )
    token_file = sa_dir / "token"
    if not token_file.is_file():
        raise ConfigError(f"not running in a cluster: {token_file} does not exist")
    if ":" in host:
        host = f"[{host}]"
    namespace = "default"
    ns_file = sa_dir / "namespace"
    if ns_file.is_file():
        namespace = ns_file.read_text().strip() or "default"
    ca_file = sa_dir / "ca.crt"
    return Config(
        host=f"https://{host}:{port}",
        ca_file=str(ca_file) if ca_file.is_file() else None,
        bearer_token_file=str(token_file),
        namespace=namespace,
    )


def build_config_from_flags(master_url: str = "", kubeconfig_path: str = "") -> Config:
    """client-go's ``clientcmd.BuildConfigFromFlags``, with its fallback order.

    1. Neither given: the in-cluster configuration; if that fails, there is nothing to fall back to
       (client-go uses no default file here) and :class:`ConfigError` says so.
    2. A kubeconfig path: that file's current context; a non-empty ``master_url`` overrides its
       server.
    3. Only ``master_url``: that server, with no credentials.
    """
    if not master_url and not kubeconfig_path:
        _log.warning("neither --kubeconfig nor --master was specified; using the in-cluster config")
        try:
            return in_cluster_config()
        except ConfigError as exc:
            raise ConfigError(
                f"no configuration has been provided: pass a kubeconfig or a master URL ({exc})"
            ) from None
    if kubeconfig_path:
        overrides: dict[str, Any] = {"host": master_url} if master_url else {}
        return load_kubeconfig(kubeconfig_path, **overrides)
    return Config(host=master_url)
