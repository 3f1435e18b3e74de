"""Kubeconfig files, the in-cluster service account and client-go's flag fallbacks, as a
:class:`~kubeset.config.Config`.

:func:`load_kubeconfig` reads kubeconfig files with clientcmd's loading rules;
:func:`in_cluster_config` reads the pod's service account; :func:`build_config_from_flags` follows
client-go's fallback order; :func:`load_config` tries the kubeconfig, else the in-cluster
configuration.

Kubeconfig loading rules (client-go's ``clientcmd.ClientConfigLoadingRules``):

- An explicit path is loaded alone, and must exist.
- Otherwise ``$KUBECONFIG`` is a list of paths (``os.pathsep``-separated); empty entries and
  repeated paths are skipped, files that do not exist are ignored, and the rest are merged: the
  first file to define a cluster, user or context name wins that whole entry, and the first file
  to set ``current-context`` wins it. With ``KUBECONFIG`` unset or empty, ``~/.kube/config`` is
  read if it exists.
- Relative paths (``certificate-authority``, ``client-certificate``, ``client-key``,
  ``tokenFile``, and an exec ``command`` containing a ``/``) are resolved against the directory of
  the file that names them. ``~`` is not expanded inside a kubeconfig, as in client-go.

Supported kubeconfig fields:

- clusters: ``server``, ``certificate-authority``, ``certificate-authority-data``,
  ``insecure-skip-tls-verify``, ``tls-server-name``, ``proxy-url`` (http, https, socks5),
  ``disable-compression``, and the ``client.authentication.k8s.io/exec`` extension (handed to exec
  plugins as ``spec.cluster.config``).
- users: ``client-certificate``/``client-key`` and their ``-data`` forms, ``token``,
  ``tokenFile``, ``username``/``password``, ``as``, ``as-uid``, ``as-groups``, ``as-user-extra``,
  ``exec`` (``command``, ``args``, ``env``, ``apiVersion`` ``client.authentication.k8s.io/v1`` or
  ``v1beta1``, ``installHint``, ``provideClusterInfo``, ``interactiveMode``) and
  ``auth-provider`` ``oidc`` (``idp-issuer-url``, ``client-id``, ``client-secret``, ``id-token``,
  ``refresh-token``, ``idp-certificate-authority`` and ``-data``).
- contexts: ``cluster``, ``user``, ``namespace``; the top-level ``current-context``.

Left out: the ``gcp`` and ``azure`` auth providers (removed from client-go in v1.26; their exec
plugins ``gke-gcloud-auth-plugin`` and ``kubelogin`` work), ``preferences`` and other extensions
(kubectl settings, no effect on a client).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import ssl
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kubeset.config import (
    EXEC_API_VERSIONS,
    INTERACTIVE_MODES,
    AuthProviderConfig,
    Config,
    ConfigError,
    EmptyConfigError,
    ExecConfig,
    Impersonation,
    redact_url,
)
from kubeset.errors import ManifestError

__all__ = [
    "build_config_from_flags",
    "default_kubeconfig_path",
    "in_cluster_config",
    "kubeconfig_paths",
    "load_config",
    "load_kubeconfig",
]

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
EXEC_EXTENSION = "client.authentication.k8s.io/exec"
PROXY_SCHEMES = ("http", "https", "socks5")

_log = logging.getLogger("kubeset")


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "does not exist"
    return exc.strerror or type(exc).__name__


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def header_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as an HTTP header value (a credential, an impersonated
    name), or ``None``. The reason never quotes the value: it may be a secret, and an HTTP
    library's own error for it would print it (with a line break, even in a DEBUG log)."""
    bad = _CONTROL.search(value)
    if bad is not None:
        if bad.group() in "\r\n":
            return "contains a line break"
        return f"contains a control character (U+{ord(bad.group()):04X})"
    if value != value.strip(" \t"):
        return "has leading or trailing whitespace"
    return None


def _check_header_value(value: str | None, what: str, where: str) -> None:
    problem = header_value_problem(value) if value else None
    if problem is not None:
        raise ConfigError(f"{where}: {what} {problem} (the value is not shown)")


# --- kubeconfig files -----------------------------------------------------------------------------


