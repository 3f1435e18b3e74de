"""Where a spec comes from besides a swagger file: a live cluster (``/openapi/v3``, else
``/openapi/v2``; all of it or some API groups; always through the kubeconfig's credentials, CA
and proxy), a directory of saved OpenAPI v3 documents, or CustomResourceDefinition manifests.

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
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from clientgen.spec import LoadedSpec, SpecError, parse_spec
from kubeset import kyaml
from kubeset.errors import ManifestError

if TYPE_CHECKING:
    from kubeset import Config

__all__ = [
    "cluster_config",
    "crd_spec",
    "definition_name",
    "load_crd_documents",
    "spec_from_cluster",
    "spec_from_url",
    "spec_from_v3_directory",
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
_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


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


_PARAMETER_REF = "#/components/parameters/"
_PARAMETER_KEYS = ("in", "name", "required", "description")


def _v2_parameters(params: Any, shared: Mapping[str, Any]) -> list[dict[str, Any]]:
    """v2 parameters of a v3 parameter list: ``$ref``s to ``components.parameters`` resolved,
    the schema dropped (only the name and place of a parameter matter to the clients)."""
    out = []
    for param in params or []:
        if not isinstance(param, dict):
            continue
        ref = param.get("$ref")
        if isinstance(ref, str) and ref.startswith(_PARAMETER_REF):
            param = shared.get(ref[len(_PARAMETER_REF) :]) or {}
        out.append({k: v for k, v in param.items() if k in _PARAMETER_KEYS})
    return out


def _v2_operation(op: Mapping[str, Any], shared: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        k: v
        for k, v in op.items()
        if k.startswith("x-kubernetes-") or k in ("operationId", "description")
    }
    params = _v2_parameters(op.get("parameters"), shared)
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


def v3_to_v2(
    documents: Iterable[Mapping[str, Any]], title: str, version: str = ""
) -> dict[str, Any]:
    """Merge OpenAPI v3 group-version documents into one swagger-2.0-like document, titled
    ``title`` (``info.version`` ``version``).

    The clients depend only on what both versions state alike (paths, verbs, kinds, content
    types, parameter names), so a server's v3 documents give the same clients as its v2 spec;
    the schemas are kept as v3 states them (``default``, ``nullable``, ``oneOf`` … that v2 drops).
    """
    definitions: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for document in documents:
        components = document.get("components") or {}
        shared = components.get("parameters") or {}
        for name, schema in (components.get("schemas") or {}).items():
            definitions.setdefault(name, _rewrite_refs(schema))
        for path, item in (document.get("paths") or {}).items():
            converted: dict[str, Any] = {}
            for key, value in item.items():
                if key in _METHODS and isinstance(value, dict):
                    converted[key] = _v2_operation(value, shared)
                elif key == "parameters":
                    converted[key] = _v2_parameters(value, shared)
            paths[path] = converted
    return {
        "swagger": "2.0",
        "info": {"title": title, "version": version},
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
        docs = kyaml.load_all(text, source=str(path))
    except ManifestError as exc:
        line = f" (line {exc.line})" if exc.line is not None else ""
        raise SpecError(str(path), "$", f"not valid YAML{line}: {exc.problem}") from None
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

#: Rate limits while reading a cluster's OpenAPI documents (one request per group-version), as
#: kubectl's discovery client raises them; a kubeconfig without rate limiting keeps none.
_FETCH_QPS = 50.0
_FETCH_BURST = 300


def _kubeconfig_name(kubeconfig: str | None, context: str | None) -> str:
    """The kubeconfig a cluster's settings come from, for messages."""
    if kubeconfig:
        where = kubeconfig
    elif os.environ.get("KUBECONFIG"):
        where = f"$KUBECONFIG ({os.environ['KUBECONFIG']})"
    else:
        where = "~/.kube/config"
    return f"{where}, context {context}" if context else f"{where}, current context"


def cluster_config(kubeconfig: str | None = None, context: str | None = None) -> Config:
    """The :class:`~kubeset.Config` clientgen reads a cluster with: the kubeconfig's server,
    credentials, CA, proxy and TLS settings (``kubeconfig``: a file, else ``$KUBECONFIG``, else
    ``~/.kube/config``; ``context``: instead of the current context)."""
    from kubeset import ConfigError, load_kubeconfig

    try:
        config = load_kubeconfig(kubeconfig, context=context)
    except ConfigError as exc:
        raise SpecError(_kubeconfig_name(kubeconfig, context), "$", str(exc)) from None
    if config.qps <= 0:
        return config
    return config.copy(qps=max(config.qps, _FETCH_QPS), burst=max(config.burst, _FETCH_BURST))


