"""Manifests, typed: a registry from (apiVersion, kind) to model and client, loading YAML files
into typed objects, and applying them like ``kubectl apply -f``.

::

    from kubeset.manifests import Registry, apply_all, load_all

    registry = Registry.for_packages("kubeset_k8s", "my_crds")
    docs = load_all(Path("deploy/"), registry=registry)       # a file, a directory, or text
    docs[0].obj                                                # a typed model (or a dict)
    report = apply_all(cs, docs, field_manager="deployer")    # server-side apply, in order
    print(report)                                              # configmap/demo created …
    assert report.ok, report.failed

* :class:`Registry`: what generated packages serve, by ``(apiVersion, kind)``: the model class
  (:meth:`Registry.model`), the :class:`~kubeset.resource.ResourceInfo`
  (:meth:`Registry.resource`) and the resource client.
* :func:`load_all`: every document of a YAML or JSON text, file or directory (``*.yaml``,
  ``*.yml``, ``*.json``, sorted by name) as a :class:`Document`; kinds the registry knows are
  validated into their models, the others stay plain dicts (what the dynamic client takes).
  ``kind: List`` documents are expanded into their items. A document that is not a usable
  object raises :class:`InvalidDocument` (a :class:`~kubeset.errors.ManifestError`) naming the
  file, the document's index and the field.
* :func:`apply_all` / :func:`async_apply_all`: server-side apply of each document with a field
  manager, Namespaces and CustomResourceDefinitions first (waiting for each CRD to be
  Established), then the rest in a fixed order of kinds, file order within a kind; an
  :class:`ApplyReport` says per document what happened (``created``, ``configured``,
  ``unchanged``) or why it failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from kubeset import kyaml
from kubeset.errors import KubesetError, ManifestError
from kubeset.model import to_dict
from kubeset.registry import PackageResource, package_of, scan_package
from kubeset.resource import ResourceInfo

if TYPE_CHECKING:
    from kubeset._async.manifests import apply_all as async_apply_all
    from kubeset._sync.manifests import apply_all

__all__ = [
    "ApplyFailed",
    "ApplyReport",
    "Document",
    "DocumentResult",
    "InvalidDocument",
    "Outcome",
    "Registry",
    "apply_all",
    "apply_order",
    "async_apply_all",
    "load_all",
]

DEFAULT_PACKAGE = "kubeset_k8s"
#: File names a directory source contributes (``kubectl apply -f dir/`` reads the same).
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def __getattr__(name: str) -> Any:
    # The apply functions live in kubeset._async/_sync.manifests, which import this module:
    # imported on first use so that either side can be imported first.
    if name == "apply_all":
        from kubeset._sync.manifests import apply_all

        return apply_all
    if name == "async_apply_all":
        from kubeset._async.manifests import apply_all as async_apply_all

        return async_apply_all
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- the registry ---------------------------------------------------------------------------------


class Registry:
    """The resources of generated packages by ``(apiVersion, kind)``: model, ResourceInfo and
    client classes. When packages serve the same kind, the first package added wins."""

    def __init__(self, resources: Iterable[PackageResource] = ()) -> None:
        self._by_gvk: dict[tuple[str, str], PackageResource] = {}
        self._packages: list[str] = []
        for res in resources:
            self._add(res)

    @classmethod
    def for_packages(cls, *packages: str) -> Registry:
        """The resources of the generated packages named (``"kubeset_k8s"``, ``"my_crds"``)."""
        registry = cls()
        for package in packages:
            registry.add_package(package)
        return registry

    @classmethod
    def for_clientset(cls, clientset: object, *packages: str) -> Registry:
        """The resources of the package ``clientset``'s class comes from, then of
        ``kubeset_k8s`` (a CRD package's clientset has only its own kinds), then of
        ``packages``."""
        registry = cls()
        for package in (package_of(clientset), DEFAULT_PACKAGE, *packages):
            try:
                registry.add_package(package)
            except ModuleNotFoundError:
                if package in packages:
                    raise
        return registry

    @classmethod
    def default(cls) -> Registry:
        """The built-in API (``kubeset_k8s``), or an empty registry when it is not installed."""
        try:
            return cls.for_packages(DEFAULT_PACKAGE)
        except ModuleNotFoundError:
            return cls()

    @property
    def packages(self) -> tuple[str, ...]:
        """The packages added, in order."""
        return tuple(self._packages)

    def add_package(self, package: str) -> None:
        """Add the resources of the generated package ``package`` (idempotent)."""
        if package in self._packages:
            return
        for res in scan_package(package):
            self._add(res)
        if package not in self._packages:  # a package without resources
            self._packages.append(package)

    def _add(self, res: PackageResource) -> None:
        self._by_gvk.setdefault((res.info.api_version, res.info.kind), res)
        if res.package not in self._packages:
            self._packages.append(res.package)

    def entry(self, api_version: str, kind: str) -> PackageResource | None:
        """Everything known of ``kind`` in ``api_version``, or ``None``."""
        return self._by_gvk.get((api_version, kind))

    def model(self, api_version: str, kind: str) -> type[Any] | None:
        """The model class of ``kind`` in ``api_version`` (``("apps/v1", "Deployment")``), or
        ``None`` when no package added serves it."""
        res = self._by_gvk.get((api_version, kind))
        return res.model if res is not None else None

    def resource(self, api_version: str, kind: str) -> ResourceInfo | None:
        """The :class:`ResourceInfo` (plural, scope, verbs) of ``kind``, or ``None``."""
        res = self._by_gvk.get((api_version, kind))
        return res.info if res is not None else None

    def kinds(self) -> list[tuple[str, str]]:
        """Every ``(apiVersion, kind)`` known, sorted."""
        return sorted(self._by_gvk)

    def __contains__(self, key: object) -> bool:
        return key in self._by_gvk

    def __len__(self) -> int:
        return len(self._by_gvk)

    def __repr__(self) -> str:
        return f"<Registry {len(self)} kinds from {', '.join(self._packages) or 'no package'}>"


# --- documents ------------------------------------------------------------------------------------


class InvalidDocument(ManifestError):
    """A document that parses but is not a usable object: not a mapping, no ``apiVersion`` or
    ``kind``, or a field its model refuses. ``source``, ``index`` (the document's number in the
    file, from 0, empty documents not counted) and ``field`` (a dotted path, ``""`` for the
    document itself) name it."""

    def __init__(self, problem: str, *, source: str, index: int, field: str = "") -> None:
        self.index = index
        self.field = field
        where = f"document {index}" + (f", field {field}" if field else "")
        super().__init__(f"{where}: {problem}", source=source)


@dataclass(frozen=True)
class Document:
    """One object of a manifest: ``obj`` is a typed model when the registry knows its kind,
    else the plain dict; where it came from (``source``; ``index``, the document's number in
    the file from 0, empty documents not counted; ``item`` within a ``kind: List`` document)
    and what it is."""

    obj: Any
    source: str
    index: int
    api_version: str
    kind: str
    name: str | None = None
    namespace: str | None = None
    item: int | None = None

    @classmethod
    def of(
        cls,
        obj: BaseModel | Mapping[str, Any],
        *,
        source: str = "<object>",
        index: int = 0,
        registry: Registry | None = None,
    ) -> Document:
        """A document for an object built in code (a model or a dict), typed when ``registry``
        knows its kind and it is a dict."""
        data = to_dict(obj)
        if isinstance(obj, BaseModel):
            api_version, kind = _model_gvk(obj, data)
            if not (api_version and kind):
                raise InvalidDocument(
                    f"{type(obj).__name__} has no apiVersion/kind", source=source, index=index
                )
            md = data.get("metadata")
            metadata: dict[str, Any] = md if isinstance(md, dict) else {}
            return cls(
                obj,
                source,
                index,
                api_version,
                kind,
                _str_or_none(metadata.get("name")),
                _str_or_none(metadata.get("namespace")),
            )
        return _document(data, source, index, None, registry)

    @property
    def typed(self) -> bool:
        """Whether ``obj`` is a model (the registry knew the kind)."""
        return isinstance(self.obj, BaseModel)

    @property
    def group(self) -> str:
        """The API group (``""`` for the core group)."""
        return self.api_version.rpartition("/")[0]

    @property
    def label(self) -> str:
        """``kind.group/name`` in lower case, as kubectl prints it (``deployment.apps/web``)."""
        kind = self.kind.lower() + (f".{self.group}" if self.group else "")
        return f"{kind}/{self.name or '<no name>'}"

    @property
    def where(self) -> str:
        """``app.yaml, document 2`` (``, item 0`` inside a List)."""
        item = f", item {self.item}" if self.item is not None else ""
        return f"{self.source}, document {self.index}{item}"

    def to_dict(self) -> dict[str, Any]:
        """The object as a JSON-ready dict (wire names)."""
        return to_dict(self.obj)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _model_gvk(obj: BaseModel, data: Mapping[str, Any]) -> tuple[str, str]:
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not (isinstance(api_version, str) and isinstance(kind, str)):
        # A model built without apiVersion/kind: its client's ResourceInfo knows them.
        info = _info_of_model(type(obj))
        if info is not None:
            return info.api_version, info.kind
        return "", ""
    return api_version, kind


def _info_of_model(model: type[Any]) -> ResourceInfo | None:
    for res in scan_package(package_of(model)) if _has_typed(model) else ():
        if res.model is model:
            return res.info
    return None


def _has_typed(model: type[Any]) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(f"{package_of(model)}.typed") is not None
    except ModuleNotFoundError:
        return False


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _document(
    data: Any, source: str, index: int, item: int | None, registry: Registry | None
) -> Document:
    def bad(problem: str, field: str = "") -> InvalidDocument:
        where = f"items[{item}]" + (f".{field}" if field else "") if item is not None else field
        return InvalidDocument(problem, source=source, index=index, field=where)

    if not isinstance(data, Mapping):
        raise bad(f"not an object (a {type(data).__name__})")
    for key in ("apiVersion", "kind"):
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise bad(
                "required" if value is None else f"must be a non-empty string: {value!r}", key
            )
    metadata = data.get("metadata")
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, Mapping):
        raise bad(f"must be an object, not {type(metadata).__name__}", "metadata")
    for key in ("name", "namespace"):
        value = metadata.get(key)
        if value is not None and not isinstance(value, str):
            raise bad(f"must be a string: {value!r}", f"metadata.{key}")
    api_version: str = data["apiVersion"]
    kind: str = data["kind"]
    obj: Any = dict(data)
    model = registry.model(api_version, kind) if registry is not None else None
    if model is not None:
        try:
            obj = model.model_validate(obj)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise bad(first["msg"], _field_path(tuple(first["loc"]))) from None
    return Document(
        obj,
        source,
        index,
        api_version,
        kind,
        _str_or_none(metadata.get("name")),
        _str_or_none(metadata.get("namespace")),
        item,
    )


def _is_list(data: Any) -> bool:
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("kind"), str)
        and data["kind"].endswith("List")
        and isinstance(data.get("items"), list)
    )


def _documents_of_text(text: str | bytes, source: str, registry: Registry | None) -> list[Document]:
    out: list[Document] = []
    for index, data in enumerate(kyaml.load_all(text, source=source)):
        if _is_list(data):
            for item, element in enumerate(data["items"]):
                out.append(_document(element, source, index, item, registry))
        else:
            out.append(_document(data, source, index, None, registry))
    return out


def manifest_files(path: Path, *, recursive: bool = False) -> list[Path]:
    """The files ``path`` stands for: itself, or a directory's ``*.yaml``, ``*.yml`` and
    ``*.json`` files sorted by name (in subdirectories too with ``recursive``)."""
    if not path.is_dir():
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or directory")
        return [path]
    found = path.rglob("*") if recursive else path.iterdir()
    return sorted(p for p in found if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES)


def load_all(
    source: str | Path | bytes,
    *,
    registry: Registry | None = None,
    recursive: bool = False,
    name: str | None = None,
) -> list[Document]:
    """Every object of a manifest, typed where ``registry`` (default: the built-in API) knows
    its kind, in file order.

    ``source`` is a :class:`~pathlib.Path` (a file, or a directory whose ``*.yaml``, ``*.yml``
    and ``*.json`` files are read in name order, like ``kubectl apply -f dir/``; with
    ``recursive`` its subdirectories too), YAML or JSON text as ``str`` or ``bytes`` (named
    ``name``, default ``<string>``, in documents and errors), or a ``str`` of one line naming
    an existing file or ending in ``.yaml``/``.yml``/``.json`` (read as a path). YAML is read
    as Kubernetes reads it (:mod:`kubeset.kyaml`); empty documents are left out (and not
    counted); ``kind: List`` documents give one document per item.

    Raises :class:`~kubeset.errors.ManifestError` for text that is not YAML (with line and
    column) and :class:`InvalidDocument` for a document that is not a usable object.
    """
    if registry is None:
        registry = Registry.default()
    if isinstance(source, bytes) or (isinstance(source, str) and not _looks_like_path(source)):
        return _documents_of_text(source, name or "<string>", registry)
    out: list[Document] = []
    for file in manifest_files(Path(source), recursive=recursive):
        shown = str(file)
        out.extend(_documents_of_text(file.read_bytes(), shown, registry))
    return out


def _looks_like_path(text: str) -> bool:
    if "\n" in text or not text.strip():
        return False
    return text.lower().endswith(MANIFEST_SUFFIXES) or Path(text).exists()


# --- apply order ----------------------------------------------------------------------------------

_CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")

# Classes of kinds, applied in this order: what later objects need comes first.
_CLASSES: dict[tuple[str, str], int] = {
    ("", "Namespace"): 0,
    _CRD: 1,
    # cluster-wide classes and limits that objects are admitted against
    ("scheduling.k8s.io", "PriorityClass"): 2,
    ("storage.k8s.io", "StorageClass"): 2,
    ("storage.k8s.io", "CSIDriver"): 2,
    ("node.k8s.io", "RuntimeClass"): 2,
    ("networking.k8s.io", "IngressClass"): 2,
    ("resource.k8s.io", "DeviceClass"): 2,
    ("", "ResourceQuota"): 2,
    ("", "LimitRange"): 2,
    ("policy", "PodDisruptionBudget"): 2,
    ("networking.k8s.io", "NetworkPolicy"): 2,
    # identity and access
    ("", "ServiceAccount"): 3,
    ("rbac.authorization.k8s.io", "ClusterRole"): 3,
    ("rbac.authorization.k8s.io", "Role"): 3,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): 3,
    ("rbac.authorization.k8s.io", "RoleBinding"): 3,
    # configuration and storage that pods mount
    ("", "Secret"): 4,
    ("", "ConfigMap"): 4,
    ("", "PersistentVolume"): 4,
    ("", "PersistentVolumeClaim"): 4,
    # services before their pods (pods see the services that exist when they start)
    ("", "Service"): 5,
    # everything else (workloads, custom resources …): 6
    # admission last: a webhook must not intercept the creation of its own backend
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): 7,
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): 7,
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"): 7,
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"): 7,
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"): 7,
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"): 7,
    ("apiregistration.k8s.io", "APIService"): 7,
}
_OTHER = 6


def apply_order(documents: Iterable[Document]) -> list[Document]:
    """``documents`` in the order :func:`apply_all` applies them: Namespaces, then
    CustomResourceDefinitions, then cluster-wide classes and quotas, ServiceAccounts and RBAC,
    Secrets, ConfigMaps and volumes, Services, then every other kind (workloads, custom
    resources), admission webhooks and policies and APIServices last; the given order within
    each class."""
    return sorted(documents, key=lambda d: _CLASSES.get((d.group, d.kind), _OTHER))


def is_crd(document: Document) -> bool:
    return (document.group, document.kind) == _CRD


def as_documents(
    objects: Iterable[Document | BaseModel | Mapping[str, Any]], registry: Registry | None
) -> list[Document]:
    """Documents as they are; models and dicts built in code become documents of
    ``<object>``, numbered by their position."""
    return [
        obj if isinstance(obj, Document) else Document.of(obj, index=i, registry=registry)
        for i, obj in enumerate(objects)
    ]


# --- the report -----------------------------------------------------------------------------------

Outcome = Literal["created", "configured", "unchanged", "failed", "skipped"]


@dataclass(frozen=True)
class DocumentResult:
    """What applying one document did. ``outcome``: ``created`` (it did not exist),
    ``configured`` (it changed), ``unchanged``, ``failed`` (``error`` says why, ``exception`` is
    the error raised, when one was) or ``skipped`` (not tried: an earlier one failed with
    ``stop_on_error``). ``object`` is the server's answer (typed like the document).

    ``configured`` means the server wrote the object: its resourceVersion moved (in a dry run,
    which persists nothing, its content differs). An object whose manifest sets no field but
    its name (a bare Namespace) is ``configured`` once more on the second apply: the server then
    records the fields it set itself in ``managedFields``."""

    document: Document
    outcome: Outcome
    error: str | None = None
    exception: BaseException | None = field(default=None, compare=False)
    object: Any = field(default=None, compare=False)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome in ("created", "configured", "unchanged")

    @property
    def source(self) -> str:
        return self.document.source

    @property
    def index(self) -> int:
        return self.document.index

    @property
    def kind(self) -> str:
        return self.document.kind

    @property
    def name(self) -> str | None:
        return self.document.name

    @property
    def namespace(self) -> str | None:
        """The namespace it was applied in (``None``: cluster-scoped, or not resolved)."""
        md = _metadata_of(self.object)
        ns = md.get("namespace") if md else None
        return ns if isinstance(ns, str) and ns else self.document.namespace

    def __str__(self) -> str:
        label = self.document.label
        if self.ok:
            return f"{label} {self.outcome}" + (" (server dry run)" if self.dry_run else "")
        return f"{label} {self.outcome} ({self.document.where}): {self.error}"


def _metadata_of(obj: Any) -> dict[str, Any] | None:
    if isinstance(obj, BaseModel | Mapping):
        md = to_dict(obj).get("metadata")
        return md if isinstance(md, dict) else None
    return None


@dataclass(frozen=True)
class ApplyReport:
    """Per document, in the order applied, what happened."""

    results: list[DocumentResult]

    @property
    def ok(self) -> bool:
        """Whether every document was applied."""
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> list[DocumentResult]:
        """The documents that failed (or were skipped after a failure)."""
        return [r for r in self.results if not r.ok]

    def outcomes(self) -> dict[str, Outcome]:
        """``label → outcome`` (``{"configmap/demo": "created"}``); a label seen twice keeps the
        last."""
        return {r.document.label: r.outcome for r in self.results}

    def raise_for_failures(self) -> None:
        """Raise :class:`ApplyFailed` if any document failed."""
        if not self.ok:
            raise ApplyFailed(self)

    def __iter__(self) -> Iterator[DocumentResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self.results)


class ApplyFailed(KubesetError):
    """Some documents of an apply failed; ``report`` has every outcome."""

    def __init__(self, report: ApplyReport) -> None:
        self.report = report
        failed = report.failed
        super().__init__(
            f"{len(failed)} of {len(report)} documents failed:\n"
            + "\n".join(str(r) for r in failed)
        )


def is_established(crd: Any) -> tuple[bool, str]:
    """Whether a CustomResourceDefinition (model or dict) is Established, and when not, what its
    conditions say (a name conflict shows as ``NamesAccepted=False``)."""
    status = to_dict(crd).get("status") if isinstance(crd, BaseModel | Mapping) else None
    conditions = status.get("conditions") if isinstance(status, dict) else None
    notes = []
    for c in conditions if isinstance(conditions, list) else []:
        if not isinstance(c, dict):
            continue
        if c.get("type") == "Established" and c.get("status") == "True":
            return True, ""
        text = f"{c.get('type')}={c.get('status')}"
        if c.get("message"):
            text += f" ({c['message']})"
        notes.append(text)
    return False, "; ".join(notes) or "no conditions yet"


def names_rejected(crd: Any) -> str | None:
    """The message of a ``NamesAccepted=False`` condition (the CRD will never serve), or
    ``None``."""
    status = to_dict(crd).get("status") if isinstance(crd, BaseModel | Mapping) else None
    conditions = status.get("conditions") if isinstance(status, dict) else None
    for c in conditions if isinstance(conditions, list) else []:
        if isinstance(c, dict) and c.get("type") == "NamesAccepted" and c.get("status") == "False":
            return str(c.get("message") or c.get("reason") or "names not accepted")
    return None
