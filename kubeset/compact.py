"""Compact objects: a model instance that keeps its JSON text and validates it on first touch.

An informer holds every object of a resource, and most of them are never read: a controller reads
the few its work items name. Validating 10,000 pods into models costs seconds and more than a
gigabyte; keeping their JSON text costs a tenth of that. So an informer stores *compact* objects:

- A compact object is an instance of a subclass of its model (``isinstance(obj, Pod)`` holds)
  that holds only the JSON text it was sent and the few metadata fields the cache needs
  (namespace, name, resourceVersion, labels — read by the indexer, the label selectors and the
  reflector without validating anything).
- The first access to anything else — an attribute, ``model_dump``, ``==``, ``repr``, a copy —
  validates the text into the model, fills the instance with the result and turns its class into
  the model itself (``type(obj) is Pod`` afterwards). From then on it *is* an ordinary model,
  with no cost on later accesses. Validation errors raise :class:`~kubeset.errors.DecodeError`.
- Materialising is thread-safe: threads that touch the same object at once validate it once each
  at worst, and all of them see the same fields.

:func:`event_decoder` decodes watch lines into compact objects; :func:`from_item` makes one from
a dict (a list page's item). :data:`drop_managed_fields` applies to the text, before anything is
validated, when an informer is given it as its transform.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple, cast

import pydantic_core
from pydantic import BaseModel, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from kubeset.errors import DecodeError
from kubeset.resource import EventType, WatchEvent

__all__ = [
    "Compact",
    "CompactMeta",
    "compact_class",
    "compact_meta",
    "drop_managed_fields",
    "event_decoder",
    "from_item",
    "is_compact",
    "materialize",
]

_TEXT = "\x00kubeset.compact.text"
_META = "\x00kubeset.compact.meta"
_lock = threading.Lock()


class CompactMeta(NamedTuple):
    """The metadata a cache reads without validating the object."""

    namespace: str | None
    name: str | None
    resource_version: str | None
    labels: Mapping[str, str] | None


class Compact:
    """The mixin of compact classes (see the module docstring); ``compact_class(Pod)`` is
    ``class Pod(Compact, Pod)``."""

    __slots__ = ()
    __kubeset_model__: ClassVar[type[BaseModel]]

    def __getattribute__(self, name: str) -> Any:
        if name != "__class__":  # isinstance() reads it: that is no reason to validate
            materialize(self)
        return object.__getattribute__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        materialize(self)
        setattr(self, name, value)

    def __delattr__(self, name: str) -> None:
        materialize(self)
        delattr(self, name)


def is_compact(obj: object) -> bool:
    """Whether ``obj`` is a compact object not yet validated."""
    return isinstance(obj, Compact)


def compact_meta(obj: object) -> CompactMeta | None:
    """The metadata of a compact object not yet validated, else ``None`` (read the model)."""
    if isinstance(obj, Compact):
        meta: CompactMeta = object.__getattribute__(obj, "__dict__")[_META]
        return meta
    return None


@functools.cache
def compact_class(model: type[BaseModel]) -> type[BaseModel]:
    """The compact subclass of ``model`` (made once per model)."""
    namespace = {
        "__slots__": (),
        "__module__": model.__module__,
        "__qualname__": model.__qualname__,
        "__doc__": model.__doc__,
        "__kubeset_model__": model,
    }
    metaclass: Any = type(model)
    return cast("type[BaseModel]", metaclass(model.__name__, (Compact, model), namespace))


def _new(model: type[BaseModel], text: str, meta: CompactMeta) -> Any:
    obj = object.__new__(compact_class(model))
    set_ = object.__setattr__
    set_(obj, "__dict__", {_TEXT: text, _META: meta})
    set_(obj, "__pydantic_fields_set__", set())
    set_(obj, "__pydantic_extra__", None)
    set_(obj, "__pydantic_private__", None)
    return obj


def materialize(obj: object) -> None:
    """Validate a compact object's text into its model, in place (a no-op for anything else)."""
    cls = type(obj)
    if not issubclass(cls, Compact):
        return
    model = cls.__kubeset_model__
    state = object.__getattribute__(obj, "__dict__")
    text = state.get(_TEXT)
    if text is None:  # a shallow copy of a compact object: it holds the fields already
        with _lock:
            if type(obj) is cls:
                object.__setattr__(obj, "__class__", model)
        return
    try:
        full = model.model_validate_json(text)
    except ValidationError as exc:
        meta: CompactMeta = state[_META]
        where = f"{meta.namespace}/{meta.name}" if meta.namespace else str(meta.name)
        raise DecodeError(
            f"{model.__name__} {where} (resourceVersion {meta.resource_version}) does not fit "
            f"the model: {exc.errors(include_url=False)[:3]}"
        ) from None
    set_ = object.__setattr__
    with _lock:
        if type(obj) is not cls:
            return  # another thread materialised it meanwhile
        set_(obj, "__pydantic_fields_set__", full.__pydantic_fields_set__)
        set_(obj, "__pydantic_extra__", full.__pydantic_extra__)
        set_(obj, "__pydantic_private__", full.__pydantic_private__)
        set_(obj, "__dict__", object.__getattribute__(full, "__dict__"))
        set_(obj, "__class__", model)


