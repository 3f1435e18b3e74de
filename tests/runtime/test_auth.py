"""Authentication (``kubeset.auth``): the I/O-free flows, both runners, and the REST clients.

The flows are driven here by hand (:func:`drive`), answering their effects, so that every rule is
checked without a process or a network; then the runners run the real test plugin
(``tests/fake_exec_plugin.py``) and the REST clients talk to scripted servers.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import ssl
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml

from kubeset.auth import (
    AsyncAuthRunner,
    Authenticator,
    AuthRunner,
    CommandResult,
    CredentialCache,
    Credentials,
    ExecPluginError,
    HttpRequest,
    HttpResult,
    KubeAuth,
    PersistTokens,
    ReadFile,
    RunCommand,
    Sleep,
    clear_credential_cache,
)
from kubeset.config import (
    AuthProviderConfig,
    Config,
    ConfigError,
    ExecConfig,
    Impersonation,
    InsecureTLSWarning,
)
from kubeset.errors import Unauthorized
from kubeset.httpclient import client_options
from kubeset.kubeconfig import load_kubeconfig
from kubeset.request import Request
from kubeset.rest import AsyncRESTClient, RESTClient
from tests.pki import Pem, make_pki

PLUGIN = Path(__file__).resolve().parents[1] / "fake_exec_plugin.py"
V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
HOST = "https://127.0.0.1:6443"
GET = Request("GET", "/api/v1/namespaces/default/configmaps")
POST = Request("POST", "/api/v1/namespaces/default/configmaps", (), b'{"a":1}', "application/json")


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    clear_credential_cache()
    yield
    clear_credential_cache()


@pytest.fixture(scope="module")
def pki() -> Pem:
    return make_pki(client_cn="exec-user")


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def credential(
    token: str | None = None, *, expires_at: float | None = None, **status: str
) -> bytes:
    """An ExecCredential, as a plugin prints it."""
    body: dict[str, Any] = dict(status)
    if token is not None:
        body["token"] = token
    if expires_at is not None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires_at))
        body["expirationTimestamp"] = stamp
    return json.dumps({"apiVersion": V1, "kind": "ExecCredential", "status": body}).encode()


def drive(flow: Any, answer: Callable[[Any], Any]) -> tuple[Any, list[Any]]:
    """Run a flow to the end, answering each effect with ``answer``; (result, effects)."""
    effects: list[Any] = []
    try:
        effect = next(flow)
        while True:
            effects.append(effect)
            effect = flow.send(answer(effect))
    except StopIteration as done:
        return done.value, effects


def never(effect: Any) -> Any:
    raise AssertionError(f"unexpected effect {effect!r}")


def exec_auth(
    clock: Clock | None = None, *, terminal: bool = False, **exec_fields: Any
) -> Authenticator:
    fields: dict[str, Any] = {"command": "plugin", "interactive_mode": "Never"}
    fields.update(exec_fields)
    config = Config(host=HOST, exec_provider=ExecConfig(**fields))
    return Authenticator(
        config,
        cache=CredentialCache(),
        wall_clock=clock or Clock(),
        stdin_is_terminal=lambda: terminal,
    )


# --- the exec flow, driven by hand ----------------------------------------------------------------


class TestExecFlow:
    def test_runs_once_then_caches_until_expiry(self) -> None:
        clock = Clock()
        auth = exec_auth(clock)
        runs: list[RunCommand] = []

        def plugin(effect: Any) -> CommandResult:
            runs.append(effect)
            return CommandResult(0, credential(f"tok-{len(runs)}", expires_at=clock.now + 60))

        creds, effects = drive(auth.credentials(), plugin)
        assert creds.token == "tok-1" and len(effects) == 1
        for _ in range(5):
            assert drive(auth.credentials(), never)[0] is creds
        clock.now += 59
        assert drive(auth.credentials(), never)[0] is creds
        clock.now += 1  # expired at exactly expirationTimestamp
        assert drive(auth.credentials(), plugin)[0].token == "tok-2"
        assert len(runs) == 2

    def test_without_expiry_cached_for_ever(self) -> None:
        clock = Clock()
        auth = exec_auth(clock)
        drive(auth.credentials(), lambda e: CommandResult(0, credential("t")))
        clock.now += 10**9
        assert drive(auth.credentials(), never)[0].token == "t"

    def test_command_environment_and_exec_info(self) -> None:
        config = Config(
            host="https://k:6443",
            ca_data=b"CA PEM",
            tls_server_name="k.internal",
            proxy_url="http://proxy:3128",
            disable_compression=True,
            exec_provider=ExecConfig(
                command="plugin",
                args=("get-token", "--x"),
                env=(("PLUGIN_SETTING", "s1"), ("HOME", "/elsewhere")),
                provide_cluster_info=True,
                interactive_mode="Never",
                cluster_config={"audience": "kube"},
            ),
        )
        auth = Authenticator(config, cache=CredentialCache())
        _, effects = drive(auth.credentials(), lambda e: CommandResult(0, credential("t")))
        (run,) = effects
        assert run.argv == ("plugin", "get-token", "--x")
        assert run.interactive is False
        assert run.env["PLUGIN_SETTING"] == "s1"
        assert run.env["HOME"] == "/elsewhere"  # exec env wins over ours
        assert run.env["PATH"]  # ours is inherited
        info = json.loads(run.env["KUBERNETES_EXEC_INFO"])
        assert info == {
            "apiVersion": V1,
            "kind": "ExecCredential",
            "spec": {
                "interactive": False,
                "cluster": {
                    "server": "https://k:6443",
                    "tls-server-name": "k.internal",
                    "certificate-authority-data": base64.b64encode(b"CA PEM").decode(),
                    "proxy-url": "http://proxy:3128",
                    "disable-compression": True,
                    "config": {"audience": "kube"},
                },
            },
        }

    def test_cluster_info_only_when_asked_and_ca_file_read(self, tmp_path: Path) -> None:
        ca = tmp_path / "ca.crt"
        ca.write_bytes(b"FILE CA")
        plugin_output = credential("t").replace(V1.encode(), V1BETA1.encode())
        for provide in (False, True):
            exec_config = ExecConfig(
                command="p",
                interactive_mode="Never",
                api_version=V1BETA1,
                provide_cluster_info=provide,
                env=(("SECRET_ENV", "hidden"),),
            )
            auth = Authenticator(
                Config(host=HOST, ca_file=str(ca), exec_provider=exec_config),
                cache=CredentialCache(),
            )
            _, (run,) = drive(auth.credentials(), lambda e: CommandResult(0, plugin_output))
            info = json.loads(run.env["KUBERNETES_EXEC_INFO"])
            assert info["apiVersion"] == V1BETA1
            if provide:
                cluster = info["spec"]["cluster"]
                assert (
                    cluster["certificate-authority-data"] == base64.b64encode(b"FILE CA").decode()
                )
            else:
                assert info["spec"] == {"interactive": False}
            assert exec_config.env_names == ("SECRET_ENV",)
            assert "hidden" not in repr(exec_config)

    @pytest.mark.parametrize(
        ("mode", "terminal", "interactive"),
        [("Never", True, False), ("IfAvailable", False, False), ("IfAvailable", True, True)],
    )
    def test_interactive_mode(self, mode: str, terminal: bool, interactive: bool) -> None:
        auth = exec_auth(interactive_mode=mode, terminal=terminal)
        _, (run,) = drive(auth.credentials(), lambda e: CommandResult(0, credential("t")))
        assert run.interactive is interactive
        assert json.loads(run.env["KUBERNETES_EXEC_INFO"])["spec"]["interactive"] is interactive

    def test_always_needs_a_terminal(self) -> None:
        auth = exec_auth(interactive_mode="Always", terminal=False, install_hint="hint")
        with pytest.raises(ExecPluginError, match="interactiveMode is Always, but standard input"):
            drive(auth.credentials(), never)

    def test_unauthorized_reruns_and_retries_with_a_new_credential(self) -> None:
        auth = exec_auth()
        tokens = iter(["old", "new"])
        first, _ = drive(auth.credentials(), lambda e: CommandResult(0, credential(next(tokens))))
        retry, effects = drive(
            auth.unauthorized(first), lambda e: CommandResult(0, credential(next(tokens)))
        )
        assert retry is True and len(effects) == 1
        assert drive(auth.credentials(), never)[0].token == "new"

    def test_unauthorized_with_the_same_credential_again_does_not_retry(self) -> None:
        auth = exec_auth()
        first, _ = drive(auth.credentials(), lambda e: CommandResult(0, credential("same")))
        retry, effects = drive(
            auth.unauthorized(first), lambda e: CommandResult(0, credential("same"))
        )
        assert retry is False and len(effects) == 1

    def test_unauthorized_after_someone_else_refreshed_does_not_rerun(self) -> None:
        auth = exec_auth()
        tokens = iter(["a", "b"])
        first, _ = drive(auth.credentials(), lambda e: CommandResult(0, credential(next(tokens))))
        drive(auth.unauthorized(first), lambda e: CommandResult(0, credential(next(tokens))))
        # A second request that also used "a" sees the 401 later: "b" is there already.
        assert drive(auth.unauthorized(first), never)[0] is True

    def test_concurrent_requests_wait_for_one_run(self) -> None:
        auth = exec_auth()
        a, b = auth.credentials(), auth.credentials()
        assert isinstance(next(a), RunCommand)
        assert isinstance(next(b), Sleep)  # a is running the plugin
        assert isinstance(b.send(None), Sleep)
        with pytest.raises(StopIteration) as done_a:
            a.send(CommandResult(0, credential("shared")))
        with pytest.raises(StopIteration) as done_b:
            b.send(None)
        assert done_b.value.value is done_a.value.value

    def test_an_abandoned_run_lets_the_next_request_run(self) -> None:
        auth = exec_auth()
        a = auth.credentials()
        assert isinstance(next(a), RunCommand)
        a.close()  # cancelled while the plugin ran
        _, effects = drive(auth.credentials(), lambda e: CommandResult(0, credential("t")))
        assert len(effects) == 1

    def test_token_and_certificate(self, pki: Pem) -> None:
        auth = exec_auth()
        out = credential(
            "t", clientCertificateData=pki.cert.decode(), clientKeyData=pki.key.decode()
        )
        creds, _ = drive(auth.credentials(), lambda e: CommandResult(0, out))
        assert creds.token == "t"
        assert auth.client_cert(creds) == (pki.cert, pki.key)
        assert auth.headers(creds) == [("Authorization", "Bearer t")]

    def test_a_configured_certificate_wins_over_the_plugins(self, pki: Pem) -> None:
        config = Config(
            host=HOST,
            cert_data=pki.cert,
            key_data=pki.key,
            exec_provider=ExecConfig(command="p", interactive_mode="Never"),
        )
        auth = Authenticator(config, cache=CredentialCache())
        out = credential(clientCertificateData="C", clientKeyData="K")
        creds, _ = drive(auth.credentials(), lambda e: CommandResult(0, out))
        assert auth.client_cert(creds) is None

    def test_a_token_wins_over_the_plugin(self) -> None:
        config = Config(
            host=HOST,
            bearer_token="static",
            exec_provider=ExecConfig(command="p", interactive_mode="Never"),
        )
        creds, effects = drive(Authenticator(config, cache=CredentialCache()).credentials(), never)
        assert creds.token == "static" and effects == []

    def test_shared_by_configs_with_the_same_plugin(self) -> None:
        cache = CredentialCache()
        exec_config = ExecConfig(command="p", interactive_mode="Never")
        one = Authenticator(Config(host=HOST, exec_provider=exec_config), cache=cache)
        two = Authenticator(Config(host=HOST, qps=1, exec_provider=exec_config), cache=cache)
        drive(one.credentials(), lambda e: CommandResult(0, credential("t")))
        assert drive(two.credentials(), never)[0].token == "t"
        other = ExecConfig(command="p", args=("other",), interactive_mode="Never")
        three = Authenticator(Config(host=HOST, exec_provider=other), cache=cache)
        assert len(drive(three.credentials(), lambda e: CommandResult(0, credential("u")))[1]) == 1


class TestExecFailures:
    def run(self, result: CommandResult, **fields: Any) -> ExecPluginError:
        auth = exec_auth(**fields)
        with pytest.raises(ExecPluginError) as info:
            drive(auth.credentials(), lambda e: result)
        return info.value

    def test_not_found_carries_the_install_hint(self) -> None:
        error = self.run(
            CommandResult(None, error=FileNotFoundError(2, "No such file")),
            command="aws-iam-authenticator",
            install_hint="brew install aws-iam-authenticator",
        )
        assert "exec plugin: executable aws-iam-authenticator not found" in str(error)
        assert str(error).endswith("brew install aws-iam-authenticator")
        assert error.install_hint == "brew install aws-iam-authenticator"
        assert error.exit_code is None

    def test_not_executable(self) -> None:
        error = self.run(CommandResult(None, error=PermissionError(13, "Permission denied")))
        assert "cannot run plugin: Permission denied" in str(error)

    def test_exit_code_stderr_and_hint(self) -> None:
        error = self.run(
            CommandResult(3, b"", b"error: token expired, run `login`\n"),
            install_hint="see the wiki",
        )
        message = str(error)
        assert "exec plugin: executable plugin failed with exit code 3" in message
        assert "error: token expired, run `login`" in message
        assert "see the wiki" in message
        assert (error.exit_code, error.stderr) == (3, "error: token expired, run `login`")

    def test_killed(self) -> None:
        assert "was killed by signal 9" in str(self.run(CommandResult(-9)))

    def test_only_the_end_of_a_long_stderr_is_kept(self) -> None:
        error = self.run(CommandResult(1, b"", b"x" * 10_000 + b"THE END"))
        assert error.stderr.endswith("THE END") and len(error.stderr) == 4096

    @pytest.mark.parametrize(
        ("stdout", "message"),
        [
            (b'{"token": "SECRET-IN-BROKEN-OUTPUT"', "output is not a JSON ExecCredential"),
            (b"\xff\xfe", "output is not UTF-8"),
            (b"[1]", "not an ExecCredential"),
            (b'{"kind": "Pod"}', "returned 'Pod', not an ExecCredential"),
            (
                json.dumps(
                    {"apiVersion": V1BETA1, "kind": "ExecCredential", "status": {"token": "x"}}
                ).encode(),
                f"configured to use API version {V1}, plugin returned version {V1BETA1}",
            ),
            (json.dumps({"apiVersion": V1, "kind": "ExecCredential"}).encode(), "status field"),
            (credential(), "didn't return a token or cert/key pair"),
            (credential(clientCertificateData="C"), "only certificate or key, not both"),
            (credential(clientKeyData="K"), "only certificate or key, not both"),
            (
                json.dumps(
                    {"apiVersion": V1, "kind": "ExecCredential", "status": {"token": 5}}
                ).encode(),
                "status.token must be a string",
            ),
            (
                json.dumps(
                    {
                        "apiVersion": V1,
                        "kind": "ExecCredential",
                        "status": {"token": "t", "expirationTimestamp": "soon"},
                    }
                ).encode(),
                "expirationTimestamp 'soon' is not an RFC 3339 time",
            ),
        ],
    )
    def test_bad_output(self, stdout: bytes, message: str) -> None:
        error = self.run(CommandResult(0, stdout))
        assert message in str(error)
        assert "SECRET-IN-BROKEN-OUTPUT" not in str(error)


# --- token files -----------------------------------------------------------------------------------


class TestTokenFileFlow:
    def test_read_through_effects_and_cached(self) -> None:
        clock = Clock()
        config = Config(host=HOST, bearer_token_file="/run/token")
        auth = Authenticator(config, clock=clock)
        creds, effects = drive(auth.credentials(), lambda e: b"tok\n")
        assert effects == [ReadFile("/run/token")] and creds.token == "tok"
        clock.now += 59
        assert drive(auth.credentials(), never)[0] is creds
        clock.now += 1
        assert drive(auth.credentials(), lambda e: b"tok2")[0].token == "tok2"

    def test_a_401_rereads_on_the_next_request_without_a_retry(self) -> None:
        auth = Authenticator(Config(host=HOST, bearer_token_file="/t"), clock=Clock())
        creds, _ = drive(auth.credentials(), lambda e: b"old")
        assert drive(auth.unauthorized(creds), never)[0] is False
        assert drive(auth.credentials(), lambda e: b"new")[0].token == "new"

    def test_the_token_is_the_fallback_while_the_file_is_unreadable(self) -> None:
        config = Config(host=HOST, bearer_token="static", bearer_token_file="/t")
        auth = Authenticator(config, clock=Clock())
        creds, _ = drive(auth.credentials(), lambda e: FileNotFoundError(2, "x"))
        assert creds.token == "static"

    def test_the_last_token_is_kept_when_a_reread_fails(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        clock = Clock()
        auth = Authenticator(Config(host=HOST, bearer_token_file="/t"), clock=clock)
        first, _ = drive(auth.credentials(), lambda e: b"secret-file-token")
        clock.now += 61
        assert drive(auth.credentials(), lambda e: PermissionError(13, "denied"))[0] is first
        assert "cannot re-read token file /t (denied)" in caplog.text
        assert "secret-file-token" not in caplog.text

    def test_unreadable_without_fallback(self) -> None:
        auth = Authenticator(Config(host=HOST, bearer_token_file="/t"), clock=Clock())
        with pytest.raises(ConfigError, match="cannot read token file /t: does not exist"):
            drive(auth.credentials(), lambda e: FileNotFoundError(2, "x"))


# --- impersonation, basic auth ---------------------------------------------------------------------


def test_impersonation_headers() -> None:
    imp = Impersonation(
        "alice", "uid-1", ("devs", "ops"), (("scopes", ("view", "edit")), ("a/b c", ("x",)))
    )
    auth = Authenticator(Config(host=HOST, bearer_token="t", impersonate=imp))
    creds, _ = drive(auth.credentials(), never)
    assert auth.headers(creds) == [
        ("Authorization", "Bearer t"),
        ("Impersonate-User", "alice"),
        ("Impersonate-Uid", "uid-1"),
        ("Impersonate-Group", "devs"),
        ("Impersonate-Group", "ops"),
        ("Impersonate-Extra-scopes", "view"),
        ("Impersonate-Extra-scopes", "edit"),
        ("Impersonate-Extra-a%2Fb%20c", "x"),
    ]


def test_basic_auth_with_empty_password() -> None:
    auth = Authenticator(Config(host=HOST, username="admin"))
    creds, _ = drive(auth.credentials(), never)
    assert auth.headers(creds) == [
        ("Authorization", "Basic " + base64.b64encode(b"admin:").decode())
    ]


# --- oidc ---------------------------------------------------------------------------------------------


def jwt(exp: float | None, marker: str = "id") -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims: dict[str, Any] = {"sub": marker}
    if exp is not None:
        claims["exp"] = int(exp)
    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


ISSUER = "https://idp.example/realms/kube/"


def oidc_auth(clock: Clock, persist: str | None = None, **config: str) -> Authenticator:
    provider = AuthProviderConfig(
        "oidc",
        {"idp-issuer-url": ISSUER, "client-id": "kubectl", "client-secret": "sec/ret", **config},
        persist_path=persist,
        user_name="me" if persist else None,
    )
    return Authenticator(
        Config(host=HOST, auth_provider=provider), cache=CredentialCache(), wall_clock=clock
    )


class IdP:
    """Answers the flow's HTTP effects like an OpenID provider."""

    def __init__(self, *token_replies: tuple[int, dict[str, Any]]) -> None:
        self.replies = list(token_replies)
        self.requests: list[HttpRequest] = []

    def __call__(self, effect: Any) -> Any:
        if isinstance(effect, PersistTokens):
            return None
        assert isinstance(effect, HttpRequest)
        self.requests.append(effect)
        if effect.url.endswith("/.well-known/openid-configuration"):
            body = {"token_endpoint": "https://idp.example/token"}
            return HttpResult(200, json.dumps(body).encode())
        status, body = self.replies.pop(0)
        return HttpResult(status, json.dumps(body).encode())