class _Cluster:
    """GETs of OpenAPI documents through kubeset's REST client; every failure a
    :class:`SpecError` naming the URL."""

    def __init__(self, config: Config) -> None:
        from kubeset._sync.rest import RESTClient

        self.host = config.host
        self._rest = RESTClient(config)

    def __enter__(self) -> _Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self._rest.close()

    def get(self, path: str, params: tuple[tuple[str, str], ...] = ()) -> bytes | None:
        """The body of ``GET path``, ``None`` when the server answers 404."""
        from kubeset import KubesetError, NotFound
        from kubeset.request import Request

        try:
            return self._rest.request(Request("GET", path, params)).content
        except NotFound:
            return None
        except KubesetError as exc:
            raise SpecError(f"{self.host}{path}", "$", f"cannot fetch: {exc}") from None

    def get_json(self, path: str, params: tuple[tuple[str, str], ...] = ()) -> Any:
        """``GET path`` parsed as JSON; a 404 is an error."""
        raw = self.get(path, params)
        if raw is None:
            raise SpecError(f"{self.host}{path}", "$", "the server answers 404 Not Found")
        return _json(raw, f"{self.host}{path}")


def _json(raw: bytes, source: str) -> Any:
    try:
        return json.loads(raw)
    except RecursionError:
        raise SpecError(source, "$", "the document is nested too deeply to read") from None
    except ValueError as exc:
        raise SpecError(source, "$", f"not JSON: {exc}") from None


def _check_v3(document: Any, source: str) -> dict[str, Any]:
    """``document`` if it is an OpenAPI v3 document, else an error naming ``source``."""
    if not isinstance(document, dict):
        raise SpecError(source, "$", "the document is not an object")
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise SpecError(source, "$.openapi", "not an OpenAPI v3 document (openapi: 3.x missing)")
    for key in ("paths", "components"):
        if not isinstance(document.get(key, {}), dict):
            raise SpecError(source, f"$.{key}", "must be an object")
    if not isinstance((document.get("components") or {}).get("schemas", {}), dict):
        raise SpecError(source, "$.components.schemas", "must be an object")
    return document


def _info(documents: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    """``info.title`` and ``info.version`` of a server's documents (those of ``api/v1``, where
    the server has it, which its ``/openapi/v2`` states too)."""
    keys = sorted(documents, key=lambda k: (k != "api/v1", k))
    for key in keys:
        info = documents[key].get("info")
        if isinstance(info, dict) and isinstance(info.get("title"), str):
            return info["title"], str(info.get("version") or "")
    return "Kubernetes", ""


def _v3_spec(documents: Mapping[str, dict[str, Any]], source: str) -> LoadedSpec:
    """One spec from a server's v3 documents (``{"apis/apps/v1": document, …}``)."""
    title, version = _info(documents)
    merged = v3_to_v2([documents[k] for k in sorted(documents)], title, version)
    return _loaded(merged, source)


def _index_documents(
    cluster: _Cluster, index_path: str, index: Any, groups: list[str]
) -> dict[str, dict[str, Any]]:
    """The documents an ``/openapi/v3`` index lists: every one, or those of ``groups``."""
    where = f"{cluster.host}{index_path}"
    entries = index.get("paths") if isinstance(index, dict) else None
    if not isinstance(entries, dict):
        raise SpecError(where, "$.paths", "missing: not an OpenAPI v3 index")
    if groups:
        missing = sorted(set(groups) - {_group_of(k) for k in entries})
        if missing:
            raise SpecError(where, "$.paths", f"the server serves no group {', '.join(missing)}")
    documents = {}
    for key, entry in sorted(entries.items()):
        if groups and _group_of(key) not in groups:
            continue
        url = entry.get("serverRelativeURL") if isinstance(entry, dict) else None
        # Without the ?hash= of the index: a hash gone stale (CRDs just changed) is answered
        # with a redirect, the bare path with the current document.
        path = str(url or f"{index_path.rstrip('/')}/{key}").partition("?")[0]
        documents[key] = _check_v3(cluster.get_json(path), f"{cluster.host}{path}")
    return documents


def spec_from_cluster(
    groups: Iterable[str] = (), *, kubeconfig: str | None = None, context: str | None = None
) -> LoadedSpec:
    """The spec of the cluster a kubeconfig points at, read through kubeset's REST client (the
    kubeconfig's credentials, CA and proxy): every group-version document of ``/openapi/v3`` —
    built-in groups, CRDs and aggregated APIs — or, with ``groups``, those groups' documents;
    on servers without v3, ``/openapi/v2`` (the part of it serving ``groups``)."""
    wanted = sorted(set(groups))
    config = cluster_config(kubeconfig, context)
    with _Cluster(config) as cluster:
        raw_index = cluster.get("/openapi/v3")
        if raw_index is not None:
            index = _json(raw_index, f"{config.host}/openapi/v3")
            documents = _index_documents(cluster, "/openapi/v3", index, wanted)
            source = f"{config.host}/openapi/v3"
            if not wanted:
                return _v3_spec(documents, source)
            merged = v3_to_v2([documents[k] for k in sorted(documents)], _title(wanted))
            return _loaded(merged, source)
        source = f"{config.host}/openapi/v2"
        if not wanted:
            raw = cluster.get("/openapi/v2")
            if raw is None:
                raise SpecError(
                    source, "$", "the server serves neither /openapi/v3 nor /openapi/v2"
                )
            return parse_spec(raw, source)
        full = cluster.get_json("/openapi/v2")
    return _loaded(_filter_v2(full, wanted, _title(wanted)), source)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"https": 443, "http": 80}.get(url.scheme)
    return url.scheme, url.host.lower(), url.port or default


