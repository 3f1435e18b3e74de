"""The in-memory API server: store, resourceVersions, verbs, deletion, watches, reactors.

See :mod:`kubeset.fake` for the public API and the differences from the real kube-apiserver.
"""

from __future__ import annotations

import base64
import binascii
import copy
import inspect
import json
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import httpx
from pydantic import BaseModel

from kubeset.config import Config
from kubeset.errors import ApiError
from kubeset.fake.registry import (
    LABEL_NAME_KINDS,
    PATH_NAME_KINDS,
    STATUS_KEEPS_LABELS_GROUPS,
    Registry,
    Resource,
)
from kubeset.fake.selectors import parse_field_selector, parse_label_selector
from kubeset.fake.status import (
    StatusError,
    already_exists,
    bad_request,
    conflict,
    expired,
    field_cause,
    from_api_error,
    invalid,
    method_not_allowed,
    not_found,
    not_found_resource,
    status_body,
    success,
    too_large_resource_version,
    unsupported_media_type,
)
from kubeset.fake.watch import (
    INITIAL_EVENTS_END,
    AsyncWatchStream,
    Event,
    NetworkStream,
    SyncWatchStream,
    Watcher,
    dumps,
    event_line,
)
from kubeset.model import to_dict
from kubeset.resource import PatchType

__all__ = ["Action", "FakeServer", "Reactor"]

Obj = dict[str, Any]
Reactor = Callable[["Action"], Any]
"""``fn(action)`` → ``None`` (go on), an ``httpx.Response`` (sent as is) or an exception
(a :class:`kubeset.errors.ApiError` instance: its ``Status`` is sent); may be ``async``."""

C = TypeVar("C")

HOST = "https://fake.invalid"
VERSION_INFO = {
    "major": "1",
    "minor": "36",
    "emulationMajor": "1",
    "emulationMinor": "36",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "35",
    "gitVersion": "v1.36.3-kubeset-fake",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "1970-01-01T00:00:00Z",
    "goVersion": "go1.25",
    "compiler": "gc",
    "platform": "linux/amd64",
}
#: The apiserver's generateName alphabet (no vowels, no ambiguous characters).
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
GENERATE_ATTEMPTS = 8
METADATA_AS = ("PartialObjectMetadata", "PartialObjectMetadataList")

_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_CONTINUE_TOO_OLD = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)


@dataclass(frozen=True)
class Action:
    """One request the fake server received (client-go's ``testing.Action``).

    ``verb``: get, list, watch, create, update, patch, delete, deletecollection; ``resource``
    the plural (``pods``); ``subresource``, ``namespace`` and ``name`` are ``""`` when absent;
    ``body`` the parsed JSON body (a patch's operations or document; ``None`` without one);
    ``query`` the query parameters (last value of each).
    """

    verb: str
    resource: str
    subresource: str
    namespace: str
    name: str
    body: Any
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class _Call:
    request: httpx.Request
    res: Resource
    verb: str
    namespace: str
    name: str
    subresource: str
    query: dict[str, str]
    body: bytes
    action: Action


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_subdomain(name: str) -> bool:
    if not name or len(name) > 253:
        return False
    return all(_is_label(part, 63) for part in name.split("."))


