"""The dynamic client over a mock transport: discovery maps kinds to resources, verbs build the
same requests as the typed clients, results are plain dicts."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kubeset import Config, NotFound
from kubeset.dynamic import AsyncDynamicClient, DynamicClient, resource_info
from kubeset.meta import APIResourceList

DISCOVERY = {
    "kind": "APIResourceList",
    "groupVersion": "example.com/v1",
    "resources": [
        {
            "name": "widgets",
            "singularName": "widget",
            "namespaced": True,
            "kind": "Widget",
            "verbs": [
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ],
        },
        {
            "name": "widgets/status",
            "namespaced": True,
            "kind": "Widget",
            "verbs": ["get", "patch", "update"],
        },
        {"name": "gizmos", "namespaced": False, "kind": "Gizmo", "verbs": ["get", "list"]},
    ],
}


class Server:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/apis/example.com/v1":
            return httpx.Response(200, json=DISCOVERY)
        if request.url.params.get("watch") == "true":
            lines = [
                {"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "5"}}},
                {
                    "type": "ERROR",
                    "object": {
                        "kind": "Status",
                        "code": 410,
                        "reason": "Expired",
                        "message": "too old",
                    },
                },
            ]
            return httpx.Response(200, content=b"\n".join(json.dumps(x).encode() for x in lines))
        if request.method == "DELETE" and path.endswith("/a"):
            return httpx.Response(200, json={"kind": "Status", "status": "Success"})
        if request.method == "GET" and path.endswith("/widgets"):
            return httpx.Response(
                200, json={"items": [{"metadata": {"name": "a"}}], "metadata": {}}
            )
        body = json.loads(request.content) if request.content else {"metadata": {"name": "a"}}
        return httpx.Response(200, json=body)


def _client(server: Server) -> DynamicClient:
    http = httpx.Client(base_url="https://127.0.0.1:6443", transport=httpx.MockTransport(server))
    return DynamicClient.for_config(Config(host="https://127.0.0.1:6443", qps=0), http_client=http)


def test_resource_info_from_discovery() -> None:
    info = resource_info(APIResourceList.model_validate(DISCOVERY), "example.com/v1", "Widget")
    assert (info.group, info.version, info.plural, info.namespaced) == (
        "example.com",
        "v1",
        "widgets",
        True,
    )
    assert info.subresources == {"status": frozenset({"get", "patch", "update"})}
    with pytest.raises(NotFound, match="Gizmo, Widget"):
        resource_info(APIResourceList.model_validate(DISCOVERY), "example.com/v1", "Nope")


def test_verbs_send_the_typed_clients_requests() -> None:
    server = Server()
    with _client(server) as dyn:
        widgets = dyn.resource("example.com/v1", "Widget", "ns")
        dyn.resource("example.com/v1", "Gizmo")  # discovery is cached per group-version
        assert sum(r.url.path == "/apis/example.com/v1" for r in server.requests) == 1
        server.requests.clear()
        obj: dict[str, Any] = {"metadata": {"name": "a"}, "spec": {"x": 1}, "unknownTop": True}
        assert widgets.create(obj)["unknownTop"] is True
        assert widgets.get_subresource("a", "status") == {"metadata": {"name": "a"}}
        assert widgets.update_subresource("status", obj)["spec"] == {"x": 1}
        widgets.patch("a", {"spec": {"x": 2}}, patch_type="application/strategic-merge-patch+json")
        widgets.apply(obj, field_manager="me", force=True)
        assert widgets.delete("a") is None
        assert [i["metadata"]["name"] for i in widgets.list_iter()] == ["a"]
        widgets.delete_collection(label_selector="x=y")
        sent = [(r.method, r.url.path, r.headers.get("content-type")) for r in server.requests]
        assert sent == [
            ("POST", "/apis/example.com/v1/namespaces/ns/widgets", "application/json"),
            ("GET", "/apis/example.com/v1/namespaces/ns/widgets/a/status", None),
            ("PUT", "/apis/example.com/v1/namespaces/ns/widgets/a/status", "application/json"),
            (
                "PATCH",
                "/apis/example.com/v1/namespaces/ns/widgets/a",
                "application/strategic-merge-patch+json",
            ),
            (
                "PATCH",
                "/apis/example.com/v1/namespaces/ns/widgets/a",
                "application/apply-patch+yaml",
            ),
            ("DELETE", "/apis/example.com/v1/namespaces/ns/widgets/a", "application/json"),
            ("GET", "/apis/example.com/v1/namespaces/ns/widgets", None),
            ("DELETE", "/apis/example.com/v1/namespaces/ns/widgets", "application/json"),
        ]
        created = json.loads(server.requests[0].content)
        assert created["apiVersion"] == "example.com/v1" and created["kind"] == "Widget"
        assert server.requests[4].url.params["force"] == "true"


def test_watch_yields_dicts_and_raises_gone() -> None:
    from kubeset import Gone

    server = Server()
    with _client(server) as dyn:
        widgets = dyn.resource("example.com/v1", "Widget", "ns")
        seen = []
        with pytest.raises(Gone), widgets.watch(resource_version="1") as watch:
            for event in watch:
                seen.append((event.type, event.object["metadata"]["name"]))
        assert seen == [("ADDED", "a")] and watch.resource_version == "5"


@pytest.mark.anyio
async def test_async_dynamic_client() -> None:
    server = Server()
    http = httpx.AsyncClient(
        base_url="https://127.0.0.1:6443", transport=httpx.MockTransport(server)
    )
    async with AsyncDynamicClient.for_config(
        Config(host="https://127.0.0.1:6443", qps=0), http_client=http
    ) as dyn:
        widgets = await dyn.resource("example.com/v1", "Widget", "ns")
        assert (await widgets.get("a"))["metadata"]["name"] == "a"
        assert [i["metadata"]["name"] async for i in widgets.list_iter()] == ["a"]
    await http.aclose()
