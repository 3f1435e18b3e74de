"""Section 10: exec and port-forward through a real kube-apiserver and the kubelet stand-in
(``ControlPlane(kubelet=True)``), kubeset against the official client's ``kubernetes.stream``.

- exec round trip: ``exec ["true"]`` to its exit code, N times one after the other (each a new
  WebSocket: handshake, the process, its status);
- exec echo: ``cat`` fed 1 KiB on stdin (then stdin closed), its output read back, N times;
- port-forward throughput: MB/s read through a forwarded port from a local server that writes
  a fixed amount and closes.

kubeset: ``pods.exec(...)`` and ``pods.port_forward_stream(...)`` / ``pods.port_forward(...)``
(a local listener, read with a plain socket), sync and async. Official client: ``stream(
connect_get_namespaced_pod_exec, ..., _preload_content=False)`` run to its ``returncode`` and
``portforward(connect_get_namespaced_pod_portforward, ...).socket(port)``. All against the same
control plane and pod; each subject's runs alternate with the others'.

Usage: ``python bench/sec_stream.py OUT.json``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import Section, Settings, log, write_json

OFFICIAL = "kubernetes (official) stream"
KUBESET = "kubeset (sync)"
KUBESET_ASYNC = "kubeset (async)"
KUBESET_LISTENER = "kubeset (sync, local listener)"
NS = "default"
PAYLOAD = b"x" * 1024


def _serve_bytes(total: int) -> tuple[int, Callable[[], None]]:
    """A local TCP server writing ``total`` bytes to each connection, then closing it."""
    listener = socket.create_server(("127.0.0.1", 0))
    chunk = b"\xab" * (256 * 1024)
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            left = total
            while left > 0:
                n = conn.send(chunk[: min(left, len(chunk))])
                left -= n

    def accept() -> None:
        listener.settimeout(0.5)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()

    def close() -> None:
        stop.set()
        listener.close()

    return int(listener.getsockname()[1]), close


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    settings = Settings.from_env()
    n = int(os.environ.get("BENCH_STREAM_EXECS") or (20 if settings.quick else 50))
    megabytes = int(os.environ.get("BENCH_STREAM_MB") or (16 if settings.quick else 64))
    repeats = 1 if settings.quick else 3
    total = megabytes * 1024 * 1024

    import kubernetes
    from kubernetes.stream import portforward, stream

    from kubeset import load_kubeconfig
    from kubeset.envtest import ControlPlane
    from kubeset_k8s import AsyncClientset, Clientset
    from kubeset_k8s.models.core_v1 import Container, Pod, PodSpec
    from kubeset_k8s.models.meta_v1 import ObjectMeta

    exec_true = Section(
        "stream_exec_true",
        f"exec round trip: {n} x exec ['true'] to its exit code",
        "s",
        "time",
        OFFICIAL,
        note="a new WebSocket per exec; kube-apiserver + kubelet stand-in on 127.0.0.1",
    )
    exec_cat = Section(
        "stream_exec_cat",
        f"exec echo: {n} x cat fed 1 KiB on stdin, output read back",
        "s",
        "time",
        OFFICIAL,
        note="stdin closed after the write (v5.channel.k8s.io)",
    )
    forward = Section(
        "stream_portforward",
        f"port-forward throughput: {megabytes} MiB read through a forwarded port",
        "MB/s",
        "rate",
        OFFICIAL,
        note="one connection; a local server on 127.0.0.1 writes the bytes and closes",
    )
    server_port, close_server = _serve_bytes(total)
    with ControlPlane(kubelet=True) as cp:
        config = load_kubeconfig(cp.kubeconfig_path, qps=0)
        cs = Clientset.for_config(config)
        pods = cs.core_v1().pods(NS)
        name = f"bench-{uuid.uuid4().hex[:6]}"
        container = Container(name="main", image="none", command=["sleep", "3600"])
        pods.create(
            Pod(
                metadata=ObjectMeta(name=name),
                spec=PodSpec(node_name=cp.node_name, containers=[container]),
            )
        )
        deadline = time.monotonic() + 30
        while (status := pods.get(name).status) is None or status.phase != "Running":
            assert time.monotonic() < deadline, "the pod did not start"
            time.sleep(0.05)

        api_client = kubernetes.config.new_client_from_config(config_file=str(cp.kubeconfig_path))
        core = kubernetes.client.CoreV1Api(api_client)

        def official_exec(command: list[str], data: bytes | None) -> None:
            resp = stream(
                core.connect_get_namespaced_pod_exec,
                name,
                NS,
                command=command,
                stderr=True,
                stdin=data is not None,
                stdout=True,
                tty=False,
                _preload_content=False,
            )
            if data is not None:
                resp.write_stdin(data)
                resp.close_channel(0)
            resp.run_forever(timeout=30)
            out = resp.read_channel(1)
            assert resp.returncode == 0
            if data is not None:
                assert len(out) == len(data), len(out)
            resp.close()

        def kubeset_exec(command: list[str], data: bytes | None) -> None:
            result = pods.exec(name, command, stdin=data)
            assert result.exit_code == 0
            if data is not None:
                assert result.stdout == data

        async def async_execs(command: list[str], data: bytes | None) -> float:
            async with AsyncClientset.for_config(config) as acs:
                apods = acs.core_v1().pods(NS)
                await apods.exec(name, ["true"])  # connection setup before the clock
                start = time.perf_counter()
                for _ in range(n):
                    result = await apods.exec(name, command, stdin=data)
                    assert result.exit_code == 0
                return time.perf_counter() - start

        def official_forward() -> None:
            pf = portforward(
                core.connect_get_namespaced_pod_portforward, name, NS, ports=str(server_port)
            )
            sock = pf.socket(server_port)
            sock.setblocking(True)
            got = 0
            while data := sock.recv(1024 * 1024):
                got += len(data)
            sock.close()
            assert got == total, got

        def kubeset_forward() -> None:
            got = 0
            with pods.port_forward_stream(name, server_port) as s:
                while data := s.recv(30):
                    got += len(data)
            assert got == total, got

        def kubeset_listener() -> None:
            got = 0
            with (
                pods.port_forward(name, [server_port]) as pf,
                socket.create_connection(("127.0.0.1", pf.local_port(server_port))) as c,
            ):
                while data := c.recv(1024 * 1024):
                    got += len(data)
            assert got == total, got

        async def async_forward() -> float:
            async with AsyncClientset.for_config(config) as acs:
                apods = acs.core_v1().pods(NS)
                start = time.perf_counter()
                got = 0
                async with apods.port_forward_stream(name, server_port) as s:
                    while data := await s.recv(30):
                        got += len(data)
                assert got == total, got
                return time.perf_counter() - start

        # warm up every path once
        official_exec(["true"], None)
        kubeset_exec(["true"], None)
        for _ in range(repeats):
            for section, command, data in (
                (exec_true, ["true"], None),
                (exec_cat, ["cat"], PAYLOAD),
            ):
                for subject, run in (
                    (OFFICIAL, lambda c=command, d=data: [official_exec(c, d) for _ in range(n)]),
                    (KUBESET, lambda c=command, d=data: [kubeset_exec(c, d) for _ in range(n)]),
                ):
                    seconds = _timed(run)
                    section.row(subject).runs.append(seconds)
                    log(f"  {section.key:<22} {subject:<36} {seconds:7.3f} s")
                seconds = asyncio.run(async_execs(command, data))
                section.row(KUBESET_ASYNC).runs.append(seconds)
                log(f"  {section.key:<22} {KUBESET_ASYNC:<36} {seconds:7.3f} s")
            for subject, run in (
                (OFFICIAL, official_forward),
                (KUBESET, kubeset_forward),
                (KUBESET_LISTENER, kubeset_listener),
            ):
                rate = total / 1e6 / _timed(run)
                forward.row(subject).runs.append(rate)
                log(f"  {forward.key:<22} {subject:<36} {rate:7.1f} MB/s")
            rate = total / 1e6 / asyncio.run(async_forward())
            forward.row(KUBESET_ASYNC).runs.append(rate)
            log(f"  {forward.key:<22} {KUBESET_ASYNC:<36} {rate:7.1f} MB/s")
        cs.close()
        api_client.close()
    close_server()
    write_json(Path(sys.argv[-1]), [exec_true.to_json(), exec_cat.to_json(), forward.to_json()])


if __name__ == "__main__":
    main()
