"""A broken cluster CA or server URL is reported when the kubeconfig is loaded, naming the file and
the cluster entry — not at the first request, as an error that names neither."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeset import ConfigError, load_kubeconfig
from tests.pki import make_pki

CA = make_pki().ca_cert


def _write(tmp_path: Path, cluster: dict[str, Any]) -> Path:
    path = tmp_path / "config"
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "prod", "cluster": cluster}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "m", "context": {"cluster": "prod", "user": "u"}}],
                "current-context": "m",
            }
        )
    )
    return path


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    "data",
    [
        b"not a certificate",
        b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
        b"\xff\xfe binary",
        CA[:200],  # cut short
    ],
)
def test_certificate_authority_data_that_is_not_pem(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path, {"server": "https://h:6443", "certificate-authority-data": b64(data)})
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert str(info.value).startswith(
        f"{path}: cluster 'prod': certificate-authority-data is not a PEM certificate"
    )


def test_certificate_authority_file_that_is_not_pem(tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")
    path = _write(tmp_path, {"server": "https://h:6443", "certificate-authority": "ca.crt"})
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert str(info.value).startswith(
        f"{path}: cluster 'prod': certificate-authority {ca} is not a PEM certificate"
    )


def test_a_good_ca_loads(tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_bytes(CA)
    path = _write(tmp_path, {"server": "https://h:6443", "certificate-authority-data": b64(CA)})
    assert load_kubeconfig(path).ca_data == CA
    path = _write(tmp_path, {"server": "https://h:6443", "certificate-authority": "ca.crt"})
    assert load_kubeconfig(path).ca_file == str(tmp_path / "ca.crt")


def test_an_override_of_the_trust_skips_the_broken_ca(tmp_path: Path) -> None:
    broken = b64(b"not a certificate")
    path = _write(tmp_path, {"server": "https://h:6443", "certificate-authority-data": broken})
    config = load_kubeconfig(path, insecure_skip_tls_verify=True)
    assert config.ca_data is None and config.insecure_skip_tls_verify
    assert load_kubeconfig(path, ca_data=CA).ca_data == CA


@pytest.mark.parametrize(
    ("server", "problem"),
    [
        ("https://h:port", "server 'https://h:port': the port is not a number"),
        ("https://h:6443x", "server 'https://h:6443x': the port is not a number"),
        ("https://h:99999", "server 'https://h:99999': the port is out of range (1-65535)"),
        ("https://h:0", "server 'https://h:0': the port is out of range (1-65535)"),
        ("h:abc", "server 'h:abc': the port is not a number"),
        ("https://", "server 'https://' has no host"),
        ("https:///api", "server 'https:///api' has no host"),
        ("ftp://h", "server 'ftp://h' has unsupported scheme 'ftp': must be https or http"),
    ],
)
def test_a_broken_server_url(tmp_path: Path, server: str, problem: str) -> None:
    path = _write(tmp_path, {"server": server})
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert str(info.value) == f"{path}: cluster 'prod': {problem}"


def test_a_server_url_hides_its_password(tmp_path: Path) -> None:
    path = _write(tmp_path, {"server": "https://user:hunter2@h:port"})
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert "hunter2" not in str(info.value) and "the port is not a number" in str(info.value)


@pytest.mark.parametrize(
    ("server", "host"),
    [
        ("https://h:6443", "https://h:6443"),
        ("http://10.0.0.1:8080/prefix", "http://10.0.0.1:8080/prefix"),
        ("h:6443", "https://h:6443"),  # no scheme: https, as client-go does
        ("https://[::1]:6443", "https://[::1]:6443"),
        ("https://h", "https://h"),
    ],
)
def test_good_server_urls(tmp_path: Path, server: str, host: str) -> None:
    assert load_kubeconfig(_write(tmp_path, {"server": server})).host == host


def test_a_server_override_skips_the_broken_server(tmp_path: Path) -> None:
    path = _write(tmp_path, {"server": "https://h:port"})
    assert load_kubeconfig(path, host="https://o:6443").host == "https://o:6443"
