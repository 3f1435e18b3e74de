"""Resource-client building blocks, sync and async: what generated code imports.

``WithGet``, ``WithList`` … are the verb mixins a generated resource client is composed of;
``WithStatus``, ``WithScale`` and ``WithLogs`` serve the common subresources, and
``GetSubresource`` … declare the others in one line each; ``ClientsetBase`` is the base of a
generated ``Clientset``. The ``Async`` twins are the same API with ``async``/``await``.
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
    AsyncWithPatch,
    AsyncWithUpdate,
    AsyncWithWatch,
)
from kubeset._async.clientset import AsyncClientsetBase
from kubeset._async.discovery import AsyncDiscoveryClient
from kubeset._async.subresources import (
    AsyncApplySubresource,
    AsyncCreateSubresource,
    AsyncGetSubresource,
    AsyncPatchSubresource,
    AsyncUpdateSubresource,
    AsyncWithLogs,
    AsyncWithScale,
    AsyncWithStatus,
)
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
    WithPatch,
    WithUpdate,
    WithWatch,
)
from kubeset._sync.clientset import ClientsetBase
from kubeset._sync.discovery import DiscoveryClient
from kubeset._sync.subresources import (
    ApplySubresource,
    CreateSubresource,
    GetSubresource,
    PatchSubresource,
    UpdateSubresource,
    WithLogs,
    WithScale,
    WithStatus,
)
from kubeset._sync.watch import LineStream, Watch

__all__ = [
    "ApplySubresource",
    "AsyncApplySubresource",
    "AsyncClientsetBase",
    "AsyncCreateSubresource",
    "AsyncDiscoveryClient",
    "AsyncGetSubresource",
    "AsyncLineStream",
    "AsyncPatchSubresource",
    "AsyncResourceClient",
    "AsyncUpdateSubresource",
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
    "AsyncWithScale",
    "AsyncWithStatus",
    "AsyncWithUpdate",
    "AsyncWithWatch",
    "ClientsetBase",
    "CreateSubresource",
    "DiscoveryClient",
    "GetSubresource",
    "LineStream",
    "PatchSubresource",
    "ResourceClient",
    "UpdateSubresource",
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
    "WithScale",
    "WithStatus",
    "WithUpdate",
    "WithWatch",
]
