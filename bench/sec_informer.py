"""Section 8: shared informers against a real API server holding N realistic pods, and their
watch-event rate at steady state — kubeset beside client-go, the official client and the floor.

Seeding: ``kubeset.envtest.ControlPlane`` (kube-apiserver + etcd), N pods in 8 namespaces
(``fixtures.pod``), each created by ``kube-controller-manager`` and then given its status by
``kubelet`` through the status subresource, so the server writes managedFields of both managers
(~14 KB of JSON per pod, ~6 KB of it managedFields, as the issue's cluster). The pods are created
by the Go program (``bench/go/informer -seed``, client-go, 16 requests in flight), or by httpx when
Go is missing. One seeded server serves every subject.

Sync: each subject runs in a fresh process (imports and client construction first, then the
collector and ``malloc_trim``, then the baseline RSS), starts its informer and waits until it
holds every pod; the figures are the seconds from start to synced and the RSS added once synced
(after the collector and ``malloc_trim`` again; Go: ``runtime.GC`` and ``debug.FreeOSMemory``).
Subjects: client-go's ``SharedInformerFactory`` pods informer (v0.36.3, streaming watch-list) as
it comes — its built-in clients read protobuf — with and without a transform dropping
managedFields, and made to read JSON (``bench/go/informer -json``), as every Python client does;
kubeset's ``SharedInformer`` (sync, with and without ``drop_managed_fields``) and
``AsyncSharedInformer``; the official
client's ``kubernetes.informer.SharedInformer`` (LIST + watch, it has no transform); the plain-dict
floor (httpx ``GET /api/v1/pods`` + ``orjson.loads``). Floor of both tables: client-go.

Events: ``replay_server.py --informer`` streams M ``MODIFIED`` events over 127.0.0.1 HTTP, each
with a fresh resourceVersion, cycling through 500 realistic pods (an empty list first, so the
informers sync at once). Each subject (fresh process) counts the events its handlers receive
(decoded, stored, dispatched) until M or ``BENCH_WATCH_BUDGET`` seconds — kubeset's informer keeps
compact objects, validated on first touch, so one more row has its handler read a field of each
object (validating every one); lightkube's
``Client.watch`` (no informer) and ``orjson.loads`` per line (the floor) read the same stream.

Usage: ``python bench/sec_informer.py WORKDIR OUT.json``; ``--child sync|events SUBJECT ...``
runs one measurement and prints JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import LIGHTKUBE, Section, Settings, log, write_json

BENCH = Path(__file__).resolve().parent
GO_DIR = BENCH / "go" / "informer"
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024

CLIENT_GO = "client-go shared informer (Go)"
CLIENT_GO_T = "client-go, transform dropping managedFields"
CLIENT_GO_JSON = "client-go reading JSON"
KS = "kubeset SharedInformer"
KS_T = "kubeset SharedInformer, transform dropping managedFields"
KS_ASYNC = "kubeset AsyncSharedInformer"
KS_READ = "kubeset SharedInformer, handler reads each object"
DICTS = "httpx GET + orjson.loads (plain dicts)"
OFFICIAL_INF = "kubernetes (official) SharedInformer"
LINES = "orjson.loads per line"
KS_WATCH = "kubeset pods('').watch() (no informer)"
LIGHTKUBE_WATCH = f"{LIGHTKUBE} Client.watch (no informer)"

GO_SUBJECTS = {CLIENT_GO: [], CLIENT_GO_T: ["-transform"], CLIENT_GO_JSON: ["-json"]}
SYNC_SUBJECTS = [CLIENT_GO, CLIENT_GO_T, CLIENT_GO_JSON, KS, KS_T, KS_ASYNC, DICTS, OFFICIAL_INF]
EVENT_SUBJECTS = [CLIENT_GO, KS, KS_READ, KS_ASYNC, KS_WATCH, LIGHTKUBE_WATCH, OFFICIAL_INF, LINES]
TEAMS = ["payments", "search", "checkout", "identity", "ledger", "notify", "catalog", "edge"]


# --- measuring inside a child ----------------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _hwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _settle() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _kubeset_sync(target: dict[str, Any], n: int, transform: bool) -> Callable[[], Any]:
    from kubeset import load_kubeconfig
    from kubeset.cache import ListWatch, SharedInformer, drop_managed_fields
    from kubeset_k8s import Clientset

    cs = Clientset.for_config(load_kubeconfig(target["kubeconfig"], qps=0))
    informer = SharedInformer(
        ListWatch(cs.core_v1().pods("")), transform=drop_managed_fields if transform else None
    )

    def run() -> tuple[Any, dict[str, Any]]:
        informer.start()
        if not informer.wait_for_cache_sync(timeout=900):
            raise RuntimeError("the kubeset informer did not sync")
        return informer, {
            "objects": len(informer.indexer),
            "watch_list_used": informer.reflector.use_watch_list,
        }

    return run


def _kubeset_async(target: dict[str, Any], n: int, transform: bool) -> Callable[[], Any]:
    from kubeset import load_kubeconfig
    from kubeset.cache import AsyncListWatch, AsyncSharedInformer
    from kubeset_k8s import AsyncClientset

    loop = asyncio.new_event_loop()
    config = load_kubeconfig(target["kubeconfig"], qps=0)

    async def make() -> Any:
        cs = AsyncClientset.for_config(config)
        return AsyncSharedInformer(AsyncListWatch(cs.core_v1().pods("")))

    informer = loop.run_until_complete(make())

    async def synced() -> None:
        informer.start()
        if not await informer.wait_for_cache_sync(timeout=900):
            raise RuntimeError("the kubeset async informer did not sync")

    def run() -> tuple[Any, dict[str, Any]]:
        loop.run_until_complete(synced())
        return informer, {
            "objects": len(informer.indexer),
            "watch_list_used": informer.reflector.use_watch_list,
        }

    return run


def _dicts(target: dict[str, Any], n: int, transform: bool) -> Callable[[], Any]:
    import ssl

    import httpx
    import orjson

    context = ssl.create_default_context(cafile=target["ca"])
    context.load_cert_chain(target["cert"], target["key"])
    client = httpx.Client(base_url=target["host"], verify=context, timeout=None)

    def run() -> tuple[Any, dict[str, Any]]:
        body = client.get("/api/v1/pods").raise_for_status().content
        data = orjson.loads(body)
        size = len(body)
        del body
        return data, {"objects": len(data["items"]), "body_bytes": size}

    return run


def _official(target: dict[str, Any], n: int, transform: bool) -> Callable[[], Any]:
    from kubernetes import client, config
    from kubernetes.informer import ADDED, SharedInformer

    api = client.CoreV1Api(config.new_client_from_config(config_file=target["kubeconfig"]))
    informer = SharedInformer(api.list_pod_for_all_namespaces)
    done = threading.Event()
    seen = [0]

    def on_add(_obj: Any) -> None:
        seen[0] += 1
        if seen[0] >= n:
            done.set()

    informer.add_event_handler(ADDED, on_add)

    def run() -> tuple[Any, dict[str, Any]]:
        informer.start()
        if not done.wait(900):
            raise RuntimeError(f"the official informer saw {seen[0]} of {n} pods")
        return informer, {"objects": len(informer.cache.list_keys()), "watch_list_used": False}

    return run


SYNC_CHILDREN: dict[str, Callable[[dict[str, Any], int, bool], Callable[[], Any]]] = {
    KS: _kubeset_sync,
    KS_T: _kubeset_sync,
    KS_ASYNC: _kubeset_async,
    DICTS: _dicts,
    OFFICIAL_INF: _official,
}


def sync_child(subject: str, target: dict[str, Any], n: int) -> None:
    run = SYNC_CHILDREN[subject](target, n, subject == KS_T)
    _settle()
    rss0 = _rss()
    start = time.perf_counter()
    held, info = run()
    seconds = time.perf_counter() - start
    peak = _hwm()
    _settle()
    rss1 = _rss()
    out = {
        "seconds": seconds,
        "rss_added_mib": (rss1 - rss0) / MIB,
        "rss_peak_added_mib": max(0, peak - rss0) / MIB,
        **info,
    }
    print(json.dumps(out), flush=True)
    del held
    os._exit(0)  # no teardown: informers' threads may be blocked on a quiet watch


class Counter:
    """Counts events (a handler, or called by a reading loop) up to M or the time budget."""

    def __init__(self, m: int, budget: float) -> None:
        self.m, self.budget = m, budget
        self.n = 0
        self.start = 0.0
        self.done = threading.Event()

    def __call__(self, *_objs: Any) -> None:
        self.n += 1
        if self.n >= self.m:
            self.done.set()

    def begin(self) -> None:
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def due(self) -> bool:
        """For reading loops: M seen, or (checked every 100 events) the budget spent."""
        return self.n >= self.m or (self.n % 100 == 0 and self.elapsed() > self.budget)

    def wait(self) -> tuple[int, float]:
        """For handlers called on another thread: wait for M or the budget."""
        self.done.wait(max(0.0, self.budget - self.elapsed()))
        return self.n, self.elapsed()


def events_child(subject: str, host: str, m: int, budget: float) -> None:
    count = Counter(m, budget)
    if subject in (KS, KS_READ):
        from kubeset import Config
        from kubeset.cache import ListWatch, SharedInformer
        from kubeset_k8s import Clientset

        cs = Clientset.for_config(Config(host=host, qps=0))
        informer = SharedInformer(ListWatch(cs.core_v1().pods("")))
        if subject == KS_READ:  # reading a field validates the whole object into its model

            def read(*objs: Any) -> None:
                if objs[-1].status.phase is None:
                    raise RuntimeError("a pod without status.phase")
                count()

            informer.add_event_handler(on_add=read, on_update=read)
        else:
            informer.add_event_handler(on_add=count, on_update=count)
        count.begin()
        informer.start()
        n, seconds = count.wait()
    elif subject == KS_ASYNC:
        from kubeset import Config
        from kubeset.cache import AsyncListWatch, AsyncSharedInformer
        from kubeset_k8s import AsyncClientset

        async def run_async() -> tuple[int, float]:
            cs = AsyncClientset.for_config(Config(host=host, qps=0))
            informer = AsyncSharedInformer(AsyncListWatch(cs.core_v1().pods("")))
            informer.add_event_handler(on_add=count, on_update=count)
            count.begin()
            informer.start()
            while count.n < m and count.elapsed() < budget:
                await asyncio.sleep(0.005)
            return count.n, count.elapsed()

        n, seconds = asyncio.run(run_async())
    elif subject == OFFICIAL_INF:
        from kubernetes import client
        from kubernetes.informer import ADDED, MODIFIED, SharedInformer

        api = client.CoreV1Api(client.ApiClient(client.Configuration(host=host)))
        official = SharedInformer(api.list_pod_for_all_namespaces)
        official.add_event_handler(ADDED, count)
        official.add_event_handler(MODIFIED, count)
        count.begin()
        official.start()
        n, seconds = count.wait()
    elif subject == KS_WATCH:
        from kubeset import Config
        from kubeset_k8s import Clientset

        cs = Clientset.for_config(Config(host=host, qps=0))
        count.begin()
        with cs.core_v1().pods("").watch() as w:
            for _event in w:
                count()
                if count.due():
                    break
        n, seconds = count.n, count.elapsed()
    elif subject == LIGHTKUBE_WATCH:
        from lightkube import ALL_NS, Client, KubeConfig
        from lightkube.config.models import Cluster, User
        from lightkube.resources.core_v1 import Pod

        config = KubeConfig.from_one(cluster=Cluster(server=host), user=User())
        with Client(config) as c:
            count.begin()
            for _event in c.watch(Pod, namespace=ALL_NS):
                count()
                if count.due():
                    break
            n, seconds = count.n, count.elapsed()
    elif subject == LINES:
        import httpx
        import orjson

        with httpx.Client(base_url=host, timeout=None) as http:
            count.begin()
            with http.stream("GET", "/api/v1/pods", params={"watch": "true"}) as resp:
                for line in resp.iter_lines():
                    if line:
                        orjson.loads(line)
                        count()
                        if count.due():
                            break
            n, seconds = count.n, count.elapsed()
    else:
        raise SystemExit(f"unknown subject {subject!r}")
    print(json.dumps({"events": n, "seconds": seconds, "events_per_second": n / seconds}))
    sys.stdout.flush()
    os._exit(0)  # no teardown: informers' threads may be blocked on the stream


# --- the parent ------------------------------------------------------------------------------


def _child(args: list[str], timeout: float) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[:2]} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _go(binary: Path, args: list[str], timeout: float) -> dict[str, Any]:
    proc = subprocess.run(
        [str(binary), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{binary.name} {args[:1]} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def build_go(workdir: Path) -> tuple[Path | None, str]:
    """Build bench/go/informer (client-go v0.36.3); (binary, "") or (None, why not)."""
    go = shutil.which("go")
    if go is None:
        return None, "not run: no `go` on PATH to build bench/go/informer"
    binary = workdir / "informer"
    start = time.perf_counter()
    proc = subprocess.run(
        [go, "build", "-o", str(binary), "."], cwd=GO_DIR, capture_output=True, text=True
    )
    if proc.returncode != 0:
        return None, f"not run: go build failed: {proc.stderr.strip()[-300:]}"
    log(f"  informer: built bench/go/informer in {time.perf_counter() - start:.0f} s")
    return binary, ""


def seed_lines(n: int) -> list[bytes]:
    """Two JSON lines per pod: the pod as its controller creates it, then its status."""
    import orjson
    from fixtures import pod

    rng = random.Random(20260303)
    out = []
    for i in range(n):
        p = pod(i, rng, namespace=f"team-{TEAMS[i % len(TEAMS)]}")
        m = p["metadata"]
        keep = ("name", "generateName", "namespace", "labels", "annotations", "ownerReferences")
        meta = {k: m[k] for k in keep}
        created = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": p["spec"]}
        out.append(orjson.dumps(created))
        out.append(orjson.dumps({"status": p["status"]}))
    return out


async def _seed_httpx(cp: Any, lines: list[bytes], concurrency: int = 16) -> None:
    """The fallback seeder (no Go): the same requests with httpx."""
    import httpx
    import orjson

    async with httpx.AsyncClient(base_url=cp.host, verify=cp.ssl_context(), timeout=120) as c:
        for team in TEAMS:
            await c.post("/api/v1/namespaces", json={"metadata": {"name": f"team-{team}"}})
        pairs = iter(range(0, len(lines), 2))

        async def worker() -> None:
            for i in pairs:
                meta = orjson.loads(lines[i])["metadata"]
                base = f"/api/v1/namespaces/{meta['namespace']}/pods"
                r = await c.post(
                    base,
                    content=lines[i],
                    params={"fieldManager": "kube-controller-manager"},
                    headers={"Content-Type": "application/json"},
                )
                r.raise_for_status()
                r = await c.patch(
                    f"{base}/{meta['name']}/status",
                    content=lines[i + 1],
                    params={"fieldManager": "kubelet"},
                    headers={"Content-Type": "application/merge-patch+json"},
                )
                r.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def seed(cp: Any, n: int, binary: Path | None, workdir: Path) -> dict[str, Any]:
    import httpx
    import orjson

    start = time.perf_counter()
    lines = seed_lines(n)
    if binary is not None:
        path = workdir / "seed.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        _go(binary, ["-kubeconfig", str(cp.kubeconfig_path), "-seed", str(path)], 1800)
        how = "client-go"
    else:
        asyncio.run(_seed_httpx(cp, lines))
        how = "httpx"
    seconds = time.perf_counter() - start
    with httpx.Client(base_url=cp.host, verify=cp.ssl_context()) as c:
        meta = orjson.loads(lines[0])["metadata"]
        one = c.get(f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}").content
        managed = orjson.loads(one)["metadata"]["managedFields"]
    info = {
        "pods": n,
        "seeded_by": how,
        "seed_seconds": seconds,
        "pod_bytes": len(one),
        "managed_fields_bytes": len(orjson.dumps(managed)),
        "managers": [f"{m['manager']} ({m['operation']})" for m in managed],
    }
    log(
        f"  informer: seeded {n:,} pods in {seconds:.0f} s ({how}); one pod {len(one):,} bytes, "
        f"managedFields {info['managed_fields_bytes']:,} bytes ({', '.join(info['managers'])})"
    )
    return info


def _start_replay(events: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "replay_server.py"), "--informer", "--events", str(events)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("port "):
        proc.kill()
        raise RuntimeError(f"the replay server did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def _rounds(names: list[str], repeats: int) -> list[list[str]]:
    return [names[r % len(names) :] + names[: r % len(names)] for r in range(repeats)]


def measure_sync(
    settings: Settings, n: int, repeats: int, binary: Path | None, why_no_go: str, workdir: Path
) -> list[Section]:
    from kubeset.envtest import ControlPlane

    times = Section(
        f"informer_sync_{n}",
        f"Informer: time to hold {n:,} realistic pods (fresh process each)",
        "s",
        "time",
        CLIENT_GO,
    )
    memory = Section(
        f"informer_memory_{n}",
        f"Informer: resident memory added holding {n:,} pods (RSS after sync, collected)",
        "MiB",
        "bytes",
        CLIENT_GO,
    )
    for name in SYNC_SUBJECTS:
        times.row(name)
        memory.row(name)
        if name in GO_SUBJECTS and binary is None:
            times.row(name).skipped = memory.row(name).skipped = why_no_go
    with ControlPlane() as cp:
        info = seed(cp, n, binary, workdir)
        target = {
            "kubeconfig": str(cp.kubeconfig_path),
            "host": cp.host,
            "ca": str(cp.ca_cert_path),
            "cert": str(cp.admin.cert_path),
            "key": str(cp.admin.key_path),
        }
        target_path = workdir / "target.json"
        write_json(target_path, target)
        active = [s for s in SYNC_SUBJECTS if not times.row(s).skipped]
        for order in _rounds(active, repeats):
            for name in order:
                if name in GO_SUBJECTS:
                    args = ["-kubeconfig", target["kubeconfig"], *GO_SUBJECTS[name]]
                    r = _go(binary, args, 900)  # type: ignore[arg-type]
                else:
                    r = _child(["sync", name, str(target_path), str(n)], 1200)
                if r.get("objects") != n:
                    raise RuntimeError(f"{name} holds {r.get('objects')} pods, not {n}")
                times.row(name).runs.append(r["seconds"])
                memory.row(name).runs.append(r["rss_added_mib"])
                for section in (times, memory):
                    extra = section.row(name).extra
                    for key in ("rss_peak_added_mib", "go_heap_mib", "body_bytes"):
                        if key in r:
                            extra.setdefault(key, []).append(r[key])
                    if "watch_list_used" in r:
                        extra["watch_list_used"] = r["watch_list_used"]
                    if "encoding" in r:
                        extra["encoding"] = r["encoding"]
                log(
                    f"  informer_sync          {name:<56} {r['seconds']:6.2f} s "
                    f"{r['rss_added_mib']:7.0f} MiB"
                    + (f" (Go heap {r['go_heap_mib']:.0f} MiB)" if "go_heap_mib" in r else "")
                )
    body = next(iter(times.row(DICTS).extra.get("body_bytes", [])), None)
    note = (
        f"{info['pod_bytes'] / 1e3:.1f} KB of JSON per pod, "
        f"{info['managed_fields_bytes'] / 1e3:.1f} KB of it managedFields written by the server "
        f"({', '.join(info['managers'])})"
        + (f"; the list is {body / 1e6:.0f} MB" if body else "")
        + "; floor: client-go"
    )
    times.note = memory.note = note
    times.row(DICTS).extra["seed"] = info
    return [times, memory]


def measure_events(
    settings: Settings, m: int, repeats: int, binary: Path | None, why_no_go: str
) -> Section:
    section = Section(
        "informer_events",
        f"Informer: watch events decoded and stored per second ({m:,} MODIFIED pods, "
        "fresh resourceVersions, 127.0.0.1 HTTP)",
        "events/s",
        "rate",
        LINES,
        note=f"each subject counts its handler calls (watch: events) for up to "
        f"{settings.watch_budget:.0f} s, in a fresh process",
    )
    for name in EVENT_SUBJECTS:
        section.row(name)
    if binary is None:
        section.row(CLIENT_GO).skipped = why_no_go
    active = [s for s in EVENT_SUBJECTS if not section.row(s).skipped]
    proc, host = _start_replay(m)
    try:
        for order in _rounds(active, repeats):
            for name in order:
                if name == CLIENT_GO:
                    budget = f"{settings.watch_budget}s"
                    args = ["-replay", host, "-events", str(m), "-budget", budget]
                    r = _go(binary, args, 300)  # type: ignore[arg-type]
                else:
                    r = _child(["events", name, host, str(m), str(settings.watch_budget)], 300)
                row = section.row(name)
                row.runs.append(r["events_per_second"])
                row.extra.setdefault("events_read", []).append(r["events"])
                log(
                    f"  informer_events        {name:<40} {r['events_per_second']:8.0f} events/s "
                    f"({r['events']:,} in {r['seconds']:.1f} s)"
                )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    for row in section.rows:
        read = row.extra.get("events_read")
        if read and min(read) < m:
            row.note = f"stopped by the {settings.watch_budget:.0f} s budget, {min(read):,}+ events"
    return section


def main() -> None:
    if sys.argv[1] == "--child":
        mode, subject = sys.argv[2], sys.argv[3]
        if mode == "sync":
            sync_child(subject, json.loads(Path(sys.argv[4]).read_text()), int(sys.argv[5]))
        else:
            events_child(subject, sys.argv[4], int(sys.argv[5]), float(sys.argv[6]))
        return
    workdir, out = Path(sys.argv[1]), Path(sys.argv[-1])
    settings = Settings.from_env()
    n = int(os.environ.get("BENCH_INFORMER_PODS") or (500 if settings.quick else 10_000))
    m = int(os.environ.get("BENCH_INFORMER_EVENTS") or (3_000 if settings.quick else 30_000))
    repeats = int(os.environ.get("BENCH_INFORMER_REPEATS") or (1 if settings.quick else 2))
    binary, why_no_go = build_go(workdir)
    sections = measure_sync(settings, n, repeats, binary, why_no_go, workdir)
    sections.append(measure_events(settings, m, repeats, binary, why_no_go))
    write_json(out, [s.to_json() for s in sections])


if __name__ == "__main__":
    main()
