"""What the runtime knows about one resource type, and the vocabulary of its verbs.

A generated resource client carries one :class:`ResourceInfo`; every request path, allowed verb and
accepted patch type comes from it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Literal, TypeAlias, TypedDict, TypeVar

from pydantic import BaseModel

__all__ = [
    "ALL_PATCH_TYPES",
    "CONNECT_METHODS",
    "CUSTOM_PATCH_TYPES",
    "GET_UPDATE_PATCH",
    "STANDARD_VERBS",
    "ApplyOptions",
    "Body",
    "DeleteCollectionOptions",
    "DeleteOptions",
    "EventType",
    "FieldValidation",
    "GetOptions",
    "ListOptions",
    "ListWatchOptions",
    "LogOptions",
    "Patch",
    "PatchOptions",
    "PatchType",
    "PropagationPolicy",
    "ResourceInfo",
    "WatchEvent",
    "WatchOptions",
    "WriteOptions",
    "check_options",
]

T = TypeVar("T")

FieldValidation = Literal["Ignore", "Warn", "Strict"]
PropagationPolicy = Literal["Orphan", "Background", "Foreground"]
EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]

Body: TypeAlias = BaseModel | Mapping[str, Any]
"""A request body: a model, or a mapping already in wire form."""
Patch: TypeAlias = BaseModel | Mapping[str, Any] | list[Any] | str | bytes
"""A patch: a mapping or model (merge, strategic), a list of operations (JSON patch), or bytes."""


class PatchType(StrEnum):
    """The PATCH content types the API server understands."""

    JSON = "application/json-patch+json"
    """RFC 6902 JSON patch: a list of operations."""
    MERGE = "application/merge-patch+json"
    """RFC 7386 JSON merge patch: lists are replaced whole."""
    STRATEGIC = "application/strategic-merge-patch+json"
    """Kubernetes strategic merge patch: lists merged by their merge key (built-in types only)."""
    APPLY = "application/apply-patch+yaml"
    """Server-side apply (use ``apply()``)."""


#: The verbs most resources serve, in client-go's order.
STANDARD_VERBS = frozenset(
    {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
)
#: Every patch type: what built-in resources accept.
ALL_PATCH_TYPES = frozenset(PatchType)
#: What custom resources accept (the server refuses strategic merge for them).
CUSTOM_PATCH_TYPES = frozenset({PatchType.JSON, PatchType.MERGE, PatchType.APPLY})
#: The verbs of a ``status``- or ``scale``-like subresource.
GET_UPDATE_PATCH = frozenset({"get", "update", "patch"})
#: Every HTTP method a ``connect`` subresource may declare (proxies declare them all).
CONNECT_METHODS = frozenset({"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """One resource type: its group/version/kind, URL plural, scope, verbs and patch types.

    ``subresources`` maps a subresource name (``status``, ``scale`` …) to its verbs;
    ``subresource_kinds`` gives the ``(apiVersion, kind)`` of the body a subresource takes when it
    is not the resource's own kind (``scale``: ``("autoscaling/v1", "Scale")``).
    ``connect`` maps each ``connect`` subresource (``exec``, ``attach``, ``portforward``,
    ``proxy``, and ``proxy/{path}`` for the form with a path below it) to the HTTP methods the
    spec declares for it (``GET``, ``POST`` …).
    """

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: frozenset[str]
    patch_types: frozenset[PatchType] = frozenset()
    subresources: Mapping[str, frozenset[str]] = field(default_factory=dict)
    list_kind: str = ""
    subresource_kinds: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    connect: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, else ``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def prefix(self) -> str:
        """``/api/v1`` for the core group, else ``/apis/group/version``."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def body_info(self, subresource: str) -> ResourceInfo:
        """This resource as the body of a write to ``subresource`` sees it: the same resource,
        with the apiVersion and kind of that subresource's body (``Scale`` for ``scale``)."""
        gvk = self.subresource_kinds.get(subresource)
        if gvk is None or gvk == (self.api_version, self.kind):
            return self
        group, _, version = gvk[0].rpartition("/")
        return ResourceInfo(group, version, gvk[1], self.plural, self.namespaced, self.verbs)


