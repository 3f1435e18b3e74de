"""Authentication end to end, against a control plane of this module's own.

The API server knows a static-token user (``--token-auth-file``) besides the client-certificate
users; the tests cover a certificate user limited by RBAC, the static-token user (token and token
file), impersonation, and an exec plugin (``tests/fake_exec_plugin.py``) that returns the
static user's token or a user's client certificate — counting exactly how often it runs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from kubeset import Config, Forbidden, Unauthorized, load_kubeconfig
from kubeset.auth import ExecPluginError, clear_credential_cache
from kubeset.config import Impersonation
from kubeset.envtest import Binaries, ControlPlane, TokenUser, User
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models.authentication_v1 import SelfSubjectReview
from kubeset_k8s.models.core_v1 import ConfigMap, Namespace
from kubeset_k8s.models.meta_v1 import ObjectMeta
from kubeset_k8s.models.rbac_v1 import PolicyRule, Role, RoleBinding, RoleRef, Subject

PLUGIN = Path(__file__).resolve().parents[1] / "fake_exec_plugin.py"
V1 = "client.authentication.k8s.io/v1"
TOKEN_USER = "tina"
#: Lifetime of the plugin's short-lived credentials; long enough for a burst of requests.
SHORT = 2.5


@pytest.fixture(scope="module")
def plane(envtest_binaries: Binaries) -> Iterator[ControlPlane]:
    cp = ControlPlane(
        etcd_path=envtest_binaries.etcd,
        apiserver_path=envtest_binaries.kube_apiserver,
        token_users={TOKEN_USER: ["testers"]},
    )
    cp.start()
    try:
        yield cp
    finally:
        cp.stop()


@pytest.fixture(scope="module")
def admin(plane: ControlPlane) -> Iterator[Clientset]:
    with Clientset.for_config(load_kubeconfig(plane.kubeconfig_path, qps=0)) as cs:
        yield cs


@pytest.fixture(scope="module")
def tina(plane: ControlPlane) -> TokenUser:
    return plane.token_user(TOKEN_USER)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    clear_credential_cache()
    yield
    clear_credential_cache()


def new_namespace(admin: Clientset) -> str:
    name = f"auth-{uuid.uuid4().hex[:8]}"
    admin.core_v1().namespaces().create(Namespace(metadata=ObjectMeta(name=name)))
    return name


def whoami(cs: Clientset) -> tuple[str, list[str]]:
    review = cs.authentication_v1().self_subject_reviews().create(SelfSubjectReview())
    assert review.status and review.status.user_info
    info = review.status.user_info
    return str(info.username), list(info.groups or [])


async def awhoami(cs: AsyncClientset) -> str:
    review = await cs.authentication_v1().self_subject_reviews().create(SelfSubjectReview())
    assert review.status and review.status.user_info
    return str(review.status.user_info.username)


def grant_configmap_reading(admin: Clientset, ns: str, kind: str, name: str) -> None:
    """A Role allowing get and list of ConfigMaps in ``ns``, bound to a User or Group."""
    admin.rbac_v1().roles(ns).create(
        Role(
            metadata=ObjectMeta(name="cm-reader"),
            rules=[PolicyRule(api_groups=[""], resources=["configmaps"], verbs=["get", "list"])],
        )
    )
    admin.rbac_v1().role_bindings(ns).create(
        RoleBinding(
            metadata=ObjectMeta(name=f"cm-reader-{name}"),
            role_ref=RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="cm-reader"),
            subjects=[Subject(api_group="rbac.authorization.k8s.io", kind=kind, name=name)],
        )
    )


def wait_for_rbac(check: Any) -> None:
    """RBAC changes reach the authorizer through an informer: poll briefly (bounded)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            check()
            return
        except Forbidden:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# --- a client-certificate user limited by RBAC ----------------------------------------------------


