"""Patch metadata: what strategic merge patch and server-side apply need to know about each field
of a package's models, written as ``<package>/patchmeta.json`` in the format of
:mod:`kubeset.patchmeta` (which documents it, and reads it back).

:func:`patch_type_meta` reads it from the spec's ``definitions`` when the IR is built (the IR
carries it as :attr:`clientgen.ir.Clientset.patch_meta`); :func:`patch_meta` adds the kinds of
the IR's resources and leaves out the types of the base package; :func:`render_patch_meta` writes
the file.

Named types are the definitions that are objects with properties (not the apimachinery wire types
such as Quantity or Time, nor schemaless objects, which are scalars or free-form JSON to both
algorithms), and every inline object schema with properties, or marked
``x-kubernetes-embedded-resource``, found in a definition (custom resources): an inline object is
named by its path from the definition (``<definition>.<field>``, ``[]`` for list items, ``{}`` for
map values). Patch strategies and merge keys are read from the properties of definitions only: the
API server has no strategic merge patch for custom resources, whose schemas are inline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from clientgen.schema import special_type
from kubeset.patchmeta import FieldMeta, PatchMeta, TypeMeta

if TYPE_CHECKING:
    from clientgen.ir import Clientset

__all__ = ["PATCH_META_FILE", "patch_meta", "patch_type_meta", "render_patch_meta"]

PATCH_META_FILE = "patchmeta.json"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_DEFS = "#/definitions/"


def _is_struct(name: str, schema: Any) -> bool:
    """Whether a definition is a named object type (fields of its own)."""
    return (
        isinstance(schema, dict)
        and isinstance(schema.get("properties"), dict)
        and bool(schema["properties"])
        and special_type(name, schema) is None
    )


def _text(schema: Mapping[str, Any], key: str) -> str:
    value = schema.get(key)
    return value if isinstance(value, str) else ""


def _keys(schema: Mapping[str, Any]) -> tuple[str, ...]:
    value = schema.get("x-kubernetes-list-map-keys")
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        return tuple(value)
    return ()


class _Walker:
    """Collects the :class:`TypeMeta` of every named type of a spec's definitions."""

    def __init__(self, definitions: Mapping[str, Any], resources: Collection[str]) -> None:
        self.definitions = definitions
        self.resources = resources
        self.types: dict[str, TypeMeta] = {}

    def definition(self, name: str, schema: dict[str, Any], *, resource: bool) -> None:
        properties = schema.get("properties")
        meta = properties.get("metadata") if isinstance(properties, dict) else None
        # A custom resource's metadata is ObjectMeta whatever its schema says (often just
        # ``type: object``, or nothing): the API server serves it so.
        custom = resource and not (isinstance(meta, dict) and "$ref" in meta)
        self.object(name, schema, named=True, embedded=custom)

    def object(self, name: str, schema: Mapping[str, Any], *, named: bool, embedded: bool) -> None:
        properties = schema.get("properties")
        fields: dict[str, FieldMeta] = {}
        if isinstance(properties, dict):
            for key in sorted(properties):
                found = self.field(f"{name}.{key}", properties[key], named=named)
                if found is not None:
                    fields[key] = found
        if embedded:
            fields["metadata"] = FieldMeta(type=OBJECT_META)
        map_type = _text(schema, "x-kubernetes-map-type")
        if fields or map_type:
            self.types[name] = TypeMeta(map_type=map_type, fields=dict(sorted(fields.items())))

    def field(self, where: str, schema: Any, *, named: bool) -> FieldMeta | None:
        if not isinstance(schema, dict):
            return None
        is_list = schema.get("type") == "array" or isinstance(schema.get("items"), dict)
        extra = schema.get("additionalProperties")
        is_map = not is_list and isinstance(extra, dict) and "properties" not in schema
        if is_list:
            value, at = schema.get("items"), where + "[]"
        elif is_map:
            value, at = extra, where + "{}"
        else:
            value, at = schema, where
        type_name = self.named_type(at, value)
        # An inline object's map type is its type's; next to a $ref or on a map, the field's.
        inline = type_name is not None and not (is_list or is_map) and "$ref" not in schema
        meta = FieldMeta(
            type=type_name,
            list=is_list,
            map=is_map,
            strategy=_text(schema, "x-kubernetes-patch-strategy") if named else "",
            merge_key=_text(schema, "x-kubernetes-patch-merge-key") if named else "",
            list_type=_text(schema, "x-kubernetes-list-type"),
            list_map_keys=_keys(schema),
            map_type="" if inline else _text(schema, "x-kubernetes-map-type"),
        )
        worth = (
            meta.type,
            meta.strategy,
            meta.merge_key,
            meta.list_type,
            meta.list_map_keys,
            meta.map_type,
        )
        return meta if any(worth) else None

    def named_type(self, where: str, schema: Any) -> str | None:
        """The named type of a value: a definition's name, or ``where`` for an inline object
        (collected on the way); ``None`` for a scalar, a nested list or map, free-form JSON."""
        if not isinstance(schema, dict):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = ref[len(_DEFS) :] if ref.startswith(_DEFS) else ""
            named = target in self.resources or _is_struct(target, self.definitions.get(target))
            return target if named else None
        embedded = schema.get("x-kubernetes-embedded-resource") is True
        if embedded or _is_struct("", schema):
            self.object(where, schema, named=False, embedded=embedded)
            return where
        return None


