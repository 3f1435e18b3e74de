"""The generated ``kubeset_k8s`` clients end to end over an in-memory API server, sync and async."""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from kubeset.config import Config
from kubeset.errors import Conflict, DecodeError, Gone, InternalError, NotFound
from kubeset.meta import APIGroup, APIResourceList, ServerVersion
from kubeset.resource import PatchType, WatchEvent
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models import (
    apps_v1,
    authentication_v1,
    autoscaling_v1,
    core_v1,
    meta_v1,
    policy_v1,
)
from kubeset_k8s.typed.authentication_v1 import AsyncTokenReviewsClient, TokenReviewsClient
from kubeset_k8s.typed.core_v1 import (
    AsyncComponentStatusesClient,
    AsyncCoreV1Client,
    ComponentStatusesClient,
    CoreV1Client,
)

HOST = "https://127.0.0.1:6443"

Handler = Callable[[httpx.Request], httpx.Response]


def pod_json(name: str = "web", rv: str = "1", **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "resourceVersion": rv},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        **extra,
    }


def cm_json(name: str = "cfg", rv: str = "1", data: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "resourceVersion": rv},
        "data": data or {"k": "v"},
    }


def status_json(code: int = 200, reason: str = "", status: str = "Success") -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": status}
    if code != 200:
        body.update(code=code, reason=reason, message=f"{reason} message")
    else:
        body["details"] = {"name": "web", "kind": "pods", "uid": "u"}
    return body


def ok(body: Any, status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, json=body)


class Server:
    """Answers every request with ``handler`` (changeable per test) and records the requests."""

    def __init__(self) -> None:
        self.handler: Handler = ok({})
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self) -> Any:
        return json.loads(self.last.content)


