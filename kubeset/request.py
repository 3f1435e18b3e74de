"""Pure request building and response decoding: no I/O, no client, nothing to mock.

Every verb of every resource client turns into a :class:`Request` built here from a
:class:`~kubeset.resource.ResourceInfo` and the caller's options, and every response body is decoded
here. The sync and async clients only move these over HTTP.
"""

from __future__ import annotations

import functools
import gc
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ConfigDict, ValidationError

from kubeset.errors import DecodeError, RequestInfo, error_from_status
from kubeset.model import KubeModel, to_dict, to_json
from kubeset.resource import (
    EventType,
    FieldValidation,
    PatchType,
    PropagationPolicy,
    ResourceInfo,
    WatchEvent,
)

__all__ = [
    "METADATA_ACCEPT",
    "METADATA_LIST_ACCEPT",
    "Request",
    "apply_body",
    "create_request",
    "decode",
    "decode_event",
    "decode_event_dict",
    "decode_optional",
    "delete_collection_request",
    "delete_request",
    "get_request",
    "list_request",
    "object_body",
    "patch_request",
    "resource_path",
    "update_request",
]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", bound=KubeModel)

Params = tuple[tuple[str, str], ...]

#: Ask for objects as metadata only (client-go's metadata client): the server leaves out spec and
#: status, so reading, say, every pod's labels moves and decodes a fraction of the bytes.
METADATA_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


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


def _write_params(
    dry_run: bool, field_manager: str | None, field_validation: FieldValidation | None
) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if dry_run:
        params.append(("dryRun", "All"))
    _flag(params, "fieldManager", field_manager)
    _flag(params, "fieldValidation", field_validation)
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
    label_selector: str | None = None,
    field_selector: str | None = None,
    limit: int | None = None,
    continue_: str | None = None,
    resource_version: str | None = None,
    resource_version_match: str | None = None,
    timeout_seconds: int | None = None,
    watch: bool = False,
    allow_watch_bookmarks: bool | None = None,
    send_initial_events: bool | None = None,
    accept: str | None = None,
) -> Request:
    """GET a collection, or watch it (``watch=True``)."""
    _require_verb(info, "watch" if watch else "list")
    params: list[tuple[str, str]] = []
    _flag(params, "labelSelector", label_selector)
    _flag(params, "fieldSelector", field_selector)
    _flag(params, "limit", limit)
    _flag(params, "continue", continue_)
    _flag(params, "resourceVersion", resource_version)
    _flag(params, "resourceVersionMatch", resource_version_match)
    _flag(params, "timeoutSeconds", timeout_seconds)
    if watch:
        params.append(("watch", "true"))
        _flag(params, "allowWatchBookmarks", allow_watch_bookmarks)
        _flag(params, "sendInitialEvents", send_initial_events)
    return Request("GET", resource_path(info, namespace), tuple(params), accept=accept)


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
    dry_run: bool = False,
    field_manager: str | None = None,
    field_validation: FieldValidation | None = None,
    name: str | None = None,
    subresource: str | None = None,
) -> Request:
    """POST a new object (or to a subresource such as ``eviction`` or ``token``)."""
    _require_verb(info, "create", subresource)
    if info.namespaced and not namespace:
        raise ValueError(f"{info.plural} is namespaced: a namespace is required to create")
    params = _write_params(dry_run, field_manager, field_validation)
    path = resource_path(info, namespace, name, subresource)
    return Request("POST", path, tuple(params), body, "application/json")


def update_request(
    info: ResourceInfo,
    namespace: str | None,
    name: str,
    body: bytes,
    *,
    dry_run: bool = False,
    field_manager: str | None = None,
    field_validation: FieldValidation | None = None,
    subresource: str | None = None,
) -> Request:
    """PUT a whole object (or subresource)."""
    _require_verb(info, "update", subresource)
    params = _write_params(dry_run, field_manager, field_validation)
    path = resource_path(info, namespace, name, subresource)
    return Request("PUT", path, tuple(params), body, "application/json")


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
    dry_run: bool = False,
    field_manager: str | None = None,
    field_validation: FieldValidation | None = None,
    force: bool | None = None,
    subresource: str | None = None,
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
    if ptype is PatchType.APPLY and not field_manager:
        raise ValueError("server-side apply needs a field_manager")
    if force and ptype is not PatchType.APPLY:
        raise ValueError("force is only valid for server-side apply")
    params = _write_params(dry_run, field_manager, field_validation)
    if ptype is PatchType.APPLY:  # the server rejects ``force`` (even false) on other patches
        _flag(params, "force", force)
    path = resource_path(info, namespace, name, subresource)
    return Request("PATCH", path, tuple(params), body, ptype.value)


