# Generated from kubeset/_async/informers.py by codegen/clientgen/unasync.py. DO NOT EDIT.
"""Informers: the reflector that lists and watches, the shared informer that keeps a cache and
calls handlers, and the factory generated packages build on (client-go's ``tools/cache`` and
``informers``).

- :class:`ListWatch` — how to list and watch one resource: a typed resource client, its
  metadata-only reads, or a dynamic resource.
- :class:`Reflector` — lists (the streaming list — ``sendInitialEvents`` ended by the
  ``k8s.io/initial-events-end`` bookmark — where the server has it, else paged LIST), then watches
  from the last resourceVersion with bookmarks: a watch that ends, times out or loses its
  connection resumes from there after a jittered, capped backoff; ``410 Gone`` (an expired
  watch, or an expired ``continue`` token) makes it list again. Server-side ``timeoutSeconds`` is
  random in [5, 10) minutes, as client-go's; a silent connection is cut by the client's watch idle
  timeout.
- :class:`SharedInformer` — one reflector feeding an :class:`~kubeset.cache.Indexer` and any
  number of handlers (``on_add``, ``on_update(old, new)``, ``on_delete``), called in order from
  one dispatcher, each isolated (an exception is logged, never stops the informer). A relist
  reconciles the cache: objects gone while the informer was not watching are delivered to
  ``on_delete`` as :class:`~kubeset.cache.DeletedFinalStateUnknown` with their last state.
- :class:`SharedInformerFactory` — one informer per resource for a clientset, started and
  synced together; generated packages subclass it with typed accessors.
"""

from __future__ import annotations

import inspect
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from kubeset import compact
from kubeset._runner import Channel, Signal, Task
from kubeset._sync.client import ResourceClient
from kubeset._sync.watch import Watch
from kubeset.decode import (
    continue_token,
    decode_as,
    event_decoder,
    gc_paused,
    page_items,
    resource_version_of,
)
from kubeset.errors import ApiError, Gone, KubesetError
from kubeset.request import list_request
from kubeset.resource import WatchOptions, check_options
from kubeset.store import (
    DeletedFinalStateUnknown,
    Indexer,
    IndexFunc,
    Lister,
    meta_namespace_key,
)

if TYPE_CHECKING:
    from kubeset.meta import PartialObjectMetadata

__all__ = [
    "ListWatch",
    "RetryWatcher",
    "Reflector",
    "ResourceInformer",
    "SharedInformer",
    "SharedInformerFactory",
    "Backoff",
    "EventHandler",
]

T = TypeVar("T")

_log = logging.getLogger("kubeset.informers")

#: The annotation of the bookmark that ends a streaming list's initial events.
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
#: Server-side watch timeouts are random in [MIN_WATCH_TIMEOUT, 2 * MIN_WATCH_TIMEOUT).
MIN_WATCH_TIMEOUT = 300.0


@dataclass
class Backoff:
    """Jittered exponential backoff, capped (client-go's reflector: 0.8 s doubling to 30 s, full
    jitter, reset after 2 minutes without a failure)."""

    initial: float = 0.8
    cap: float = 30.0
    factor: float = 2.0
    jitter: float = 1.0
    reset_after: float = 120.0
    _next: float = field(default=0.0, init=False)
    _last: float = field(default=0.0, init=False)

    def delay(self, now: float | None = None) -> float:
        """The next delay (seconds), growing on each call."""
        now = time.monotonic() if now is None else now
        if not self._next or now - self._last > self.reset_after:
            self._next = self.initial
        base = self._next
        self._next = min(self._next * self.factor, self.cap)
        self._last = now
        return min(base * (1 + random.random() * self.jitter), self.cap * (1 + self.jitter))

    def reset(self) -> None:
        """Start again from ``initial``."""
        self._next = 0.0