# --- reading the metadata without validating the object ------------------------------------------


class _ManagedFieldsHead(TypedDict, total=False):
    manager: str


class _MetaHead(TypedDict, total=False):
    name: str
    namespace: str
    resourceVersion: str
    labels: dict[str, str]
    managedFields: list[_ManagedFieldsHead]


class _ObjectHead(TypedDict, total=False):
    metadata: _MetaHead


class _EventHead(TypedDict, total=False):
    type: str
    object: _ObjectHead


_event_head = TypeAdapter(_EventHead)
_object_head = TypeAdapter(_ObjectHead)


def _meta(head: _MetaHead) -> CompactMeta:
    return CompactMeta(
        head.get("namespace"), head.get("name"), head.get("resourceVersion"), head.get("labels")
    )


# --- dropping managedFields from the text ---------------------------------------------------------

_MANAGED_FIELDS_KEY = '"managedFields":['


def _cut_managed_fields(text: str, at: int) -> str | None:
    """``text`` without metadata's managedFields, if they can be cut from the text safely: their
    key is at ``at`` (known to be metadata's), or else occurs once; their array ends at the first
    ``]`` outside a string (its entries hold no arrays). ``None`` otherwise (re-encode instead)."""
    start = at
    if start < 0:
        start = text.find(_MANAGED_FIELDS_KEY)
        if start < 0 or text.find(_MANAGED_FIELDS_KEY, start + 1) >= 0:
            return None
    body = start + len(_MANAGED_FIELDS_KEY)
    end = text.find("]", body)
    if end < 0:
        return None
    inside = text[body:end]
    if "[" in inside or "\\\\" in inside or (inside.count('"') - inside.count('\\"')) % 2:
        return None
    end += 1
    if text[start - 1] == ",":
        return text[: start - 1] + text[end:]
    if text[end] == ",":
        return text[:start] + text[end + 1 :]
    return text[:start] + text[end:]


def _without_managed_fields(item: dict[str, Any]) -> dict[str, Any]:
    metadata = item.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        item = {**item, "metadata": {k: v for k, v in metadata.items() if k != "managedFields"}}
    return item


def _dropping_text(text: str, head: _MetaHead, at: int) -> str:
    """``text`` without metadata's managedFields (whose key is at ``at`` when known, else -1)."""
    if not head.get("managedFields") and at < 0:
        return text
    cut = _cut_managed_fields(text, at)
    if cut is not None:
        return cut
    item = pydantic_core.from_json(text)
    return pydantic_core.to_json(_without_managed_fields(item)).decode()


# The fast way to a head: the apiserver writes an object's fields in its Go struct's order, where
# metadata comes first and managedFields last in it. So the text before metadata's managedFields
# holds the whole head and is a tenth of the object: jiter parses that prefix (as partial JSON),
# with a sentinel key appended to tell that the managedFields found are metadata's. Anything else
# (custom resources' keys are sorted, so their name comes after managedFields; no managedFields)
# takes the full parse, which skips what it does not need but still reads every byte.
_SENTINEL = "\x00"
_SENTINEL_JSON = '"\\u0000":0'


