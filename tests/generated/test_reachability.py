"""Every resource and verb of the spec is reachable through the generated clientset, and sends exactly
the method, path, query and content type the spec declares — the ``connect`` operations (exec,
attach, portforward over WebSocket; proxy, with and without a path) included.

The cases come straight from the spec's ``paths`` (independently of the generator's IR); each is
called through ``kubeset_k8s.Clientset`` against an in-memory transport that records the request.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from kubeset import Config, PatchType
from kubeset_k8s import Clientset
from tests.fake_websocket import FakeServer, upgrade
from tests.specs import k8s_spec

NS, NAME = "ns1", "n1"
METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
# Subresource method names chosen to match client-go's (Evict, Bind, CreateToken, Finalize, GetLogs).
SPECIAL = {
    ("eviction", "post"): "evict",
    ("binding", "post"): "bind",
    ("token", "post"): "create_token",
    ("finalize", "put"): "finalize",
    ("log", "get"): "get_logs",
}
WORDS = {"ephemeralcontainers": "ephemeral_containers"}
PATCH_NAMES = {
    "application/json-patch+json": PatchType.JSON,
    "application/merge-patch+json": PatchType.MERGE,
    "application/strategic-merge-patch+json": PatchType.STRATEGIC,
}
PATH = re.compile(
    r"^/(?:api/v1|apis/(?P<group>[^/]+)/(?P<version>[^/]+))(?P<watch>/watch)?"
    r"(?P<ns>/namespaces/\{namespace\})?/(?P<plural>[^/{}]+)(?P<named>/\{name\})?(?:/(?P<sub>[^/{}]+))?"
    r"(?P<tail>/\{path\})?$"
)
#: The path below a proxy subresource the connect cases send to.
PROXY_PATH = "some/path"


@dataclass(frozen=True)
class Case:
    path: str
    method: str
    op: dict[str, Any]
    call: str  # a label: which Python call and with which patch type
    patch_type: str | None = None

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path} {self.call}"


def _cases() -> Iterator[Case]:
    spec = k8s_spec()
    for path, item in sorted(spec["paths"].items()):
        for method in METHODS:
            op = item.get(method)
            if not op or op.get("x-kubernetes-action") is None:
                continue
            if op["x-kubernetes-action"] == "connect":
                yield Case(path, method, op, "connect")
            elif method == "patch":
                for content_type in op.get("consumes", []):
                    if content_type in PATCH_NAMES:
                        yield Case(path, method, op, "patch", content_type)
                    elif content_type == "application/apply-patch+yaml":
                        yield Case(path, method, op, "apply", content_type)
            else:
                yield Case(path, method, op, op["x-kubernetes-action"])


CASES = list(_cases())


class Recorder:
    """A transport that records requests and answers with a minimal valid body."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("upgrade") == "websocket":
            if request.url.path.endswith("/portforward"):
                port = int(request.url.params["ports"]).to_bytes(2, "little")
                script = [b"\x00" + port, b"\x01" + port, b"\x00data"]
            else:
                script = [b"\x01out", b'\x03{"status": "Success"}']
            return upgrade(request, FakeServer(script))
        if request.url.params.get("watch") == "true":
            event = {
                "type": "ADDED",
                "object": {"metadata": {"name": NAME, "resourceVersion": "7"}},
            }
            return httpx.Response(200, content=json.dumps(event).encode() + b"\n")
        if request.url.path.endswith("/log"):
            return httpx.Response(200, text="line\n")
        return httpx.Response(200, json={"metadata": {"name": NAME}})


@pytest.fixture(scope="module")
def clients() -> Iterator[
    tuple[Clientset, Recorder, dict[tuple[str, str, str], Callable[[str | None], Any]]]
]:
    recorder = Recorder()
    http = httpx.Client(base_url="https://127.0.0.1:6443", transport=httpx.MockTransport(recorder))
    cs = Clientset.for_config(Config(host="https://127.0.0.1:6443", qps=0), http_client=http)
    # Map (group, version, plural) to a factory of resource clients, by walking the clientset.
    table: dict[tuple[str, str, str], Callable[[str | None], Any]] = {}
    for gv_name, _ in inspect.getmembers(type(cs), inspect.isfunction):
        if gv_name.startswith("_") or gv_name in ("discovery", "for_config", "close"):
            continue
        group_client = getattr(cs, gv_name)()
        for accessor, fn in inspect.getmembers(type(group_client), inspect.isfunction):
            if accessor.startswith("_"):
                continue
            namespaced = "namespace" in inspect.signature(fn).parameters

            def factory(
                ns: str | None, g: Any = group_client, a: str = accessor, n: bool = namespaced
            ) -> Any:
                return getattr(g, a)(ns if ns is not None else "") if n else getattr(g, a)()

            info = factory(None).info
            table[(info.group, info.version, info.plural)] = factory
    yield cs, recorder, table
    http.close()


