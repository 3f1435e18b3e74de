# Generated from kubeset/_async/clientset.py by codegen/clientgen/unasync.py. DO NOT EDIT.
"""The base of every generated clientset: shared REST client, lazy group clients, discovery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from kubeset._sync.discovery import DiscoveryClient
from kubeset._sync.rest import RESTClient
from kubeset.config import Config

__all__ = ["ClientsetBase"]

G = TypeVar("G")


class ClientsetBase:
    """Holds one :class:`RESTClient` for all of a clientset's group clients.

    Build it with :meth:`for_config`; close it (or use ``with``) to release connections.
    """

    def __init__(self, rest: RESTClient) -> None:
        self.rest = rest
        self._groups: dict[Any, Any] = {}

    @classmethod
    def for_config(cls: type[_C], config: Config, *, http_client: httpx.Client | None = None) -> _C:
        """A clientset for ``config`` (client-go's ``NewForConfig``)."""
        return cls(RESTClient(config, http_client=http_client))

    def _group(self, factory: Callable[[RESTClient], G]) -> G:
        client = self._groups.get(factory)
        if client is None:
            client = self._groups[factory] = factory(self.rest)
        return client

    def discovery(self) -> DiscoveryClient:
        """The discovery client (server version, groups, resources)."""
        return self._group(DiscoveryClient)

    def close(self) -> None:
        """Close the connections."""
        self.rest.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_C = TypeVar("_C", bound=ClientsetBase)