class Env:
    """A clientset (sync or async) over a :class:`Server`; async calls are run to completion."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.server = Server()
        config = Config(host=HOST, qps=0, max_retries=0)
        transport = httpx.MockTransport(self.server)
        self.http: httpx.Client | httpx.AsyncClient
        self.cs: Clientset | AsyncClientset
        if mode == "sync":
            self.http = httpx.Client(base_url=HOST, transport=transport)
            self.cs = Clientset.for_config(config, http_client=self.http)
        else:
            self.http = httpx.AsyncClient(base_url=HOST, transport=transport)
            self.cs = AsyncClientset.for_config(config, http_client=self.http)

    def serve(self, handler: Handler) -> None:
        self.server.handler = handler

    def run(self, result: Any) -> Any:
        """The value of a verb call: awaited for the async clients."""
        if inspect.isawaitable(result):
            assert self.mode == "async"

            async def wait() -> Any:
                return await result

            return asyncio.run(wait())
        assert self.mode == "sync"
        return result

    def collect(self, iterable: Any) -> list[Any]:
        if hasattr(iterable, "__aiter__"):

            async def gather() -> list[Any]:
                return [item async for item in iterable]

            return asyncio.run(gather())
        return list(iterable)

    def close(self) -> None:
        if isinstance(self.http, httpx.Client):
            assert isinstance(self.cs, Clientset)
            self.cs.close()
            self.http.close()
        else:
            assert isinstance(self.cs, AsyncClientset)

            async def close() -> None:
                assert isinstance(self.cs, AsyncClientset)
                assert isinstance(self.http, httpx.AsyncClient)
                await self.cs.aclose()
                await self.http.aclose()

            asyncio.run(close())


@pytest.fixture(params=["sync", "async"])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    e = Env(request.param)
    yield e
    e.close()


def params(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params.multi_items())


# --- clientset ------------------------------------------------------------------------------------------


def test_group_clients_are_cached(env: Env) -> None:
    assert env.cs.core_v1() is env.cs.core_v1()
    assert env.cs.apps_v1() is not env.cs.core_v1()
    assert env.cs.core_v1().rest is env.cs.apps_v1().rest is env.cs.rest


def test_clientset_context_manager_closes_own_client() -> None:
    with Clientset.for_config(Config(host=HOST)) as cs:
        http = cs.rest.http
        assert not http.is_closed
    assert http.is_closed

    async def main() -> httpx.AsyncClient:
        async with AsyncClientset.for_config(Config(host=HOST)) as acs:
            ahttp = acs.rest.http
            assert not ahttp.is_closed
        return ahttp

    assert asyncio.run(main()).is_closed


# --- get / list ----------------------------------------------------------------------------------------


def test_get(env: Env) -> None:
    env.serve(ok(pod_json(rv="42")))
    pod = env.run(env.cs.core_v1().pods("default").get("web"))
    assert isinstance(pod, core_v1.Pod)
    assert pod.metadata.resource_version == "42"
    assert pod.spec.containers[0].image == "nginx"
    req = env.server.last
    assert req.method == "GET"
    assert req.url.path == "/api/v1/namespaces/default/pods/web"
    assert params(req) == {}


def test_get_resource_version(env: Env) -> None:
    env.serve(ok(pod_json()))
    env.run(env.cs.core_v1().pods("default").get("web", resource_version="0"))
    assert params(env.server.last) == {"resourceVersion": "0"}


def test_get_cluster_scoped_grouped(env: Env) -> None:
    env.serve(ok({"kind": "Deployment", "metadata": {"name": "api"}, "spec": {"replicas": 3}}))
    dep = env.run(env.cs.apps_v1().deployments("prod").get("api"))
    assert isinstance(dep, apps_v1.Deployment)
    assert dep.spec.replicas == 3
    assert env.server.last.url.path == "/apis/apps/v1/namespaces/prod/deployments/api"
    env.serve(ok({"kind": "Node", "metadata": {"name": "n1"}}))
    node = env.run(env.cs.core_v1().nodes().get("n1"))
    assert isinstance(node, core_v1.Node)
    assert env.server.last.url.path == "/api/v1/nodes/n1"


def test_get_not_found(env: Env) -> None:
    env.serve(ok(status_json(404, "NotFound", "Failure"), status=404))
    with pytest.raises(NotFound) as exc:
        env.run(env.cs.core_v1().pods("default").get("missing"))
    assert "/api/v1/namespaces/default/pods/missing" in str(exc.value)


def test_get_all_namespaces_refused(env: Env) -> None:
    with pytest.raises(ValueError, match="namespace is required"):
        env.run(env.cs.core_v1().pods("").get("web"))
    assert env.server.requests == []


def test_decode_error_from_client(env: Env) -> None:
    env.serve(lambda request: httpx.Response(200, content=b"<html>proxy</html>"))
    with pytest.raises(DecodeError, match=r"GET /api/v1/namespaces/default/pods/web -> 200: Pod"):
        env.run(env.cs.core_v1().pods("default").get("web"))


def test_list(env: Env) -> None:
    env.serve(
        ok(
            {
                "kind": "PodList",
                "apiVersion": "v1",
                "metadata": {"resourceVersion": "100"},
                "items": [pod_json("a"), pod_json("b")],
            }
        )
    )
    result = env.run(
        env.cs.core_v1()
        .pods("default")
        .list(label_selector="app=web", field_selector="status.phase=Running", limit=10)
    )
    assert isinstance(result, core_v1.PodList)
    assert [p.metadata.name for p in result.items] == ["a", "b"]
    assert all(isinstance(p, core_v1.Pod) for p in result.items)
    assert result.metadata.resource_version == "100"
    req = env.server.last
    assert req.url.path == "/api/v1/namespaces/default/pods"
    assert params(req) == {
        "labelSelector": "app=web",
        "fieldSelector": "status.phase=Running",
        "limit": "10",
    }


def test_list_all_namespaces(env: Env) -> None:
    env.serve(ok({"kind": "PodList", "items": []}))
    env.run(
        env.cs.core_v1()
        .pods("")
        .list(resource_version="0", resource_version_match="NotOlderThan", timeout_seconds=3)
    )
    req = env.server.last
    assert req.url.path == "/api/v1/pods"
    assert params(req) == {
        "resourceVersion": "0",
        "resourceVersionMatch": "NotOlderThan",
        "timeoutSeconds": "3",
    }


def test_list_iter_follows_continue(env: Env) -> None:
    pages = {
        None: (["a", "b"], "tok-1"),
        "tok-1": (["c", "d"], "tok-2/=="),
        "tok-2/==": (["e"], None),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        names, next_token = pages[request.url.params.get("continue")]
        meta: dict[str, Any] = {"resourceVersion": "500"}
        if next_token:
            meta["continue"] = next_token
            meta["remainingItemCount"] = 1
        return httpx.Response(
            200, json={"kind": "PodList", "metadata": meta, "items": [pod_json(n) for n in names]}
        )

    env.serve(handler)
    items = env.collect(
        env.cs.core_v1().pods("default").list_iter(label_selector="app=web", page_size=2)
    )
    assert [p.metadata.name for p in items] == ["a", "b", "c", "d", "e"]
    assert all(isinstance(p, core_v1.Pod) for p in items)
    sent = [params(r) for r in env.server.requests]
    assert [p.get("continue") for p in sent] == [None, "tok-1", "tok-2/=="]
    assert all(p["limit"] == "2" and p["labelSelector"] == "app=web" for p in sent)
    assert all("resourceVersion" not in p for p in sent)


def test_list_iter_gone_between_pages(env: Env) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("continue"):
            return httpx.Response(410, json=status_json(410, "Expired", "Failure"))
        return httpx.Response(
            200, json={"kind": "PodList", "metadata": {"continue": "t"}, "items": [pod_json()]}
        )

    env.serve(handler)
    with pytest.raises(Gone):
        env.collect(env.cs.core_v1().pods("default").list_iter())


# --- watch -------------------------------------------------------------------------------------------


class TrackedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A streamed body (split into awkward chunks) that records whether it was closed."""

    def __init__(self, lines: list[dict[str, Any]]) -> None:
        data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
        # Chunk boundaries that do not fall on line boundaries.
        self.chunks = [data[i : i + 37] for i in range(0, len(data), 37)]
        self.closed = False
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.sent += 1
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.sent += 1
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


