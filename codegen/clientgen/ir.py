"""The intermediate representation: what a clientset contains, independent of any template.

Built from a spec's ``paths`` (verbs from ``x-kubernetes-action``, kinds from
``x-kubernetes-group-version-kind``, patch types from ``consumes``) and ``definitions`` (models).
Frozen and sorted, so the same spec always gives the same IR.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from clientgen.naming import camel_plural, group_accessors, model_module, snake_case
from clientgen.patchmeta import patch_type_meta
from clientgen.spec import LoadedSpec, SpecError, json_path, resolve_ref
from kubeset.patchmeta import TypeMeta

__all__ = [
    "Clientset",
    "Connect",
    "GroupVersion",
    "ModelRef",
    "Resource",
    "Subresource",
    "build_ir",
    "model_definitions",
    "rename_models",
]

#: Verbs of a resource or subresource, in client-go's order.
VERB_ORDER = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")

#: The patch content types kubeset sends (``apply-patch+cbor`` is the same verb as ``+yaml``).
PATCH_TYPES = {
    "application/json-patch+json": "JSON",
    "application/merge-patch+json": "MERGE",
    "application/strategic-merge-patch+json": "STRATEGIC",
    "application/apply-patch+yaml": "APPLY",
}

#: Subresources whose methods have client-go's hand-picked names.
SUBRESOURCE_METHODS = {
    ("finalize", "update"): "finalize",
    ("eviction", "create"): "evict",
    ("binding", "create"): "bind",
    ("token", "create"): "create_token",
}
#: Subresource names that are several words run together.
SUBRESOURCE_WORDS = {"ephemeralcontainers": "ephemeral_containers"}
#: The verbs of the status and scale subresources the runtime mixins serve.
_GET_UPDATE_PATCH = ("get", "update", "patch")

_PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/{}]+)/(?P<version>[^/{}]+))"
    r"(?P<watch>/watch)?"
    r"(?P<ns>/namespaces/\{namespace\})?"
    r"/(?P<plural>[^/{}]+)"
    r"(?:/\{name\}(?:/(?P<sub>[^/{}]+))?)?$"
)
_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
#: ``connect`` operations: exec, attach, portforward and proxy, whose proxy also has a form with a
#: path below it (``/pods/{name}/proxy/{path}``).
_CONNECT_PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/{}]+)/(?P<version>[^/{}]+))"
    r"(?P<ns>/namespaces/\{namespace\})?"
    r"/(?P<plural>[^/{}]+)/\{name\}/(?P<sub>[^/{}]+)(?P<tail>/\{path\})?$"
)
#: The order HTTP methods of a connect subresource are listed in.
CONNECT_METHOD_ORDER = ("GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: Connect subresources the runtime serves with a mixin of its own (anything else: ``connect``).
CONNECT_MIXINS = {
    "exec": "WithExec",
    "attach": "WithAttach",
    "portforward": "WithPortForward",
    "proxy": "WithProxy",
}


@dataclass(frozen=True, order=True)
class ModelRef:
    """A generated model class: ``models/<module>.py``'s ``<name>``, made for the spec's
    ``definition``."""

    module: str
    name: str
    definition: str = field(default="", compare=False)


@dataclass(frozen=True)
class Subresource:
    """One subresource (``status``, ``scale``, ``eviction`` …) of a resource."""

    name: str
    verbs: tuple[str, ...]
    model: ModelRef | None
    body_model: ModelRef | None
    api_version: str
    kind: str
    patch_types: tuple[str, ...]
    same_model: bool

    @property
    def stem(self) -> str:
        """The snake_case word(s) used in method names (``ephemeral_containers``)."""
        return SUBRESOURCE_WORDS.get(self.name, snake_case(self.name))

    def method(self, verb: str) -> str:
        """The Python method for ``verb`` on this subresource (``update_status``, ``evict``)."""
        special = SUBRESOURCE_METHODS.get((self.name, verb))
        if special:
            return special
        prefix = {"get": "get", "update": "update", "patch": "patch", "create": "create"}[verb]
        return f"{prefix}_{self.stem}"

    @property
    def runtime_mixin(self) -> str | None:
        """The runtime mixin serving this subresource (``WithStatus``, ``WithScale``,
        ``WithLogs``), or ``None`` when it is declared method by method."""
        if self.name == "log" and self.verbs == ("get",):
            return "WithLogs"
        full = self.verbs == _GET_UPDATE_PATCH and self.applies
        if self.name == "status" and self.same_model and full:
            return "WithStatus"
        if self.name == "scale" and full and self.model is not None:
            return "WithScale" if self.body_model == self.model and not self.same_model else None
        return None

    @property
    def applies(self) -> bool:
        """Whether server-side apply is accepted (``apply_<stem>``)."""
        return "APPLY" in self.patch_types


@dataclass(frozen=True)
class Connect:
    """One ``connect`` subresource (``exec``, ``attach``, ``portforward``, ``proxy``) of a
    resource: the HTTP methods the spec declares for it, and for the form with a path below it
    (``proxy/{path}``: ``path_methods``)."""

    name: str
    methods: tuple[str, ...]
    path_methods: tuple[str, ...] = ()

    @property
    def runtime_mixin(self) -> str:
        """The runtime mixin serving it (``WithExec`` …; ``WithConnect`` for any other name:
        its raw ``connect()`` request)."""
        return CONNECT_MIXINS.get(self.name, "WithConnect")


@dataclass(frozen=True)
class Resource:
    """One resource type of a group-version, with exactly the verbs its paths declare."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...]
    patch_types: tuple[str, ...]
    model: ModelRef
    list_model: ModelRef | None
    subresources: tuple[Subresource, ...] = ()
    connect: tuple[Connect, ...] = ()

    @property
    def api_version(self) -> str:
        """``v1`` or ``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def camel_plural(self) -> str:
        """``ConfigMaps``: the kind pluralised as the URL is."""
        return camel_plural(self.kind, self.plural)

    @property
    def accessor(self) -> str:
        """``config_maps``: the group client's accessor."""
        return snake_case(self.camel_plural)

    @property
    def applies(self) -> bool:
        """Whether server-side apply is accepted."""
        return "APPLY" in self.patch_types

    @property
    def list_kind(self) -> str:
        """``PodList``."""
        return self.list_model.name if self.list_model else f"{self.kind}List"


