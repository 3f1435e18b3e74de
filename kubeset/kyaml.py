"""YAML read the way Kubernetes reads it.

kubectl and the API server turn YAML into JSON with ``sigs.k8s.io/yaml`` (a YAML 1.1 decoder
into generic values, then JSON) and split a multi-document stream at ``---`` lines. PyYAML's own
loaders follow other rules (``=`` is a "value" tag, ``1:20`` is sexagesimal, ``2024-01-01`` a
date, keys may be anything), so the same text could mean something else to kubeset than to the
cluster. This module reads YAML with PyYAML's parser (libyaml when present) and then applies
Kubernetes' rules itself:

- plain scalars: ``true/True/TRUE``, ``yes/Yes/YES``, ``on/On/ON``, ``y/Y`` are true (``false``,
  ``no``, ``off``, ``n/N`` likewise false); ``~``, ``null/Null/NULL`` and nothing are null;
  integers are decimal, ``0x``, ``0o``, ``0b`` or a leading ``0`` (octal), with an optional
  sign and ``_`` anywhere; floats need a digit (``1e3``, ``.5``, ``5.``); ``.inf`` and ``.nan``
  are floats JSON cannot hold, so such a document is an error. Everything else is a string:
  dates and times, ``1:20``, ``=``, ``<<`` as a value, and numbers out of range (``1e400``).
- numbers end as Kubernetes holds them: an integer that fits int64 is an ``int``, anything else
  (larger integers, fractions, exponents beyond 1e21) a ``float``; a float with no fraction
  below that (``1.0``, ``1e3``) is an ``int``.
- tags: ``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!timestamp`` convert or
  fail as Kubernetes does; ``!!binary`` is decoded to text; any other tag makes a scalar a
  string and is ignored on a mapping or sequence.
- mapping keys become strings (``1`` -> ``"1"``, ``true``/``yes`` -> ``"true"``, floats in
  float32 precision, ``1.5`` -> ``"1.5"``, ``1e6`` -> ``"1e+06"``); null keys, keys beyond
  int64 but within uint64, and mapping or sequence keys are errors. A repeated key: the last one
  wins.
- merge keys ``<<`` (a mapping, an alias of one, or a sequence of them) apply in place, in
  order: a key after the merge overrides it, a key before it is overridden; in a sequence the
  first mapping wins. Anchors may be redefined; an alias expands to a copy.
- :func:`load` reads the first document of the text and ignores the rest, as the API server does
  with a request body; :func:`load_all` splits the stream at lines starting with ``---`` (which
  may only be followed by a comment) as kubectl does, reads each part, and leaves out those that
  are empty or null.

Errors are :class:`~kubeset.errors.ManifestError`, naming the source, line and column.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import math
import re
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from kubeset.errors import ManifestError

__all__ = ["ManifestError", "dump", "load", "load_all"]

try:  # libyaml: the parser Kubernetes' own YAML decoder was ported from
    from yaml._yaml import CParser as _CParser

    _PARSER: Any = _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader as _PyReader
    from yaml.scanner import Scanner as _PyScanner

    class _PurePythonParser(_PyReader, _PyScanner, _PyParser):
        def __init__(self, stream: str) -> None:
            _PyReader.__init__(self, stream)
            _PyScanner.__init__(self)
            _PyParser.__init__(self)

    _PARSER = _PurePythonParser


_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_INT = _TAG + "int"
_FLOAT = _TAG + "float"
_BOOL = _TAG + "bool"
_NULL = _TAG + "null"
_TIMESTAMP = _TAG + "timestamp"
_BINARY = _TAG + "binary"
_MERGE = _TAG + "merge"
_RESOLVABLE = frozenset({"", _STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP})

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_UINT64_MAX = 2**64 - 1

# What the first character of a plain scalar says it may be.
_HINT: dict[str, str] = {"+": "S", "-": "S", ".": "."}
_HINT.update(dict.fromkeys("0123456789", "D"))
_HINT.update(dict.fromkeys("yYnNtTfFoO~", "M"))

_WORDS: dict[str, tuple[str, Any]] = {}
for _words, _value, _tag in (
    (("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True, _BOOL),
    (("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False, _BOOL),
    (("", "~", "null", "Null", "NULL"), None, _NULL),
    ((".nan", ".NaN", ".NAN"), math.nan, _FLOAT),
    ((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf, _FLOAT),
    (("-.inf", "-.Inf", "-.INF"), -math.inf, _FLOAT),
    (("<<",), "<<", _MERGE),
):
    for _word in _words:
        _WORDS[_word] = (_tag, _value)

_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?")
_INT_BODY = re.compile(r"0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")
_TIMESTAMP_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?))?"
)


class _Fail(Exception):
    """A document Kubernetes would refuse; carries the node where it was found."""

    def __init__(self, problem: str, node: _Node | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.node = node


# ---------------------------------------------------------------------------------------------
# Scalars


def _parse_int(text: str, *, signed_only: bool = False) -> int | None:
    """An integer as Go's ``ParseInt(s, 0, 64)``, else ``ParseUint(s, 0, 64)``, reads it."""
    sign = ""
    body = text
    if body[:1] in ("+", "-"):
        sign, body = body[0], body[1:]
    if not _INT_BODY.fullmatch(body):
        return None
    prefix = body[:2].lower()
    if prefix in ("0b", "0o", "0x"):
        value = int(body[2:], {"0b": 2, "0o": 8, "0x": 16}[prefix])
    elif body.startswith("0"):
        value = int(body, 8)
    else:
        value = int(body, 10)
    if sign == "-":
        value = -value
    if _INT64_MIN <= value <= _INT64_MAX:
        return value
    if not sign and not signed_only and value <= _UINT64_MAX:
        return value  # a uint64
    return None


