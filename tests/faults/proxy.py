"""The fault-injection harness: :class:`FaultProxy`, a loopback TCP proxy with injectable faults,
and the scenarios that drive every verb family of a clientset through it (:func:`run_matrix`).

The proxy listens on ``127.0.0.1:<free port>`` and relays raw bytes to the upstream address (the
apiserver's), so TLS passes through untouched: a client only needs its ``host`` pointed at the
proxy (:meth:`FaultProxy.config_for`; the envtest serving certificate has ``127.0.0.1`` as an IP
SAN, so ``https://127.0.0.1:<proxy port>`` verifies as is).

Faults (:class:`Fault`) can be set at any time, for the connections already open
(``existing=True``) and/or for new ones (``new=True`` for all of them, ``new=k`` for the next
``k``, ``new=False`` for none)::

    with FaultProxy(("127.0.0.1", 6443)) as proxy:
        proxy.reset()                     # RST (SO_LINGER 0, close); new ones on their first bytes
        proxy.reset(after_bytes=64)       # RST after 64 more bytes server → client
        proxy.stall("down")               # stop relaying server → client ("up", "both")
        proxy.truncate_after(2000)        # relay 2000 more bytes server → client, then close
        proxy.delay(0.5)                  # hold everything for 0.5 s, then relay
        proxy.slow(32_000)                # at most 32 kB/s each way
        proxy.drop_new(new=1)             # accept the next connection and close it at once
        proxy.passthrough()               # relay everything (the ``pass`` mode)
        proxy.stats()                     # connections, faults applied, bytes

Each connection is served by one thread that owns both its sockets (non-blocking, ``select`` with
a short timeout), so a fault set from another thread takes effect within a few milliseconds and a
socket is never closed under another thread. :meth:`FaultProxy.close` stops accepting, closes every
connection and joins every thread with a timeout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import select
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FAULT_KINDS",
    "Fault",
    "FaultProxy",
    "ProxyStats",
]

#: Fault kinds; ``pass`` relays untouched.
FAULT_KINDS = ("pass", "reset", "stall", "truncate", "delay", "slow", "drop")
_DIRECTIONS = ("both", "up", "down")  # up: client → server, down: server → client
_BUFFER = 64 * 1024
_TICK = 0.01  # select timeout: how soon a fault set from another thread takes effect
_DRAIN = 1.0  # seconds a gracefully closed client connection is drained before the close


@dataclass(frozen=True)
class Fault:
    """One fault mode (see the module documentation); build them with the :class:`FaultProxy`
    methods or directly (``Fault("truncate", n=100)``)."""

    kind: str = "pass"
    #: ``reset``: RST after this many server → client bytes (``None``: at once for an open
    #: connection, on its first client bytes for a new one).
    after_bytes: int | None = None
    #: ``truncate``: server → client bytes relayed before the connection is closed (FIN).
    n: int = 0
    #: ``truncate``: cut only between TLS records (when the stream is TLS), so the client decrypts
    #: everything it got and sees a truncated HTTP message rather than a broken record.
    tls_records: bool = True
    #: ``delay``: seconds to hold the connection before relaying anything.
    seconds: float = 0.0
    #: ``slow``: the relay rate, per direction.
    bytes_per_second: float = 0.0
    #: ``stall`` and ``slow``: ``both``, ``up`` (client → server) or ``down`` (server → client).
    direction: str = "both"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}: one of {', '.join(FAULT_KINDS)}")
        if self.direction not in _DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(_DIRECTIONS)}")
        if self.kind == "slow" and self.bytes_per_second <= 0:
            raise ValueError("slow needs bytes_per_second > 0")

    def affects(self, direction: str) -> bool:
        return self.direction in ("both", direction)


PASS = Fault()


@dataclass(frozen=True)
class ProxyStats:
    """What a proxy saw: connections accepted and open, faults applied (by kind: a connection
    reset, stalled, truncated, delayed, slowed or dropped counts once per fault set on it), bytes
    relayed each way."""

    connections: int
    active: int
    faults: dict[str, int]
    bytes_up: int
    bytes_down: int

    @property
    def faults_applied(self) -> int:
        return sum(self.faults.values())


class _TlsCut:
    """Where to cut a server → client stream so that it ends on a TLS record boundary within a
    byte limit (a plain byte count when the stream is not TLS).

    Offsets count the bytes since the fault was applied; the stream is assumed to be at a record
    boundary then (true for a new connection, and for an open one between two responses).
    """

    def __init__(self) -> None:
        self.tls: bool | None = None  # unknown until the first record header
        self.next_header = 0  # offset of the first record not yet known to fit

    def plan(self, buf: bytes | bytearray, base: int, limit: int) -> tuple[int, bool]:
        """(bytes at the start of ``buf`` — which starts at offset ``base`` — to relay now,
        whether the connection is to be closed once they are relayed)."""
        if base >= limit:
            return 0, True
        end = base + len(buf)
        if self.tls is None and buf and self.next_header == base and buf[0] not in _TLS_TYPES:
            self.tls = False
        while self.tls is not False and self.next_header + 5 <= end:
            i = self.next_header - base
            ctype, major, length = struct.unpack("!BBxH", bytes(buf[i : i + 5]))
            if self.tls is None:
                self.tls = ctype in _TLS_TYPES and major == 3
                if not self.tls:
                    break
            if self.next_header + 5 + length > limit:
                return self.next_header - base, True
            self.next_header += 5 + length
        if self.tls is False:
            size = min(len(buf), limit - base)
            return size, base + size >= limit
        size = min(len(buf), self.next_header - base)
        return size, self.next_header >= limit and base + size >= limit


_TLS_TYPES = (20, 21, 22, 23)  # change_cipher_spec, alert, handshake, application_data


@dataclass
class _Applied:
    """A fault as applied to one connection, with its progress."""

    fault: Fault
    since: float
    existing: bool  # set on a connection that was already open
    down: int = 0  # server → client bytes relayed since
    counted: bool = False
    cut: _TlsCut = field(default_factory=_TlsCut)
    tokens: dict[str, float] = field(default_factory=lambda: {"up": 0.0, "down": 0.0})
    stamp: float = 0.0


class _Connection:
    def __init__(self, proxy: FaultProxy, client: socket.socket, applied: _Applied) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream: socket.socket | None = None
        self._applied = applied
        self.thread = threading.Thread(target=self._run, name="fault-proxy-conn", daemon=True)

    def apply(self, fault: Fault) -> None:
        applied = _Applied(fault, time.monotonic(), existing=True)
        if fault.kind in ("stall", "delay", "slow"):
            self._count(applied)
        self._applied = applied

    def _count(self, applied: _Applied) -> None:
        if not applied.counted:
            applied.counted = True
            self.proxy._count(applied.fault.kind)

    # --- closing -------------------------------------------------------------------------------

    def _reset(self) -> None:
        with contextlib.suppress(OSError):
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._close_all()

    def _close_all(self) -> None:
        for sock in (self.client, self.upstream):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()

    def _close_gracefully(self) -> None:
        """FIN to the client, then drain what it still sends (closing a socket with unread data
        would send an RST instead) until it closes or :data:`_DRAIN` passes."""
        if self.upstream is not None:
            with contextlib.suppress(OSError):
                self.upstream.close()
        with contextlib.suppress(OSError):
            self.client.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + _DRAIN
        while not self.proxy._stopping.is_set() and time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([self.client], [], [], _TICK)
                if readable and not self.client.recv(_BUFFER):
                    break
            except (OSError, ValueError):
                break
        self._close_all()

    def _finish(self, applied: _Applied) -> None:
        """The fault's cut is reached: RST (``reset``) or FIN (``truncate``)."""
        self._count(applied)
        if applied.fault.kind == "reset":
            self._reset()
        else:
            self._close_gracefully()

    # --- relaying ------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._relay()
        except Exception:  # a proxy bug must not take the test process down; close and go
            self._close_all()
            raise

    def _relay(self) -> None:
        applied = self._applied
        if applied.fault.kind == "drop":
            self._count(applied)
            self._close_gracefully()
            return
        try:
            upstream = socket.create_connection(self.proxy.upstream, timeout=5)
        except OSError:
            self._close_all()
            return
        self.upstream = upstream
        client = self.client
        client.setblocking(False)
        upstream.setblocking(False)
        up = bytearray()  # client → server, read but not yet relayed
        down = bytearray()  # server → client
        client_eof = server_eof = False
        up_shut = down_shut = False
        while not self.proxy._stopping.is_set():
            applied = self._applied
            fault = applied.fault
            kind = fault.kind
            now = time.monotonic()
            if kind == "reset" and fault.after_bytes is None and (applied.existing or up):
                self._finish(applied)
                return
            if kind in ("stall", "delay", "slow"):
                self._count(applied)
            held = kind == "delay" and now < applied.since + fault.seconds
            stalled_up = held or (kind == "stall" and fault.affects("up"))
            stalled_down = held or (kind == "stall" and fault.affects("down"))
            slow_up = kind == "slow" and fault.affects("up")
            slow_down = kind == "slow" and fault.affects("down")
            if kind == "slow":
                elapsed = now - (applied.stamp or applied.since)
                applied.stamp = now
                burst = max(fault.bytes_per_second * 0.05, 1.0)
                for way in ("up", "down"):
                    tokens = applied.tokens[way] + elapsed * fault.bytes_per_second
                    applied.tokens[way] = min(burst, tokens)
            # What may be relayed now, each way.
            up_size = 0 if stalled_up else len(up)
            if slow_up:
                up_size = min(up_size, int(applied.tokens["up"]))
            down_size, cut = (0, False) if stalled_down else (len(down), False)
            if not stalled_down:
                if slow_down:
                    down_size = min(down_size, int(applied.tokens["down"]))
                elif kind == "truncate" and fault.tls_records:
                    down_size, cut = applied.cut.plan(down, applied.down, fault.n)
                elif kind in ("truncate", "reset") and (kind == "truncate" or fault.after_bytes):
                    limit = fault.n if kind == "truncate" else int(fault.after_bytes or 0)
                    down_size = min(len(down), max(0, limit - applied.down))
                    cut = applied.down + len(down) >= limit
            if cut and down_size == 0:
                self._finish(applied)
                return
            readers = []
            if not stalled_up and not client_eof and len(up) < _BUFFER:
                readers.append(client)
            if not stalled_down and not server_eof and len(down) < _BUFFER:
                readers.append(upstream)
            writers = [s for s, n in ((upstream, up_size), (client, down_size)) if n > 0]
            try:
                readable, writable, _ = select.select(readers, writers, [], _TICK)
            except (OSError, ValueError):
                break
            try:
                if client in readable:
                    data = client.recv(_BUFFER)
                    if data:
                        up += data
                    else:
                        client_eof = True
                if upstream in readable:
                    data = upstream.recv(_BUFFER)
                    if data:
                        down += data
                    else:
                        server_eof = True
                if upstream in writable:
                    sent = upstream.send(bytes(up[:up_size]))
                    del up[:sent]
                    self.proxy._add_bytes(sent, 0)
                    if slow_up:
                        applied.tokens["up"] -= sent
                if client in writable:
                    sent = client.send(bytes(down[:down_size]))
                    del down[:sent]
                    applied.down += sent
                    self.proxy._add_bytes(0, sent)
                    if slow_down:
                        applied.tokens["down"] -= sent
                    if cut and sent == down_size:
                        self._finish(applied)
                        return
            except BlockingIOError:
                pass
            except OSError:  # a reset from either side: pass it on as one
                self._reset()
                return
            if client_eof and not up and not up_shut:
                with contextlib.suppress(OSError):
                    upstream.shutdown(socket.SHUT_WR)
                up_shut = True
            if server_eof and not down and not down_shut:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_WR)
                down_shut = True
            if up_shut and down_shut:
                break
        self._close_all()


