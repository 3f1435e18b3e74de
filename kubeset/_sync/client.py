# Generated from kubeset/_async/client.py by codegen/clientgen/unasync.py. DO NOT EDIT.
"""Resource clients: a generic base and one mixin per verb family.

A generated resource client is a class whose bases are the mixins its spec declares, e.g.
``class PodsClient(WithGet[Pod, PodList], WithList[Pod, PodList], ...)``, plus one-line typed
subresource methods delegating to the ``_*_subresource`` helpers here — the way client-go's
``gentype`` composes ``ClientWithListAndApply``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from pydantic import BaseModel

from kubeset._sync.rest import RESTClient
from kubeset._sync.watch import LineStream, Watch
from kubeset.lazy import GenericArgument
from kubeset.model import KubeModel
from kubeset.request import (
    METADATA_ACCEPT,
    METADATA_LIST_ACCEPT,
    Request,
    apply_body,
    continue_token,
    create_request,
    decode_as,
    decode_optional_as,
    delete_collection_request,
    delete_request,
    event_decoder,
    get_request,
    list_request,
    object_body,
    object_name,
    page_items,
    patch_body,
    patch_request,
    update_request,
)
from kubeset.resource import (
    ApplyOptions,
    Body,
    FieldValidation,
    Patch,
    PatchOptions,
    PatchType,
    PropagationPolicy,
    ResourceInfo,
    WriteOptions,
)

if TYPE_CHECKING:
    from kubeset.meta import PartialObjectMetadata, PartialObjectMetadataList

__all__ = [
    "ResourceClient",
    "WithAllVerbs",
    "WithApply",
    "WithCreate",
    "WithDelete",
    "WithDeleteCollection",
    "WithGet",
    "WithList",
    "WithLogs",
    "WithPatch",
    "WithUpdate",
    "WithWatch",
]

# A resource's object and list types: generated models, or dicts for the dynamic client.
T = TypeVar("T", bound="KubeModel | dict[str, Any]")
L = TypeVar("L", bound="KubeModel | dict[str, Any]")
M = TypeVar("M")


class ResourceClient(Generic[T, L]):
    """One resource type, in one namespace (namespaced) or cluster-wide.

    ``namespace`` is ``""`` for "all namespaces" on collection reads of a namespaced resource.
    The ``_*_subresource`` helpers serve the generated subresource methods; a ``name`` of
    ``None`` means "the body's ``metadata.name``".
    """

    _info: ResourceInfo
    if TYPE_CHECKING:
        _model: type[T]
        _list_model: type[L]
    else:
        _model = GenericArgument(0, "ResourceClient")
        _list_model = GenericArgument(1, "ResourceClient")

    def __init__(self, rest: RESTClient, namespace: str | None = None) -> None:
        self._rest = rest
        self.namespace = namespace if self._info.namespaced else None

    @property
    def info(self) -> ResourceInfo:
        """What this client addresses: group, version, kind, plural, scope, verbs."""
        return self._info

    def __repr__(self) -> str:
        where = f" namespace={self.namespace!r}" if self._info.namespaced else ""
        return f"<{type(self).__name__} {self._info.api_version} {self._info.plural}{where}>"

    def _call(self, req: Request, model: type[M]) -> M:
        response = self._rest.request(req)
        return decode_as(model, response.content, req.info(response.status_code))

    def _get_subresource(self, subresource: str, name: str, model: type[M]) -> M:
        req = get_request(self._info, self.namespace, name, subresource=subresource)
        return self._call(req, model)

    def _update_subresource(
        self,
        subresource: str,
        name: str | None,
        body: Body,
        model: type[M],
        gvk: tuple[str, str],
        options: WriteOptions,
    ) -> M:
        payload = object_body(body, _info_for(self._info, gvk))
        name = name if name is not None else object_name(body)
        req = update_request(
            self._info, self.namespace, name, payload, subresource=subresource, **options
        )
        return self._call(req, model)

    def _create_subresource(
        self,
        subresource: str,
        name: str | None,
        body: Body,
        model: type[M],
        gvk: tuple[str, str],
        options: WriteOptions,
    ) -> M:
        payload = object_body(body, _info_for(self._info, gvk))
        name = name if name is not None else object_name(body)
        req = create_request(
            self._info, self.namespace, payload, name=name, subresource=subresource, **options
        )
        return self._call(req, model)

    def _patch_subresource(
        self,
        subresource: str,
        name: str,
        patch: Patch,
        patch_type: PatchType | str,
        model: type[M],
        options: PatchOptions,
    ) -> M:
        req = patch_request(
            self._info,
            self.namespace,
            name,
            patch_body(patch),
            patch_type,
            subresource=subresource,
            **options,
        )
        return self._call(req, model)

    def _apply_subresource(
        self,
        subresource: str,
        name: str | None,
        body: Body,
        model: type[M],
        gvk: tuple[str, str],
        field_manager: str,
        options: ApplyOptions,
    ) -> M:
        payload = apply_body(body, _info_for(self._info, gvk))
        req = patch_request(
            self._info,
            self.namespace,
            name if name is not None else object_name(body),
            payload,
            PatchType.APPLY,
            field_manager=field_manager,
            subresource=subresource,
            **options,
        )
        return self._call(req, model)


def _info_for(info: ResourceInfo, gvk: tuple[str, str]) -> ResourceInfo:
    """``info`` with the apiVersion/kind a subresource body must carry."""
    api_version, kind = gvk
    if api_version == info.api_version and kind == info.kind:
        return info
    group, _, version = api_version.rpartition("/")
    return ResourceInfo(group, version, kind, info.plural, info.namespaced, info.verbs)


class WithGet(ResourceClient[T, L]):
    """``get``."""

    def get(self, name: str, *, resource_version: str | None = None) -> T:
        """Read the object called ``name``.

        ``resource_version="0"`` allows a possibly stale read from the server's cache.
        """
        req = get_request(self._info, self.namespace, name, resource_version=resource_version)
        return self._call(req, self._model)

    def get_metadata(
        self, name: str, *, resource_version: str | None = None
    ) -> PartialObjectMetadata:
        """Read only the metadata of ``name`` (the server leaves spec and status out)."""
        from kubeset.meta import PartialObjectMetadata

        req = get_request(
            self._info,
            self.namespace,
            name,
            resource_version=resource_version,
            accept=METADATA_ACCEPT,
        )
        return self._call(req, PartialObjectMetadata)


class WithList(ResourceClient[T, L]):
    """``list`` and ``list_iter`` (all pages)."""

    def list(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
    ) -> L:
        """List objects: one page when ``limit`` is set (then pass ``metadata.continue_`` on)."""
        req = list_request(
            self._info,
            self.namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=continue_,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
        )
        return self._call(req, self._list_model)

    def list_metadata(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
    ) -> PartialObjectMetadataList:
        """Like :meth:`list`, metadata only: the server sends names, labels, annotations, owners
        and versions but no spec or status — a fraction of the bytes to move and decode."""
        from kubeset.meta import PartialObjectMetadataList

        req = list_request(
            self._info,
            self.namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=continue_,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
            accept=METADATA_LIST_ACCEPT,
        )
        return self._call(req, PartialObjectMetadataList)

    def list_iter(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
        timeout_seconds: int | None = None,
    ) -> Iterator[T]:
        """Every matching object, fetched ``page_size`` at a time by following ``continue``.

        All pages come from one consistent snapshot. If the snapshot expires between two pages
        the server answers 410 and :class:`~kubeset.errors.Gone` is raised.
        """
        token: str | None = None
        while True:
            page = self.list(
                label_selector=label_selector,
                field_selector=field_selector,
                limit=page_size,
                continue_=token,
                timeout_seconds=timeout_seconds,
            )
            for item in cast("list[T]", page_items(page)):
                yield item
            token = continue_token(page)
            if not token:
                return


class WithWatch(ResourceClient[T, L]):
    """``watch``."""

    def watch(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        allow_watch_bookmarks: bool | None = None,
        send_initial_events: bool | None = None,
        timeout_seconds: int | None = None,
    ) -> Watch[T]:
        """Watch for changes, from ``resource_version`` (or from now).

        Use as ``with c.watch(...) as w: for event in w``; the stream is closed when
        the block exits, when the server ends it (after ``timeout_seconds``) or on ``close()``.
        """
        req = list_request(
            self._info,
            self.namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
            watch=True,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
        )
        decode = event_decoder(self._model)
        return Watch(self._rest, req, decode, resource_version=resource_version)

    def watch_metadata(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        allow_watch_bookmarks: bool | None = None,
        send_initial_events: bool | None = None,
        timeout_seconds: int | None = None,
    ) -> Watch[PartialObjectMetadata]:
        """Like :meth:`watch`, events carrying metadata only."""
        from kubeset.meta import PartialObjectMetadata

        req = list_request(
            self._info,
            self.namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
            watch=True,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
            accept=METADATA_ACCEPT,
        )
        decode = event_decoder(PartialObjectMetadata)
        return Watch(self._rest, req, decode, resource_version=resource_version)


class WithCreate(ResourceClient[T, L]):
    """``create``."""

    def create(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Create ``obj``; ``metadata.generateName`` lets the server pick the name."""
        req = create_request(
            self._info,
            self.namespace,
            object_body(obj, self._info),
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self._call(req, self._model)


class WithUpdate(ResourceClient[T, L]):
    """``update``."""

    def update(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Replace the object named by ``obj.metadata.name`` with ``obj``.

        With ``metadata.resourceVersion`` set (as on any object read from the server) the update
        fails with :class:`~kubeset.errors.Conflict` if the object changed since.
        """
        req = update_request(
            self._info,
            self.namespace,
            object_name(obj),
            object_body(obj, self._info),
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self._call(req, self._model)


class WithDelete(ResourceClient[T, L]):
    """``delete``."""

    def delete(
        self,
        name: str,
        *,
        grace_period_seconds: int | None = None,
        propagation_policy: PropagationPolicy | None = None,
        preconditions: BaseModel | Mapping[str, Any] | None = None,
        dry_run: bool = False,
    ) -> T | None:
        """Delete ``name``. Returns the object while its deletion is still pending (finalizers,
        graceful termination), ``None`` once the server reports it gone.

        ``preconditions`` (``{"uid": …, "resourceVersion": …}``) make the delete fail with
        :class:`~kubeset.errors.Conflict` if the object is no longer that one.
        """
        req = delete_request(
            self._info,
            self.namespace,
            name,
            grace_period_seconds=grace_period_seconds,
            propagation_policy=propagation_policy,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        response = self._rest.request(req)
        return decode_optional_as(self._model, response.content, req.info(response.status_code))


class WithDeleteCollection(ResourceClient[T, L]):
    """``delete_collection``."""

    def delete_collection(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        grace_period_seconds: int | None = None,
        propagation_policy: PropagationPolicy | None = None,
        dry_run: bool = False,
        timeout_seconds: int | None = None,
    ) -> None:
        """Delete every object in the namespace (or cluster) matching the selectors."""
        req = delete_collection_request(
            self._info,
            self.namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            grace_period_seconds=grace_period_seconds,
            propagation_policy=propagation_policy,
            dry_run=dry_run,
            timeout_seconds=timeout_seconds,
        )
        self._rest.request(req)


class WithPatch(ResourceClient[T, L]):
    """``patch``."""

    def patch(
        self,
        name: str,
        patch: Patch,
        *,
        patch_type: PatchType | str = PatchType.MERGE,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
        force: bool | None = None,
    ) -> T:
        """Patch ``name``. ``patch`` is a dict (merge, strategic), a list of operations (JSON
        patch), a model, or ready-made bytes; ``patch_type`` must be one the resource accepts.
        """
        if isinstance(patch, list) and PatchType(patch_type) is not PatchType.JSON:
            raise ValueError("a list patch is a JSON patch: pass patch_type=PatchType.JSON")
        req = patch_request(
            self._info,
            self.namespace,
            name,
            patch_body(patch),
            patch_type,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
        )
        return self._call(req, self._model)


class WithApply(ResourceClient[T, L]):
    """``apply`` (server-side apply)."""

    def apply(
        self,
        obj: T | Mapping[str, Any],
        *,
        field_manager: str,
        force: bool = False,
        dry_run: bool = False,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Server-side apply ``obj`` as ``field_manager``: only the fields set on ``obj`` are
        sent, and become owned by ``field_manager``. A field owned by another manager with a
        different value raises :class:`~kubeset.errors.Conflict` unless ``force=True``.
        """
        req = patch_request(
            self._info,
            self.namespace,
            object_name(obj),
            apply_body(obj, self._info),
            PatchType.APPLY,
            field_manager=field_manager,
            force=force or None,
            dry_run=dry_run,
            field_validation=field_validation,
        )
        return self._call(req, self._model)


class WithLogs(ResourceClient[T, L]):
    """``get_logs`` and ``stream_logs`` (the ``log`` subresource of pods)."""

    @staticmethod
    def _log_params(
        container: str | None,
        tail_lines: int | None,
        since_seconds: int | None,
        since_time: str | None,
        timestamps: bool,
        previous: bool,
        limit_bytes: int | None,
        follow: bool,
    ) -> tuple[tuple[str, str], ...]:
        raw: dict[str, Any] = {
            "container": container,
            "tailLines": tail_lines,
            "sinceSeconds": since_seconds,
            "sinceTime": since_time,
            "limitBytes": limit_bytes,
            "timestamps": "true" if timestamps else None,
            "previous": "true" if previous else None,
            "follow": "true" if follow else None,
        }
        return tuple((k, str(v)) for k, v in raw.items() if v is not None)

    def get_logs(
        self,
        name: str,
        *,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        since_time: str | None = None,
        timestamps: bool = False,
        previous: bool = False,
        limit_bytes: int | None = None,
    ) -> str:
        """The log of a container of ``name`` (the only one, or ``container``), as text."""
        params = self._log_params(
            container,
            tail_lines,
            since_seconds,
            since_time,
            timestamps,
            previous,
            limit_bytes,
            False,
        )
        req = get_request(self._info, self.namespace, name, subresource="log", params=params)
        response = self._rest.request(req)
        return response.text

    def stream_logs(
        self,
        name: str,
        *,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        since_time: str | None = None,
        timestamps: bool = False,
        previous: bool = False,
        limit_bytes: int | None = None,
        follow: bool = True,
    ) -> LineStream:
        """Follow a container's log line by line:
        ``with pods.stream_logs("p") as s: for line in s.lines(): ...``."""
        params = self._log_params(
            container,
            tail_lines,
            since_seconds,
            since_time,
            timestamps,
            previous,
            limit_bytes,
            follow,
        )
        req = get_request(self._info, self.namespace, name, subresource="log", params=params)
        return LineStream(self._rest, req)


class WithAllVerbs(
    WithGet[T, L],
    WithList[T, L],
    WithWatch[T, L],
    WithCreate[T, L],
    WithUpdate[T, L],
    WithPatch[T, L],
    WithApply[T, L],
    WithDelete[T, L],
    WithDeleteCollection[T, L],
):
    """Every verb: get, list, watch, create, update, patch, apply, delete, deletecollection —
    what most resources serve (client-go's ``ClientWithListAndApply``)."""