def _parse_base2(text: str) -> int | None:
    """Go's ``ParseInt(s, 2, 64)``, else ``ParseUint(s, 2, 64)``."""
    match = re.fullmatch(r"([-+]?)([01]+)", text)
    if match is None:
        return None
    value = int(match.group(2), 2)
    if match.group(1) == "-":
        value = -value
    if _INT64_MIN <= value <= _INT64_MAX:
        return value
    if not match.group(1) and value <= _UINT64_MAX:
        return value
    return None


def _is_timestamp(text: str) -> bool:
    match = _TIMESTAMP_RE.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(g) for g in match.group(1, 2, 3))
    try:
        date(year, month, day)
    except ValueError:
        return False
    clock = match.group(4, 5, 6) if match.group(4) else match.group(7, 8, 9)
    if clock[0] is None:
        return True
    hour, minute, second = (int(g) for g in clock)
    return hour < 24 and minute < 60 and second < 60


def _resolve_untyped(tag: str, text: str) -> tuple[str, Any]:
    hint = "N" if text == "" else _HINT.get(text[0], "")
    if not hint or tag == _STR:
        return _STR, text
    if text in _WORDS:
        return _WORDS[text]
    if hint == ".":
        if _DOT_FLOAT.fullmatch(text):
            number = float(text.replace("_", ""))
            if not math.isinf(number):
                return _FLOAT, number
    elif hint in ("D", "S"):
        if tag in ("", _TIMESTAMP) and _is_timestamp(text):
            return _TIMESTAMP, text
        plain = text.replace("_", "")
        integer = _parse_int(plain)
        if integer is not None:
            return _INT, integer
        if _YAML_FLOAT.fullmatch(plain):
            number = float(plain)
            if not math.isinf(number):
                return _FLOAT, number
        if plain.startswith("0b"):
            integer = _parse_base2(plain[2:])
        elif plain.startswith("-0b"):
            integer = _parse_base2("-" + plain[3:])
            if integer is not None and integer > _INT64_MAX:
                integer = None
        if integer is not None:
            return _INT, integer
    return _STR, text


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _resolve(tag: str, text: str) -> tuple[str, Any]:
    """The tag and value of a scalar with ``tag`` ("" when plain and untagged)."""
    if tag not in _RESOLVABLE:
        return tag, text
    rtag, value = _resolve_untyped(tag, text)
    if tag in ("", rtag, _STR):
        return rtag, value
    if tag == _FLOAT and rtag == _INT and _INT64_MIN <= value <= _INT64_MAX:
        return _FLOAT, float(value)
    raise _Fail(f"cannot decode {_short(rtag)} `{text}` as a {_short(tag)}")


def _go_string(data: bytes) -> str:
    """Bytes as Go's JSON encoder writes them: each invalid UTF-8 byte becomes U+FFFD."""
    return data.decode("utf-8", "kubeset.kyaml.replace")


