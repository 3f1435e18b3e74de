"""Load an OpenAPI v2 (swagger 2.0) document and check it before anything is generated.

Errors name the source and the JSON path of what is wrong (``$.definitions.X.properties.y.$ref``),
so a broken spec is fixed where it breaks, not discovered as a stack trace mid-generation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LoadedSpec", "SpecError", "json_path", "load_spec", "parse_spec", "resolve_ref"]


class SpecError(Exception):
    """A spec that cannot be generated from; the message names the source and the JSON path."""

    def __init__(self, source: str, path: str, message: str) -> None:
        self.source = source
        self.path = path
        self.message = message
        super().__init__(f"{source}: {path}: {message}")


@dataclass(frozen=True)
class LoadedSpec:
    """A parsed, checked swagger 2.0 document with its source name and content digest."""

    source: str
    data: dict[str, Any]
    sha256: str

    @property
    def definitions(self) -> dict[str, Any]:
        """``definitions``: name → schema."""
        defs: dict[str, Any] = self.data["definitions"]
        return defs

    @property
    def title(self) -> str:
        """``info.title info.version`` (``Kubernetes 1.36``), or the source's file name."""
        info = self.data.get("info")
        if isinstance(info, dict) and info.get("title"):
            version = info.get("version")
            return f"{info['title']} {version}" if version else str(info["title"])
        return self.source.rsplit("/", 1)[-1]

    @property
    def paths(self) -> dict[str, Any]:
        """``paths``: URL template → path item."""
        paths: dict[str, Any] = self.data.get("paths") or {}
        return paths


def json_path(parts: list[str | int]) -> str:
    """``$.a.b[0]`` from path parts (keys with dots or slashes are bracketed)."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("_", "").replace("-", "").replace("$", "").isalnum():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _refs(node: Any, path: list[str | int]) -> Iterator[tuple[str, list[str | int]]]:
    stack: list[tuple[Any, list[str | int]]] = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                yield ref, [*where, "$ref"]
            for key, value in current.items():
                if isinstance(value, dict | list):
                    stack.append((value, [*where, key]))
        elif isinstance(current, list):
            for index, value in enumerate(current):
                if isinstance(value, dict | list):
                    stack.append((value, [*where, index]))


def resolve_ref(data: dict[str, Any], ref: str) -> Any:
    """The node a local ``#/a/b`` reference points at; ``KeyError`` if there is none."""
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node: Any = data
    for raw in ref[2:].split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or key not in node:
            raise KeyError(ref)
        node = node[key]
    return node


def parse_spec(raw: bytes, source: str) -> LoadedSpec:
    """Parse and check a swagger 2.0 document given as bytes."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise SpecError(source, "$", "the document is nested too deeply to read") from None
    except ValueError as exc:
        from kubeset import kyaml

        try:
            data = kyaml.load(raw, source=source)
        except kyaml.ManifestError:
            raise SpecError(source, "$", f"not JSON or YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(source, "$", "the document is not an object")
    if "openapi" in data and "swagger" not in data:
        raise SpecError(
            source,
            "$.openapi",
            f"this is OpenAPI {data['openapi']}; a spec file is OpenAPI v2 (swagger 2.0), as "
            "served at /openapi/v2; OpenAPI v3 documents are read from a directory of them "
            "(as `make openapi` saves openapi/v3) or from a cluster's /openapi/v3",
        )
    if data.get("swagger") != "2.0":
        raise SpecError(source, "$.swagger", 'not an OpenAPI v2 document (swagger: "2.0" missing)')
    definitions = data.get("definitions")
    if not isinstance(definitions, dict) or not definitions:
        raise SpecError(
            source, "$.definitions", "missing or empty: nothing to generate models from"
        )
    if not isinstance(data.get("paths", {}), dict):
        raise SpecError(source, "$.paths", "must be an object")
    for ref, where in sorted(_refs(data, []), key=lambda item: json_path(item[1])):
        if not ref.startswith("#/"):
            raise SpecError(source, json_path(where), f"non-local $ref {ref!r} is not supported")
        try:
            resolve_ref(data, ref)
        except KeyError:
            raise SpecError(source, json_path(where), f"dangling $ref {ref!r}") from None
    return LoadedSpec(source=source, data=data, sha256=hashlib.sha256(raw).hexdigest())


def load_spec(
    location: str, *, kubeconfig: str | None = None, context: str | None = None
) -> LoadedSpec:
    """Load a spec, as ``clientgen --spec`` names it:

    - a file: an OpenAPI v2 (swagger 2.0) spec;
    - a directory: a server's OpenAPI v3 documents as ``make openapi`` saves them
      (``openapi/v3/*_openapi.json``, or the directory holding ``v3/``);
    - an http(s) URL on the cluster of the kubeconfig (``kubeconfig``, else ``$KUBECONFIG``, else
      ``~/.kube/config``; ``context`` instead of its current one), fetched with its
      credentials, CA and proxy: ``/openapi/v2``, ``/openapi/v3`` (every document it lists) or
      one v3 document. A URL on any other server is an error: see
      :func:`clientgen.sources.spec_from_url`.
    """
    from clientgen import sources  # sources builds on this module

    if location.startswith(("http://", "https://")):
        return sources.spec_from_url(location, kubeconfig=kubeconfig, context=context)
    path = Path(location)
    if path.is_dir():
        return sources.spec_from_v3_directory(location)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(location, "$", f"cannot read: {exc.strerror or exc}") from None
    return parse_spec(raw, location)