@dataclass(frozen=True)
class GroupVersion:
    """One API group-version and its resources."""

    group: str
    version: str
    accessor: str
    resources: tuple[Resource, ...]
    module: str = ""
    """The name of its modules under ``typed/`` (and ``models/``): the model module its resources
    share (``apiserverinternal_v1alpha1`` for internal.apiserver.k8s.io/v1alpha1, whose accessor
    is ``internal_v1alpha1``), so that a group-version's clients and models sit in modules of the
    same name."""

    @property
    def api_version(self) -> str:
        """``v1`` or ``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def models(self) -> tuple[str, ...]:
        """The model modules this group-version's resources use."""
        refs: set[str] = set()
        for resource in self.resources:
            refs.add(resource.model.module)
            if resource.list_model:
                refs.add(resource.list_model.module)
            for sub in resource.subresources:
                for ref in (sub.model, sub.body_model):
                    if ref is not None:
                        refs.add(ref.module)
        return tuple(sorted(refs))


@dataclass(frozen=True)
class Clientset:
    """Everything one generated package holds."""

    package: str
    source: str
    title: str
    sha256: str
    group_versions: tuple[GroupVersion, ...]
    skipped: tuple[str, ...] = field(default=())
    patch_meta: Mapping[str, TypeMeta] = field(default_factory=dict, compare=False, repr=False)
    """The patch metadata of every named type of the spec (:mod:`clientgen.patchmeta`)."""

    @property
    def resource_count(self) -> int:
        """Number of resources across all group-versions."""
        return sum(len(gv.resources) for gv in self.group_versions)


@dataclass
class _Sub:
    verbs: set[str] = field(default_factory=set)
    model: str | None = None
    body: str | None = None
    gvk: tuple[str, str] | None = None
    patch_types: set[str] = field(default_factory=set)


@dataclass
class _Res:
    namespaced: bool = False
    verbs: set[str] = field(default_factory=set)
    kind: str | None = None
    model_by_verb: dict[str, str] = field(default_factory=dict)
    list_model: str | None = None
    patch_types: set[str] = field(default_factory=set)
    subs: dict[str, _Sub] = field(default_factory=dict)
    connect: dict[str, set[str]] = field(default_factory=dict)


def _schema_ref(schema: Any) -> str | None:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            return ref[len("#/definitions/") :]
    return None


def _response_ref(op: dict[str, Any]) -> str | None:
    for code in sorted(op.get("responses") or {}):
        if code.startswith("2"):
            ref = _schema_ref((op["responses"][code] or {}).get("schema"))
            if ref:
                return ref
    return None


def _body_ref(spec: LoadedSpec, params: list[Any]) -> str | None:
    for param in params:
        if isinstance(param, dict) and "$ref" in param:
            param = resolve_ref(spec.data, param["$ref"])
        if isinstance(param, dict) and param.get("in") == "body":
            return _schema_ref(param.get("schema"))
    return None