def _annotations(obj: Any) -> Mapping[str, Any]:
    if isinstance(obj, Mapping):
        return (obj.get("metadata") or {}).get("annotations") or {}
    meta = getattr(obj, "metadata", None)
    return (getattr(meta, "annotations", None) or {}) if meta is not None else {}


def _list_version(page: Any) -> str:
    if isinstance(page, Mapping):
        return str((page.get("metadata") or {}).get("resourceVersion") or "")
    return str(getattr(getattr(page, "metadata", None), "resource_version", None) or "")


class ListWatch(Generic[T]):
    """Lists and watches one resource through a resource client (typed or dynamic);
    ``metadata=True`` reads ``PartialObjectMetadata`` only. ``options`` (``label_selector``,
    ``field_selector``) narrow both.

    A typed client's objects are read as compact objects (:mod:`kubeset.compact`): validated into
    their model on first touch, so a cache of objects nobody reads stays small and fills fast;
    ``compact=False`` validates each as it arrives.
    """

    def __init__(
        self,
        client: ResourceClient[Any, Any],
        *,
        metadata: bool = False,
        page_size: int = 500,
        compact: bool = True,
        **options: Any,
    ) -> None:
        self.client: Any = client
        self.metadata = metadata
        self.page_size = page_size
        self.options = {k: v for k, v in options.items() if v is not None}
        model = getattr(client, "_model", None)
        typed = isinstance(model, type) and issubclass(model, BaseModel)
        self.compact_model: type[BaseModel] | None = (
            model if compact and typed and not metadata else None
        )

    @property
    def name(self) -> str:
        info = self.client.info
        where = f" in {self.client.namespace}" if getattr(self.client, "namespace", None) else ""
        return f"{info.api_version} {info.plural}{where}"

    def list(self, *, drop_managed_fields: bool = False) -> tuple[list[Any], str]:
        """Every object, page by page from one snapshot, and the list's resourceVersion. An
        expired ``continue`` token (410) starts again without paging. ``drop_managed_fields``:
        compact objects' managedFields are dropped before they are kept."""
        items: list[Any] = []
        token: str | None = None
        limit: int | None = self.page_size
        while True:
            try:
                page = self._page(limit, token, drop_managed_fields)
            except Gone:
                if token is None or limit is None:
                    raise
                items, token, limit = [], None, None  # the snapshot expired: one full list
                continue
            items.extend(page_items(page))
            token = continue_token(page)
            if not token:
                return items, _list_version(page)

    def _page(self, limit: int | None, token: str | None, drop: bool) -> Any:
        if self.compact_model is None:
            read = self.client.list_metadata if self.metadata else self.client.list
            return read(limit=limit, continue_=token, **self.options)
        client = self.client
        req = list_request(
            client._info, client.namespace, limit=limit, continue_=token, **self.options
        )
        response = client._rest.request(req)
        page = decode_as(dict, response.content, req.info(response.status_code))
        model = self.compact_model
        page["items"] = [compact.from_item(model, item, drop=drop) for item in page_items(page)]
        return page

    def watch(self, *, drop_managed_fields: bool = False, **options: Any) -> Any:
        """A watch (:class:`~kubeset._sync.watch.Watch`) with ``options`` added;
        ``drop_managed_fields``: compact objects' managedFields are dropped from the text."""
        if self.compact_model is None:
            start = self.client.watch_metadata if self.metadata else self.client.watch
            return start(**self.options, **options)
        client = self.client
        options = {**self.options, **options}
        check_options(options, WatchOptions, "watch")
        req = list_request(client._info, client.namespace, watch=True, **options)
        model = self.compact_model
        decode = compact.event_decoder(model, event_decoder(model), drop=drop_managed_fields)
        return Watch(client._rest, req, decode, resource_version=options.get("resource_version"))


class _Sink(Generic[T]):
    """What a reflector feeds (the shared informer). Every object goes through :meth:`prepare`
    as soon as it arrives (so that a transform shrinking objects keeps a list's peak small)."""

    def prepare(self, obj: Any) -> Any:
        return obj

    def replace(self, objs: list[T], resource_version: str) -> None:
        raise NotImplementedError

    def upsert(self, obj: T) -> None:
        raise NotImplementedError

    def remove(self, obj: T) -> None:
        raise NotImplementedError