def _declared_params(op: dict[str, Any], path_item: dict[str, Any]) -> set[str]:
    spec = k8s_spec()
    names = set()
    for param in [*(path_item.get("parameters") or []), *(op.get("parameters") or [])]:
        if "$ref" in param:
            param = spec["parameters"][param["$ref"].rsplit("/", 1)[1]]
        if param.get("in") == "query":
            names.add(param["name"])
    return names


def _sub_method(sub: str, verb: str) -> str:
    if (sub, verb) in SPECIAL:
        return SPECIAL[(sub, verb)]
    prefix = {"get": "get", "put": "update", "patch": "patch", "post": "create"}[verb]
    return f"{prefix}_{WORDS.get(sub, sub)}"


def _connect(client: Any, case: Case, sub: str, tail: bool) -> None:
    """A connect operation: exec, attach and port-forward as WebSockets (GET), their POST forms
    (SPDY upgrades kubeset does not speak) through the raw ``connect``, proxies through
    ``proxy`` with every method."""
    method = case.method.upper()
    if sub == "proxy":
        response = client.proxy(NAME, PROXY_PATH if tail else "", method=method)
        assert response.status_code == 200
    elif method == "POST":
        client.connect(NAME, sub, method="POST")
    elif sub == "exec":
        result = client.exec(NAME, ["echo", "hi"])
        assert (result.stdout, result.exit_code) == (b"out", 0)
    elif sub == "attach":
        with client.attach(NAME, stdin=True) as session:
            assert session.read() == ("stdout", b"out")
            assert session.wait() == 0
    elif sub == "portforward":
        with client.port_forward_stream(NAME, 8080) as stream:
            assert stream.recv() == b"data"
            assert stream.recv() == b""
    else:
        raise AssertionError(f"no call for connect subresource {sub!r}")


def _invoke(client: Any, case: Case, match: re.Match[str]) -> None:
    sub, named = match.group("sub"), bool(match.group("named"))
    action = case.op["x-kubernetes-action"]
    if action == "connect":
        _connect(client, case, sub, bool(match.group("tail")))
        return
    body = {"metadata": {"name": NAME}}
    if action in ("watch", "watchlist"):
        selector = f"metadata.name={NAME}" if named else None
        with client.watch(field_selector=selector) as w:
            events = list(w)
        assert [e.type for e in events] == ["ADDED"] and w.resource_version == "7"
        return
    if sub:
        if case.call == "apply":
            method = getattr(client, f"apply_{WORDS.get(sub, sub)}")
            args = (body,) if "name" not in inspect.signature(method).parameters else (NAME, body)
            method(*args, field_manager="reach")
        elif case.method == "patch":
            getattr(client, _sub_method(sub, "patch"))(
                NAME, {"a": 1}, patch_type=PATCH_NAMES[case.patch_type or ""]
            )
        elif case.method == "get":
            getattr(client, _sub_method(sub, "get"))(NAME)
        elif case.method == "put":
            method = getattr(client, _sub_method(sub, "put"))
            args = (body,) if "name" not in inspect.signature(method).parameters else (NAME, body)
            method(*args)
        elif case.method == "post":
            getattr(client, _sub_method(sub, "post"))(NAME, body)
        return
    if not named:
        {
            "get": lambda: client.list(),
            "post": lambda: client.create(body),
            "delete": lambda: client.delete_collection(),
        }[case.method]()
    elif case.call == "apply":
        client.apply(body, field_manager="reach")
    elif case.method == "patch":
        patch: Any = (
            [{"op": "add", "path": "/x", "value": 1}]
            if case.patch_type == PatchType.JSON.value
            else {"a": 1}
        )
        client.patch(NAME, patch, patch_type=PATCH_NAMES[case.patch_type or ""])
    else:
        {
            "get": lambda: client.get(NAME),
            "put": lambda: client.update(body),
            "delete": lambda: client.delete(NAME),
        }[case.method]()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_operation_is_reachable(case: Case, clients: Any) -> None:
    _, recorder, table = clients
    match = PATH.match(case.path)
    assert match, f"path shape not understood: {case.path}"
    key = (match.group("group") or "", match.group("version") or "v1", match.group("plural"))
    assert key in table, f"no clientset accessor reaches {key}"
    ns = NS if match.group("ns") else None
    client = table[key](ns)
    recorder.requests.clear()
    _invoke(client, case, match)
    assert len(recorder.requests) == 1
    request = recorder.requests[0]
    expected_path = case.path
    if match.group("watch"):
        # Watches go to the collection path with ?watch=true (the /watch/ paths are deprecated);
        # a single object is watched with a metadata.name field selector, as client-go does.
        expected_path = expected_path.replace("/watch/", "/", 1).removesuffix("/{name}")
        assert request.url.params["watch"] == "true"
        if match.group("named"):
            assert request.url.params["fieldSelector"] == f"metadata.name={NAME}"
    expected_path = expected_path.replace("{namespace}", NS).replace("{name}", NAME)
    expected_path = expected_path.replace("{path}", PROXY_PATH)
    assert request.method == case.method.upper()
    assert request.url.path == expected_path
    declared = _declared_params(case.op, k8s_spec()["paths"][case.path])
    sent = set(request.url.params.keys())
    assert sent <= declared, f"query {sorted(sent - declared)} not declared by the spec"
    if case.call == "connect":
        _check_connect(case, match, request)
        return
    consumes = case.op.get("consumes", [])
    if case.method in ("post", "put", "patch"):
        content_type = request.headers["content-type"]
        if case.patch_type:
            assert content_type == case.patch_type
        else:
            assert content_type == "application/json" and (
                "*/*" in consumes or content_type in consumes
            )
        if case.call == "apply":
            assert request.url.params["fieldManager"] == "reach"


