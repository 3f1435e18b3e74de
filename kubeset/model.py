"""The base of every generated model, and the one place that decides how models are serialized.

Every generated model subclasses :class:`KubeModel`:

- ``extra="allow"``: fields a newer server sends that this model does not know are kept and written
  back, so read → modify → update never deletes data the client did not know about.
- Every field is optional: servers omit or null "required" fields in real responses, partial objects
  are what server-side apply wants, and bookmark events carry only metadata.
- ``defer_build``: a model's validator is built on first use, not at import.

Serialization (:func:`to_dict`, :func:`to_json`) writes wire names (``apiVersion``, not
``api_version``) and only the fields that were set — by the server's response or by the caller —
so nothing the server sent is dropped and nothing the caller did not set is sent as ``null``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import pydantic.main
from pydantic import BaseModel, ConfigDict

from kubeset.lazy import wire_class

__all__ = ["KubeModel", "to_dict", "to_json"]

# Guards the first build of a model class: threads that use a model for the first time at the same
# moment wait for one build instead of racing through pydantic's. It is pydantic's own rebuild lock
# when the installed pydantic has one (one lock, so no lock-order deadlock with its builds), else
# ours. Taken only while a class is incomplete: after its first build a use costs no lock.
_build_lock: Any = getattr(pydantic.main, "_rebuild_lock", None) or threading.RLock()


class KubeModel(BaseModel):
    """Base class of all generated Kubernetes models."""

    model_config = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
        protected_namespaces=(),
    )

    @classmethod
    def model_rebuild(
        cls,
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        """Build the validator, after importing the modules of the models this one uses (see
        :mod:`kubeset.lazy`); pydantic calls this on a model's first use. Thread-safe: concurrent
        first uses build the class once, under a lock; a built class returns at once."""
        if cls.__pydantic_complete__ and not force:
            return None
        wire_class(cls)
        with _build_lock:
            if cls.__pydantic_complete__ and not force:
                return None  # another thread built it while this one waited
            return super().model_rebuild(
                force=force,
                raise_errors=raise_errors,
                _parent_namespace_depth=_parent_namespace_depth + 1,
                _types_namespace=_types_namespace,
            )


def to_dict(obj: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """A model or mapping as a JSON-ready dict: wire names, only the fields that were set."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return dict(obj)


def to_json(obj: BaseModel | Mapping[str, Any] | list[Any]) -> bytes:
    """A model, mapping or list as compact JSON bytes: wire names, only the fields that were set."""
    if isinstance(obj, BaseModel):
        return obj.model_dump_json(by_alias=True, exclude_unset=True).encode()
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
