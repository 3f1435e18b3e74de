"""A throwaway etcd + kube-apiserver pair listening on 127.0.0.1 only (plus, on request, the
kubelet stand-in and the Node it registers)."""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, Self

from kubeset.envtest._binaries import Binaries, find_binaries
from kubeset.envtest._errors import (
    BinariesNotFoundError,
    ControlPlaneStartError,
    EnvtestError,
    require_envtest_extra,
)

if TYPE_CHECKING:
    import httpx

    from kubeset.envtest._pki import CertificateAuthority

LOOPBACK = "127.0.0.1"
SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"
# First address of SERVICE_CLUSTER_IP_RANGE: the ClusterIP of the `kubernetes`
# Service. It only appears in the serving certificate; nothing connects to it.
_KUBERNETES_SERVICE_IP = "10.0.0.1"
CLUSTER_NAME = "envtest"
ADMIN_USER = "admin"
ADMIN_GROUP = "system:masters"

#: The Node that the kubelet stand-in (``ControlPlane(kubelet=True)``) registers.
KUBELET_NODE_NAME = "kubeset-node"
#: The node's InternalIP. kube-apiserver refuses to proxy ``nodes/proxy`` to a loopback node
#: address, so the node gets a documentation address (RFC 5737 TEST-NET-1, never routed) that
#: kube-apiserver reaches through its "cluster" egress: an HTTP CONNECT proxy on a unix socket,
#: served by the stand-in, which maps it to 127.0.0.1 (see envtest/README.md).
KUBELET_NODE_IP = "192.0.2.10"
#: The user kube-apiserver authenticates as to the kubelet (--kubelet-client-certificate).
KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client"

_BIND_ATTEMPTS = 3
_STOP_TIMEOUT = 20.0
_KILL_TIMEOUT = 5.0
_PROBE_TIMEOUT = 2.0
_POLL_INTERVAL = 0.1
#: The stand-in stops within about 9 s of SIGTERM (5 s for connections, twice its 2 s kill grace).
_KUBELET_KILL_GRACE = "2s"
_TAIL_BYTES = 256 * 1024
_ADDRESS_IN_USE = "address already in use"

_live: set[ControlPlane] = set()
_live_lock = threading.Lock()


def _stop_live_control_planes() -> None:
    with _live_lock:
        planes = list(_live)
    for plane in planes:
        plane.stop()


atexit.register(_stop_live_control_planes)


@dataclass(frozen=True)
class User:
    """A user of a test control plane, authenticated by a client certificate.

    Attributes:
        name: the user name (certificate CN).
        groups: the groups (certificate O fields).
        cert_path: PEM client certificate.
        key_path: PEM private key (mode 0600).
        kubeconfig_path: a kubeconfig for this user against the control plane.
    """

    name: str
    groups: tuple[str, ...]
    cert_path: Path
    key_path: Path
    kubeconfig_path: Path


@dataclass(frozen=True)
class TokenUser:
    """A user of a test control plane, authenticated by a static bearer token.

    The API server reads its tokens from ``--token-auth-file`` when it starts, so these users
    are given to :class:`ControlPlane` (``token_users=``) before it starts.

    Attributes:
        name: the user name (also its uid).
        groups: the groups it belongs to.
        token: the bearer token (not in ``repr()``).
        kubeconfig_path: a kubeconfig for this user (the token as ``token:``).
    """

    name: str
    groups: tuple[str, ...]
    token: str = field(repr=False)
    kubeconfig_path: Path


#: Ports are chosen below Linux's ephemeral range (32768-60999 by default): while the API server
#: is down (a restart), a client connecting to its port could otherwise be given that very port
#: as its own source port and connect to itself (TCP simultaneous open), which blocks the restart.
_PORT_RANGE = (20000, 32000)


def _free_ports(count: int) -> list[int]:
    """Distinct ports that are free on 127.0.0.1 right now (they may be taken later), outside
    the ephemeral range (see :data:`_PORT_RANGE`)."""
    sockets: list[socket.socket] = []
    rng = random.SystemRandom()
    try:
        for _ in range(200 * count):
            if len(sockets) == count:
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind((LOOPBACK, rng.randrange(*_PORT_RANGE)))
            except OSError:
                s.close()
                continue
            sockets.append(s)
        while len(sockets) < count:  # the range is crowded: any free port
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(s)
            s.bind((LOOPBACK, 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _tail(path: Path | None, lines: int) -> str:
    if path is None:
        return "(no log)"
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - _TAIL_BYTES))
            data = f.read()
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    text = data.decode("utf-8", errors="replace")
    kept = text.splitlines()[-lines:] if lines > 0 else []
    return "\n".join(kept) if kept else "(empty)"


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _parent_death_signal() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes Linux kill the child if this process dies.

    This keeps etcd and kube-apiserver from outliving a test run that is killed
    without running its cleanup (e.g. by SIGKILL). Only used from the main
    thread: the kernel ties the signal to the thread that started the child.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    sigkill = int(signal.SIGKILL)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, sigkill, 0, 0, 0)

    return preexec