def delete_options_body(
    *,
    grace_period_seconds: int | None = None,
    propagation_policy: PropagationPolicy | None = None,
    preconditions: BaseModel | Mapping[str, Any] | None = None,
    dry_run: bool = False,
) -> bytes:
    """A ``DeleteOptions`` body."""
    options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
    if grace_period_seconds is not None:
        options["gracePeriodSeconds"] = grace_period_seconds
    if propagation_policy is not None:
        options["propagationPolicy"] = propagation_policy
    if preconditions is not None:
        options["preconditions"] = to_dict(preconditions)
    if dry_run:
        options["dryRun"] = ["All"]
    return to_json(options)


def delete_request(
    info: ResourceInfo,
    namespace: str | None,
    name: str,
    *,
    grace_period_seconds: int | None = None,
    propagation_policy: PropagationPolicy | None = None,
    preconditions: BaseModel | Mapping[str, Any] | None = None,
    dry_run: bool = False,
) -> Request:
    """DELETE one object, options sent as a ``DeleteOptions`` body."""
    _require_verb(info, "delete")
    body = delete_options_body(
        grace_period_seconds=grace_period_seconds,
        propagation_policy=propagation_policy,
        preconditions=preconditions,
        dry_run=dry_run,
    )
    path = resource_path(info, namespace, name)
    return Request("DELETE", path, (), body, "application/json")


def delete_collection_request(
    info: ResourceInfo,
    namespace: str | None,
    *,
    label_selector: str | None = None,
    field_selector: str | None = None,
    grace_period_seconds: int | None = None,
    propagation_policy: PropagationPolicy | None = None,
    dry_run: bool = False,
    timeout_seconds: int | None = None,
) -> Request:
    """DELETE every object of a collection matching the selectors."""
    _require_verb(info, "deletecollection")
    if info.namespaced and not namespace:
        raise ValueError(f"{info.plural} is namespaced: delete_collection needs a namespace")
    params: list[tuple[str, str]] = []
    _flag(params, "labelSelector", label_selector)
    _flag(params, "fieldSelector", field_selector)
    _flag(params, "timeoutSeconds", timeout_seconds)
    body = delete_options_body(
        grace_period_seconds=grace_period_seconds,
        propagation_policy=propagation_policy,
        dry_run=dry_run,
    )
    return Request(
        "DELETE", resource_path(info, namespace), tuple(params), body, "application/json"
    )


def _summarize(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    if errors and errors[0]["type"] in ("json_invalid", "json_type"):
        return f"the response is not valid JSON ({errors[0]['msg']})"
    shown = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in errors[:5]
    )
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return f"the response does not fit the model: {shown}{more}"


# Decoding a large body builds hundreds of thousands of tracked objects (each model instance, its
# ``__dict__`` and its fields-set), all still reachable. With the cyclic collector running, its
# generational heuristics traverse the growing result again and again while it is being built: for
# a list of 1,000 pods, about three quarters of the time is spent in the collector. So for large
# bodies the collector is paused while the validator runs, and the young generations — holding the
# new result — are collected once afterwards: the result is traversed once, not over and over.
# Nothing else changes: the same objects are built, and a collector that was off stays off.
GC_PAUSE_MIN_BYTES = 128 * 1024
"""Bodies at least this large are validated with the cyclic garbage collector paused."""

_gc_lock = threading.Lock()
_gc_holders = 0  # decodes running with the collector paused (in any thread)
_gc_resume = False  # whether the first of them found the collector enabled


def _validate_json(model: type[M], content: bytes) -> M:
    global _gc_holders, _gc_resume
    if len(content) < GC_PAUSE_MIN_BYTES:
        return model.model_validate_json(content)
    with _gc_lock:
        if _gc_holders == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        return model.model_validate_json(content)
    finally:
        with _gc_lock:
            _gc_holders -= 1
            resume = _gc_holders == 0 and _gc_resume
            if resume:
                gc.enable()
        if resume:
            gc.collect(1)


def decode(model: type[M], content: bytes, request: RequestInfo) -> M:
    """Bytes of a response → ``model``; anything else → :class:`DecodeError` naming the request.

    Bodies of :data:`GC_PAUSE_MIN_BYTES` and more are validated with the cyclic garbage collector
    paused (and the new objects collected once afterwards), which makes decoding large lists
    several times faster; see the comment above :data:`GC_PAUSE_MIN_BYTES`.
    """
    try:
        return _validate_json(model, content)
    except ValidationError as exc:
        raise DecodeError(f"{model.__name__}: {_summarize(exc)}", request=request) from None


def decode_optional(model: type[M], content: bytes, request: RequestInfo) -> M | None:
    """Like :func:`decode`, but a ``Status`` body (a finished delete) gives ``None``."""
    try:
        head = json.loads(content)
    except ValueError as exc:
        raise DecodeError(f"the response is not valid JSON ({exc})", request=request) from None
    if isinstance(head, dict) and head.get("kind") == "Status":
        return None
    try:
        return model.model_validate(head)
    except ValidationError as exc:
        raise DecodeError(f"{model.__name__}: {_summarize(exc)}", request=request) from None


