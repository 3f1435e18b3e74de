"""The informer cache's data structures: keys, a thread-safe indexer, tombstones and listers
(client-go's ``tools/cache`` store and ``listers``), shared by the sync and async informers.
Import them from :mod:`kubeset.cache`.

Objects handed out by an indexer or a lister are the cached objects themselves, shared with every
other reader and with the informer that keeps them current: treat them as read-only (copy with
``obj.model_copy(deep=True)`` before changing one), as client-go asks of its listers.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from kubeset.compact import compact_meta
from kubeset.errors import NotFound
from kubeset.labels import parse_selector

__all__ = [
    "NAMESPACE_INDEX",
    "DeletedFinalStateUnknown",
    "IndexFunc",
    "Indexer",
    "Lister",
    "NamespaceLister",
    "labels_of",
    "meta_namespace_key",
    "namespace_index",
    "split_key",
]

T = TypeVar("T")

#: The name of the index every informer keeps: objects by namespace.
NAMESPACE_INDEX = "namespace"

IndexFunc = Callable[[Any], Iterable[str]]
"""Maps an object to the index values it is found under."""


def _metadata(obj: Any) -> tuple[str | None, str | None, Mapping[str, Any] | None]:
    """``(namespace, name, labels)`` of a model, a compact object (not validated for it) or a
    dict."""
    compact = compact_meta(obj)
    if compact is not None:
        return compact.namespace, compact.name, compact.labels
    if isinstance(obj, Mapping):
        meta = obj.get("metadata") or {}
        return meta.get("namespace"), meta.get("name"), meta.get("labels")
    meta = getattr(obj, "metadata", None)
    if meta is None:
        return None, None, None
    return meta.namespace, meta.name, meta.labels


def meta_namespace_key(obj: Any) -> str:
    """``namespace/name``, or ``name`` for a cluster-scoped object (client-go's
    ``MetaNamespaceKeyFunc``); a tombstone's key is the one it carries."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    namespace, name, _ = _metadata(obj)
    if not name:
        raise ValueError("an object without metadata.name has no cache key")
    return f"{namespace}/{name}" if namespace else name


def split_key(key: str) -> tuple[str, str]:
    """``("namespace", "name")`` of a key (``""`` for cluster-scoped)."""
    namespace, _, name = key.rpartition("/")
    return namespace, name


def labels_of(obj: Any) -> Mapping[str, Any]:
    """The labels of a model or dict (empty when it has none)."""
    return _metadata(obj)[2] or {}


def namespace_index(obj: Any) -> list[str]:
    """The namespace index function (``""`` for cluster-scoped objects)."""
    return [_metadata(obj)[0] or ""]


@dataclass(frozen=True, slots=True)
class DeletedFinalStateUnknown(Generic[T]):
    """What ``on_delete`` receives for an object that disappeared while the informer was not
    watching (found missing on a relist): its key and the last state the cache held."""

    key: str
    obj: T


