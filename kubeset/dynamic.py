"""The dynamic client, sync and async: resources by apiVersion and kind, as plain dicts."""

from kubeset._async.dynamic import AsyncDynamicClient, AsyncDynamicResource
from kubeset._sync.dynamic import DynamicClient, DynamicResource
from kubeset.meta import resource_info

__all__ = [
    "AsyncDynamicClient",
    "AsyncDynamicResource",
    "DynamicClient",
    "DynamicResource",
    "resource_info",
]
