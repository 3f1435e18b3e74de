"""Pure response decoding: bytes → models, watch lines → events, for the sync and async clients.

No I/O. Large bodies are validated with the cyclic garbage collector paused (the comment above
:data:`GC_PAUSE_MIN_BYTES` says why); that pause is process-wide state, kept here behind a lock and
a count of decodes in flight, so concurrent decodes in several threads pause and resume it once.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, ValidationError

from kubeset.compact import compact_meta
from kubeset.errors import DecodeError, RequestInfo, error_from_status
from kubeset.model import KubeModel
from kubeset.resource import EventType, WatchEvent

__all__ = [
    "GC_PAUSE_MIN_BYTES",
    "continue_token",
    "decode",
    "decode_as",
    "decode_event",
    "decode_event_dict",
    "decode_optional",
    "decode_optional_as",
    "event_decoder",
    "gc_paused",
    "page_items",
    "resource_version_of",
]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", bound=KubeModel)


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


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused, then collect the young
    generations once (see the comment above :data:`GC_PAUSE_MIN_BYTES`). Nests, and is shared by
    threads: the collector resumes when the last block ends, and only if it was on."""
    global _gc_holders, _gc_resume
    with _gc_lock:
        if _gc_holders == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            resume = _gc_holders == 0 and _gc_resume
            if resume:
                gc.enable()
        if resume:
            gc.collect(1)


def _validate_json(model: type[M], content: bytes) -> M:
    if len(content) < GC_PAUSE_MIN_BYTES:
        return model.model_validate_json(content)
    with gc_paused():
        return model.model_validate_json(content)


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
    except (ValueError, RecursionError) as exc:
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
    except (ValueError, RecursionError) as exc:
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
    except (ValueError, RecursionError) as exc:
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
    except (ValueError, RecursionError) as exc:
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


def resource_version_of(obj: Any) -> str | None:
    """``metadata.resourceVersion`` of a model, a compact object (not validated for it) or a dict,
    or ``None``."""
    compact = compact_meta(obj)
    if compact is not None:
        version = compact.resource_version
    elif isinstance(obj, Mapping):
        metadata = obj.get("metadata")
        version = metadata.get("resourceVersion") if isinstance(metadata, Mapping) else None
    else:
        version = getattr(getattr(obj, "metadata", None), "resource_version", None)
    return version if isinstance(version, str) and version else None