def test_certificate_user_limited_by_rbac(plane: ControlPlane, admin: Clientset) -> None:
    allowed, other = new_namespace(admin), new_namespace(admin)
    for ns in (allowed, other):
        admin.core_v1().config_maps(ns).create(ConfigMap(metadata=ObjectMeta(name="cm")))
    carol = plane.add_user("carol", ["carol-team"])
    grant_configmap_reading(admin, allowed, "User", "carol")
    with Clientset.for_config(load_kubeconfig(carol.kubeconfig_path, qps=0)) as cs:
        assert whoami(cs)[0] == "carol"
        wait_for_rbac(lambda: cs.core_v1().config_maps(allowed).list())
        names = [cm.metadata.name for cm in cs.core_v1().config_maps(allowed).list().items or []]
        assert "cm" in names
        assert cs.core_v1().config_maps(allowed).get("cm").metadata.name == "cm"
        with pytest.raises(Forbidden) as info:
            cs.core_v1().config_maps(other).list()
        assert info.value.code == 403
        assert (
            f'User "carol" cannot list resource "configmaps" in API group "" in the namespace "{other}"'
            in str(info.value)
        )
        with pytest.raises(Forbidden, match='User "carol" cannot create resource "configmaps"'):
            cs.core_v1().config_maps(allowed).create(ConfigMap(metadata=ObjectMeta(name="x")))


# --- a static-token user ------------------------------------------------------------------------------


def test_static_token_user(tina: TokenUser, admin: Clientset) -> None:
    config = load_kubeconfig(tina.kubeconfig_path, qps=0)
    assert tina.token not in repr(config)
    with Clientset.for_config(config) as cs:
        user, groups = whoami(cs)
        assert user == TOKEN_USER
        assert "testers" in groups and "system:authenticated" in groups
        ns = new_namespace(admin)
        with pytest.raises(Forbidden, match=f'User "{TOKEN_USER}" cannot list'):
            cs.core_v1().config_maps(ns).list()
        grant_configmap_reading(admin, ns, "Group", "testers")
        wait_for_rbac(lambda: cs.core_v1().config_maps(ns).list())


def test_token_file_user(tina: TokenUser, plane: ControlPlane, tmp_path: Path) -> None:
    (tmp_path / "token").write_text(tina.token + "\n")
    kubeconfig = yaml.safe_load(tina.kubeconfig_path.read_text())
    del kubeconfig["users"][0]["user"]["token"]
    kubeconfig["users"][0]["user"]["tokenFile"] = "token"  # relative to the kubeconfig
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(kubeconfig))
    with Clientset.for_config(load_kubeconfig(path, qps=0)) as cs:
        assert whoami(cs)[0] == TOKEN_USER


def test_a_wrong_token_is_unauthorized(plane: ControlPlane, tina: TokenUser) -> None:
    config = load_kubeconfig(tina.kubeconfig_path, qps=0).copy(bearer_token="not-a-token")
    with Clientset.for_config(config) as cs, pytest.raises(Unauthorized) as info:
        whoami(cs)
    assert info.value.code == 401
    assert "not-a-token" not in str(info.value)


