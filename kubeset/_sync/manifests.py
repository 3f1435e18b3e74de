# Generated from kubeset/_async/manifests.py by codegen/clientgen/unasync.py. DO NOT EDIT.
"""Applying manifests (``kubectl apply -f``): see :mod:`kubeset.manifests`, which offers this
module's ``apply_all`` as ``async_apply_all`` (from ``kubeset._sync``) and ``apply_all`` (from
``kubeset._sync``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from time import monotonic
from typing import Any, cast

from pydantic import BaseModel

from kubeset._sync.client import ResourceClient, WithApply, WithGet
from kubeset._sync.clientset import ClientsetBase
from kubeset._sync.dynamic import DynamicClient, DynamicResource
from kubeset._sync.rest import RESTClient
from kubeset.errors import ApiError, KubesetError, NotFound
from kubeset.manifests import (
    ApplyReport,
    Document,
    DocumentResult,
    Outcome,
    Registry,
    apply_order,
    as_documents,
    is_crd,
    is_established,
    names_rejected,
)
from kubeset.model import to_dict
from kubeset.resource import FieldValidation, ResourceInfo

__all__ = ["apply_all"]

#: Seconds between two looks at a CRD's conditions, or at discovery for its kinds.
POLL_INTERVAL = 0.2

_Client = ResourceClient[Any, Any]


class _Failed(Exception):
    """One document cannot be applied: the message for its report line."""


def apply_all(
    target: ClientsetBase | DynamicClient | RESTClient,
    documents: Iterable[Document | BaseModel | Mapping[str, Any]],
    *,
    field_manager: str,
    force: bool = False,
    namespace: str | None = None,
    dry_run: bool = False,
    field_validation: FieldValidation | None = "Strict",
    wait_established: float = 60.0,
    stop_on_error: bool = False,
    registry: Registry | None = None,
) -> ApplyReport:
    """Server-side apply every document as ``field_manager``, like ``kubectl apply
    --server-side -f``, and report what happened to each.

    ``target``: a clientset (of any generated package), a dynamic client or a REST client.
    Documents come from :func:`~kubeset.manifests.load_all`, or are models and dicts.
    They are applied in :func:`~kubeset.manifests.apply_order`: Namespaces, then
    CustomResourceDefinitions — each waited for until Established, at most
    ``wait_established`` seconds, so that the custom resources after it resolve —, then the
    other kinds. A kind the registry (default: the clientset's package and ``kubeset_k8s``)
    knows goes through its typed client, any other through the dynamic client (discovery).

    ``force`` takes over fields other managers own; ``namespace`` is the namespace of
    namespaced objects that name none (default: the config's, as kubectl uses the context's);
    ``dry_run`` asks the server to check without persisting; ``field_validation`` is what
    the server does with unknown or duplicate fields (``"Strict"``: refuse, as kubectl does).

    A document that fails is reported as ``failed`` with the server's message and the others
    are still applied, unless ``stop_on_error``, which reports the rest as ``skipped``.
    """
    if isinstance(target, RESTClient):
        rest, dynamic = target, DynamicClient(target)
    elif isinstance(target, DynamicClient):
        rest, dynamic = target.rest, target
    else:
        rest, dynamic = target.rest, DynamicClient(target.rest)
    if registry is None:
        if isinstance(target, ClientsetBase):
            registry = Registry.for_clientset(target)
        else:
            registry = Registry.default()
    applier = _Applier(
        rest,
        dynamic,
        registry,
        field_manager=field_manager,
        force=force,
        namespace=namespace if namespace is not None else rest.config.namespace,
        dry_run=dry_run,
        field_validation=field_validation,
        wait_established=wait_established,
    )
    results: list[DocumentResult] = []
    stopped = False
    for doc in apply_order(as_documents(documents, registry)):
        if stopped:
            results.append(DocumentResult(doc, "skipped", "not applied: an earlier one failed"))
            continue
        result = applier.apply(doc)
        results.append(result)
        stopped = stop_on_error and not result.ok
    return ApplyReport(results)


class _Applier:
    def __init__(
        self,
        rest: RESTClient,
        dynamic: DynamicClient,
        registry: Registry,
        *,
        field_manager: str,
        force: bool,
        namespace: str,
        dry_run: bool,
        field_validation: FieldValidation | None,
        wait_established: float,
    ) -> None:
        self.rest = rest
        self.dynamic = dynamic
        self.registry = registry
        self.field_manager = field_manager
        self.force = force
        self.namespace = namespace
        self.dry_run = dry_run
        self.field_validation = field_validation
        self.wait_established = wait_established
        #: Groups of the CRDs established during this apply: their kinds may take a moment
        #: to appear in discovery.
        self.new_groups: set[str] = set()

    def apply(self, doc: Document) -> DocumentResult:
        try:
            if not doc.name:
                raise _Failed("metadata.name is required")
            client = self._client(doc)
            before = self._get(client, doc.name)
            after = cast(WithApply[Any, Any], client).apply(
                doc.obj,
                field_manager=self.field_manager,
                force=self.force,
                dry_run=self.dry_run,
                field_validation=self.field_validation,
            )
            outcome = self._outcome(before, after)
            if is_crd(doc) and not self.dry_run:
                self._wait_established(client, doc.name, outcome)
        except _Failed as exc:
            return DocumentResult(doc, "failed", str(exc), dry_run=self.dry_run)
        except ApiError as exc:
            return DocumentResult(doc, "failed", _message(exc), exc, dry_run=self.dry_run)
        except (KubesetError, ValueError) as exc:
            return DocumentResult(doc, "failed", str(exc), exc, dry_run=self.dry_run)
        return DocumentResult(doc, outcome, None, None, after, dry_run=self.dry_run)

    def _client(self, doc: Document) -> _Client:
        entry = self.registry.entry(doc.api_version, doc.kind)
        if entry is not None:
            info = entry.info
            namespace = self._namespace(doc, info)
            cls = entry.client_class(ResourceClient)
            if cls is not None and issubclass(cls, WithGet) and issubclass(cls, WithApply):
                client: _Client = cls(self.rest, namespace)
                return client
            return DynamicResource(self.rest, info, namespace)
        info = self._discover(doc)
        return DynamicResource(self.rest, info, self._namespace(doc, info))

    def _namespace(self, doc: Document, info: ResourceInfo) -> str | None:
        return (doc.namespace or self.namespace) if info.namespaced else None

    def _discover(self, doc: Document) -> ResourceInfo:
        """The kind's resource from discovery; for a group whose CRD this apply just
        established, retried until it appears (at most ``wait_established`` seconds)."""
        deadline = monotonic() + self.wait_established
        while True:
            try:
                resource = self.dynamic.resource(doc.api_version, doc.kind)
                return resource.info
            except NotFound:
                if doc.group not in self.new_groups or monotonic() >= deadline:
                    raise _Failed(f"no resource serves {doc.kind} in {doc.api_version}") from None
            self.dynamic.invalidate()
            time.sleep(POLL_INTERVAL)

    def _get(self, client: _Client, name: str) -> Any:
        try:
            return cast(WithGet[Any, Any], client).get(name)
        except NotFound:
            return None

    def _outcome(self, before: Any, after: Any) -> Outcome:
        if before is None:
            return "created"
        if _resource_version(before) != _resource_version(after):
            return "configured"
        # A dry run persists nothing, so the resourceVersion stays: compare the objects.
        if self.dry_run and _comparable(before) != _comparable(after):
            return "configured"
        return "unchanged"

    def _wait_established(self, client: _Client, name: str, outcome: Outcome) -> None:
        """Wait until the CRD ``name`` is Established (bounded), then forget discovery so
        that its kinds resolve."""
        deadline = monotonic() + self.wait_established
        while True:
            crd = cast(WithGet[Any, Any], client).get(name)
            established, conditions = is_established(crd)
            if established:
                break
            rejected = names_rejected(crd)
            if rejected is not None:
                raise _Failed(f"{outcome}, but its names were not accepted: {rejected}")
            if monotonic() >= deadline:
                raise _Failed(
                    f"{outcome}, but not Established within {self.wait_established:g} s "
                    f"({conditions})"
                )
            time.sleep(POLL_INTERVAL)
        spec = to_dict(crd).get("spec")
        group = spec.get("group") if isinstance(spec, dict) else None
        if isinstance(group, str):
            self.new_groups.add(group)
        self.dynamic.invalidate()


def _message(exc: ApiError) -> str:
    """The server's words: ``Invalid: Deployment.apps "web" is invalid: spec.replicas: …``."""
    return f"{exc.reason}: {exc.message}" if exc.reason else exc.message


def _resource_version(obj: Any) -> Any:
    metadata = to_dict(obj).get("metadata") if obj is not None else None
    return metadata.get("resourceVersion") if isinstance(metadata, dict) else None


def _comparable(obj: Any) -> dict[str, Any]:
    data = to_dict(obj)
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        volatile = ("resourceVersion", "managedFields", "generation")
        data["metadata"] = {k: v for k, v in metadata.items() if k not in volatile}
    return data
