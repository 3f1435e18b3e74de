"""Every name the generator makes: modules, classes, accessors and methods.

The rules follow client-go's, in snake_case:

- resource accessors come from the kind pluralised the way the URL pluralises it:
  ``ConfigMap``/``configmaps`` → ``config_maps``, ``NetworkPolicy``/``networkpolicies`` →
  ``network_policies``, ``ServiceCIDR``/``servicecidrs`` → ``service_cidrs``;
- group-version accessors use the group's first DNS label (``rbac.authorization.k8s.io`` →
  ``rbac``, the core group → ``core``), hyphens dropped (``cert-manager.io`` → ``certmanager``);
  when two groups of one package share a first label, each takes as many further labels as it
  needs to be unique (``networking.k8s.io`` and ``networking.istio.io`` → ``networking_k8s`` and
  ``networking_istio``), so adding a group never renames one that did not collide;
- model modules are named after the Go package of the definition (``io.k8s.api.core.v1.Pod`` →
  ``core_v1``), apimachinery's meta types living in ``meta_v1``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

__all__ = [
    "camel_plural",
    "class_name",
    "group_accessors",
    "model_module",
    "python_identifier",
    "snake_case",
]

_VERSION = re.compile(r"^v\d+(?:(?:alpha|beta)\d+)?$")

# Words that must not become bare identifiers in generated code.
_RESERVED = (
    set(keyword.kwlist)
    | set(keyword.softkwlist)
    | {
        "self",
        "cls",
        "int",
        "str",
        "bool",
        "float",
        "list",
        "dict",
        "type",
        "object",
    }
)


def snake_case(name: str) -> str:
    """``PersistentVolumeClaims`` → ``persistent_volume_claims``; acronyms stay one word, a
    trailing plural ``s`` stays with its acronym (``ServiceCIDRs`` → ``service_cidrs``,
    ``APIServices`` → ``api_services``, ``CSIDrivers`` → ``csi_drivers``)."""
    words: list[str] = []
    for match in re.finditer(r"[A-Z]?[a-z]+\d*|[A-Z]+\d*s?(?![a-z])|\d+", name):
        word = match.group(0)
        words.append(word.lower())
    if not words:
        return name.lower()
    return "_".join(words)


def camel_plural(kind: str, plural: str) -> str:
    """The CamelCase plural of ``kind`` spelled as the URL ``plural`` spells it."""
    lower = kind.lower()
    if plural.startswith(lower):
        return kind + plural[len(lower) :]
    if lower.endswith("y") and plural == lower[:-1] + "ies":
        return kind[:-1] + "ies"
    if plural == lower:
        return kind
    return plural[:1].upper() + plural[1:]


def python_identifier(name: str) -> str:
    """``name`` made a safe identifier: invalid characters to ``_``, reserved words suffixed."""
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit():
        ident = "_" + ident
    if ident in _RESERVED:
        ident += "_"
    return ident


def class_name(*parts: str) -> str:
    """A CamelCase class name from already-CamelCase or snake parts."""
    out = []
    for part in parts:
        for piece in re.split(r"[_\-.]", part):
            if piece:
                out.append(piece[:1].upper() + piece[1:])
    return "".join(out)


def _labels(group: str) -> list[str]:
    return [label.replace("-", "") for label in group.split(".")] if group else ["core"]


def group_accessors(groups: Iterable[str]) -> dict[str, str]:
    """Map each API group to its accessor stem, unique within ``groups``.

    Each group starts with its first label; groups that collide all take one more label, until
    every stem is unique. Deterministic: the result depends only on the set of groups.
    """
    pending = sorted(set(groups))
    depth = dict.fromkeys(pending, 1)
    while True:
        stems: dict[str, list[str]] = {}
        for group in pending:
            labels = _labels(group)
            stem = "_".join(labels[: depth[group]])
            stems.setdefault(stem, []).append(group)
        collided = [g for members in stems.values() if len(members) > 1 for g in members]
        grew = False
        for group in collided:
            if depth[group] < len(_labels(group)):
                depth[group] += 1
                grew = True
        if not collided or not grew:
            break
    result = {}
    for group in pending:
        stem = "_".join(_labels(group)[: depth[group]])
        result[group] = python_identifier(re.sub(r"\W", "_", stem).lower())
    return result


def model_module(definition: str) -> tuple[str, str]:
    """``(module, class)`` for a definition name.

    ``io.k8s.api.core.v1.Pod`` → ``("core_v1", "Pod")``; a definition whose package ends in a
    version uses ``<package>_<version>``; otherwise the last package segment.
    """
    if "." not in definition:
        return "models", python_identifier(definition)
    prefix, kind = definition.rsplit(".", 1)
    segments = prefix.split(".")
    if len(segments) >= 2 and _VERSION.match(segments[-1]):
        stem = f"{segments[-2]}_{segments[-1]}"
    else:
        stem = segments[-1]
    module = python_identifier(re.sub(r"\W", "_", stem).lower())
    return module, python_identifier(kind)
