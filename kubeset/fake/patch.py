"""The patch algorithms of the fake apiserver: JSON patch (RFC 6902), JSON merge patch (RFC 7386)
and Kubernetes strategic merge patch, with the kube-apiserver's semantics and error messages.

All three take plain JSON values (``dict``/``list``/``str``/``int``/``float``/``bool``/``None``) and
return a new document; the inputs are never mutated.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubeset.patchmeta import FieldMeta, PatchMeta

__all__ = ["PatchError", "json_patch", "merge_patch", "strategic_merge_patch"]

MAX_JSON_PATCH_OPERATIONS = 10000


class PatchError(ValueError):
    """A patch that cannot be applied.

    ``bad_request`` is true when the patch itself is malformed (the apiserver answers 400
    BadRequest); otherwise it does not apply to the document (422 Invalid).
    """

    def __init__(self, message: str, *, bad_request: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.bad_request = bad_request


# --------------------------------------------------------------------------------------------
# JSON values


def _go_type(v: object) -> str:
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "[]interface {}"
    if isinstance(v, dict):
        return "map[string]interface {}"
    return type(v).__name__


def json_equal(a: object, b: object) -> bool:
    """Deep JSON equality that, like Go, tells ``1`` from ``1.0`` and ``true`` from ``1``."""
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        return all(k in b and json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        return all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if _go_type(a) != _go_type(b):
        return False
    return a == b


def _go_repr(v: object) -> str:
    """Roughly Go's ``%v`` of a decoded JSON value (used in error messages)."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        inner = " ".join(f"{k}:{_go_repr(v[k])}" for k in sorted(v))
        return f"map[{inner}]"
    if isinstance(v, list):
        return "[" + " ".join(_go_repr(x) for x in v) + "]"
    return str(v)


# --------------------------------------------------------------------------------------------
# JSON patch (RFC 6902)

_MISSING_VALUE = "missing value"
_INVALID_INDEX = "invalid index referenced"
_TEST_FAILED = "test failed"
_NO_PATH = f"operation missing path field: {_MISSING_VALUE}"
_NO_FROM = f"operation, missing from field: {_MISSING_VALUE}"
_ATOI = re.compile(r"[+-]?[0-9]+")


class _OpError(Exception):
    pass


def _decode_key(key: str) -> str:
    return re.sub(r"~[01]", lambda m: "/" if m.group(0) == "~1" else "~", key)


def _atoi(key: str) -> int:
    if not _ATOI.fullmatch(key):
        raise _OpError(f'strconv.Atoi: parsing "{key}": invalid syntax')
    return int(key)


def _find(root: Any, path: str) -> tuple[Any, str] | None:
    """The container holding the last token of ``path`` and that token, or ``None``."""
    split = path.split("/")
    if len(split) < 2:
        return None
    doc = root
    for part in split[1:-1]:
        key = _decode_key(part)
        if isinstance(doc, dict):
            nxt = doc.get(key)
        elif isinstance(doc, list):
            try:
                nxt = _array_get(doc, key)
            except _OpError:
                return None
        else:
            return None
        if not isinstance(nxt, (dict, list)):
            return None
        doc = nxt
    return doc, _decode_key(split[-1])


def _array_index(arr: list[Any], idx: int, size: int) -> int:
    if idx < 0:
        if idx < -size:
            raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
        idx += size
    return idx


def _array_get(arr: list[Any], key: str) -> Any:
    idx = _atoi(key)
    real = _array_index(arr, idx, len(arr))
    if real >= len(arr):
        raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
    return arr[real]


def _get(con: Any, key: str) -> Any:
    if isinstance(con, dict):
        return con.get(key)
    return _array_get(con, key)


def _add(con: Any, key: str, val: Any) -> None:
    if isinstance(con, dict):
        con[key] = val
        return
    if key == "-":
        con.append(val)
        return
    if not _ATOI.fullmatch(key):
        raise _OpError(
            f"value was not a proper array index: '{key}': "
            f'strconv.Atoi: parsing "{key}": invalid syntax'
        )
    idx = int(key)
    if idx >= len(con) + 1:
        raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
    real = _array_index(con, idx, len(con) + 1)
    con.insert(real, val)