class Reflector(Generic[T]):
    """Keeps ``sink`` equal to the server's view of one resource (see the module docstring)."""

    def __init__(
        self,
        lw: ListWatch[T],
        sink: _Sink[T],
        *,
        use_watch_list: bool = True,
        min_watch_timeout: float = MIN_WATCH_TIMEOUT,
        backoff: Backoff | None = None,
    ) -> None:
        self.lw = lw
        self.sink = sink
        self.use_watch_list = use_watch_list
        self.min_watch_timeout = min_watch_timeout
        self.backoff = backoff or Backoff()
        self.last_sync_resource_version = ""
        #: Whether managedFields are dropped from compact objects' text as they arrive (set by
        #: an informer given :data:`~kubeset.cache.drop_managed_fields` as its transform).
        self.drop_managed_fields = False
        self.relists = 0
        self.rewatches = 0
        self._current: Any = None

    def _watch_timeout(self) -> int:
        low = self.min_watch_timeout
        return int(low + random.random() * low)

    def interrupt(self) -> None:
        """Unblock the watch in progress from another thread (how a sync reflector is stopped:
        its thread then closes the watch and sees the stop signal)."""
        current = self._current
        if current is not None:
            current.interrupt()

    def run(self, stop: Signal) -> None:
        """List and watch until ``stop`` is set."""
        while not stop.is_set():
            try:
                relist = self._list_and_watch(stop)
            except Exception as exc:
                if stop.is_set():
                    return  # stopping: the watch was closed under it
                delay = self.backoff.delay()
                if isinstance(exc, KubesetError):
                    _log.warning("%s: %s; listing again in %.1fs", self.lw.name, exc, delay)
                else:
                    _log.exception(
                        "%s: unexpected error; listing again in %.1fs", self.lw.name, delay
                    )
                stop.wait(delay)
                continue
            if relist and not stop.is_set():
                self.last_sync_resource_version = ""  # expired: a fresh, consistent list

    def _list_and_watch(self, stop: Signal) -> bool:
        """One list, then watches until one says the version expired (``True``: relist) or
        ``stop`` is set."""
        self.relists += 1
        # A (re)list builds the whole cache at once: hundreds of thousands of objects, which the
        # cyclic collector would traverse again and again while they are being made (for 10,000
        # pods, most of the time). As for large responses, it is paused meanwhile.
        with gc_paused():
            stream = self._initial(stop)
            if stream is True:
                return True
        if stop.is_set():
            self._close(stream[0] if stream else None)
            return False
        return self._watch(stop, stream)

    def _initial(self, stop: Signal) -> Any:
        """Fill the cache: a streaming list's ``(watch, events)`` to go on with, ``None`` after a
        paged LIST, ``True`` when the version expired (list again)."""
        stream = None
        if self.use_watch_list:
            try:
                stream = self._watch_list(stop)
            except Gone:
                return True
            except ApiError as exc:
                if exc.code not in (400, 403, 405, 406, 415, 422):
                    raise
                _log.info("%s: no streaming list (%s); using paged LIST", self.lw.name, exc)
                self.use_watch_list = False
            if stop.is_set():
                return stream
        if stream is None:
            try:
                items, version = self.lw.list(drop_managed_fields=self.drop_managed_fields)
            except Gone:
                return True
            self.sink.replace([self.sink.prepare(o) for o in items], version)
            self.last_sync_resource_version = version
        return stream

    def _watch_list(self, stop: Signal) -> Any:
        """A streaming list: the current objects as ADDED events, then the initial-events-end
        bookmark (the cache is replaced there); the same watch goes on with changes, returned as
        ``(watch, its event iterator)``. ``None`` if the stream ended before the bookmark (the
        caller falls back to paging) or ``stop`` was set."""
        w = self.lw.watch(
            drop_managed_fields=self.drop_managed_fields,
            send_initial_events=True,
            resource_version_match="NotOlderThan",
            resource_version=self.last_sync_resource_version or None,
            allow_watch_bookmarks=True,
            timeout_seconds=self._watch_timeout(),
        )
        self._current = w
        objs: dict[str, Any] = {}
        try:
            w.__enter__()
            events = w.__iter__()
            for event in events:
                if stop.is_set():
                    self._close(w)
                    return None
                if event.type == "BOOKMARK":
                    if _annotations(event.object).get(INITIAL_EVENTS_END) == "true":
                        version = resource_version_of(event.object) or ""
                        self.sink.replace(list(objs.values()), version)
                        self.last_sync_resource_version = version
                        return w, events
                elif event.type == "DELETED":
                    objs.pop(meta_namespace_key(event.object), None)
                else:
                    objs[meta_namespace_key(event.object)] = self.sink.prepare(event.object)
        except BaseException:
            self._close(w)
            raise
        self._close(w)
        _log.info("%s: the streaming list ended early; using paged LIST", self.lw.name)
        self.use_watch_list = False
        return None

    def _close(self, w: Any) -> None:
        if w is not None:
            w.close()
        if self._current is w:
            self._current = None

    def _watch(self, stop: Signal, stream: Any) -> bool:
        """Watch from the last resourceVersion until ``stop``; ``True`` when it expired.
        ``stream``: a streaming list's ``(watch, events)`` to go on with first."""
        w, events = stream if stream is not None else (None, None)
        while not stop.is_set():
            if w is None:
                w = self.lw.watch(
                    drop_managed_fields=self.drop_managed_fields,
                    resource_version=self.last_sync_resource_version or None,
                    allow_watch_bookmarks=True,
                    timeout_seconds=self._watch_timeout(),
                )
                self._current = w
                self.rewatches += 1
            try:
                with w:
                    for event in events if events is not None else w:
                        if stop.is_set():
                            return False
                        self._handle(event)
                self.backoff.reset()  # the server ended the watch (timeoutSeconds): resume
            except Gone:
                return True
            except KubesetError as exc:
                if stop.is_set():
                    return False
                delay = self.backoff.delay()
                _log.info("%s: watch failed (%s); resuming in %.1fs", self.lw.name, exc, delay)
                stop.wait(delay)
            finally:
                if self._current is w:
                    self._current = None
                w = events = None
        return False

    def _handle(self, event: Any) -> None:
        version = resource_version_of(event.object)
        if event.type in ("ADDED", "MODIFIED"):
            self.sink.upsert(self.sink.prepare(event.object))
        elif event.type == "DELETED":
            self.sink.remove(self.sink.prepare(event.object))
        if version:
            self.last_sync_resource_version = version