WATCH_LINES: list[dict[str, Any]] = [
    {"type": "ADDED", "object": pod_json("a", "11")},
    {"type": "MODIFIED", "object": pod_json("a", "12")},
    {
        "type": "BOOKMARK",
        "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "15"}},
    },
    {"type": "DELETED", "object": pod_json("a", "16")},
]

GONE_LINES: list[dict[str, Any]] = [
    {"type": "ADDED", "object": pod_json("a", "11")},
    {
        "type": "ERROR",
        "object": {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "too old resource version: 5 (11)",
            "reason": "Expired",
            "code": 410,
        },
    },
    {"type": "ADDED", "object": pod_json("b", "12")},
]


def _streaming(env: Env, lines: list[dict[str, Any]]) -> TrackedStream:
    stream = TrackedStream(lines)
    env.serve(lambda request: httpx.Response(200, stream=stream))
    return stream


def _watch_events(env: Env, **kwargs: Any) -> tuple[list[WatchEvent[Any]], list[str | None], Any]:
    """Every event of a watch, and ``resource_version`` after each."""
    w = env.cs.core_v1().pods("default").watch(**kwargs)
    events: list[WatchEvent[Any]] = []
    versions: list[str | None] = []
    if env.mode == "sync":
        with w:
            for event in w:
                events.append(event)
                versions.append(w.resource_version)
    else:

        async def main() -> None:
            async with w:
                async for event in w:
                    events.append(event)
                    versions.append(w.resource_version)

        asyncio.run(main())
    return events, versions, w


def test_watch_events_in_order(env: Env) -> None:
    stream = _streaming(env, WATCH_LINES)
    events, versions, w = _watch_events(
        env, resource_version="10", allow_watch_bookmarks=True, label_selector="app=web"
    )
    assert [e.type for e in events] == ["ADDED", "MODIFIED", "BOOKMARK", "DELETED"]
    assert all(isinstance(e, WatchEvent) and isinstance(e.object, core_v1.Pod) for e in events)
    assert events[0].object.metadata.name == "a"
    assert versions == ["11", "12", "15", "16"]
    assert w.resource_version == "16"
    assert stream.closed
    req = env.server.last
    assert req.method == "GET"
    assert req.url.path == "/api/v1/namespaces/default/pods"
    assert params(req) == {
        "labelSelector": "app=web",
        "resourceVersion": "10",
        "watch": "true",
        "allowWatchBookmarks": "true",
    }
    assert req.extensions["timeout"]["read"] == 120.0  # Config.watch_idle_timeout
    assert len(env.server.requests) == 1


def test_watch_starts_with_given_resource_version(env: Env) -> None:
    _streaming(env, [])
    events, _, w = _watch_events(env, resource_version="77")
    assert events == []
    assert w.resource_version == "77"


def test_watch_error_410_raises_gone(env: Env) -> None:
    stream = _streaming(env, GONE_LINES)
    with pytest.raises(Gone) as exc:
        _watch_events(env, resource_version="5")
    assert exc.value.code == 410
    assert "too old resource version" in str(exc.value)
    assert stream.closed


def test_watch_error_500_raises_typed(env: Env) -> None:
    line = copy.deepcopy(GONE_LINES[1])
    line["object"].update(code=500, reason="InternalError", message="etcd down")
    stream = _streaming(env, [line])
    with pytest.raises(InternalError, match="etcd down"):
        _watch_events(env)
    assert stream.closed


def test_watch_cluster_scoped_all_namespaces_path(env: Env) -> None:
    _streaming(env, [])
    w = env.cs.core_v1().nodes().watch(timeout_seconds=30, send_initial_events=True)
    env.collect(w)
    assert env.server.last.url.path == "/api/v1/nodes"
    assert params(env.server.last) == {
        "timeoutSeconds": "30",
        "watch": "true",
        "sendInitialEvents": "true",
    }


