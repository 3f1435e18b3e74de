"""The dynamic client: any resource the server serves, by apiVersion and kind, as plain dicts.

For custom resources that have no generated package (client-go's ``dynamic.Interface``). The kind
is mapped to its resource (plural, scope, verbs, subresources) through discovery, once per
group-version. Verbs, options, watches and patches are those of the typed clients; every patch
type is sent as asked, so the server itself answers for what it refuses (strategic merge on a
custom resource: 415, raised as :class:`~kubeset.errors.UnsupportedMediaType`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from kubeset._async.discovery import AsyncDiscoveryClient
from kubeset._async.rest import AsyncRESTClient
from kubeset._async.watch import AsyncWatch
from kubeset.config import Config
from kubeset.errors import DecodeError, NotFound
from kubeset.meta import APIResourceList
from kubeset.request import (
    Request,
    apply_body,
    create_request,
    decode_event_dict,
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
from kubeset.resource import FieldValidation, Patch, PatchType, PropagationPolicy, ResourceInfo

__all__ = ["AsyncDynamicClient", "AsyncDynamicResource"]

Object = dict[str, Any]


def _json(response: httpx.Response, req: Request) -> Object:
    try:
        data = json.loads(response.content)
    except ValueError as exc:
        raise DecodeError(
            f"the response is not valid JSON ({exc})", request=req.info(response.status_code)
        ) from None
    if not isinstance(data, dict):
        raise DecodeError(
            "the response is not a JSON object", request=req.info(response.status_code)
        )
    return data


def resource_info(resources: APIResourceList, api_version: str, kind: str) -> ResourceInfo:
    """The :class:`ResourceInfo` of ``kind`` in a group-version's discovery document."""
    group, _, version = api_version.rpartition("/")
    entries = resources.resources or []
    main = next((r for r in entries if r.kind == kind and r.name and "/" not in r.name), None)
    if main is None or main.name is None:
        known = ", ".join(
            sorted({r.kind for r in entries if r.kind and r.name and "/" not in r.name})
        )
        raise NotFound(f"{api_version} has no kind {kind!r} (it has: {known or 'none'})", code=404)
    subresources = {
        r.name.split("/", 1)[1]: frozenset(r.verbs or [])
        for r in entries
        if r.name and r.name.startswith(main.name + "/")
    }
    return ResourceInfo(
        group=group,
        version=version,
        kind=kind,
        plural=main.name,
        namespaced=bool(main.namespaced),
        verbs=frozenset(main.verbs or []),
        subresources=subresources,
        list_kind=kind + "List",
    )


class AsyncDynamicClient:
    """Resources by apiVersion and kind, without generated code."""

    def __init__(self, rest: AsyncRESTClient) -> None:
        self.rest = rest
        self._discovery = AsyncDiscoveryClient(rest)
        self._documents: dict[str, APIResourceList] = {}

    @classmethod
    def for_config(
        cls, config: Config, *, http_client: httpx.AsyncClient | None = None
    ) -> AsyncDynamicClient:
        """A dynamic client with its own connection pool."""
        return cls(AsyncRESTClient(config, http_client=http_client))

    async def aclose(self) -> None:
        """Close the connections."""
        await self.rest.aclose()

    async def __aenter__(self) -> AsyncDynamicClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def resource(
        self, api_version: str, kind: str, namespace: str | None = None
    ) -> AsyncDynamicResource:
        """The resource serving ``kind`` in ``api_version`` (``"cert-manager.io/v1"``,
        ``"Certificate"``), for ``namespace`` when it is namespaced (``""``: all namespaces)."""
        document = self._documents.get(api_version)
        if document is None:
            document = await self._discovery.server_resources_for_group_version(api_version)
            self._documents[api_version] = document
        return AsyncDynamicResource(
            self.rest, resource_info(document, api_version, kind), namespace
        )

    def invalidate(self) -> None:
        """Forget the discovery documents (after CRDs were installed or removed)."""
        self._documents.clear()