class RetryWatcher(Generic[T]):
    """A watch that survives disconnects (client-go's ``RetryWatcher``): it resumes from the
    resourceVersion of the last event after a jittered, capped backoff, for as long as it is
    iterated, and never relists — a ``410 Gone`` (the version expired) is raised as
    :class:`~kubeset.errors.Gone`. ``resource_version`` must be a real version (from a list),
    not ``""`` or ``"0"``.

    ``for event in RetryWatcher(lw, version): ...``; :meth:`stop` ends the iteration.
    """

    def __init__(
        self,
        lw: ListWatch[T],
        resource_version: str,
        *,
        min_watch_timeout: float = MIN_WATCH_TIMEOUT,
        backoff: Backoff | None = None,
    ) -> None:
        if resource_version in ("", "0"):
            raise ValueError("a RetryWatcher needs the resourceVersion of a list to start from")
        self.lw = lw
        self.resource_version = resource_version
        self.min_watch_timeout = min_watch_timeout
        self.backoff = backoff or Backoff()
        self._stop = Signal()
        self._current: Any = None

    def stop(self) -> None:
        """End the iteration (from any thread: the watch in progress is interrupted)."""
        self._stop.set()
        current = self._current
        if current is not None:
            current.interrupt()

    def __iter__(self) -> Any:
        return self._events()

    def _events(self) -> Any:
        while not self._stop.is_set():
            low = self.min_watch_timeout
            w = self.lw.watch(
                resource_version=self.resource_version,
                allow_watch_bookmarks=True,
                timeout_seconds=int(low + random.random() * low),
            )
            self._current = w
            try:
                with w:
                    for event in w:
                        version = resource_version_of(event.object)
                        if version:
                            self.resource_version = version
                        if event.type != "BOOKMARK":
                            yield event
                        if self._stop.is_set():
                            return
                self.backoff.reset()
            except Gone:
                raise
            except KubesetError as exc:
                if self._stop.is_set():
                    return
                delay = self.backoff.delay()
                _log.info("%s: watch failed (%s); resuming in %.1fs", self.lw.name, exc, delay)
                self._stop.wait(delay)
            finally:
                self._current = None