def test_sync_watch_context_manager_closes_stream() -> None:
    e = Env("sync")
    try:
        stream = _streaming(e, WATCH_LINES)
        cs = e.cs
        assert isinstance(cs, Clientset)
        w = cs.core_v1().pods("default").watch()
        assert e.server.requests == []  # nothing sent before it is entered
        with w as opened:
            assert opened is w
            assert len(e.server.requests) == 1
            events = iter(w)
            assert next(events).type == "ADDED"
            assert not stream.closed
        assert stream.closed
        assert stream.sent < len(stream.chunks)  # left before the end of the stream
        with pytest.raises(RuntimeError, match="closed"):
            next(iter(w))
    finally:
        e.close()


def test_async_watch_context_manager_closes_stream() -> None:
    e = Env("async")
    try:
        stream = _streaming(e, WATCH_LINES)
        cs = e.cs
        assert isinstance(cs, AsyncClientset)

        async def main() -> None:
            w = cs.core_v1().pods("default").watch()
            assert e.server.requests == []
            async with w as opened:
                assert opened is w
                events = aiter(w)
                assert (await anext(events)).type == "ADDED"
                assert not stream.closed
            assert stream.closed
            assert stream.sent < len(stream.chunks)

        asyncio.run(main())
    finally:
        e.close()


def test_sync_watch_close_without_context_manager() -> None:
    e = Env("sync")
    try:
        stream = _streaming(e, WATCH_LINES)
        cs = e.cs
        assert isinstance(cs, Clientset)
        w = cs.core_v1().pods("default").watch()
        events = iter(w)
        assert next(events).type == "ADDED"
        w.close()
        assert stream.closed
        w.close()  # idempotent
    finally:
        e.close()


# --- writes ----------------------------------------------------------------------------------------


def test_create(env: Env) -> None:
    env.serve(ok(cm_json(rv="1"), status=201))
    cm = core_v1.ConfigMap(metadata=meta_v1.ObjectMeta(name="cfg"), data={"k": "v"})
    created = env.run(
        env.cs.core_v1()
        .config_maps("default")
        .create(cm, dry_run=True, field_manager="me", field_validation="Strict")
    )
    assert isinstance(created, core_v1.ConfigMap)
    assert created.metadata.resource_version == "1"
    req = env.server.last
    assert req.method == "POST"
    assert req.url.path == "/api/v1/namespaces/default/configmaps"
    assert req.headers["Content-Type"] == "application/json"
    assert params(req) == {"dryRun": "All", "fieldManager": "me", "fieldValidation": "Strict"}
    assert env.server.last_json() == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg"},
        "data": {"k": "v"},
    }


def test_create_from_mapping_with_generate_name(env: Env) -> None:
    env.serve(ok(cm_json("cfg-x1"), status=201))
    created = env.run(
        env.cs.core_v1().config_maps("default").create({"metadata": {"generateName": "cfg-"}})
    )
    assert created.metadata.name == "cfg-x1"
    assert env.server.last_json() == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"generateName": "cfg-"},
    }
    assert params(env.server.last) == {}


def test_create_needs_namespace(env: Env) -> None:
    with pytest.raises(ValueError, match="namespace is required to create"):
        env.run(env.cs.core_v1().config_maps("").create({"metadata": {"name": "x"}}))


def test_update(env: Env) -> None:
    env.serve(ok(cm_json(rv="2", data={"k": "v2"})))
    cm = core_v1.ConfigMap.model_validate(cm_json(rv="1"))
    cm.data = {"k": "v2"}
    updated = env.run(env.cs.core_v1().config_maps("default").update(cm, field_manager="me"))
    assert updated.metadata.resource_version == "2"
    req = env.server.last
    assert req.method == "PUT"
    assert req.url.path == "/api/v1/namespaces/default/configmaps/cfg"
    assert req.headers["Content-Type"] == "application/json"
    assert params(req) == {"fieldManager": "me"}
    assert env.server.last_json() == cm_json(rv="1", data={"k": "v2"})


def test_update_conflict(env: Env) -> None:
    env.serve(ok(status_json(409, "Conflict", "Failure"), status=409))
    with pytest.raises(Conflict):
        env.run(env.cs.core_v1().config_maps("default").update(cm_json()))


def test_update_needs_name(env: Env) -> None:
    with pytest.raises(ValueError, match=r"no metadata\.name"):
        env.run(env.cs.core_v1().config_maps("default").update({"data": {}}))


