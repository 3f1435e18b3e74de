"""The base of every generated clientset: shared REST client, lazy group clients, discovery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from kubeset._async.discovery import AsyncDiscoveryClient
from kubeset._async.rest import AsyncRESTClient
from kubeset.config import Config

__all__ = ["AsyncClientsetBase"]

G = TypeVar("G")


class AsyncClientsetBase:
    """Holds one :class:`AsyncRESTClient` for all of a clientset's group clients.

    Build it with :meth:`for_config`; close it (or use ``async with``) to release connections.
    """

    def __init__(self, rest: AsyncRESTClient) -> None:
        self.rest = rest
        self._groups: dict[Any, Any] = {}

    @classmethod
    def for_config(
        cls: type[_C], config: Config, *, http_client: httpx.AsyncClient | None = None
    ) -> _C:
        """A clientset for ``config`` (client-go's ``NewForConfig``)."""
        return cls(AsyncRESTClient(config, http_client=http_client))

    def _group(self, factory: Callable[[AsyncRESTClient], G]) -> G:
        client = self._groups.get(factory)
        if client is None:
            client = self._groups[factory] = factory(self.rest)
        return client

    def discovery(self) -> AsyncDiscoveryClient:
        """The discovery client (server version, groups, resources)."""
        return self._group(AsyncDiscoveryClient)

    async def aclose(self) -> None:
        """Close the connections."""
        await self.rest.aclose()

    async def __aenter__(self: _C) -> _C:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


_C = TypeVar("_C", bound=AsyncClientsetBase)