class TestOIDCFlow:
    def test_a_valid_id_token_is_used_as_is(self) -> None:
        clock = Clock()
        token = jwt(clock.now + 60)
        creds, effects = drive(oidc_auth(clock, **{"id-token": token}).credentials(), never)
        assert creds.token == token and effects == []

    def test_refreshed_ten_seconds_before_expiry(self) -> None:
        clock = Clock()
        new = jwt(clock.now + 3600, "new")
        idp = IdP((200, {"access_token": "a", "id_token": new, "refresh_token": "rt2"}))
        auth = oidc_auth(clock, "/k", **{"id-token": jwt(clock.now + 10), "refresh-token": "rt1"})
        creds, effects = drive(auth.credentials(), idp)
        assert creds.token == new
        discovery, token_request, persist = effects
        assert discovery.url == "https://idp.example/realms/kube/.well-known/openid-configuration"
        assert token_request.method == "POST"
        assert dict(token_request.form) == {"grant_type": "refresh_token", "refresh_token": "rt1"}
        basic = base64.b64encode(b"kubectl:sec%2Fret").decode()
        assert dict(token_request.headers) == {"Authorization": f"Basic {basic}"}
        assert persist == PersistTokens("/k", "me", {"id-token": new, "refresh-token": "rt2"})
        assert drive(auth.credentials(), never)[0].token == new  # cached

    def test_client_credentials_in_the_form_when_the_header_is_refused(self) -> None:
        clock = Clock()
        new = jwt(clock.now + 3600)
        idp = IdP((401, {"error": "invalid_client"}), (200, {"access_token": "a", "id_token": new}))
        creds, _ = drive(oidc_auth(clock, **{"refresh-token": "rt"}).credentials(), idp)
        assert creds.token == new
        second = idp.requests[-1]
        assert dict(second.form or ()) == {
            "grant_type": "refresh_token",
            "refresh_token": "rt",
            "client_id": "kubectl",
            "client_secret": "sec/ret",
        }
        assert second.headers == ()

    def test_no_id_token_in_the_answer(self) -> None:
        idp = IdP((200, {"access_token": "a"}))
        with pytest.raises(ConfigError, match="did not contain an id_token"):
            drive(oidc_auth(Clock(), **{"refresh-token": "rt"}).credentials(), idp)

    def test_refresh_refused(self) -> None:
        bad = (400, {"error": "invalid_grant", "error_description": "Token is not active"})
        idp = IdP(bad, bad)
        with pytest.raises(ConfigError) as info:
            drive(oidc_auth(Clock(), **{"refresh-token": "rt-secret"}).credentials(), idp)
        assert "HTTP 400 invalid_grant: Token is not active" in str(info.value)
        assert "rt-secret" not in str(info.value)

    def test_expired_without_refresh_token(self) -> None:
        clock = Clock()
        auth = oidc_auth(clock, **{"id-token": jwt(clock.now - 1)})
        with pytest.raises(ConfigError, match="cannot refresh without refresh-token"):
            drive(auth.credentials(), never)

    def test_not_a_jwt(self) -> None:
        with pytest.raises(ConfigError, match="not a JWT") as info:
            drive(oidc_auth(Clock(), **{"id-token": "opaque-secret"}).credentials(), never)
        assert "opaque-secret" not in str(info.value)

    def test_a_401_does_not_refresh(self) -> None:
        clock = Clock()
        auth = oidc_auth(clock, **{"id-token": jwt(clock.now + 60)})
        creds, _ = drive(auth.credentials(), never)
        assert drive(auth.unauthorized(creds), never)[0] is False

    def test_persisted_into_the_kubeconfig(self, tmp_path: Path) -> None:
        clock = Clock(time.time())
        path = tmp_path / "config"
        doc = {
            "apiVersion": "v1",
            "clusters": [{"name": "c", "cluster": {"server": "https://c"}}],
            "users": [
                {"name": "other", "user": {"token": "x"}},
                {
                    "name": "me",
                    "user": {
                        "auth-provider": {
                            "name": "oidc",
                            "config": {
                                "idp-issuer-url": ISSUER,
                                "client-id": "kubectl",
                                "id-token": jwt(clock.now - 100),
                                "refresh-token": "rt1",
                            },
                        }
                    },
                },
            ],
            "contexts": [{"name": "m", "context": {"cluster": "c", "user": "me"}}],
            "current-context": "m",
        }
        path.write_text(yaml.safe_dump(doc))
        path.chmod(0o640)
        config = load_kubeconfig(path)
        new = jwt(clock.now + 3600, "new")
        with respx.mock(assert_all_called=True) as mock:
            mock.get(f"{ISSUER}.well-known/openid-configuration").respond(
                json={"token_endpoint": "https://idp.example/token"}
            )
            mock.post("https://idp.example/token").respond(
                json={"access_token": "a", "id_token": new, "refresh_token": "rt2"}
            )
            creds = AuthRunner(Authenticator(config)).credentials()
        assert creds.token == new
        saved = yaml.safe_load(path.read_text())
        provider = saved["users"][1]["user"]["auth-provider"]["config"]
        assert (provider["id-token"], provider["refresh-token"]) == (new, "rt2")
        assert saved["users"][0] == {"name": "other", "user": {"token": "x"}}
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]

    def test_async_runner_talks_to_the_idp(self) -> None:
        clock = Clock(time.time())
        new = jwt(clock.now + 3600)
        auth = oidc_auth(clock, **{"refresh-token": "rt"})

        async def main() -> Credentials:
            async with respx.mock(assert_all_called=True) as mock:
                mock.get(f"{ISSUER}.well-known/openid-configuration").respond(
                    json={"token_endpoint": "https://idp.example/token"}
                )
                mock.post("https://idp.example/token").respond(
                    json={"access_token": "a", "id_token": new}
                )
                return await AsyncAuthRunner(auth).credentials()

        assert asyncio.run(main()).token == new

    def test_unreachable_idp(self) -> None:
        auth = oidc_auth(Clock(), **{"refresh-token": "rt"})
        with respx.mock() as mock:
            mock.get(f"{ISSUER}.well-known/openid-configuration").mock(
                side_effect=httpx.ConnectError("refused")
            )
            with pytest.raises(ConfigError, match=r"no token_endpoint .* ConnectError: refused"):
                AuthRunner(auth).credentials()