# --- options: every keyword option of every verb, defined once -----------------------------------
# The verb mixins take these as ``**options: Unpack[...]`` and hand them to the request builders in
# kubeset.request, which turn them into query parameters (or a DeleteOptions body).


class GetOptions(TypedDict, total=False):
    """Options of ``get``."""

    resource_version: str | None
    """``"0"`` allows a possibly stale read from the server's cache."""


class _CollectionOptions(TypedDict, total=False):
    label_selector: str | None
    field_selector: str | None
    resource_version: str | None
    resource_version_match: str | None
    timeout_seconds: int | None


class ListOptions(_CollectionOptions, total=False):
    """Options of ``list`` (and ``list_metadata``)."""

    limit: int | None
    continue_: str | None


class WatchOptions(_CollectionOptions, total=False):
    """Options of ``watch`` (and ``watch_metadata``)."""

    allow_watch_bookmarks: bool | None
    send_initial_events: bool | None


class ListWatchOptions(ListOptions, WatchOptions, total=False):
    """Everything a collection GET accepts: what :func:`kubeset.request.list_request` takes."""


class WriteOptions(TypedDict, total=False):
    """Options of create, update and subresource writes."""

    dry_run: bool
    field_manager: str | None
    field_validation: FieldValidation | None


class PatchOptions(WriteOptions, total=False):
    """Options of patch."""

    force: bool | None


class ApplyOptions(TypedDict, total=False):
    """Options of server-side apply besides the required ``field_manager``."""

    force: bool
    dry_run: bool
    field_validation: FieldValidation | None


class DeleteOptions(TypedDict, total=False):
    """Options of ``delete``, sent as a ``DeleteOptions`` body."""

    grace_period_seconds: int | None
    propagation_policy: PropagationPolicy | None
    preconditions: BaseModel | Mapping[str, Any] | None
    """``{"uid": …, "resourceVersion": …}``: fail with Conflict if the object is another one."""
    dry_run: bool


class DeleteCollectionOptions(TypedDict, total=False):
    """Options of ``delete_collection``."""

    label_selector: str | None
    field_selector: str | None
    grace_period_seconds: int | None
    propagation_policy: PropagationPolicy | None
    dry_run: bool
    timeout_seconds: int | None


class LogOptions(TypedDict, total=False):
    """Options of ``get_logs`` and ``stream_logs`` (the ``log`` subresource of pods)."""

    container: str | None
    tail_lines: int | None
    since_seconds: int | None
    since_time: str | None
    timestamps: bool
    previous: bool
    limit_bytes: int | None


@functools.cache
def _keys(allowed: type) -> frozenset[str]:
    keys: frozenset[str] = allowed.__optional_keys__ | allowed.__required_keys__  # type: ignore[attr-defined]
    return keys


def check_options(options: Mapping[str, Any], allowed: type, verb: str) -> None:
    """Raise ``TypeError`` for a keyword ``verb`` does not take, naming the closest one.

    ``allowed`` is one of the TypedDicts above: ``**options`` accepts any keyword at run time, so
    a misspelt option would otherwise be dropped without a word.
    """
    known = _keys(allowed)
    if options.keys() <= known:  # the hot path: every verb call checks its options
        return
    unknown = sorted(set(options) - known)
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TypeError(f"{verb}() got an unexpected keyword argument {unknown[0]!r}{hint}")


@dataclass(frozen=True, slots=True)
class WatchEvent(Generic[T]):
    """One event of a watch: ``type`` and the ``object`` (a typed model, or a dict from the
    dynamic client).

    For ``BOOKMARK`` events the object carries only ``metadata.resourceVersion`` (and the
    ``k8s.io/initial-events-end`` annotation when asked for initial events). ``ERROR`` events
    are raised as typed errors (:class:`kubeset.errors.Gone` for 410) instead of being yielded.
    """

    type: EventType
    object: T
