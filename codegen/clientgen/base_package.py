"""The base package (``kubeset_k8s``): which built-in models exist, and which inline schemas
they are.

A package generated for CRDs or for some API groups of a cluster does not copy the built-in models
it uses (ObjectMeta, ListMeta, Condition, LabelSelector, autoscaling/v1 Scale …): its
``models/meta_v1.py`` re-exports them from ``kubeset_k8s.models.meta_v1``. This module answers
the two questions that needs, by importing the base package's model modules:

- does the base package have ``<module>.<Class>`` (a definition the spec references by name)?
- is this inline object schema exactly a base model? Exactly means: the same set of wire field
  names, each with a compatible type (nested objects being, recursively, the same base models),
  at least three fields or a nested model among them — so that a two-field ``{name, value}``
  object is not mistaken for whichever built-in happens to have that shape.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kubeset.lazy import wire_class
from kubeset.model import KubeModel
from kubeset.types import Time

__all__ = ["BaseIndex"]

Kind = tuple[str, ...]

#: Preferred homes when several base modules have the same shape.
_PRIORITY = ("meta_v1", "core_v1")


def _unwrap_optional(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = tuple(a for a in args if a is not type(None))
        return rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
    return annotation


def _group_module(module: str) -> str:
    """``kubeset_k8s.models.core_v1.pod`` → ``core_v1``: the group-version package of a model
    module."""
    parts = module.split(".")
    return parts[parts.index("models") + 1] if "models" in parts[:-1] else parts[-1]


def _annotation_kind(annotation: Any) -> Kind:
    annotation = _unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is Time:
        return ("time",)
    if origin is typing.Annotated:
        return ("microtime",) if args[0] is Time else _annotation_kind(args[0])
    if origin in (typing.Union, types.UnionType):
        names = frozenset(getattr(a, "__name__", str(a)) for a in args)
        if names == {"int", "str"}:
            return ("intorstring",)
        if names == {"int", "str", "float"}:
            return ("quantity",)
        if names == {"int", "float"}:
            return ("number",)
        return ("union",)
    if origin is list:
        return ("array", *_annotation_kind(args[0]))
    if origin is dict:
        if args[1] is Any:
            return ("object",)
        return ("map", *_annotation_kind(args[1]))
    if annotation is Any:
        return ("any",)
    if isinstance(annotation, type):
        if issubclass(annotation, KubeModel):
            return ("model", f"{_group_module(annotation.__module__)}.{annotation.__name__}")
        if issubclass(annotation, bool):
            return ("boolean",)
        if issubclass(annotation, int):
            return ("integer",)
        if issubclass(annotation, str):
            return ("string",)
        if issubclass(annotation, float):
            return ("number",)
        if issubclass(annotation, datetime):
            return ("time",)
    return ("unknown", repr(annotation))


class BaseIndex:
    """The models of the base package, loaded on first use."""

    def __init__(self, package: str = "kubeset_k8s") -> None:
        self.package = package
        self._classes: dict[str, set[str]] | None = None
        self._shapes: dict[frozenset[str], list[tuple[str, dict[str, Kind]]]] | None = None

    def _load(self) -> dict[str, set[str]]:
        """Group-version module → the class names it exports (nothing imported but the packages)."""
        if self._classes is None:
            classes: dict[str, set[str]] = {}
            try:
                models = importlib.import_module(f"{self.package}.models")
            except ImportError:
                models = None
            for info in pkgutil.iter_modules(getattr(models, "__path__", [])):
                if info.name.startswith("_") or info.name == "wiretypes":
                    continue
                module = importlib.import_module(f"{self.package}.models.{info.name}")
                classes[info.name] = set(getattr(module, "__all__", ()))
            self._classes = classes
        return self._classes

    def has(self, module: str, name: str) -> bool:
        """Whether the base package has ``models/<module>.py``'s ``<name>``."""
        return name in self._load().get(module, {})

    def modules(self) -> set[str]:
        """The base package's model module names."""
        return set(self._load())

    def _index(self) -> dict[frozenset[str], list[tuple[str, dict[str, Kind]]]]:
        if self._shapes is None:
            shapes: dict[frozenset[str], list[tuple[str, dict[str, Kind]]]] = {}
            for module, names in sorted(self._load().items()):
                package = importlib.import_module(f"{self.package}.models.{module}")
                for name in sorted(names):
                    cls = getattr(package, name)
                    if not (isinstance(cls, type) and issubclass(cls, KubeModel)):
                        continue
                    wire_class(cls)
                    namespace = vars(sys.modules[cls.__module__])
                    hints = typing.get_type_hints(cls, globalns=namespace, include_extras=True)
                    fields: dict[str, Kind] = {}
                    for attr, info in cls.model_fields.items():
                        wire = info.serialization_alias or info.alias or attr
                        fields[wire] = _annotation_kind(hints[attr])
                    shapes.setdefault(frozenset(fields), []).append((f"{module}.{name}", fields))
            self._shapes = shapes
        return self._shapes

    def _fields(self, target: str) -> dict[str, Kind] | None:
        for entries in self._index().values():
            for name, fields in entries:
                if name == target:
                    return fields
        return None

    def same_shape(self, left: str, right: str) -> bool:
        """Whether two base models have the same fields with the same kinds (a
        ``FieldSelectorRequirement`` is a ``LabelSelectorRequirement``)."""
        if left == right:
            return True
        a, b = self._fields(left), self._fields(right)
        return (
            a is not None
            and b is not None
            and set(a) == set(b)
            and all(
                a[f] == b[f]
                or (a[f][0] == b[f][0] == "model" and self.same_shape(a[f][1], b[f][1]))
                for f in a
            )
        )

    def match(
        self, schema: dict[str, Any], resolve: Callable[[str], str | None], stem: str = ""
    ) -> str | None:
        """The ``module.Class`` of the base model ``schema`` (a fixed inline object) is exactly.

        Among several equally good candidates, the one whose class name shares most words with
        ``stem`` (the property path the schema was found at) wins, then meta_v1, then core_v1.
        """
        properties = schema.get("properties")
        if not isinstance(properties, dict) or len(properties) < 2:
            return None
        kinds = {name: _schema_kind(value, resolve) for name, value in properties.items()}
        nested = any(k[0] == "model" or k[:2] == ("array", "model") for k in kinds.values())
        if len(kinds) < 3 and not nested:
            return None
        candidates = [
            name
            for name, fields in self._index().get(frozenset(kinds), [])
            if all(self._compatible(kinds[f], fields[f]) for f in kinds)
        ]
        if not candidates:
            return None
        words = set(re.findall(r"[A-Z][a-z0-9]*", stem))
        return min(
            candidates,
            key=lambda n: (
                -len(words & set(re.findall(r"[A-Z][a-z0-9]*", n.split(".")[1]))),
                _rank(n),
                n,
            ),
        )

    def _compatible(self, found: Kind, base: Kind) -> bool:
        """Whether every value valid for ``found`` (the CRD's schema) decodes into ``base``."""
        if found[:1] == base[:1] == ("model",):
            return self.same_shape(found[1], base[1])
        if found[0] == base[0] and found[0] in ("array", "map"):
            return self._compatible(found[1:], base[1:])
        return _compatible(found, base)