def _remove(con: Any, key: str) -> None:
    if isinstance(con, dict):
        if key not in con:
            raise _OpError(f"Unable to remove nonexistent key: {key}: {_MISSING_VALUE}")
        del con[key]
        return
    idx = _atoi(key)
    if idx >= len(con):
        raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
    del con[_array_index(con, idx, len(con))]


def _set(con: Any, key: str, val: Any) -> None:
    if isinstance(con, dict):
        con[key] = val
    else:
        con[_array_index(con, _atoi(key), len(con))] = val


def _op_str(op: dict[str, Any], name: str, error: str) -> str:
    if name not in op or op[name] is None:
        raise _OpError(error)
    value = op[name]
    if not isinstance(value, str):
        raise _OpError(f"json: cannot unmarshal {_json_kind(value)} into Go value of type string")
    return value


def _json_kind(v: object) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "string"


def json_patch(doc: dict[str, Any], ops: object) -> dict[str, Any]:
    """Apply the RFC 6902 JSON patch ``ops`` to ``doc``; a new document is returned.

    Follows the apiserver's JSON patch library: negative array indexes count from the end, a
    ``replace`` of a missing object key adds it, a ``copy`` from a missing object key copies
    ``null``, and the error messages are the apiserver's.
    """
    if not isinstance(ops, list):
        raise PatchError(
            f"json: cannot unmarshal {_json_kind(ops)} into Go value of type jsonpatch.Patch",
            bad_request=True,
        )
    for op in ops:
        if not isinstance(op, dict):
            raise PatchError(
                f"json: cannot unmarshal {_json_kind(op)} into Go value of type "
                "jsonpatch.Operation",
                bad_request=True,
            )
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise PatchError(
            "The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(ops)}",
            bad_request=True,
        )
    state: list[Any] = [copy.deepcopy(doc)]
    for op in ops:
        kind = op.get("op")
        if not isinstance(kind, str):
            kind = "unknown"
        handler = _OPS.get(kind)
        if handler is None:
            raise PatchError(f"Unexpected kind: {kind}")
        try:
            handler(state, op)
        except _OpError as exc:
            raise PatchError(str(exc)) from None
    result = state[0]
    if not isinstance(result, dict):
        raise PatchError("the patched document is not a JSON object")
    return result


def _op_add(state: list[Any], op: dict[str, Any]) -> None:
    path = _op_str(op, "path", f"add operation failed to decode path: {_MISSING_VALUE}")
    found = _find(state[0], path)
    if found is None:
        raise _OpError(
            f'add operation does not apply: doc is missing path: "{path}": ' + _MISSING_VALUE
        )
    con, key = found
    try:
        _add(con, key, copy.deepcopy(op.get("value")))
    except _OpError as exc:
        raise _OpError(f"error in add for path: '{path}': {exc}") from None


def _op_remove(state: list[Any], op: dict[str, Any]) -> None:
    path = _op_str(op, "path", f"remove operation failed to decode path: {_MISSING_VALUE}")
    found = _find(state[0], path)
    if found is None:
        raise _OpError(
            f'remove operation does not apply: doc is missing path: "{path}": {_MISSING_VALUE}'
        )
    con, key = found
    try:
        _remove(con, key)
    except _OpError as exc:
        raise _OpError(f"error in remove for path: '{path}': {exc}") from None


def _op_replace(state: list[Any], op: dict[str, Any]) -> None:
    path = _op_str(
        op,
        "path",
        f"replace operation failed to decode path: operation missing path field: {_MISSING_VALUE}",
    )
    value = copy.deepcopy(op.get("value"))
    if path == "":
        if not isinstance(value, (dict, list)):
            raise _OpError("replace operation value must be object or array: <nil>")
        state[0] = value
        return
    found = _find(state[0], path)
    if found is None:
        raise _OpError(
            f"replace operation does not apply: doc is missing path: {path}: {_MISSING_VALUE}"
        )
    con, key = found
    try:
        _get(con, key)
    except _OpError:
        raise _OpError(
            f"replace operation does not apply: doc is missing key: {path}: {_MISSING_VALUE}"
        ) from None
    try:
        _set(con, key, value)
    except _OpError as exc:  # pragma: no cover - _get validated the index
        raise _OpError(f"error in remove for path: '{path}': {exc}") from None