def default_kubeconfig_path() -> Path:
    """``~/.kube/config``."""
    return Path.home() / ".kube" / "config"


def kubeconfig_paths(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    """The files the loading rules read, in precedence order (client-go's ``Precedence``).

    An explicit path alone; else ``$KUBECONFIG`` split on ``os.pathsep`` without empty or repeated
    entries; else ``~/.kube/config``. Files that do not exist are included (the loader skips them,
    except an explicit one).
    """
    if explicit is not None and str(explicit) != "":
        return [Path(explicit).expanduser()]
    env = os.environ.get("KUBECONFIG", "")
    if not env:
        return [default_kubeconfig_path()]
    seen: list[str] = []
    for entry in env.split(os.pathsep):
        if entry and entry not in seen:
            seen.append(entry)
    return [Path(p) for p in seen]


@dataclass
class _Entry:
    """A named cluster, user or context, and the file that defined it."""

    name: str
    body: dict[str, Any]
    origin: Path

    def where(self, kind: str) -> str:
        return f"{self.origin}: {kind} {self.name!r}"


@dataclass
class _Kubeconfig:
    """Several kubeconfig files merged with clientcmd's rules."""

    files: list[Path] = field(default_factory=list)
    searched: list[Path] = field(default_factory=list)
    clusters: dict[str, _Entry] = field(default_factory=dict)
    users: dict[str, _Entry] = field(default_factory=dict)
    contexts: dict[str, _Entry] = field(default_factory=dict)
    current_context: str | None = None

    def describe(self) -> str:
        if self.files:
            return ", ".join(str(f) for f in self.files)
        return "no kubeconfig (looked for " + ", ".join(str(p) for p in self.searched) + ")"

    def find(self, kind: str, name: str) -> _Entry:
        table = {"cluster": self.clusters, "user": self.users, "context": self.contexts}[kind]
        if name not in table:
            known = ", ".join(sorted(table)) or "none"
            raise ConfigError(
                f"{self.describe()}: {kind} {name!r} not found (known {kind}s: {known})"
            )
        return table[name]


def _yaml_error(path: Path, exc: ManifestError) -> ConfigError:
    """A message naming the file and line, never quoting the file (it may hold secrets)."""
    if exc.line is not None:
        column = f", column {exc.column}" if exc.column is not None else ""
        return ConfigError(
            f"{path}:{exc.line}: kubeconfig is not valid YAML: {exc.problem} "
            f"(line {exc.line}{column})"
        )
    return ConfigError(f"{path}: kubeconfig is not valid YAML: {exc.problem}")


def _read_file(path: Path) -> dict[str, Any] | None:
    """One kubeconfig file's content; ``None`` if it does not exist."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = _os_reason(exc) if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"cannot read kubeconfig {path}: {reason}") from None
    # Here, not at import time: most programs read one kubeconfig, once.
    from kubeset import kyaml

    try:
        data = kyaml.load(text, source=str(path))
    except ManifestError as exc:
        raise _yaml_error(path, exc) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: kubeconfig must be a mapping, not {type(data).__name__}")
    return data


_SECTIONS = (("clusters", "cluster"), ("users", "user"), ("contexts", "context"))


def _entries(data: dict[str, Any], section: str, kind: str, path: Path) -> dict[str, _Entry]:
    raw = data.get(section)
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: {section} must be a list, not {type(raw).__name__}")
    out: dict[str, _Entry] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError(f"{path}: {section}[{i}] must be a mapping with a string name")
        name = item["name"]
        if name in out:
            # client-go refuses a list with a repeated name.
            raise ConfigError(f"{path}: {section} has the name {name!r} twice")
        body = item.get(kind)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: {kind} {name!r} must be a mapping")
        out[name] = _Entry(name, body, path)
    return out


def _load_files(paths: Sequence[Path], *, explicit: bool) -> _Kubeconfig:
    merged = _Kubeconfig(searched=list(paths))
    for path in paths:
        data = _read_file(path)
        if data is None:
            if explicit:
                raise ConfigError(f"cannot read kubeconfig {path}: does not exist")
            continue  # missing files in KUBECONFIG (and a missing default) are ignored
        merged.files.append(path)
        for section, kind in _SECTIONS:
            table = getattr(merged, section)
            for name, entry in _entries(data, section, kind, path).items():
                table.setdefault(name, entry)  # the first file to define a name wins it
        current = data.get("current-context")
        if current is not None and not isinstance(current, str):
            raise ConfigError(f"{path}: current-context must be a string")
        if current and merged.current_context is None:
            merged.current_context = current
    return merged


# --- typed access to kubeconfig fields ------------------------------------------------------------


def _get_str(body: Mapping[str, Any], key: str, where: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, not {type(value).__name__}")
    return value


def _get_bool(body: Mapping[str, Any], key: str, where: str) -> bool:
    value = body.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, not {type(value).__name__}")
    return value


def _get_str_list(body: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = body.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _get_b64(body: Mapping[str, Any], key: str, where: str) -> bytes | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{where} {key} is not valid base64: {exc}") from None


def _resolve(entry: _Entry, value: str | None) -> str | None:
    """A path from a kubeconfig, made absolute against the directory of the file naming it."""
    if not value:
        return None
    if os.path.isabs(value):
        return value
    # filepath.Join in client-go: joined and cleaned (``a/../b`` → ``b``).
    return os.path.normpath(os.path.join(os.path.abspath(entry.origin.parent), value))


def _check_readable(path: str, what: str, option: str, where: str) -> None:
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{where}: cannot read {what} {path} ({option}): {_os_reason(exc)}"
        ) from None


# --- building a Config from a cluster, user and context -------------------------------------------


def _cluster_fields(entry: _Entry) -> dict[str, Any]:
    body, where = entry.body, entry.where("cluster")
    server = _get_str(body, "server", where)
    if not server:
        raise ConfigError(f"{where} has no server")
    ca_file = _resolve(entry, _get_str(body, "certificate-authority", where))
    ca_data = _get_b64(body, "certificate-authority-data", where)
    if ca_file and ca_data:
        raise ConfigError(
            f"{where}: certificate-authority and certificate-authority-data are both set "
            "(client-go refuses this): keep one"
        )
    if ca_file:
        _check_readable(ca_file, "certificate-authority", "ca-file", where)
    insecure = _get_bool(body, "insecure-skip-tls-verify", where)
    if insecure and (ca_file or ca_data):
        raise ConfigError(
            f"{where}: a certificate authority and insecure-skip-tls-verify cannot both be set "
            "(client-go refuses this too): remove one"
        )
    proxy_url = _get_str(body, "proxy-url", where)
    if proxy_url:
        _check_proxy_url(proxy_url, where)
    exec_extension = None
    for ext in body.get("extensions") or []:
        if isinstance(ext, dict) and ext.get("name") == EXEC_EXTENSION:
            exec_extension = ext.get("extension")
    return {
        "host": server,
        "ca_file": ca_file,
        "ca_data": ca_data,
        "insecure_skip_tls_verify": insecure,
        "tls_server_name": _get_str(body, "tls-server-name", where),
        "proxy_url": proxy_url,
        "disable_compression": _get_bool(body, "disable-compression", where),
        "_exec_extension": exec_extension,
    }


def _check_proxy_url(url: str, where: str) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        raise ConfigError(f"{where}: proxy-url is not a valid URL") from None
    if parts.scheme not in PROXY_SCHEMES:
        raise ConfigError(
            f"{where}: proxy-url {redact_url(url)!r} has unsupported scheme "
            f"{parts.scheme!r}: must be http, https, or socks5"
        )
    if not parts.hostname:
        raise ConfigError(f"{where}: proxy-url {redact_url(url)!r} has no host")


def _check_server(server: str, where: str) -> None:
    """The ``server`` URL as :class:`Config` will use it (``https://`` added to a bare host, as
    client-go does) must have a host and, if it names one, a port from 1 to 65535."""
    try:
        shown = redact_url(server)
    except ValueError:  # redact_url reads the port too: hide the password without it
        shown = re.sub(r"(//[^/@:]*):[^/@]*@", r"\1:***@", server)
    if "://" in server and not server.startswith(("http://", "https://")):
        scheme = server.split("://", 1)[0]
        raise ConfigError(
            f"{where}: server {shown!r} has unsupported scheme {scheme!r}: must be https or http"
        )
    url = server if server.startswith(("http://", "https://")) else "https://" + server
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        reason = "out of range (1-65535)" if "range" in str(exc) else "not a number"
        raise ConfigError(f"{where}: server {shown!r}: the port is {reason}") from None
    if not parts.hostname:
        raise ConfigError(f"{where}: server {shown!r} has no host")
    if port == 0:
        raise ConfigError(f"{where}: server {shown!r}: the port is out of range (1-65535)")


def _ssl_reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not text"
    return re.sub(r"\s*\(_ssl\.c:\d+\)$", "", str(exc)) or type(exc).__name__


def _check_ca(ca_file: str | None, ca_data: bytes | None, where: str) -> None:
    """The cluster CA must load as PEM certificates (what the TLS setup will do with it), so that
    a broken one is reported here, naming its kubeconfig entry, not at the first request."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_data:
        try:
            context.load_verify_locations(cadata=ca_data.decode())
        except (UnicodeDecodeError, ssl.SSLError, ValueError) as exc:
            raise ConfigError(
                f"{where}: certificate-authority-data is not a PEM certificate ({_ssl_reason(exc)})"
            ) from None
    elif ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except OSError as exc:  # ssl.SSLError is an OSError: the file was readable
            what = "is not a PEM certificate" if isinstance(exc, ssl.SSLError) else "cannot be read"
            raise ConfigError(
                f"{where}: certificate-authority {ca_file} {what} ({_ssl_reason(exc)})"
            ) from None


def _check_cluster(kwargs: Mapping[str, Any], kubeconfig: Mapping[str, Any], where: str) -> None:
    """:func:`_check_server` and :func:`_check_ca` for the values of the kubeconfig's cluster
    that overrides left in place (an override of the trust or the server replaces them)."""
    if kwargs.get("host") == kubeconfig["host"]:
        _check_server(kubeconfig["host"], where)
    ca_file, ca_data = kwargs.get("ca_file"), kwargs.get("ca_data")
    _check_ca(
        ca_file if ca_file and ca_file == kubeconfig["ca_file"] else None,
        ca_data if ca_data and ca_data == kubeconfig["ca_data"] else None,
        where,
    )


def _user_fields(entry: _Entry, exec_extension: Any) -> dict[str, Any]:
    body, where = entry.body, entry.where("user")
    out: dict[str, Any] = {}

    cert_file = _resolve(entry, _get_str(body, "client-certificate", where))
    cert_data = _get_b64(body, "client-certificate-data", where)
    key_file = _resolve(entry, _get_str(body, "client-key", where))
    key_data = _get_b64(body, "client-key-data", where)
    if cert_file and cert_data:
        raise ConfigError(
            f"{where}: client-certificate and client-certificate-data are both set "
            "(client-go refuses this): keep one"
        )
    if key_file and key_data:
        raise ConfigError(
            f"{where}: client-key and client-key-data are both set (client-go refuses this): "
            "keep one"
        )
    if cert_file:
        _check_readable(cert_file, "client-certificate", "cert-file", where)
    if key_file:
        _check_readable(key_file, "client-key", "key-file", where)
    if (cert_file or cert_data) and not (key_file or key_data):
        raise ConfigError(
            f"{where}: client-key or client-key-data must be set to use a client certificate"
        )
    out.update(cert_file=cert_file, cert_data=cert_data, key_file=key_file, key_data=key_data)

    token = _get_str(body, "token", where)
    token_file = _resolve(entry, _get_str(body, "tokenFile", where))
    if token_file and not token:
        # Read at load time, as client-go does when no token goes with it.
        _check_readable(token_file, "tokenFile", "token-file", where)
    username = _get_str(body, "username", where)
    password = _get_str(body, "password", where)
    if token and (username or password):
        raise ConfigError(
            f"{where}: more than one authentication method (token and username/password); "
            "only one is allowed"
        )
    # Sent in a header: a line break would break the request, and the HTTP library's error (and
    # DEBUG log) would print the token. A username and password are sent base64-encoded, which
    # no character can break.
    _check_header_value(token, "token", where)
    out.update(
        bearer_token=token, bearer_token_file=token_file, username=username, password=password
    )

    imp_user = _get_str(body, "as", where)
    imp_uid = _get_str(body, "as-uid", where)
    imp_groups = _get_str_list(body, "as-groups", where)
    raw_extra = body.get("as-user-extra") or {}
    if not isinstance(raw_extra, dict):
        raise ConfigError(f"{where}: as-user-extra must be a mapping of lists of strings")
    extra: list[tuple[str, tuple[str, ...]]] = []
    for key in sorted(raw_extra):
        values = raw_extra[key]
        if not isinstance(key, str) or not isinstance(values, list):
            raise ConfigError(f"{where}: as-user-extra must be a mapping of lists of strings")
        extra.append((key, tuple(str(v) for v in values)))
    if (imp_uid or imp_groups or extra) and not imp_user:
        raise ConfigError(
            f"{where}: as-uid, as-groups or as-user-extra need a user to impersonate (as)"
        )
    if imp_user:
        _check_header_value(imp_user, "as", where)
        _check_header_value(imp_uid, "as-uid", where)
        for i, group in enumerate(imp_groups):
            _check_header_value(group, f"as-groups[{i}]", where)
        for key, values in extra:
            for i, value in enumerate(values):
                _check_header_value(value, f"as-user-extra[{key!r}][{i}]", where)
        out["impersonate"] = Impersonation(imp_user, imp_uid, imp_groups, tuple(extra))

    exec_body = body.get("exec")
    provider_body = body.get("auth-provider")
    if exec_body is not None and provider_body is not None:
        raise ConfigError(f"{where}: exec and auth-provider cannot be used together")
    if exec_body is not None:
        out["exec_provider"] = _exec_config(entry, exec_body, exec_extension)
    if provider_body is not None:
        out["auth_provider"] = _auth_provider(entry, provider_body)
    return out


def _exec_config(entry: _Entry, body: Any, extension: Any) -> ExecConfig:
    where = entry.where("user") + " exec"
    if not isinstance(body, dict):
        raise ConfigError(f"{where} must be a mapping")
    command = _get_str(body, "command", where)
    if not command:
        raise ConfigError(f"{where}: command must be specified")
    if os.sep in command:
        command = _resolve(entry, command) or command
    api_version = _get_str(body, "apiVersion", where)
    if not api_version:
        raise ConfigError(f"{where}: apiVersion must be specified")
    if api_version == "client.authentication.k8s.io/v1alpha1":
        raise ConfigError(
            f"{where}: apiVersion client.authentication.k8s.io/v1alpha1 is no longer supported "
            "(removed in client-go v1.24): use client.authentication.k8s.io/v1"
        )
    if api_version not in EXEC_API_VERSIONS:
        raise ConfigError(
            f"{where}: apiVersion {api_version!r} is not supported "
            f"(supported: {', '.join(EXEC_API_VERSIONS)})"
        )
    mode = _get_str(body, "interactiveMode", where)
    if mode is None:
        if api_version != "client.authentication.k8s.io/v1beta1":
            raise ConfigError(
                f"{where}: interactiveMode must be specified with {api_version} "
                f"(one of {', '.join(INTERACTIVE_MODES)})"
            )
        mode = "IfAvailable"  # v1beta1's default
    if mode not in INTERACTIVE_MODES:
        raise ConfigError(
            f"{where}: invalid interactiveMode {mode!r} (one of {', '.join(INTERACTIVE_MODES)})"
        )
    env: list[tuple[str, str]] = []
    for i, item in enumerate(body.get("env") or []):
        if not isinstance(item, dict) or not item.get("name") or not isinstance(item["name"], str):
            raise ConfigError(f"{where}: env[{i}] needs a name")
        value = item.get("value", "")
        env.append((item["name"], "" if value is None else str(value)))
    return ExecConfig(
        command=command,
        args=_get_str_list(body, "args", where),
        env=tuple(env),
        api_version=api_version,
        install_hint=_get_str(body, "installHint", where),
        provide_cluster_info=_get_bool(body, "provideClusterInfo", where),
        interactive_mode=mode,
        cluster_config=extension,
    )


_REMOVED_PROVIDERS = {
    "gcp": "gke-gcloud-auth-plugin",
    "azure": "kubelogin (github.com/Azure/kubelogin)",
}


def _auth_provider(entry: _Entry, body: Any) -> AuthProviderConfig:
    where = entry.where("user") + " auth-provider"
    if not isinstance(body, dict):
        raise ConfigError(f"{where} must be a mapping")
    name = _get_str(body, "name", where)
    if name in _REMOVED_PROVIDERS:
        raise ConfigError(
            f"{where}: the {name!r} auth provider was removed from client-go in v1.26; "
            f"use its exec plugin instead: {_REMOVED_PROVIDERS[name]}"
        )
    if name != "oidc":
        raise ConfigError(f"{where}: unknown auth provider {name!r} (supported: oidc)")
    raw = body.get("config") or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: config must be a mapping of strings")
    config = {str(k): "" if v is None else str(v) for k, v in raw.items()}
    for required in ("idp-issuer-url", "client-id"):
        if not config.get(required):
            raise ConfigError(f"{where}: oidc needs {required}")
    _check_header_value(config.get("id-token"), "id-token", where)
    return AuthProviderConfig(
        name="oidc", config=config, persist_path=str(entry.origin), user_name=entry.name
    )


#: Config fields that stand for the cluster's TLS trust; overriding one replaces all three.
_TRUST_FIELDS = ("insecure_skip_tls_verify", "ca_file", "ca_data")


def _apply_overrides(kwargs: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """``overrides`` on top of ``kwargs``, with clientcmd's override interactions."""
    if (
        overrides.get("insecure_skip_tls_verify")
        or overrides.get("ca_file")
        or (overrides.get("ca_data"))
    ):
        # An override of the trust replaces it as a whole (no CA left behind with insecure).
        for name in _TRUST_FIELDS:
            default = False if name == "insecure_skip_tls_verify" else None
            kwargs[name] = overrides.get(name, default)
    if overrides.get("host") and "tls_server_name" not in overrides:
        # client-go: overriding the server drops the kubeconfig's tls-server-name.
        kwargs["tls_server_name"] = None
    kwargs.update(overrides)


def _config_from(
    kc: _Kubeconfig,
    *,
    context: str | None,
    cluster: str | None,
    user: str | None,
    namespace: str | None,
    overrides: Mapping[str, Any],
) -> Config:
    unknown = sorted(set(overrides) - {f.name for f in fields(Config)})
    if unknown:
        raise TypeError(f"unknown Config field(s): {', '.join(unknown)}")
    context_name = context or kc.current_context
    if not context_name:
        if not kc.files:
            raise EmptyConfigError(f"{kc.describe()}: no configuration has been provided")
        raise EmptyConfigError(f"{kc.describe()}: no context given and current-context is not set")
    ctx = kc.find("context", context_name)
    cwhere = ctx.where("context")
    cluster_name = cluster or _get_str(ctx.body, "cluster", cwhere)
    if not cluster_name:
        raise ConfigError(f"{cwhere} names no cluster")
    user_name = user or _get_str(ctx.body, "user", cwhere)
    cluster_entry = kc.find("cluster", cluster_name)
    kwargs = _cluster_fields(cluster_entry)
    exec_extension = kwargs.pop("_exec_extension")
    from_kubeconfig = {name: kwargs[name] for name in ("host", "ca_file", "ca_data")}
    if user_name:
        kwargs.update(_user_fields(kc.find("user", user_name), exec_extension))
    kwargs["namespace"] = namespace or _get_str(ctx.body, "namespace", cwhere) or "default"
    _apply_overrides(kwargs, overrides)
    _check_cluster(kwargs, from_kubeconfig, cluster_entry.where("cluster"))
    return Config(**kwargs)


def load_kubeconfig(
    path: str | os.PathLike[str] | None = None,
    *,
    context: str | None = None,
    cluster: str | None = None,
    user: str | None = None,
    namespace: str | None = None,
    **overrides: Any,
) -> Config:
    """A :class:`Config` from kubeconfig files, with client-go's loading rules.

    ``path`` given: that file alone (it must exist; ``~`` is expanded). ``None``: the files of
    ``$KUBECONFIG`` merged, else ``~/.kube/config`` (see the module documentation for the rules).

    ``context`` replaces ``current-context``; ``cluster`` and ``user`` replace the context's
    cluster and user; ``namespace`` replaces the context's namespace (default ``"default"``).
    ``overrides`` are :class:`Config` fields applied last, with clientcmd's interactions:
    overriding ``host`` drops the kubeconfig's ``tls_server_name``, and overriding
    ``insecure_skip_tls_verify`` (to true), ``ca_file`` or ``ca_data`` replaces all three.

    Raises :class:`ConfigError` naming the file (and line, for malformed YAML), the missing context,
    cluster or user (listing the existing ones), or the unreadable file;
    :class:`EmptyConfigError` when there is no file or no context to use.
    """
    explicit = path is not None and str(path) != ""
    kc = _load_files(kubeconfig_paths(path), explicit=explicit)
    return _config_from(
        kc, context=context, cluster=cluster, user=user, namespace=namespace, overrides=overrides
    )


def load_config(
    *,
    context: str | None = None,
    cluster: str | None = None,
    user: str | None = None,
    namespace: str | None = None,
    **overrides: Any,
) -> Config:
    """The configuration a program should use wherever it runs.

    ``$KUBECONFIG`` or ``~/.kube/config`` (as :func:`load_kubeconfig` with no path); when that
    yields no configuration at all (no file, or no context), the in-cluster configuration
    (client-go's ``NewNonInteractiveDeferredLoadingClientConfig``). A kubeconfig that exists but
    is broken is an error, not a reason to fall back.
    """
    try:
        return load_kubeconfig(
            None, context=context, cluster=cluster, user=user, namespace=namespace, **overrides
        )
    except EmptyConfigError as exc:
        try:
            cfg = in_cluster_config()
        except ConfigError as in_cluster_exc:
            raise EmptyConfigError(f"no configuration found: {exc}; and {in_cluster_exc}") from None
    if namespace:
        overrides["namespace"] = namespace
    return cfg.copy(**overrides) if overrides else cfg


def in_cluster_config(
    *, env: Mapping[str, str] | None = None, sa_dir: Path = SERVICE_ACCOUNT_DIR
) -> Config:
    """A :class:`Config` from a pod's environment and mounted service account.

    ``https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT``, the service-account token
    (re-read every minute, so rotated tokens are picked up), its CA bundle, and as default
    namespace ``$POD_NAMESPACE``, else the service account's namespace file, else ``default``.
    """
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
    namespace = env.get("POD_NAMESPACE", "").strip()
    ns_file = sa_dir / "namespace"
    if not namespace and ns_file.is_file():
        try:
            namespace = ns_file.read_text().strip()
        except OSError:
            namespace = ""
    ca_file = sa_dir / "ca.crt"
    return Config(
        host=f"https://{host}:{port}",
        ca_file=str(ca_file) if ca_file.is_file() else None,
        bearer_token_file=str(token_file),
        namespace=namespace or "default",
    )


def build_config_from_flags(master_url: str = "", kubeconfig_path: str = "") -> Config:
    """client-go's ``clientcmd.BuildConfigFromFlags``, with its fallback order.

    1. Neither given: the in-cluster configuration; if that fails, there is nothing to fall back to
       (client-go reads no default file here) and :class:`ConfigError` says so.
    2. A kubeconfig path: that file's current context; a non-empty ``master_url`` overrides its
       server (and drops its ``tls-server-name``). With a ``master_url`` and a file without a
       current context, that server with no credentials.
    3. Only ``master_url``: that server, with no credentials.
    """
    if not master_url and not kubeconfig_path:
        _log.warning("neither --kubeconfig nor --master was specified; using the in-cluster config")
        try:
            return in_cluster_config()
        except ConfigError as exc:
            raise EmptyConfigError(
                f"no configuration has been provided: pass a kubeconfig or a master URL ({exc})"
            ) from None
    if kubeconfig_path:
        overrides: dict[str, Any] = {"host": master_url} if master_url else {}
        try:
            return load_kubeconfig(kubeconfig_path, **overrides)
        except EmptyConfigError:
            if not master_url:
                raise
    return Config(host=master_url)
