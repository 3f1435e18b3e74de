"""Schema fixups: make every definition of a spec generate a lossless, importable model.

Applied to the schema before datamodel-code-generator sees it, as general rules (no special cases
per project), so that the models keep everything a server sends:

- the apimachinery wire types (Quantity, IntOrString, Time, MicroTime, schemaless objects and
  values) become references to ``models/wiretypes.py``, which re-exports :mod:`kubeset.types`;
  general shape rules catch the same types inline (``x-kubernetes-int-or-string``,
  ``format: int-or-string`` / ``date-time``, an object without properties, an empty schema,
  ``x-kubernetes-preserve-unknown-fields`` without properties);
- validation keywords (``pattern``, lengths, bounds, ``enum``, ``default``,
  ``x-kubernetes-validations`` rules) are moved into the field's docstring: the server validates,
  and a client that rejects what a newer server sends (a new enum value, a Go regex) is worse than
  one that passes it through;
- string formats other than ``date-time`` (``byte``, ``uri``, ``duration``, ``email`` …) stay
  plain strings, so values round-trip byte for byte; ``type: number`` accepts ints and floats;
- ``oneOf``/``anyOf``/``not`` that only state which fields are required become a docstring note,
  not a union of models; ``nullable`` list items accept ``null``, and so does every map value
  (``additionalProperties``): Go decodes a ``null`` map value to the zero value, and writes a zero
  ``metav1.Time`` as ``null``, so a server may send one; it stays ``None`` and is written back;
- a construct that cannot be typed precisely (a union of several object shapes, a tuple ``items``)
  becomes a permissive type, with a warning naming the definition and JSON path;
- inline object schemas are hoisted into named classes (``CertificateSpecPrivateKey``: the kind
  and the property path), identical ones deduplicated within a module under their shortest name,
  so regenerating after an unrelated change renames nothing; an inline object that is exactly a
  built-in model of the base package (``Condition``, ``LabelSelector`` …) refers to it instead.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clientgen.naming import class_name

__all__ = [
    "TYPES",
    "TYPES_MODULE",
    "Fixer",
    "Hoister",
    "special_type",
]

TYPES_MODULE = "wiretypes"
TYPES = ("IntOrString", "JSON", "MicroTime", "Object", "Quantity", "Time")

#: apimachinery types that no schema shape identifies (Quantity is "a string", MicroTime "a
#: date-time"), matched by their definition names, which every apiserver-served spec shares.
_NAMED_TYPES = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "Quantity",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime",
}

#: Keywords the server enforces; documented on the field instead of enforced by the model.
_VALIDATION_KEYS = (
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)
_SCHEMA_KEYS = (
    "$ref",
    "type",
    "properties",
    "additionalProperties",
    "items",
    "allOf",
    "anyOf",
    "oneOf",
)
_TYPED_KEYS = ("$ref", "type", "properties", "items", "additionalProperties", "enum")
#: Extensions that carry no typing information for a client; dropped after documenting the rules.
_DROPPED = (
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-group-version-kind",
    "x-kubernetes-selectable-fields",
    "x-kubernetes-unions",
    "x-kubernetes-embedded-resource",
    "externalDocs",
    "example",
    "title",
    "readOnly",
    "$schema",
    "id",
)
_NUMERIC_FORMATS = ("int32", "int64", "float", "double")
_DEFS = "#/definitions/"

Warn = Callable[[str, str], None]
Match = Callable[[dict[str, Any], Callable[[str], "str | None"], str], "str | None"]


def special_type(name: str, schema: Mapping[str, Any]) -> str | None:
    """The ``wiretypes`` name a schema maps to, or ``None`` for an ordinary model."""
    if name in _NAMED_TYPES:
        return _NAMED_TYPES[name]
    if schema.get("x-kubernetes-int-or-string") or schema.get("format") == "int-or-string":
        return "IntOrString"
    if schema.get("type") == "string" and schema.get("format") == "date-time":
        return "Time"
    if schema.get("properties"):
        return None
    additional = schema.get("additionalProperties")
    free = additional is None or additional is True or additional is False or additional == {}
    if schema.get("type") == "object" and free:
        return "Object"
    if schema.get("x-kubernetes-preserve-unknown-fields") and free and "items" not in schema:
        return "Object" if schema.get("type") == "object" else "JSON"
    if not any(key in schema for key in _SCHEMA_KEYS) and "enum" not in schema:
        return "JSON"
    return None


def _only_constraints(branches: list[Any]) -> bool:
    """True when union branches only state requirements (``required``, ``not``), no shapes."""
    return all(isinstance(b, dict) and not any(k in b for k in _TYPED_KEYS) for b in branches)


def _describe_constraint(keyword: str, branches: list[Any]) -> str:
    groups = []
    for branch in branches:
        names = branch.get("required") if isinstance(branch, dict) else None
        if isinstance(names, list) and names:
            groups.append(" + ".join(str(n) for n in names))
        elif isinstance(branch, dict) and isinstance(branch.get("not"), dict):
            groups.append("not " + json.dumps(branch["not"], sort_keys=True))
        else:
            groups.append(json.dumps(branch, sort_keys=True))
    lead = {"oneOf": "Exactly one of", "anyOf": "At least one of", "allOf": "All of"}[keyword]
    return f"{lead}: {'; '.join(groups)}."


def _types_ref(kind: str, description: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"$ref": f"{_DEFS}{TYPES_MODULE}.{kind}"}
    if isinstance(description, str) and description:
        node["description"] = description
    return node


@dataclass
class Fixer:
    """Rewrites schema nodes; ``rename`` maps definition names, ``warn(where, message)`` reports
    what had to be typed permissively."""

    rename: Callable[[str], str]
    warn: Warn = field(default=lambda where, message: None)

    def fix(
        self, schema: Mapping[str, Any], where: str, *, required: bool = False
    ) -> dict[str, Any]:
        """One schema node rewritten (see the module docstring)."""
        node = dict(schema)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS):
            node["$ref"] = _DEFS + self.rename(ref[len(_DEFS) :])
        if isinstance(node.get("description"), str):
            node["description"] = node["description"].expandtabs(4)
        notes = ["Required."] if required else []
        self._notes(node, notes)
        for key in _DROPPED:
            node.pop(key, None)
        if "$ref" not in node:
            kind = special_type("", node)
            if kind is not None:
                result = _types_ref(kind, node.get("description"))
                _describe(result, notes)
                return result
        node.pop("x-kubernetes-preserve-unknown-fields", None)
        node.pop("x-kubernetes-int-or-string", None)
        if "properties" in node and "type" not in node:
            node["type"] = "object"
        names = node.pop("required", None)
        required_names = {str(n) for n in names} if isinstance(names, list) else set()
        if isinstance(node.get("properties"), dict):
            node["properties"] = {
                key: self.fix(value, f"{where}.properties.{key}", required=key in required_names)
                for key, value in sorted(node["properties"].items())
                if isinstance(value, dict)
            }
        if node.get("additionalProperties") is False or node.get("additionalProperties") is True:
            del node["additionalProperties"]
        items = node.get("items")
        if isinstance(items, list):
            self.warn(f"{where}.items", "a tuple of item schemas; typed as a list of any JSON")
            node["items"] = _types_ref("JSON", None)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                # Every map value accepts null: Go decodes a null map value to the zero value
                # (a zero metav1.Time is even written as null), so a server sends them; a null
                # stays None and is written back as null. List items only when ``nullable``.
                nullable = key == "additionalProperties" or bool(node[key].get("nullable"))
                node[key] = self._nullable(self.fix(node[key], f"{where}.{key}"), nullable)
        for keyword in ("oneOf", "anyOf", "allOf"):
            branches = node.get(keyword)
            if not isinstance(branches, list):
                continue
            if _only_constraints(branches):
                notes.append(_describe_constraint(keyword, branches))
                del node[keyword]
                continue
            fixed = [
                self.fix(b, f"{where}.{keyword}[{i}]")
                for i, b in enumerate(branches)
                if isinstance(b, dict)
            ]
            if keyword == "allOf" and len(fixed) == 1 and not node.get("properties"):
                merged = {**fixed[0], **{k: v for k, v in node.items() if k != "allOf"}}
                _describe(merged, notes)
                return merged
            shapes = [
                b for b in fixed if b.get("type") == "object" or "$ref" in b or "properties" in b
            ]
            if len(shapes) > 1 or (keyword == "allOf" and len(fixed) > 1):
                self.warn(where, f"{keyword} of {len(fixed)} schemas; typed as any JSON")
                result = _types_ref("JSON", node.get("description"))
                _describe(result, notes)
                return result
            node[keyword] = fixed
        if isinstance(node.get("not"), dict):
            notes.append(f"Must not match: {json.dumps(node.pop('not'), sort_keys=True)}.")
        if node.get("type") == "number":
            del node["type"]
            node.pop("format", None)
            node["anyOf"] = [{"type": "integer"}, {"type": "number"}]
        node.pop("nullable", None)
        _describe(node, notes)
        return node

    @staticmethod
    def _nullable(fixed: dict[str, Any], nullable: bool) -> dict[str, Any]:
        if not nullable or _accepts_null(fixed):
            return fixed
        description = fixed.pop("description", None)
        wrapped: dict[str, Any] = {"anyOf": [fixed, {"type": "null"}]}
        if description:
            wrapped["description"] = description
        return wrapped

    @staticmethod
    def _notes(node: dict[str, Any], notes: list[str]) -> None:
        fmt = node.get("format")
        if fmt == "byte":
            del node["format"]
            notes.append("Base64-encoded bytes.")
        elif isinstance(fmt, str) and fmt not in ("date-time", "int-or-string", *_NUMERIC_FORMATS):
            del node["format"]
            notes.append(f"Format: {fmt}.")
        if "enum" in node:
            values = ", ".join(json.dumps(v) for v in node.pop("enum"))
            notes.append(f"Known values: {values}.")
        if "default" in node:
            notes.append(f"Default: {json.dumps(node.pop('default'), sort_keys=True)}.")
        for key in _VALIDATION_KEYS:
            if key in node:
                notes.append(f"Server-side validation: {key}={json.dumps(node.pop(key))}.")
        rules = node.pop("x-kubernetes-validations", None)
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict) and "rule" in rule:
                message = rule.get("message") or rule.get("messageExpression")
                suffix = f" ({message})" if message else ""
                notes.append(f"Validation rule: `{rule['rule']}`{suffix}.")
        if node.get("x-kubernetes-embedded-resource"):
            notes.append("An embedded Kubernetes object (apiVersion, kind, metadata).")


def _accepts_null(schema: Mapping[str, Any]) -> bool:
    """True for a fixed schema whose type already takes ``null`` (any JSON, or a null branch)."""
    if schema.get("$ref") == f"{_DEFS}{TYPES_MODULE}.JSON" or schema.get("type") == "null":
        return True
    branches = schema.get("anyOf")
    return isinstance(branches, list) and any(
        isinstance(b, dict) and b.get("type") == "null" for b in branches
    )


def _describe(schema: dict[str, Any], notes: list[str]) -> None:
    if notes:
        text = schema.get("description", "")
        schema["description"] = (text + "\n\n" if text else "") + "\n".join(notes)


def _stem(piece: str) -> str:
    return class_name(re.sub(r"[^0-9A-Za-z_\-.]", "", piece)) or "Field"


@dataclass
class _Hoisted:
    schema: dict[str, Any]
    module: str
    names: list[str] = field(default_factory=list)
    target: str | None = None


class Hoister:
    """Hoists inline object schemas into named, deduplicated definitions (see the module doc).

    ``match(schema, resolve)`` may return the ``module.Class`` of a base-package model that the
    inline schema is exactly; the reference then points there. ``resolve(ref)`` tells the matcher
    which base model an already hoisted child reference stands for (or ``None``).
    """

    def __init__(self, match: Match | None = None) -> None:
        self._match = match
        self._hoisted: dict[str, _Hoisted] = {}

    def run(self, definitions: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """``definitions`` (``module.Class`` → fixed schema) plus the hoisted ones."""
        walked = {
            name: self._walk(schema, name.rsplit(".", 1)[0], name.rsplit(".", 1)[1], root=True)
            for name, schema in sorted(definitions.items())
        }
        taken = set(definitions)
        claims: dict[str, list[str]] = {}
        for digest, entry in sorted(self._hoisted.items()):
            if entry.target is not None:
                continue
            preferred = min(entry.names, key=lambda n: (len(n), n))
            claims.setdefault(f"{entry.module}.{preferred}", []).append(digest)
        for name, digests in sorted(claims.items()):
            if len(digests) == 1 and name not in taken:
                self._hoisted[digests[0]].target = name
                taken.add(name)
        for digest, entry in sorted(self._hoisted.items()):
            if entry.target is None:  # a name two different shapes want: fall back to paths
                for candidate in sorted(entry.names, key=lambda n: (len(n), n)):
                    name = f"{entry.module}.{candidate}"
                    if name not in taken:
                        break
                else:
                    name = f"{entry.module}.{entry.names[0]}_{digest[:8]}"
                entry.target = name
                taken.add(name)
        resolved = {name: self._resolve(schema) for name, schema in walked.items()}
        for entry in self._hoisted.values():
            if entry.target and entry.target not in resolved and not entry.schema.get("$external"):
                resolved[entry.target] = self._resolve(entry.schema)
        return dict(sorted(resolved.items()))

    def _walk(
        self, schema: dict[str, Any], module: str, stem: str, *, root: bool = False
    ) -> dict[str, Any]:
        node = dict(schema)
        if isinstance(node.get("properties"), dict):
            node["properties"] = {
                key: self._child(value, module, stem + _stem(key))
                for key, value in node["properties"].items()
            }
        if isinstance(node.get("items"), dict):
            node["items"] = self._child(node["items"], module, stem + "Item")
        if isinstance(node.get("additionalProperties"), dict):
            node["additionalProperties"] = self._child(
                node["additionalProperties"], module, stem + "Value"
            )
        for keyword in ("anyOf", "oneOf"):
            if isinstance(node.get(keyword), list):
                node[keyword] = [
                    self._child(b, module, f"{stem}Option{i + 1}")
                    for i, b in enumerate(node[keyword])
                ]
        if root or not (node.get("type") == "object" and node.get("properties")):
            return node
        description = node.pop("description", None)
        digest = hashlib.sha256((module + json.dumps(node, sort_keys=True)).encode()).hexdigest()
        entry = self._hoisted.get(digest)
        if entry is None:
            entry = self._hoisted[digest] = _Hoisted(node, module)
            external = self._match(node, self.external_of, stem) if self._match else None
            if external is not None:
                entry.target = external
                entry.schema = {"$external": True}
        entry.names.append(stem)
        ref: dict[str, Any] = {"$ref": f"#hoisted/{digest}"}
        if description:
            ref["description"] = description
        return ref

    def external_of(self, ref: str) -> str | None:
        """The base model a hoisted reference was matched to, if any."""
        if not ref.startswith("#hoisted/"):
            return None
        entry = self._hoisted.get(ref[len("#hoisted/") :])
        return entry.target if entry is not None and entry.schema.get("$external") else None

    def _child(self, schema: Any, module: str, stem: str) -> Any:
        return self._walk(schema, module, stem) if isinstance(schema, dict) else schema

    def _resolve(self, node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#hoisted/"):
                target = self._hoisted[ref[len("#hoisted/") :]].target
                node = {**node, "$ref": f"{_DEFS}{target}"}
            return {k: self._resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._resolve(v) for v in node]
        return node
