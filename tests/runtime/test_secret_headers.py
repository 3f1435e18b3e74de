"""A credential with a line break never reaches an error message or a log.

Sent as it is, a token with CR or LF made the HTTP library refuse the request with an error that
quotes the whole header value — in the exception and in httpcore's DEBUG log. Every credential
that goes into a header unencoded is now checked where it is made, and the error names the
credential (the kubeconfig file and user, the token file, the plugin), never its value.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from kubeset import Config, ConfigError, Impersonation, load_kubeconfig
from kubeset.auth import ExecPluginError, clear_credential_cache
from kubeset.config import ExecConfig
from kubeset_k8s.clientset import Clientset

SECRET = "s3cr3t-value"
PLUGIN = Path(__file__).resolve().parents[1] / "fake_exec_plugin.py"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    clear_credential_cache()
    yield
    clear_credential_cache()


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        _Handler.seen.append(dict(self.headers.items()))
        body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _get(config: Config) -> Any:
    with Clientset.for_config(config.copy(max_retries=0)) as clients:
        return clients.core_v1().config_maps("default").get("x")


def _assert_hidden(text: str) -> None:
    assert SECRET not in text
    assert "X-Evil" not in text


BROKEN = [f"{SECRET}\r\nX-Evil: yes", f"{SECRET}\nX-Evil", f"X-Evil{SECRET}\r"]


@pytest.mark.parametrize("token", BROKEN)
def test_a_config_token_with_a_line_break(
    token: str, server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigError) as info:
        _get(Config(host=server, bearer_token=token))
    assert "(Config.bearer_token) contains a line break" in str(info.value)
    _assert_hidden(str(info.value))
    _assert_hidden(caplog.text)
    assert _Handler.seen == []  # refused before anything was sent


def test_a_kubeconfig_token_names_the_file_and_user(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "c", "cluster": {"server": "https://c:6443"}}],
                "users": [{"name": "alice", "user": {"token": f"{SECRET}\nX-Evil: 1"}}],
                "contexts": [{"name": "m", "context": {"cluster": "c", "user": "alice"}}],
                "current-context": "m",
            }
        )
    )
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert str(info.value) == (
        f"{path}: user 'alice': token contains a line break (the value is not shown)"
    )


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ({"as": f"bob{SECRET}\r\n"}, "as contains a line break"),
        ({"as": "bob", "as-groups": ["ok", f"g\n{SECRET}"]}, "as-groups[1] contains a line break"),
        (
            {"as": "bob", "as-user-extra": {"scopes": [f"{SECRET}\rX-Evil"]}},
            "as-user-extra['scopes'][0] contains a line break",
        ),
        ({"as": "bob", "as-uid": f"\x00{SECRET}"}, "as-uid contains a control character"),
    ],
)
def test_kubeconfig_impersonation_values(
    tmp_path: Path, user: dict[str, Any], message: str
) -> None:
    path = tmp_path / "config"
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "c", "cluster": {"server": "https://c:6443"}}],
                "users": [{"name": "alice", "user": user}],
                "contexts": [{"name": "m", "context": {"cluster": "c", "user": "alice"}}],
                "current-context": "m",
            }
        )
    )
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert f"{path}: user 'alice': {message}" in str(info.value)
    _assert_hidden(str(info.value))


def test_config_impersonation_value(server: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigError, match="Impersonate-Group contains a line break") as info:
        _get(Config(host=server, impersonate=Impersonation("bob", groups=(f"{SECRET}\r\n",))))
    _assert_hidden(str(info.value))
    _assert_hidden(caplog.text)
    assert _Handler.seen == []


def test_a_token_file_with_a_line_break(
    tmp_path: Path, server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token_file = tmp_path / "token"
    token_file.write_text(f"{SECRET}\r\nX-Evil: yes\n")  # the final newline alone is fine
    with pytest.raises(ConfigError) as info:
        _get(Config(host=server, bearer_token_file=str(token_file)))
    assert f"the token in token file {token_file} contains a line break" in str(info.value)
    _assert_hidden(str(info.value))
    _assert_hidden(caplog.text)
    assert _Handler.seen == []


def test_an_exec_plugin_token_with_a_line_break(
    tmp_path: Path, server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = "client.authentication.k8s.io/v1"
    plan = {"api_version": api, "responses": [{"token": f"{SECRET}\nX-Evil: yes"}]}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    exec_config = ExecConfig(
        command=sys.executable,
        args=(str(PLUGIN), str(tmp_path)),
        api_version=api,
        interactive_mode="Never",
    )
    with pytest.raises(ExecPluginError) as info:
        _get(Config(host=server, exec_provider=exec_config))
    assert "status.token contains a line break" in str(info.value)
    _assert_hidden(str(info.value))
    _assert_hidden(caplog.text)
    assert _Handler.seen == []


def test_basic_auth_with_a_line_break_is_sent_encoded(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A username and password travel base64-encoded: no character can break the header, and
    neither appears anywhere."""
    caplog.set_level(logging.DEBUG)
    _get(Config(host=server, username="alice", password=f"{SECRET}\r\nX-Evil: yes"))
    assert len(_Handler.seen) == 1
    assert _Handler.seen[0]["Authorization"].startswith("Basic ")
    assert "X-Evil" not in _Handler.seen[0]
    _assert_hidden(caplog.text)


def test_an_unsafe_header_is_refused_even_past_the_checks() -> None:
    """The last line of defence: ``Authenticator.headers`` refuses a value no check caught."""
    from kubeset.auth import Authenticator, Credentials

    auth = Authenticator(Config(host="https://h"))
    with pytest.raises(ConfigError) as info:
        auth.headers(Credentials("token", token=f"{SECRET}\n"))
    assert "the Authorization header contains a line break" in str(info.value)
    _assert_hidden(str(info.value))
