"""No secret ever shows: not in ``repr()``/``str()``, log records, or exception messages.

One case per kind of credential a kubeconfig can hold. Each is loaded from a kubeconfig file,
printed, and used for requests (sync and async) that the server refuses, with every logger at
DEBUG; then every text that came out is searched for the secrets.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from kubeset.auth import Authenticator, AuthRunner, clear_credential_cache
from kubeset.config import Config, ConfigError
from kubeset.errors import KubesetError
from kubeset.kubeconfig import load_kubeconfig
from kubeset.request import Request
from kubeset.rest import AsyncRESTClient, RESTClient
from tests.pki import Pem, make_pki

PLUGIN = Path(__file__).resolve().parents[1] / "fake_exec_plugin.py"
V1 = "client.authentication.k8s.io/v1"
PKI: Pem = make_pki(client_cn="secret-test")
KEY_BODY = PKI.key.decode().splitlines()[1]  # a line of the key's base64
KEY_B64 = base64.b64encode(PKI.key).decode()


def _jwt(marker: str) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part({'exp': int(time.time()) + 3600, 'm': marker})}.sig-{marker}"


ID_TOKEN = _jwt("id-token-secret-7")


@dataclass
class Secretive:
    id: str
    secrets: list[str]
    user: Callable[[Path], dict[str, Any]]
    cluster: dict[str, Any] = field(default_factory=dict)


def _plugin(tmp: Path, response: dict[str, Any]) -> dict[str, Any]:
    state = tmp / "plugin"
    state.mkdir(exist_ok=True)
    (state / "plan.json").write_text(json.dumps({"api_version": V1, "responses": [response]}))
    return {
        "command": sys.executable,
        "args": [str(PLUGIN), str(state)],
        "apiVersion": V1,
        "interactiveMode": "Never",
        "env": [{"name": "PLUGIN_PASSWORD", "value": "env-secret-5"}],
    }


def _token_file(tmp: Path) -> dict[str, Any]:
    (tmp / "token").write_text("file-token-secret-2\n")
    return {"tokenFile": "token"}


CASES = [
    Secretive("token", ["static-token-secret-1"], lambda tmp: {"token": "static-token-secret-1"}),
    Secretive("token-file", ["file-token-secret-2"], _token_file),
    Secretive(
        "basic-auth",
        ["password-secret-3", base64.b64encode(b"admin:password-secret-3").decode()],
        lambda tmp: {"username": "admin", "password": "password-secret-3"},
    ),
    Secretive(
        "client-key-data",
        [KEY_BODY, KEY_B64[:40]],
        lambda tmp: {
            "client-certificate-data": base64.b64encode(PKI.cert).decode(),
            "client-key-data": KEY_B64,
        },
    ),
    Secretive(
        "exec-token",
        ["exec-token-secret-4", "env-secret-5"],
        lambda tmp: {"exec": _plugin(tmp, {"token": "exec-token-secret-4"})},
    ),
    Secretive(
        "exec-client-certificate",
        [KEY_BODY, "env-secret-5"],
        lambda tmp: {
            "exec": _plugin(tmp, {"token": "t", "cert": PKI.cert.decode(), "key": PKI.key.decode()})
        },
    ),
    Secretive(
        "oidc",
        [ID_TOKEN, "refresh-token-secret-8", "client-secret-secret-9"],
        lambda tmp: {
            "auth-provider": {
                "name": "oidc",
                "config": {
                    "idp-issuer-url": "https://idp.example",
                    "client-id": "kube",
                    "client-secret": "client-secret-secret-9",
                    "id-token": ID_TOKEN,
                    "refresh-token": "refresh-token-secret-8",
                },
            }
        },
    ),
    Secretive(
        "proxy-password",
        ["proxy-secret-10"],
        lambda tmp: {"token": "t"},
        cluster={"proxy-url": "http://user:proxy-secret-10@proxy.example:3128"},
    ),
]


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    clear_credential_cache()
    yield
    clear_credential_cache()


def _kubeconfig(tmp: Path, case: Secretive) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "c", "cluster": {"server": "https://127.0.0.1:6443", **case.cluster}}
        ],
        "users": [{"name": "u", "user": case.user(tmp)}],
        "contexts": [{"name": "m", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "m",
    }
    path = tmp / "config"
    path.write_text(yaml.safe_dump(doc))
    return path


def _refuse(request: httpx.Request) -> httpx.Response:
    status = {"kind": "Status", "status": "Failure", "code": 401, "reason": "Unauthorized"}
    return httpx.Response(401, json={**status, "message": "Unauthorized"})


def _requests(config: Config) -> list[str]:
    """Texts of the errors of a sync and an async request that the server refuses."""
    texts = []
    req = Request("GET", "/api/v1/namespaces/default/pods")
    with (
        httpx.Client(base_url=config.host, transport=httpx.MockTransport(_refuse)) as http,
        RESTClient(config, http_client=http) as rest,
        pytest.raises(KubesetError) as info,
    ):
        rest.request(req)
    texts += [str(info.value), repr(info.value)]

    async def main() -> None:
        async with (
            httpx.AsyncClient(base_url=config.host, transport=httpx.MockTransport(_refuse)) as http,
            AsyncRESTClient(config, http_client=http) as rest,
        ):
            await rest.request(req)

    with pytest.raises(KubesetError) as info:
        asyncio.run(main())
    texts += [str(info.value), repr(info.value)]
    return texts


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_secrets_never_show(
    case: Secretive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = load_kubeconfig(_kubeconfig(tmp_path, case), qps=0)
    texts = [repr(config), str(config)]
    for part in (config.exec_provider, config.auth_provider, config.impersonate):
        texts.append(repr(part))
    creds = AuthRunner(Authenticator(config)).credentials()
    texts += [repr(creds), str(creds)]
    uses_plugin_cert = case.id == "exec-client-certificate"
    if not uses_plugin_cert:  # a plugin certificate needs kubeset's own httpx client
        texts += _requests(config)
    texts.append(caplog.text)
    texts += [r.getMessage() for r in caplog.records]
    for text in texts:
        for secret in case.secrets:
            assert secret not in text
    # The secret really was there to leak.
    assert (
        config.bearer_token
        or config.password
        or config.key_data
        or creds.token
        or (creds.client_cert or config.proxy_url)
    )


# --- error messages that read secret-bearing input --------------------------------------------------


def test_malformed_yaml_does_not_quote_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("users:\n- name: u\n  user:\n    token: yaml-secret-11: [oops\n")
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    message = str(info.value)
    assert message.startswith(f"{path}:4: kubeconfig is not valid YAML")
    assert "yaml-secret-11" not in message


def test_bad_base64_key_is_not_quoted(tmp_path: Path) -> None:
    path = tmp_path / "config"
    doc = {
        "clusters": [{"name": "c", "cluster": {"server": "https://h"}}],
        "users": [
            {
                "name": "u",
                "user": {
                    "client-certificate-data": "Yw==",
                    "client-key-data": "base64-secret-12!!",
                },
            }
        ],
        "contexts": [{"name": "m", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "m",
    }
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert "client-key-data is not valid base64" in str(info.value)
    assert "base64-secret-12" not in str(info.value)


def test_a_mismatched_key_is_not_quoted() -> None:
    other = make_pki()
    config = Config(host="https://h", cert_data=PKI.cert, key_data=other.key)
    with pytest.raises(ConfigError) as info:
        config.ssl_context()
    assert other.key.decode().splitlines()[1] not in str(info.value)


def test_plugin_output_is_not_quoted(tmp_path: Path) -> None:
    state = tmp_path / "p"
    state.mkdir()
    plan = {"api_version": V1, "responses": [{"raw": '{"status": {"token": "out-secret-13"'}]}
    (state / "plan.json").write_text(json.dumps(plan))
    from kubeset.config import ExecConfig

    config = Config(
        host="https://h",
        exec_provider=ExecConfig(
            command=sys.executable, args=(str(PLUGIN), str(state)), interactive_mode="Never"
        ),
    )
    with pytest.raises(ConfigError) as info:
        AuthRunner(Authenticator(config)).credentials()
    assert "not a JSON ExecCredential" in str(info.value)
    assert "out-secret-13" not in str(info.value)