class FaultProxy:
    """A loopback TCP proxy to ``upstream`` (``(host, port)`` or ``"https://host:port"``) with
    injectable faults; a context manager (see the module documentation)."""

    def __init__(self, upstream: tuple[str, int] | str) -> None:
        if isinstance(upstream, str):
            import urllib.parse

            parts = urllib.parse.urlsplit(upstream)
            default = 443 if parts.scheme == "https" else 80
            upstream = (parts.hostname or "127.0.0.1", parts.port or default)
        self.upstream = upstream
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: list[_Connection] = []
        self._new_fault = PASS
        self._new_left: int | None = None  # None: every new connection
        self._accepted = 0
        self._faults: Counter[str] = Counter()
        self._bytes_up = 0
        self._bytes_down = 0
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name="fault-proxy-accept", daemon=True
        )
        self._started = False

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def url(self, scheme: str = "https") -> str:
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        if not self._started:
            self._started = True
            self._accept_thread.start()
        return self

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection, join every thread (each within ``timeout``)."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        if self._started:
            self._accept_thread.join(timeout)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn.thread.join(timeout)
        for conn in connections:
            if conn.thread.is_alive():  # cannot happen unless a send blocks; close regardless
                conn._close_all()

    @property
    def alive_threads(self) -> int:
        """Threads of this proxy still running (0 after :meth:`close`)."""
        with self._lock:
            connections = list(self._connections)
        return int(self._accept_thread.is_alive()) + sum(c.thread.is_alive() for c in connections)

    def config_for(self, config: Any, **changes: Any) -> Any:
        """A copy of a :class:`kubeset.Config` that connects through this proxy."""
        return dataclasses.replace(config, host=self.url(), **changes)

    # --- faults ------------------------------------------------------------------------------------

    def set_fault(self, fault: Fault, *, existing: bool = True, new: bool | int = True) -> None:
        """Apply ``fault`` to the open connections (``existing``) and to new ones: all of them
        (``new=True``), none (``False``: they pass) or the next ``k`` (``new=k``, then pass)."""
        with self._lock:
            if new is True:
                self._new_fault, self._new_left = fault, None
            elif new is False or new <= 0:
                self._new_fault, self._new_left = PASS, None
            else:
                self._new_fault, self._new_left = fault, int(new)
            connections = [c for c in self._connections if c.thread.is_alive()]
        if existing and fault.kind != "drop":
            for conn in connections:
                conn.apply(fault)

    def passthrough(self) -> None:
        """The ``pass`` mode, for open and new connections."""
        self.set_fault(PASS)

    def reset(
        self, after_bytes: int | None = None, *, existing: bool = True, new: bool | int = True
    ) -> None:
        self.set_fault(Fault("reset", after_bytes=after_bytes), existing=existing, new=new)

    def stall(
        self, direction: str = "both", *, existing: bool = True, new: bool | int = True
    ) -> None:
        self.set_fault(Fault("stall", direction=direction), existing=existing, new=new)

    def truncate_after(
        self, n: int, *, tls_records: bool = True, existing: bool = True, new: bool | int = True
    ) -> None:
        self.set_fault(Fault("truncate", n=n, tls_records=tls_records), existing=existing, new=new)

    def delay(self, seconds: float, *, existing: bool = True, new: bool | int = True) -> None:
        self.set_fault(Fault("delay", seconds=seconds), existing=existing, new=new)

    def slow(
        self,
        bytes_per_second: float,
        *,
        direction: str = "both",
        existing: bool = True,
        new: bool | int = True,
    ) -> None:
        fault = Fault("slow", bytes_per_second=bytes_per_second, direction=direction)
        self.set_fault(fault, existing=existing, new=new)

    def drop_new(self, *, new: bool | int = True) -> None:
        """Accept new connections and close them at once (open ones are left alone)."""
        self.set_fault(Fault("drop"), existing=False, new=new)

    # --- counts ------------------------------------------------------------------------------------

    def stats(self) -> ProxyStats:
        with self._lock:
            return ProxyStats(
                connections=self._accepted,
                active=sum(c.thread.is_alive() for c in self._connections),
                faults=dict(self._faults),
                bytes_up=self._bytes_up,
                bytes_down=self._bytes_down,
            )

    def _count(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def _add_bytes(self, up: int, down: int) -> None:
        with self._lock:
            self._bytes_up += up
            self._bytes_down += down

    # --- accepting ---------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                readable, _, _ = select.select([self._listener], [], [], 0.05)
                if not readable:
                    continue
                client, _ = self._listener.accept()
            except (OSError, ValueError):
                if self._stopping.is_set():
                    return
                continue
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                fault = self._new_fault
                if self._new_left is not None:
                    self._new_left -= 1
                    if self._new_left <= 0:
                        self._new_fault, self._new_left = PASS, None
                self._accepted += 1
                conn = _Connection(self, client, _Applied(fault, time.monotonic(), False))
                self._connections.append(conn)
            conn.thread.start()


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


# === Scenarios: every verb family through the proxy, under every fault ============================
#
# A scenario is one call of one verb family, through a fresh proxy and clientset, with one fault
# armed just before the call (after a warm-up request has opened the connection the call reuses,
# so that faults on "existing" connections hit the call itself). Its :class:`Outcome`:
#
# - ``ok``: the call returned (``recovered`` when a fault was applied on its connections);
# - ``typed``: it raised a :class:`kubeset.errors.KubesetError` (any subclass);
# - ``raw``: it raised anything else (the type is recorded);
# - ``hang``: it was still running :data:`CALL_BOUND` seconds after it started.
#
# ``data_lost`` is set when a call reported success but the server disagrees: a write that is not
# on the server as written (checked with a direct read, without the proxy), a read that differs
# from a direct read, a watch that ended quietly before delivering the event, a log stream that
# "succeeded" although the server refused it.

#: Seconds a call may take, retries and backoff included, before it counts as a hang. The client
#: config has ``timeout=2`` and ``max_retries=1`` (and ``call_timeout=10``,
#: ``watch_idle_timeout=5`` when the runtime has them), so a call that gives up in time takes well
#: under 10 s even through a stalled or slowed connection.
CALL_BOUND = 20.0
#: Bytes of each scenario ConfigMap's payload: large enough that a response spans several TLS
#: records (Go starts a connection with ~1.4 kB records), so truncation can cut a body.
PAYLOAD_BYTES = 4096
LABEL = "kubeset-fault-scenario"

CLIENT_SETTINGS: dict[str, float | int] = {
    "timeout": 2.0,
    "max_retries": 1,
    "qps": 0,
    "call_timeout": 10.0,
    "watch_idle_timeout": 5.0,
}


def client_config(config: Any, proxy: FaultProxy) -> Any:
    """``config`` through ``proxy``, with the small timeouts of :data:`CLIENT_SETTINGS` (those the
    runtime's ``Config`` has)."""
    changes = {k: v for k, v in CLIENT_SETTINGS.items() if hasattr(config, k)}
    return proxy.config_for(config, **changes)


@dataclass(frozen=True)
class FaultPlan:
    """How a scenario's fault is armed: ``warm`` opens the connection first with a request in
    ``pass`` mode; ``arm`` sets the fault on the proxy."""

    name: str
    describe: str
    arm: Callable[[FaultProxy], None]
    warm: bool = True


FAULTS: dict[str, FaultPlan] = {
    plan.name: plan
    for plan in (
        FaultPlan(
            "reset",
            "RST after 64 bytes of the response on the open connection; new connections pass",
            lambda p: p.reset(after_bytes=64, existing=True, new=False),
        ),
        FaultPlan(
            "stall",
            "nothing relayed either way, on the open connection and every new one",
            lambda p: p.stall(existing=True, new=True),
        ),
        FaultPlan(
            "truncate",
            "the open connection closed (FIN) after 2000 bytes of response, on a TLS record "
            "boundary; new connections pass",
            lambda p: p.truncate_after(2000, existing=True, new=False),
        ),
        FaultPlan(
            "delay",
            "every connection held 0.5 s before anything is relayed",
            lambda p: p.delay(0.5, existing=True, new=True),
        ),
        FaultPlan(
            "slow",
            "every connection relayed at 32 kB/s each way",
            lambda p: p.slow(32_000, existing=True, new=True),
        ),
        FaultPlan(
            "drop_new",
            "the first new connection accepted and closed at once (no warm-up)",
            lambda p: p.drop_new(new=1),
            warm=False,
        ),
    )
}


@dataclass
class Outcome:
    transport: str
    family: str
    fault: str
    result: str  # ok, typed, raw, hang
    seconds: float
    error_type: str = ""
    error: str = ""
    data_lost: str = ""
    faults_applied: int = 0
    connections: int = 0
    #: Connections an async client left open after it was closed (aborted by the harness).
    leaked: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.transport, self.family, self.fault)

    @property
    def id(self) -> str:
        return "-".join(self.key)

    @property
    def recovered(self) -> bool:
        return self.result == "ok" and self.faults_applied > 0