class AsyncDynamicResource:
    """One resource type, with the typed clients' verbs, taking and returning plain dicts."""

    def __init__(
        self, rest: AsyncRESTClient, info: ResourceInfo, namespace: str | None = None
    ) -> None:
        self._rest = rest
        self.info = info
        self.namespace = namespace if info.namespaced else None

    def __repr__(self) -> str:
        where = f" namespace={self.namespace!r}" if self.info.namespaced else ""
        return f"<AsyncDynamicResource {self.info.api_version} {self.info.plural}{where}>"

    def in_namespace(self, namespace: str) -> AsyncDynamicResource:
        """The same resource in another namespace."""
        return AsyncDynamicResource(self._rest, self.info, namespace)

    async def _call(self, req: Request) -> Object:
        return _json(await self._rest.request(req), req)

    async def get(
        self, name: str, *, resource_version: str | None = None, subresource: str | None = None
    ) -> Object:
        """Read ``name`` (or one of its subresources)."""
        req = get_request(
            self.info,
            self.namespace,
            name,
            resource_version=resource_version,
            subresource=subresource,
        )
        return await self._call(req)

    async def list(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
    ) -> Object:
        """List objects (one page when ``limit`` is set)."""
        req = list_request(
            self.info,
            self.namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=continue_,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
        )
        return await self._call(req)

    async def list_iter(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
    ) -> AsyncIterator[Object]:
        """Every matching object, following ``continue`` page by page."""
        token: str | None = None
        while True:
            page = await self.list(
                label_selector=label_selector,
                field_selector=field_selector,
                limit=page_size,
                continue_=token,
            )
            for item in page.get("items") or []:
                yield item
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return

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
    ) -> AsyncWatch[Object]:
        """Watch for changes; events carry plain dicts."""
        req = list_request(
            self.info,
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
        return AsyncWatch(self._rest, req, decode_event_dict, resource_version=resource_version)

    async def create(
        self,
        obj: Mapping[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> Object:
        """Create ``obj``."""
        req = create_request(
            self.info,
            self.namespace,
            object_body(obj, self.info),
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return await self._call(req)

    async def update(
        self,
        obj: Mapping[str, Any],
        *,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> Object:
        """Replace the object named by ``obj["metadata"]["name"]`` (or one of its subresources,
        e.g. ``subresource="status"``)."""
        req = update_request(
            self.info,
            self.namespace,
            object_name(obj),
            object_body(obj, self.info),
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            subresource=subresource,
        )
        return await self._call(req)

    async def patch(
        self,
        name: str,
        patch: Patch,
        *,
        patch_type: PatchType | str = PatchType.MERGE,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
        force: bool | None = None,
    ) -> Object:
        """Patch ``name`` with any patch type; the server refuses those it does not support."""
        req = patch_request(
            self.info,
            self.namespace,
            name,
            patch_body(patch),
            patch_type,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
            subresource=subresource,
        )
        return await self._call(req)

    async def apply(
        self,
        obj: Mapping[str, Any],
        *,
        field_manager: str,
        force: bool = False,
        subresource: str | None = None,
        dry_run: bool = False,
        field_validation: FieldValidation | None = None,
    ) -> Object:
        """Server-side apply ``obj`` as ``field_manager``."""
        req = patch_request(
            self.info,
            self.namespace,
            object_name(obj),
            apply_body(obj, self.info),
            PatchType.APPLY,
            field_manager=field_manager,
            force=force or None,
            dry_run=dry_run,
            field_validation=field_validation,
            subresource=subresource,
        )
        return await self._call(req)

    async def delete(
        self,
        name: str,
        *,
        grace_period_seconds: int | None = None,
        propagation_policy: PropagationPolicy | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: bool = False,
    ) -> Object | None:
        """Delete ``name``; the object while its deletion is pending, ``None`` once it is gone."""
        req = delete_request(
            self.info,
            self.namespace,
            name,
            grace_period_seconds=grace_period_seconds,
            propagation_policy=propagation_policy,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        data = await self._call(req)
        return None if data.get("kind") == "Status" else data

    async def delete_collection(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        propagation_policy: PropagationPolicy | None = None,
        dry_run: bool = False,
    ) -> None:
        """Delete every object matching the selectors."""
        req = delete_collection_request(
            self.info,
            self.namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            propagation_policy=propagation_policy,
            dry_run=dry_run,
        )
        await self._rest.request(req)