def _is_label(name: str, limit: int = 63) -> bool:
    if not name or len(name) > limit:
        return False
    ok = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    return set(name) <= ok and name[0] != "-" and name[-1] != "-"


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _obj_key(namespace: str, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def _json_response(
    code: int, body: Any, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return httpx.Response(code, headers=all_headers, content=dumps(body))


def _error_response(exc: StatusError) -> httpx.Response:
    return _json_response(exc.code, exc.status)


def _body_without(obj: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in keys}


class FakeServer:
    """An in-memory kube-apiserver for tests, reached through real kubeset clients.

    ``packages``: generated packages whose resources it serves (their ``ResourceInfo``);
    ``history``: how many watch events are retained (a watch or continue token from an older
    resourceVersion gets 410 Gone); ``bookmark_interval``: seconds between watch bookmarks.
    """

    def __init__(
        self,
        packages: Iterable[str] = ("kubeset_k8s",),
        *,
        history: int = 1000,
        bookmark_interval: float = 60.0,
        garbage_collector: bool = True,
    ) -> None:
        if history < 1:
            raise ValueError("history must be at least 1")
        self._registry = Registry()
        self._cond = threading.Condition(threading.RLock())
        self._store: dict[tuple[str, str], dict[str, Obj]] = {}
        self._rv = 0
        self._history: deque[Event] = deque(maxlen=history)
        self._compacted = 0
        self.bookmark_interval = bookmark_interval
        #: Whether deletions propagate to dependents (ownerReferences) at once, as a cluster's
        #: garbage collector does. Off, the server does only what kube-apiserver itself does:
        #: Foreground and Orphan mark the owner with their finalizer, dependents are untouched.
        self.garbage_collector = garbage_collector
        self._reactors: list[tuple[str, str, Reactor]] = []
        self._actions: list[Action] = []
        self._watchers: set[Watcher] = set()
        for package in packages:
            self.add_package(package)

    # --- public API --------------------------------------------------------------------------

    def add_package(self, package: str) -> None:
        """Serve the resources of a generated package (a CRD package from clientgen, say)."""
        with self._cond:
            self._registry.add_package(package)

    def add_objects(self, *objects: BaseModel | Mapping[str, Any]) -> list[Obj]:
        """Seed objects (models or dicts, ``apiVersion``/``kind`` from the body or the model
        class); a namespace that does not exist is created. Returns the stored objects."""
        stored = []
        with self._cond:
            for obj in objects:
                res = self._resource_of(obj)
                body = copy.deepcopy(to_dict(obj))
                body["apiVersion"], body["kind"] = res.info.api_version, res.info.kind
                md = body.setdefault("metadata", {})
                if res.info.namespaced:
                    ns = md.setdefault("namespace", "default")
                    if ns not in self._store.get(("", "namespaces"), {}):
                        self._seed_namespace(ns)
                else:
                    md.pop("namespace", None)
                name = md.get("name") or self._generate(
                    res, md.get("generateName") or "", md.get("namespace", "")
                )
                md["name"] = name
                key = _obj_key(md.get("namespace", ""), name)
                if key in self._store.get(res.key, {}):
                    raise already_exists(res.info.plural, res.info.group, name)
                stored.append(self._insert(res, body, manager="", dry_run=False))
        return stored

    def clientset(self, cls: type[C], **config: Any) -> C:
        """A real (sync) clientset of ``cls`` talking to this server."""
        http = httpx.Client(transport=self.transport(), base_url=HOST)
        clientset: C = cls.for_config(self.config(**config), http_client=http)  # type: ignore[attr-defined]
        return clientset

    def async_clientset(self, cls: type[C], **config: Any) -> C:
        """A real async clientset of ``cls`` talking to this server."""
        http = httpx.AsyncClient(transport=self.async_transport(), base_url=HOST)
        clientset: C = cls.for_config(self.config(**config), http_client=http)  # type: ignore[attr-defined]
        return clientset

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport for ``httpx.Client`` (base URL: ``config().host``)."""
        from kubeset.fake.transport import FakeTransport

        return FakeTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport for ``httpx.AsyncClient``."""
        from kubeset.fake.transport import AsyncFakeTransport

        return AsyncFakeTransport(self)

    def config(self, **changes: Any) -> Config:
        """The kubeset Config to pair with the transports (no rate limit, no retries)."""
        settings: dict[str, Any] = {"host": HOST, "qps": 0, "max_retries": 0}
        settings.update(changes)
        return Config(**settings)

    def prepend_reactor(self, verb: str, resource: str, fn: Reactor) -> None:
        """Run ``fn(action)`` before requests of ``verb`` on ``resource`` (``"*"``: any) are
        served; the latest prepended runs first. See :data:`Reactor`."""
        with self._cond:
            self._reactors.insert(0, (verb, resource, fn))

    @property
    def actions(self) -> list[Action]:
        """The requests served so far (discovery requests are not recorded)."""
        with self._cond:
            return list(self._actions)

    def clear_actions(self) -> None:
        """Forget the recorded actions."""
        with self._cond:
            self._actions.clear()

    @property
    def resource_version(self) -> str:
        """The current (global) resourceVersion."""
        with self._cond:
            return str(self._rv)

    def get_object(self, api_version: str, kind: str, namespace: str, name: str) -> Obj | None:
        """A copy of a stored object, or ``None`` (for assertions without a client)."""
        res = self._registry.by_gvk.get((api_version, kind))
        if res is None:
            raise KeyError(f"unknown kind {kind} in {api_version}")
        with self._cond:
            obj = self._store.get(res.key, {}).get(
                _obj_key(namespace if res.info.namespaced else "", name)
            )
            return self._render(res, obj) if obj is not None else None

    def compact(self) -> None:
        """Forget the watch history: every resourceVersion up to now becomes too old to watch
        or continue a list from (410 Gone), as after an etcd compaction."""
        with self._cond:
            self._history.clear()
            self._compacted = self._rv
            self._cond.notify_all()

    def close_watches(self) -> None:
        """End every open watch stream (they end as if the server closed them)."""
        with self._cond:
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher.close()

    # --- internals for watch.py ---------------------------------------------------------------

    def _events_after(self, cursor: int) -> tuple[list[Event] | None, int]:
        if cursor < self._compacted:
            return None, self._compacted
        out: list[Event] = []
        for event in reversed(self._history):
            if event.rv <= cursor:
                break
            out.append(event)
        out.reverse()
        return out, self._compacted

    def _current_rv(self) -> int:
        return self._rv

    def _watch_closed(self, watcher: Watcher) -> None:
        with self._cond:
            self._watchers.discard(watcher)
            self._cond.notify_all()

    # --- store primitives (call with the lock held) --------------------------------------------

    def _resource_of(self, obj: BaseModel | Mapping[str, Any]) -> Resource:
        if isinstance(obj, BaseModel):
            res = self._registry.by_model.get(type(obj))
            if res is not None:
                return res
            data = to_dict(obj)
        else:
            data = dict(obj)
        key = (str(data.get("apiVersion", "")), str(data.get("kind", "")))
        res = self._registry.by_gvk.get(key)
        if res is None:
            raise ValueError(f"the fake server does not serve {key[1] or '?'} in {key[0] or '?'}")
        return res

    def _seed_namespace(self, name: str) -> None:
        res = self._registry.by_gv[("", "v1")]["namespaces"]
        self._insert(
            res,
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
            manager="",
            dry_run=False,
        )

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def _record_event(
        self, type_: str, res: Resource, namespace: str, obj: Obj, prev: Obj | None
    ) -> None:
        history = self._history
        if history.maxlen is not None and len(history) == history.maxlen:
            self._compacted = history[0].rv
        history.append(Event(self._rv, type_, res.key, namespace, obj, prev))
        self._cond.notify_all()

    def _generate(self, res: Resource, prefix: str, namespace: str) -> str:
        objects = self._store.get(res.key, {})
        name = ""
        for _ in range(GENERATE_ATTEMPTS):
            name = prefix + "".join(random.choice(NAME_ALPHABET) for _ in range(5))
            if _obj_key(namespace, name) not in objects:
                return name
        return name  # the create then fails with AlreadyExists, as the real one can

    @staticmethod
    def _prune(res: Resource, body: Obj) -> Obj:
        """Built-in types lose the fields they do not declare, as on the real server."""
        if res.custom or res.model is None:
            return body
        from kubeset.fake.prune import prune

        return prune(res.model, body)

    def _insert(self, res: Resource, body: Obj, *, manager: str, dry_run: bool) -> Obj:
        """Store a new object (metadata filled in); emits ADDED."""
        body = self._prune(res, body)
        md = body["metadata"]
        now = _now()
        md["uid"] = str(uuid.uuid4())
        md["creationTimestamp"] = now
        for key in ("deletionTimestamp", "deletionGracePeriodSeconds"):
            md.pop(key, None)
        if res.has_generation:
            md["generation"] = 1
        else:
            md.pop("generation", None)
        self._defaults_on_create(res, body)
        if manager:
            body = self._managed(res, None, body, manager, "", now)
            md = body["metadata"]
        namespace = md.get("namespace", "") if res.info.namespaced else ""
        if dry_run:
            md.pop("resourceVersion", None)
            return body
        md["resourceVersion"] = str(self._next_rv())
        self._store.setdefault(res.key, {})[_obj_key(namespace, md["name"])] = body
        self._record_event("ADDED", res, namespace, body, None)
        return body

    def _defaults_on_create(self, res: Resource, body: Obj) -> None:
        info = res.info
        if res.has_status:
            body.pop("status", None)
        if (info.group, info.kind) == ("", "Pod"):
            body["status"] = {"phase": "Pending"}
        elif (info.group, info.kind) == ("", "Namespace"):
            md = body["metadata"]
            md["labels"] = {**(md.get("labels") or {}), "kubernetes.io/metadata.name": md["name"]}
            spec = body.setdefault("spec", {})
            if isinstance(spec, dict):
                spec.setdefault("finalizers", ["kubernetes"])
            body["status"] = {"phase": "Active"}

    def _managed(
        self, res: Resource, old: Obj | None, new: Obj, manager: str, subresource: str, now: str
    ) -> Obj:
        """``new`` with managedFields updated for ``manager`` (when the apply module and the
        package's patch metadata are available)."""
        try:
            from kubeset.fake.apply import record_update
        except ImportError:
            return new
        meta, type_name = self._patch_meta(res)
        if meta is None:
            return new
        result: Obj = record_update(
            old,
            new,
            manager=manager,
            meta=meta,
            type_name=type_name,
            api_version=res.info.api_version,
            now=now,
            subresource=subresource,
        )
        return result

    def _patch_meta(self, res: Resource) -> tuple[Any, str | None]:
        from kubeset.patchmeta import load_patch_meta

        try:
            meta = load_patch_meta(res.package)
        except (FileNotFoundError, ModuleNotFoundError):
            return None, None
        return meta, meta.kind_type(res.info.api_version, res.info.kind)

    def _replace(self, res: Resource, key: str, new: Obj, prev: Obj) -> Obj:
        new["metadata"]["resourceVersion"] = str(self._next_rv())
        self._store[res.key][key] = new
        self._record_event(
            "MODIFIED",
            res,
            _meta(new).get("namespace", "") if res.info.namespaced else "",
            new,
            prev,
        )
        return new

    def _remove(self, res: Resource, key: str, final: Obj) -> Obj:
        final = copy.deepcopy(final)
        final["metadata"]["resourceVersion"] = str(self._next_rv())
        del self._store[res.key][key]
        ns = _meta(final).get("namespace", "") if res.info.namespaced else ""
        self._record_event("DELETED", res, ns, final, self._store_prev(final))
        self._after_removal(final)
        return final

    @staticmethod
    def _store_prev(final: Obj) -> Obj:
        return final

    def _render(self, res: Resource, obj: Obj, *, as_: str = "", item: bool = False) -> Obj:
        """``obj`` as ``res``'s version serves it (apiVersion), or as metadata only."""
        if as_:
            return {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj.get("metadata", {}),
            }
        out = dict(obj)
        out["apiVersion"] = res.info.api_version
        out["kind"] = res.info.kind
        if item and not res.custom:
            out.pop("apiVersion")
            out.pop("kind")
        else:  # apiVersion and kind first, as the server writes them
            out = {"kind": res.info.kind, "apiVersion": res.info.api_version, **out}
        return out

    # --- request entry points -----------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Serve one request (the sync transport)."""
        try:
            call = self._route(request)
            if isinstance(call, httpx.Response):
                return call
            for fn in self._matching_reactors(call.action):
                result = fn(call.action)
                if inspect.isawaitable(result):
                    close = getattr(result, "close", None)
                    if callable(close):
                        close()
                    raise TypeError("an async reactor cannot serve a sync client")
                reply = self._reaction(result)
                if reply is not None:
                    return reply
            return self._dispatch(call, is_async=False)
        except StatusError as exc:
            return _error_response(exc)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        """Serve one request (the async transport); ``async`` reactors are awaited."""
        try:
            call = self._route(request)
            if isinstance(call, httpx.Response):
                return call
            for fn in self._matching_reactors(call.action):
                result = fn(call.action)
                if inspect.isawaitable(result):
                    result = await _await(result)
                reply = self._reaction(result)
                if reply is not None:
                    return reply
            return self._dispatch(call, is_async=True)
        except StatusError as exc:
            return _error_response(exc)

    def _matching_reactors(self, action: Action) -> list[Reactor]:
        with self._cond:
            return [
                fn
                for verb, resource, fn in self._reactors
                if verb in ("*", action.verb) and resource in ("*", action.resource)
            ]

    @staticmethod
    def _reaction(result: Any) -> httpx.Response | None:
        if result is None:
            return None
        if isinstance(result, httpx.Response):
            return result
        if isinstance(result, StatusError):
            return _error_response(result)
        if isinstance(result, ApiError):
            return _error_response(from_api_error(result))
        if isinstance(result, BaseException):
            raise result
        raise TypeError(
            f"a reactor returned {type(result).__name__}: expected None, an httpx.Response or an exception"  # noqa: E501
        )

    # --- routing ------------------------------------------------------------------------------

    def _route(self, request: httpx.Request) -> _Call | httpx.Response:
        path = request.url.path
        parts = [p for p in path.split("/") if p]
        query = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        method = request.method
        if not parts or parts[0] not in ("api", "apis"):
            if parts == ["version"]:
                return _json_response(200, VERSION_INFO)
            if parts and parts[0] in ("healthz", "livez", "readyz"):
                return httpx.Response(200, content=b"ok", headers={"Content-Type": "text/plain"})
            raise not_found_resource()
        if parts[0] == "api":
            if len(parts) == 1:
                return _json_response(200, self._api_versions())
            group, version, rest = "", parts[1], parts[2:]
        else:
            if len(parts) == 1:
                return _json_response(200, self._group_list())
            if len(parts) == 2:
                return _json_response(200, self._group(parts[1]))
            group, version, rest = parts[1], parts[2], parts[3:]
        plurals = self._registry.by_gv.get((group, version))
        if plurals is None:
            raise not_found_resource()
        if not rest:
            if method != "GET":
                raise method_not_allowed()
            return _json_response(200, self._resource_list(group, version))
        namespace = ""
        if (
            rest[0] == "namespaces"
            and len(rest) >= 3
            and rest[2] in plurals
            and plurals[rest[2]].info.namespaced
        ):
            namespace, rest = rest[1], rest[2:]
        if len(rest) > 3 or rest[0] not in plurals:
            raise not_found_resource()
        res = plurals[rest[0]]
        name = rest[1] if len(rest) > 1 else ""
        subresource = rest[2] if len(rest) > 2 else ""
        if res.info.namespaced and name and not namespace:
            raise not_found_resource()
        if subresource and subresource not in res.info.subresources:
            raise not_found_resource()
        verb = self._verb(method, name, subresource, query)
        allowed = res.info.subresources[subresource] if subresource else res.info.verbs
        if verb not in allowed:
            raise method_not_allowed()
        if verb in ("create", "deletecollection") and res.info.namespaced and not namespace:
            raise method_not_allowed()
        body = request.content if method in ("POST", "PUT", "PATCH", "DELETE") else b""
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = _yaml(body)
        action = Action(verb, res.info.plural, subresource, namespace, name, parsed, query)
        with self._cond:
            self._actions.append(action)
        return _Call(request, res, verb, namespace, name, subresource, query, body, action)

    @staticmethod
    def _verb(method: str, name: str, subresource: str, query: Mapping[str, str]) -> str:
        if method == "GET":
            if name:
                return "get"
            return "watch" if query.get("watch") in ("true", "1") else "list"
        if method == "POST" and (not name or subresource):
            return "create"
        if method == "PUT" and name:
            return "update"
        if method == "PATCH" and name:
            return "patch"
        if method == "DELETE" and not subresource:
            return "delete" if name else "deletecollection"
        raise method_not_allowed()

    def _dispatch(self, call: _Call, *, is_async: bool) -> httpx.Response:
        if call.verb == "watch":
            return self._watch(call, is_async=is_async)
        handler = {
            "get": self._get,
            "list": self._list,
            "create": self._create,
            "update": self._update,
            "patch": self._patch,
            "delete": self._delete,
            "deletecollection": self._delete_collection,
        }[call.verb]
        with self._cond:
            return handler(call)

    # --- discovery ------------------------------------------------------------------------------

    def _api_versions(self) -> Obj:
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "fake.invalid:443"}
            ],
        }

    def _group_doc(self, group: str, versions: list[str]) -> Obj:
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": entries, "preferredVersion": entries[0]}

    def _group_list(self) -> Obj:
        groups = [self._group_doc(g, vs) for g, vs in self._registry.groups().items() if g]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def _group(self, group: str) -> Obj:
        versions = self._registry.groups().get(group)
        if not group or not versions:
            raise not_found_resource()
        return {"kind": "APIGroup", "apiVersion": "v1", **self._group_doc(group, versions)}

    def _resource_list(self, group: str, version: str) -> Obj:
        resources = []
        for plural, res in sorted(self._registry.by_gv[(group, version)].items()):
            info = res.info
            resources.append(
                {
                    "name": plural,
                    "singularName": info.kind.lower(),
                    "namespaced": info.namespaced,
                    "kind": info.kind,
                    "verbs": sorted(info.verbs),
                }
            )
            for sub, verbs in sorted(info.subresources.items()):
                entry: Obj = {
                    "name": f"{plural}/{sub}",
                    "singularName": "",
                    "namespaced": info.namespaced,
                }
                sub_kind = info.subresource_kinds.get(sub)
                if sub_kind is not None:
                    sub_group, _, sub_version = sub_kind[0].rpartition("/")
                    entry.update(group=sub_group, version=sub_version, kind=sub_kind[1])
                else:
                    entry["kind"] = info.kind
                entry["verbs"] = sorted(verbs)
                resources.append(entry)
        gv = f"{group}/{version}" if group else version
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv,
            "resources": resources,
        }

    # --- reads ----------------------------------------------------------------------------------

    def _as(self, call: _Call) -> str:
        accept = call.request.headers.get("Accept", "")
        for part in accept.split(","):
            params = dict(p.strip().split("=", 1) for p in part.split(";")[1:] if "=" in p)
            if params.get("as") in METADATA_AS and params.get("g") == "meta.k8s.io":
                return str(params["as"])
        return ""

    def _existing(self, call: _Call) -> tuple[str, Obj]:
        key = _obj_key(call.namespace, call.name)
        obj = self._store.get(call.res.key, {}).get(key)
        if obj is None:
            raise not_found(call.res.info.plural, call.res.info.group, call.name)
        return key, obj

    def _check_rv_not_too_large(self, value: str) -> None:
        if value and value != "0":
            requested = _parse_rv(value)
            if requested > self._rv:
                raise too_large_resource_version(requested, self._rv)

    def _get(self, call: _Call) -> httpx.Response:
        self._check_rv_not_too_large(call.query.get("resourceVersion", ""))
        _, obj = self._existing(call)
        sub = call.subresource
        if sub == "scale":
            return _json_response(200, self._scale_of(call.res, obj))
        if sub == "log":
            return httpx.Response(200, content=b"", headers={"Content-Type": "text/plain"})
        return _json_response(200, self._render(call.res, obj, as_=self._as(call)))

    def _selection(self, call: _Call) -> Callable[[Mapping[str, Any]], bool]:
        return self._selection_and_keys(call)[0]

    def _selection_and_keys(
        self, call: _Call
    ) -> tuple[Callable[[Mapping[str, Any]], bool], Callable[[Mapping[str, Obj]], list[str]]]:
        """The selection of a collection request, and the candidate keys it can only be among
        (sorted): one key when the namespace and ``metadata.name`` are pinned, the namespace's
        keys when only it is — so a unit test's selective lists do not scan everything."""
        info = call.res.info
        labels = parse_label_selector(call.query.get("labelSelector"))
        fields = parse_field_selector(
            call.query.get("fieldSelector"), group=info.group, version=info.version, kind=info.kind
        )
        namespace = call.namespace or (
            fields.pinned("metadata.namespace") if info.namespaced else ""
        )
        name = fields.pinned("metadata.name")

        def matches(obj: Mapping[str, Any]) -> bool:
            md = _meta(obj)
            if namespace and md.get("namespace") != namespace:
                return False
            return labels.matches(md.get("labels")) and fields.matches(obj)

        def candidates(objects: Mapping[str, Obj]) -> list[str]:
            if name is not None and (namespace or not info.namespaced):
                key = _obj_key(namespace or "", name)
                return [key] if key in objects else []
            if namespace:
                prefix = namespace + "/"
                return sorted(k for k in objects if k.startswith(prefix))
            return sorted(objects)

        return matches, candidates

    def _state_at(self, res: Resource, rv: int) -> dict[str, Obj]:
        """The objects of ``res`` as they were at ``rv`` (``rv`` not older than the history)."""
        state = dict(self._store.get(res.key, {}))
        for event in reversed(self._history):
            if event.rv <= rv:
                break
            if event.resource != res.key:
                continue
            md = _meta(event.obj)
            key = _obj_key(event.namespace, md.get("name", ""))
            if event.prev is None:
                state.pop(key, None)
            else:
                state[key] = event.prev
        return state

    def _list(self, call: _Call) -> httpx.Response:
        q = call.query
        rv_text = q.get("resourceVersion", "")
        match = q.get("resourceVersionMatch", "")
        token = q.get("continue", "")
        self._validate_list_options(rv_text, match, token, q)
        matches, candidates = self._selection_and_keys(call)
        limit = _parse_int(q.get("limit", "0"), "limit")
        start = ""
        if token:
            snapshot, start = self._decode_continue(token)
            if snapshot < self._compacted:
                raise _continue_expired(self._continue(snapshot, start))
            objects = self._state_at(call.res, snapshot)
        elif rv_text and match == "Exact":
            snapshot = _parse_rv(rv_text)
            if snapshot > self._rv:
                raise too_large_resource_version(snapshot, self._rv)
            if snapshot < self._compacted:
                raise expired(f"too old resource version: {snapshot} ({self._compacted})")
            objects = self._state_at(call.res, snapshot)
        else:
            self._check_rv_not_too_large(rv_text)
            snapshot = self._rv
            objects = self._store.get(call.res.key, {})
        keys = [k for k in candidates(objects) if k >= start]
        selected = [objects[k] for k in keys if matches(objects[k])]
        meta: Obj = {"resourceVersion": str(snapshot)}
        if limit > 0 and len(selected) > limit:
            page = selected[:limit]
            last = _meta(page[-1])
            last_key = _obj_key(
                last.get("namespace", "") if call.res.info.namespaced else "", last.get("name", "")
            )
            meta["continue"] = self._continue(snapshot, last_key + "\x00")
            if not q.get("labelSelector") and not q.get("fieldSelector"):
                meta["remainingItemCount"] = len(selected) - limit
            selected = page
        as_ = self._as(call)
        info = call.res.info
        if as_:
            body: Obj = {
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": meta,
            }
        else:
            body = {
                "kind": info.list_kind or f"{info.kind}List",
                "apiVersion": info.api_version,
                "metadata": meta,
            }
        body["items"] = [
            self._render(call.res, o, as_="PartialObjectMetadata" if as_ else "", item=True)
            for o in selected
        ]
        return _json_response(200, body)

    @staticmethod
    def _validate_list_options(rv: str, match: str, token: str, q: Mapping[str, str]) -> None:
        causes = []
        if match:
            if not rv:
                causes.append(
                    field_cause(
                        "FieldValueForbidden",
                        "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",  # noqa: E501
                        "resourceVersionMatch",
                    )
                )
            if token:
                causes.append(
                    field_cause(
                        "FieldValueForbidden",
                        "Forbidden: resourceVersionMatch is forbidden when continue is provided",
                        "resourceVersionMatch",
                    )
                )
            if match not in ("Exact", "NotOlderThan"):
                causes.append(
                    field_cause(
                        "FieldValueNotSupported",
                        f'Unsupported value: "{match}": supported values: "Exact", "NotOlderThan", ""',  # noqa: E501
                        "resourceVersionMatch",
                    )
                )
            if match == "Exact" and rv == "0":
                causes.append(
                    field_cause(
                        "FieldValueForbidden",
                        'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',  # noqa: E501
                        "resourceVersionMatch",
                    )
                )
        if "sendInitialEvents" in q:
            causes.append(
                field_cause(
                    "FieldValueForbidden",
                    "Forbidden: sendInitialEvents is forbidden for list",
                    "sendInitialEvents",
                )
            )
        if causes:
            raise invalid("ListOptions", "meta.k8s.io", "", causes)

    @staticmethod
    def _continue(rv: int, start: str) -> str:
        raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def _decode_continue(token: str) -> tuple[int, str]:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
        except (binascii.Error, ValueError) as exc:
            raise bad_request(f"invalid continue token: continue key is not valid: {exc}") from None
        if not isinstance(data, dict) or data.get("v") != "meta.k8s.io/v1":
            raise bad_request(
                "invalid continue token: continue key is not valid: server does not recognize this encoded key"  # noqa: E501
            )
        rv, start = data.get("rv"), data.get("start")
        if not isinstance(rv, int) or not isinstance(start, str) or rv <= 0:
            raise bad_request(
                "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"  # noqa: E501
            )
        return rv, start

    # --- watch ----------------------------------------------------------------------------------

    def _watch(self, call: _Call, *, is_async: bool) -> httpx.Response:
        q = call.query
        res = call.res
        rv_text = q.get("resourceVersion", "")
        match = q.get("resourceVersionMatch", "")
        initial_events = q.get("sendInitialEvents")
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        causes = []
        if initial_events is not None and match != "NotOlderThan":
            causes.append(
                field_cause(
                    "FieldValueForbidden",
                    "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",  # noqa: E501
                    "resourceVersionMatch",
                )
            )
        if match:
            if initial_events is None:
                causes.append(
                    field_cause(
                        "FieldValueForbidden",
                        "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",  # noqa: E501
                        "resourceVersionMatch",
                    )
                )
            if match != "NotOlderThan":
                causes.append(
                    field_cause(
                        "FieldValueNotSupported",
                        f'Unsupported value: "{match}": supported values: "NotOlderThan"',
                        "resourceVersionMatch",
                    )
                )
        if causes:
            raise invalid("ListOptions", "meta.k8s.io", "", causes)
        timeout = q.get("timeoutSeconds")
        seconds = float(_parse_int(timeout, "timeoutSeconds")) if timeout else None
        as_ = "PartialObjectMetadata" if self._as(call) else ""
        with self._cond:
            matches = self._selection(call)
            initial: list[bytes] = []
            error: Obj | None = None
            send_initial = initial_events in ("true", "1") or (
                initial_events is None and rv_text in ("", "0")
            )
            if send_initial:
                if rv_text and rv_text != "0":
                    self._check_rv_not_too_large(rv_text)
                cursor = self._rv
                objects = self._store.get(res.key, {})
                for key in sorted(objects):
                    if matches(objects[key]):
                        initial.append(
                            event_line("ADDED", self._render(res, objects[key], as_=as_))
                        )
                if initial_events in ("true", "1") and bookmarks:
                    initial.append(event_line("BOOKMARK", self._bookmark(res, cursor, True)))
            else:
                cursor = _parse_rv(rv_text)
                if cursor > self._rv:
                    raise too_large_resource_version(cursor, self._rv)
                if cursor < self._compacted:
                    error = expired(
                        f"too old resource version: {cursor} ({self._compacted})"
                    ).status
            watcher = Watcher(
                self,
                resource=res.key,
                namespace=call.namespace,
                matches=matches,
                render=lambda obj: self._render(res, obj, as_=as_),
                bookmark=lambda rv, end: self._bookmark(res, rv, end),
                cursor=cursor,
                initial=initial,
                error=error,
                timeout=seconds,
                bookmarks=bookmarks,
                bookmark_interval=self.bookmark_interval,
            )
            self._watchers.add(watcher)
        stream: httpx.SyncByteStream | httpx.AsyncByteStream
        if is_async:
            stream = AsyncWatchStream(watcher, call.request, self._cond)
        else:
            stream = SyncWatchStream(watcher, call.request, self._cond)
        return httpx.Response(
            200,
            headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            stream=stream,
            extensions={"network_stream": NetworkStream(watcher)},
        )

    def _bookmark(self, res: Resource, rv: int, end: bool) -> Obj:
        md: Obj = {"resourceVersion": str(rv), "creationTimestamp": None}
        if end:
            md["annotations"] = {INITIAL_EVENTS_END: "true"}
        return {"kind": res.info.kind, "apiVersion": res.info.api_version, "metadata": md}

    # --- writes ---------------------------------------------------------------------------------

    def _write_options(self, call: _Call) -> tuple[bool, str]:
        q = call.query
        dry = q.get("dryRun", "")
        if dry and dry != "All":
            raise invalid(
                "CreateOptions" if call.verb == "create" else "UpdateOptions",
                "meta.k8s.io",
                "",
                [
                    field_cause(
                        "FieldValueNotSupported",
                        f'Unsupported value: "{dry}": supported values: "All"',
                        "dryRun",
                    )
                ],
            )
        manager = q.get("fieldManager") or _manager_from_agent(
            call.request.headers.get("User-Agent", "")
        )
        return dry == "All", manager

    def _body(self, call: _Call) -> Obj:
        data = call.action.body
        if not isinstance(data, dict):
            raise bad_request("the body of the request was not a JSON object")
        return copy.deepcopy(data)

    def _require_namespace(self, call: _Call) -> None:
        if call.res.info.namespaced and call.namespace not in self._store.get(
            ("", "namespaces"), {}
        ):
            raise not_found("namespaces", "", call.namespace)

    def _validate_name(self, res: Resource, name: str, generate: str) -> None:
        info = res.info
        if not name:
            if generate:
                return
            raise invalid(
                info.kind,
                info.group,
                "",
                [
                    field_cause(
                        "FieldValueRequired",
                        "Required value: name or generateName is required",
                        "metadata.name",
                    )
                ],
            )
        kind = (info.group, info.kind)
        if kind in PATH_NAME_KINDS:
            bad = "/" in name or "%" in name or name in (".", "..")
            message = (
                f"Invalid value: \"{name}\": may not contain '/'"
                if "/" in name
                else f"Invalid value: \"{name}\": may not be '{name}'"
            )
        elif kind in LABEL_NAME_KINDS:
            bad, message = not _is_label(name), f'Invalid value: "{name}": {_LABEL_MSG}'
        else:
            bad, message = not _is_subdomain(name), f'Invalid value: "{name}": {_SUBDOMAIN_MSG}'
        if bad:
            raise invalid(
                info.kind,
                info.group,
                name,
                [field_cause("FieldValueInvalid", message, "metadata.name")],
            )

    def _create(self, call: _Call) -> httpx.Response:
        if call.subresource:
            return self._create_subresource(call)
        dry_run, manager = self._write_options(call)
        body = self._body(call)
        res = call.res
        md = body.get("metadata")
        if not isinstance(md, dict):
            md = body["metadata"] = {}
        if res.info.namespaced:
            if md.get("namespace") and md["namespace"] != call.namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"  # noqa: E501
                )
            md["namespace"] = call.namespace
            self._require_namespace(call)
        else:
            md.pop("namespace", None)
        name = md.get("name") or ""
        generate = md.get("generateName") or ""
        self._validate_name(res, name, generate)
        if not name:
            name = md["name"] = self._generate(res, generate, call.namespace)
            self._validate_name(res, name, "")
        md.pop("resourceVersion", None)
        md.pop("managedFields", None) if manager else None
        if _obj_key(call.namespace, name) in self._store.get(res.key, {}):
            raise already_exists(res.info.plural, res.info.group, name)
        body["apiVersion"], body["kind"] = res.info.api_version, res.info.kind
        stored = self._insert(res, body, manager=manager, dry_run=dry_run)
        return _json_response(201, self._render(res, stored))

    def _create_subresource(self, call: _Call) -> httpx.Response:
        res, sub = call.res, call.subresource
        dry_run, _ = self._write_options(call)
        key, obj = self._existing(call)
        if (res.info.group, res.info.kind, sub) == ("", "Pod", "eviction"):
            if not dry_run:
                self._delete_object(res, key, obj, {}, dry_run=False)
            return _json_response(201, success({}) | {"metadata": {}})
        if (res.info.group, res.info.kind, sub) == ("", "Pod", "binding"):
            body = self._body(call)
            node = (body.get("target") or {}).get("name", "")
            if _meta(obj).get("nodeName") or (obj.get("spec") or {}).get("nodeName"):
                raise conflict(
                    res.info.plural,
                    res.info.group,
                    call.name,
                    f'pod {call.name} is already assigned to node "{(obj.get("spec") or {}).get("nodeName")}"',  # noqa: E501
                )
            if not dry_run:
                new = copy.deepcopy(obj)
                new.setdefault("spec", {})["nodeName"] = node
                self._replace(res, key, new, obj)
            return _json_response(201, success({}) | {"metadata": {}})
        raise method_not_allowed()

    def _preconditions_rv(self, res: Resource, name: str, body_rv: Any, stored: Obj) -> None:
        if body_rv not in (None, "") and str(body_rv) != _meta(stored).get("resourceVersion"):
            raise conflict(res.info.plural, res.info.group, name)

    def _update(self, call: _Call) -> httpx.Response:
        dry_run, manager = self._write_options(call)
        body = self._body(call)
        if call.subresource == "scale":
            return self._update_scale(call, body, dry_run, manager)
        md = body.get("metadata")
        if not isinstance(md, dict):
            md = body["metadata"] = {}
        if md.get("name", call.name) != call.name:
            raise bad_request(
                f"the name of the object ({md.get('name')}) does not match the name on the URL ({call.name})"  # noqa: E501
            )
        md["name"] = call.name
        if call.res.info.namespaced:
            if md.get("namespace") and md["namespace"] != call.namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"  # noqa: E501
                )
            md["namespace"] = call.namespace
        key, old = self._existing(call)
        self._preconditions_rv(call.res, call.name, md.get("resourceVersion"), old)
        return self._write_update(call, key, old, body, dry_run=dry_run, manager=manager, code=200)

    def _write_update(
        self, call: _Call, key: str, old: Obj, new: Obj, *, dry_run: bool, manager: str, code: int
    ) -> httpx.Response:
        """Store ``new`` as the next state of ``old`` following the status/spec rules of
        ``call.subresource``; removing the last finalizer of a deleted object deletes it."""
        res = call.res
        new = self._merge_update(res, call.subresource, old, self._prune(res, new))
        new_md, old_md = new["metadata"], old["metadata"]
        if old_md.get("deletionTimestamp"):
            added = set(new_md.get("finalizers") or []) - set(old_md.get("finalizers") or [])
            if added:
                raise invalid(
                    res.info.kind,
                    res.info.group,
                    call.name,
                    [
                        field_cause(
                            "FieldValueForbidden",
                            "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers "  # noqa: E501
                            + json.dumps(sorted(added)),
                            "metadata.finalizers",
                        )
                    ],
                )
        if _same(old, new):
            return _json_response(code, self._render(res, old))
        if res.has_generation and _content(old) != _content(new):
            new_md["generation"] = int(old_md.get("generation") or 0) + 1
        if manager:
            new = self._managed(res, old, new, manager, call.subresource, _now())
            new_md = new["metadata"]
        if dry_run:
            return _json_response(code, self._render(res, new))
        if old_md.get("deletionTimestamp") and not new_md.get("finalizers"):
            final = self._remove(res, key, new)
            return _json_response(code, self._render(res, final))
        stored = self._replace(res, key, new, old)
        self._finish_foreground(res, stored)
        return _json_response(code, self._render(res, stored))

    def _merge_update(self, res: Resource, subresource: str, old: Obj, new: Obj) -> Obj:
        """``new`` with what the request may not change taken from ``old``."""
        new = copy.deepcopy(new)
        new["apiVersion"], new["kind"] = res.info.api_version, res.info.kind
        old_md = old["metadata"]
        if subresource == "status":
            merged = copy.deepcopy(old)
            if "status" in new:
                merged["status"] = new["status"]
            else:
                merged.pop("status", None)
            if not res.custom:
                new_md = new.get("metadata") or {}
                for field_name in ("annotations", "labels"):
                    if field_name == "labels" and res.info.group in STATUS_KEEPS_LABELS_GROUPS:
                        continue
                    if field_name in new_md:
                        merged["metadata"][field_name] = new_md[field_name]
                    else:
                        merged["metadata"].pop(field_name, None)
            if "managedFields" in (new.get("metadata") or {}):
                merged["metadata"]["managedFields"] = new["metadata"]["managedFields"]
            return merged
        md = new.setdefault("metadata", {})
        for keep in (
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "resourceVersion",
        ):
            if keep in old_md:
                md[keep] = old_md[keep]
            else:
                md.pop(keep, None)
        if "managedFields" not in md and "managedFields" in old_md:
            md["managedFields"] = old_md["managedFields"]
        if res.has_status and subresource == "":
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        return new

    # --- patch ----------------------------------------------------------------------------------

    def _patch(self, call: _Call) -> httpx.Response:
        res = call.res
        content_type = call.request.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            ptype = PatchType(content_type)
        except ValueError:
            raise self._unsupported_patch(res) from None
        if ptype is PatchType.STRATEGIC and res.custom:
            raise self._unsupported_patch(res)
        q = call.query
        if ptype is PatchType.APPLY and not q.get("fieldManager"):
            raise invalid(
                "PatchOptions",
                "meta.k8s.io",
                "",
                [
                    field_cause(
                        "FieldValueRequired",
                        "Required value: is required for apply patch",
                        "fieldManager",
                    )
                ],
            )
        if ptype is not PatchType.APPLY and "force" in q:
            raise invalid(
                "PatchOptions",
                "meta.k8s.io",
                "",
                [
                    field_cause(
                        "FieldValueForbidden",
                        "Forbidden: may not be specified for non-apply patch",
                        "force",
                    )
                ],
            )
        dry_run, manager = self._write_options(call)
        patch = call.action.body
        if patch is None:
            raise bad_request("the body of the request was in an unknown format")
        key = _obj_key(call.namespace, call.name)
        old = self._store.get(res.key, {}).get(key)
        if old is None:
            if ptype is PatchType.APPLY and not call.subresource:
                return self._apply_create(call, patch, dry_run=dry_run, manager=manager)
            raise not_found(res.info.plural, res.info.group, call.name)
        scaled = call.subresource == "scale"
        target = self._scale_of(res, old) if scaled else self._render(res, old)
        patched = self._apply_patch(call, ptype, target, patch, manager)
        if not isinstance(patched, dict):
            raise bad_request("the patch did not produce an object")
        md = _meta(patched)
        if md.get("name", call.name) != call.name:
            raise bad_request(
                f"the name of the object ({md.get('name')}) does not match the name on the URL ({call.name})"  # noqa: E501
            )
        self._preconditions_rv(res, call.name, md.get("resourceVersion"), old)
        if call.subresource == "scale":
            return self._update_scale(call, patched, dry_run, manager)
        if ptype is PatchType.APPLY:
            # managedFields were computed by apply; keep them as they are
            return self._write_update(
                call, key, old, patched, dry_run=dry_run, manager="", code=200
            )
        return self._write_update(
            call, key, old, patched, dry_run=dry_run, manager=manager, code=200
        )

    def _unsupported_patch(self, res: Resource) -> StatusError:
        accepted = [PatchType.JSON, PatchType.MERGE, PatchType.APPLY]
        if not res.custom:
            accepted.insert(2, PatchType.STRATEGIC)
        return unsupported_media_type(
            "the body of the request was in an unknown format - accepted media types include: "
            + ", ".join(p.value for p in accepted)
        )

    def _apply_patch(
        self, call: _Call, ptype: PatchType, target: Obj, patch: Any, manager: str
    ) -> Any:
        from kubeset.fake import patch as patches

        try:
            if ptype is PatchType.JSON:
                if not isinstance(patch, list):
                    raise bad_request(
                        "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
                    )
                return patches.json_patch(target, patch)
            if ptype is PatchType.MERGE:
                return patches.merge_patch(target, patch)
            if ptype is PatchType.STRATEGIC:
                meta, type_name = self._patch_meta(call.res)
                return patches.strategic_merge_patch(target, patch, meta, type_name)
            return self._server_side_apply(call, target, patch, manager)
        except patches.PatchError as exc:
            raise _patch_error(exc) from None

    def _server_side_apply(self, call: _Call, live: Obj | None, config: Any, manager: str) -> Obj:
        from kubeset.fake.apply import ApplyConflict, apply

        if not isinstance(config, dict):
            raise bad_request("the apply configuration is not an object")
        meta, type_name = self._patch_meta(call.res)
        try:
            result: Obj = apply(
                live,
                config,
                manager=manager,
                force=call.query.get("force") in ("true", "1"),
                meta=meta,
                type_name=type_name,
                api_version=call.res.info.api_version,
                now=_now(),
                subresource=call.subresource,
            )
        except ApplyConflict as exc:
            raise _apply_conflict(call, exc) from None
        return result

    def _apply_create(
        self, call: _Call, config: Any, *, dry_run: bool, manager: str
    ) -> httpx.Response:
        res = call.res
        if res.info.namespaced:
            self._require_namespace(call)
        try:
            body = self._server_side_apply(call, None, config, manager)
        except Exception as exc:
            from kubeset.fake.patch import PatchError

            if isinstance(exc, PatchError):
                raise _patch_error(exc) from None
            raise
        md = body.setdefault("metadata", {})
        if md.get("name", call.name) != call.name:
            raise bad_request(
                f"the name of the object ({md.get('name')}) does not match the name on the URL ({call.name})"  # noqa: E501
            )
        md["name"] = call.name
        if res.info.namespaced:
            md["namespace"] = call.namespace
        self._validate_name(res, call.name, "")
        body["apiVersion"], body["kind"] = res.info.api_version, res.info.kind
        stored = self._insert(res, body, manager="", dry_run=dry_run)
        return _json_response(201, self._render(res, stored))

    # --- scale ----------------------------------------------------------------------------------

    def _scale_of(self, res: Resource, obj: Obj) -> Obj:
        md = _meta(obj)
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        selector = spec.get("selector")
        if isinstance(selector, dict) and (
            "matchLabels" in selector or "matchExpressions" in selector
        ):
            selector_text = _selector_text(selector)
        elif isinstance(selector, dict):
            selector_text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        else:
            selector_text = ""
        scale_md = {
            k: md[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in md
        }
        scale_status: Obj = {"replicas": status.get("replicas", 0)}
        if selector_text:
            scale_status["selector"] = selector_text
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": scale_md,
            "spec": {"replicas": spec.get("replicas", 1)},
            "status": scale_status,
        }

    def _update_scale(self, call: _Call, scale: Obj, dry_run: bool, manager: str) -> httpx.Response:
        key, old = self._existing(call)
        md = _meta(scale)
        self._preconditions_rv(call.res, call.name, md.get("resourceVersion"), old)
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise invalid(
                "Scale",
                "autoscaling",
                call.name,
                [
                    field_cause(
                        "FieldValueInvalid",
                        f"Invalid value: {json.dumps(replicas)}: must be greater than or equal to 0",  # noqa: E501
                        "spec.replicas",
                    )
                ],
            )
        new = copy.deepcopy(old)
        new.setdefault("spec", {})["replicas"] = replicas
        main = _Call(
            call.request,
            call.res,
            "update",
            call.namespace,
            call.name,
            "",
            call.query,
            call.body,
            call.action,
        )
        response = self._write_update(
            main, key, old, new, dry_run=dry_run, manager=manager, code=200
        )
        stored = json.loads(response.content)
        return _json_response(200, self._scale_of(call.res, stored))

    # --- delete ---------------------------------------------------------------------------------

    def _delete_options(self, call: _Call) -> tuple[Obj, bool]:
        data = call.action.body if isinstance(call.action.body, dict) else {}
        options = dict(data)
        q = call.query
        if "gracePeriodSeconds" in q:
            options["gracePeriodSeconds"] = _parse_int(
                q["gracePeriodSeconds"], "gracePeriodSeconds"
            )
        if "propagationPolicy" in q:
            options["propagationPolicy"] = q["propagationPolicy"]
        dry = q.get("dryRun") == "All" or "All" in (options.get("dryRun") or [])
        policy = options.get("propagationPolicy")
        if policy is not None and policy not in ("Orphan", "Background", "Foreground"):
            raise invalid(
                "DeleteOptions",
                "meta.k8s.io",
                "",
                [
                    field_cause(
                        "FieldValueNotSupported",
                        f'Unsupported value: "{policy}": supported values: "Foreground", "Background", "Orphan", "nil"',  # noqa: E501
                        "propagationPolicy",
                    )
                ],
            )
        return options, dry

    def _delete(self, call: _Call) -> httpx.Response:
        options, dry_run = self._delete_options(call)
        key, obj = self._existing(call)
        res = call.res
        pre = options.get("preconditions") or {}
        md = _meta(obj)
        kind_name = res.info.kind
        if pre.get("uid") and pre["uid"] != md.get("uid"):
            raise conflict(
                kind_name,
                res.info.group,
                call.name,
                f"the UID in the precondition ({pre['uid']}) does not match the UID in record ({md.get('uid')}). The object might have been deleted and then recreated",  # noqa: E501
            )
        if pre.get("resourceVersion") and pre["resourceVersion"] != md.get("resourceVersion"):
            raise conflict(
                kind_name,
                res.info.group,
                call.name,
                f"the ResourceVersion in the precondition ({pre['resourceVersion']}) does not match the ResourceVersion in record ({md.get('resourceVersion')}). The object might have been modified",  # noqa: E501
            )
        result, gone = self._delete_object(res, key, obj, options, dry_run=dry_run)
        if (
            not gone
            or (res.info.group, res.info.kind) == ("", "Pod")
            or (res.info.group, res.info.kind) == ("", "Namespace")
        ):
            return _json_response(200, self._render(res, result))
        details: Obj = {"name": call.name}
        if res.info.group:
            details["group"] = res.info.group
        details["kind"] = res.info.plural
        details["uid"] = md.get("uid")
        return _json_response(200, success(details))

    def _delete_object(
        self, res: Resource, key: str, obj: Obj, options: Mapping[str, Any], *, dry_run: bool
    ) -> tuple[Obj, bool]:
        """Delete (or start deleting) one object: ``(its state, whether it is gone)``."""
        md = _meta(obj)
        policy = options.get("propagationPolicy") or "Background"
        info = res.info
        if (info.group, info.kind) == ("", "Namespace"):
            return self._delete_namespace(res, key, obj, dry_run=dry_run)
        finalizers = list(md.get("finalizers") or [])
        gc = self.garbage_collector
        if not gc:
            marker = {"Foreground": "foregroundDeletion", "Orphan": "orphan"}.get(policy)
            if marker and not md.get("deletionTimestamp") and marker not in finalizers:
                finalizers.append(marker)
        elif policy == "Foreground" and not md.get("deletionTimestamp") and self._dependents(obj):
            if "foregroundDeletion" not in finalizers:
                finalizers.append("foregroundDeletion")
        elif policy == "Orphan" and not dry_run:
            self._orphan_dependents(obj)
        grace = self._grace(res, obj, options)
        if md.get("deletionTimestamp"):
            if grace == 0 and not finalizers and not dry_run:
                return self._remove(res, key, obj), True
            return obj, False
        if finalizers or grace:
            new = copy.deepcopy(obj)
            new_md = new["metadata"]
            new_md["deletionTimestamp"] = _now() if not grace else _later(grace)
            new_md["deletionGracePeriodSeconds"] = grace
            if finalizers:
                new_md["finalizers"] = finalizers
            if dry_run:
                return new, False
            stored = self._replace(res, key, new, obj)
            if gc and "foregroundDeletion" in finalizers:
                for dep_res, dep_key, dep in self._dependents(stored):
                    self._delete_object(
                        dep_res, dep_key, dep, {"propagationPolicy": "Foreground"}, dry_run=False
                    )
                stored = self._store.get(res.key, {}).get(key, stored)
                self._finish_foreground(res, stored)
                stored = self._store.get(res.key, {}).get(key, stored)
            return stored, key not in self._store.get(res.key, {})
        if dry_run:
            return obj, True
        final = self._remove(res, key, obj)
        if gc and policy == "Background":
            for dep_res, dep_key, dep in self._dependents(final):
                if dep_key in self._store.get(dep_res.key, {}):
                    self._delete_object(
                        dep_res, dep_key, dep, {"propagationPolicy": "Background"}, dry_run=False
                    )
        return final, True

    def _grace(self, res: Resource, obj: Obj, options: Mapping[str, Any]) -> int:
        """Pods bound to a node terminate gracefully (their grace period); all else at once."""
        if (res.info.group, res.info.kind) != ("", "Pod"):
            return 0
        spec = obj.get("spec") or {}
        if not spec.get("nodeName"):
            return 0
        grace = options.get("gracePeriodSeconds")
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds", 30)
        current = _meta(obj).get("deletionGracePeriodSeconds")
        if isinstance(current, int) and current < int(grace):
            grace = current
        return max(0, int(grace))

    def _delete_namespace(
        self, res: Resource, key: str, obj: Obj, *, dry_run: bool
    ) -> tuple[Obj, bool]:
        name = _meta(obj).get("name", "")
        terminating = copy.deepcopy(obj)
        terminating["metadata"]["deletionTimestamp"] = _now()
        terminating["metadata"]["deletionGracePeriodSeconds"] = 0
        terminating["status"] = {**(obj.get("status") or {}), "phase": "Terminating"}
        if dry_run:
            return terminating, False
        for store_key, objects in list(self._store.items()):
            versions = self._registry.storage_versions(store_key)
            if not versions or not versions[0].info.namespaced:
                continue
            for obj_key, item in sorted(objects.items()):
                if _meta(item).get("namespace") == name and obj_key in objects:
                    self._remove(versions[0], obj_key, item)
        stored = self._replace(res, key, terminating, obj)
        return self._remove(res, key, stored), True

    def _dependents(self, owner: Obj) -> list[tuple[Resource, str, Obj]]:
        md = _meta(owner)
        uid = md.get("uid")
        owner_ns = md.get("namespace", "")
        found = []
        for store_key, objects in self._store.items():
            versions = self._registry.storage_versions(store_key)
            if not versions:
                continue
            for obj_key, item in sorted(objects.items()):
                item_md = _meta(item)
                if owner_ns and item_md.get("namespace") != owner_ns:
                    continue
                if any(ref.get("uid") == uid for ref in item_md.get("ownerReferences") or []):
                    found.append((versions[0], obj_key, item))
        return found

    def _orphan_dependents(self, owner: Obj) -> None:
        uid = _meta(owner).get("uid")
        for dep_res, dep_key, dep in self._dependents(owner):
            new = copy.deepcopy(dep)
            refs = [r for r in new["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
            if refs:
                new["metadata"]["ownerReferences"] = refs
            else:
                new["metadata"].pop("ownerReferences", None)
            self._replace(dep_res, dep_key, new, dep)

    def _finish_foreground(self, res: Resource, obj: Obj) -> None:
        """An owner in foreground deletion loses its finalizer once its dependents are gone."""
        md = _meta(obj)
        if not md.get("deletionTimestamp") or "foregroundDeletion" not in (
            md.get("finalizers") or []
        ):
            return
        if self._dependents(obj):
            return
        key = _obj_key(md.get("namespace", "") if res.info.namespaced else "", md.get("name", ""))
        new = copy.deepcopy(obj)
        rest = [f for f in md.get("finalizers") or [] if f != "foregroundDeletion"]
        if rest:
            new["metadata"]["finalizers"] = rest
            self._replace(res, key, new, obj)
        else:
            new["metadata"].pop("finalizers", None)
            self._remove(res, key, new)

    def _after_removal(self, removed: Obj) -> None:
        """Complete foreground deletions waiting for ``removed``."""
        md = _meta(removed)
        for ref in md.get("ownerReferences") or []:
            for store_key, objects in list(self._store.items()):
                versions = self._registry.storage_versions(store_key)
                if not versions:
                    continue
                for item in list(objects.values()):
                    if _meta(item).get("uid") == ref.get("uid"):
                        self._finish_foreground(versions[0], item)

    def _delete_collection(self, call: _Call) -> httpx.Response:
        options, dry_run = self._delete_options(call)
        matches = self._selection(call)
        res = call.res
        objects = self._store.get(res.key, {})
        deleted = []
        for key in sorted(objects):
            obj = objects.get(key)
            if obj is None or not matches(obj):
                continue
            result, _ = self._delete_object(res, key, obj, options, dry_run=dry_run)
            deleted.append(self._render(res, result, item=True))
        info = res.info
        return _json_response(
            200,
            {
                "kind": info.list_kind or f"{info.kind}List",
                "apiVersion": info.api_version,
                "metadata": {"resourceVersion": str(self._rv)},
                "items": deleted,
            },
        )


# --- helpers ------------------------------------------------------------------------------------


async def _await(result: Awaitable[Any]) -> Any:
    return await result


def _yaml(body: bytes) -> Any:
    from kubeset import kyaml

    try:
        return kyaml.load(body, source="the request body")
    except kyaml.ManifestError as exc:
        raise bad_request(f"error decoding YAML: {exc}") from None


def _parse_rv(value: str) -> int:
    try:
        rv = int(value) if value else 0
    except ValueError:
        raise bad_request(f'invalid resource version "{value}"') from None
    return rv


def _parse_int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise bad_request(f'invalid value for {name}: "{value}"') from None


def _manager_from_agent(agent: str) -> str:
    return agent.split("/", 1)[0].strip() if agent else ""


def _later(seconds: int) -> str:
    return datetime.fromtimestamp(time.time() + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _comparable(obj: Obj) -> Obj:
    md = {k: v for k, v in _meta(obj).items() if k not in ("resourceVersion", "managedFields")}
    return {**_body_without(obj, "metadata", "apiVersion", "kind"), "metadata": md}


def _same(old: Obj, new: Obj) -> bool:
    return _comparable(old) == _comparable(new)


def _content(obj: Obj) -> Obj:
    return _body_without(obj, "metadata", "status", "apiVersion", "kind")


def _selector_text(selector: Mapping[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(sorted(values))})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(sorted(values))})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def _continue_expired(token: str) -> StatusError:
    error = expired(_CONTINUE_TOO_OLD)
    error.status["metadata"] = {"continue": token}
    return error


def _patch_error(exc: Exception) -> StatusError:
    bad = getattr(exc, "bad_request", True)
    message = str(exc)
    if bad:
        return bad_request(message)
    return StatusError(status_body(422, "Invalid", message))


def _apply_conflict(call: _Call, exc: Exception) -> StatusError:
    pairs = getattr(exc, "conflicts", None) or []
    causes = [
        {"reason": "FieldManagerConflict", "message": f'conflict with "{manager}"', "field": path}
        for manager, path in pairs
    ]
    message = getattr(exc, "message", None) or str(exc)
    return StatusError(status_body(409, "Conflict", message, {"causes": causes}))
