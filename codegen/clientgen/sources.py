"""Where a spec comes from besides a swagger file: a live cluster's ``/openapi/v3`` (or
``/openapi/v2``) for some API groups, or CustomResourceDefinition manifests.

Every source is turned into the same shape — a swagger-2.0-like document with ``paths`` and
``definitions`` — so that one IR and one model pipeline serve them all. A CRD manifest is turned
into exactly what the API server serves for it in ``/openapi/v3`` (the CRD's schema, the paths of
its verbs and subresources), which is why ``--crd`` and ``--from-cluster`` produce the same
package.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from clientgen.spec import LoadedSpec, SpecError, parse_spec

__all__ = [
    "crd_spec",
    "definition_name",
    "load_crd_documents",
    "spec_from_cluster",
    "v3_to_v2",
]

_V3_REF = "#/components/schemas/"
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_SCALE = "io.k8s.api.autoscaling.v1.Scale"
_PATCH_TYPES = [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
]
_METHODS = ("get", "put", "post", "patch", "delete")


def definition_name(group: str, version: str, kind: str) -> str:
    """The name the API server gives a CRD kind's schema: the group reversed
    (``cert-manager.io`` → ``io.cert-manager``), then version and kind."""
    return ".".join([*reversed(group.split(".")), version, kind])


# ---------------------------------------------------------------------------- OpenAPI v3 → v2


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite_refs(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(_V3_REF):
            out["$ref"] = "#/definitions/" + ref[len(_V3_REF) :]
        all_of = out.get("allOf")
        if (
            isinstance(all_of, list)
            and len(all_of) == 1
            and isinstance(all_of[0], dict)
            and "$ref" in all_of[0]
        ):
            del out["allOf"]
            out = {**all_of[0], **out}
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _v2_operation(op: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        k: v
        for k, v in op.items()
        if k.startswith("x-kubernetes-") or k in ("operationId", "description")
    }
    params = [
        {k: v for k, v in p.items() if k in ("in", "name", "required", "description")}
        for p in op.get("parameters") or []
        if isinstance(p, dict)
    ]
    body = op.get("requestBody")
    if isinstance(body, dict):
        content = body.get("content") or {}
        out["consumes"] = sorted(content)
        schema = next(
            (c.get("schema") for c in content.values() if isinstance(c, dict) and c.get("schema")),
            None,
        )
        if schema is not None:
            params.append({"in": "body", "name": "body", "schema": schema})
    if params:
        out["parameters"] = params
    responses: dict[str, Any] = {}
    for code, response in (op.get("responses") or {}).items():
        entry: dict[str, Any] = {"description": (response or {}).get("description", "")}
        content = (response or {}).get("content") or {}
        schema = next(
            (c.get("schema") for c in content.values() if isinstance(c, dict) and c.get("schema")),
            None,
        )
        if schema is not None:
            entry["schema"] = schema
        responses[code] = entry
    out["responses"] = responses
    converted: dict[str, Any] = _rewrite_refs(out)
    return converted


def v3_to_v2(documents: Iterable[Mapping[str, Any]], title: str) -> dict[str, Any]:
    """Merge OpenAPI v3 group-version documents into one swagger-2.0-like document."""
    definitions: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for document in documents:
        schemas = (document.get("components") or {}).get("schemas") or {}
        for name, schema in schemas.items():
            definitions.setdefault(name, _rewrite_refs(schema))
        for path, item in (document.get("paths") or {}).items():
            converted: dict[str, Any] = {}
            for key, value in item.items():
                if key in _METHODS and isinstance(value, dict):
                    converted[key] = _v2_operation(value)
                elif key == "parameters":
                    converted[key] = [
                        {
                            k: v
                            for k, v in p.items()
                            if k in ("in", "name", "required", "description")
                        }
                        for p in value
                        if isinstance(p, dict)
                    ]
            paths[path] = converted
    return {
        "swagger": "2.0",
        "info": {"title": title, "version": ""},
        "paths": dict(sorted(paths.items())),
        "definitions": dict(sorted(definitions.items())),
    }


def _loaded(document: dict[str, Any], source: str) -> LoadedSpec:
    raw = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    spec = parse_spec(raw, source)
    return LoadedSpec(source=source, data=spec.data, sha256=hashlib.sha256(raw).hexdigest())


# ------------------------------------------------------------------------------- CRD manifests


class _Crd:
    def __init__(self, doc: dict[str, Any], where: str) -> None:
        self.where = where
        spec = doc.get("spec")
        if not isinstance(spec, dict):
            raise SpecError(where, "$.spec", "a CustomResourceDefinition needs a spec")
        names = spec.get("names") or {}
        self.group = _required_str(spec, "group", where, "$.spec.group")
        self.kind = _required_str(names, "kind", where, "$.spec.names.kind")
        self.plural = _required_str(names, "plural", where, "$.spec.names.plural")
        self.list_kind = str(names.get("listKind") or self.kind + "List")
        scope = spec.get("scope")
        if scope not in ("Namespaced", "Cluster"):
            raise SpecError(where, "$.spec.scope", f"must be Namespaced or Cluster, not {scope!r}")
        self.namespaced = scope == "Namespaced"
        versions = spec.get("versions")
        if not isinstance(versions, list) or not versions:
            raise SpecError(where, "$.spec.versions", "a CRD needs at least one version")
        self.versions: list[dict[str, Any]] = []
        for index, version in enumerate(versions):
            if not isinstance(version, dict) or not isinstance(version.get("name"), str):
                raise SpecError(where, f"$.spec.versions[{index}].name", "missing")
            if version.get("served", True) is False:
                continue
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if not isinstance(schema, dict):
                raise SpecError(
                    where,
                    f"$.spec.versions[{index}].schema.openAPIV3Schema",
                    "missing or not an object",
                )
            self.versions.append(version)
        self.name = f"{self.plural}.{self.group}"


def _required_str(node: Mapping[str, Any], key: str, where: str, path: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value:
        raise SpecError(where, path, "missing or not a string")
    return value


def _documents(path: Path) -> Iterator[tuple[dict[str, Any], str]]:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(str(path), "$", f"cannot read: {exc}") from None
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise SpecError(
            str(path), "$", f"not valid YAML{line}: {getattr(exc, 'problem', exc)}"
        ) from None
    except RecursionError:
        raise SpecError(str(path), "$", "nested too deeply to read") from None
    for index, doc in enumerate(docs):
        where = f"{path} (document {index + 1})" if len(docs) > 1 else str(path)
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise SpecError(where, "$", "not a Kubernetes object (expected a mapping)")
        if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            for item_index, item in enumerate(doc["items"]):
                yield item, f"{where} item {item_index + 1}"
            continue
        yield doc, where


def load_crd_documents(locations: Iterable[str]) -> list[tuple[dict[str, Any], str]]:
    """Every CRD document in the given files and directories (``*.yaml``, ``*.yml``,
    ``*.json``, sorted), with where it came from; anything else is an error naming it."""
    files: list[Path] = []
    for location in locations:
        path = Path(location)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
            )
        elif path.exists():
            files.append(path)
        else:
            raise SpecError(location, "$", "no such file or directory")
    found = []
    for file in files:
        for doc, where in _documents(file):
            api_version, kind = doc.get("apiVersion"), doc.get("kind")
            if kind != "CustomResourceDefinition":
                raise SpecError(where, "$.kind", f"not a CustomResourceDefinition (kind {kind!r})")
            if api_version != "apiextensions.k8s.io/v1":
                raise SpecError(
                    where,
                    "$.apiVersion",
                    f"{api_version} is not supported; only apiextensions.k8s.io/v1 CRDs are "
                    "(v1beta1 was removed in Kubernetes 1.22)",
                )
            found.append((doc, where))
    if not found:
        raise SpecError(
            ", ".join(str(f) for f in files) or "--crd", "$", "no CustomResourceDefinition found"
        )
    return found


def _param(name: str, where: str = "query") -> dict[str, Any]:
    return {"in": where, "name": name}


_LIST_PARAMS = [
    _param(n)
    for n in (
        "allowWatchBookmarks",
        "continue",
        "fieldSelector",
        "labelSelector",
        "limit",
        "resourceVersion",
        "resourceVersionMatch",
        "sendInitialEvents",
        "timeoutSeconds",
        "watch",
    )
]
_WRITE_PARAMS = [_param(n) for n in ("dryRun", "fieldManager", "fieldValidation")]


def _op(action: str, gvk: dict[str, str], response: str | None, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": dict(gvk),
        "responses": {"200": {"description": "OK"}},
    }
    if response:
        op["responses"]["200"]["schema"] = {"$ref": f"#/definitions/{response}"}
    op.update(extra)
    return op


_BODY_TYPES = ["application/json", "application/yaml"]


def _body(model: str) -> list[dict[str, Any]]:
    return [{"in": "body", "name": "body", "schema": {"$ref": f"#/definitions/{model}"}}]


def _read_write(gvk: dict[str, str], model: str) -> dict[str, Any]:
    """``get``, ``put`` and ``patch`` of one object, or of its status or scale."""
    return {
        "get": _op("get", gvk, model),
        "put": _op(
            "put", gvk, model, consumes=_BODY_TYPES, parameters=_body(model) + _WRITE_PARAMS
        ),
        "patch": _op(
            "patch",
            gvk,
            model,
            consumes=_PATCH_TYPES,
            parameters=[*_WRITE_PARAMS, _param("force")],
        ),
    }


def _crd_paths(crd: _Crd, version: dict[str, Any], kind_def: str, list_def: str) -> dict[str, Any]:
    name = str(version["name"])
    gvk = {"group": crd.group, "version": name, "kind": crd.kind}
    base = f"/apis/{crd.group}/{name}"
    scoped = (
        f"{base}/namespaces/{{namespace}}/{crd.plural}"
        if crd.namespaced
        else f"{base}/{crd.plural}"
    )
    status = _META + "Status"
    paths: dict[str, Any] = {
        scoped: {
            "parameters": _LIST_PARAMS,
            "get": _op("list", gvk, list_def),
            "post": _op(
                "post",
                gvk,
                kind_def,
                consumes=_BODY_TYPES,
                parameters=_body(kind_def) + _WRITE_PARAMS,
            ),
            "delete": _op("deletecollection", gvk, status),
        },
        f"{scoped}/{{name}}": {
            **_read_write(gvk, kind_def),
            "delete": _op("delete", gvk, status),
        },
    }
    if crd.namespaced:
        paths[f"{base}/{crd.plural}"] = {
            "parameters": _LIST_PARAMS,
            "get": _op("list", gvk, list_def),
        }
    subresources = version.get("subresources") or {}
    for sub in ("status", "scale"):
        if sub not in subresources:
            continue
        model = kind_def if sub == "status" else _SCALE
        sub_gvk = (
            gvk if sub == "status" else {"group": "autoscaling", "version": "v1", "kind": "Scale"}
        )
        paths[f"{scoped}/{{name}}/{sub}"] = _read_write(sub_gvk, model)
    return paths


_PLACEHOLDERS = {
    _META + "ObjectMeta": {"type": "object", "properties": {"name": {"type": "string"}}},
    _META + "ListMeta": {"type": "object", "properties": {"continue": {"type": "string"}}},
    _META + "Status": {"type": "object", "properties": {"status": {"type": "string"}}},
    _SCALE: {
        "type": "object",
        "properties": {"spec": {"type": "object"}},
        "x-kubernetes-group-version-kind": [
            {"group": "autoscaling", "kind": "Scale", "version": "v1"}
        ],
    },
}


def crd_spec(documents: list[tuple[dict[str, Any], str]]) -> LoadedSpec:
    """The spec the API server would serve for these CRDs (their served versions), titled by
    their groups as :func:`spec_from_cluster` titles the same groups."""
    title = _title(str((doc.get("spec") or {}).get("group")) for doc, _ in documents)
    definitions: dict[str, Any] = dict(_PLACEHOLDERS)
    paths: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for doc, where in documents:
        crd = _Crd(doc, where)
        if crd.name in seen:
            raise SpecError(
                where, "$.metadata.name", f"{crd.name} is also defined in {seen[crd.name]}"
            )
        seen[crd.name] = where
        for version in crd.versions:
            name = str(version["name"])
            kind_def = definition_name(crd.group, name, crd.kind)
            list_def = definition_name(crd.group, name, crd.list_kind)
            schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
            schema["x-kubernetes-group-version-kind"] = [
                {"group": crd.group, "kind": crd.kind, "version": name}
            ]
            definitions[kind_def] = schema
            definitions[list_def] = {
                "type": "object",
                "required": ["items"],
                "properties": {
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"},
                    "metadata": {"$ref": f"#/definitions/{_META}ListMeta"},
                    "items": {"type": "array", "items": {"$ref": f"#/definitions/{kind_def}"}},
                },
                "x-kubernetes-group-version-kind": [
                    {"group": crd.group, "kind": crd.list_kind, "version": name}
                ],
            }
            paths.update(_crd_paths(crd, version, kind_def, list_def))
    document = {
        "swagger": "2.0",
        "info": {"title": title, "version": ""},
        "paths": dict(sorted(paths.items())),
        "definitions": dict(sorted(definitions.items())),
    }
    return _loaded(document, title)


# ----------------------------------------------------------------------------- a live cluster


def spec_from_cluster(
    groups: list[str], *, kubeconfig: str | None = None, context: str | None = None
) -> LoadedSpec:
    """The spec of some API groups of the cluster a kubeconfig points at: their group-version
    documents from ``/openapi/v3``, or the matching part of ``/openapi/v2`` on servers without
    v3."""
    from kubeset import ApiError, NotFound, load_kubeconfig
    from kubeset._sync.rest import RESTClient
    from kubeset.request import Request

    config = load_kubeconfig(kubeconfig, context=context)
    wanted = sorted(set(groups))
    title = _title(wanted)
    with RESTClient(config) as rest:
        try:
            index = _fetch_json(rest, Request("GET", "/openapi/v3"), config.host)
        except NotFound:
            index = None
        except ApiError as exc:
            raise SpecError(f"{config.host}/openapi/v3", "$", str(exc)) from None
        if index is not None:
            documents = []
            for key, entry in sorted((index.get("paths") or {}).items()):
                group = _group_of(key)
                if group is None or group not in wanted:
                    continue
                # Without the ?hash= of the index: a hash gone stale (CRDs just changed) is
                # answered with a redirect, the bare path with the current document.
                url = str(entry.get("serverRelativeURL") or f"/openapi/v3/{key}")
                request = Request("GET", url.partition("?")[0])
                documents.append(_fetch_json(rest, request, config.host))
            missing = sorted(set(wanted) - {_group_of(k) for k in (index.get("paths") or {})})
            if missing:
                raise SpecError(
                    f"{config.host}/openapi/v3",
                    "$.paths",
                    f"the server serves no group {', '.join(missing)}",
                )
            return _loaded(v3_to_v2(documents, title), f"{config.host}/openapi/v3")
        full = _fetch_json(rest, Request("GET", "/openapi/v2"), config.host)
    return _loaded(_filter_v2(full, wanted, title), f"{config.host}/openapi/v2")


def _title(groups: Iterable[str]) -> str:
    return ", ".join(sorted({g or "core" for g in groups}))


def _fetch_json(rest: Any, request: Any, host: str) -> Any:
    response = rest.request(request)
    try:
        return json.loads(response.content)
    except ValueError as exc:
        kind = response.headers.get("content-type", "?")
        raise SpecError(
            f"{host}{request.url_path}",
            "$",
            f"the response ({response.status_code}, {kind}) is not JSON: {exc}",
        ) from None


def _group_of(key: str) -> str | None:
    """``apis/cert-manager.io/v1`` → ``cert-manager.io``; ``api/v1`` → ``""``."""
    parts = key.strip("/").split("/")
    if parts[0] == "api" and len(parts) == 2:
        return ""
    if parts[0] == "apis" and len(parts) == 3:
        return parts[1]
    return None


def _filter_v2(full: Mapping[str, Any], groups: list[str], title: str) -> dict[str, Any]:
    prefixes = tuple("/api/v1/" if g == "" else f"/apis/{g}/" for g in groups)
    paths = {p: item for p, item in (full.get("paths") or {}).items() if p.startswith(prefixes)}
    definitions = full.get("definitions") or {}
    keep: set[str] = set()
    stack: list[Any] = [paths]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/definitions/"):
                name = ref[len("#/definitions/") :]
                if name not in keep and name in definitions:
                    keep.add(name)
                    stack.append(definitions[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return {
        "swagger": "2.0",
        "info": {"title": title, "version": ""},
        "paths": paths,
        "definitions": {k: definitions[k] for k in sorted(keep)},
        "parameters": full.get("parameters") or {},
    }