def test_delete_finished_returns_none(env: Env) -> None:
    env.serve(ok(status_json()))
    result = env.run(
        env.cs.core_v1()
        .pods("default")
        .delete(
            "web",
            grace_period_seconds=0,
            propagation_policy="Background",
            preconditions={"resourceVersion": "5"},
            dry_run=True,
        )
    )
    assert result is None
    req = env.server.last
    assert req.method == "DELETE"
    assert req.url.path == "/api/v1/namespaces/default/pods/web"
    assert req.headers["Content-Type"] == "application/json"
    assert params(req) == {}
    assert env.server.last_json() == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "gracePeriodSeconds": 0,
        "propagationPolicy": "Background",
        "preconditions": {"resourceVersion": "5"},
        "dryRun": ["All"],
    }


def test_delete_pending_returns_object(env: Env) -> None:
    pending = pod_json(rv="9")
    pending["metadata"]["deletionTimestamp"] = "2024-05-01T12:00:30Z"
    pending["metadata"]["finalizers"] = ["example.com/block"]
    env.serve(ok(pending))
    result = env.run(env.cs.core_v1().pods("default").delete("web"))
    assert isinstance(result, core_v1.Pod)
    assert result.metadata.finalizers == ["example.com/block"]
    assert result.metadata.deletion_timestamp is not None


def test_delete_collection(env: Env) -> None:
    env.serve(ok({"kind": "PodList", "items": []}))
    result = env.run(
        env.cs.core_v1()
        .pods("default")
        .delete_collection(label_selector="app=web", propagation_policy="Foreground")
    )
    assert result is None
    req = env.server.last
    assert req.method == "DELETE"
    assert req.url.path == "/api/v1/namespaces/default/pods"
    assert params(req) == {"labelSelector": "app=web"}
    assert env.server.last_json() == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "propagationPolicy": "Foreground",
    }


def test_patch_merge_is_default(env: Env) -> None:
    env.serve(ok(cm_json(rv="3")))
    result = env.run(
        env.cs.core_v1().config_maps("default").patch("cfg", {"data": {"k": None}}, dry_run=True)
    )
    assert isinstance(result, core_v1.ConfigMap)
    req = env.server.last
    assert req.method == "PATCH"
    assert req.url.path == "/api/v1/namespaces/default/configmaps/cfg"
    assert req.headers["Content-Type"] == "application/merge-patch+json"
    assert params(req) == {"dryRun": "All"}
    assert env.server.last_json() == {"data": {"k": None}}


def test_patch_strategic(env: Env) -> None:
    env.serve(ok(pod_json()))
    patch = {"spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}
    env.run(
        env.cs.core_v1()
        .pods("default")
        .patch("web", patch, patch_type=PatchType.STRATEGIC, field_manager="me", force=False)
    )
    req = env.server.last
    assert req.headers["Content-Type"] == "application/strategic-merge-patch+json"
    assert params(req) == {"fieldManager": "me"}
    assert env.server.last_json() == patch


def test_patch_json_list(env: Env) -> None:
    env.serve(ok(pod_json()))
    ops = [{"op": "replace", "path": "/metadata/labels/app", "value": "api"}]
    env.run(env.cs.core_v1().pods("default").patch("web", ops, patch_type=PatchType.JSON))
    req = env.server.last
    assert req.headers["Content-Type"] == "application/json-patch+json"
    assert env.server.last_json() == ops


def test_patch_list_requires_json_patch_type(env: Env) -> None:
    ops = [{"op": "remove", "path": "/metadata/labels"}]
    for ptype in (PatchType.MERGE, PatchType.STRATEGIC):
        with pytest.raises(ValueError, match=r"PatchType\.JSON"):
            env.run(env.cs.core_v1().pods("default").patch("web", ops, patch_type=ptype))
    assert env.server.requests == []


def test_patch_raw_bytes(env: Env) -> None:
    env.serve(ok(pod_json()))
    env.run(env.cs.core_v1().pods("default").patch("web", b'{"metadata":{"labels":{"a":"b"}}}'))
    assert env.server.last.content == b'{"metadata":{"labels":{"a":"b"}}}'


def test_apply(env: Env) -> None:
    env.serve(ok(cm_json(rv="4")))
    cm = core_v1.ConfigMap.model_validate(
        {
            "metadata": {
                "name": "cfg",
                "managedFields": [{"manager": "other", "operation": "Apply"}],
            },
            "data": {"k": "v"},
        }
    )
    result = env.run(
        env.cs.core_v1().config_maps("default").apply(cm, field_manager="my-ctl", force=True)
    )
    assert isinstance(result, core_v1.ConfigMap)
    req = env.server.last
    assert req.method == "PATCH"
    assert req.url.path == "/api/v1/namespaces/default/configmaps/cfg"
    assert req.headers["Content-Type"] == "application/apply-patch+yaml"
    assert params(req) == {"fieldManager": "my-ctl", "force": "true"}
    assert env.server.last_json() == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg"},
        "data": {"k": "v"},
    }


