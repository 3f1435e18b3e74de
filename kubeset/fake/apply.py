"""Server-side apply and field ownership for the fake apiserver, with the semantics of the
kube-apiserver's field manager (structured merge diff).

A field set is a set of paths; a path is a tuple of path elements, each ``("f", name)`` (a field),
``("k", json)`` (a list-map item, by its keys as compact JSON with sorted keys), ``("v", json)``
(a set item, by its value) or ``("i", n)`` (an item by position).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubeset.fake.patch import PatchError, json_equal
from kubeset.patchmeta import FieldMeta, PatchMeta

__all__ = ["ApplyConflict", "apply", "record_update"]

PathElement = tuple[str, Any]
Path = tuple[PathElement, ...]
FieldSet = frozenset[Path]

_EMPTY: FieldSet = frozenset()

# Fields no manager ever owns (the apiserver strips them from the manager's set).
_STRIPPED: FieldSet = frozenset(
    {
        (("f", "apiVersion"),),
        (("f", "kind"),),
        (("f", "metadata"),),
        (("f", "metadata"), ("f", "name")),
        (("f", "metadata"), ("f", "namespace")),
        (("f", "metadata"), ("f", "creationTimestamp")),
        (("f", "metadata"), ("f", "selfLink")),
        (("f", "metadata"), ("f", "uid")),
        (("f", "metadata"), ("f", "clusterName")),
        (("f", "metadata"), ("f", "generation")),
        (("f", "metadata"), ("f", "managedFields")),
        (("f", "metadata"), ("f", "resourceVersion")),
    }
)

# Metadata an apply configuration cannot set; the live object's values are kept.
_SYSTEM_METADATA = (
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)


class ApplyConflict(Exception):
    """An apply that would change fields another manager owns (the apiserver's 409 Conflict).

    ``conflicts`` lists ``(manager, path)``, the path in the apiserver's syntax
    (``.spec.containers[name="c"].image``).
    """

    def __init__(self, conflicts: list[tuple[str, str]], message: str) -> None:
        super().__init__(message)
        self.conflicts = conflicts
        self.message = message


# --------------------------------------------------------------------------------------------
# Schema


@dataclass(frozen=True)
class _Node:
    """How a value is tracked.

    ``kind``: ``struct`` (an object with named fields), ``map`` (an object with arbitrary keys,
    values of ``type_name``), ``deduced`` (unknown type: objects granular, lists atomic),
    ``list`` or ``leaf`` (a scalar or anything owned whole).
    """

    kind: str
    type_name: str | None = None
    atomic: bool = False
    list_type: str = ""
    keys: tuple[str, ...] = ()


_LEAF = _Node("leaf")
_DEDUCED = _Node("deduced")


class _Schema:
    def __init__(self, meta: PatchMeta) -> None:
        self.meta = meta

    def root(self, type_name: str | None) -> _Node:
        if type_name is None:
            return _DEDUCED
        return self.struct(type_name, "")

    def struct(self, type_name: str | None, map_type: str) -> _Node:
        if type_name is None:
            return _LEAF
        atomic = map_type == "atomic" or self.meta.type(type_name).map_type == "atomic"
        return _Node("struct", type_name, atomic=atomic)

    def field_node(self, f: FieldMeta) -> _Node:
        if f.list:
            list_type = f.list_type
            keys: tuple[str, ...] = tuple(f.list_map_keys)
            if not list_type:
                strategies = f.strategy.split(",")
                if "merge" in strategies:
                    list_type, keys = ("map", (f.merge_key,)) if f.merge_key else ("set", ())
                else:
                    list_type = "atomic"
            if list_type == "map" and not keys:
                keys = (f.merge_key,) if f.merge_key else ()
            return _Node("list", f.type, list_type=list_type, keys=keys)
        if f.map:
            return _Node("map", f.type, atomic=f.map_type == "atomic")
        if f.type:
            return self.struct(f.type, f.map_type)
        return _LEAF

    def child(self, node: _Node, key: str) -> _Node:
        """The node of field ``key`` of an object at ``node``."""
        if node.kind == "deduced":
            return _DEDUCED
        if node.kind == "map":
            return self.struct(node.type_name, "")
        if node.kind == "struct":
            f = self.meta.field(node.type_name, key)
            # A field the metadata does not list is a scalar, a plain map (tracked key by key)
            # or free-form JSON (objects tracked key by key, lists whole).
            return _DEDUCED if f is None else self.field_node(f)
        return _LEAF

    def item(self, node: _Node) -> _Node:
        return self.struct(node.type_name, "") if node.type_name else _LEAF

    def at(self, node: _Node, path: Path) -> _Node:
        for kind, name in path:
            node = self.child(node, name) if kind == "f" else self.item(node)
        return node


def _is_object(node: _Node, value: object) -> bool:
    return node.kind in ("struct", "map", "deduced") and not node.atomic and isinstance(value, dict)


def _is_granular_list(node: _Node, value: object) -> bool:
    return node.kind == "list" and node.list_type in ("map", "set") and isinstance(value, list)


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _item_pe(node: _Node, item: object, index: int) -> PathElement:
    if node.list_type == "map" and isinstance(item, dict):
        return ("k", _canonical({k: item[k] for k in node.keys if k in item}))
    if node.list_type == "set":
        return ("v", _canonical(item))
    return ("i", index)


# --------------------------------------------------------------------------------------------
# Values as field sets


def _to_field_set(schema: _Schema, node: _Node, value: object) -> set[Path]:
    out: set[Path] = set()
    _walk_set(schema, node, value, (), out)
    return out


def _walk_set(schema: _Schema, node: _Node, value: object, path: Path, out: set[Path]) -> None:
    if _is_object(node, value):
        assert isinstance(value, dict)
        for k, v in value.items():
            p = (*path, ("f", k))
            _walk_set(schema, schema.child(node, k), v, p, out)
            if v is None or (isinstance(v, dict) and not v) or node.kind != "struct":
                out.add(p)
        return
    if _is_granular_list(node, value):
        assert isinstance(value, list)
        item_node = schema.item(node)
        seen: dict[PathElement, int] = {}
        for i, item in enumerate(value):
            pe = _item_pe(node, item, i)
            seen[pe] = seen.get(pe, 0) + 1
        for i, item in enumerate(value):
            pe = _item_pe(node, item, i)
            p = (*path, pe)
            if seen[pe] == 1:
                _walk_set(schema, item_node, item, p, out)
            out.add(p)
        return
    if path:
        out.add(path)


def _ensure_named(schema: _Schema, root: _Node, paths: Iterable[Path]) -> set[Path]:
    """``paths`` plus every struct field that has members below it."""
    out = set(paths)
    for p in list(out):
        node = root
        for i, (kind, name) in enumerate(p[:-1]):
            if kind == "f" and node.kind == "struct" and not node.atomic:
                out.add(p[: i + 1])
            node = schema.child(node, name) if kind == "f" else schema.item(node)
    return out


# --------------------------------------------------------------------------------------------
# Comparing, merging, removing


@dataclass
class _Comparison:
    added: set[Path] = field(default_factory=set)
    modified: set[Path] = field(default_factory=set)
    removed: set[Path] = field(default_factory=set)


_ABSENT: Any = object()


def _compare(schema: _Schema, node: _Node, lhs: Any, rhs: Any, path: Path, c: _Comparison) -> None:
    l_obj = lhs is _ABSENT or _is_object(node, lhs)
    r_obj = rhs is _ABSENT or _is_object(node, rhs)
    l_list = lhs is _ABSENT or _is_granular_list(node, lhs)
    r_list = rhs is _ABSENT or _is_granular_list(node, rhs)
    if l_obj and r_obj and node.kind != "list":
        if (lhs is _ABSENT or not lhs) and (rhs is _ABSENT or not rhs):
            _compare_leaf(lhs, rhs, path, c)
            return
        lmap: dict[str, Any] = {} if lhs is _ABSENT else lhs
        rmap: dict[str, Any] = {} if rhs is _ABSENT else rhs
        for k in [*lmap, *(k for k in rmap if k not in lmap)]:
            _compare(
                schema,
                schema.child(node, k),
                lmap.get(k, _ABSENT),
                rmap.get(k, _ABSENT),
                (*path, ("f", k)),
                c,
            )
    elif l_list and r_list and node.kind == "list":
        item_node = schema.item(node)
        litems: dict[PathElement, Any] = {}
        ritems: dict[PathElement, Any] = {}
        for i, v in enumerate([] if lhs is _ABSENT else lhs):
            litems.setdefault(_item_pe(node, v, i), v)
        for i, v in enumerate([] if rhs is _ABSENT else rhs):
            ritems.setdefault(_item_pe(node, v, i), v)
        for pe in [*litems, *(pe for pe in ritems if pe not in litems)]:
            _compare(
                schema,
                item_node,
                litems.get(pe, _ABSENT),
                ritems.get(pe, _ABSENT),
                (*path, pe),
                c,
            )
    else:
        _compare_leaf(lhs, rhs, path, c)
        return
    if path:
        if lhs is _ABSENT:
            c.added.add(path)
        elif rhs is _ABSENT:
            c.removed.add(path)


def _compare_leaf(lhs: Any, rhs: Any, path: Path, c: _Comparison) -> None:
    if not path:
        return
    if lhs is _ABSENT:
        c.added.add(path)
    elif rhs is _ABSENT:
        c.removed.add(path)
    elif not json_equal(lhs, rhs):
        c.modified.add(path)


def _merge(schema: _Schema, node: _Node, lhs: Any, rhs: Any) -> Any:
    """``rhs`` (the configuration) merged into ``lhs`` (the live value)."""
    if lhs is _ABSENT or lhs is None:
        return copy.deepcopy(rhs)
    if _is_object(node, lhs) and _is_object(node, rhs):
        out = dict(lhs)
        for k, v in rhs.items():
            out[k] = _merge(schema, schema.child(node, k), lhs.get(k, _ABSENT), v)
        return out
    if _is_granular_list(node, lhs) and _is_granular_list(node, rhs):
        return _merge_list(schema, node, lhs, rhs)
    return copy.deepcopy(rhs)


def _merge_list(schema: _Schema, node: _Node, lhs: list[Any], rhs: list[Any]) -> list[Any]:
    item_node = schema.item(node)
    lpes = [_item_pe(node, v, i) for i, v in enumerate(lhs)]
    rpes = [_item_pe(node, v, i) for i, v in enumerate(rhs)]
    lvals: dict[PathElement, Any] = {}
    rvals: dict[PathElement, Any] = {}
    for pe, v in zip(lpes, lhs, strict=True):
        lvals.setdefault(pe, v)
    for pe, v in zip(rpes, rhs, strict=True):
        rvals.setdefault(pe, v)
    shared = [pe for pe in rpes if pe in lvals]
    next_shared = shared.pop(0) if shared else None
    merged_rhs: set[PathElement] = set()
    out: list[Any] = []
    li = ri = 0
    while li < len(lpes) or ri < len(rpes):
        if li < len(lpes) and ri < len(rpes):
            pe = lpes[li]
            if pe == rpes[ri]:
                merged_rhs.add(pe)
                out.append(_merge(schema, item_node, lvals[pe], rvals[pe]))
                li += 1
                ri += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if pe in rvals and next_shared is not None and next_shared != pe:
                li += 1
                continue
        if li < len(lpes):
            pe = lpes[li]
            if pe not in rvals:
                out.append(copy.deepcopy(lhs[li]))
                li += 1
                continue
            if pe in merged_rhs:
                li += 1
        if ri < len(rpes):
            pe = rpes[ri]
            merged_rhs.add(pe)
            out.append(_merge(schema, item_node, lvals.get(pe, _ABSENT), rvals[pe]))
            ri += 1
            if next_shared is not None and next_shared == pe:
                next_shared = shared.pop(0) if shared else None
    return out


def _remove_items(schema: _Schema, node: _Node, value: Any, paths: set[Path]) -> Any:
    """``value`` without the items and fields in ``paths``; ``_ABSENT`` when nothing is left."""
    if _is_object(node, value):
        out: dict[str, Any] = {}
        for k, v in value.items():
            pe = ("f", k)
            if (pe,) in paths:
                continue
            sub = {p[1:] for p in paths if p[0] == pe and len(p) > 1}
            if sub:
                v = _remove_items(schema, schema.child(node, k), v, sub)
                if v is _ABSENT:
                    continue
            out[k] = v
        return out if out else _ABSENT
    if _is_granular_list(node, value):
        items: list[Any] = []
        item_node = schema.item(node)
        for i, item in enumerate(value):
            pe = _item_pe(node, item, i)
            if (pe,) in paths:
                continue
            sub = {p[1:] for p in paths if p[0] == pe and len(p) > 1}
            if sub:
                item = _remove_items(schema, item_node, item, sub)
                if item is _ABSENT:
                    item = {}
            items.append(item)
        return items if items else _ABSENT
    if isinstance(value, (dict, list)) and not value:
        return _ABSENT
    return value


# --------------------------------------------------------------------------------------------
# managedFields


def _pe_string(pe: PathElement) -> str:
    kind, v = pe
    if kind == "i":
        return f"i:{v}"
    return f"{kind}:{v}"


def _parse_pe(text: str) -> PathElement:
    kind, _, rest = text.partition(":")
    if kind == "f":
        return ("f", rest)
    if kind in ("k", "v"):
        return (kind, _canonical(json.loads(rest)))
    if kind == "i":
        return ("i", int(rest))
    raise ValueError(f"unknown path element {text!r}")


def _pe_sort_key(pe: PathElement) -> tuple[int, Any]:
    order = {"f": 0, "k": 1, "v": 2, "i": 3}
    kind, v = pe
    return (order[kind], v if kind == "i" else str(v))


def encode_fields(paths: Iterable[Path]) -> dict[str, Any]:
    """A field set in the ``FieldsV1`` encoding."""
    tree: dict[PathElement, Any] = {}
    members: set[Path] = set(paths)
    for p in members:
        node = tree
        for pe in p:
            node = node.setdefault(pe, {})

    def emit(node: dict[PathElement, Any], prefix: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pe in sorted(node, key=_pe_sort_key):
            p = (*prefix, pe)
            children = emit(node[pe], p)
            if children and p in members:
                out[_pe_string(pe)] = {".": {}, **children}
            else:
                out[_pe_string(pe)] = children
        return out

    return emit(tree, ())


def decode_fields(fields: object) -> FieldSet:
    """The field set of a ``FieldsV1`` object."""
    out: set[Path] = set()

    def walk(obj: object, prefix: Path) -> None:
        if not isinstance(obj, dict):
            raise ValueError("fieldsV1 must be an object")
        if not obj and prefix:
            out.add(prefix)
        for key, sub in obj.items():
            if key == ".":
                if prefix:
                    out.add(prefix)
                continue
            walk(sub, (*prefix, _parse_pe(key)))

    walk(fields, ())
    return frozenset(out)


def format_path(path: Path) -> str:
    """A path as the apiserver prints it (``.spec.containers[name="c"].image``)."""
    parts: list[str] = []
    for kind, v in path:
        if kind == "f":
            parts.append("." + v)
        elif kind == "k":
            key = json.loads(v)
            parts.append("[" + ",".join(f"{k}={_to_string(key[k])}" for k in sorted(key)) + "]")
        elif kind == "v":
            parts.append(f"[={_to_string(json.loads(v))}]")
        else:
            parts.append(f"[{v}]")
    return "".join(parts)


def _to_string(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(_to_string(x) for x in v) + "]"
    if isinstance(v, dict):
        return "".join(f"{k}={_to_string(x)}" for k, x in v.items())
    return str(v)


@dataclass
class _Entry:
    manager: str
    operation: str
    api_version: str
    time: str | None
    subresource: str
    fields: FieldSet

    @property
    def ident(self) -> tuple[str, str, str, str]:
        version = "" if self.operation == "Apply" else self.api_version
        return (self.manager, self.operation, version, self.subresource)

    def encode(self) -> dict[str, Any]:
        out: dict[str, Any] = {"manager": self.manager, "operation": self.operation}
        if self.api_version:
            out["apiVersion"] = self.api_version
        if self.time is not None:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = encode_fields(self.fields)
        if self.subresource:
            out["subresource"] = self.subresource
        return out

    def describe(self) -> str:
        text = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text


def _decode_managed(raw: object) -> list[_Entry] | None:
    """The entries of a ``managedFields`` list; ``None`` when it cannot be decoded."""
    if not isinstance(raw, list):
        return None
    entries: list[_Entry] = []
    try:
        for e in raw:
            if not isinstance(e, dict) or e.get("fieldsType", "FieldsV1") != "FieldsV1":
                return None
            operation = e.get("operation")
            if operation not in ("Apply", "Update"):
                return None
            entries.append(
                _Entry(
                    manager=str(e.get("manager", "")),
                    operation=operation,
                    api_version=str(e.get("apiVersion", "")),
                    time=e.get("time"),
                    subresource=str(e.get("subresource", "")),
                    fields=decode_fields(e.get("fieldsV1") or {}),
                )
            )
    except (ValueError, TypeError):
        return None
    return entries


def _seconds(t: str | None) -> float:
    if not t:
        return 0.0
    try:
        return datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _encode_managed(entries: list[_Entry]) -> list[dict[str, Any]]:
    entries = sorted(
        (e for e in entries if e.fields),
        key=lambda e: (
            e.operation,
            int(_seconds(e.time)),
            e.manager,
            e.api_version,
            e.subresource,
        ),
    )
    return [e.encode() for e in entries]


def _strip_meta(fields: Iterable[Path]) -> FieldSet:
    return frozenset(p for p in fields if p not in _STRIPPED)


def _without_managed(obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    md = out.get("metadata")
    if isinstance(md, dict):
        md.pop("managedFields", None)
    return out


def _set_managed(obj: dict[str, Any], entries: list[_Entry]) -> dict[str, Any]:
    encoded = _encode_managed(entries)
    md = obj.get("metadata")
    if not isinstance(md, dict):
        md = obj["metadata"] = {}
    if encoded:
        md["managedFields"] = encoded
    else:
        md.pop("managedFields", None)
    return obj


def _take_ownership(
    entries: list[_Entry],
    me: tuple[str, str, str, str],
    cmp: _Comparison,
    force: bool,
) -> list[tuple[_Entry, FieldSet]]:
    """Other managers lose what changed and what was removed; the conflicts are returned."""
    changed = frozenset(cmp.modified | cmp.added)
    conflicts: list[tuple[_Entry, FieldSet]] = []
    for e in entries:
        if e.ident == me:
            continue
        both = e.fields & changed
        if both:
            conflicts.append((e, both))
    if conflicts and not force:
        return conflicts
    removed = frozenset(cmp.removed)
    for e in entries:
        if e.ident == me:
            continue
        e.fields = e.fields - changed - removed
    return []


# --------------------------------------------------------------------------------------------
# The API


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    meta: PatchMeta,
    type_name: str | None,
    api_version: str,
    now: str,
    subresource: str = "",
) -> dict[str, Any]:
    """``new`` (a create when ``old`` is ``None``, else an update or non-apply patch of ``old``)
    with ``metadata.managedFields`` updated as the apiserver does: ``manager`` (operation
    ``Update``) gains the fields that changed, the other managers lose them.

    The managedFields of ``new`` are taken as the starting point when given (an empty list
    resets them; on a subresource they are ignored), else those of ``old``.
    """
    schema = _Schema(meta)
    root = schema.root(type_name)
    old_obj = _without_managed(old) if old is not None else {}
    new_md = new.get("metadata") if isinstance(new.get("metadata"), dict) else None
    new_managed = new_md.get("managedFields") if new_md is not None else None
    old_managed = (old or {}).get("metadata", {}).get("managedFields") if old else None
    entries: list[_Entry] | None
    if subresource:
        entries = _decode_managed(old_managed) or []
    elif isinstance(new_managed, list) and (
        not new_managed or (len(new_managed) == 1 and new_managed[0] == {})
    ):
        entries = []
    else:
        entries = _decode_managed(new_managed)
        if not entries or not any(e.fields for e in entries):
            entries = _decode_managed(old_managed) or []
    result = _without_managed(new)

    cmp = _Comparison()
    _compare(schema, root, old_obj, result, (), cmp)
    # Every manager, this one included, loses what changed; this one then gains it.
    _take_ownership(entries, ("", "", "", "\x00current-operation"), cmp, force=True)
    gained = _strip_meta(cmp.modified | cmp.added)
    if gained:
        me = (manager, "Update", api_version, subresource)
        mine = next((e for e in entries if e.ident == me), None)
        if mine is None:
            entries.append(_Entry(manager, "Update", api_version, now, subresource, gained))
        else:
            mine.fields = mine.fields | gained
            mine.time = now
    return _set_managed(result, entries)


def apply(
    live: dict[str, Any] | None,
    config: dict[str, Any],
    *,
    manager: str,
    force: bool,
    meta: PatchMeta,
    type_name: str | None,
    api_version: str,
    now: str,
    subresource: str = "",
) -> dict[str, Any]:
    """Server-side apply of ``config`` by ``manager`` to ``live`` (``None``: a create).

    Returns the new object with ``metadata.managedFields`` updated; raises
    :class:`ApplyConflict` when, without ``force``, the apply would change a field another
    manager owns, and :class:`~kubeset.fake.patch.PatchError` (a bad request) when the
    configuration sets ``metadata.managedFields``.
    """
    schema = _Schema(meta)
    root = schema.root(type_name)
    cfg_md = config.get("metadata")
    if isinstance(cfg_md, dict) and cfg_md.get("managedFields") is not None:
        raise PatchError("metadata.managedFields must be nil", bad_request=True)
    cfg = copy.deepcopy(config)
    if isinstance(cfg.get("metadata"), dict):
        for key in _SYSTEM_METADATA:
            cfg["metadata"].pop(key, None)
    live_obj = _without_managed(live) if live is not None else {}
    raw_managed = (live or {}).get("metadata", {}).get("managedFields") if live else None
    entries = _decode_managed(raw_managed) if raw_managed is not None else []
    if entries is None:
        raise PatchError("failed to decode managed fields")

    me = (manager, "Apply", "", subresource)
    mine = next((e for e in entries if e.ident == me), None)
    last_set = mine.fields if mine is not None else _EMPTY

    merged = _merge(schema, root, live_obj, cfg)
    applied = frozenset(_to_field_set(schema, root, cfg))
    if mine is None:
        mine = _Entry(manager, "Apply", api_version, None, subresource, applied)
        entries.append(mine)
    else:
        mine.fields = applied
        mine.api_version = api_version
    new_obj = _prune(schema, root, merged, entries, last_set) if last_set else merged

    cmp = _Comparison()
    _compare(schema, root, live_obj, new_obj, (), cmp)
    conflicts = _take_ownership(entries, me, cmp, force)
    if conflicts:
        raise _conflict_error(conflicts)
    mine.fields = _strip_meta(mine.fields)
    if json_equal(live_obj, new_obj) and live is not None:
        result = live_obj
    else:
        mine.time = now
        result = new_obj
    _restore_system_metadata(result, live_obj)
    return _set_managed(result, entries)


def _prune(
    schema: _Schema,
    root: _Node,
    merged: dict[str, Any],
    entries: list[_Entry],
    last_set: FieldSet,
) -> dict[str, Any]:
    """``merged`` without the fields the applier stopped applying that nobody else owns."""

    def remove(paths: set[Path]) -> dict[str, Any]:
        out = _remove_items(schema, root, merged, paths)
        return {} if out is _ABSENT else dict(out)

    def ensure(paths: Iterable[Path]) -> set[Path]:
        return _ensure_named(schema, root, paths)

    last = ensure(last_set)
    pruned = remove(last)
    managed: set[Path] = set()
    for e in entries:
        managed |= e.fields
    merged_set = ensure(_to_field_set(schema, root, merged))
    pruned_set = ensure(_to_field_set(schema, root, pruned))
    pruned = remove(merged_set - (pruned_set | ensure(managed)))
    pruned_set = ensure(_to_field_set(schema, root, pruned))
    return remove((merged_set - pruned_set) & last)


def _restore_system_metadata(result: dict[str, Any], live: dict[str, Any]) -> None:
    live_md = live.get("metadata")
    if not isinstance(live_md, dict):
        return
    md = result.setdefault("metadata", {})
    if not isinstance(md, dict):
        return
    for key in ("name", "namespace", *_SYSTEM_METADATA):
        if key in live_md and key not in md:
            md[key] = copy.deepcopy(live_md[key])


def _conflict_error(conflicts: list[tuple[_Entry, FieldSet]]) -> ApplyConflict:
    pairs: list[tuple[str, str]] = []
    by_manager: dict[str, list[str]] = {}
    for entry, paths in sorted(conflicts, key=lambda c: c[0].describe()):
        for p in sorted(paths, key=lambda p: [_pe_sort_key(pe) for pe in p]):
            text = format_path(p)
            pairs.append((entry.manager, text))
            by_manager.setdefault(entry.describe(), []).append(text)
    if len(pairs) == 1:
        who = next(iter(by_manager))
        message = f"Apply failed with 1 conflict: conflict with {who}: {pairs[0][1]}"
    else:
        lines: list[str] = []
        for who in sorted(by_manager):
            lines.append(f"conflicts with {who}:")
            lines.extend(f"- {p}" for p in by_manager[who])
        message = f"Apply failed with {len(pairs)} conflicts: " + "\n".join(lines)
    return ApplyConflict(pairs, message)
