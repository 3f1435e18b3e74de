"""A local replay server: a watch stream of MODIFIED pod events over plain HTTP on 127.0.0.1.

``GET /api/v1/namespaces/<ns>/pods?watch=true`` (or ``watch=1``) answers 200 with a chunked
stream of ``--events`` newline-delimited ``{"type":"MODIFIED","object":<pod>}`` events, cycling
through ``--distinct`` different realistic pods (``fixtures.watch_event_lines``), then ends the
response as an API server does when a watch times out. Everything is serialized before the
server starts listening, so serving costs only the copies into the socket. ``GET /version``
answers like an API server; anything else is a 404 ``Status``.

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


class Replay:
    def __init__(self, events: int, distinct: int) -> None:
        lines = watch_event_lines(min(distinct, events))
        self.cycle = _chunks(lines)  # the whole pool, sent events // len(lines) times
        self.rounds = events // len(lines)
        self.tail = _chunks(lines[: events % len(lines)])
        self.served = 0

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
                    await self._stream(writer)
                elif path == "/version":
                    writer.write(_response("200 OK", VERSION))
                else:
                    writer.write(_response("404 Not Found", NOT_FOUND))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def serve(events: int, distinct: int, port: int) -> None:
    replay = Replay(events, distinct)
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
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.events, args.distinct, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
