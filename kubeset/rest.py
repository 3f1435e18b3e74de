"""The REST clients: one shared httpx client and rate limiter per clientset."""

from kubeset._async.rest import AsyncRESTClient
from kubeset._sync.rest import RESTClient

__all__ = ["AsyncRESTClient", "RESTClient"]