# --- the runners with the real test plugin -----------------------------------------------------------


class Plugin:
    """The state directory of one ``fake_exec_plugin.py`` and its exec config."""

    def __init__(self, directory: Path, *responses: dict[str, Any], echo_env: tuple[str, ...] = ()):
        self.dir = directory
        directory.mkdir(parents=True, exist_ok=True)
        plan = {"api_version": V1, "responses": list(responses), "echo_env": list(echo_env)}
        (directory / "plan.json").write_text(json.dumps(plan))

    def exec_config(self, **fields: Any) -> ExecConfig:
        fields.setdefault("interactive_mode", "Never")
        return ExecConfig(command=sys.executable, args=(str(PLUGIN), str(self.dir)), **fields)

    def config(self, **fields: Any) -> Config:
        return Config(host=HOST, qps=0, exec_provider=self.exec_config(**fields))

    @property
    def runs(self) -> list[dict[str, Any]]:
        path = self.dir / "runs"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def get_credentials(mode: str, auth: Authenticator) -> Credentials:
    if mode == "sync":
        return AuthRunner(auth).credentials()
    return asyncio.run(AsyncAuthRunner(auth).credentials())


class TestRunners:
    def test_token_once(self, tmp_path: Path, mode: str) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "plugin-token"}, echo_env=("EXTRA",))
        auth = Authenticator(plugin.config(env=(("EXTRA", "value"),)))
        for _ in range(3):
            assert get_credentials(mode, auth).token == "plugin-token"
        (run,) = plugin.runs
        assert run["env"] == {"EXTRA": "value"}
        assert run["stdin"] == ""  # /dev/null when not interactive
        assert run["exec_info"]["spec"] == {"interactive": False}

    def test_failure_passes_stderr_through(
        self, tmp_path: Path, mode: str, capfd: pytest.CaptureFixture[str]
    ) -> None:
        plugin = Plugin(tmp_path / "p", {"exit": 4, "stderr": "please log in first"})
        auth = Authenticator(plugin.config(install_hint="install the login tool"))
        with pytest.raises(ExecPluginError) as info:
            get_credentials(mode, auth)
        assert info.value.exit_code == 4
        assert info.value.stderr == "please log in first"
        assert "install the login tool" in str(info.value)
        assert "please log in first" in capfd.readouterr().err

    def test_missing_executable(self, tmp_path: Path, mode: str) -> None:
        config = Config(
            host=HOST,
            exec_provider=ExecConfig(
                command=str(tmp_path / "no-such-plugin"),
                interactive_mode="Never",
                install_hint="get it from the portal",
            ),
        )
        with pytest.raises(ExecPluginError) as info:
            get_credentials(mode, Authenticator(config))
        assert f"executable {tmp_path / 'no-such-plugin'} not found" in str(info.value)
        assert "get it from the portal" in str(info.value)

    def test_threads_share_one_run(self, tmp_path: Path) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "t", "sleep": 0.3})
        config = plugin.config()
        results: list[str | None] = []

        def worker() -> None:
            results.append(AuthRunner(Authenticator(config)).credentials().token)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results == ["t"] * 8
        assert len(plugin.runs) == 1

    def test_tasks_share_one_run(self, tmp_path: Path) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "t", "sleep": 0.3})
        auth = Authenticator(plugin.config())

        async def main() -> list[Credentials]:
            runner = AsyncAuthRunner(auth)
            return await asyncio.gather(*(runner.credentials() for _ in range(8)))

        assert {c.token for c in asyncio.run(main())} == {"t"}
        assert len(plugin.runs) == 1

    def test_a_cancelled_async_run_kills_the_plugin(self, tmp_path: Path) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "slow", "sleep": 30}, {"token": "quick"})
        auth = Authenticator(plugin.config())

        async def main() -> Credentials:
            runner = AsyncAuthRunner(auth)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(runner.credentials(), 1.0)
            return await asyncio.wait_for(runner.credentials(), 20)

        started = time.monotonic()
        assert asyncio.run(main()).token == "quick"
        assert time.monotonic() - started < 20
        slow, _ = plugin.runs
        with pytest.raises(ProcessLookupError):
            os.kill(slow["pid"], 0)  # killed and reaped, not left sleeping


