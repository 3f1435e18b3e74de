"""Pure request building: no I/O, no client, nothing to mock.

Every verb of every resource client turns into a :class:`Request` built here from a
:class:`~kubeset.resource.ResourceInfo` and the caller's options (the TypedDicts of
:mod:`kubeset.resource`); the sync and async clients only move these over HTTP, and
:mod:`kubeset.decode` turns the responses back into models.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Unpack
from urllib.parse import quote, urlencode

from pydantic import BaseModel

from kubeset.errors import RequestInfo
from kubeset.model import to_dict, to_json
from kubeset.resource import (
    DeleteCollectionOptions,
    DeleteOptions,
    ListWatchOptions,
    LogOptions,
    PatchType,
    ResourceInfo,
    WriteOptions,
)

__all__ = [
    "METADATA_ACCEPT",
    "METADATA_LIST_ACCEPT",
    "Request",
    "apply_body",
    "attach_params",
    "connect_request",
    "create_request",
    "exec_params",
    "delete_collection_request",
    "delete_request",
    "get_request",
    "list_request",
    "log_params",
    "object_body",
    "object_name",
    "patch_body",
    "patch_request",
    "resource_path",
    "update_request",
]

Params = tuple[tuple[str, str], ...]

#: Ask for objects as metadata only (client-go's metadata client): the server leaves out spec and
#: status, so reading, say, every pod's labels moves and decodes a fraction of the bytes.
METADATA_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"

#: Python option names → query parameter names, in the order they are sent.
_QUERY = {
    "label_selector": "labelSelector",
    "field_selector": "fieldSelector",
    "limit": "limit",
    "continue_": "continue",
    "resource_version": "resourceVersion",
    "resource_version_match": "resourceVersionMatch",
    "timeout_seconds": "timeoutSeconds",
}
_WATCH_QUERY = {
    "allow_watch_bookmarks": "allowWatchBookmarks",
    "send_initial_events": "sendInitialEvents",
}
_LOG_QUERY = {
    "container": "container",
    "tail_lines": "tailLines",
    "since_seconds": "sinceSeconds",
    "since_time": "sinceTime",
    "limit_bytes": "limitBytes",
    "timestamps": "timestamps",
    "previous": "previous",
}


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to the API server, before any I/O."""

    method: str
    path: str
    params: Params = ()
    body: bytes | None = None
    content_type: str | None = None
    accept: str | None = None
    """An ``Accept`` header other than plain JSON (metadata-only reads)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Further headers (a proxied request's own)."""
    websocket: tuple[str, ...] = ()
    """For a WebSocket upgrade (``connect`` subresources): the subprotocols to offer, preferred
    first."""

    @property
    def url_path(self) -> str:
        """The path with its query string."""
        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path

    def info(self, status_code: int | None = None) -> RequestInfo:
        """This request, for error messages."""
        return RequestInfo(self.method, self.url_path, status_code)


def _segment(value: str, what: str) -> str:
    if not value:
        raise ValueError(f"{what} must not be empty")
    if "/" in value or value in (".", ".."):
        raise ValueError(f"{what} {value!r} is not a valid path segment")
    return quote(value, safe=":@")


def resource_path(
    info: ResourceInfo,
    namespace: str | None,
    name: str | None = None,
    subresource: str | None = None,
) -> str:
    """``/api/v1/namespaces/{ns}/pods/{name}/{sub}`` and its cluster-scoped and collection forms.

    A namespaced resource with ``namespace`` empty or ``None`` addresses all namespaces, which is
    only valid for collection reads (list, watch).
    """
    parts = [info.prefix]
    if info.namespaced and namespace:
        parts.append("namespaces/" + _segment(namespace, "namespace"))
    elif info.namespaced and name is not None:
        raise ValueError(
            f"{info.plural} is namespaced: a namespace is required to address {name!r}"
        )
    parts.append(info.plural)
    if name is not None:
        parts.append(_segment(name, "name"))
    if subresource:
        if name is None:
            raise ValueError(f"subresource {subresource!r} needs an object name")
        parts.append(subresource)
    return "/".join(parts)