def test_apply_without_force(env: Env) -> None:
    env.serve(ok(cm_json()))
    env.run(
        env.cs.core_v1()
        .config_maps("default")
        .apply({"metadata": {"name": "cfg"}}, field_manager="m", dry_run=True)
    )
    assert params(env.server.last) == {"dryRun": "All", "fieldManager": "m"}


# --- subresources ---------------------------------------------------------------------------------------


def test_status_subresource(env: Env) -> None:
    env.serve(ok(pod_json(status={"phase": "Running"})))
    got = env.run(env.cs.core_v1().pods("default").get_status("web"))
    assert got.status.phase == "Running"
    assert env.server.last.url.path == "/api/v1/namespaces/default/pods/web/status"

    pod = core_v1.Pod.model_validate(pod_json(status={"phase": "Running"}))
    pod.status.phase = "Succeeded"
    updated = env.run(env.cs.core_v1().pods("default").update_status(pod, dry_run=True))
    assert isinstance(updated, core_v1.Pod)
    req = env.server.last
    assert req.method == "PUT"
    assert req.url.path == "/api/v1/namespaces/default/pods/web/status"
    assert params(req) == {"dryRun": "All"}
    assert env.server.last_json()["status"] == {"phase": "Succeeded"}
    assert env.server.last_json()["kind"] == "Pod"


def test_patch_status(env: Env) -> None:
    env.serve(ok(pod_json()))
    env.run(env.cs.core_v1().pods("default").patch_status("web", {"status": {"phase": "Failed"}}))
    req = env.server.last
    assert (req.method, req.url.path) == ("PATCH", "/api/v1/namespaces/default/pods/web/status")
    assert req.headers["Content-Type"] == "application/merge-patch+json"


def test_scale_subresource(env: Env) -> None:
    scale_json = {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {"name": "api", "namespace": "prod", "resourceVersion": "8"},
        "spec": {"replicas": 2},
        "status": {"replicas": 2, "selector": "app=api"},
    }
    env.serve(ok(scale_json))
    deployments = env.cs.apps_v1().deployments("prod")
    scale = env.run(deployments.get_scale("api"))
    assert isinstance(scale, autoscaling_v1.Scale)
    assert scale.spec.replicas == 2
    assert env.server.last.url.path == "/apis/apps/v1/namespaces/prod/deployments/api/scale"

    new = autoscaling_v1.Scale(
        metadata=meta_v1.ObjectMeta(name="api"), spec=autoscaling_v1.ScaleSpec(replicas=5)
    )
    env.run(deployments.update_scale("api", new))
    req = env.server.last
    assert req.method == "PUT"
    assert req.url.path == "/apis/apps/v1/namespaces/prod/deployments/api/scale"
    assert env.server.last_json() == {
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {"name": "api"},
        "spec": {"replicas": 5},
    }


def test_evict(env: Env) -> None:
    env.serve(ok({"kind": "Status", "apiVersion": "v1", "status": "Success"}, status=201))
    eviction = policy_v1.Eviction(
        metadata=meta_v1.ObjectMeta(name="web", namespace="default"),
        delete_options=meta_v1.DeleteOptions(grace_period_seconds=10),
    )
    env.run(env.cs.core_v1().pods("default").evict("web", eviction))
    req = env.server.last
    assert req.method == "POST"
    assert req.url.path == "/api/v1/namespaces/default/pods/web/eviction"
    assert req.headers["Content-Type"] == "application/json"
    assert env.server.last_json() == {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "web", "namespace": "default"},
        "deleteOptions": {"gracePeriodSeconds": 10},
    }


def test_create_token(env: Env) -> None:
    env.serve(
        ok(
            {
                "kind": "TokenRequest",
                "apiVersion": "authentication.k8s.io/v1",
                "spec": {"audiences": ["api"], "expirationSeconds": 600},
                "status": {"token": "eyJ.x.y", "expirationTimestamp": "2030-01-01T00:00:00Z"},
            },
            status=201,
        )
    )
    request = authentication_v1.TokenRequest(
        spec=authentication_v1.TokenRequestSpec(audiences=["api"], expiration_seconds=600)
    )
    result = env.run(env.cs.core_v1().service_accounts("ci").create_token("builder", request))
    assert isinstance(result, authentication_v1.TokenRequest)
    assert result.status.token == "eyJ.x.y"
    req = env.server.last
    assert req.method == "POST"
    assert req.url.path == "/api/v1/namespaces/ci/serviceaccounts/builder/token"
    assert env.server.last_json() == {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"audiences": ["api"], "expirationSeconds": 600},
    }