# --- the REST clients ----------------------------------------------------------------------------------


class Server:
    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.requests: list[httpx.Request] = []
        self.tokens: list[str] = []  # as sent (an auth flow may reuse the request object)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.tokens.append(request.headers.get("Authorization", ""))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if status == 401:
            body = {"kind": "Status", "status": "Failure", "reason": "Unauthorized", "code": 401}
            return httpx.Response(401, json={**body, "message": "Unauthorized"})
        return httpx.Response(status, json={"kind": "ConfigMapList", "items": []})


def send(mode: str, config: Config, server: Server, req: Request = GET) -> httpx.Response:
    transport = httpx.MockTransport(server)
    if mode == "sync":
        with (
            httpx.Client(base_url=config.host, transport=transport) as http,
            RESTClient(config, http_client=http) as rest,
        ):
            return rest.request(req)

    async def main() -> httpx.Response:
        async with (
            httpx.AsyncClient(base_url=config.host, transport=transport) as http,
            AsyncRESTClient(config, http_client=http) as rest,
        ):
            return await rest.request(req)

    return asyncio.run(main())


class TestRESTClientAuth:
    def test_a_401_reruns_the_plugin_and_retries_once(self, tmp_path: Path, mode: str) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "stale"}, {"token": "fresh"})
        server = Server(401, 200)
        assert send(mode, plugin.config(), server).status_code == 200
        assert server.tokens == ["Bearer stale", "Bearer fresh"]
        assert len(plugin.runs) == 2

    def test_writes_are_retried_after_a_401_too(self, tmp_path: Path, mode: str) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "stale"}, {"token": "fresh"})
        server = Server(401, 201)
        assert send(mode, plugin.config(), server, POST).status_code == 201
        assert [r.content for r in server.requests] == [b'{"a":1}', b'{"a":1}']

    def test_only_one_retry(self, tmp_path: Path, mode: str) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "a"}, {"token": "b"}, {"token": "c"})
        server = Server(401)
        with pytest.raises(Unauthorized):
            send(mode, plugin.config(), server)
        assert server.tokens == ["Bearer a", "Bearer b"]
        assert len(plugin.runs) == 2

    def test_no_retry_when_the_plugin_gives_the_same_token(self, tmp_path: Path, mode: str) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "same"})
        server = Server(401)
        with pytest.raises(Unauthorized):
            send(mode, plugin.config(), server)
        assert server.tokens == ["Bearer same"]
        assert len(plugin.runs) == 2

    def test_a_plugin_failing_on_refresh_is_reported(self, tmp_path: Path, mode: str) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "a"}, {"exit": 1, "stderr": "session ended"})
        with pytest.raises(ExecPluginError, match="session ended"):
            send(mode, plugin.config(), Server(401))

    def test_impersonation_headers_are_sent(self, mode: str) -> None:
        imp = Impersonation("alice", groups=("g1", "g2"))
        server = Server(200)
        send(mode, Config(host=HOST, qps=0, bearer_token="t", impersonate=imp), server)
        headers = server.requests[0].headers
        assert headers["Impersonate-User"] == "alice"
        assert headers.get_list("Impersonate-Group") == ["g1", "g2"]

    def test_a_plugin_certificate_needs_our_own_http_client(
        self, tmp_path: Path, mode: str, pki: Pem
    ) -> None:
        plugin = Plugin(tmp_path / "p", {"cert": pki.cert.decode(), "key": pki.key.decode()})
        with pytest.raises(ConfigError, match="caller-provided http_client"):
            send(mode, plugin.config(), Server(200))

    def test_a_plugin_certificate_rebuilds_the_http_client(self, tmp_path: Path, pki: Pem) -> None:
        other = make_pki(client_cn="second")
        plugin = Plugin(
            tmp_path / "p",
            {"cert": pki.cert.decode(), "key": pki.key.decode(), "expires_in": 0},
            {"cert": other.cert.decode(), "key": other.key.decode()},
        )
        loaded: list[bytes] = []
        real = ssl.SSLContext.load_cert_chain

        def spy(self: ssl.SSLContext, certfile: str, keyfile: str | None = None) -> None:
            loaded.append(Path(certfile).read_bytes())
            real(self, certfile, keyfile)

        with pytest.MonkeyPatch.context() as mp, respx.mock(base_url=HOST) as mock:
            mp.setattr(ssl.SSLContext, "load_cert_chain", spy)
            mock.get(GET.path).respond(json={"items": []})
            rest = RESTClient(plugin.config())
            first = rest.http
            rest.request(GET)  # the plugin's first certificate
            second = rest.http
            rest.request(GET)  # expired at once: the next certificate
            third = rest.http
            rest.request(GET)  # no change
            assert rest.http is third
            assert first.is_closed and second.is_closed  # replaced while idle: closed at once
            rest.close()
        assert len({id(first), id(second), id(third)}) == 3
        assert loaded == [pki.cert, other.cert]
        assert third.is_closed

    def test_older_credentials_do_not_switch_the_certificate_back(self, pki: Pem) -> None:
        other = make_pki(client_cn="second")
        older = Credentials("exec", client_cert=(pki.cert, pki.key))
        newer = Credentials("exec", client_cert=(other.cert, other.key))
        config = Config(host=HOST, exec_provider=ExecConfig(command="p", interactive_mode="Never"))
        with RESTClient(config) as rest:
            http = rest._acquire(newer)
            rest._release(http)
            assert rest._acquire(older) is http  # a late request: keeps the newer identity
            rest._release(http)
            assert not http.is_closed

    @pytest.mark.parametrize("mode", ["sync", "async"])
    def test_a_replaced_http_client_stays_open_for_its_stream(
        self, tmp_path: Path, pki: Pem, mode: str
    ) -> None:
        other = make_pki(client_cn="second")
        plugin = Plugin(
            tmp_path / "p",
            {"cert": pki.cert.decode(), "key": pki.key.decode(), "expires_in": 0},
            {"cert": other.cert.decode(), "key": other.key.decode()},
        )
        if mode == "sync":
            with respx.mock(base_url=HOST) as mock:
                mock.get(GET.path).respond(json={"items": []})
                with RESTClient(plugin.config()) as rest:
                    with rest.stream(GET):
                        streaming = rest.http
                        rest.request(GET)  # the certificate expired: a new client
                        assert rest.http is not streaming
                        assert not streaming.is_closed  # its stream is still open
                    assert streaming.is_closed
                    assert not rest.http.is_closed
            return

        async def main() -> None:
            async with respx.mock(base_url=HOST) as mock:
                mock.get(GET.path).respond(json={"items": []})
                async with AsyncRESTClient(plugin.config()) as rest:
                    async with rest.stream(GET):
                        streaming = rest.http
                        await rest.request(GET)
                        assert rest.http is not streaming
                        assert not streaming.is_closed
                    assert streaming.is_closed
                    assert not rest.http.is_closed

        asyncio.run(main())


