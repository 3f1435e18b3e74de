"""Kubeconfig loading, in-cluster configuration, flag fallbacks and TLS settings (``kubeset.config``)."""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

import kubeset.kubeconfig
from kubeset.config import Config, ConfigError
from kubeset.kubeconfig import build_config_from_flags, in_cluster_config, load_kubeconfig
from tests.pki import Pem, make_pki

# --- a throwaway PKI ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki() -> Pem:
    return make_pki()


@pytest.fixture(scope="module")
def other_pki() -> Pem:
    return make_pki("other-ca")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def ca_subjects(ctx: ssl.SSLContext) -> list[str]:
    """The common names of the CA certificates ``ctx`` trusts."""
    names: list[str] = []
    for cert in ctx.get_ca_certs():
        for rdn in cert.get("subject", ()):
            names.extend(str(value) for key, value in rdn if key == "commonName")
    return names


# --- kubeconfig files ------------------------------------------------------------------------------


def kubeconfig(
    *,
    cluster: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    current: str | None = "main",
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "prod", "cluster": cluster or {"server": "https://prod.example:6443"}},
            {"name": "dev", "cluster": {"server": "https://dev.example:6443"}},
        ],
        "users": [
            {"name": "alice", "user": user if user is not None else {"token": "alice-token"}},
            {"name": "bob", "user": {"token": "bob-token"}},
        ],
        "contexts": [
            {"name": "main", "context": context or {"cluster": "prod", "user": "alice"}},
            {"name": "dev", "context": {"cluster": "dev", "user": "bob", "namespace": "sandbox"}},
        ],
    }
    if current is not None:
        doc["current-context"] = current
    return doc