@dataclass(frozen=True)
class EventHandler:
    """Callbacks of one registration; any may be ``None``. They may be plain functions or, on an
    async informer, coroutine functions."""

    on_add: Callable[[Any], Any] | None = None
    on_update: Callable[[Any, Any], Any] | None = None
    on_delete: Callable[[Any], Any] | None = None


class SharedInformer(_Sink[T], Generic[T]):
    """One list+watch of a resource, a cache of it and any number of handlers.

    ``resync`` (seconds, 0: never) re-delivers every cached object to ``on_update(obj, obj)``
    that often; ``transform`` is applied to each object before it is stored and handed to
    handlers (e.g. dropping ``metadata.managedFields``); ``indexers`` add index functions to the
    namespace index. Start it with :meth:`start` (or ``with``), stop with :meth:`stop`.
    """

    def __init__(
        self,
        lw: ListWatch[T],
        *,
        resync: float = 0.0,
        transform: Callable[[Any], Any] | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        use_watch_list: bool = True,
        min_watch_timeout: float = MIN_WATCH_TIMEOUT,
        backoff: Backoff | None = None,
    ) -> None:
        self.lw = lw
        self.indexer: Indexer[T] = Indexer(indexers=indexers)
        self.resync = resync
        self.transform = transform
        self.reflector = Reflector(
            lw,
            self,
            use_watch_list=use_watch_list,
            min_watch_timeout=min_watch_timeout,
            backoff=backoff,
        )
        # drop_managed_fields is applied to compact objects' text, before they are validated.
        self._text_transform = compact.drops_managed_fields(transform) and (
            lw.compact_model is not None
        )
        self.reflector.drop_managed_fields = self._text_transform
        self._handlers: list[EventHandler] = []
        self._notes: Channel[tuple[Any, ...]] = Channel()
        self._stop = Signal()
        self._synced = Signal()
        self._tasks: list[Task] = []
        self._started = False

    # --- what the reflector feeds ----------------------------------------------------------

    def prepare(self, obj: Any) -> Any:
        if self.transform is None or (self._text_transform and compact.is_compact(obj)):
            return obj
        return self.transform(obj)

    def replace(self, objs: list[T], resource_version: str) -> None:
        fresh = {meta_namespace_key(o): o for o in objs}
        for key in self.indexer.list_keys():
            if key not in fresh:
                old = self.indexer.delete_key(key)
                if old is not None:
                    self._notify("delete", DeletedFinalStateUnknown(key, old))
        for obj in fresh.values():
            self._upsert(obj)
        self._synced.set()

    def upsert(self, obj: T) -> None:
        self._upsert(obj)

    def _upsert(self, obj: Any) -> None:
        old = self.indexer.put(obj)
        if old is None:
            self._notify("add", obj)
        elif resource_version_of(old) != resource_version_of(obj):
            self._notify("update", old, obj)

    def remove(self, obj: T) -> None:
        self.indexer.delete(obj)
        self._notify("delete", obj)

    def _notify(self, kind: str, *objs: Any) -> None:
        if self._handlers:
            self._notes.put((kind, None, *objs))

    # --- handlers --------------------------------------------------------------------------

    def add_event_handler(
        self,
        on_add: Callable[[Any], Any] | None = None,
        on_update: Callable[[Any, Any], Any] | None = None,
        on_delete: Callable[[Any], Any] | None = None,
    ) -> EventHandler:
        """Register callbacks; a handler added after the cache filled first gets an ``on_add``
        for every cached object (as client-go's). Returns the registration."""
        handler = EventHandler(on_add, on_update, on_delete)
        self._handlers.append(handler)
        for obj in self.indexer.list():
            self._notes.put(("add", handler, obj))
        return handler

    def remove_event_handler(self, handler: EventHandler) -> None:
        """Stop calling ``handler``."""
        if handler in self._handlers:
            self._handlers.remove(handler)

    def _call(self, handler: EventHandler, kind: str, objs: tuple[Any, ...]) -> None:
        callbacks = {"add": handler.on_add, "update": handler.on_update}
        callback = callbacks.get(kind, handler.on_delete)
        if callback is None:
            return
        try:
            result = callback(*objs)
            if inspect.isawaitable(result):
                result = result
        except Exception:
            _log.exception("%s: an %s handler raised; the informer goes on", self.lw.name, kind)

    def _deliver(self, note: tuple[Any, ...]) -> None:
        kind, target, *objs = note
        for handler in [target] if target is not None else list(self._handlers):
            if self._stop.is_set():
                return
            self._call(handler, kind, tuple(objs))

    def _deliver_pending(self) -> None:
        """Call the handlers for every notification queued so far (what the dispatcher does in
        the background; for tests that drive :meth:`replace` and friends by hand)."""
        while len(self._notes):
            note = self._notes.get(0)
            if note is not None:
                self._deliver(note)

    def _dispatch(self) -> None:
        next_resync = time.monotonic() + self.resync if self.resync else None
        while not self._stop.is_set():
            left = 0.5 if next_resync is None else next_resync - time.monotonic()
            wait = max(0.0, min(0.5, left))
            note = self._notes.get(wait)
            if note is not None:
                self._deliver(note)
            if next_resync is not None and time.monotonic() >= next_resync:
                next_resync = time.monotonic() + self.resync
                if self._synced.is_set():
                    for obj in self.indexer.list():
                        self._notes.put(("update", None, obj, obj))

    # --- life cycle ------------------------------------------------------------------------

    @property
    def has_synced(self) -> bool:
        """Whether the first list has filled the cache."""
        return self._synced.is_set()

    def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """Wait until :attr:`has_synced` (or ``timeout`` seconds); whether it has."""
        return self._synced.wait(timeout)

    def lister(self) -> Lister[T]:
        """A lister reading this informer's cache."""
        return Lister(self.indexer, self.lw.client.info.plural)

    def start(self) -> None:
        """Start listing, watching and dispatching in the background (idempotent)."""
        if self._started:
            return
        self._started = True
        name = self.lw.name
        self._tasks = [
            Task(lambda: self.reflector.run(self._stop), f"reflector {name}"),
            Task(self._dispatch, f"informer {name}"),
        ]

    def stop(self, timeout: float = 2.0) -> None:
        """Stop watching and dispatching, and wait (up to ``timeout``) for both to end. No handler
        is called once this returns. (A sync informer's watch thread, blocked reading a quiet
        stream, ends at its next event, or when the clientset is closed.)"""
        self._stop.set()
        self.reflector.interrupt()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            task.join(timeout)

    def __enter__(self) -> SharedInformer[T]:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ResourceInformer(Generic[T]):
    """A factory's handle on one resource: its :meth:`informer` (made once) and :meth:`lister`."""

    def __init__(self, factory: SharedInformerFactory, client_type: type[Any]) -> None:
        self._factory = factory
        self._client_type = client_type

    def informer(self) -> SharedInformer[T]:
        """The shared informer of this resource (one per factory)."""
        return self._factory.informer_for(self._client_type)

    def lister(self) -> Lister[T]:
        """A lister of the informer's cache."""
        return self.informer().lister()

    def metadata_informer(self) -> SharedInformer[PartialObjectMetadata]:
        """An informer of this resource's metadata only (``PartialObjectMetadata``: names,
        labels, annotations, owners; no spec or status) — for caches that need no more."""
        return self._factory.metadata_informer_for(self._client_type)