def _spawn(argv: Sequence[str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        log.write(f"$ {' '.join(argv)}\n".encode())
        log.flush()
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_parent_death_signal(),  # see _parent_death_signal
            close_fds=True,
        )


def _terminate(proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """SIGTERM the process group of ``proc``, then SIGKILL it after ``timeout``.

    Does nothing for a process that was already reaped (its id may be reused).
    """
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=_KILL_TIMEOUT)
    # Anything left in the group (the binaries start no children, but a wrapper
    # script given as a binary might).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _kubeconfig(
    *,
    host: str,
    ca_pem: bytes,
    user: str,
    cert_pem: bytes | None = None,
    key_pem: bytes | None = None,
    token: str | None = None,
) -> str:
    def q(value: str) -> str:
        return json.dumps(value)  # a JSON string is a valid YAML scalar

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        f"- name: {CLUSTER_NAME}\n"
        "  cluster:\n"
        f"    server: {q(host)}\n"
        f"    certificate-authority-data: {b64(ca_pem)}\n"
        "users:\n"
        f"- name: {q(user)}\n"
        "  user:\n"
        + (f"    token: {q(token)}\n" if token is not None else "")
        + (f"    client-certificate-data: {b64(cert_pem)}\n" if cert_pem is not None else "")
        + (f"    client-key-data: {b64(key_pem)}\n" if key_pem is not None else "")
        + "contexts:\n"
        f"- name: {CLUSTER_NAME}\n"
        "  context:\n"
        f"    cluster: {CLUSTER_NAME}\n"
        f"    user: {q(user)}\n"
        f"current-context: {CLUSTER_NAME}\n"
        "preferences: {}\n"
    )


def _safe_file_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned[:64] or "user"


