"""Informers: the reflector that lists and watches, the shared informer that keeps a cache and
calls handlers, and the factory generated packages build on (client-go's ``tools/cache`` and
``informers``).

- :class:`AsyncListWatch` — how to list and watch one resource: a typed resource client, its
  metadata-only reads, or a dynamic resource.
- :class:`AsyncReflector` — lists (the streaming list — ``sendInitialEvents`` ended by the
  ``k8s.io/initial-events-end`` bookmark — where the server has it, else paged LIST), then watches
  from the last resourceVersion with bookmarks: a watch that ends, times out or loses its
  connection resumes from there after a jittered, capped backoff; ``410 Gone`` (an expired
  watch, or an expired ``continue`` token) makes it list again. Server-side ``timeoutSeconds`` is
  random in [5, 10) minutes, as client-go's; a silent connection is cut by the client's watch idle
  timeout.
- :class:`AsyncSharedInformer` — one reflector feeding an :class:`~kubeset.cache.Indexer` and any
  number of handlers (``on_add``, ``on_update(old, new)``, ``on_delete``), called in order from
  one dispatcher, each isolated (an exception is logged, never stops the informer). A relist
  reconciles the cache: objects gone while the informer was not watching are delivered to
  ``on_delete`` as :class:`~kubeset.cache.DeletedFinalStateUnknown` with their last state.
- :class:`AsyncSharedInformerFactory` — one informer per resource for a clientset, started and
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
from kubeset._async.client import AsyncResourceClient
from kubeset._async.watch import AsyncWatch
from kubeset._runner import AsyncChannel, AsyncSignal, AsyncTask
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
    "AsyncListWatch",
    "AsyncRetryWatcher",
    "AsyncReflector",
    "AsyncResourceInformer",
    "AsyncSharedInformer",
    "AsyncSharedInformerFactory",
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


class AsyncListWatch(Generic[T]):
    """Lists and watches one resource through a resource client (typed or dynamic);
    ``metadata=True`` reads ``PartialObjectMetadata`` only. ``options`` (``label_selector``,
    ``field_selector``) narrow both.

    A typed client's objects are read as compact objects (:mod:`kubeset.compact`): validated into
    their model on first touch, so a cache of objects nobody reads stays small and fills fast;
    ``compact=False`` validates each as it arrives.
    """

    def __init__(
        self,
        client: AsyncResourceClient[Any, Any],
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

    async def list(self, *, drop_managed_fields: bool = False) -> tuple[list[Any], str]:
        """Every object, page by page from one snapshot, and the list's resourceVersion. An
        expired ``continue`` token (410) starts again without paging. ``drop_managed_fields``:
        compact objects' managedFields are dropped before they are kept."""
        items: list[Any] = []
        token: str | None = None
        limit: int | None = self.page_size
        while True:
            try:
                page = await self._page(limit, token, drop_managed_fields)
            except Gone:
                if token is None or limit is None:
                    raise
                items, token, limit = [], None, None  # the snapshot expired: one full list
                continue
            items.extend(page_items(page))
            token = continue_token(page)
            if not token:
                return items, _list_version(page)

    async def _page(self, limit: int | None, token: str | None, drop: bool) -> Any:
        if self.compact_model is None:
            read = self.client.list_metadata if self.metadata else self.client.list
            return await read(limit=limit, continue_=token, **self.options)
        client = self.client
        req = list_request(
            client._info, client.namespace, limit=limit, continue_=token, **self.options
        )
        response = await client._rest.request(req)
        page = decode_as(dict, response.content, req.info(response.status_code))
        model = self.compact_model
        page["items"] = [compact.from_item(model, item, drop=drop) for item in page_items(page)]
        return page

    def watch(self, *, drop_managed_fields: bool = False, **options: Any) -> Any:
        """A watch (:class:`~kubeset._async.watch.AsyncWatch`) with ``options`` added;
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
        return AsyncWatch(
            client._rest, req, decode, resource_version=options.get("resource_version")
        )


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


class AsyncReflector(Generic[T]):
    """Keeps ``sink`` equal to the server's view of one resource (see the module docstring)."""

    def __init__(
        self,
        lw: AsyncListWatch[T],
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

    async def run(self, stop: AsyncSignal) -> None:
        """List and watch until ``stop`` is set."""
        while not stop.is_set():
            try:
                relist = await self._list_and_watch(stop)
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
                await stop.wait(delay)
                continue
            if relist and not stop.is_set():
                self.last_sync_resource_version = ""  # expired: a fresh, consistent list

    async def _list_and_watch(self, stop: AsyncSignal) -> bool:
        """One list, then watches until one says the version expired (``True``: relist) or
        ``stop`` is set."""
        self.relists += 1
        # A (re)list builds the whole cache at once: hundreds of thousands of objects, which the
        # cyclic collector would traverse again and again while they are being made (for 10,000
        # pods, most of the time). As for large responses, it is paused meanwhile.
        with gc_paused():
            stream = await self._initial(stop)
            if stream is True:
                return True
        if stop.is_set():
            await self._close(stream[0] if stream else None)
            return False
        return await self._watch(stop, stream)

    async def _initial(self, stop: AsyncSignal) -> Any:
        """Fill the cache: a streaming list's ``(watch, events)`` to go on with, ``None`` after a
        paged LIST, ``True`` when the version expired (list again)."""
        stream = None
        if self.use_watch_list:
            try:
                stream = await self._watch_list(stop)
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
                items, version = await self.lw.list(drop_managed_fields=self.drop_managed_fields)
            except Gone:
                return True
            self.sink.replace([self.sink.prepare(o) for o in items], version)
            self.last_sync_resource_version = version
        return stream

    async def _watch_list(self, stop: AsyncSignal) -> Any:
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
            await w.__aenter__()
            events = w.__aiter__()
            async for event in events:
                if stop.is_set():
                    await self._close(w)
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
            await self._close(w)
            raise
        await self._close(w)
        _log.info("%s: the streaming list ended early; using paged LIST", self.lw.name)
        self.use_watch_list = False
        return None

    async def _close(self, w: Any) -> None:
        if w is not None:
            await w.aclose()
        if self._current is w:
            self._current = None

    async def _watch(self, stop: AsyncSignal, stream: Any) -> bool:
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
                async with w:
                    async for event in events if events is not None else w:
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
                await stop.wait(delay)
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


class AsyncRetryWatcher(Generic[T]):
    """A watch that survives disconnects (client-go's ``RetryWatcher``): it resumes from the
    resourceVersion of the last event after a jittered, capped backoff, for as long as it is
    iterated, and never relists — a ``410 Gone`` (the version expired) is raised as
    :class:`~kubeset.errors.Gone`. ``resource_version`` must be a real version (from a list),
    not ``""`` or ``"0"``.

    ``async for event in AsyncRetryWatcher(lw, version): ...``; :meth:`stop` ends the iteration.
    """

    def __init__(
        self,
        lw: AsyncListWatch[T],
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
        self._stop = AsyncSignal()
        self._current: Any = None

    def stop(self) -> None:
        """End the iteration (from any thread: the watch in progress is interrupted)."""
        self._stop.set()
        current = self._current
        if current is not None:
            current.interrupt()

    def __aiter__(self) -> Any:
        return self._events()

    async def _events(self) -> Any:
        while not self._stop.is_set():
            low = self.min_watch_timeout
            w = self.lw.watch(
                resource_version=self.resource_version,
                allow_watch_bookmarks=True,
                timeout_seconds=int(low + random.random() * low),
            )
            self._current = w
            try:
                async with w:
                    async for event in w:
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
                await self._stop.wait(delay)
            finally:
                self._current = None


@dataclass(frozen=True)
class EventHandler:
    """Callbacks of one registration; any may be ``None``. They may be plain functions or, on an
    async informer, coroutine functions."""

    on_add: Callable[[Any], Any] | None = None
    on_update: Callable[[Any, Any], Any] | None = None
    on_delete: Callable[[Any], Any] | None = None


class AsyncSharedInformer(_Sink[T], Generic[T]):
    """One list+watch of a resource, a cache of it and any number of handlers.

    ``resync`` (seconds, 0: never) re-delivers every cached object to ``on_update(obj, obj)``
    that often; ``transform`` is applied to each object before it is stored and handed to
    handlers (e.g. dropping ``metadata.managedFields``); ``indexers`` add index functions to the
    namespace index. Start it with :meth:`start` (or ``async with``), stop with :meth:`stop`.
    """

    def __init__(
        self,
        lw: AsyncListWatch[T],
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
        self.reflector = AsyncReflector(
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
        self._notes: AsyncChannel[tuple[Any, ...]] = AsyncChannel()
        self._stop = AsyncSignal()
        self._synced = AsyncSignal()
        self._tasks: list[AsyncTask] = []
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

    async def _call(self, handler: EventHandler, kind: str, objs: tuple[Any, ...]) -> None:
        callbacks = {"add": handler.on_add, "update": handler.on_update}
        callback = callbacks.get(kind, handler.on_delete)
        if callback is None:
            return
        try:
            result = callback(*objs)
            if inspect.isawaitable(result):
                result = await result
        except Exception:
            _log.exception("%s: an %s handler raised; the informer goes on", self.lw.name, kind)

    async def _deliver(self, note: tuple[Any, ...]) -> None:
        kind, target, *objs = note
        for handler in [target] if target is not None else list(self._handlers):
            if self._stop.is_set():
                return
            await self._call(handler, kind, tuple(objs))

    async def _deliver_pending(self) -> None:
        """Call the handlers for every notification queued so far (what the dispatcher does in
        the background; for tests that drive :meth:`replace` and friends by hand)."""
        while len(self._notes):
            note = await self._notes.get(0)
            if note is not None:
                await self._deliver(note)

    async def _dispatch(self) -> None:
        next_resync = time.monotonic() + self.resync if self.resync else None
        while not self._stop.is_set():
            left = 0.5 if next_resync is None else next_resync - time.monotonic()
            wait = max(0.0, min(0.5, left))
            note = await self._notes.get(wait)
            if note is not None:
                await self._deliver(note)
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

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """Wait until :attr:`has_synced` (or ``timeout`` seconds); whether it has."""
        return await self._synced.wait(timeout)

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
            AsyncTask(lambda: self.reflector.run(self._stop), f"reflector {name}"),
            AsyncTask(self._dispatch, f"informer {name}"),
        ]

    async def stop(self, timeout: float = 2.0) -> None:
        """Stop watching and dispatching, and wait (up to ``timeout``) for both to end. No handler
        is called once this returns. (A sync informer's watch thread, blocked reading a quiet
        stream, ends at its next event, or when the clientset is closed.)"""
        self._stop.set()
        self.reflector.interrupt()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            await task.join(timeout)

    async def __aenter__(self) -> AsyncSharedInformer[T]:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


class AsyncResourceInformer(Generic[T]):
    """A factory's handle on one resource: its :meth:`informer` (made once) and :meth:`lister`."""

    def __init__(self, factory: AsyncSharedInformerFactory, client_type: type[Any]) -> None:
        self._factory = factory
        self._client_type = client_type

    def informer(self) -> AsyncSharedInformer[T]:
        """The shared informer of this resource (one per factory)."""
        return self._factory.informer_for(self._client_type)

    def lister(self) -> Lister[T]:
        """A lister of the informer's cache."""
        return self.informer().lister()

    def metadata_informer(self) -> AsyncSharedInformer[PartialObjectMetadata]:
        """An informer of this resource's metadata only (``PartialObjectMetadata``: names,
        labels, annotations, owners; no spec or status) — for caches that need no more."""
        return self._factory.metadata_informer_for(self._client_type)


class AsyncSharedInformerFactory:
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
        self._informers: dict[Any, AsyncSharedInformer[Any]] = {}

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.tweak_list_options is not None:
            self.tweak_list_options(options)
        return options

    def _client(self, client_type: type[Any]) -> Any:
        info = client_type._info
        rest = self.clientset.rest
        return client_type(rest, self.namespace) if info.namespaced else client_type(rest)

    def _make(self, key: Any, lw: AsyncListWatch[Any]) -> AsyncSharedInformer[Any]:
        informer = self._informers.get(key)
        if informer is None:
            informer = self._informers[key] = AsyncSharedInformer(
                lw,
                resync=self.resync,
                transform=self.transform,
                use_watch_list=self.use_watch_list,
            )
        return informer

    def informer_for(self, client_type: type[Any]) -> AsyncSharedInformer[Any]:
        """The informer of the resource ``client_type`` (a generated resource client class)."""
        key = (client_type, False)
        if key not in self._informers:
            self._make(key, AsyncListWatch(self._client(client_type), **self._options()))
        return self._informers[key]

    def metadata_informer_for(self, client_type: type[Any]) -> AsyncSharedInformer[Any]:
        """An informer caching ``PartialObjectMetadata`` of the resource (names, labels,
        annotations, owners — no spec or status): a fraction of the memory."""
        key = (client_type, True)
        if key not in self._informers:
            lw: AsyncListWatch[Any] = AsyncListWatch(
                self._client(client_type), metadata=True, **self._options()
            )
            self._make(key, lw)
        return self._informers[key]

    def dynamic_informer(self, resource: Any) -> AsyncSharedInformer[dict[str, Any]]:
        """An informer of a dynamic resource (:class:`~kubeset.dynamic.AsyncDynamicResource`,
        plain dicts), for resources without a generated package."""
        info = resource.info
        key = ("dynamic", info.api_version, info.plural, resource.namespace)
        return self._make(key, AsyncListWatch(resource, **self._options()))

    @property
    def informers(self) -> list[AsyncSharedInformer[Any]]:
        """Every informer made so far."""
        return list(self._informers.values())

    def start(self) -> None:
        """Start every informer made so far (those made later start when this is called again)."""
        for informer in self._informers.values():
            informer.start()

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """Wait until every started informer has synced (or ``timeout``); whether all did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for informer in self._informers.values():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not await informer.wait_for_cache_sync(left):
                return False
        return True

    async def shutdown(self, timeout: float = 2.0) -> None:
        """Stop every informer."""
        for informer in self._informers.values():
            await informer.stop(timeout)

    async def __aenter__(self) -> AsyncSharedInformerFactory:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()
