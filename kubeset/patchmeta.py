"""Patch metadata: how strategic merge patch and server-side apply treat each field of a package's
models, from the ``x-kubernetes-*`` extensions of the spec the package was generated from.

A generated package carries it as ``<package>/patchmeta.json``; :func:`load_patch_meta` reads it.
Only fields worth knowing are listed: those whose value is (or holds) a named type, and those with
a patch strategy, a merge key, a list type or a map type. Everything else is a scalar or free-form
JSON to both algorithms.

File format (JSON)::

    {
      "base": "kubeset_k8s",                  # only in a package built on a base package
      "kinds": {"v1/Pod": "io.k8s.api.core.v1.Pod", "apps/v1/Deployment": "..."},
      "types": {
        "io.k8s.api.core.v1.PodSpec": {
          "mapType": "",                      # the type's own x-kubernetes-map-type ("atomic")
          "fields": {
            "containers": {"type": "io.k8s.api.core.v1.Container", "list": true,
                           "strategy": "merge", "mergeKey": "name",
                           "listType": "map", "listMapKeys": ["name"]},
            "nodeSelector": {"map": true, "mapType": "atomic"}
          }
        }
      }
    }

Keys are wire (JSON) names. ``type`` names the type of the value, or of the items of a list or
the values of a map; omitted for scalars and free-form values. ``list``: the value is a JSON
array; ``map``: a JSON object with arbitrary keys (``additionalProperties``). Members at their
default (``""``, ``false``, ``[]``, no fields) are left out of the file, and so are types with
neither fields nor a map type: :meth:`PatchMeta.type` answers an empty :class:`TypeMeta` for
them. The file is written with sorted keys, so regenerating from the same spec gives the same
bytes.

``kinds`` maps ``"<apiVersion>/<Kind>"`` to the type of every kind the package has a client for
(resources, and subresource bodies such as ``autoscaling/v1/Scale``); list kinds are left out.

A field's map type: the field's own ``mapType`` if it has one (``x-kubernetes-map-type`` next to a
``$ref``), else the ``mapType`` of its ``type``.

Type names are the spec's definition names (``io.k8s.api.core.v1.PodSpec``). Custom resources
have inline schemas: the root of a kind is the definition name the API server gives it (the group
reversed, then version and kind: ``io.cert-manager.v1.Certificate``), and every inline object
below it is named by its path from there: ``.<field>`` for a property, ``[]`` for the items of a
list, ``{}`` for the values of a map (``io.cert-manager.v1.Certificate.spec.privateKey``,
``io.x-k8s.cluster.v1beta1.Cluster.status.failureDomains{}``). The ``metadata`` of a custom
resource, and of an object marked ``x-kubernetes-embedded-resource``, is
``io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta``. Custom resources have no strategic merge
patch, so their fields carry no ``strategy`` nor ``mergeKey``.

A package generated for CRDs (or for some API groups of a cluster) is built on a base package
(``kubeset_k8s``) and lists only its own types; its file names the base (``"base"``), and
:func:`load_patch_meta` returns the base's metadata merged with the package's own, so that
``ObjectMeta`` and the other built-in types it refers to are known.
"""

from __future__ import annotations

import functools
import importlib
import importlib.resources
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FieldMeta", "PatchMeta", "TypeMeta", "load_patch_meta"]


@dataclass(frozen=True)
class FieldMeta:
    """How one field is patched and applied."""

    type: str | None = None
    """The named type of the value (of a list's items, of a map's values); ``None``: a scalar
    or free-form JSON."""
    list: bool = False
    """A JSON array."""
    map: bool = False
    """A JSON object with arbitrary keys (``additionalProperties``)."""
    strategy: str = ""
    """``x-kubernetes-patch-strategy``: ``merge``, ``replace``, ``retainKeys`` or
    ``merge,retainKeys``."""
    merge_key: str = ""
    """``x-kubernetes-patch-merge-key``."""
    list_type: str = ""
    """``x-kubernetes-list-type``: ``atomic``, ``set`` or ``map``."""
    list_map_keys: tuple[str, ...] = ()
    """``x-kubernetes-list-map-keys``."""
    map_type: str = ""
    """``x-kubernetes-map-type`` of the field: ``atomic`` or ``granular``."""