def patch_type_meta(
    definitions: Mapping[str, Any], resources: Collection[str] = ()
) -> dict[str, TypeMeta]:
    """The :class:`TypeMeta` of every named type of ``definitions`` that has fields worth knowing
    or a map type, by type name (sorted). ``resources``: the definitions of the kinds served,
    which are named types even without properties (a custom resource that preserves unknown
    fields), with ObjectMeta as their metadata."""
    walker = _Walker(definitions, resources)
    for name in sorted(definitions):
        schema = definitions[name]
        served = name in resources and isinstance(schema, dict)
        if served or _is_struct(name, schema):
            walker.definition(name, schema, resource=served)
    return dict(sorted(walker.types.items()))


def patch_meta(ir: Clientset, skip: Callable[[str], bool] = lambda _: False) -> PatchMeta:
    """The patch metadata of the package of ``ir``: the kinds of its resources (and of their
    subresources' bodies) and its types, without those ``skip`` says the base package has."""
    kinds: dict[str, str] = {}
    for gv in ir.group_versions:
        for resource in gv.resources:
            kinds.setdefault(f"{resource.api_version}/{resource.kind}", resource.model.definition)
    for gv in ir.group_versions:
        for resource in gv.resources:
            for sub in resource.subresources:
                body = sub.body_model or sub.model
                if body is None or skip(body.definition):
                    continue
                kinds.setdefault(f"{sub.api_version}/{sub.kind}", body.definition)
    types = {name: meta for name, meta in ir.patch_meta.items() if not skip(name)}
    return PatchMeta(dict(sorted(kinds.items())), types)


def _dump(value: Any, depth: int) -> str:
    """JSON with the objects of the first levels (the document, kinds and types, each type and
    its fields) one member a line, and each field on one line: small, and readable in a diff."""
    if not isinstance(value, dict) or not value or depth > 3:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    pad = " " * (depth + 1)
    members = [
        f"{pad}{json.dumps(key, ensure_ascii=False)}:{_dump(value[key], depth + 1)}"
        for key in sorted(value)
    ]
    return "{\n" + ",\n".join(members) + "\n" + " " * depth + "}"


def render_patch_meta(meta: PatchMeta, base: str | None = None) -> str:
    """The text of ``patchmeta.json``; ``base``: the package this one is built on."""
    document: dict[str, Any] = meta.to_json()
    if base:
        document["base"] = base
    return _dump(document, 0) + "\n"


def external_definitions(
    names: Mapping[str, str], external: Mapping[str, Collection[str]]
) -> set[str]:
    """The definitions whose models are re-exported from the base package (``names``:
    definition → ``module.Class``; ``external``: module → classes)."""
    found = set()
    for definition, qualified in names.items():
        module, _, cls = qualified.rpartition(".")
        if cls in external.get(module, ()):
            found.add(definition)
    return found