def _replace_each_byte(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return "\ufffd" * (exc.end - exc.start), exc.end


codecs.register_error("kubeset.kyaml.replace", _replace_each_byte)


def _number(value: int | float) -> int | float:
    """A number as Kubernetes holds it after the JSON round trip: int64, else float64."""
    if isinstance(value, int):
        return value if _INT64_MIN <= value <= _INT64_MAX else float(value)
    if math.isnan(value) or math.isinf(value):
        shown = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
        raise _Fail(f"unsupported value {shown}: JSON has no infinity or NaN")
    if value.is_integer() and abs(value) < 1e21:
        # JSON spells it as an integer, with the float's shortest digits padded with zeros.
        spelled = int(Decimal(repr(value)))
        if _INT64_MIN <= spelled <= _INT64_MAX:
            return spelled
    return value


def _float32_key(value: float) -> str:
    """Go's ``strconv.FormatFloat(value, 'g', -1, 32)``, with Kubernetes' spellings of
    infinities and NaN."""
    if math.isnan(value):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    sign = "-" if math.copysign(1.0, single) < 0 else ""
    single = abs(single)
    if single == 0:
        return sign + "0"
    for precision in range(1, 10):
        shown = f"{single:.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(shown)))[0] == single:
            break
    mantissa, exponent_text = shown.split("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    exponent = int(exponent_text)
    if exponent < -4 or exponent >= 6:
        rest = f".{digits[1:]}" if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{rest}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


# ---------------------------------------------------------------------------------------------
# Nodes


class _Node:
    __slots__ = (
        "anchor",
        "children",
        "column",
        "implicit",
        "kind",
        "line",
        "tag",
        "target",
        "value",
    )

    def __init__(self, kind: str, event: Event) -> None:
        mark = event.start_mark
        self.kind = kind
        self.line: int = mark.line if mark is not None else 0
        self.column: int = mark.column if mark is not None else 0
        self.tag: str = getattr(event, "tag", None) or ""
        self.implicit = False
        self.value = ""
        self.anchor: str | None = None
        self.children: list[_Node] = []
        self.target: _Node | None = None


class _Composer:
    """The node tree of one document, from the parser's events (anchors may be redefined, as in
    Kubernetes' decoder)."""

    def __init__(self, parser: Any, text: str) -> None:
        self.parser = parser
        self.text = text
        self.anchors: dict[str, _Node] = {}

    def document(self) -> _Node | None:
        parser = self.parser
        parser.get_event()  # stream start
        if parser.check_event(StreamEndEvent):
            return None
        start = parser.get_event()
        assert isinstance(start, DocumentStartEvent)
        if start.version is not None and tuple(start.version) != (1, 1):
            raise _Fail("found incompatible YAML document", _Node("document", start))
        node = self.node()
        end = parser.get_event()
        assert isinstance(end, DocumentEndEvent)
        return node

    def node(self) -> _Node:
        event = self.parser.get_event()
        if isinstance(event, AliasEvent):
            alias = _Node("alias", event)
            alias.value = event.anchor or ""
            target = self.anchors.get(alias.value)
            if target is None:
                raise _Fail(f"unknown anchor '{alias.value}' referenced", alias)
            alias.target = target
            return alias
        if isinstance(event, ScalarEvent):
            node = _Node("scalar", event)
            node.value = event.value
            node.implicit = bool(event.implicit[0])
            if event.style == '"' and "/" in event.value:
                self._check_escapes(event, node)
            self._anchor(event.anchor, node)
            return node
        if isinstance(event, SequenceStartEvent):
            node = _Node("seq", event)
            self._anchor(event.anchor, node)
            while not self.parser.check_event(yaml.SequenceEndEvent):
                node.children.append(self.node())
            self.parser.get_event()
            return node
        assert isinstance(event, MappingStartEvent)
        node = _Node("map", event)
        self._anchor(event.anchor, node)
        while not self.parser.check_event(yaml.MappingEndEvent):
            node.children.append(self.node())
            node.children.append(self.node())
        self.parser.get_event()
        return node

    def _check_escapes(self, event: ScalarEvent, node: _Node) -> None:
        """Kubernetes' decoder knows YAML 1.1's escapes only: ``\\/`` is an error there."""
        start, end = event.start_mark, event.end_mark
        if start is None or end is None:
            return
        raw = self.text[start.index : end.index]
        index = raw.find("\\")
        while index >= 0:
            if raw[index + 1 : index + 2] == "/":
                raise _Fail("found unknown escape character", node)
            index = raw.find("\\", index + 2)

    def _anchor(self, name: str | None, node: _Node) -> None:
        if name is not None:
            node.anchor = name
            self.anchors[name] = node


# ---------------------------------------------------------------------------------------------
# Decoding

_ALIAS_RATIO_LOW = 400_000
_ALIAS_RATIO_HIGH = 4_000_000


def _allowed_alias_ratio(count: int) -> float:
    if count <= _ALIAS_RATIO_LOW:
        return 0.99
    if count >= _ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (count - _ALIAS_RATIO_LOW) / (_ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW)


class _Decoder:
    def __init__(self) -> None:
        self.decoded = 0
        self.aliased = 0
        self.alias_depth = 0
        self.expanding: set[int] = set()

    def _count(self, node: _Node) -> None:
        self.decoded += 1
        if self.alias_depth > 0:
            self.aliased += 1
        if (
            self.aliased > 100
            and self.decoded > 1000
            and self.aliased / self.decoded > _allowed_alias_ratio(self.decoded)
        ):
            raise _Fail("document contains excessive aliasing", node)

    def _follow(self, alias: _Node) -> _Node:
        if id(alias) in self.expanding:
            raise _Fail(f"anchor '{alias.value}' value contains itself", alias)
        assert alias.target is not None
        return alias.target

    def value(self, node: _Node) -> Any:
        """The JSON value of ``node``."""
        self._count(node)
        if node.kind == "alias":
            target = self._follow(node)
            self.expanding.add(id(node))
            self.alias_depth += 1
            try:
                return self.value(target)
            finally:
                self.alias_depth -= 1
                self.expanding.discard(id(node))
        if node.kind == "scalar":
            _tag, value = self._scalar(node)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                try:
                    return _number(value)
                except _Fail as exc:
                    raise _Fail(exc.problem, node) from None
            return value
        if node.kind == "seq":
            return [self.value(child) for child in node.children]
        out: dict[str, Any] = {}
        self._mapping(node, out)
        return out

    def _scalar(self, node: _Node) -> tuple[str, Any]:
        if not node.tag and not node.implicit:
            return _STR, node.value
        try:
            tag, value = _resolve(node.tag, node.value)
        except _Fail as exc:
            raise _Fail(exc.problem, node) from None
        if tag == _BINARY:
            encoded = node.value.replace("\r", "").replace("\n", "")
            try:
                value = _go_string(base64.b64decode(encoded, validate=True))
            except (binascii.Error, ValueError):
                raise _Fail("!!binary value contains invalid base64 data", node) from None
        elif tag == _TIMESTAMP:
            value = node.value
        return tag, value

    def _mapping(self, node: _Node, out: dict[str, Any]) -> None:
        children = node.children
        for index in range(0, len(children), 2):
            key_node, value_node = children[index], children[index + 1]
            if (
                key_node.kind == "scalar"
                and key_node.value == "<<"
                and (key_node.implicit or key_node.tag == _MERGE)
            ):
                self._merge(value_node, out)
                continue
            key = self._key(key_node)
            out[key] = self.value(value_node)

    def _into(self, node: _Node, out: dict[str, Any]) -> None:
        """Decode the mapping ``node`` (or an alias of one) into the existing ``out``."""
        self._count(node)
        if node.kind == "alias":
            target = self._follow(node)
            self.expanding.add(id(node))
            self.alias_depth += 1
            try:
                self._into(target, out)
            finally:
                self.alias_depth -= 1
                self.expanding.discard(id(node))
            return
        self._mapping(node, out)

    def _merge(self, node: _Node, out: dict[str, Any]) -> None:
        problem = "map merge requires map or sequence of maps as the value"

        def check(item: _Node) -> None:
            target = item.target if item.kind == "alias" else item
            if target is None or target.kind != "map":
                raise _Fail(problem, item)

        if node.kind in ("map", "alias"):
            check(node)
            self._into(node, out)
        elif node.kind == "seq":
            for item in reversed(node.children):  # earlier mappings take precedence
                check(item)
                self._into(item, out)
        else:
            raise _Fail(problem, node)

    def _key(self, node: _Node) -> str:
        self._count(node)
        target = node
        while target.kind == "alias":
            target = self._follow(target)
        if target.kind != "scalar":
            shown = "sequence" if target.kind == "seq" else "mapping"
            raise _Fail(f"invalid map key: a {shown}", node)
        _tag, value = self._scalar(target)
        if value is None:
            raise _Fail("unsupported map key: null", node)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            if value > _INT64_MAX:
                raise _Fail(f"unsupported map key: {value} (beyond int64)", node)
            return str(value)
        if isinstance(value, float):
            return _float32_key(value)
        return str(value)


# ---------------------------------------------------------------------------------------------
# Entry points


def _text(text: str | bytes, source: str) -> str:
    if isinstance(text, str):
        return text[1:] if text.startswith("\ufeff") else text
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if text.startswith(bom):
            return text[len(bom) :].decode(codec, "replace")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = text[: exc.start].count(b"\n") + 1
        raise ManifestError("invalid UTF-8", source=source, line=line) from None
    return decoded[1:] if decoded.startswith("\ufeff") else decoded


# libyaml refuses documents nested more than 1000 levels; reading 1000 levels takes a few Python
# frames each, more than the default recursion limit leaves once the caller's own frames count.
_STACK = 10_000
_stack_lock = threading.Lock()
_stack_users = 0
_stack_saved = 0


@contextmanager
def _deep_stack() -> Iterator[None]:
    global _stack_users, _stack_saved
    with _stack_lock:
        if _stack_users == 0:
            _stack_saved = sys.getrecursionlimit()
            if _stack_saved < _STACK:
                sys.setrecursionlimit(_STACK)
        _stack_users += 1
    try:
        yield
    finally:
        with _stack_lock:
            _stack_users -= 1
            raised = _stack_saved < _STACK
            if _stack_users == 0 and raised and sys.getrecursionlimit() == _STACK:
                sys.setrecursionlimit(_stack_saved)


def _load(text: str, source: str, first_line: int) -> Any:
    with _deep_stack():
        return _load_document(text, source, first_line)


def _load_document(text: str, source: str, first_line: int) -> Any:
    """The first document of ``text`` (which starts at line ``first_line`` of the source)."""
    try:
        root = _Composer(_PARSER(text), text).document()
        return None if root is None else _Decoder().value(root)
    except _Fail as exc:
        node = exc.node
        if node is None:
            raise ManifestError(exc.problem, source=source) from None
        raise ManifestError(
            exc.problem,
            source=source,
            line=first_line + node.line + 1,
            column=node.column + 1,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        if mark is None:
            raise ManifestError(problem, source=source) from None
        raise ManifestError(
            problem, source=source, line=first_line + mark.line + 1, column=mark.column + 1
        ) from None
    except yaml.reader.ReaderError as exc:
        before = text.encode("utf-8", "surrogatepass")[: exc.position]
        line = first_line + before.count(b"\n") + 1
        raise ManifestError(str(exc.reason), source=source, line=line) from None
    except yaml.YAMLError as exc:
        raise ManifestError(str(exc), source=source) from None
    except RecursionError:
        raise ManifestError("nested too deeply to read", source=source) from None


def load(text: str | bytes, *, source: str = "<string>") -> Any:
    """The first (usually the only) YAML document of ``text``, as Kubernetes reads it: JSON
    values (``dict`` with ``str`` keys, ``list``, ``str``, ``int``, ``float``, ``bool``,
    ``None``). An empty text is ``None``. Raises :class:`~kubeset.errors.ManifestError`."""
    return _load(_text(text, source), source, 0)


def load_all(text: str | bytes, *, source: str = "<string>") -> list[Any]:
    """Every document of a multi-document YAML stream, as kubectl reads a manifest file: split
    at lines that start with ``---`` (followed by nothing but blanks or a comment), each part
    read like :func:`load`, empty and null documents left out."""
    lines = _text(text, source).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    documents: list[Any] = []
    part: list[str] = []
    start = 0

    def flush() -> None:
        document = _load("\n".join(part) + "\n", source, start)
        if document is not None:
            documents.append(document)

    for number, raw in enumerate(lines):
        line = raw[:-1] if raw.endswith("\r") else raw
        if line.startswith("---"):
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):
                raise ManifestError(
                    f"invalid document separator: {rest}", source=source, line=number + 1
                )
            if part:
                flush()
                part = []
                continue
        if not part:
            start = number
        part.append(line)
    if part:
        flush()
    return documents


def dump(data: Any) -> str:
    """YAML text that :func:`load` (and Kubernetes) read back as ``data``: a string that would
    read as something else (``n``, ``on``, ``0o10``, ``1e3``, ``""`` …) is written quoted, which
    PyYAML's own dumper, with its narrower YAML 1.1 rules, does not do."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        try:
            plain = load(value) == value and isinstance(load(value), str)
        except ManifestError:
            plain = False
        style = None if plain and "\n" not in value else '"'
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, represent_str)
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True))
