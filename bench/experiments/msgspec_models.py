"""msgspec Structs for one definition of the spec and everything it references — built at run time
from ``openapi/swagger.json``, for the decode experiments only (never part of kubeset).

The mapping follows kubeset's: every field optional (``None``), Python snake_case names with the
wire name kept (``rename``), ``Time``/``MicroTime`` as aware datetimes (or ``str``),
``IntOrString`` as ``int | str``, ``Quantity`` as ``str | int | float``, schemaless objects
(``FieldsV1``, ``RawExtension``) as plain ``dict``. msgspec drops fields it does not know: that is
the data loss this backend would bring.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import msgspec

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "swagger.json"

SPECIAL: dict[str, Any] = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": int | str,
    "io.k8s.apimachinery.pkg.api.resource.Quantity": str | int | float,
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": dict[str, Any],
    "io.k8s.apimachinery.pkg.runtime.RawExtension": dict[str, Any],
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": Any,
}
TIMES = {
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
}


def _snake(name: str) -> str:
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
    return s + "_" if s in ("continue", "from", "except", "not", "default") else s


def build(root: str, *, gc: bool = True, times_as_str: bool = False) -> type[msgspec.Struct]:
    """The Struct for definition ``root`` (e.g. ``io.k8s.api.core.v1.PodList``)."""
    defs = json.loads(SPEC.read_text())["definitions"]
    made: dict[str, Any] = {}
    building: set[str] = set()

    def type_of(schema: dict[str, Any]) -> Any:
        ref = schema.get("$ref")
        if ref:
            return struct(ref.rsplit("/", 1)[1])
        t = schema.get("type")
        if t == "array":
            return list[type_of(schema.get("items", {}))]  # type: ignore[misc]
        if t == "object":
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return dict[str, type_of(extra)]  # type: ignore[misc]
            return dict[str, Any]
        if t == "string":
            return str
        if t == "integer":
            return int
        if t == "number":
            return float
        if t == "boolean":
            return bool
        return Any

    def struct(name: str) -> Any:
        if name in SPECIAL:
            return SPECIAL[name]
        if name in TIMES:
            return str if times_as_str else dt.datetime
        if name in made:
            return made[name]
        if name in building:
            raise RuntimeError(f"{name} is recursive: not supported here")
        schema = defs[name]
        if "properties" not in schema:
            return type_of(schema) if "type" in schema else Any
        short = name.rsplit(".", 1)[1]
        fields: list[Any] = []
        building.add(name)
        for wire, prop in sorted(schema["properties"].items()):
            py = _snake(wire)
            fields.append((py, type_of(prop) | None, msgspec.field(default=None, name=wire)))
        cls = msgspec.defstruct(short, fields, omit_defaults=True, kw_only=True, gc=gc)
        made[name] = cls
        building.discard(name)
        return cls

    return struct(root)  # type: ignore[no-any-return]
