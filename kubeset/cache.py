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

A typed informer keeps *compact* objects (:mod:`kubeset.compact`): instances of the model that hold
their JSON text and validate it on first touch, after which they are ordinary models. A cache of
10,000 pods nobody reads costs their JSON text, not a gigabyte of models. ``transform=
drop_managed_fields`` is applied to that text, before anything is validated.
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
from kubeset.compact import drop_managed_fields, is_compact, materialize
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
    "drop_managed_fields",
    "is_compact",
    "labels_of",
    "materialize",
    "meta_namespace_key",
    "namespace_index",
    "split_key",
]
