"""Resource-client building blocks, sync and async: what generated code imports.

``WithGet``, ``WithList`` … are the verb mixins a generated resource client is composed of;
``WithStatus``, ``WithScale`` and ``WithLogs`` serve the common subresources, and
``GetSubresource`` … declare the others in one line each; ``WithExec``, ``WithAttach``,
``WithPortForward`` and ``WithProxy`` serve the connect subresources (exec, attach, port-forward,
proxy); ``ClientsetBase`` is the base of a
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
from kubeset._async.connect import (
    AsyncExecSession,
    AsyncPortForward,
    AsyncPortForwardStream,
    AsyncWithAttach,
    AsyncWithConnect,
    AsyncWithExec,
    AsyncWithPortForward,
    AsyncWithProxy,
    ExecResult,
)
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
from kubeset._sync.connect import (
    ExecSession,
    PortForward,
    PortForwardStream,
    WithAttach,
    WithConnect,
    WithExec,
    WithPortForward,
    WithProxy,
)
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
    "AsyncExecSession",
    "AsyncGetSubresource",
    "AsyncLineStream",
    "AsyncPatchSubresource",
    "AsyncPortForward",
    "AsyncPortForwardStream",
    "AsyncResourceClient",
    "AsyncUpdateSubresource",
    "AsyncWatch",
    "AsyncWithAllVerbs",
    "AsyncWithApply",
    "AsyncWithAttach",
    "AsyncWithConnect",
    "AsyncWithCreate",
    "AsyncWithDelete",
    "AsyncWithDeleteCollection",
    "AsyncWithExec",
    "AsyncWithGet",
    "AsyncWithList",
    "AsyncWithLogs",
    "AsyncWithPatch",
    "AsyncWithPortForward",
    "AsyncWithProxy",
    "AsyncWithScale",
    "AsyncWithStatus",
    "AsyncWithUpdate",
    "AsyncWithWatch",
    "ClientsetBase",
    "CreateSubresource",
    "DiscoveryClient",
    "ExecResult",
    "ExecSession",
    "GetSubresource",
    "LineStream",
    "PatchSubresource",
    "PortForward",
    "PortForwardStream",
    "ResourceClient",
    "UpdateSubresource",
    "Watch",
    "WithAllVerbs",
    "WithApply",
    "WithAttach",
    "WithConnect",
    "WithCreate",
    "WithDelete",
    "WithDeleteCollection",
    "WithExec",
    "WithGet",
    "WithList",
    "WithLogs",
    "WithPatch",
    "WithPortForward",
    "WithProxy",
    "WithScale",
    "WithStatus",
    "WithUpdate",
    "WithWatch",
]
