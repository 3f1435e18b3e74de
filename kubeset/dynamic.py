"""The dynamic client, sync and async: resources by apiVersion and kind, as plain dicts."""

from kubeset._async.dynamic import AsyncDynamicClient, AsyncDynamicResource, resource_info
from kubeset._sync.dynamic import DynamicClient, DynamicResource

__all__ = [
    "AsyncDynamicClient",
    "AsyncDynamicResource",
    "DynamicClient",
    "DynamicResource",
    "resource_info",
]
