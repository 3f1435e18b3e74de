"""The base of every generated model, and the one place that decides how models are serialized.

Every generated model subclasses :class:`KubeModel`:

- ``extra="allow"``: fields a newer server sends that this model does not know are kept and written
  back, so read → modify → update never deletes data the client did not know about.
- Every field is optional: servers omit or null "required" fields in real responses, partial objects
  are what server-side apply wants, and bookmark events carry only metadata.
- ``defer_build``: a model's validator is built on first use, not at import.
- The constructor takes the fields' Python names (``ObjectMeta(generate_name=...)``) and, as
  before, their wire names (``generateName=``, which type checkers reject); any other keyword is
  a ``TypeError`` naming the closest field, as type checkers report it. Only the constructor
  checks: ``model_validate``, ``model_validate_json`` and decoding responses keep unknown fields.

Serialization (:func:`to_dict`, :func:`to_json`) writes wire names (``apiVersion``, not
``api_version``) and only the fields that were set — by the server's response or by the caller —
so nothing the server sent is dropped and nothing the caller did not set is sent as ``null``.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

import pydantic.main
from pydantic import BaseModel, ConfigDict

from kubeset.lazy import wire_class

__all__ = ["KubeModel", "to_dict", "to_json"]

# Guards the first build of a model class: threads that use a model for the first time at the same
# moment wait for one build instead of racing through pydantic's. It is pydantic's own rebuild lock
# when the installed pydantic has one (one lock, so no lock-order deadlock with its builds), else
# ours. Taken only while a class is incomplete: after its first build a use costs no lock.
_build_lock: Any = getattr(pydantic.main, "_rebuild_lock", None) or threading.RLock()

# Per model class, the keywords its constructor accepts (see KubeModel.__init__).
_INIT_NAMES: dict[type, frozenset[str]] = {}


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

    if not TYPE_CHECKING:
        # Hidden from type checkers: they derive the constructor from the fields
        # (dataclass_transform), so they already reject unknown keywords, and would accept any
        # keyword if they saw this `**data: Any`.

        def __init__(self, /, **data: Any) -> None:
            __tracebackhide__ = True
            names = _INIT_NAMES.get(type(self))
            if names is None:
                names = _init_names(type(self))
            if not names.issuperset(data):
                _unexpected_keyword(type(self), data)
            validated = self.__pydantic_validator__.validate_python(data, self_instance=self)
            if validated is not self:  # as BaseModel.__init__ does
                warnings.warn(
                    "A custom validator is returning a value other than `self`.", stacklevel=2
                )

        # Tells pydantic this __init__ only validates like BaseModel's, so validation
        # (model_validate, nested models, responses) never calls it: unknown fields stay allowed
        # there.
        __init__.__pydantic_base_init__ = True

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
        first uses build the class once, under a lock; a built class returns at once. The types
        are resolved in the class's module, never in the caller's namespace."""
        if cls.__pydantic_complete__ and not force:
            return None
        if _types_namespace is None and "<locals>" not in cls.__qualname__:
            # A class of a module resolves its fields' types in that module only: pydantic would
            # let the caller's variables shadow the module's names (a script's ``pod = ...``
            # hiding the ``pod`` module a PodList's ``list[pod.Pod]`` means).
            _types_namespace = {}
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


def _init_names(cls: type[KubeModel]) -> frozenset[str]:
    """The keywords ``cls(...)`` accepts: its fields' names and their aliases (as the model's
    config validates them); computed once per class."""
    config = cls.model_config
    by_name = config.get("validate_by_name") or config.get("populate_by_name")
    names: set[str] = set()
    for name, info in cls.__pydantic_fields__.items():
        if by_name or not (info.alias or info.validation_alias):
            names.add(name)
        if config.get("validate_by_alias", True):
            names.update(_aliases(info.alias, info.validation_alias))
    accepted = _INIT_NAMES[cls] = frozenset(names)
    return accepted


def _aliases(alias: str | None, validation_alias: Any) -> list[str]:
    found = [alias] if alias else []
    choices = getattr(validation_alias, "choices", [validation_alias])
    for choice in choices:
        if isinstance(choice, str):
            found.append(choice)
        else:  # an AliasPath: its first key is the keyword
            path = getattr(choice, "path", [])
            if path and isinstance(path[0], str):
                found.append(path[0])
    return found


def _unexpected_keyword(cls: type[KubeModel], data: Mapping[str, Any]) -> NoReturn:
    import difflib

    accepted = _init_names(cls)
    unknown = next(key for key in data if key not in accepted)
    # Suggest the Python name, also for a misspelt wire name.
    python_name = {name: name for name in cls.__pydantic_fields__}
    for name, info in cls.__pydantic_fields__.items():
        for alias in _aliases(info.alias, info.validation_alias):
            python_name.setdefault(alias, name)
    close = difflib.get_close_matches(unknown, list(cls.__pydantic_fields__), n=1)
    if not close:
        close = [python_name[m] for m in difflib.get_close_matches(unknown, python_name, n=1)]
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise TypeError(f"{cls.__name__} got an unexpected keyword argument {unknown!r}{hint}")


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