def _definition_gvk(spec: LoadedSpec, definition: str) -> tuple[str, str] | None:
    """The one group/version/kind a definition declares (a subresource body such as Scale
    carries its own, whatever the operation says)."""
    schema = spec.definitions.get(definition)
    gvks = schema.get("x-kubernetes-group-version-kind") if isinstance(schema, dict) else None
    if isinstance(gvks, list) and len(gvks) == 1 and isinstance(gvks[0], dict):
        gvk = gvks[0]
        version = (
            f"{gvk['group']}/{gvk['version']}" if gvk.get("group") else str(gvk.get("version"))
        )
        return version, str(gvk.get("kind"))
    return None


def _declares_watch(spec: LoadedSpec, params: list[Any]) -> bool:
    for param in params:
        if isinstance(param, dict) and "$ref" in param:
            param = resolve_ref(spec.data, param["$ref"])
        if isinstance(param, dict) and param.get("in") == "query" and param.get("name") == "watch":
            return True
    return False


def _verb(method: str, action: str, named: bool, sub: str | None, watch: bool) -> str | None:
    if watch or action in ("watch", "watchlist"):
        return "watch"
    if sub or named:
        return {
            "get": "get",
            "put": "update",
            "patch": "patch",
            "delete": "delete",
            "post": "create",
        }.get(method)
    return {"get": "list", "post": "create", "delete": "deletecollection"}.get(method)


def _connects(found: dict[str, set[str]]) -> tuple[Connect, ...]:
    """The connect subresources of one resource, by name, the ``/{path}`` forms folded in."""

    def ordered(methods: set[str]) -> tuple[str, ...]:
        return tuple(m for m in CONNECT_METHOD_ORDER if m in methods)

    names = sorted({name.removesuffix("/{path}") for name in found})
    return tuple(
        Connect(
            name, ordered(found.get(name, set())), ordered(found.get(f"{name}/{{path}}", set()))
        )
        for name in names
    )


Naming = Callable[[str], tuple[str, str]]


def model_definitions(ir: Clientset) -> set[str]:
    """The definitions the IR's resources use as models (object, list, subresource bodies)."""
    used: set[str] = set()
    for gv in ir.group_versions:
        for r in gv.resources:
            refs = [
                r.model,
                r.list_model,
                *(x for s in r.subresources for x in (s.model, s.body_model)),
            ]
            used.update(ref.definition for ref in refs if ref is not None)
    return used


def rename_models(ir: Clientset, naming: Naming) -> Clientset:
    """The same IR with every model named by ``naming`` (the model plan decides the names once it
    knows which definitions the IR uses: the IR is built once, then renamed)."""

    def ref(old: ModelRef | None) -> ModelRef | None:
        return None if old is None else ModelRef(*naming(old.definition), old.definition)

    def resource(r: Resource) -> Resource:
        subs = tuple(
            replace(s, model=ref(s.model), body_model=ref(s.body_model)) for s in r.subresources
        )
        return replace(
            r, model=ref(r.model) or r.model, list_model=ref(r.list_model), subresources=subs
        )

    gvs = [replace(gv, resources=tuple(map(resource, gv.resources))) for gv in ir.group_versions]
    return replace(ir, group_versions=_with_modules(gvs))


def _with_modules(gvs: list[GroupVersion]) -> tuple[GroupVersion, ...]:
    """``gvs`` with their ``module``: the one model module of their resources when no other
    group-version shares it, else the accessor."""
    modules = [{r.model.module for r in gv.resources} for gv in gvs]
    counts: dict[str, int] = {}
    for names in modules:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    out = []
    for gv, names in zip(gvs, modules, strict=True):
        only = next(iter(names)) if len(names) == 1 else None
        module = only if only is not None and counts[only] == 1 else gv.accessor
        out.append(replace(gv, module=module))
    return tuple(out)