def test_get_logs(env: Env) -> None:
    env.serve(lambda request: httpx.Response(200, text="line 1\nline 2\n"))
    text = env.run(
        env.cs.core_v1()
        .pods("default")
        .get_logs("web", container="c", tail_lines=10, timestamps=True, previous=True)
    )
    assert text == "line 1\nline 2\n"
    req = env.server.last
    assert req.method == "GET"
    assert req.url.path == "/api/v1/namespaces/default/pods/web/log"
    assert params(req) == {
        "container": "c",
        "tailLines": "10",
        "timestamps": "true",
        "previous": "true",
    }


def test_stream_logs(env: Env) -> None:
    body = TrackedStream([])
    body.chunks = [b"first li", b"ne\n\nsecond line\nthird"]
    env.serve(lambda request: httpx.Response(200, stream=body))
    s = env.cs.core_v1().pods("default").stream_logs("web", since_seconds=60, limit_bytes=1000)
    assert env.collect(s.lines()) == ["first line", "second line", "third"]
    assert body.closed
    assert s.closed
    req = env.server.last
    assert req.url.path == "/api/v1/namespaces/default/pods/web/log"
    assert params(req) == {"sinceSeconds": "60", "limitBytes": "1000", "follow": "true"}
    assert req.extensions["timeout"]["read"] == 120.0  # Config.watch_idle_timeout


# --- shape of the generated API ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "present", "absent"),
    [
        (
            ComponentStatusesClient,
            {"get", "list"},
            {"create", "update", "patch", "apply", "delete", "delete_collection", "watch"},
        ),
        (
            AsyncComponentStatusesClient,
            {"get", "list"},
            {"create", "update", "patch", "apply", "delete", "delete_collection", "watch"},
        ),
        (
            TokenReviewsClient,
            {"create"},
            {"get", "list", "watch", "update", "patch", "apply", "delete", "delete_collection"},
        ),
        (
            AsyncTokenReviewsClient,
            {"create"},
            {"get", "list", "watch", "update", "patch", "apply", "delete", "delete_collection"},
        ),
    ],
)
def test_only_declared_verbs(cls: type, present: set[str], absent: set[str]) -> None:
    for verb in present:
        assert hasattr(cls, verb), verb
    for verb in absent:
        assert not hasattr(cls, verb), verb


def test_verbs_of_instances(env: Env) -> None:
    cs = env.cs.core_v1().component_statuses()
    assert not hasattr(cs, "create")
    assert hasattr(cs, "list")
    tr = env.cs.authentication_v1().token_reviews()
    assert hasattr(tr, "create")
    assert not hasattr(tr, "get") and not hasattr(tr, "list") and not hasattr(tr, "delete")


def test_token_review_create(env: Env) -> None:
    env.serve(
        ok({"kind": "TokenReview", "status": {"authenticated": True, "user": {"username": "u"}}})
    )
    review = authentication_v1.TokenReview(spec=authentication_v1.TokenReviewSpec(token="t"))
    result = env.run(env.cs.authentication_v1().token_reviews().create(review))
    assert result.status.authenticated is True
    req = env.server.last
    assert req.url.path == "/apis/authentication.k8s.io/v1/tokenreviews"
    assert env.server.last_json() == {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenReview",
        "spec": {"token": "t"},
    }


@pytest.mark.parametrize("group_cls", [CoreV1Client, AsyncCoreV1Client])
def test_accessor_signatures(group_cls: type) -> None:
    for accessor in ("pods", "config_maps", "services", "secrets"):
        sig = inspect.signature(getattr(group_cls, accessor))
        assert list(sig.parameters) == ["self", "namespace"], accessor
        assert sig.parameters["namespace"].default is inspect.Parameter.empty
    for accessor in ("nodes", "namespaces", "persistent_volumes", "component_statuses"):
        sig = inspect.signature(getattr(group_cls, accessor))
        assert list(sig.parameters) == ["self"], accessor


def test_accessor_calls(env: Env) -> None:
    core = env.cs.core_v1()
    with pytest.raises(TypeError):
        core.pods()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        core.nodes("default")  # type: ignore[call-arg]
    assert core.pods("team-a").namespace == "team-a"
    assert core.nodes().namespace is None
    assert core.pods("x").info.plural == "pods"
    assert "namespace='x'" in repr(core.pods("x"))
    assert "namespace" not in repr(core.nodes())


# --- discovery ---------------------------------------------------------------------------------------