def spec_from_url(
    url: str, *, kubeconfig: str | None = None, context: str | None = None
) -> LoadedSpec:
    """The spec at ``url`` on the cluster a kubeconfig points at, fetched with its credentials,
    CA and proxy: ``…/openapi/v2``, ``…/openapi/v3`` (the whole cluster, every document of the
    index) or one ``…/openapi/v3/<group-version>`` document.

    ``url`` must be on the kubeconfig's server (same scheme, host, port and path prefix): the
    credentials are never sent elsewhere, and a URL on another server is an error saying which
    server the kubeconfig names, so that ``--context`` picks the right one.
    """
    from kubeset.config import redact_url

    config = cluster_config(kubeconfig, context)
    shown = redact_url(url)
    try:
        target, server = httpx.URL(url), httpx.URL(config.host)
    except httpx.InvalidURL as exc:
        raise SpecError(shown, "$", f"not a valid URL: {exc}") from None
    prefix = server.path.rstrip("/")
    inside = target.path == prefix or target.path.startswith(prefix + "/")
    if _origin(target) != _origin(server) or not inside:
        raise SpecError(
            shown,
            "$",
            f"not on the cluster of {_kubeconfig_name(kubeconfig, context)}, whose server is "
            f"{config.host}: the kubeconfig's credentials go to its server only. Pass the "
            "--context (or --kubeconfig) of the cluster serving this URL, or save the spec "
            "and pass the file",
        )
    path = target.path[len(prefix) :] or "/"
    params = tuple(target.params.multi_items())
    with _Cluster(config) as cluster:
        raw = cluster.get(path, params)
        if raw is None:
            raise SpecError(shown, "$", "the server answers 404 Not Found")
        if path.rstrip("/") == "/openapi/v3":
            index = _json(raw, shown)
            return _v3_spec(_index_documents(cluster, path.rstrip("/"), index, []), shown)
    document = _json(raw, shown)
    if isinstance(document, dict) and "openapi" in document and "swagger" not in document:
        key = path.strip("/").removeprefix("openapi/v3/")
        return _v3_spec({key: _check_v3(document, shown)}, shown)
    return parse_spec(raw, shown)


# ------------------------------------------------------------------- saved OpenAPI v3 documents

_V3_SUFFIX = "_openapi.json"


def spec_from_v3_directory(location: str) -> LoadedSpec:
    """The spec of a server's OpenAPI v3 documents saved in a directory, as ``make openapi``
    (``python -m kubeset.envtest openapi``) writes them: ``<path>_openapi.json`` files
    (``apis__apps__v1_openapi.json``), in ``location`` or in its ``v3/`` subdirectory."""
    root = Path(location)
    directory = root
    if not any(root.glob("*" + _V3_SUFFIX)) and (root / "v3").is_dir():
        directory = root / "v3"
    files = sorted(p for p in directory.glob("*" + _V3_SUFFIX) if p.is_file())
    if not files:
        raise SpecError(
            location,
            "$",
            f"no OpenAPI v3 documents (*{_V3_SUFFIX}) here or in {location}/v3: a directory "
            "given to --spec holds a server's /openapi/v3 documents, as `make openapi` saves them",
        )
    documents = {}
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise SpecError(str(file), "$", f"cannot read: {exc.strerror or exc}") from None
        key = file.name.removesuffix(_V3_SUFFIX).replace("__", "/")
        documents[key] = _check_v3(_json(raw, str(file)), str(file))
    return _v3_spec(documents, str(directory))


def _title(groups: Iterable[str]) -> str:
    return ", ".join(sorted({g or "core" for g in groups}))


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
    parameters = full.get("parameters") or {}
    keep: set[str] = set()
    # Shared parameters (``#/parameters/body-…``) hold schemas too: follow them.
    stack: list[Any] = [paths, parameters]
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
        "parameters": parameters,
    }