def _fast_head(text: str, event: bool) -> tuple[dict[str, Any], int] | None:
    """``(head, position of metadata's managedFields key)`` from the prefix, or ``None``."""
    at = text.find(_MANAGED_FIELDS_KEY)
    if at < 0:
        return None
    try:
        head = pydantic_core.from_json(text[:at] + _SENTINEL_JSON, allow_partial=True)
    except ValueError:
        return None
    obj = head.get("object") if event else head
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    if not isinstance(meta, dict) or _SENTINEL not in meta:
        return None
    name, version, labels = meta.get("name"), meta.get("resourceVersion"), meta.get("labels")
    if not (isinstance(name, str) and isinstance(version, str)):
        return None
    if labels is not None and not (
        isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values())
    ):
        return None
    namespace = meta.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        return None
    return head, at


class _DropManagedFields:
    """The transform that drops ``metadata.managedFields`` (often half of an object's JSON, and
    of no use to most controllers). Given to an informer, it is applied to the JSON text before
    anything is validated; called on a model or a dict, it clears the field there."""

    drops_managed_fields = True

    def __call__(self, obj: Any) -> Any:
        if isinstance(obj, dict):
            return _without_managed_fields(obj)
        metadata = getattr(obj, "metadata", None)
        if metadata is not None and metadata.managed_fields is not None:
            metadata.managed_fields = None
        return obj

    def __repr__(self) -> str:
        return "kubeset.cache.drop_managed_fields"


drop_managed_fields: Callable[[Any], Any] = _DropManagedFields()
"""Drop ``metadata.managedFields``; an informer applies it to the JSON text, before validating."""


def drops_managed_fields(transform: object) -> bool:
    """Whether ``transform`` is :data:`drop_managed_fields` (applied to text by informers)."""
    return bool(getattr(transform, "drops_managed_fields", False))


# --- decoding -------------------------------------------------------------------------------------


def from_item(model: type[BaseModel], item: Mapping[str, Any], *, drop: bool = False) -> Any:
    """A compact ``model`` object holding ``item`` (a dict decoded from JSON)."""
    data = _without_managed_fields(dict(item)) if drop else item
    metadata = data.get("metadata")
    head = cast("_MetaHead", metadata if isinstance(metadata, dict) else {})
    labels = head.get("labels")
    meta = CompactMeta(
        head.get("namespace"),
        head.get("name"),
        head.get("resourceVersion"),
        labels if isinstance(labels, dict) else None,
    )
    return _new(model, pydantic_core.to_json(data).decode(), meta)


def event_decoder(
    model: type[BaseModel], eager: Callable[[str | bytes, Any], WatchEvent[Any]], *, drop: bool
) -> Callable[[str | bytes, Any], WatchEvent[Any]]:
    """A watch-line decoder giving compact objects for ADDED, MODIFIED and DELETED events.
    ``eager`` decodes the rest (bookmarks, ERROR events, lines that do not parse: it raises
    their typed errors). ``drop``: drop managedFields from the text."""

    def decode(line: str | bytes, request: Any) -> WatchEvent[Any]:
        text = line.decode() if isinstance(line, bytes) else line
        head: Mapping[str, Any]
        fast = _fast_head(text, True)
        if fast is not None:
            head, at = fast
            meta_head = head["object"]["metadata"]
        else:
            try:
                head = _event_head.validate_json(text)
            except ValidationError:
                return eager(line, request)
            meta_head, at = head.get("object", {}).get("metadata", {}), -1
        kind = head.get("type")
        if kind not in ("ADDED", "MODIFIED", "DELETED"):
            return eager(line, request)
        prefix = f'{{"type":"{kind}","object":'
        if text.startswith(prefix) and text.endswith("}"):
            text = text[len(prefix) : -1]
            at = at - len(prefix) if at >= 0 else -1
        else:  # not the apiserver's own layout: re-encode the object
            text = pydantic_core.to_json(pydantic_core.from_json(text)["object"]).decode()
            at = -1
        if drop:
            text = _dropping_text(text, meta_head, at)
        return WatchEvent(cast("EventType", kind), _new(model, text, _meta(meta_head)))

    return decode


def object_head(text: str | bytes) -> CompactMeta:
    """The metadata of one object's JSON text."""
    return _meta(_object_head.validate_json(text).get("metadata", {}))