def write(path: Path, doc: dict[str, Any] | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


class TestLoadKubeconfig:
    def test_token_user(self, tmp_path: Path) -> None:
        cfg = load_kubeconfig(write(tmp_path / "config", kubeconfig()))
        assert cfg.host == "https://prod.example:6443"
        assert cfg.bearer_token == "alice-token"
        assert cfg.namespace == "default"
        assert cfg.cert_file is None and cfg.ca_file is None
        assert cfg.insecure_skip_tls_verify is False

    def test_accepts_str_path(self, tmp_path: Path) -> None:
        path = write(tmp_path / "config", kubeconfig())
        assert load_kubeconfig(str(path)).bearer_token == "alice-token"

    def test_namespace_from_context(self, tmp_path: Path) -> None:
        doc = kubeconfig(context={"cluster": "prod", "user": "alice", "namespace": "team-a"})
        assert load_kubeconfig(write(tmp_path / "config", doc)).namespace == "team-a"

    def test_context_override(self, tmp_path: Path) -> None:
        cfg = load_kubeconfig(write(tmp_path / "config", kubeconfig()), context="dev")
        assert cfg.host == "https://dev.example:6443"
        assert cfg.bearer_token == "bob-token"
        assert cfg.namespace == "sandbox"

    def test_field_overrides(self, tmp_path: Path) -> None:
        cfg = load_kubeconfig(write(tmp_path / "config", kubeconfig()), qps=5, namespace="x")
        assert cfg.qps == 5
        assert cfg.namespace == "x"

    def test_kubeconfig_env(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = write(tmp_path / "from-env", kubeconfig())
        monkeypatch.setenv("KUBECONFIG", os.pathsep.join(["", str(path), "/nonexistent"]))
        assert load_kubeconfig().host == "https://prod.example:6443"

    def test_default_path(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("KUBECONFIG", raising=False)
        monkeypatch.setenv("HOME", str(tmp_path))
        write(tmp_path / ".kube" / "config", kubeconfig(current="dev"))
        assert load_kubeconfig().host == "https://dev.example:6443"

    def test_cluster_options(self, tmp_path: Path) -> None:
        doc = kubeconfig(
            cluster={
                "server": "https://10.0.0.1:6443/",
                "insecure-skip-tls-verify": True,
                "tls-server-name": "kubernetes.default.svc",
                "proxy-url": "http://proxy.corp:3128",
                "disable-compression": True,
            }
        )
        cfg = load_kubeconfig(write(tmp_path / "config", doc))
        assert cfg.host == "https://10.0.0.1:6443"
        assert cfg.insecure_skip_tls_verify is True
        assert cfg.tls_server_name == "kubernetes.default.svc"
        assert cfg.proxy_url == "http://proxy.corp:3128"
        assert cfg.disable_compression is True
        ctx = cfg.ssl_context()
        assert isinstance(ctx, ssl.SSLContext)
        assert ctx.verify_mode == ssl.CERT_NONE
        assert ctx.check_hostname is False

    def test_relative_files_resolved_against_kubeconfig_dir(
        self, tmp_path: Path, pki: Pem, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        base = tmp_path / "kube"
        write(base / "pki" / "ca.crt", pki.ca_cert.decode())
        write(base / "pki" / "client.crt", pki.cert.decode())
        write(base / "pki" / "client.key", pki.key.decode())
        write(base / "token", "file-token\n")
        doc = kubeconfig(
            cluster={"server": "https://prod.example:6443", "certificate-authority": "pki/ca.crt"},
            user={
                "client-certificate": "pki/client.crt",
                "client-key": "pki/client.key",
                "tokenFile": "token",
            },
        )
        path = write(base / "config", doc)
        monkeypatch.chdir(tmp_path)  # not the kubeconfig's directory
        cfg = load_kubeconfig(path)
        assert cfg.ca_file == str(base / "pki" / "ca.crt")
        assert cfg.cert_file == str(base / "pki" / "client.crt")
        assert cfg.key_file == str(base / "pki" / "client.key")
        assert cfg.bearer_token_file == str(base / "token")
        assert Path(str(cfg.bearer_token_file)).read_text().strip() == "file-token"
        ctx = cfg.ssl_context()
        assert isinstance(ctx, ssl.SSLContext)
        assert ca_subjects(ctx) == ["kubeset-test-ca"]
        assert ctx.verify_mode == ssl.CERT_REQUIRED

    def test_absolute_files_kept(self, tmp_path: Path, pki: Pem) -> None:
        ca = write(tmp_path / "elsewhere" / "ca.crt", pki.ca_cert.decode())
        doc = kubeconfig(cluster={"server": "https://p:6443", "certificate-authority": str(ca)})
        cfg = load_kubeconfig(write(tmp_path / "kube" / "config", doc))
        assert cfg.ca_file == str(ca)

    def test_data_variants(self, tmp_path: Path, pki: Pem) -> None:
        doc = kubeconfig(
            cluster={"server": "https://p:6443", "certificate-authority-data": b64(pki.ca_cert)},
            user={"client-certificate-data": b64(pki.cert), "client-key-data": b64(pki.key)},
        )
        cfg = load_kubeconfig(write(tmp_path / "config", doc))
        assert cfg.ca_data == pki.ca_cert
        assert cfg.cert_data == pki.cert
        assert cfg.key_data == pki.key
        assert cfg.ca_file is None and cfg.cert_file is None and cfg.key_file is None
        ctx = cfg.ssl_context()
        assert isinstance(ctx, ssl.SSLContext)
        assert ca_subjects(ctx) == ["kubeset-test-ca"]

    def test_basic_auth_user(self, tmp_path: Path) -> None:
        doc = kubeconfig(user={"username": "admin", "password": "hunter2"})
        cfg = load_kubeconfig(write(tmp_path / "config", doc))
        assert (cfg.username, cfg.password) == ("admin", "hunter2")

    def test_context_without_user(self, tmp_path: Path) -> None:
        doc = kubeconfig(context={"cluster": "prod"})
        cfg = load_kubeconfig(write(tmp_path / "config", doc))
        assert cfg.bearer_token is None
        assert cfg.bearer_token_file is None and cfg.username is None

    def test_missing_context(self, tmp_path: Path) -> None:
        path = write(tmp_path / "config", kubeconfig())
        with pytest.raises(ConfigError) as exc:
            load_kubeconfig(path, context="staging")
        message = str(exc.value)
        assert str(path) in message
        assert "context 'staging' not found" in message
        assert "known contexts: dev, main" in message

    def test_missing_cluster(self, tmp_path: Path) -> None:
        doc = kubeconfig(context={"cluster": "gone", "user": "alice"})
        with pytest.raises(ConfigError) as exc:
            load_kubeconfig(write(tmp_path / "config", doc))
        assert "cluster 'gone' not found (known clusters: dev, prod)" in str(exc.value)

    def test_missing_user(self, tmp_path: Path) -> None:
        doc = kubeconfig(context={"cluster": "prod", "user": "carol"})
        with pytest.raises(ConfigError) as exc:
            load_kubeconfig(write(tmp_path / "config", doc))
        assert "user 'carol' not found (known users: alice, bob)" in str(exc.value)

    def test_no_current_context(self, tmp_path: Path) -> None:
        path = write(tmp_path / "config", kubeconfig(current=None))
        with pytest.raises(ConfigError, match="current-context is not set"):
            load_kubeconfig(path)
        assert load_kubeconfig(path, context="main").bearer_token == "alice-token"

    def test_context_without_cluster(self, tmp_path: Path) -> None:
        doc = kubeconfig(context={"user": "alice"})
        with pytest.raises(ConfigError, match="context 'main' names no cluster"):
            load_kubeconfig(write(tmp_path / "config", doc))

    def test_cluster_without_server(self, tmp_path: Path) -> None:
        doc = kubeconfig(cluster={"insecure-skip-tls-verify": True})
        with pytest.raises(ConfigError, match="cluster 'prod' has no server"):
            load_kubeconfig(write(tmp_path / "config", doc))

    def test_empty_lists(self, tmp_path: Path) -> None:
        path = write(tmp_path / "config", "current-context: x\n")
        with pytest.raises(ConfigError, match=r"context 'x' not found \(known contexts: none\)"):
            load_kubeconfig(path)

    def test_malformed_yaml_names_file_and_line(self, tmp_path: Path) -> None:
        text = "apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: [unclosed\ncontexts: []\n"
        path = write(tmp_path / "broken", text)
        with pytest.raises(ConfigError) as exc:
            load_kubeconfig(path)
        message = str(exc.value)
        assert message.startswith(f"{path}:")
        line = int(message[len(str(path)) + 1 :].split(":", 1)[0])
        assert 4 <= line <= 6
        assert "not valid YAML" in message

    def test_tab_indentation_names_line(self, tmp_path: Path) -> None:
        path = write(tmp_path / "tabs", "apiVersion: v1\nkind: Config\n\tbad: tab\n")
        with pytest.raises(ConfigError, match=rf"^{path}:3: kubeconfig is not valid YAML"):
            load_kubeconfig(path)

    def test_not_a_mapping(self, tmp_path: Path) -> None:
        path = write(tmp_path / "list", "- a\n- b\n")
        with pytest.raises(ConfigError, match=f"{path}: kubeconfig must be a mapping, not list"):
            load_kubeconfig(path)

    def test_empty_file(self, tmp_path: Path) -> None:
        path = write(tmp_path / "empty", "")
        with pytest.raises(ConfigError, match="current-context is not set"):
            load_kubeconfig(path)

    def test_file_missing(self, tmp_path: Path) -> None:
        missing = tmp_path / "nope"
        with pytest.raises(ConfigError, match=f"cannot read kubeconfig {missing}"):
            load_kubeconfig(missing)

    @pytest.mark.parametrize(
        ("section", "key", "option"),
        [
            ("cluster", "certificate-authority", "ca-file"),
            ("user", "client-certificate", "cert-file"),
            ("user", "client-key", "key-file"),
        ],
    )
    def test_missing_cert_file_named(
        self, tmp_path: Path, section: str, key: str, option: str
    ) -> None:
        cluster = {"server": "https://p:6443"}
        user: dict[str, Any] = {}
        (cluster if section == "cluster" else user)[key] = "pki/missing.pem"
        path = write(tmp_path / "config", kubeconfig(cluster=cluster, user=user))
        with pytest.raises(ConfigError) as exc:
            load_kubeconfig(path)
        message = str(exc.value)
        assert str(tmp_path / "pki" / "missing.pem") in message
        assert option in message
        assert "does not exist" in message

    @pytest.mark.parametrize(
        ("section", "key"),
        [
            ("cluster", "certificate-authority-data"),
            ("user", "client-certificate-data"),
            ("user", "client-key-data"),
        ],
    )
    def test_invalid_base64(self, tmp_path: Path, section: str, key: str) -> None:
        cluster = {"server": "https://p:6443"}
        user: dict[str, Any] = {}
        (cluster if section == "cluster" else user)[key] = "not base64!!"
        path = write(tmp_path / "config", kubeconfig(cluster=cluster, user=user))
        with pytest.raises(ConfigError) as exc:
            load_kubeconfig(path)
        message = str(exc.value)
        assert key in message
        assert "not valid base64" in message
        assert str(path) in message


# --- build_config_from_flags ----------------------------------------------------------------------


@pytest.fixture
def outside_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)


class TestBuildConfigFromFlags:
    def test_master_only(self, outside_cluster: None) -> None:
        cfg = build_config_from_flags("https://10.1.2.3:6443", "")
        assert cfg.host == "https://10.1.2.3:6443"
        assert cfg.bearer_token is None and cfg.bearer_token_file is None
        assert cfg.username is None

    def test_master_without_scheme(self, outside_cluster: None) -> None:
        assert build_config_from_flags("10.1.2.3:6443").host == "https://10.1.2.3:6443"

    def test_kubeconfig_only(self, tmp_path: Path) -> None:
        path = write(tmp_path / "config", kubeconfig())
        cfg = build_config_from_flags("", str(path))
        assert cfg.host == "https://prod.example:6443"
        assert cfg.bearer_token == "alice-token"

    def test_master_overrides_kubeconfig_server(self, tmp_path: Path) -> None:
        path = write(tmp_path / "config", kubeconfig())
        cfg = build_config_from_flags("https://override:8443", str(path))
        assert cfg.host == "https://override:8443"
        assert cfg.bearer_token == "alice-token"

    def test_nothing_outside_cluster(
        self, outside_cluster: None, caplog: pytest.LogCaptureFixture
    ) -> None:
        with pytest.raises(ConfigError) as exc:
            build_config_from_flags("", "")
        message = str(exc.value)
        assert "no configuration has been provided" in message
        assert "KUBERNETES_SERVICE_HOST" in message
        assert any("in-cluster" in r.getMessage() for r in caplog.records)

    def test_nothing_inside_cluster(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        sa = make_sa_dir(tmp_path, namespace="ops")
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
        real = kubeset.kubeconfig.in_cluster_config
        monkeypatch.setattr(kubeset.kubeconfig, "in_cluster_config", lambda: real(sa_dir=sa))
        cfg = build_config_from_flags()
        assert cfg.host == "https://10.96.0.1:443"
        assert cfg.namespace == "ops"


# --- in-cluster ------------------------------------------------------------------------------------


def make_sa_dir(
    base: Path,
    *,
    token: str | None = "sa-token",
    ca: bytes | None = None,
    namespace: str | None = "payments",
) -> Path:
    sa = base / "serviceaccount"
    sa.mkdir()
    if token is not None:
        (sa / "token").write_text(token)
    if ca is not None:
        (sa / "ca.crt").write_bytes(ca)
    if namespace is not None:
        (sa / "namespace").write_text(namespace)
    return sa


ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}


class TestInClusterConfig:
    def test_service_account(self, tmp_path: Path, pki: Pem) -> None:
        sa = make_sa_dir(tmp_path, ca=pki.ca_cert)
        cfg = in_cluster_config(env=ENV, sa_dir=sa)
        assert cfg.host == "https://10.96.0.1:443"
        assert cfg.ca_file == str(sa / "ca.crt")
        assert cfg.bearer_token_file == str(sa / "token")
        assert cfg.bearer_token is None
        assert cfg.namespace == "payments"
        assert Path(str(cfg.bearer_token_file)).read_text().strip() == "sa-token"
        ctx = cfg.ssl_context()
        assert isinstance(ctx, ssl.SSLContext)
        assert ca_subjects(ctx) == ["kubeset-test-ca"]

    def test_reads_os_environ(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.9")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
        cfg = in_cluster_config(sa_dir=make_sa_dir(tmp_path))
        assert cfg.host == "https://10.0.0.9:6443"

    def test_ipv6_host(self, tmp_path: Path) -> None:
        env = {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}
        cfg = in_cluster_config(env=env, sa_dir=make_sa_dir(tmp_path))
        assert cfg.host == "https://[fd00::1]:443"

    def test_optional_files(self, tmp_path: Path) -> None:
        cfg = in_cluster_config(env=ENV, sa_dir=make_sa_dir(tmp_path, namespace=None))
        assert cfg.namespace == "default"
        assert cfg.ca_file is None

    def test_blank_namespace_file(self, tmp_path: Path) -> None:
        cfg = in_cluster_config(env=ENV, sa_dir=make_sa_dir(tmp_path, namespace="\n"))
        assert cfg.namespace == "default"

    @pytest.mark.parametrize("missing", ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"])
    def test_env_missing(self, tmp_path: Path, missing: str) -> None:
        env = {k: v for k, v in ENV.items() if k != missing}
        with pytest.raises(ConfigError, match="not running in a cluster"):
            in_cluster_config(env=env, sa_dir=make_sa_dir(tmp_path))

    def test_token_missing(self, tmp_path: Path) -> None:
        sa = make_sa_dir(tmp_path, token=None)
        with pytest.raises(ConfigError, match=f"{sa / 'token'} does not exist"):
            in_cluster_config(env=ENV, sa_dir=sa)


# --- Config -----------------------------------------------------------------------------------------------


class TestConfig:
    def test_host_normalised(self) -> None:
        assert Config(host="example:6443/").host == "https://example:6443"
        assert Config(host="http://127.0.0.1:8080").host == "http://127.0.0.1:8080"

    def test_defaults(self) -> None:
        cfg = Config(host="h")
        assert (cfg.qps, cfg.burst, cfg.timeout, cfg.max_retries) == (50.0, 100, 30.0, 5)
        assert cfg.user_agent == f"kubeset/{kubeset.__version__}"
        assert cfg.namespace == "default"

    def test_copy(self) -> None:
        cfg = Config(host="h", bearer_token="t")
        other = cfg.copy(qps=0)
        assert other.qps == 0 and cfg.qps == 50
        assert other.bearer_token == "t"

    def test_repr_hides_secrets(self, pki: Pem) -> None:
        cfg = Config(
            host="https://h:6443",
            bearer_token="tok-very-secret-123",
            password="pw-very-secret-456",
            username="admin",
            key_data=pki.key,
            cert_data=pki.cert,
            ca_data=pki.ca_cert,
        )
        for text in (repr(cfg), str(cfg)):
            assert "tok-very-secret-123" not in text
            assert "pw-very-secret-456" not in text
            assert "PRIVATE KEY" not in text
            assert pki.key.decode()[40:80] not in text
            assert "BEGIN CERTIFICATE" not in text
            assert "https://h:6443" in text
            assert "admin" in text

    def test_repr_of_loaded_kubeconfig_hides_secrets(self, tmp_path: Path, pki: Pem) -> None:
        doc = kubeconfig(
            user={
                "token": "loaded-token-789",
                "client-certificate-data": b64(pki.cert),
                "client-key-data": b64(pki.key),
            }
        )
        text = repr(load_kubeconfig(write(tmp_path / "config", doc)))
        assert "loaded-token-789" not in text
        assert "PRIVATE KEY" not in text
        assert b64(pki.key)[:40] not in text

    def test_plain_http_needs_no_tls(self) -> None:
        assert Config(host="http://127.0.0.1:8080").ssl_context() is True

    def test_ca_data_trusted_alone(self, pki: Pem) -> None:
        ctx = Config(host="https://h", ca_data=pki.ca_cert).ssl_context()
        assert isinstance(ctx, ssl.SSLContext)
        # Only the cluster's CA, not the system bundle as well.
        assert ca_subjects(ctx) == ["kubeset-test-ca"]
        assert ctx.verify_mode == ssl.CERT_REQUIRED
        assert ctx.check_hostname is True

    def test_ca_data_overrides_ca_file(self, tmp_path: Path, pki: Pem, other_pki: Pem) -> None:
        ca_file = write(tmp_path / "ca.crt", other_pki.ca_cert.decode())
        ctx = Config(host="https://h", ca_file=str(ca_file), ca_data=pki.ca_cert).ssl_context()
        assert isinstance(ctx, ssl.SSLContext)
        assert ca_subjects(ctx) == ["kubeset-test-ca"]

    def test_invalid_ca_data(self) -> None:
        with pytest.raises(ConfigError, match="certificate-authority-data is not a valid PEM CA"):
            Config(host="https://h", ca_data=b"garbage").ssl_context()

    def test_client_cert_data_leaves_no_files(
        self, tmp_path: Path, pki: Pem, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(scratch))
        cfg = Config(host="https://h", ca_data=pki.ca_cert, cert_data=pki.cert, key_data=pki.key)
        ctx = cfg.ssl_context()
        assert isinstance(ctx, ssl.SSLContext)
        assert list(scratch.iterdir()) == []

    def test_bad_client_cert_data_leaves_no_files(
        self, tmp_path: Path, pki: Pem, other_pki: Pem, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(scratch))
        # A key that does not belong to the certificate.
        cfg = Config(host="https://h", cert_data=pki.cert, key_data=other_pki.key)
        with pytest.raises(ConfigError) as exc:
            cfg.ssl_context()
        message = str(exc.value)
        assert "client-certificate-data" in message and "client-key-data" in message
        assert other_pki.key.decode() not in message
        assert list(scratch.iterdir()) == []

    def test_client_cert_files(self, tmp_path: Path, pki: Pem) -> None:
        cert = write(tmp_path / "c.crt", pki.cert.decode())
        key = write(tmp_path / "c.key", pki.key.decode())
        cfg = Config(host="https://h", cert_file=str(cert), key_file=str(key))
        assert isinstance(cfg.ssl_context(), ssl.SSLContext)

    def test_client_cert_file_with_data_key(self, tmp_path: Path, pki: Pem) -> None:
        cert = write(tmp_path / "c.crt", pki.cert.decode())
        cfg = Config(host="https://h", cert_file=str(cert), key_data=pki.key)
        assert isinstance(cfg.ssl_context(), ssl.SSLContext)

    def test_bad_client_cert_file_named(self, tmp_path: Path, pki: Pem) -> None:
        cert = write(tmp_path / "c.crt", "not a cert")
        key = write(tmp_path / "c.key", pki.key.decode())
        cfg = Config(host="https://h", cert_file=str(cert), key_file=str(key))
        with pytest.raises(
            ConfigError, match=f"cannot load client certificate {cert} with key {key}"
        ):
            cfg.ssl_context()

    def test_client_cert_without_key(self, pki: Pem) -> None:
        with pytest.raises(ConfigError, match="no client key"):
            Config(host="https://h", cert_data=pki.cert).ssl_context()
