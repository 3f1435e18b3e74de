"""client-go's ``tools/cache`` for Python, sync and async: reflectors, retry watchers, shared
informers and their factories, indexers and listers.

``SharedInformer``/``AsyncSharedInformer`` keep a cache of one resource current and call handlers;
generated packages have a typed ``SharedInformerFactory`` (``<package>.informers``) with one
accessor per group-version and resource::

    factory = SharedInformerFactory(cs, resync=300)
    pods = factory.core_v1().pods()
    pods.informer().add_event_handler(on_add=print)
    factory.start()
    factory.wait_for_cache_sync(timeout=30)
    pods.lister().pods("default").get("web")

Objects handed out by an indexer, a lister or to a handler are the cached objects, shared with
every other reader: treat them as read-only (``obj.model_copy(deep=True)`` before changing one).
"""

from kubeset._async.informers import (
    AsyncListWatch,
    AsyncReflector,
    AsyncResourceInformer,
    AsyncRetryWatcher,
    AsyncSharedInformer,
    AsyncSharedInformerFactory,
    Backoff,
    EventHandler,
)
from kubeset._sync.informers import (
    ListWatch,
    Reflector,
    ResourceInformer,
    RetryWatcher,
    SharedInformer,
    SharedInformerFactory,
)
from kubeset.store import (
    NAMESPACE_INDEX,
    DeletedFinalStateUnknown,
    Indexer,
    IndexFunc,
    Lister,
    NamespaceLister,
    labels_of,
    meta_namespace_key,
    namespace_index,
    split_key,
)

__all__ = [
    "NAMESPACE_INDEX",
    "AsyncListWatch",
    "AsyncReflector",
    "AsyncResourceInformer",
    "AsyncRetryWatcher",
    "AsyncSharedInformer",
    "AsyncSharedInformerFactory",
    "Backoff",
    "DeletedFinalStateUnknown",
    "EventHandler",
    "IndexFunc",
    "Indexer",
    "ListWatch",
    "Lister",
    "NamespaceLister",
    "Reflector",
    "ResourceInformer",
    "RetryWatcher",
    "SharedInformer",
    "SharedInformerFactory",
    "labels_of",
    "meta_namespace_key",
    "namespace_index",
    "split_key",
]