def _rank(name: str) -> int:
    module = name.split(".", 1)[0]
    return _PRIORITY.index(module) if module in _PRIORITY else len(_PRIORITY)


_WIRE_KINDS = {
    "IntOrString": ("intorstring",),
    "Quantity": ("quantity",),
    "Time": ("time",),
    "MicroTime": ("microtime",),
    "Object": ("object",),
    "JSON": ("any",),
}


def _schema_kind(schema: Any, resolve: Callable[[str], str | None]) -> Kind:
    if not isinstance(schema, dict):
        return ("unknown",)
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref.startswith("#/definitions/wiretypes."):
            return _WIRE_KINDS.get(ref.rsplit(".", 1)[1], ("unknown",))
        if ref.startswith("#/definitions/"):
            return ("model", ref[len("#/definitions/") :])
        target = resolve(ref)
        return ("model", target) if target else ("local", ref)
    kind = schema.get("type")
    if kind == "array":
        return ("array", *_schema_kind(schema.get("items"), resolve))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return ("map", *_schema_kind(schema["additionalProperties"], resolve))
    if isinstance(schema.get("anyOf"), list):
        branches = [b for b in schema["anyOf"] if isinstance(b, dict)]
        others = [b for b in branches if b.get("type") != "null"]
        if len(others) == 1 and len(branches) == 2:  # a nullable value: its type, as Optional
            return _schema_kind(others[0], resolve)
        types_ = {b.get("type") for b in branches}
        if types_ == {"integer", "number"}:
            return ("number",)
        return ("union",)
    if kind in ("string", "integer", "boolean"):
        return (str(kind),)
    return ("unknown",)


def _compatible(found: Kind, base: Kind) -> bool:
    """Scalar compatibility: whether every value of kind ``found`` decodes as ``base``."""
    if found == base:
        return True
    return (found, base) in {
        (("intorstring",), ("quantity",)),
        (("integer",), ("number",)),
        (("integer",), ("quantity",)),
        (("string",), ("quantity",)),
    }