@functools.cache
def _envelope_class() -> type[BaseModel]:
    """The generic event envelope, made on the first watch: a generic model class costs several
    milliseconds to create, and building its validator at import ~25 ms more (pydantic's first
    build also loads its plugin entry points)."""

    class _Envelope(BaseModel, Generic[T]):
        model_config = ConfigDict(extra="ignore", defer_build=True)
        type: EventType
        object: T

    return _Envelope


@functools.cache
def _envelope(model: type[T]) -> Any:
    if not model.__pydantic_complete__:
        model.model_rebuild()  # the item model first: its own build knows where its types live
    envelope = _envelope_class()[model]  # type: ignore[index]
    envelope.model_rebuild()  # the deferred build, with this module's names in scope
    return envelope


def _event_error(line: str | bytes, request: RequestInfo, cause: str | None) -> Exception:
    try:
        raw = json.loads(line)
    except ValueError as exc:
        return DecodeError(f"a watch event is not valid JSON ({exc})", request=request)
    if isinstance(raw, dict) and raw.get("type") == "ERROR" and isinstance(raw.get("object"), dict):
        return error_from_status(raw["object"], request=request)
    return DecodeError(f"a watch event does not fit the model: {cause}", request=request)


def decode_event(model: type[T], line: str | bytes, request: RequestInfo) -> WatchEvent[T]:
    """One line of a watch stream → :class:`WatchEvent`; an ``ERROR`` event is raised as the typed
    error of its ``Status`` (:class:`~kubeset.errors.Gone` for an expired resourceVersion)."""
    try:
        envelope = _envelope(model).model_validate_json(line)
    except ValidationError as exc:
        raise _event_error(line, request, _summarize(exc)) from None
    if envelope.type == "ERROR":
        raise _event_error(line, request, None)
    return WatchEvent(envelope.type, cast(T, envelope.object))


def decode_event_dict(line: str | bytes, request: RequestInfo) -> WatchEvent[dict[str, Any]]:
    """One line of a watch stream → :class:`WatchEvent` of a plain dict (the dynamic client);
    an ``ERROR`` event is raised as the typed error of its ``Status``."""
    try:
        raw = json.loads(line)
    except ValueError as exc:
        raise DecodeError(f"a watch event is not valid JSON ({exc})", request=request) from None
    kind = raw.get("type") if isinstance(raw, dict) else None
    obj = raw.get("object") if isinstance(raw, dict) else None
    if kind == "ERROR" and isinstance(obj, dict):
        raise error_from_status(obj, request=request)
    if kind not in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK") or not isinstance(obj, dict):
        raise DecodeError(f"not a watch event: {str(line)[:200]}", request=request)
    return WatchEvent(kind, obj)


# The typed clients decode into their models; the dynamic client, whose "model" is ``dict``,
# into plain JSON. These helpers pick one or the other, so both share every verb.

R = TypeVar("R")


def _plain(model: type[Any]) -> bool:
    return model is dict or getattr(model, "__origin__", None) is dict


def _json_object(content: bytes, request: RequestInfo) -> dict[str, Any]:
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise DecodeError(f"the response is not valid JSON ({exc})", request=request) from None
    if not isinstance(data, dict):
        raise DecodeError("the response is not a JSON object", request=request)
    return data


def decode_as(model: type[R], content: bytes, request: RequestInfo) -> R:
    """:func:`decode` into ``model``, or into a plain dict when ``model`` is ``dict``."""
    if _plain(model):
        return cast(R, _json_object(content, request))
    return cast(R, decode(cast("type[BaseModel]", model), content, request))


def decode_optional_as(model: type[R], content: bytes, request: RequestInfo) -> R | None:
    """:func:`decode_optional` into ``model``, or into a plain dict when ``model`` is ``dict``."""
    if _plain(model):
        data = _json_object(content, request)
        return None if data.get("kind") == "Status" else cast(R, data)
    return cast("R | None", decode_optional(cast("type[BaseModel]", model), content, request))


def event_decoder(model: type[Any]) -> Any:
    """The watch-line decoder for ``model`` (``dict``: plain events)."""
    if _plain(model):
        return decode_event_dict
    model.model_rebuild()  # its schema goes inside each event's
    return functools.partial(decode_event, model)


def page_items(page: Any) -> list[Any]:
    """The items of a list page (a typed list or a dict)."""
    items = page.get("items") if isinstance(page, dict) else getattr(page, "items", None)
    return list(items or [])


def continue_token(page: Any) -> str | None:
    """The continue token of a list page (a typed list or a dict)."""
    if isinstance(page, dict):
        token = (page.get("metadata") or {}).get("continue")
    else:
        token = getattr(getattr(page, "metadata", None), "continue_", None)
    return token if isinstance(token, str) and token else None