def _op_move(state: list[Any], op: dict[str, Any]) -> None:
    frm = _op_str(
        op,
        "from",
        f"move operation failed to decode from: operation, missing from field: {_MISSING_VALUE}",
    )
    found = _find(state[0], frm)
    if found is None:
        raise _OpError(
            f"move operation does not apply: doc is missing from path: {frm}: {_MISSING_VALUE}"
        )
    con, key = found
    try:
        val = _get(con, key)
        _remove(con, key)
    except _OpError as exc:
        raise _OpError(f"error in move for path: '{key}': {exc}") from None
    path = _op_str(
        op,
        "path",
        f"move operation failed to decode path: operation missing path field: {_MISSING_VALUE}",
    )
    found = _find(state[0], path)
    if found is None:
        raise _OpError(
            f"move operation does not apply: doc is missing destination path: {path}: "
            + _MISSING_VALUE
        )
    con, key = found
    try:
        _add(con, key, val)
    except _OpError as exc:
        raise _OpError(f"error in move for path: '{path}': {exc}") from None


def _op_test(state: list[Any], op: dict[str, Any]) -> None:
    path = _op_str(
        op,
        "path",
        f"test operation failed to decode path: operation missing path field: {_MISSING_VALUE}",
    )
    expected = op.get("value")
    if path == "":
        if not json_equal(state[0], expected):
            raise _OpError(f"testing value {path} failed: {_TEST_FAILED}")
        return
    found = _find(state[0], path)
    if found is None:
        raise _OpError(f"test operation does not apply: is missing path: {path}: {_MISSING_VALUE}")
    con, key = found
    try:
        val = _get(con, key)
    except _OpError as exc:
        raise _OpError(f"error in test for path: '{path}': {exc}") from None
    if val is None:
        if expected is None:
            return
        raise _OpError(f"testing value {path} failed: {_TEST_FAILED}")
    if not json_equal(val, expected):
        raise _OpError(f"testing value {path} failed: {_TEST_FAILED}")


def _op_copy(state: list[Any], op: dict[str, Any]) -> None:
    frm = _op_str(
        op,
        "from",
        f"copy operation failed to decode from: operation, missing from field: {_MISSING_VALUE}",
    )
    found = _find(state[0], frm)
    if found is None:
        raise _OpError(
            f"copy operation does not apply: doc is missing from path: {frm}: {_MISSING_VALUE}"
        )
    con, key = found
    try:
        val = _get(con, key)
    except _OpError as exc:
        raise _OpError(f"error in copy for from: '{frm}': {exc}") from None
    path = _op_str(op, "path", f"copy operation failed to decode path: {_MISSING_VALUE}")
    found = _find(state[0], path)
    if found is None:
        raise _OpError(
            f"copy operation does not apply: doc is missing destination path: {path}: "
            + _MISSING_VALUE
        )
    con, key = found
    try:
        _add(con, key, copy.deepcopy(val))
    except _OpError as exc:
        raise _OpError(f"error while adding value during copy: {exc}") from None


_OPS: dict[str, Callable[[list[Any], dict[str, Any]], None]] = {
    "add": _op_add,
    "remove": _op_remove,
    "replace": _op_replace,
    "move": _op_move,
    "test": _op_test,
    "copy": _op_copy,
}


# --------------------------------------------------------------------------------------------
# JSON merge patch (RFC 7386)


def _prune_nulls(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _prune_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_prune_nulls(x) if x is not None else None for x in v]
    return v


def _merge_value(cur: Any, patch: Any) -> Any:
    if not isinstance(cur, dict):
        return _prune_nulls(patch)
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    _merge_docs(cur, patch)
    return cur