@dataclass
class _Ctx:
    ns: str
    prefix: str
    direct: Any  # a Clientset without the proxy
    warm: bool = True  # the fault plan's: a request opens the connection before the fault
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def selector(self) -> str:
        return f"{LABEL}={self.prefix}"

    def name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def cms(self, client: Any) -> Any:
        return client.core_v1().config_maps(self.ns)


def _cm(ctx: _Ctx, name: str, value: str = "v") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {LABEL: ctx.prefix}},
        "data": {"k": value, "payload": "x" * PAYLOAD_BYTES},
    }


def _dump(obj: Any) -> Any:
    from kubeset import to_dict

    return obj if isinstance(obj, dict) else to_dict(obj)


def _same(got: Any, direct: Any, what: str) -> str:
    if _dump(got) != _dump(direct):
        return f"{what} differs from a direct read"
    return ""


def _stored(ctx: _Ctx, name: str, key: str, expected: str) -> str:
    from kubeset.errors import NotFound

    try:
        stored = ctx.cms(ctx.direct).get(name)
    except NotFound:
        return f"reported written, but {name} is not on the server"
    if (stored.data or {}).get(key) != expected:
        return f"reported written, but {name}.data.{key} is {(stored.data or {}).get(key)!r}"
    return ""


def _names(items: Any) -> list[tuple[str, str]]:
    return sorted((i.metadata.name, i.metadata.resource_version) for i in items)