class Indexer(Generic[T]):
    """A thread-safe store of objects by key, with secondary indexes (client-go's ``Indexer``).

    Every operation holds one lock for its duration and never calls out, so it is safe from any
    number of threads and from asyncio tasks alike.
    """

    def __init__(
        self,
        key_func: Callable[[Any], str] = meta_namespace_key,
        indexers: Mapping[str, IndexFunc] | None = None,
    ) -> None:
        self._key = key_func
        self._lock = threading.Lock()
        self._items: dict[str, T] = {}
        self._indexers: dict[str, IndexFunc] = {NAMESPACE_INDEX: namespace_index}
        self._indexers.update(indexers or {})
        self._indices: dict[str, dict[str, set[str]]] = {name: {} for name in self._indexers}

    def key(self, obj: Any) -> str:
        """The key of ``obj``."""
        return self._key(obj)

    # --- writes ----------------------------------------------------------------------------

    def _unindex(self, key: str, obj: T) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]

    def _index(self, key: str, obj: T) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                index.setdefault(value, set()).add(key)

    def put(self, obj: T) -> T | None:
        """Add or replace ``obj``; return the object it replaced."""
        key = self._key(obj)
        with self._lock:
            old = self._items.get(key)
            if old is not None:
                self._unindex(key, old)
            self._items[key] = obj
            self._index(key, obj)
            return old

    add = put
    update = put

    def delete_key(self, key: str) -> T | None:
        """Remove the object under ``key``; return it (``None`` if there was none)."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._unindex(key, old)
            return old

    def delete(self, obj: Any) -> T | None:
        """Remove ``obj`` (by its key)."""
        return self.delete_key(self._key(obj))

    def replace(self, objs: Iterable[T]) -> None:
        """Make the store hold exactly ``objs``."""
        items = {self._key(o): o for o in objs}
        with self._lock:
            self._items = items
            self._indices = {name: {} for name in self._indexers}
            for key, obj in items.items():
                self._index(key, obj)

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add index functions (and index what the store already holds)."""
        with self._lock:
            for name, func in indexers.items():
                if name in self._indexers:
                    raise ValueError(f"indexer {name!r} already exists")
                self._indexers[name] = func
                index: dict[str, set[str]] = {}
                for key, obj in self._items.items():
                    for value in func(obj):
                        index.setdefault(value, set()).add(key)
                self._indices[name] = index

    # --- reads -----------------------------------------------------------------------------

    def get_by_key(self, key: str) -> T | None:
        """The object under ``key``, or ``None``."""
        return self._items.get(key)

    def get(self, obj: Any) -> T | None:
        """The cached object with ``obj``'s key, or ``None``."""
        return self._items.get(self._key(obj))

    def list_keys(self) -> builtins.list[str]:
        """Every key."""
        with self._lock:
            return list(self._items)

    def list(
        self, selector: str | None = None, *, namespace: str | None = None
    ) -> builtins.list[T]:
        """The objects (in ``namespace``, when given), those matching the label ``selector``."""
        chosen = parse_selector(selector)
        with self._lock:
            if namespace:
                keys = self._indices[NAMESPACE_INDEX].get(namespace, set())
                objs = [self._items[k] for k in sorted(keys)]
            else:
                objs = list(self._items.values())
        if chosen.empty:
            return objs
        return [o for o in objs if chosen.matches(labels_of(o))]

    def by_index(self, index_name: str, value: str) -> builtins.list[T]:
        """The objects whose index function ``index_name`` gives ``value``."""
        with self._lock:
            index = self._indices.get(index_name)
            if index is None:
                have = ", ".join(sorted(self._indices))
                raise KeyError(f"no index {index_name!r} (have: {have})")
            return [self._items[k] for k in sorted(index.get(value, ()))]

    def index_keys(self, index_name: str, value: str) -> builtins.list[str]:
        """The keys of :meth:`by_index`."""
        with self._lock:
            return sorted(self._indices[index_name].get(value, ()))

    def index_values(self, index_name: str) -> builtins.list[str]:
        """Every value the index ``index_name`` holds."""
        with self._lock:
            return sorted(self._indices[index_name])

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.list())

    def __contains__(self, key: object) -> bool:
        return key in self._items


class NamespaceLister(Generic[T]):
    """The objects of one namespace (client-go's ``<Kind>NamespaceLister``)."""

    def __init__(self, indexer: Indexer[T], namespace: str, resource: str) -> None:
        self._indexer = indexer
        self.namespace = namespace
        self._resource = resource

    def list(self, selector: str | None = None) -> list[T]:
        """The cached objects of this namespace matching the label ``selector``."""
        return self._indexer.list(selector, namespace=self.namespace)

    def get(self, name: str) -> T:
        """The cached object ``name``; :class:`~kubeset.errors.NotFound` if there is none."""
        obj = self._indexer.get_by_key(f"{self.namespace}/{name}")
        if obj is None:
            raise NotFound(f'{self._resource} "{name}" not found in the cache', code=404)
        return obj


class Lister(Generic[T]):
    """Reads an informer's cache (client-go's ``<Kind>Lister``): ``list(selector)`` across
    namespaces, ``get(name)`` for cluster-scoped resources, ``namespace(ns)`` for namespaced ones
    (generated listers also name it after the resource: ``lister.pods("ns")``)."""

    def __init__(self, indexer: Indexer[T], resource: str = "object") -> None:
        self._indexer = indexer
        self._resource = resource

    @property
    def indexer(self) -> Indexer[T]:
        """The indexer this lister reads."""
        return self._indexer

    def list(self, selector: str | None = None) -> list[T]:
        """Every cached object matching the label ``selector``."""
        return self._indexer.list(selector)

    def get(self, name: str) -> T:
        """The cached cluster-scoped object ``name``; :class:`~kubeset.errors.NotFound` if there
        is none."""
        obj = self._indexer.get_by_key(name)
        if obj is None:
            raise NotFound(f'{self._resource} "{name}" not found in the cache', code=404)
        return obj

    def namespace(self, namespace: str) -> NamespaceLister[T]:
        """The objects of ``namespace``."""
        return NamespaceLister(self._indexer, namespace, self._resource)
