"""A local replay server: a watch stream of MODIFIED pod events over plain HTTP on 127.0.0.1.

``GET /api/v1/namespaces/<ns>/pods?watch=true`` (or ``watch=1``) answers 200 with a chunked
stream of ``--events`` newline-delimited ``{"type":"MODIFIED","object":<pod>}`` events, cycling
through ``--distinct`` different realistic pods (``fixtures.watch_event_lines``), then ends the
response as an API server does when a watch times out. Everything is serialized before the
server starts listening, so serving costs only the copies into the socket. ``GET /version``
answers like an API server; anything else is a 404 ``Status``.

With ``--informer`` the stream is an informer's: every event carries a new ``resourceVersion``
(counting up from the one the watch asked for, spliced into the pre-serialized events as they are
sent), a watch with ``sendInitialEvents=true`` (a streaming list) first gets the
``k8s.io/initial-events-end`` bookmark of an empty list, and ``GET .../pods`` without ``watch``
answers an empty ``PodList`` — so that an informer syncs at once and then decodes and stores
every event of the stream (``sec_informer.py``).

Run: ``python bench/replay_server.py --events 50000`` prints ``port <n>`` once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from fixtures import watch_event_lines

CHUNK = 64 * 1024


def _chunks(lines: list[bytes]) -> list[bytes]:
    """``lines`` in HTTP/1.1 chunked framing, ~64 KiB per chunk."""
    out: list[bytes] = []
    buf: list[bytes] = []
    size = 0
    for line in lines:
        buf.append(line)
        size += len(line)
        if size >= CHUNK:
            data = b"".join(buf)
            out.append(b"%x\r\n%s\r\n" % (len(data), data))
            buf, size = [], 0
    if buf:
        data = b"".join(buf)
        out.append(b"%x\r\n%s\r\n" % (len(data), data))
    return out


def _response(status: str, body: bytes, ctype: str = "application/json") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        "Cache-Control: no-cache, private\r\n\r\n"
    )
    return head.encode() + body


VERSION = json.dumps(
    {"major": "1", "minor": "36", "gitVersion": "v1.36.3", "platform": "linux/amd64"}
).encode()
NOT_FOUND = json.dumps(
    {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server could not find the requested resource",
        "reason": "NotFound",
        "code": 404,
    }
).encode()
STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    b"Cache-Control: no-cache, private\r\n\r\n"
)


EMPTY_LIST = b'{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"%d"},"items":[]}'
INITIAL_EVENTS_END = (
    b'{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":'
    b'"%d","annotations":{"k8s.io/initial-events-end":"true"}}}}\n'
)
RV = b'"resourceVersion":"'


def _split_version(line: bytes) -> tuple[bytes, bytes]:
    """An event line cut around its object's resourceVersion value."""
    at = line.index(RV) + len(RV)
    return line[:at], line[line.index(b'"', at) :]


class Replay:
    def __init__(self, events: int, distinct: int, *, informer: bool = False) -> None:
        lines = watch_event_lines(min(distinct, events))
        self.events = events
        self.informer = informer
        self.cycle = _chunks(lines)  # the whole pool, sent events // len(lines) times
        self.rounds = events // len(lines)
        self.tail = _chunks(lines[: events % len(lines)])
        self.parts = [_split_version(line) for line in lines] if informer else []
        self.list_version = 1
        self.served = 0

    async def _informer_stream(self, writer: asyncio.StreamWriter, params: dict[str, str]) -> None:
        """Events with fresh resourceVersions, after the initial-events-end bookmark if asked."""
        writer.write(STREAM_HEAD)
        version = max(int(params.get("resourceVersion") or 0), self.list_version)
        buf: list[bytes] = []
        size = 0
        if params.get("sendInitialEvents") == "true":
            buf.append(INITIAL_EVENTS_END % version)
        parts = self.parts
        for k in range(self.events):
            head, tail = parts[k % len(parts)]
            version += 1
            line = b"%s%d%s" % (head, version, tail)
            buf.append(line)
            size += len(line)
            if size >= CHUNK:
                data = b"".join(buf)
                writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                await writer.drain()
                buf, size = [], 0
        if buf:
            data = b"".join(buf)
            writer.write(b"%x\r\n%s\r\n" % (len(data), data))
        writer.write(b"0\r\n\r\n")
        self.served += 1

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        writer.write(STREAM_HEAD)
        for _ in range(self.rounds):
            for chunk in self.cycle:
                writer.write(chunk)
                await writer.drain()
        for chunk in self.tail:
            writer.write(chunk)
        writer.write(b"0\r\n\r\n")
        self.served += 1

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
                method, target, _ = request_line.split(" ", 2)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                path, _, query = target.partition("?")
                params = dict(p.partition("=")[::2] for p in query.split("&") if p)
                if (
                    method == "GET"
                    and path.endswith("/pods")
                    and params.get("watch")
                    in (
                        "true",
                        "1",
                    )
                ):
                    if self.informer:
                        await self._informer_stream(writer, params)
                    else:
                        await self._stream(writer)
                elif self.informer and method == "GET" and path.endswith("/pods"):
                    writer.write(_response("200 OK", EMPTY_LIST % self.list_version))
                elif path == "/version":
                    writer.write(_response("200 OK", VERSION))
                else:
                    writer.write(_response("404 Not Found", NOT_FOUND))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def serve(events: int, distinct: int, port: int, *, informer: bool = False) -> None:
    replay = Replay(events, distinct, informer=informer)
    server = await asyncio.start_server(replay.handle, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    print(f"port {bound}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--distinct", type=int, default=500)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--informer", action="store_true", help="fresh resourceVersions, lists, streaming lists"
    )
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.events, args.distinct, args.port, informer=args.informer))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