@dataclass(frozen=True)
class Family:
    """One verb family: ``setup`` (direct, before the proxy), ``call`` (through the proxy; calls
    ``arm()`` right before the faulty request), ``verify`` (direct; '' or what was lost)."""

    name: str
    setup: Callable[[_Ctx], None]
    call: Callable[[Any, _Ctx, Callable[[], None]], Any]
    verify: Callable[[_Ctx, Any], str]
    asynchronous: bool = False


def _setup_one(ctx: _Ctx) -> None:
    ctx.data["obj"] = ctx.cms(ctx.direct).create(_cm(ctx, ctx.name("cm")))


def _setup_many(count: int) -> Callable[[_Ctx], None]:
    def setup(ctx: _Ctx) -> None:
        for i in range(count):
            ctx.cms(ctx.direct).create(_cm(ctx, ctx.name(f"cm{i}")))

    return setup


def _nothing(ctx: _Ctx) -> None:
    pass


def _call_get(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    arm()
    return ctx.cms(client).get(ctx.name("cm"))


def _verify_get(ctx: _Ctx, got: Any) -> str:
    return _same(got, ctx.cms(ctx.direct).get(ctx.name("cm")), "the object read")


def _call_list(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    arm()
    return ctx.cms(client).list(label_selector=ctx.selector).items


def _call_list_iter(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    arm()
    return list(ctx.cms(client).list_iter(page_size=5, label_selector=ctx.selector))


def _verify_list(ctx: _Ctx, items: Any) -> str:
    direct = ctx.cms(ctx.direct).list(label_selector=ctx.selector).items
    if _names(items) != _names(direct):
        return f"listed {len(items)} objects, the server has {len(direct)} (or other versions)"
    by_name = {i.metadata.name: _dump(i) for i in direct}
    if any(_dump(i) != by_name.get(i.metadata.name) for i in items):
        return "a listed object differs from a direct read"
    return ""


def _call_create(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    arm()
    return ctx.cms(client).create(_cm(ctx, ctx.name("new"), "created"))


def _verify_create(ctx: _Ctx, created: Any) -> str:
    return _stored(ctx, ctx.name("new"), "k", "created") or _same(
        created, ctx.cms(ctx.direct).get(ctx.name("new")), "the object returned"
    )


def _call_update(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    obj = ctx.data["obj"]
    obj.data["k"] = "updated"
    arm()
    return ctx.cms(client).update(obj)


def _verify_written(value: str) -> Callable[[_Ctx, Any], str]:
    def verify(ctx: _Ctx, returned: Any) -> str:
        return _stored(ctx, ctx.name("cm"), "k", value) or _same(
            returned, ctx.cms(ctx.direct).get(ctx.name("cm")), "the object returned"
        )

    return verify


def _call_patch(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    arm()
    return ctx.cms(client).patch(ctx.name("cm"), {"data": {"k": "patched"}})


def _call_apply(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    body = {"apiVersion": "v1", "kind": "ConfigMap", **_cm(ctx, ctx.name("cm"), "applied")}
    arm()
    return ctx.cms(client).apply(body, field_manager="kubeset-faults", force=True)


def _call_delete(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    arm()
    return ctx.cms(client).delete(ctx.name("cm"))


def _verify_delete(ctx: _Ctx, _: Any) -> str:
    from kubeset.errors import NotFound

    try:
        left = ctx.cms(ctx.direct).get(ctx.name("cm"))
    except NotFound:
        return ""
    if left.metadata and left.metadata.deletion_timestamp:
        return ""
    return "reported deleted, but the object is still on the server"


def _call_delete_collection(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    arm()
    return ctx.cms(client).delete_collection(label_selector=ctx.selector)


def _verify_delete_collection(ctx: _Ctx, _: Any) -> str:
    left = ctx.cms(ctx.direct).list(label_selector=ctx.selector).items
    return f"reported deleted, but {len(left)} objects are left" if left else ""


def _setup_deployment(ctx: _Ctx) -> None:
    from kubeset_k8s.models.apps_v1 import Deployment

    labels = {"app": ctx.prefix}
    body = {
        "metadata": {"name": ctx.name("deploy"), "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "web:1"}]},
            },
        },
    }
    created = ctx.direct.apps_v1().deployments(ctx.ns).create(Deployment.model_validate(body))
    ctx.data["obj"] = created


def _call_update_status(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    from kubeset_k8s.models.apps_v1 import DeploymentStatus

    obj = ctx.data["obj"]
    obj.status = DeploymentStatus(replicas=3, ready_replicas=2, observed_generation=1)
    arm()
    return client.apps_v1().deployments(ctx.ns).update_status(obj)


def _verify_update_status(ctx: _Ctx, returned: Any) -> str:
    stored = ctx.direct.apps_v1().deployments(ctx.ns).get(ctx.name("deploy"))
    status = stored.status
    if status is None or (status.replicas, status.ready_replicas) != (3, 2):
        return "reported written, but the status on the server is not the one written"
    return _same(returned, stored, "the object returned")


def _setup_watch(ctx: _Ctx) -> None:
    page = ctx.cms(ctx.direct).list(label_selector=ctx.selector)
    ctx.data["rv"] = page.metadata.resource_version


def _call_watch(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    target = ctx.name("watched")
    watch = ctx.cms(client).watch(
        label_selector=ctx.selector, resource_version=ctx.data["rv"], timeout_seconds=120
    )
    if not ctx.warm:
        arm()  # a fault on new connections: the watch's own
    with watch:
        arm()  # a fault on open connections: the watch's, now open
        ctx.cms(ctx.direct).create(_cm(ctx, target, "watched"))
        for event in watch:
            if event.object.metadata.name == target:
                return event.object
    return None


def _verify_watch(ctx: _Ctx, obj: Any) -> str:
    if obj is None:
        return "the watch ended quietly without delivering the event"
    return _same(obj, ctx.cms(ctx.direct).get(ctx.name("watched")), "the watched object")


def _setup_pod(ctx: _Ctx) -> None:
    pod = {
        "metadata": {"name": ctx.name("pod")},
        "spec": {"containers": [{"name": "main", "image": "busybox", "command": ["sleep", "1d"]}]},
    }
    ctx.direct.core_v1().pods(ctx.ns).create(pod)


def _call_log_follow(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    # No kubelet runs: the server refuses the log request (400 for an unknown container). The
    # only right outcomes are a typed error or, under faults, a typed transport error.
    from kubeset.errors import BadRequest

    pods = client.core_v1().pods(ctx.ns)
    if ctx.warm:  # streams may have connections of their own: open one for the fault to hit
        with contextlib.suppress(BadRequest), pods.stream_logs(ctx.name("pod")) as stream:
            list(stream.lines())
    arm()
    with pods.stream_logs(ctx.name("pod"), container="sidecar") as stream:
        return list(stream.lines())


def _verify_log_follow(ctx: _Ctx, lines: Any) -> str:
    return f"the server refused the log request, but the stream 'succeeded' with {lines!r}"


# --- the async client: the same checks, through the async runtime ---------------------------------


async def _acall_get(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    arm()
    return await ctx.cms(client).get(ctx.name("cm"))


async def _acall_create(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    arm()
    return await ctx.cms(client).create(_cm(ctx, ctx.name("new"), "created"))


async def _acall_watch(client: Any, ctx: _Ctx, arm: Callable[[], None]) -> Any:
    target = ctx.name("watched")
    watch = ctx.cms(client).watch(
        label_selector=ctx.selector, resource_version=ctx.data["rv"], timeout_seconds=120
    )
    if not ctx.warm:
        arm()
    async with watch:
        arm()
        ctx.cms(ctx.direct).create(_cm(ctx, target, "watched"))  # the direct client is sync
        async for event in watch:
            if event.object.metadata.name == target:
                return event.object
    return None


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("get", _setup_one, _call_get, _verify_get),
        Family("list", _setup_many(12), _call_list, _verify_list),
        Family("list_iter", _setup_many(12), _call_list_iter, _verify_list),
        Family("create", _nothing, _call_create, _verify_create),
        Family("update", _setup_one, _call_update, _verify_written("updated")),
        Family("patch", _setup_one, _call_patch, _verify_written("patched")),
        Family("apply", _setup_one, _call_apply, _verify_written("applied")),
        Family("delete", _setup_one, _call_delete, _verify_delete),
        Family(
            "delete_collection", _setup_many(5), _call_delete_collection, _verify_delete_collection
        ),
        Family("update_status", _setup_deployment, _call_update_status, _verify_update_status),
        Family("watch", _setup_watch, _call_watch, _verify_watch),
        Family("log_follow", _setup_pod, _call_log_follow, _verify_log_follow),
        Family("async_get", _setup_one, _acall_get, _verify_get, asynchronous=True),
        Family("async_create", _nothing, _acall_create, _verify_create, asynchronous=True),
        Family("async_watch", _setup_watch, _acall_watch, _verify_watch, asynchronous=True),
    )
}


def available_transports() -> tuple[str, ...]:
    """``httpx``, and ``fast`` when its packages (urllib3, aiohttp) are installed."""
    import importlib.util

    fast = all(importlib.util.find_spec(m) is not None for m in ("urllib3", "aiohttp"))
    return ("httpx", "fast") if fast else ("httpx",)


def scenario_ids(
    families: Iterable[str] | None = None,
    faults: Iterable[str] | None = None,
    transports: Iterable[str] | None = None,
) -> list[tuple[str, str, str]]:
    """(transport, family, fault) of every scenario."""
    return [
        (t, f, x)
        for t in (transports or available_transports())
        for f in (families or FAMILIES)
        for x in (faults or FAULTS)
    ]


def _qualname(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


async def _abort_leftovers() -> int:
    """Connections of this event loop still open once the async client is closed (after a short
    grace for TLS shutdowns): aborted, so that nothing leaks past the loop, and counted."""
    import asyncio

    await asyncio.sleep(0.2)
    loop = asyncio.get_running_loop()
    left = [t for t in list(getattr(loop, "_transports", {}).values()) if getattr(t, "_sock", None)]
    for transport in left:
        transport.abort()
    await asyncio.sleep(0)
    return len(left)


def _through_proxy(
    family: Family,
    config: Any,
    ctx: _Ctx,
    arm: Callable[[], None],
    warm: bool,
    extra: dict[str, Any],
) -> Any:
    from kubeset_k8s import AsyncClientset, Clientset

    if not family.asynchronous:
        with Clientset.for_config(config) as client:
            if warm:
                client.core_v1().namespaces().get(ctx.ns)
            return family.call(client, ctx, arm)

    async def run() -> Any:
        try:
            async with AsyncClientset.for_config(config) as client:
                if warm:
                    await client.core_v1().namespaces().get(ctx.ns)
                return await family.call(client, ctx, arm)
        finally:
            extra["leaked"] = await _abort_leftovers()

    import asyncio

    return asyncio.run(run())


def run_scenario(
    config: Any,
    direct: Any,
    ns: str,
    family_name: str,
    fault_name: str,
    *,
    transport: str = "httpx",
    bound: float = CALL_BOUND,
) -> Outcome:
    """One scenario (see above): ``config`` reaches the apiserver directly, ``direct`` is a
    clientset for it; objects go in namespace ``ns``; the client through the proxy uses
    ``transport``."""
    from kubeset.errors import KubesetError

    family, plan = FAMILIES[family_name], FAULTS[fault_name]
    prefix = f"{transport}-{family_name}-{fault_name}".replace("_", "-")
    ctx = _Ctx(ns, prefix, direct, plan.warm)
    family.setup(ctx)
    box: dict[str, Any] = {}
    with FaultProxy(config.host).start() as proxy:
        cfg = client_config(dataclasses.replace(config, transport=transport), proxy)

        def arm() -> None:
            if "armed" not in box:  # once
                box["armed"] = time.monotonic()
                plan.arm(proxy)

        def work() -> None:
            try:
                box["value"] = _through_proxy(family, cfg, ctx, arm, plan.warm, box)
            except BaseException as exc:
                box["error"] = exc
            box["end"] = time.monotonic()

        worker = threading.Thread(target=work, name=f"fault-{ctx.prefix}", daemon=True)
        start = time.monotonic()
        worker.start()
        worker.join(bound)
        hung = worker.is_alive()
        seconds = time.monotonic() - start
        stats = proxy.stats()
    # The proxy is closed: a hung call has lost its connection and ends; give it a moment.
    worker.join(10.0)
    outcome = Outcome(
        transport,
        family_name,
        fault_name,
        "hang" if hung else "ok",
        round(box.get("end", start + seconds) - box.get("armed", start), 3),
        faults_applied=stats.faults_applied,
        connections=stats.connections,
        leaked=box.get("leaked", 0),
    )
    if hung:
        outcome.error = f"still running after {bound:g} s"
        return outcome
    error = box.get("error")
    if error is not None:
        outcome.result = "typed" if isinstance(error, KubesetError) else "raw"
        outcome.error_type = _qualname(error)
        outcome.error = str(error)[:300]
        return outcome
    try:
        outcome.data_lost = family.verify(ctx, box.get("value"))
    except Exception as exc:  # the direct read itself failed: say so rather than guess
        outcome.data_lost = f"could not verify: {_qualname(exc)}: {exc}"
    return outcome


def run_matrix(
    config: Any,
    *,
    families: Iterable[str] | None = None,
    faults: Iterable[str] | None = None,
    transports: Iterable[str] | None = None,
    workers: int = 24,
    bound: float = CALL_BOUND,
) -> list[Outcome]:
    """Every (transport, family, fault) scenario, ``workers`` at a time, in a new namespace."""
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from kubeset_k8s import Clientset

    keys = scenario_ids(families, faults, transports)
    # The reference client is shared by the scenario threads: HTTP/1.1, as a sync client's
    # HTTP/2 connection is not safe to share between threads (see test_faults_e2e).
    direct_config = dataclasses.replace(config, qps=0)
    if hasattr(direct_config, "http2"):
        direct_config = dataclasses.replace(direct_config, http2=False)
    with Clientset.for_config(direct_config) as direct:
        ns = f"faults-{uuid.uuid4().hex[:8]}"
        direct.core_v1().namespaces().create({"metadata": {"name": ns}})
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fault-scenario") as pool:
            futures = [
                pool.submit(run_scenario, direct_config, direct, ns, f, x, transport=t, bound=bound)
                for t, f, x in keys
            ]
            return [future.result() for future in futures]


@dataclass
class Summary:
    scenarios: int
    faults_injected: int
    recovered: int
    unaffected: int
    typed: int
    hangs: int
    raw: Counter[str]
    data_lost: int
    leaked: int

    @property
    def ok(self) -> bool:
        return self.hangs == 0 and not self.raw and self.data_lost == 0


def summarize(outcomes: Iterable[Outcome]) -> Summary:
    outcomes = list(outcomes)
    return Summary(
        scenarios=len(outcomes),
        faults_injected=sum(o.faults_applied for o in outcomes),
        recovered=sum(o.recovered for o in outcomes),
        unaffected=sum(o.result == "ok" and not o.recovered for o in outcomes),
        typed=sum(o.result == "typed" for o in outcomes),
        hangs=sum(o.result == "hang" for o in outcomes),
        raw=Counter(o.error_type for o in outcomes if o.result == "raw"),
        data_lost=sum(bool(o.data_lost) for o in outcomes),
        leaked=sum(o.leaked for o in outcomes),
    )
