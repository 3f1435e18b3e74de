"""Label selectors, parsed and matched locally (apimachinery's ``labels.Parse``).

The grammar the API server accepts: requirements separated by commas, each one of ``key=value``,
``key==value``, ``key!=value``, ``key in (v1,v2)``, ``key notin (v1,v2)``, ``key`` (exists) and
``!key`` (does not exist). Listers and indexers use it to filter cached objects exactly as the
server filters a ``labelSelector`` query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Requirement", "Selector", "SelectorError", "parse_selector"]


class SelectorError(ValueError):
    """A label selector that does not parse; the message names the offending part."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement: ``key`` ``op`` ``values`` (``op``: ``=``, ``!=``, ``in``, ``notin``,
    ``exists``, ``!``)."""

    key: str
    op: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str | None]) -> bool:
        """Whether ``labels`` satisfy this requirement."""
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        # "!=" and "notin" match objects without the label, as the server's do
        return not present or value not in self.values


@dataclass(frozen=True, slots=True)
class Selector:
    """All of its requirements must match; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str | None] | None) -> bool:
        """Whether an object with ``labels`` is selected."""
        found = labels or {}
        return all(r.matches(found) for r in self.requirements)

    @property
    def empty(self) -> bool:
        """Selects everything."""
        return not self.requirements


_KEY = r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_EQ = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*({_VALUE})\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")
_VALUE_RE = re.compile(rf"^{_VALUE}$")


def _split(selector: str) -> list[str]:
    """Split on commas that are not inside ``( … )``."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(selector):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(selector[start:i])
            start = i + 1
    parts.append(selector[start:])
    return parts


@lru_cache(maxsize=256)
def parse_selector(selector: str | None) -> Selector:
    """Parse a label selector string (``None`` or ``""``: everything)."""
    if not selector or not selector.strip():
        return Selector()
    requirements = []
    for part in _split(selector):
        if not part.strip():
            raise SelectorError(f"label selector {selector!r}: empty requirement")
        match = _SET.match(part)
        if match:
            values = frozenset(v.strip() for v in match.group(3).split(",") if v.strip())
            bad = [v for v in values if not _VALUE_RE.match(v)]
            if bad or not values:
                raise SelectorError(f"label selector {selector!r}: bad values in {part.strip()!r}")
            requirements.append(Requirement(match.group(1), match.group(2), values))
            continue
        match = _EQ.match(part)
        if match:
            op = "=" if match.group(2) in ("=", "==") else "!="
            requirements.append(Requirement(match.group(1), op, frozenset({match.group(3)})))
            continue
        match = _EXISTS.match(part)
        if match:
            requirements.append(Requirement(match.group(2), "!" if match.group(1) else "exists"))
            continue
        raise SelectorError(f"label selector {selector!r}: cannot parse {part.strip()!r}")
    return Selector(tuple(requirements))