def build_ir(spec: LoadedSpec, package: str, naming: Naming = model_module) -> Clientset:
    """The :class:`Clientset` IR of a loaded spec; ``naming`` maps a definition to its
    ``(module, Class)``."""

    def _ref(definition: str) -> ModelRef:
        module, name = naming(definition)
        return ModelRef(module, name, definition)

    found: dict[tuple[str, str, str], _Res] = {}
    skipped: list[str] = []
    connect: list[tuple[str, str]] = []
    watch_paths = any(
        isinstance(op, dict) and op.get("x-kubernetes-action") in ("watch", "watchlist")
        for item in spec.paths.values()
        if isinstance(item, dict)
        for op in item.values()
    )
    at: list[str | int] = ["paths"]
    try:
        for path in sorted(spec.paths):
            at[:] = ["paths", path]
            item = spec.paths[path]
            match = _PATH.match(path)
            if not isinstance(item, dict):
                continue
            common = item.get("parameters") or []
            for method in _METHODS:
                at[2:] = [method]
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                action = op.get("x-kubernetes-action")
                if action == "connect":
                    connect.append((path, method))
                    continue
                if action is None:
                    continue
                if match is None:
                    skipped.append(f"{method.upper()} {path}")
                    continue
                group = match.group("group") or ""
                version = match.group("core") or match.group("version")
                plural, sub = match.group("plural"), match.group("sub")
                named = "{name}" in path
                verb = _verb(method, action, named, sub, bool(match.group("watch")))
                if verb is None:
                    skipped.append(f"{method.upper()} {path}")
                    continue
                res = found.setdefault((group, version, plural), _Res())
                res.namespaced |= match.group("ns") is not None
                gvk = op.get("x-kubernetes-group-version-kind") or {}
                params = [*common, *(op.get("parameters") or [])]
                patch_types = {PATCH_TYPES[c] for c in op.get("consumes", []) if c in PATCH_TYPES}
                if sub:
                    entry = res.subs.setdefault(sub, _Sub())
                    entry.verbs.add(verb)
                    entry.model = entry.model or _response_ref(op)
                    entry.body = entry.body or _body_ref(spec, params)
                    if gvk and entry.gvk is None:
                        gv = (
                            f"{gvk['group']}/{gvk['version']}"
                            if gvk.get("group")
                            else gvk["version"]
                        )
                        entry.gvk = (gv, gvk["kind"])
                    if verb == "patch":
                        entry.patch_types |= patch_types
                    continue
                res.verbs.add(verb)
                if verb == "list" and not watch_paths and _declares_watch(spec, params):
                    res.verbs.add("watch")  # v3 documents have no /watch/ paths: the list says it
                if gvk and verb != "watch":
                    res.kind = res.kind or gvk.get("kind")
                ref = _response_ref(op)
                if verb == "list":
                    res.list_model = res.list_model or ref
                elif ref and verb != "watch":
                    res.model_by_verb.setdefault(verb, ref)
                if verb == "patch":
                    res.patch_types |= patch_types
        for path, method in connect:
            at[:] = ["paths", path, method]
            cmatch = _CONNECT_PATH.match(path)
            key = None
            if cmatch is not None:
                group = cmatch.group("group") or ""
                key = (
                    group,
                    cmatch.group("core") or cmatch.group("version"),
                    cmatch.group("plural"),
                )
            if cmatch is None or key not in found:
                skipped.append(f"{method.upper()} {path}")
                continue
            sub = cmatch.group("sub") + ("/{path}" if cmatch.group("tail") else "")
            found[key].connect.setdefault(sub, set()).add(method.upper())
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        # A malformed operation (``consumes: null``, a parameter that is not an object …).
        reason = f"malformed operation ({type(exc).__name__}: {exc})"
        raise SpecError(spec.source, json_path(at), reason) from None
    accessors = group_accessors(g for g, _, _ in found)
    by_gv: dict[tuple[str, str], list[Resource]] = {}
    for (group, version, plural), res in sorted(found.items()):
        where = json_path(["paths", f"/{plural}"])
        model_def = next(
            (
                res.model_by_verb[v]
                for v in ("get", "create", "update", "patch", "delete")
                if v in res.model_by_verb
            ),
            None,
        )
        if model_def is None or res.kind is None:
            raise SpecError(spec.source, where, f"{group}/{version} {plural}: no model found")
        model = _ref(model_def)
        subs = []
        for name, entry in sorted(res.subs.items()):
            sub_model = _ref(entry.model) if entry.model else None
            body = _ref(entry.body) if entry.body else sub_model
            api_version, kind = (
                _definition_gvk(spec, entry.body or entry.model or "")
                or entry.gvk
                or (f"{group}/{version}" if group else version, res.kind)
            )
            subs.append(
                Subresource(
                    name=name,
                    verbs=tuple(v for v in VERB_ORDER if v in entry.verbs),
                    model=sub_model,
                    body_model=body,
                    api_version=api_version,
                    kind=kind,
                    patch_types=tuple(sorted(entry.patch_types)),
                    same_model=sub_model == model,
                )
            )
        by_gv.setdefault((group, version), []).append(
            Resource(
                group=group,
                version=version,
                kind=res.kind,
                plural=plural,
                namespaced=res.namespaced,
                verbs=tuple(v for v in VERB_ORDER if v in res.verbs),
                patch_types=tuple(sorted(res.patch_types)),
                model=model,
                list_model=_ref(res.list_model) if res.list_model else None,
                subresources=tuple(subs),
                connect=_connects(res.connect),
            )
        )
    ordered = sorted(by_gv.items(), key=lambda kv: (accessors[kv[0][0]], kv[0][1]))
    gvs = _with_modules(
        [
            GroupVersion(group, version, f"{accessors[group]}_{version}", tuple(resources))
            for (group, version), resources in ordered
        ]
    )
    served = {r.model.definition for gv in gvs for r in gv.resources}
    return Clientset(
        package,
        spec.source,
        spec.title,
        spec.sha256,
        gvs,
        tuple(skipped),
        patch_type_meta(spec.definitions, served),
    )