def test_tokens_never_reach_the_logs(tina: TokenUser, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with Clientset.for_config(load_kubeconfig(tina.kubeconfig_path, qps=0)) as cs:
        whoami(cs)
    assert caplog.records  # httpx and httpcore did log the requests
    assert tina.token not in caplog.text


# --- impersonation --------------------------------------------------------------------------------------


def test_impersonating_a_user_without_rights(plane: ControlPlane) -> None:
    config = load_kubeconfig(plane.kubeconfig_path, qps=0).copy(impersonate=Impersonation("alice"))
    with Clientset.for_config(config) as cs:
        assert whoami(cs)[0] == "alice"
        with pytest.raises(Forbidden) as info:
            cs.core_v1().pods("default").list()
    assert 'User "alice" cannot list resource "pods"' in str(info.value)


def test_impersonation_from_a_kubeconfig(
    plane: ControlPlane, admin: Clientset, tmp_path: Path
) -> None:
    ns = new_namespace(admin)
    grant_configmap_reading(admin, ns, "Group", "auditors")
    kubeconfig = yaml.safe_load(plane.kubeconfig_path.read_text())
    kubeconfig["users"][0]["user"].update(
        {"as": "alice", "as-groups": ["auditors", "others"], "as-user-extra": {"team": ["a"]}}
    )
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(kubeconfig))
    with Clientset.for_config(load_kubeconfig(path, qps=0)) as cs:
        review = cs.authentication_v1().self_subject_reviews().create(SelfSubjectReview())
        assert review.status and review.status.user_info
        info = review.status.user_info
        assert info.username == "alice"
        assert {"auditors", "others"} <= set(info.groups or [])
        assert (info.extra or {}).get("team") == ["a"]
        wait_for_rbac(lambda: cs.core_v1().config_maps(ns).list())
        with pytest.raises(Forbidden, match='User "alice" cannot list resource "pods"'):
            cs.core_v1().pods(ns).list()


# --- exec plugins ---------------------------------------------------------------------------------------


class Plugin:
    """``fake_exec_plugin.py`` in a state directory, and a kubeconfig that runs it."""

    def __init__(self, directory: Path, plane: ControlPlane, *responses: dict[str, Any]) -> None:
        self.dir = directory
        self.plane = plane
        directory.mkdir(parents=True, exist_ok=True)
        plan = {"api_version": V1, "responses": list(responses)}
        (directory / "plan.json").write_text(json.dumps(plan))

    def kubeconfig(self, **exec_fields: Any) -> Path:
        doc = yaml.safe_load(self.plane.kubeconfig_path.read_text())
        doc["users"][0]["user"] = {
            "exec": {
                "apiVersion": V1,
                "command": sys.executable,
                "args": [str(PLUGIN), str(self.dir)],
                "interactiveMode": "Never",
                "provideClusterInfo": True,
                **exec_fields,
            }
        }
        path = self.dir / "kubeconfig"
        path.write_text(yaml.safe_dump(doc))
        return path

    def config(self, **exec_fields: Any) -> Config:
        return load_kubeconfig(self.kubeconfig(**exec_fields), qps=0)

    @property
    def runs(self) -> int:
        path = self.dir / "runs"
        return len(path.read_text().splitlines()) if path.exists() else 0

    def records(self) -> list[dict[str, Any]]:
        path = self.dir / "runs"
        return [json.loads(line) for line in path.read_text().splitlines()]

    def expiry(self, run: int) -> float:
        """When the credential of run ``run`` (1-based) expires, as the plugin stamped it."""
        return float((self.dir / "expiries").read_text().splitlines()[run - 1])


def wait_past(moment: float) -> None:
    """Sleep until just after ``moment`` (a POSIX time at most a few seconds away)."""
    delay = moment + 0.2 - time.time()
    assert delay < SHORT + 5, "bounded wait"
    if delay > 0:
        time.sleep(delay)


def cert_response(user: User, **extra: Any) -> dict[str, Any]:
    return {"cert": user.cert_path.read_text(), "key": user.key_path.read_text(), **extra}


def test_exec_runs_once_then_again_after_expiry(
    plane: ControlPlane, tina: TokenUser, tmp_path: Path
) -> None:
    plugin = Plugin(tmp_path / "p", plane, {"token": tina.token, "expires_in": SHORT})
    with Clientset.for_config(plugin.config()) as cs:
        for _ in range(20):
            assert whoami(cs)[0] == TOKEN_USER
        assert time.time() < plugin.expiry(1), "the burst must fit in the credential's lifetime"
        assert plugin.runs == 1
        wait_past(plugin.expiry(1))
        for _ in range(5):
            assert whoami(cs)[0] == TOKEN_USER
        assert plugin.runs == 2
    info = plugin.records()[0]["exec_info"]
    assert info["apiVersion"] == V1
    assert info["spec"]["interactive"] is False
    assert info["spec"]["cluster"]["server"] == plane.host
    ca = base64.b64decode(info["spec"]["cluster"]["certificate-authority-data"])
    assert ca == plane.ca_cert_path.read_bytes()