class SharedInformerFactory:
    """Shared informers of one clientset: one per resource type, started and synced together
    (client-go's ``SharedInformerFactory``). ``namespace`` limits every informer to one namespace
    (``""``: all); ``tweak_list_options`` may set ``label_selector``/``field_selector`` on the
    options dict of every list and watch; ``resync`` and ``transform`` apply to every informer.
    """

    def __init__(
        self,
        clientset: Any,
        *,
        resync: float = 0.0,
        namespace: str = "",
        tweak_list_options: Callable[[dict[str, Any]], None] | None = None,
        transform: Callable[[Any], Any] | None = None,
        use_watch_list: bool = True,
    ) -> None:
        self.clientset = clientset
        self.resync = resync
        self.namespace = namespace
        self.tweak_list_options = tweak_list_options
        self.transform = transform
        self.use_watch_list = use_watch_list
        self._informers: dict[Any, SharedInformer[Any]] = {}

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.tweak_list_options is not None:
            self.tweak_list_options(options)
        return options

    def _client(self, client_type: type[Any]) -> Any:
        info = client_type._info
        rest = self.clientset.rest
        return client_type(rest, self.namespace) if info.namespaced else client_type(rest)

    def _make(self, key: Any, lw: ListWatch[Any]) -> SharedInformer[Any]:
        informer = self._informers.get(key)
        if informer is None:
            informer = self._informers[key] = SharedInformer(
                lw,
                resync=self.resync,
                transform=self.transform,
                use_watch_list=self.use_watch_list,
            )
        return informer

    def informer_for(self, client_type: type[Any]) -> SharedInformer[Any]:
        """The informer of the resource ``client_type`` (a generated resource client class)."""
        key = (client_type, False)
        if key not in self._informers:
            self._make(key, ListWatch(self._client(client_type), **self._options()))
        return self._informers[key]

    def metadata_informer_for(self, client_type: type[Any]) -> SharedInformer[Any]:
        """An informer caching ``PartialObjectMetadata`` of the resource (names, labels,
        annotations, owners — no spec or status): a fraction of the memory."""
        key = (client_type, True)
        if key not in self._informers:
            lw: ListWatch[Any] = ListWatch(
                self._client(client_type), metadata=True, **self._options()
            )
            self._make(key, lw)
        return self._informers[key]

    def dynamic_informer(self, resource: Any) -> SharedInformer[dict[str, Any]]:
        """An informer of a dynamic resource (:class:`~kubeset.dynamic.DynamicResource`,
        plain dicts), for resources without a generated package."""
        info = resource.info
        key = ("dynamic", info.api_version, info.plural, resource.namespace)
        return self._make(key, ListWatch(resource, **self._options()))

    @property
    def informers(self) -> list[SharedInformer[Any]]:
        """Every informer made so far."""
        return list(self._informers.values())

    def start(self) -> None:
        """Start every informer made so far (those made later start when this is called again)."""
        for informer in self._informers.values():
            informer.start()

    def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """Wait until every started informer has synced (or ``timeout``); whether all did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for informer in self._informers.values():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not informer.wait_for_cache_sync(left):
                return False
        return True

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop every informer."""
        for informer in self._informers.values():
            informer.stop(timeout)

    def __enter__(self) -> SharedInformerFactory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