def test_discovery(env: Env) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/version":
            return httpx.Response(
                200,
                json={
                    "major": "1",
                    "minor": "36",
                    "gitVersion": "v1.36.3",
                    "platform": "linux/amd64",
                },
            )
        if path == "/api":
            return httpx.Response(200, json={"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            return httpx.Response(
                200,
                json={
                    "kind": "APIGroupList",
                    "groups": [
                        {
                            "name": "apps",
                            "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                            "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
                        }
                    ],
                },
            )
        if path in ("/api/v1", "/apis/apps/v1"):
            gv = "v1" if path == "/api/v1" else "apps/v1"
            return httpx.Response(
                200,
                json={
                    "kind": "APIResourceList",
                    "groupVersion": gv,
                    "resources": [
                        {"name": "pods", "namespaced": True, "kind": "Pod", "verbs": ["get"]},
                        {"name": "pods/status", "namespaced": True, "kind": "Pod", "verbs": []},
                    ],
                },
            )
        return httpx.Response(404, json=status_json(404, "NotFound", "Failure"))

    env.serve(handler)
    disc = env.cs.discovery()
    assert disc is env.cs.discovery()

    version = env.run(disc.server_version())
    assert isinstance(version, ServerVersion)
    assert (version.major, version.minor, version.git_version) == ("1", "36", "v1.36.3")

    groups = env.run(disc.server_groups())
    assert all(isinstance(g, APIGroup) for g in groups)
    assert [g.name for g in groups] == ["", "apps"]
    assert groups[0].preferred_version.group_version == "v1"
    assert groups[1].versions[0].group_version == "apps/v1"

    core = env.run(disc.server_resources_for_group_version("v1"))
    assert isinstance(core, APIResourceList)
    assert env.server.last.url.path == "/api/v1"
    assert [r.name for r in core.resources] == ["pods", "pods/status"]
    apps = env.run(disc.server_resources_for_group_version("apps/v1"))
    assert apps.group_version == "apps/v1"
    assert env.server.last.url.path == "/apis/apps/v1"

    with pytest.raises(NotFound):
        env.run(disc.server_resources_for_group_version("nope/v9"))


# --- unknown fields survive read → modify → update --------------------------------------------------


SERVER_POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "uid": "0b4f6f4e-1111-2222-3333-444455556666",
        "resourceVersion": "812",
        "creationTimestamp": "2024-05-01T12:00:00Z",
        "labels": {"app": "web"},
        "futureMetadataField": {"shards": [1, 2, 3]},
        "managedFields": [
            {
                "manager": "kubectl",
                "operation": "Update",
                "apiVersion": "v1",
                "time": "2024-05-01T12:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
            }
        ],
    },
    "spec": {
        "containers": [
            {
                "name": "c",
                "image": "nginx:1",
                "resources": {"limits": {"cpu": "500m", "memory": 1073741824}},
                "futureContainerField": {"enabled": True},
            }
        ],
        "futureSpecField": {"mode": "fast", "weights": [0.5, 1], "nothing": None},
        "terminationGracePeriodSeconds": 30,
    },
    "status": {
        "phase": "Running",
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": "2024-05-01T12:00:05Z",
            }
        ],
    },
    "futureTopLevelField": ["kept", {"as": "is"}],
}


def test_unknown_fields_survive_update(env: Env) -> None:
    env.serve(ok(SERVER_POD))
    pods = env.cs.core_v1().pods("default")
    pod = env.run(pods.get("web"))
    assert isinstance(pod, core_v1.Pod)

    pod.metadata.labels["tier"] = "frontend"
    pod.spec.containers[0].image = "nginx:2"

    env.serve(lambda request: httpx.Response(200, content=request.content))
    updated = env.run(pods.update(pod))

    expected = copy.deepcopy(SERVER_POD)
    expected["metadata"]["labels"]["tier"] = "frontend"
    expected["spec"]["containers"][0]["image"] = "nginx:2"
    assert env.server.last.method == "PUT"
    assert env.server.last_json() == expected
    # And what the server answered decodes to the same data again.
    assert json.loads(updated.model_dump_json(by_alias=True, exclude_unset=True)) == expected


@pytest.mark.parametrize("path", ["/version", "/api", "/apis"])
def test_discovery_non_json_is_decode_error(env: Env, path: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == path:
            return httpx.Response(200, content=b"<html>sign in</html>")
        if request.url.path == "/api":
            return httpx.Response(200, json={"versions": ["v1"]})
        return httpx.Response(200, json={"groups": []})

    env.serve(handler)
    disc = env.cs.discovery()
    call = disc.server_version if path == "/version" else disc.server_groups
    with pytest.raises(DecodeError, match=rf"GET {path} -> 200: "):
        env.run(call())