def test_exec_shared_by_concurrent_async_requests(
    plane: ControlPlane, tina: TokenUser, tmp_path: Path
) -> None:
    plugin = Plugin(tmp_path / "p", plane, {"token": tina.token, "sleep": 0.3})

    async def main() -> list[str]:
        async with AsyncClientset.for_config(plugin.config()) as cs:
            return await asyncio.gather(*(awhoami(cs) for _ in range(25)))

    assert asyncio.run(main()) == [TOKEN_USER] * 25
    assert plugin.runs == 1


def test_exec_shared_by_threads_and_clientsets(
    plane: ControlPlane, tina: TokenUser, tmp_path: Path
) -> None:
    plugin = Plugin(tmp_path / "p", plane, {"token": tina.token, "sleep": 0.3})
    config = plugin.config()
    users: list[str] = []

    def worker() -> None:
        with Clientset.for_config(config) as cs:  # a clientset per thread, one plugin cache
            users.extend(whoami(cs)[0] for _ in range(3))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert users == [TOKEN_USER] * 18
    assert plugin.runs == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_exec_rerun_after_a_401(
    plane: ControlPlane, tina: TokenUser, tmp_path: Path, mode: str
) -> None:
    plugin = Plugin(tmp_path / "p", plane, {"token": "revoked-token"}, {"token": tina.token})
    config = plugin.config()
    if mode == "sync":
        with Clientset.for_config(config) as cs:
            assert whoami(cs)[0] == TOKEN_USER  # 401, plugin again, the same request again
            assert plugin.runs == 2
            for _ in range(10):
                whoami(cs)
    else:

        async def main() -> None:
            async with AsyncClientset.for_config(config) as cs:
                assert await awhoami(cs) == TOKEN_USER
                assert plugin.runs == 2
                for _ in range(10):
                    await awhoami(cs)

        asyncio.run(main())
    assert plugin.runs == 2


def test_exec_a_token_the_server_never_accepts(plane: ControlPlane, tmp_path: Path) -> None:
    plugin = Plugin(tmp_path / "p", plane, {"token": "bad-1"}, {"token": "bad-2"})
    with Clientset.for_config(plugin.config()) as cs, pytest.raises(Unauthorized) as info:
        whoami(cs)
    assert plugin.runs == 2  # one refresh, one retry: no loop
    assert "bad-" not in str(info.value)


def test_exec_client_certificate_and_its_rotation(plane: ControlPlane, tmp_path: Path) -> None:
    first, second = plane.add_user("erin"), plane.add_user("frank")
    plugin = Plugin(
        tmp_path / "p", plane, cert_response(first, expires_in=SHORT), cert_response(second)
    )
    with Clientset.for_config(plugin.config()) as cs:
        assert [whoami(cs)[0] for _ in range(5)] == ["erin"] * 5
        assert plugin.runs == 1
        with pytest.raises(Forbidden, match='User "erin" cannot list resource "pods"'):
            cs.core_v1().pods("default").list()
        wait_past(plugin.expiry(1))
        assert whoami(cs)[0] == "frank"  # a new TLS identity: new connections
        assert plugin.runs == 2


def test_exec_client_certificate_async(plane: ControlPlane, tmp_path: Path) -> None:
    plugin = Plugin(tmp_path / "p", plane, cert_response(plane.add_user("gina")))

    async def main() -> list[str]:
        async with AsyncClientset.for_config(plugin.config()) as cs:
            return await asyncio.gather(*(awhoami(cs) for _ in range(5)))

    assert asyncio.run(main()) == ["gina"] * 5
    assert plugin.runs == 1


