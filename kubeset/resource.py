"""What the runtime knows about one resource type, and the vocabulary of its verbs.

A generated resource client carries one :class:`ResourceInfo`; every request path, allowed verb and
accepted patch type comes from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Literal, TypeAlias, TypedDict, TypeVar

from pydantic import BaseModel

__all__ = [
    "ApplyOptions",
    "Body",
    "EventType",
    "FieldValidation",
    "Patch",
    "PatchOptions",
    "PatchType",
    "PropagationPolicy",
    "ResourceInfo",
    "WatchEvent",
    "WriteOptions",
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


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """One resource type: its group/version/kind, URL plural, scope, verbs and patch types.

    ``subresources`` maps a subresource name (``status``, ``scale`` …) to its verbs.
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

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, else ``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def prefix(self) -> str:
        """``/api/v1`` for the core group, else ``/apis/group/version``."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"


class WriteOptions(TypedDict, total=False):
    """Options of create, update and subresource writes."""

    dry_run: bool
    field_manager: str
    field_validation: FieldValidation


class PatchOptions(WriteOptions, total=False):
    """Options of patch."""

    force: bool


class ApplyOptions(TypedDict, total=False):
    """Options of server-side apply besides the required ``field_manager``."""

    force: bool
    dry_run: bool
    field_validation: FieldValidation


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