def _flag(params: list[tuple[str, str]], key: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        params.append((key, "true" if value else "false"))
    else:
        params.append((key, str(value)))


def _query(options: Mapping[str, Any], names: Mapping[str, str]) -> list[tuple[str, str]]:
    """The query parameters for the ``options`` that ``names`` knows, in ``names``' order."""
    params: list[tuple[str, str]] = []
    for option, query in names.items():
        _flag(params, query, options.get(option))
    return params


def _write_params(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if options.get("dry_run"):
        params.append(("dryRun", "All"))
    _flag(params, "fieldManager", options.get("field_manager"))
    _flag(params, "fieldValidation", options.get("field_validation"))
    return params


def _require_verb(info: ResourceInfo, verb: str, subresource: str | None = None) -> None:
    if subresource is None:
        if verb not in info.verbs:
            raise ValueError(f"{info.plural} does not support {verb}")
    elif verb not in info.subresources.get(subresource, frozenset()):
        raise ValueError(f"{info.plural}/{subresource} does not support {verb}")


def get_request(
    info: ResourceInfo,
    namespace: str | None,
    name: str,
    *,
    resource_version: str | None = None,
    subresource: str | None = None,
    params: Sequence[tuple[str, str]] = (),
    accept: str | None = None,
) -> Request:
    """GET one object (or one of its subresources)."""
    _require_verb(info, "get", subresource)
    query = list(params)
    _flag(query, "resourceVersion", resource_version)
    path = resource_path(info, namespace, name, subresource)
    return Request("GET", path, tuple(query), accept=accept)


def list_request(
    info: ResourceInfo,
    namespace: str | None,
    *,
    watch: bool = False,
    accept: str | None = None,
    **options: Unpack[ListWatchOptions],
) -> Request:
    """GET a collection, or watch it (``watch=True``; the watch-only options count only then)."""
    _require_verb(info, "watch" if watch else "list")
    params = _query(options, _QUERY)
    if watch:
        params.append(("watch", "true"))
        params += _query(options, _WATCH_QUERY)
    return Request("GET", resource_path(info, namespace), tuple(params), accept=accept)


def log_params(options: LogOptions, *, follow: bool = False) -> Params:
    """The query of a ``log`` subresource read (``follow`` for a followed stream)."""
    params = _query(options, _LOG_QUERY)
    if follow:
        params.append(("follow", "true"))
    return tuple((k, v) for k, v in params if v != "false")


def object_body(obj: BaseModel | Mapping[str, Any], info: ResourceInfo | None = None) -> bytes:
    """JSON body of a write: wire names, set fields only, ``apiVersion``/``kind`` filled in."""
    data = to_dict(obj)
    if info is not None:
        data.setdefault("apiVersion", info.api_version)
        data.setdefault("kind", info.kind)
    return to_json(data)


def apply_body(obj: BaseModel | Mapping[str, Any], info: ResourceInfo) -> bytes:
    """Body of a server-side apply: like :func:`object_body`, without ``metadata.managedFields``
    (which an apply request must not carry)."""
    data = to_dict(obj)
    data.setdefault("apiVersion", info.api_version)
    data.setdefault("kind", info.kind)
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        data["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
    return to_json(data)


def object_name(obj: BaseModel | Mapping[str, Any]) -> str:
    """``metadata.name`` of a model or mapping; a clear error when it is missing."""
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else getattr(obj, "metadata", None)
    name = (
        metadata.get("name") if isinstance(metadata, Mapping) else getattr(metadata, "name", None)
    )
    if not isinstance(name, str) or not name:
        raise ValueError("the object has no metadata.name")
    return name


def create_request(
    info: ResourceInfo,
    namespace: str | None,
    body: bytes,
    *,
    name: str | None = None,
    subresource: str | None = None,
    **options: Unpack[WriteOptions],
) -> Request:
    """POST a new object (or to a subresource such as ``eviction`` or ``token``)."""
    _require_verb(info, "create", subresource)
    if info.namespaced and not namespace:
        raise ValueError(f"{info.plural} is namespaced: a namespace is required to create")
    path = resource_path(info, namespace, name, subresource)
    return Request("POST", path, tuple(_write_params(options)), body, "application/json")


def update_request(
    info: ResourceInfo,
    namespace: str | None,
    name: str,
    body: bytes,
    *,
    subresource: str | None = None,
    **options: Unpack[WriteOptions],
) -> Request:
    """PUT a whole object (or subresource)."""
    _require_verb(info, "update", subresource)
    path = resource_path(info, namespace, name, subresource)
    return Request("PUT", path, tuple(_write_params(options)), body, "application/json")


def patch_body(patch: Any) -> bytes:
    """The bytes of a patch given as a model, mapping, list, str or bytes."""
    if isinstance(patch, bytes):
        return patch
    if isinstance(patch, str):
        return patch.encode()
    if isinstance(patch, BaseModel):
        return to_json(patch)
    return json.dumps(patch, separators=(",", ":"), ensure_ascii=False).encode()


def patch_request(
    info: ResourceInfo,
    namespace: str | None,
    name: str,
    body: bytes,
    patch_type: PatchType | str,
    *,
    subresource: str | None = None,
    force: bool | None = None,
    **options: Unpack[WriteOptions],
) -> Request:
    """PATCH an object with one of the patch types the resource accepts."""
    _require_verb(info, "patch", subresource)
    try:
        ptype = PatchType(patch_type)
    except ValueError:
        known = ", ".join(p.name for p in PatchType)
        raise ValueError(f"unknown patch type {patch_type!r} (known: {known})") from None
    if info.patch_types and ptype not in info.patch_types:
        accepted = ", ".join(sorted(p.name for p in info.patch_types))
        raise ValueError(f"{info.plural} does not accept {ptype.name} patches (accepts {accepted})")
    if ptype is PatchType.APPLY and not options.get("field_manager"):
        raise ValueError("server-side apply needs a field_manager")
    if force and ptype is not PatchType.APPLY:
        raise ValueError("force is only valid for server-side apply")
    params = _write_params(options)
    if ptype is PatchType.APPLY:  # the server rejects ``force`` (even false) on other patches
        _flag(params, "force", force)
    path = resource_path(info, namespace, name, subresource)
    return Request("PATCH", path, tuple(params), body, ptype.value)


def delete_options_body(options: Mapping[str, Any]) -> bytes:
    """A ``DeleteOptions`` body from :class:`~kubeset.resource.DeleteOptions`-style options."""
    body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
    if options.get("grace_period_seconds") is not None:
        body["gracePeriodSeconds"] = options["grace_period_seconds"]
    if options.get("propagation_policy") is not None:
        body["propagationPolicy"] = options["propagation_policy"]
    if options.get("preconditions") is not None:
        body["preconditions"] = to_dict(options["preconditions"])
    if options.get("dry_run"):
        body["dryRun"] = ["All"]
    return to_json(body)


def delete_request(
    info: ResourceInfo, namespace: str | None, name: str, **options: Unpack[DeleteOptions]
) -> Request:
    """DELETE one object, options sent as a ``DeleteOptions`` body."""
    _require_verb(info, "delete")
    path = resource_path(info, namespace, name)
    return Request("DELETE", path, (), delete_options_body(options), "application/json")


def delete_collection_request(
    info: ResourceInfo, namespace: str | None, **options: Unpack[DeleteCollectionOptions]
) -> Request:
    """DELETE every object of a collection matching the selectors."""
    _require_verb(info, "deletecollection")
    if info.namespaced and not namespace:
        raise ValueError(f"{info.plural} is namespaced: delete_collection needs a namespace")
    params = _query(options, _QUERY)
    body = delete_options_body(options)
    return Request(
        "DELETE", resource_path(info, namespace), tuple(params), body, "application/json"
    )


def connect_request(
    info: ResourceInfo,
    namespace: str | None,
    name: str,
    subresource: str,
    method: str = "GET",
    *,
    path: str | None = None,
    params: Sequence[tuple[str, str]] = (),
    body: bytes | None = None,
    content_type: str | None = None,
    headers: Sequence[tuple[str, str]] = (),
    websocket: Sequence[str] = (),
) -> Request:
    """A request to a ``connect`` subresource (``exec``, ``attach``, ``portforward``, ``proxy``).

    ``path`` (proxies): the path below the subresource, ``/proxy/{path}``; its ``/`` separate
    segments and characters already percent-encoded stay so. ``method`` must be one the spec
    declares for the subresource (``ResourceInfo.connect``); ``websocket`` makes it an upgrade
    offering those subprotocols.
    """
    method = method.upper()
    key = f"{subresource}/{{path}}" if path else subresource
    if method not in info.connect.get(key, frozenset()):
        raise ValueError(f"{info.plural}/{key} does not support {method}")
    url = resource_path(info, namespace, name, subresource)
    if path:
        url += "/" + quote(path.lstrip("/"), safe="/:@!$&'()*+,;=%~")
    return Request(
        method,
        url,
        tuple(params),
        body=body,
        content_type=content_type,
        headers=tuple(headers),
        websocket=tuple(websocket),
    )


def exec_params(
    command: Sequence[str],
    *,
    container: str | None,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
) -> Params:
    """The query of an ``exec``: one ``command`` parameter per argument, then the streams."""
    if isinstance(command, str | bytes) or not command:
        raise ValueError("command must be a non-empty list of arguments, e.g. ['ls', '-l']")
    params = [("command", str(arg)) for arg in command]
    return tuple(params) + attach_params(
        container=container, stdin=stdin, stdout=stdout, stderr=stderr, tty=tty
    )


def attach_params(
    *, container: str | None, stdin: bool, stdout: bool, stderr: bool, tty: bool
) -> Params:
    """The query of an ``attach`` (and the streams of an ``exec``): ``stdout`` and ``stderr``
    always (the server's defaults differ between exec and attach), ``stdin`` and ``tty`` when
    true."""
    params: list[tuple[str, str]] = []
    _flag(params, "container", container)
    if stdin:
        params.append(("stdin", "true"))
    _flag(params, "stdout", stdout)
    _flag(params, "stderr", stderr)
    if tty:
        params.append(("tty", "true"))
    return tuple(params)