class ControlPlane:
    """etcd plus kube-apiserver, started on free 127.0.0.1 ports for tests.

    Example::

        with ControlPlane() as cp:
            print(cp.host, cp.kubeconfig_path)

    Everything (certificates, etcd data, logs, kubeconfigs) lives in a private
    temporary directory that :meth:`stop` removes. Both processes run in their
    own process groups and are stopped by :meth:`stop`, by leaving the ``with``
    block, or at interpreter exit.

    There is no controller manager or scheduler: objects are stored and
    validated, but nothing acts on them. With ``kubelet=True`` a kubelet
    stand-in (``bin/kubelet``, built from ``envtest/cmd/kubelet``) runs too and
    registers the Node :data:`KUBELET_NODE_NAME`; pods bound to it
    (``spec.nodeName``) get local processes, so ``pods/exec``, ``attach``,
    ``portforward``, ``log`` and ``nodes/proxy`` work through the API server
    (see envtest/README.md for what the stand-in does and does not do).

    Args:
        binary_dir: directory holding ``etcd`` and ``kube-apiserver``.
        etcd_path: explicit path of the etcd binary.
        apiserver_path: explicit path of the kube-apiserver binary.
        extra_apiserver_flags: appended to kube-apiserver's command line (later
            flags override earlier ones).
        start_timeout: seconds to wait for both processes to become ready.
        runtime_config_all: enable every API group/version, including alpha and
            beta ones, and every alpha/beta feature gate.
        token_users: users authenticated by static bearer tokens (name → groups),
            served through kube-apiserver's ``--token-auth-file``; see
            :meth:`token_user`.
        kubelet: also start the kubelet stand-in and configure kube-apiserver to
            reach it (this needs API server flags, so it is chosen here, not later).
        kubelet_path: explicit path of the kubelet stand-in binary.
    """

    def __init__(
        self,
        binary_dir: str | os.PathLike[str] | None = None,
        etcd_path: str | os.PathLike[str] | None = None,
        apiserver_path: str | os.PathLike[str] | None = None,
        extra_apiserver_flags: Iterable[str] = (),
        start_timeout: float = 60.0,
        runtime_config_all: bool = False,
        token_users: Mapping[str, Iterable[str]] | None = None,
        kubelet: bool = False,
        kubelet_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self._kubelet_enabled = bool(kubelet)
        self._kubelet_path = kubelet_path
        self._binary_dir = binary_dir
        self._etcd_path = etcd_path
        self._apiserver_path = apiserver_path
        if isinstance(extra_apiserver_flags, str):
            raise TypeError("extra_apiserver_flags must be a sequence of flags, not a string")
        self._extra_apiserver_flags = tuple(extra_apiserver_flags)
        self._start_timeout = float(start_timeout)
        self._runtime_config_all = runtime_config_all
        self._token_user_groups: dict[str, tuple[str, ...]] = {}
        for name, groups in (token_users or {}).items():
            groups = (groups,) if isinstance(groups, str) else tuple(groups)
            for value in (name, *groups):
                if not value or any(c in value for c in ',"\r\n'):
                    raise ValueError(
                        f"token user names and groups must be non-empty and free of commas, "
                        f"quotes and newlines: {value!r}"
                    )
            self._token_user_groups[name] = groups
        self._state_lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        self._tmp_dir: Path | None = None
        self._etcd: subprocess.Popen[bytes] | None = None
        self._apiserver: subprocess.Popen[bytes] | None = None
        self._kubelet: subprocess.Popen[bytes] | None = None
        self._kubelet_port: int | None = None
        self._kubelet_log: Path | None = None
        self._kubelet_user: User | None = None
        self._etcd_url: str | None = None
        self._host: str | None = None
        self._admin: User | None = None
        self._client_ca: CertificateAuthority | None = None
        self._serving_ca_pem = b""
        self._user_dirs: set[str] = set()
        self._token_users: dict[str, TokenUser] = {}
        self._etcd_log: Path | None = None
        self._apiserver_log: Path | None = None
        self.start_seconds: float = 0.0
        """Seconds :meth:`start` took, from launching etcd to a ready API server."""

    # ------------------------------------------------------------------ state

    def _require(self, value: Any, what: str) -> Any:
        if value is None:
            raise EnvtestError(f"control plane is not running (no {what}); call start() first")
        return value

    @property
    def running(self) -> bool:
        """True while both processes (and the kubelet stand-in, if enabled) are alive."""
        procs = [self._etcd, self._apiserver]
        if self._kubelet_enabled:
            procs.append(self._kubelet)
        return all(p is not None and p.poll() is None for p in procs)

    @property
    def kubelet_enabled(self) -> bool:
        """Whether this control plane runs the kubelet stand-in (``kubelet=True``)."""
        return self._kubelet_enabled

    def _require_kubelet(self) -> None:
        if not self._kubelet_enabled:
            raise EnvtestError(
                "this control plane has no kubelet stand-in; use ControlPlane(kubelet=True)"
            )

    @property
    def node_name(self) -> str:
        """The Node the kubelet stand-in registered (:data:`KUBELET_NODE_NAME`); set a pod's
        ``spec.nodeName`` to it to make the pod exec-able."""
        self._require_kubelet()
        return KUBELET_NODE_NAME

    @property
    def kubelet_port(self) -> int:
        """The kubelet stand-in's HTTPS port on 127.0.0.1 (the node's kubelet endpoint port)."""
        self._require_kubelet()
        return int(self._require(self._kubelet_port, "kubelet"))

    @property
    def kubelet_log_path(self) -> Path:
        """The kubelet stand-in's combined stdout/stderr."""
        self._require_kubelet()
        return Path(self._require(self._kubelet_log, "kubelet log"))

    @property
    def kubelet_root_dir(self) -> Path:
        """The stand-in's directory: container logs under ``logs/<ns>_<pod>_<uid>/<container>/
        0.log`` (CRI format), working directories under ``pods/``."""
        self._require_kubelet()
        return self.tmp_dir / "kubelet"

    @property
    def kubelet_pid(self) -> int | None:
        """Process id (and process group id) of the kubelet stand-in, if started."""
        return None if self._kubelet is None else self._kubelet.pid

    @property
    def host(self) -> str:
        """The API server URL, e.g. ``https://127.0.0.1:40123``."""
        return str(self._require(self._host, "host"))

    @property
    def etcd_url(self) -> str:
        """etcd's client URL, e.g. ``http://127.0.0.1:40124``."""
        return str(self._require(self._etcd_url, "etcd"))

    @property
    def tmp_dir(self) -> Path:
        """The private working directory (removed by :meth:`stop`)."""
        return Path(self._require(self._tmp_dir, "temporary directory"))

    @property
    def admin(self) -> User:
        """The cluster admin (CN ``admin``, group ``system:masters``)."""
        admin: User = self._require(self._admin, "admin user")
        return admin

    @property
    def kubeconfig_path(self) -> Path:
        """The admin kubeconfig (mode 0600; credentials embedded as ``-data`` fields)."""
        return self.admin.kubeconfig_path

    @property
    def ca_cert_path(self) -> Path:
        """PEM of the CA that signed the API server's serving certificate."""
        return self.tmp_dir / "pki" / "serving-ca.crt"

    @property
    def apiserver_log_path(self) -> Path:
        """kube-apiserver's combined stdout/stderr."""
        return Path(self._require(self._apiserver_log, "kube-apiserver log"))

    @property
    def etcd_log_path(self) -> Path:
        """etcd's combined stdout/stderr."""
        return Path(self._require(self._etcd_log, "etcd log"))

    @property
    def apiserver_pid(self) -> int | None:
        """Process id (and process group id) of kube-apiserver, if started."""
        return None if self._apiserver is None else self._apiserver.pid

    @property
    def etcd_pid(self) -> int | None:
        """Process id (and process group id) of etcd, if started."""
        return None if self._etcd is None else self._etcd.pid

    def logs_tail(self, n: int = 40) -> str:
        """The last ``n`` lines of the kube-apiserver and etcd logs."""
        parts = []
        logs = [("kube-apiserver", self._apiserver_log), ("etcd", self._etcd_log)]
        if self._kubelet_log is not None:
            logs.append(("kubelet", self._kubelet_log))
        for label, path in logs:
            where = f" ({path})" if path is not None else ""
            parts.append(f"--- {label} log, last {n} lines{where} ---\n{_tail(path, n)}")
        return "\n".join(parts)

    def ssl_context(self, user: User | None = None) -> ssl.SSLContext:
        """A client TLS context trusting the API server and presenting ``user``'s certificate.

        ``user`` defaults to :attr:`admin`.
        """
        user = user or self.admin
        ctx = ssl.create_default_context(cafile=str(self.ca_cert_path))
        ctx.load_cert_chain(str(user.cert_path), str(user.key_path))
        return ctx

    # -------------------------------------------------------------- lifecycle

    def __enter__(self) -> Self:
        """Start the control plane (unless already started); :meth:`stop` on exit."""
        with self._state_lock:
            if self._tmp_dir is not None:
                return self
            return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Self:
        """Start etcd and kube-apiserver and wait until the API server is ready (then, with
        ``kubelet=True``, the kubelet stand-in, until its node answers through the API server).

        Returns ``self``.

        Raises:
            MissingExtraError: ``cryptography`` is not installed (``kubeset[envtest]``).
            BinariesNotFoundError: the binaries are missing (says how to build them).
            ControlPlaneStartError: a process exited or readiness timed out; the
                message carries the tail of both logs.
        """
        with self._state_lock:
            if self._tmp_dir is not None:
                raise EnvtestError("control plane already started")
            require_envtest_extra()
            binaries = self._find_binaries()
            began = time.monotonic()
            deadline = began + self._start_timeout
            self._tmp_dir = Path(tempfile.mkdtemp(prefix="kubeset-envtest-"))
            os.chmod(self._tmp_dir, 0o700)
            with _live_lock:
                _live.add(self)
            try:
                self._etcd_log = self._tmp_dir / "etcd.log"
                self._apiserver_log = self._tmp_dir / "kube-apiserver.log"
                self._write_pki()
                self._start_etcd(binaries, deadline)
                self._start_apiserver(binaries, deadline)
                if self._kubelet_enabled:
                    self._start_kubelet(binaries, deadline)
            except BaseException:
                self.stop()
                raise
            self.start_seconds = time.monotonic() - began
            return self

    def stop(self) -> None:
        """Stop the kubelet stand-in (and every process it started), kube-apiserver, then etcd,
        and remove the temporary directory.

        Safe to call more than once and on a control plane that failed to start.
        """
        with self._state_lock:
            _terminate(self._kubelet, _STOP_TIMEOUT)
            _terminate(self._apiserver, _STOP_TIMEOUT)
            _terminate(self._etcd, _STOP_TIMEOUT)
            if self._tmp_dir is not None:
                shutil.rmtree(self._tmp_dir, ignore_errors=True)
            with _live_lock:
                _live.discard(self)
            etcd, apiserver, kubelet = self._etcd, self._apiserver, self._kubelet
            self._reset()
            # Keep the finished processes so callers can still read their pids.
            self._etcd, self._apiserver, self._kubelet = etcd, apiserver, kubelet

    # ------------------------------------------------------------------- PKI

    def _write_pki(self) -> None:
        from kubeset.envtest import _pki

        pki = self.tmp_dir / "pki"
        pki.mkdir(mode=0o700)
        serving_ca = _pki.CertificateAuthority("kubeset-envtest-serving-ca")
        self._serving_ca_pem = serving_ca.cert_pem
        self.ca_cert_path.write_bytes(serving_ca.cert_pem)
        serving = serving_ca.issue(
            "kube-apiserver",
            dns_names=[
                "localhost",
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
            ],
            ip_addresses=[LOOPBACK, "::1", _KUBERNETES_SERVICE_IP],
            server=True,
        )
        serving.write(pki / "serving.crt", pki / "serving.key")

        self._client_ca = _pki.CertificateAuthority("kubeset-envtest-client-ca")
        (pki / "client-ca.crt").write_bytes(self._client_ca.cert_pem)

        sa = _pki.service_account_key()
        sa.write(pki / "sa.pub", pki / "sa.key")

        # The admin's certificate is needed to probe readiness; its kubeconfig
        # is written once the API server's address is known.
        self._issue_user(ADMIN_USER, (ADMIN_GROUP,), write_kubeconfig=False)
        self._write_token_file()
        if self._kubelet_enabled:
            self._write_kubelet_pki(serving_ca)

    def _write_kubelet_pki(self, serving_ca: CertificateAuthority) -> None:
        """Certificates of the kubelet stand-in and of kube-apiserver as its client, and the
        egress configuration that routes the node's address to the stand-in."""
        from kubeset.envtest._pki import write_private

        pki = self.tmp_dir / "pki"
        client_ca = self._client_ca
        assert client_ca is not None
        # The stand-in's serving certificate, for the node's addresses; kube-apiserver checks it
        # (--kubelet-certificate-authority).
        serving_ca.issue(
            KUBELET_NODE_NAME,
            dns_names=[KUBELET_NODE_NAME, "localhost"],
            ip_addresses=[KUBELET_NODE_IP, LOOPBACK],
            server=True,
        ).write(pki / "kubelet-serving.crt", pki / "kubelet-serving.key")
        # kube-apiserver's client certificate to the kubelet, which the stand-in requires.
        client_ca.issue(KUBELET_CLIENT_USER, organizations=[ADMIN_GROUP], client=True).write(
            pki / "apiserver-kubelet-client.crt", pki / "apiserver-kubelet-client.key"
        )
        # The stand-in's own identity to kube-apiserver (a node, allowed everything: RBAC is
        # the only authorizer here, so the group system:masters rather than the Node authorizer).
        self._kubelet_user = self._issue_user(
            f"system:node:{KUBELET_NODE_NAME}",
            ("system:nodes", ADMIN_GROUP),
            write_kubeconfig=False,
        )
        egress = (
            "apiVersion: apiserver.k8s.io/v1beta1\n"
            "kind: EgressSelectorConfiguration\n"
            "egressSelections:\n"
            "- name: cluster\n"
            "  connection:\n"
            "    proxyProtocol: HTTPConnect\n"
            "    transport:\n"
            "      uds:\n"
            f"        udsName: {json.dumps(str(self._egress_socket))}\n"
        )
        write_private(pki / "egress-selector.yaml", egress.encode())

    @property
    def _egress_socket(self) -> Path:
        return self.tmp_dir / "egress.sock"

    def _write_token_file(self) -> None:
        """The ``--token-auth-file`` of the token users: ``token,user,uid,"group1,group2"``."""
        from kubeset.envtest._pki import write_private

        if not self._token_user_groups:
            return
        lines = []
        for name, groups in self._token_user_groups.items():
            token = secrets.token_urlsafe(32)
            base = _safe_file_name(name)
            dir_name, n = f"token-{base}", 1
            while dir_name in self._user_dirs:
                n += 1
                dir_name = f"token-{base}-{n}"
            self._user_dirs.add(dir_name)
            user_dir = self.tmp_dir / "users" / dir_name
            user_dir.mkdir(parents=True, mode=0o700)
            self._token_users[name] = TokenUser(
                name=name, groups=groups, token=token, kubeconfig_path=user_dir / "kubeconfig"
            )
            lines.append(f'{token},{name},{name},"{",".join(groups)}"\n')
        write_private(self.tmp_dir / "pki" / "tokens.csv", "".join(lines).encode())

    def _issue_user(self, name: str, groups: Sequence[str], *, write_kubeconfig: bool) -> User:
        ca = self._client_ca
        if ca is None or self._tmp_dir is None:
            raise EnvtestError("control plane is not running; call start() first")
        if not name:
            raise ValueError("user name must not be empty")
        if name == ADMIN_USER and self._admin is not None:
            raise ValueError(f"user {ADMIN_USER!r} already exists; use ControlPlane.admin")
        base = _safe_file_name(name)
        dir_name, n = base, 1
        while dir_name in self._user_dirs:
            n += 1
            dir_name = f"{base}-{n}"
        self._user_dirs.add(dir_name)
        user_dir = self._tmp_dir / "users" / dir_name
        user_dir.mkdir(parents=True, mode=0o700)
        pair = ca.issue(name, organizations=list(groups), client=True)
        cert_path, key_path = user_dir / "client.crt", user_dir / "client.key"
        pair.write(cert_path, key_path)
        kubeconfig = self._tmp_dir / "kubeconfig" if name == ADMIN_USER else user_dir / "kubeconfig"
        user = User(
            name=name,
            groups=tuple(groups),
            cert_path=cert_path,
            key_path=key_path,
            kubeconfig_path=kubeconfig,
        )
        if name == ADMIN_USER:
            self._admin = user
        if write_kubeconfig:
            self._write_kubeconfig(user)
        return user

    def _write_kubeconfig(self, user: User) -> None:
        from kubeset.envtest._pki import write_private

        text = _kubeconfig(
            host=self.host,
            ca_pem=self._serving_ca_pem,
            user=user.name,
            cert_pem=user.cert_path.read_bytes(),
            key_pem=user.key_path.read_bytes(),
        )
        write_private(user.kubeconfig_path, text.encode())

    def token_user(self, name: str) -> TokenUser:
        """The static-token user ``name`` given to the constructor (``token_users=``)."""
        self._require(self._host, "host")
        try:
            return self._token_users[name]
        except KeyError:
            known = ", ".join(sorted(self._token_users)) or "none"
            raise EnvtestError(
                f"no token user {name!r} (token users: {known}); token users are given to "
                "ControlPlane(token_users=...) before it starts"
            ) from None

    def _write_token_kubeconfig(self, user: TokenUser) -> None:
        from kubeset.envtest._pki import write_private

        text = _kubeconfig(
            host=self.host, ca_pem=self._serving_ca_pem, user=user.name, token=user.token
        )
        write_private(user.kubeconfig_path, text.encode())

    def add_user(self, name: str, groups: Iterable[str] = ()) -> User:
        """Create a user authenticated by a client certificate (CN=name, O=groups).

        The user has no permissions until RBAC grants some. Returns the
        :class:`User`, including a kubeconfig for it.
        """
        with self._state_lock:
            self._require(self._host, "host")
            return self._issue_user(name, tuple(groups), write_kubeconfig=True)

    # ------------------------------------------------------------------ etcd

    def _start_etcd(self, binaries: Binaries, deadline: float) -> None:
        log = self.etcd_log_path
        data_dir = self.tmp_dir / "etcd-data"
        for attempt in range(1, _BIND_ATTEMPTS + 1):
            client_port, peer_port = _free_ports(2)
            url = f"http://{LOOPBACK}:{client_port}"
            shutil.rmtree(data_dir, ignore_errors=True)
            offset = log.stat().st_size if log.exists() else 0
            self._etcd = _spawn(
                [
                    str(binaries.etcd),
                    f"--data-dir={data_dir}",
                    f"--listen-client-urls={url}",
                    f"--advertise-client-urls={url}",
                    f"--listen-peer-urls=http://{LOOPBACK}:{peer_port}",
                    "--unsafe-no-fsync",
                    "--log-level=warn",
                ],
                log,
            )
            self._etcd_url = url
            if self._wait_ready("etcd", self._etcd, self._etcd_healthy, deadline):
                return
            if _ADDRESS_IN_USE in _read_from(log, offset) and attempt < _BIND_ATTEMPTS:
                continue
            self._fail(f"etcd exited with code {self._etcd.returncode} before becoming healthy")

    def _etcd_healthy(self, client: httpx.Client) -> bool:
        response = client.get(f"{self.etcd_url}/health")
        if response.status_code != 200:
            return False
        body: Any = response.json()
        return isinstance(body, dict) and str(body.get("health")) == "true"

    def compact_etcd(self) -> int:
        """Compact etcd's history up to its current revision.

        Afterwards, reading or watching from a revision older than the returned
        one fails; for resources that the API server does not serve from its watch
        cache, a watch from such a ``resourceVersion`` ends with a 410 Gone
        (``Expired``) error event. Returns the revision compacted to.
        """
        import httpx

        url = self.etcd_url
        with httpx.Client(trust_env=False, timeout=10.0) as client:
            # Any key works: the response header carries the store's revision.
            key = base64.b64encode(b"/kubeset-envtest/revision-probe").decode("ascii")
            response = client.post(f"{url}/v3/kv/range", json={"key": key})
            if response.status_code != 200:
                raise EnvtestError(f"etcd range failed: {response.status_code} {response.text}")
            revision = int(response.json()["header"]["revision"])
            response = client.post(
                f"{url}/v3/kv/compaction", json={"revision": str(revision), "physical": True}
            )
            if response.status_code != 200 and "compacted" not in response.text:
                raise EnvtestError(
                    f"etcd compaction failed: {response.status_code} {response.text}"
                )
        return revision

    # ------------------------------------------------------- kube-apiserver

    def _apiserver_argv(self, binaries: Binaries, port: int) -> list[str]:
        pki = self.tmp_dir / "pki"
        argv = [
            str(binaries.kube_apiserver),
            f"--etcd-servers={self.etcd_url}",
            f"--cert-dir={self.tmp_dir / 'apiserver-certs'}",
            f"--tls-cert-file={pki / 'serving.crt'}",
            f"--tls-private-key-file={pki / 'serving.key'}",
            f"--client-ca-file={pki / 'client-ca.crt'}",
            f"--secure-port={port}",
            f"--bind-address={LOOPBACK}",
            f"--advertise-address={LOOPBACK}",
            f"--service-account-issuer=https://{LOOPBACK}:{port}",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--authorization-mode=RBAC",
            f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
            "--allow-privileged=true",
            # Without a controller manager no `default` ServiceAccount exists, and
            # the ServiceAccount admission plugin would reject every pod.
            "--disable-admission-plugins=ServiceAccount",
            # The `kubernetes` Service is still created, but its Endpoints are not
            # maintained: a loopback advertise address is invalid in Endpoints.
            "--endpoint-reconciler-type=none",
        ]
        if self._token_user_groups:
            argv.append(f"--token-auth-file={pki / 'tokens.csv'}")
        if self._kubelet_enabled:
            argv += [
                f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
                f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
                f"--kubelet-certificate-authority={self.ca_cert_path}",
                "--kubelet-preferred-address-types=InternalIP",
                f"--egress-selector-config-file={pki / 'egress-selector.yaml'}",
            ]
        if self._runtime_config_all:
            argv += ["--runtime-config=api/all=true", "--feature-gates=AllAlpha=true,AllBeta=true"]
        argv += self._extra_apiserver_flags
        return argv

    def _start_apiserver(self, binaries: Binaries, deadline: float) -> None:
        log = self.apiserver_log_path
        (self.tmp_dir / "apiserver-certs").mkdir(mode=0o700)
        for attempt in range(1, _BIND_ATTEMPTS + 1):
            (port,) = _free_ports(1)
            self._host = f"https://{LOOPBACK}:{port}"
            offset = log.stat().st_size if log.exists() else 0
            self._apiserver = _spawn(self._apiserver_argv(binaries, port), log)
            if self._wait_ready("kube-apiserver", self._apiserver, self._apiserver_ready, deadline):
                self._write_kubeconfig(self.admin)
                for token_user in self._token_users.values():
                    self._write_token_kubeconfig(token_user)
                return
            if _ADDRESS_IN_USE in _read_from(log, offset) and attempt < _BIND_ATTEMPTS:
                continue
            self._fail(
                f"kube-apiserver exited with code {self._apiserver.returncode} "
                "before becoming ready"
            )

    def restart_apiserver(self, *, down: float = 0.0, crash: bool = False) -> None:
        """Stop kube-apiserver and start it again on the same port and etcd (``down``: seconds to
        stay stopped; ``crash``: SIGKILL instead of a graceful SIGTERM, which waits up to 5 s
        for requests in flight). Clients see their connections cut and, meanwhile, refused;
        watches must resume from their last resourceVersion. etcd and every object stay as they
        were."""
        if self._apiserver is None or self._host is None:
            raise EnvtestError("the control plane is not running")
        binaries = self._find_binaries()
        port = int(self._host.rsplit(":", 1)[1])
        _terminate(self._apiserver, 0.0 if crash else 5.0)
        if down > 0:
            time.sleep(down)
        log = self.apiserver_log_path
        deadline = time.monotonic() + self._start_timeout
        for _attempt in range(1, _BIND_ATTEMPTS + 1):
            offset = log.stat().st_size if log.exists() else 0
            self._apiserver = _spawn(self._apiserver_argv(binaries, port), log)
            if self._wait_ready("kube-apiserver", self._apiserver, self._apiserver_ready, deadline):
                return
            if _ADDRESS_IN_USE not in _read_from(log, offset):
                break
            time.sleep(0.5)  # the old process's port is not free yet
        self._fail(f"kube-apiserver did not come back on port {port}")

    def _find_binaries(self) -> Binaries:
        return find_binaries(
            self._binary_dir, self._etcd_path, self._apiserver_path, self._kubelet_path
        )

    # -------------------------------------------------------- kubelet stand-in

    def _kubelet_argv(self, kubelet: Path, port: int, deadline: float) -> list[str]:
        pki = self.tmp_dir / "pki"
        remaining = max(1.0, deadline - time.monotonic())
        user = self._kubelet_user
        assert user is not None
        return [
            str(kubelet),
            f"--kubeconfig={user.kubeconfig_path}",
            f"--node-name={KUBELET_NODE_NAME}",
            f"--node-ip={KUBELET_NODE_IP}",
            f"--address={LOOPBACK}",
            f"--port={port}",
            f"--tls-cert-file={pki / 'kubelet-serving.crt'}",
            f"--tls-private-key-file={pki / 'kubelet-serving.key'}",
            f"--client-ca-file={pki / 'client-ca.crt'}",
            f"--authorized-users={KUBELET_CLIENT_USER}",
            f"--authorized-groups={ADMIN_GROUP}",
            f"--root-dir={self.kubelet_root_dir}",
            f"--egress-uds={self._egress_socket}",
            f"--kill-grace={_KUBELET_KILL_GRACE}",
            f"--start-timeout={remaining:.0f}s",
        ]

    def _start_kubelet(self, binaries: Binaries, deadline: float) -> None:
        from kubeset.envtest._binaries import kubelet_how_to

        if binaries.kubelet is None:
            where = binaries.kube_apiserver.parent
            raise BinariesNotFoundError(
                f"the kubelet stand-in is not in {where} (next to kube-apiserver): "
                f"{kubelet_how_to()}"
            )
        user = self._kubelet_user
        assert user is not None
        self._write_kubeconfig(user)
        self._kubelet_log = log = self.tmp_dir / "kubelet.log"
        self.kubelet_root_dir.mkdir(mode=0o700, exist_ok=True)
        for attempt in range(1, _BIND_ATTEMPTS + 1):
            (port,) = _free_ports(1)
            self._kubelet_port = port
            offset = log.stat().st_size if log.exists() else 0
            self._kubelet = _spawn(self._kubelet_argv(binaries.kubelet, port, deadline), log)
            if self._wait_ready("kubelet", self._kubelet, self._kubelet_ready, deadline):
                return
            if _ADDRESS_IN_USE in _read_from(log, offset) and attempt < _BIND_ATTEMPTS:
                continue
            self._fail(f"kubelet exited with code {self._kubelet.returncode} before becoming ready")

    def _kubelet_ready(self, client: httpx.Client) -> bool:
        # The whole path: the Node is registered, kube-apiserver reaches the stand-in through
        # the egress proxy, trusts its certificate, and the stand-in accepts kube-apiserver's.
        response = client.get(f"{self.host}/api/v1/nodes/{KUBELET_NODE_NAME}/proxy/healthz")
        return response.status_code == 200 and response.text == "ok"

    def _apiserver_ready(self, client: httpx.Client) -> bool:
        response = client.get(f"{self.host}/readyz")
        if response.status_code != 200:
            return False
        # Creating namespaced objects needs the `default` namespace, which the
        # API server creates shortly after it starts serving.
        response = client.get(f"{self.host}/api/v1/namespaces/default")
        return response.status_code == 200

    # --------------------------------------------------------------- helpers

    def _fail(self, reason: str) -> NoReturn:
        raise ControlPlaneStartError(f"{reason}\n{self.logs_tail()}")

    def _wait_ready(
        self,
        name: str,
        proc: subprocess.Popen[bytes],
        probe: Callable[[httpx.Client], bool],
        deadline: float,
    ) -> bool:
        """Poll ``probe`` until it passes (True) or ``proc`` exits (False).

        Raises ControlPlaneStartError when ``deadline`` passes or etcd dies while
        the API server starts.
        """
        import httpx

        verify: ssl.SSLContext | bool = False
        if name != "etcd":
            verify = self.ssl_context()
        with httpx.Client(trust_env=False, verify=verify, timeout=_PROBE_TIMEOUT) as client:
            while True:
                if proc.poll() is not None:
                    return False
                etcd = self._etcd
                if proc is not etcd and etcd is not None and etcd.poll() is not None:
                    self._fail(f"etcd exited with code {etcd.returncode} while {name} was starting")
                with contextlib.suppress(httpx.TransportError, ValueError):
                    if probe(client):
                        return True
                if time.monotonic() >= deadline:
                    self._fail(f"{name} not ready within {self._start_timeout:g}s")
                time.sleep(_POLL_INTERVAL)