class TestKubeAuth:
    def test_sync(self, tmp_path: Path) -> None:
        plugin = Plugin(tmp_path / "p", {"token": "stale"}, {"token": "fresh"})
        server = Server(401, 200)
        with httpx.Client(
            transport=httpx.MockTransport(server), auth=KubeAuth(plugin.config())
        ) as http:
            assert http.get(f"{HOST}/api").status_code == 200
        assert server.tokens == ["Bearer stale", "Bearer fresh"]

    def test_async(self, tmp_path: Path) -> None:
        imp = Impersonation("bob", groups=("x", "y"))
        server = Server(200)

        async def main() -> None:
            async with httpx.AsyncClient(
                transport=httpx.MockTransport(server),
                auth=KubeAuth(Config(host=HOST, username="u", password="p", impersonate=imp)),
            ) as http:
                await http.get(f"{HOST}/api", headers={"Impersonate-Group": "replaced"})

        asyncio.run(main())
        headers = server.requests[0].headers
        assert headers["Authorization"].startswith("Basic ")
        assert headers.get_list("Impersonate-Group") == ["x", "y"]


# --- transport: TLS, proxies -------------------------------------------------------------------------


class TestTransport:
    def test_insecure_warns(self) -> None:
        with pytest.warns(InsecureTLSWarning, match="not verified"):
            RESTClient(Config(host=HOST, insecure_skip_tls_verify=True)).close()

    def test_plain_http_does_not_warn(self) -> None:
        RESTClient(Config(host="http://127.0.0.1:8080", insecure_skip_tls_verify=True)).close()

    def test_ca_with_insecure_refused(self, pki: Pem) -> None:
        config = Config(host=HOST, ca_data=pki.ca_cert, insecure_skip_tls_verify=True)
        with pytest.raises(ConfigError, match="cannot both be set"):
            config.ssl_context()

    def test_socks5_without_socksio_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import importlib.util

        real = importlib.util.find_spec
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a: None if name == "socksio" else real(name, *a),
        )
        config = Config(host=HOST, proxy_url="socks5://user:proxy-pass@proxy:1080")
        with pytest.raises(ConfigError) as info:
            client_options(config)
        message = str(info.value)
        assert "pip install 'kubeset[socks]'" in message
        assert "proxy-pass" not in message and "socks5://user:***@proxy:1080" in message

    def test_socks5_with_socksio(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import importlib.util

        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
        options = client_options(Config(host=HOST, proxy_url="socks5://proxy:1080"))
        assert options["proxy"] == "socks5://proxy:1080"

    def test_http_proxy(self) -> None:
        options = client_options(Config(host=HOST, proxy_url="https://proxy:3128"))
        assert options["proxy"] == "https://proxy:3128"

    def test_unsupported_proxy_scheme(self) -> None:
        with pytest.raises(ConfigError, match="unsupported scheme 'ftp'"):
            client_options(Config(host=HOST, proxy_url="ftp://proxy"))

    def test_client_key_goes_through_private_files_removed_at_once(
        self, pki: Pem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import tempfile

        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        seen: list[tuple[int, int, int]] = []
        real = ssl.SSLContext.load_cert_chain

        def spy(self: ssl.SSLContext, certfile: str, keyfile: str | None = None) -> None:
            assert keyfile is not None
            seen.append(
                (
                    stat.S_IMODE(Path(certfile).parent.stat().st_mode),
                    stat.S_IMODE(Path(certfile).stat().st_mode),
                    stat.S_IMODE(Path(keyfile).stat().st_mode),
                )
            )
            real(self, certfile, keyfile)

        monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy)
        Config(host=HOST, cert_data=pki.cert, key_data=pki.key).ssl_context()
        Config(host=HOST).ssl_context(client_cert=(pki.cert, pki.key))
        assert seen == [(0o700, 0o600, 0o600)] * 2
        assert list(tmp_path.iterdir()) == []