@dataclass(frozen=True)
class TypeMeta:
    """One named type: its own map type and its fields worth knowing."""

    map_type: str = ""
    fields: Mapping[str, FieldMeta] = field(default_factory=dict)


_EMPTY = TypeMeta()


class PatchMeta:
    """The patch metadata of one package (or several merged)."""

    def __init__(self, kinds: Mapping[str, str], types: Mapping[str, TypeMeta]) -> None:
        self.kinds = dict(kinds)
        self.types = dict(types)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PatchMeta:
        """From the file format in the module docstring."""
        types: dict[str, TypeMeta] = {}
        for name, raw in (data.get("types") or {}).items():
            fields = {
                key: FieldMeta(
                    type=f.get("type"),
                    list=bool(f.get("list", False)),
                    map=bool(f.get("map", False)),
                    strategy=f.get("strategy", ""),
                    merge_key=f.get("mergeKey", ""),
                    list_type=f.get("listType", ""),
                    list_map_keys=tuple(f.get("listMapKeys", ())),
                    map_type=f.get("mapType", ""),
                )
                for key, f in (raw.get("fields") or {}).items()
            }
            types[name] = TypeMeta(map_type=raw.get("mapType", ""), fields=fields)
        return cls(data.get("kinds") or {}, types)

    def to_json(self) -> dict[str, Any]:
        """The file format in the module docstring (members at their default left out), which
        :meth:`from_json` reads back."""
        types: dict[str, Any] = {}
        for name, meta in self.types.items():
            fields = {key: _field_json(f) for key, f in meta.fields.items()}
            raw: dict[str, Any] = {}
            if meta.map_type:
                raw["mapType"] = meta.map_type
            if fields:
                raw["fields"] = fields
            if raw:
                types[name] = raw
        return {"kinds": dict(self.kinds), "types": types}

    def __repr__(self) -> str:
        return f"PatchMeta({len(self.kinds)} kinds, {len(self.types)} types)"

    def merged(self, other: PatchMeta) -> PatchMeta:
        """This metadata and ``other``'s (``other`` wins on a clash)."""
        return PatchMeta({**self.kinds, **other.kinds}, {**self.types, **other.types})

    def kind_type(self, api_version: str, kind: str) -> str | None:
        """The type name of ``kind`` in ``api_version`` (``v1``, ``apps/v1``), if known."""
        return self.kinds.get(f"{api_version}/{kind}")

    def type(self, name: str | None) -> TypeMeta:
        """The metadata of the type ``name`` (empty when unknown or ``None``)."""
        return self.types.get(name, _EMPTY) if name else _EMPTY

    def field(self, type_name: str | None, field_name: str) -> FieldMeta | None:
        """The metadata of ``field_name`` of ``type_name``, or ``None`` (a scalar or free-form)."""
        return self.type(type_name).fields.get(field_name)


def _field_json(meta: FieldMeta) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if meta.type:
        raw["type"] = meta.type
    if meta.list:
        raw["list"] = True
    if meta.map:
        raw["map"] = True
    for key, value in (
        ("strategy", meta.strategy),
        ("mergeKey", meta.merge_key),
        ("listType", meta.list_type),
        ("mapType", meta.map_type),
    ):
        if value:
            raw[key] = value
    if meta.list_map_keys:
        raw["listMapKeys"] = list(meta.list_map_keys)
    return raw


@functools.cache
def load_patch_meta(package: str) -> PatchMeta:
    """The patch metadata of the generated package ``package`` (its ``patchmeta.json``), merged
    with that of its base package when it names one (a CRD package: see the module docstring).

    Cached: treat the result as read-only.
    """
    return _load(package, ())


def _load(package: str, seen: tuple[str, ...]) -> PatchMeta:
    if package in seen:
        raise ValueError(f"patchmeta.json: base packages form a cycle: {' -> '.join(seen)}")
    module = importlib.import_module(package)
    resource = importlib.resources.files(module).joinpath("patchmeta.json")
    if not resource.is_file():
        raise FileNotFoundError(
            f"{package} has no patchmeta.json: regenerate it with this kubeset's clientgen"
        )
    data = json.loads(resource.read_text(encoding="utf-8"))
    own = PatchMeta.from_json(data)
    base = data.get("base")
    if not base:
        return own
    return _load(str(base), (*seen, package)).merged(own)
