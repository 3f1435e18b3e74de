"""Pydantic v2 models through datamodel-code-generator, with Kubernetes fixups applied first.

The schema is rewritten before generation so that the models keep everything a server sends:

- the apimachinery wire types (Quantity, IntOrString, Time, MicroTime, schemaless objects and
  values) become references to ``models/wiretypes.py``, which re-exports :mod:`kubeset.types`;
  general shape rules catch the same types inline (``x-kubernetes-int-or-string``,
  ``format: int-or-string`` / ``date-time``, an object without properties, an empty schema);
- validation keywords (``pattern``, lengths, bounds, ``enum``, ``default``) are moved into the
  field's docstring: the server validates, and a client that rejects what a newer server sends
  (a new enum value, a Go regex) is worse than one that passes it through;
- ``format: byte`` stays a base64 string; ``type: number`` accepts ints and floats as sent;
- every field becomes optional (required ones say so in their docstring): servers omit
  "required" fields, bookmarks carry only metadata, and server-side apply wants partial objects;
- ``alias=`` becomes ``validation_alias`` + ``serialization_alias``, so constructors take the
  snake_case names (``Pod(api_version=...)``) under plain mypy while the wire keeps ``apiVersion``.
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codegen.naming import model_module

__all__ = ["TYPES_MODULE", "fix_schema", "generate_models", "special_type"]

TYPES_MODULE = "wiretypes"

#: apimachinery types that no schema shape identifies (Quantity is "a string", MicroTime "a
#: date-time"), matched by their definition names, which every apiserver-served spec shares.
_NAMED_TYPES = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "Quantity",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime",
}
_TYPES = ("IntOrString", "JSON", "MicroTime", "Object", "Quantity", "Time")

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


def special_type(name: str, schema: dict[str, Any]) -> str | None:
    """The ``_types`` name a schema maps to, or ``None`` for an ordinary model."""
    if name in _NAMED_TYPES:
        return _NAMED_TYPES[name]
    if schema.get("x-kubernetes-int-or-string") or schema.get("format") == "int-or-string":
        return "IntOrString"
    if schema.get("type") == "string" and schema.get("format") == "date-time":
        return "Time"
    if schema.get("type") == "object" and not schema.get("properties"):
        additional = schema.get("additionalProperties")
        if additional is None or additional is True or additional == {}:
            return "Object"
    if not any(key in schema for key in _SCHEMA_KEYS) and "enum" not in schema:
        return "JSON"
    return None


def _describe(schema: dict[str, Any], notes: list[str]) -> None:
    if notes:
        text = schema.get("description", "")
        schema["description"] = (text + "\n\n" if text else "") + "\n".join(notes)


def fix_schema(
    schema: dict[str, Any], rename: Callable[[str], str], *, required: bool = False
) -> dict[str, Any]:
    """One schema node rewritten (see the module docstring); ``rename`` maps definition names."""
    node = dict(schema)
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        node["$ref"] = "#/definitions/" + rename(ref[len("#/definitions/") :])
    if isinstance(node.get("description"), str):
        node["description"] = node["description"].expandtabs(4)
    notes = ["Required."] if required else []
    if node.get("format") == "byte":
        del node["format"]
        notes.append("Base64-encoded bytes.")
    if "enum" in node:
        values = ", ".join(json.dumps(v) for v in node.pop("enum"))
        notes.append(f"Known values: {values}.")
    if "default" in node:
        notes.append(f"Default: {json.dumps(node.pop('default'))}.")
    for key in _VALIDATION_KEYS:
        if key in node:
            notes.append(f"Server-side validation: {key}={json.dumps(node.pop(key))}.")
    kind = special_type("", node) if "$ref" not in node else None
    if kind is not None and node.get("properties") is None:
        description = node.get("description")
        node = {"$ref": f"#/definitions/{TYPES_MODULE}.{kind}"}
        if description:
            node["description"] = description
        _describe(node, notes)
        return node
    required = node.pop("required", None)
    required_names: set[str] = set(required) if isinstance(required, list) else set()
    if isinstance(node.get("properties"), dict):
        node["properties"] = {
            key: fix_schema(value, rename, required=key in required_names)
            for key, value in sorted(node["properties"].items())
            if isinstance(value, dict)
        }
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), dict):
            node[key] = fix_schema(node[key], rename)
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            node[key] = [fix_schema(v, rename) for v in node[key] if isinstance(v, dict)]
    if node.get("type") == "number":
        del node["type"]
        node.pop("format", None)
        node["anyOf"] = [{"type": "integer"}, {"type": "number"}]
    _describe(node, notes)
    return node


def _rewrite_aliases(source: str) -> str:
    literal = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
    return re.sub(
        r"(?<![\w_])alias=" + literal,
        lambda m: f"validation_alias={m.group(1)}, serialization_alias={m.group(1)}",
        source,
    )


def _types_module(header: str) -> str:
    names = ", ".join(_TYPES)
    return (
        f'{header}"""The wire types the models use, from kubeset.types."""\n\n'
        f"from kubeset.types import {names}\n\n__all__ = {list(_TYPES)!r}\n"
    )


def generate_models(
    definitions: dict[str, Any], out_dir: Path, header: str
) -> dict[str, list[str]]:
    """Write one module per model module name into ``out_dir``; return module → class names.

    ``header`` starts every file. ``out_dir`` must exist and be empty.
    """
    import datamodel_code_generator as dcg
    from datamodel_code_generator.enums import DataModelType, InputFileType
    from datamodel_code_generator.format import PythonVersion

    names: dict[str, str] = {}
    for name, schema in definitions.items():
        kind = special_type(name, schema) if isinstance(schema, dict) else None
        if kind is not None:
            names[name] = f"{TYPES_MODULE}.{kind}"
        else:
            module, cls = model_module(name)
            names[name] = f"{module}.{cls}"

    def rename(name: str) -> str:
        return names.get(name, name)

    fixed: dict[str, Any] = {}
    for name in sorted(definitions):
        target = names[name]
        if target.startswith(TYPES_MODULE + "."):
            continue
        fixed[target] = fix_schema(copy.deepcopy(definitions[name]), rename)
    for kind in _TYPES:
        fixed[f"{TYPES_MODULE}.{kind}"] = {
            "type": "object",
            "properties": {"placeholder": {"type": "string"}},
        }
    document = {"$schema": "http://json-schema.org/draft-04/schema#", "definitions": fixed}

    with tempfile.TemporaryDirectory(prefix="kubeset-models-") as tmp:
        raw_dir = Path(tmp) / "models"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dcg.generate(
                document,
                input_file_type=InputFileType.JsonSchema,
                output=raw_dir,
                output_model_type=DataModelType.PydanticV2BaseModel,
                target_python_version=PythonVersion.PY_311,
                base_class="kubeset.model.KubeModel",
                snake_case_field=True,
                force_optional_for_required_fields=True,
                use_schema_description=True,
                use_field_description=True,
                use_double_quotes=True,
                disable_timestamp=True,
                keep_model_order=True,
                formatters=[],
            )
        classes: dict[str, list[str]] = {}
        for path in sorted(raw_dir.glob("*.py")):
            module = path.stem
            if module in ("__init__", TYPES_MODULE):
                continue
            source = path.read_text()
            source = re.sub(r"\A(#[^\n]*\n)+\n?", "", source)
            source = _rewrite_aliases(source)
            classes[module] = re.findall(r"^class (\w+)\(", source, flags=re.MULTILINE)
            (out_dir / path.name).write_text(header + source)
        leftovers = sorted(p.name for p in raw_dir.iterdir() if p.suffix != ".py")
        if leftovers:
            raise RuntimeError(f"unexpected model output: {leftovers}")
    (out_dir / f"{TYPES_MODULE}.py").write_text(_types_module(header))
    (out_dir / "__init__.py").write_text(
        header + '"""The API\'s models, one module per group-version."""\n'
    )
    return classes
