"""Resource clients: a generic base and one mixin per verb family.

A generated resource client is a class whose bases are the mixins its spec declares, e.g.
``class PodsClient(WithAllVerbs[Pod, PodList], WithStatus[Pod, PodList], ...)`` — the way
client-go's ``gentype`` composes ``ClientWithListAndApply``. Subresources live in
:mod:`kubeset._async.subresources`. Every option is a keyword of the TypedDicts in
:mod:`kubeset.resource`, checked here (a misspelt option is a ``TypeError``) and turned into a
request by :mod:`kubeset.request`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Unpack, cast

from kubeset._async.rest import AsyncRESTClient
from kubeset._async.watch import AsyncWatch
from kubeset.decode import (
    continue_token,
    decode_as,
    decode_optional_as,
    event_decoder,
    page_items,
)
from kubeset.lazy import GenericArgument
from kubeset.model import KubeModel
from kubeset.request import (
    METADATA_ACCEPT,
    METADATA_LIST_ACCEPT,
    Request,
    apply_body,
    create_request,
    delete_collection_request,
    delete_request,
    get_request,
    list_request,
    object_body,
    object_name,
    patch_body,
    patch_request,
    update_request,
)
from kubeset.resource import (
    ApplyOptions,
    Body,
    DeleteCollectionOptions,
    DeleteOptions,
    GetOptions,
    ListOptions,
    Patch,
    PatchOptions,
    PatchType,
    ResourceInfo,
    WatchOptions,
    WriteOptions,
    check_options,
)

if TYPE_CHECKING:
    from kubeset.meta import PartialObjectMetadata, PartialObjectMetadataList

__all__ = [
    "AsyncResourceClient",
    "AsyncWithAllVerbs",
    "AsyncWithApply",
    "AsyncWithCreate",
    "AsyncWithDelete",
    "AsyncWithDeleteCollection",
    "AsyncWithGet",
    "AsyncWithList",
    "AsyncWithPatch",
    "AsyncWithUpdate",
    "AsyncWithWatch",
]

# A resource's object and list types: generated models, or dicts for the dynamic client.
T = TypeVar("T", bound="KubeModel | dict[str, Any]")
L = TypeVar("L", bound="KubeModel | dict[str, Any]")
M = TypeVar("M")

#: What ``list_iter`` takes: ``list``'s options but the paging, which it does itself.
_LIST_ITER_EXCLUDED = ("limit", "continue_")


class AsyncResourceClient(Generic[T, L]):
    """One resource type, in one namespace (namespaced) or cluster-wide.

    ``namespace`` is ``""`` for "all namespaces" on collection reads of a namespaced resource.
    The ``_*_subresource`` helpers serve the subresource mixins and declarations of
    :mod:`kubeset._async.subresources`; a ``name`` of ``None`` means "the body's
    ``metadata.name``".
    """

    _info: ResourceInfo
    if TYPE_CHECKING:
        _model: type[T]
        _list_model: type[L]
    else:
        _model = GenericArgument(0, "AsyncResourceClient")
        _list_model = GenericArgument(1, "AsyncResourceClient")

    def __init__(self, rest: AsyncRESTClient, namespace: str | None = None) -> None:
        self._rest = rest
        self.namespace = namespace if self._info.namespaced else None

    @property
    def info(self) -> ResourceInfo:
        """What this client addresses: group, version, kind, plural, scope, verbs."""
        return self._info

    def __repr__(self) -> str:
        where = f" namespace={self.namespace!r}" if self._info.namespaced else ""
        return f"<{type(self).__name__} {self._info.api_version} {self._info.plural}{where}>"

    async def _call(self, req: Request, model: type[M]) -> M:
        response = await self._rest.request(req)
        return decode_as(model, response.content, req.info(response.status_code))

    async def _get_subresource(self, subresource: str, name: str, model: type[M]) -> M:
        req = get_request(self._info, self.namespace, name, subresource=subresource)
        return await self._call(req, model)

    async def _update_subresource(
        self, subresource: str, name: str | None, body: Body, model: type[M], options: WriteOptions
    ) -> M:
        check_options(options, WriteOptions, f"update {subresource}")
        payload = object_body(body, self._info.body_info(subresource))
        name = name if name is not None else object_name(body)
        req = update_request(
            self._info, self.namespace, name, payload, subresource=subresource, **options
        )
        return await self._call(req, model)

    async def _create_subresource(
        self, subresource: str, name: str, body: Body, model: type[M], options: WriteOptions
    ) -> M:
        check_options(options, WriteOptions, f"create {subresource}")
        payload = object_body(body, self._info.body_info(subresource))
        req = create_request(
            self._info, self.namespace, payload, name=name, subresource=subresource, **options
        )
        return await self._call(req, model)

    async def _patch_subresource(
        self,
        subresource: str,
        name: str,
        patch: Patch,
        patch_type: PatchType | str,
        model: type[M],
        options: PatchOptions,
    ) -> M:
        check_options(options, PatchOptions, f"patch {subresource}")
        req = patch_request(
            self._info,
            self.namespace,
            name,
            patch_body(patch),
            patch_type,
            subresource=subresource,
            **options,
        )
        return await self._call(req, model)

    async def _apply_subresource(
        self,
        subresource: str,
        name: str | None,
        body: Body,
        model: type[M],
        field_manager: str,
        options: ApplyOptions,
    ) -> M:
        check_options(options, ApplyOptions, f"apply {subresource}")
        payload = apply_body(body, self._info.body_info(subresource))
        req = patch_request(
            self._info,
            self.namespace,
            name if name is not None else object_name(body),
            payload,
            PatchType.APPLY,
            subresource=subresource,
            field_manager=field_manager,
            force=options.get("force") or None,
            dry_run=options.get("dry_run", False),
            field_validation=options.get("field_validation"),
        )
        return await self._call(req, model)


class AsyncWithGet(AsyncResourceClient[T, L]):
    """``get`` and ``get_metadata``."""

    async def get(self, name: str, **options: Unpack[GetOptions]) -> T:
        """Read the object called ``name``.

        ``resource_version="0"`` allows a possibly stale read from the server's cache.
        """
        check_options(options, GetOptions, "get")
        req = get_request(self._info, self.namespace, name, **options)
        return await self._call(req, self._model)

    async def get_metadata(self, name: str, **options: Unpack[GetOptions]) -> PartialObjectMetadata:
        """Read only the metadata of ``name`` (the server leaves spec and status out)."""
        from kubeset.meta import PartialObjectMetadata

        check_options(options, GetOptions, "get_metadata")
        req = get_request(self._info, self.namespace, name, accept=METADATA_ACCEPT, **options)
        return await self._call(req, PartialObjectMetadata)


class AsyncWithList(AsyncResourceClient[T, L]):
    """``list``, ``list_metadata`` and ``list_iter`` (all pages)."""

    async def list(self, **options: Unpack[ListOptions]) -> L:
        """List objects: one page when ``limit`` is set (then pass ``metadata.continue_`` on)."""
        check_options(options, ListOptions, "list")
        req = list_request(self._info, self.namespace, **options)
        return await self._call(req, self._list_model)

    async def list_metadata(self, **options: Unpack[ListOptions]) -> PartialObjectMetadataList:
        """Like :meth:`list`, metadata only: the server sends names, labels, annotations, owners
        and versions but no spec or status — a fraction of the bytes to move and decode."""
        from kubeset.meta import PartialObjectMetadataList

        check_options(options, ListOptions, "list_metadata")
        req = list_request(self._info, self.namespace, accept=METADATA_LIST_ACCEPT, **options)
        return await self._call(req, PartialObjectMetadataList)

    async def list_iter(
        self, *, page_size: int = 500, **options: Unpack[ListOptions]
    ) -> AsyncIterator[T]:
        """Every matching object, fetched ``page_size`` at a time by following ``continue``.

        All pages come from one consistent snapshot. If the snapshot expires between two pages
        the server answers 410 and :class:`~kubeset.errors.Gone` is raised.
        """
        check_options(options, ListOptions, "list_iter")
        for excluded in _LIST_ITER_EXCLUDED:
            if excluded in options:
                raise TypeError(f"list_iter() pages by itself: {excluded!r} is not an option of it")
        token: str | None = None
        while True:
            paging: ListOptions = {**options, "limit": page_size, "continue_": token}
            page = await self.list(**paging)
            for item in cast("list[T]", page_items(page)):
                yield item
            token = continue_token(page)
            if not token:
                return


class AsyncWithWatch(AsyncResourceClient[T, L]):
    """``watch`` and ``watch_metadata``."""

    def watch(self, **options: Unpack[WatchOptions]) -> AsyncWatch[T]:
        """Watch for changes, from ``resource_version`` (or from now).

        Use as ``async with c.watch(...) as w: async for event in w``; the stream is closed when
        the block exits, when the server ends it (after ``timeout_seconds``) or on ``aclose()``.
        """
        check_options(options, WatchOptions, "watch")
        req = list_request(self._info, self.namespace, watch=True, **options)
        decode = event_decoder(self._model)
        return AsyncWatch(self._rest, req, decode, resource_version=options.get("resource_version"))

    def watch_metadata(self, **options: Unpack[WatchOptions]) -> AsyncWatch[PartialObjectMetadata]:
        """Like :meth:`watch`, events carrying metadata only."""
        from kubeset.meta import PartialObjectMetadata

        check_options(options, WatchOptions, "watch_metadata")
        req = list_request(
            self._info, self.namespace, watch=True, accept=METADATA_ACCEPT, **options
        )
        decode = event_decoder(PartialObjectMetadata)
        return AsyncWatch(self._rest, req, decode, resource_version=options.get("resource_version"))


class AsyncWithCreate(AsyncResourceClient[T, L]):
    """``create``."""

    async def create(self, obj: T | Mapping[str, Any], **options: Unpack[WriteOptions]) -> T:
        """Create ``obj``; ``metadata.generateName`` lets the server pick the name."""
        check_options(options, WriteOptions, "create")
        body = object_body(obj, self._info)
        req = create_request(self._info, self.namespace, body, **options)
        return await self._call(req, self._model)


class AsyncWithUpdate(AsyncResourceClient[T, L]):
    """``update``."""

    async def update(self, obj: T | Mapping[str, Any], **options: Unpack[WriteOptions]) -> T:
        """Replace the object named by ``obj.metadata.name`` with ``obj``.

        With ``metadata.resourceVersion`` set (as on any object read from the server) the update
        fails with :class:`~kubeset.errors.Conflict` if the object changed since.
        """
        check_options(options, WriteOptions, "update")
        body = object_body(obj, self._info)
        req = update_request(self._info, self.namespace, object_name(obj), body, **options)
        return await self._call(req, self._model)


class AsyncWithDelete(AsyncResourceClient[T, L]):
    """``delete``."""

    async def delete(self, name: str, **options: Unpack[DeleteOptions]) -> T | None:
        """Delete ``name``. Returns the object while its deletion is still pending (finalizers,
        graceful termination), ``None`` once the server reports it gone.

        ``preconditions`` (``{"uid": …, "resourceVersion": …}``) make the delete fail with
        :class:`~kubeset.errors.Conflict` if the object is no longer that one.
        """
        check_options(options, DeleteOptions, "delete")
        req = delete_request(self._info, self.namespace, name, **options)
        response = await self._rest.request(req)
        return decode_optional_as(self._model, response.content, req.info(response.status_code))


class AsyncWithDeleteCollection(AsyncResourceClient[T, L]):
    """``delete_collection``."""

    async def delete_collection(self, **options: Unpack[DeleteCollectionOptions]) -> None:
        """Delete every object in the namespace (or cluster) matching the selectors."""
        check_options(options, DeleteCollectionOptions, "delete_collection")
        await self._rest.request(delete_collection_request(self._info, self.namespace, **options))


class AsyncWithPatch(AsyncResourceClient[T, L]):
    """``patch``."""

    async def patch(
        self,
        name: str,
        patch: Patch,
        *,
        patch_type: PatchType | str = PatchType.MERGE,
        **options: Unpack[PatchOptions],
    ) -> T:
        """Patch ``name``. ``patch`` is a dict (merge, strategic), a list of operations (JSON
        patch), a model, or ready-made bytes; ``patch_type`` must be one the resource accepts.
        """
        check_options(options, PatchOptions, "patch")
        if isinstance(patch, list) and PatchType(patch_type) is not PatchType.JSON:
            raise ValueError("a list patch is a JSON patch: pass patch_type=PatchType.JSON")
        body = patch_body(patch)
        req = patch_request(self._info, self.namespace, name, body, patch_type, **options)
        return await self._call(req, self._model)


class AsyncWithApply(AsyncResourceClient[T, L]):
    """``apply`` (server-side apply)."""

    async def apply(
        self, obj: T | Mapping[str, Any], *, field_manager: str, **options: Unpack[ApplyOptions]
    ) -> T:
        """Server-side apply ``obj`` as ``field_manager``: only the fields set on ``obj`` are
        sent, and become owned by ``field_manager``. A field owned by another manager with a
        different value raises :class:`~kubeset.errors.Conflict` unless ``force=True``.
        """
        check_options(options, ApplyOptions, "apply")
        req = patch_request(
            self._info,
            self.namespace,
            object_name(obj),
            apply_body(obj, self._info),
            PatchType.APPLY,
            field_manager=field_manager,
            force=options.get("force") or None,
            dry_run=options.get("dry_run", False),
            field_validation=options.get("field_validation"),
        )
        return await self._call(req, self._model)


class AsyncWithAllVerbs(
    AsyncWithGet[T, L],
    AsyncWithList[T, L],
    AsyncWithWatch[T, L],
    AsyncWithCreate[T, L],
    AsyncWithUpdate[T, L],
    AsyncWithPatch[T, L],
    AsyncWithApply[T, L],
    AsyncWithDelete[T, L],
    AsyncWithDeleteCollection[T, L],
):
    """Every verb: get, list, watch, create, update, patch, apply, delete, deletecollection —
    what most resources serve (client-go's ``ClientWithListAndApply``)."""