def _merge_docs(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    for k, v in patch.items():
        if v is None:
            doc.pop(k, None)
        elif doc.get(k) is None:
            doc[k] = _prune_nulls(v)
        else:
            doc[k] = _merge_value(doc[k], v)


def merge_patch(doc: dict[str, Any], patch: object) -> dict[str, Any]:
    """Apply the RFC 7386 JSON merge patch ``patch`` to ``doc``; a new document is returned.

    ``null`` deletes a key; lists are replaced whole; a patch that is not a JSON object is a
    bad request.
    """
    if not isinstance(patch, dict):
        raise PatchError("Invalid JSON Patch", bad_request=True)
    result = copy.deepcopy(doc)
    _merge_docs(result, patch)
    return result


# --------------------------------------------------------------------------------------------
# Strategic merge patch

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_DELETE_PREFIX = "$deleteFromPrimitiveList"
_ORDER_PREFIX = "$setElementOrder"

_BAD_JSON_DOC = "invalid JSON document"
_NO_LIST_OF_LISTS = "lists of lists are not supported"
_BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"
_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
_BAD_SET_ORDER = "invalid patch format of setElementOrder list"


@dataclass(frozen=True)
class _Schema:
    """Where a JSON object sits in the schema: a named type, a map of some type, or unknown."""

    type_name: str | None = None
    map_of: bool = False


_UNKNOWN = _Schema()


class _Smp:
    def __init__(self, meta: PatchMeta) -> None:
        self.meta = meta

    def lookup(self, schema: _Schema, key: str) -> tuple[FieldMeta | None, _Schema]:
        """The patch metadata of ``key`` and the schema of its value (of its items)."""
        if schema.map_of:
            return None, _Schema(schema.type_name)
        if schema.type_name is None:
            return None, _UNKNOWN
        f = self.meta.field(schema.type_name, key)
        if f is None:
            return None, _UNKNOWN
        return f, _Schema(f.type, map_of=f.map)

    def name(self, schema: _Schema) -> str:
        return "struct" if schema.type_name and not schema.map_of else "map"

    # -- maps -----------------------------------------------------------------------------

    def merge_map(
        self, original: dict[str, Any] | None, patch: dict[str, Any], schema: _Schema
    ) -> dict[str, Any]:
        if _DIRECTIVE in patch:
            directive = patch[_DIRECTIVE]
            if directive == "replace":
                return _clean_map({k: v for k, v in patch.items() if k != _DIRECTIVE})
            if directive == "delete":
                return {}
            raise PatchError(f"unknown patch type: {_go_repr(directive)} in map: {_go_repr(patch)}")
        if original is None:
            original = {}
        patch = dict(patch)
        self.retain_keys(original, patch)
        self.set_element_order(original, patch, schema)
        for key, patch_v in patch.items():
            k = key
            is_delete_list = False
            if key.startswith(_DELETE_PREFIX):
                k = _extract_key(key, _DELETE_PREFIX, _BAD_PRIMITIVE_LIST)
                is_delete_list = True
            if patch_v is None:
                original.pop(k, None)
                continue
            if k not in original:
                if not is_delete_list:
                    _put_clean(original, k, patch_v)
                continue
            orig_v = original[k]
            if _go_type(orig_v) != _go_type(patch_v):
                if not is_delete_list:
                    _put_clean(original, k, patch_v)
                continue
            if isinstance(orig_v, dict):
                f, sub = self.lookup(schema, k)
                _, strategy = _strategies(f)
                if strategy == "replace":
                    original[k] = _clean(patch_v)
                else:
                    original[k] = self.merge_map(orig_v, patch_v, sub)
            elif isinstance(orig_v, list):
                f, sub = self.lookup(schema, k)
                _, strategy = _strategies(f)
                original[k] = self.merge_slice_handler(
                    orig_v, patch_v, sub, strategy, f.merge_key if f else "", is_delete_list
                )
            else:
                _put_clean(original, k, patch_v)
        return original

    def retain_keys(self, original: dict[str, Any], patch: dict[str, Any]) -> None:
        if _RETAIN_KEYS not in patch:
            return
        retain = patch.pop(_RETAIN_KEYS)
        if not isinstance(retain, list):
            raise PatchError(_BAD_RETAIN_KEYS, bad_request=True)
        keep = {x for x in retain if isinstance(x, str)}
        for k, v in patch.items():
            if v is None or k.startswith(_DELETE_PREFIX) or k.startswith(_ORDER_PREFIX):
                continue
            if k not in keep:
                raise PatchError(_BAD_RETAIN_KEYS, bad_request=True)
        for k in list(original):
            if k not in keep:
                del original[k]

    def set_element_order(
        self, original: dict[str, Any], patch: dict[str, Any], schema: _Schema
    ) -> None:
        for key in [k for k in patch if k.startswith(_ORDER_PREFIX)]:
            order = patch.pop(key)
            if not isinstance(order, list):
                raise PatchError(f"expected a []interface {{}}, but received a {_go_type(order)}")
            field_key = _extract_key(key, _ORDER_PREFIX, _BAD_SET_ORDER)
            found_orig = field_key in original
            found_patch = field_key in patch
            orig_list: list[Any] = []
            patch_list: list[Any] = []
            if found_orig:
                if not isinstance(original[field_key], list):
                    raise PatchError(
                        "expected a []interface {}, but received a " + _go_type(original[field_key])
                    )
                orig_list = original[field_key]
            if found_patch:
                if not isinstance(patch[field_key], list):
                    raise PatchError(
                        "expected a []interface {}, but received a " + _go_type(patch[field_key])
                    )
                patch_list = patch[field_key]
            f, sub = self.lookup(schema, field_key)
            _, strategy = _strategies(f)
            merge_key = f.merge_key if f else ""
            _validate_order(patch_list, order, merge_key)
            if found_orig and not found_patch:
                merged = orig_list
            elif found_patch and not found_orig:
                merged = _clean(patch_list)
            elif found_orig and found_patch:
                merged = self.merge_slice_handler(
                    orig_list, patch_list, sub, strategy, merge_key, False
                )
            else:
                continue
            if not merge_key:
                patch_items, server_only = _partition_primitives(merged, order)
            else:
                patch_items, server_only = _partition_maps(merged, order, merge_key)
            kind = _slice_element_type(orig_list, patch_list)
            original[field_key] = _normalize_element_order(
                patch_items, server_only, order, orig_list, merge_key, kind
            )
            patch.pop(field_key, None)

    # -- lists ----------------------------------------------------------------------------

    def merge_slice_handler(
        self,
        original: list[Any],
        patch: list[Any],
        schema: _Schema,
        strategy: str,
        merge_key: str,
        is_delete_list: bool,
    ) -> list[Any]:
        if strategy == "merge" or is_delete_list:
            return self.merge_slice(original, patch, schema, merge_key, is_delete_list)
        return _clean_list(patch)

    def merge_slice(
        self,
        original: list[Any],
        patch: list[Any],
        schema: _Schema,
        merge_key: str,
        is_delete_list: bool,
    ) -> list[Any]:
        if not original and not patch:
            return original
        kind = _slice_element_type(original, patch)
        if kind != "map":
            if is_delete_list:
                return [v for v in original if not any(_scalar_eq(v, d) for d in patch)]
            merged = _dedup(original + patch)
        else:
            if not merge_key:
                raise PatchError(f"cannot merge lists without merge key for {self.name(schema)}")
            original, patch = _merge_special_elements(original, patch, merge_key)
            merged = self.merge_without_special(original, patch, merge_key, schema)
        if not merge_key:
            patch_items, server_only = _partition_primitives(merged, patch)
        else:
            patch_items, server_only = _partition_maps(merged, patch, merge_key)
        return _normalize_element_order(patch_items, server_only, patch, original, merge_key, kind)

    def merge_without_special(
        self, original: list[Any], patch: list[Any], merge_key: str, schema: _Schema
    ) -> list[Any]:
        original = list(original)
        for item in patch:
            if merge_key not in item:
                raise PatchError(
                    f"map: {_go_repr(item)} does not contain declared merge key: {merge_key}"
                )
            idx = _find_by_key(original, merge_key, item[merge_key])
            if idx is not None:
                original[idx] = self.merge_map(original[idx], item, schema)
            else:
                original.append(_clean(item))
        return original


def _strategies(f: FieldMeta | None) -> tuple[bool, str]:
    """(retainKeys, the other strategy) of a field's ``x-kubernetes-patch-strategy``."""
    if f is None or not f.strategy:
        return False, ""
    parts = f.strategy.split(",")
    if len(parts) == 1:
        return (True, "") if parts[0] == "retainKeys" else (False, parts[0])
    if len(parts) == 2 and "retainKeys" in parts:
        other = parts[1] if parts[0] == "retainKeys" else parts[0]
        return True, other
    raise PatchError(f"unexpected patch strategy: [{' '.join(parts)}]")


def _extract_key(key: str, prefix: str, error: str) -> str:
    parts = key.split("/", 1)
    if len(parts) <= 1 or parts[0] != prefix:
        raise PatchError(error, bad_request=True)
    return parts[1]


def _scalar_eq(a: object, b: object) -> bool:
    return _go_type(a) == _go_type(b) and a == b


def _dedup(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in items:
        if not any(_scalar_eq(v, o) for o in out):
            out.append(v)
    return out


def _slice_element_type(*slices: list[Any]) -> str:
    prev: str | None = None
    for s in slices:
        for v in s:
            cur = "map" if isinstance(v, dict) else _go_type(v)
            if prev is None:
                prev = cur
                if isinstance(v, list):
                    raise PatchError(_NO_LIST_OF_LISTS)
            elif prev != cur:
                raise PatchError(
                    "list element types are not identical: " + _go_repr([list(x) for x in slices])
                )
    if prev is None:
        raise PatchError("no elements in any of the given slices")
    return prev


def _find_by_key(items: list[Any], key: str, value: object) -> int | None:
    for i, v in enumerate(items):
        if not isinstance(v, dict):
            raise PatchError(f"value for key {i} is not a map")
        if key in v and _scalar_eq(v[key], value):
            return i
    return None


def _merge_special_elements(
    original: list[Any], patch: list[Any], merge_key: str
) -> tuple[list[Any], list[Any]]:
    without: list[Any] = []
    replace = False
    original = list(original)
    for v in patch:
        if _DIRECTIVE not in v:
            without.append(v)
            continue
        directive = v[_DIRECTIVE]
        if directive == "delete":
            if merge_key not in v:
                raise PatchError(
                    f"map: {_go_repr(v)} does not contain declared merge key: {merge_key}"
                )
            while (idx := _find_by_key(original, merge_key, v[merge_key])) is not None:
                del original[idx]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            raise PatchError(f"unknown patch type: {_go_repr(directive)} in map: {_go_repr(v)}")
    if replace:
        return _clean(without), []
    return original, without


def _validate_order(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    if not order or not patch_list:
        return
    if merge_key:
        for v in patch_list:
            if not isinstance(v, dict):
                raise PatchError(
                    f"expected a map[string]interface {{}}, but received a {_go_type(v)}"
                )
        non_delete = [v for v in patch_list if v.get(_DIRECTIVE) != "delete"]
    else:
        non_delete = patch_list
    pi = si = 0
    while pi < len(non_delete) and si < len(order):
        item = non_delete[pi]
        if isinstance(item, dict) and _DIRECTIVE in item:
            pi += 1
            continue
        if merge_key:
            left, right = item, order[si]
            if not isinstance(right, dict):
                raise PatchError(
                    f"expected a map[string]interface {{}}, but received a {_go_type(right)}"
                )
            for m in (left, right):
                if merge_key not in m:
                    raise PatchError(
                        f"map: {_go_repr(m)} does not contain declared merge key: {merge_key}"
                    )
            equal = _scalar_eq(left[merge_key], right[merge_key])
        else:
            equal = _scalar_eq(item, order[si])
        if equal:
            pi += 1
        si += 1
    if pi < len(non_delete) and si >= len(order):
        raise PatchError(
            f"The order in patch list:\n{_go_repr(patch_list)}\n doesn't match "
            f"{_ORDER_PREFIX} list:\n{_go_repr(order)}\n"
        )


def _partition_primitives(items: list[Any], by: list[Any]) -> tuple[list[Any], list[Any]]:
    inside: list[Any] = []
    outside: list[Any] = []
    for v in items:
        (inside if any(_scalar_eq(v, b) for b in by) else outside).append(v)
    return inside, outside


def _partition_maps(items: list[Any], by: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    inside: list[Any] = []
    outside: list[Any] = []
    for v in items:
        if not isinstance(v, dict):
            raise PatchError(f"expected a map[string]interface {{}}, but received a {_go_type(v)}")
        if merge_key not in v:
            raise PatchError(f"map: {_go_repr(v)} does not contain declared merge key: {merge_key}")
        found = False
        for i, b in enumerate(by):
            if not isinstance(b, dict):
                raise PatchError(f"value for key {i} is not a map")
            if merge_key in b and _scalar_eq(b[merge_key], v[merge_key]):
                found = True
                break
        (inside if found else outside).append(v)
    return inside, outside


def _index(items: list[Any], v: object, merge_key: str, kind: str) -> int:
    def val(x: object) -> object:
        if kind == "map":
            return x.get(merge_key) if isinstance(x, dict) else None
        return x

    target = val(v)
    for i, x in enumerate(items):
        if _scalar_eq(target, val(x)):
            return i
    return -1


def _normalize_slice_order(
    to_sort: list[Any], order: list[Any], merge_key: str, kind: str
) -> list[Any]:
    to_delete: list[Any] = []
    if kind == "map":
        for lst in (to_sort, order):
            for v in lst:
                if not isinstance(v, dict):
                    raise PatchError(
                        f"expected a map[string]interface {{}}, but received a {_go_type(v)}"
                    )
                if merge_key not in v:
                    raise PatchError(
                        f"map: {_go_repr(v)} does not contain declared merge key: {merge_key}"
                    )
        keep = [v for v in to_sort if v.get(_DIRECTIVE) != "delete"]
        to_delete = [v for v in to_sort if v.get(_DIRECTIVE) == "delete"]
        to_sort = keep
    items = list(to_sort)

    # A stable insertion sort with the apiserver's (partial) ordering: by position in
    # ``order``, an item missing from ``order`` sorting before its neighbours.
    def less(a: object, b: object) -> bool:
        ia = _index(order, a, merge_key, kind)
        if ia >= 0:
            ib = _index(order, b, merge_key, kind)
            if ib >= 0:
                return ia < ib
        return True

    for i in range(1, len(items)):
        j = i
        while j > 0 and less(items[j], items[j - 1]):
            items[j], items[j - 1] = items[j - 1], items[j]
            j -= 1
    return items + to_delete


def _normalize_element_order(
    patch: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
    kind: str,
) -> list[Any]:
    patch = _normalize_slice_order(patch, patch_order, merge_key, kind)
    server_only = _normalize_slice_order(server_only, server_order, merge_key, kind)
    # Insert the server-only items among the patch items, keeping both relative orders; a
    # server-only item goes before a patch item only when the live list has it first.
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) or j < len(patch):
        if i >= len(server_only):
            out.append(patch[j])
            j += 1
        elif j >= len(patch):
            out.append(server_only[i])
            i += 1
        else:
            li = _index(server_order, server_only[i], merge_key, kind)
            ri = _index(server_order, patch[j], merge_key, kind)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(server_only[i])
                i += 1
            else:
                out.append(patch[j])
                j += 1
    return out


def _clean(v: Any) -> Any:
    """A patch value as the apiserver keeps it: no ``null`` fields, no directives (it drops
    both when decoding the result into the typed object)."""
    if isinstance(v, dict):
        out: dict[str, Any] = {}
        for k, x in v.items():
            if x is None or k == _RETAIN_KEYS:
                continue
            if k.startswith(_DELETE_PREFIX) or k.startswith(_ORDER_PREFIX):
                continue
            if isinstance(x, dict) and _DIRECTIVE in x:
                continue
            out[k] = _clean(x)
        return out
    if isinstance(v, list):
        return [_clean(x) for x in v if not (isinstance(x, dict) and _DIRECTIVE in x)]
    return v


def _clean_map(v: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _clean(v)
    return out


def _clean_list(v: list[Any]) -> list[Any]:
    out: list[Any] = _clean(v)
    return out


def _put_clean(original: dict[str, Any], key: str, value: Any) -> None:
    if isinstance(value, dict) and _DIRECTIVE in value:
        original.pop(key, None)
    else:
        original[key] = _clean(value)


def strategic_merge_patch(
    doc: dict[str, Any], patch: dict[str, Any], meta: PatchMeta, type_name: str | None
) -> dict[str, Any]:
    """Apply the Kubernetes strategic merge patch ``patch`` to ``doc`` of type ``type_name``.

    Lists whose field has patch strategy ``merge`` are merged: by the merge key for lists of
    objects, as sets for lists of primitives (the patch's items first, in the patch's order,
    then the live-only ones, as the apiserver orders them); other lists are replaced; objects
    are merged recursively; ``null`` deletes. The directives ``$patch`` (``replace``/``delete``,
    on objects and on list items), ``$retainKeys``, ``$deleteFromPrimitiveList/<field>`` and
    ``$setElementOrder/<field>`` are honoured. Where the type is unknown (``type_name`` is
    ``None``, or a free-form field), objects are merged and lists replaced as by a JSON merge
    patch.
    """
    if not isinstance(patch, dict):
        raise PatchError(_BAD_JSON_DOC, bad_request=True)
    smp = _Smp(meta)
    result = smp.merge_map(copy.deepcopy(doc), copy.deepcopy(patch), _Schema(type_name))
    return result