def test_exec_plugin_missing(plane: ControlPlane, tmp_path: Path) -> None:
    plugin = Plugin(tmp_path / "p", plane, {"token": "x"})
    config = plugin.config(
        command=str(tmp_path / "kubectl-login"), args=[], installHint="Install kubectl-login: ..."
    )
    with Clientset.for_config(config) as cs, pytest.raises(ExecPluginError) as info:
        whoami(cs)
    assert f"executable {tmp_path / 'kubectl-login'} not found" in str(info.value)
    assert info.value.install_hint == "Install kubectl-login: ..."


def test_exec_plugin_failing(plane: ControlPlane, tmp_path: Path) -> None:
    plugin = Plugin(tmp_path / "p", plane, {"exit": 2, "stderr": "error: no cached login"})
    config = plugin.config(installHint="run `login` first")
    with Clientset.for_config(config) as cs, pytest.raises(ExecPluginError) as info:
        whoami(cs)
    assert info.value.exit_code == 2
    assert "error: no cached login" in str(info.value) and "run `login` first" in str(info.value)


# --- cluster transport settings: proxy-url, tls-server-name ------------------------------------------


class ConnectProxy:
    """An HTTP CONNECT proxy on 127.0.0.1 that tunnels to 127.0.0.1 only and records requests."""

    def __init__(self, credentials: str | None = None) -> None:
        self.credentials = credentials
        self.requests: list[tuple[str, str | None]] = []  # (target, Proxy-Authorization)
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = int(self._server.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()
        for sock in self._sockets:
            sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._sockets.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
        lines = head.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        auth = headers.get("Proxy-Authorization")
        self.requests.append((target, auth))
        host, port = target.rsplit(":", 1)
        if method != "CONNECT" or host != "127.0.0.1":
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            return
        if self.credentials is not None:
            expected = "Basic " + base64.b64encode(self.credentials.encode()).decode()
            if auth != expected:
                conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
                return
        upstream = socket.create_connection((host, int(port)), timeout=30)
        self._sockets.append(upstream)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        pipe = threading.Thread(target=self._pipe, args=(upstream, conn), daemon=True)
        pipe.start()
        self._pipe(conn, upstream)
        pipe.join(30)

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    p = ConnectProxy(credentials="kube:proxy-pass-1")
    try:
        yield p
    finally:
        p.close()


def test_proxy_url(
    plane: ControlPlane, tina: TokenUser, proxy: ConnectProxy, tmp_path: Path
) -> None:
    doc = yaml.safe_load(tina.kubeconfig_path.read_text())
    doc["clusters"][0]["cluster"]["proxy-url"] = f"http://kube:proxy-pass-1@127.0.0.1:{proxy.port}"
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(doc))
    config = load_kubeconfig(path, qps=0)
    assert "proxy-pass-1" not in repr(config)
    with Clientset.for_config(config) as cs:
        assert whoami(cs)[0] == TOKEN_USER
    target = plane.host.removeprefix("https://")
    expected_auth = "Basic " + base64.b64encode(b"kube:proxy-pass-1").decode()
    assert proxy.requests == [(target, expected_auth)]  # one tunnel, kept alive


def test_tls_server_name(plane: ControlPlane, tina: TokenUser) -> None:
    config = load_kubeconfig(tina.kubeconfig_path, qps=0, max_retries=0)
    # The serving certificate names kubernetes.default.svc, not 127.0.0.1's other names.
    with Clientset.for_config(config.copy(tls_server_name="kubernetes.default.svc")) as cs:
        assert whoami(cs)[0] == TOKEN_USER
    with (
        Clientset.for_config(config.copy(tls_server_name="not-the-server.example")) as cs,
        pytest.raises(
            httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"
        ),
    ):
        whoami(cs)
