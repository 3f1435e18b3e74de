"""Resource-client building blocks, sync and async: what generated code imports.

``WithGet``, ``WithList`` … are the verb mixins a generated resource client is composed of;
``ClientsetBase`` is the base of a generated ``Clientset``. The ``Async`` twins are the same
API with ``async``/``await``.
"""

from kubeset._async.client import (
    AsyncResourceClient,
    AsyncWithAllVerbs,
    AsyncWithApply,
    AsyncWithCreate,
    AsyncWithDelete,
    AsyncWithDeleteCollection,
    AsyncWithGet,
    AsyncWithList,
    AsyncWithLogs,
    AsyncWithPatch,
    AsyncWithUpdate,
    AsyncWithWatch,
)
from kubeset._async.clientset import AsyncClientsetBase
from kubeset._async.discovery import AsyncDiscoveryClient
from kubeset._async.watch import AsyncLineStream, AsyncWatch
from kubeset._sync.client import (
    ResourceClient,
    WithAllVerbs,
    WithApply,
    WithCreate,
    WithDelete,
    WithDeleteCollection,
    WithGet,
    WithList,
    WithLogs,
    WithPatch,
    WithUpdate,
    WithWatch,
)
from kubeset._sync.clientset import ClientsetBase
from kubeset._sync.discovery import DiscoveryClient
from kubeset._sync.watch import LineStream, Watch

__all__ = [
    "AsyncClientsetBase",
    "AsyncDiscoveryClient",
    "AsyncLineStream",
    "AsyncResourceClient",
    "AsyncWatch",
    "AsyncWithAllVerbs",
    "AsyncWithApply",
    "AsyncWithCreate",
    "AsyncWithDelete",
    "AsyncWithDeleteCollection",
    "AsyncWithGet",
    "AsyncWithList",
    "AsyncWithLogs",
    "AsyncWithPatch",
    "AsyncWithUpdate",
    "AsyncWithWatch",
    "ClientsetBase",
    "DiscoveryClient",
    "LineStream",
    "ResourceClient",
    "Watch",
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
