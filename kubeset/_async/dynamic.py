"""The dynamic client: any resource the server serves, by apiVersion and kind, as plain dicts.

For custom resources that have no generated package (client-go's ``dynamic.Interface``). The kind
is mapped to its resource (plural, scope, verbs, subresources) through discovery, once per
group-version. Verbs, options, watches and patches are those of the typed clients; every patch
type is sent as asked, so the server itself answers for what it refuses (strategic merge on a
custom resource: 415, raised as :class:`~kubeset.errors.UnsupportedMediaType`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

import httpx

from kubeset._async.client import AsyncWithAllVerbs
from kubeset._async.discovery import AsyncDiscoveryClient
from kubeset._async.rest import AsyncRESTClient
from kubeset.config import Config
from kubeset.meta import APIResourceList, resource_info
from kubeset.resource import Patch, PatchOptions, PatchType, ResourceInfo, WriteOptions

__all__ = ["AsyncDynamicClient", "AsyncDynamicResource"]

Object = dict[str, Any]


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


class AsyncDynamicResource(AsyncWithAllVerbs[Object, Object]):
    """One resource type, with the typed clients' verbs (every one of them: the server answers
    for those it does not serve), taking and returning plain dicts."""

    def __init__(
        self, rest: AsyncRESTClient, info: ResourceInfo, namespace: str | None = None
    ) -> None:
        self._info = info
        super().__init__(rest, namespace)

    def in_namespace(self, namespace: str) -> AsyncDynamicResource:
        """The same resource in another namespace."""
        return AsyncDynamicResource(self._rest, self._info, namespace)

    async def get_subresource(self, name: str, subresource: str) -> Object:
        """Read a subresource (``status``, ``scale`` …) of ``name``."""
        return await self._get_subresource(subresource, name, self._model)

    async def update_subresource(
        self, subresource: str, obj: Mapping[str, Any], **options: Unpack[WriteOptions]
    ) -> Object:
        """Replace a subresource of the object named by ``obj["metadata"]["name"]``."""
        return await self._update_subresource(subresource, None, obj, self._model, options)

    async def patch_subresource(
        self,
        name: str,
        subresource: str,
        patch: Patch,
        *,
        patch_type: PatchType | str = PatchType.MERGE,
        **options: Unpack[PatchOptions],
    ) -> Object:
        """Patch a subresource of ``name``."""
        return await self._patch_subresource(
            subresource, name, patch, patch_type, self._model, options
        )