#: The query each WebSocket connect call above sends, exactly.
CONNECT_QUERIES = {
    "exec": [("command", "echo"), ("command", "hi"), ("stdout", "true"), ("stderr", "true")],
    "attach": [("stdin", "true"), ("stdout", "true"), ("stderr", "true")],
    "portforward": [("ports", "8080")],
}


def _check_connect(case: Case, match: re.Match[str], request: httpx.Request) -> None:
    sub = match.group("sub")
    websocket = request.headers.get("upgrade") == "websocket"
    if case.method == "get" and sub in CONNECT_QUERIES:
        assert websocket and request.headers["sec-websocket-version"] == "13"
        offered = request.headers["sec-websocket-protocol"]
        expected = (
            "v4.channel.k8s.io" if sub == "portforward" else "v5.channel.k8s.io, v4.channel.k8s.io"
        )
        assert offered == expected
        assert list(request.url.params.multi_items()) == CONNECT_QUERIES[sub]
    else:
        assert not websocket
        assert list(request.url.params.multi_items()) == []


def test_connect_methods_are_declared_in_resource_info(clients: Any) -> None:
    """``ResourceInfo.connect`` lists exactly the connect operations of the spec."""
    _, _, table = clients
    declared: dict[tuple[str, str, str], dict[str, set[str]]] = {}
    for case in CASES:
        if case.call != "connect":
            continue
        match = PATH.match(case.path)
        assert match
        key = (match.group("group") or "", match.group("version") or "v1", match.group("plural"))
        sub = match.group("sub") + ("/{path}" if match.group("tail") else "")
        declared.setdefault(key, {}).setdefault(sub, set()).add(case.method.upper())
    for key, factory in table.items():
        info = factory(NS).info
        assert {k: set(v) for k, v in info.connect.items()} == declared.get(key, {}), key


def test_clients_offer_only_declared_verbs(clients: Any) -> None:
    """A resource client has a verb method exactly when the spec declares that verb."""
    _, _, table = clients
    spec = k8s_spec()
    declared: dict[tuple[str, str, str], set[str]] = {}
    for case in CASES:
        match = PATH.match(case.path)
        assert match
        if match.group("sub") or case.call == "connect":
            continue
        key = (match.group("group") or "", match.group("version") or "v1", match.group("plural"))
        action = case.op["x-kubernetes-action"]
        verb = {"post": "create", "put": "update"}.get(action, action)
        verb = {"watchlist": "watch", "deletecollection": "delete_collection"}.get(verb, verb)
        declared.setdefault(key, set()).add("apply" if case.call == "apply" else verb)
    assert set(declared) == set(table), "resources of the spec and of the clientset differ"
    verbs = (
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "apply",
        "delete",
        "delete_collection",
    )
    for key, factory in table.items():
        client = factory(NS)
        offered = {v for v in verbs if hasattr(client, v)}
        assert offered == declared[key], (
            f"{key}: offers {sorted(offered)}, spec declares {sorted(declared[key])}"
        )
    assert len(spec["paths"]) > 0


def test_coverage_figure(clients: Any) -> None:
    """Every operation of the spec, connect operations included, is a case above (the coverage
    figure)."""
    spec = k8s_spec()
    total = sum(
        1
        for item in spec["paths"].values()
        for m in METHODS
        if item.get(m) and item[m].get("x-kubernetes-action") is not None
    )
    operations = {(c.path, c.method) for c in CASES}
    assert len(operations) == total
    connect = {(c.path, c.method) for c in CASES if c.call == "connect"}
    assert len(connect) == 48  # exec, attach, portforward (GET, POST); proxy (7 methods, 2 forms)
