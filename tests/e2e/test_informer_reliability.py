"""An informer loses nothing through kube-apiserver restarts, etcd compactions (410 Gone) and
connections cut by a loopback proxy, while writers keep changing about 500 objects.

When the writers stop, the informer's cache must equal a fresh LIST exactly (no object missing,
none left over, no stale resourceVersion), and the last state each handler saw for every key
must be the server's.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from kubeset import KubesetError, load_kubeconfig
from kubeset.cache import DeletedFinalStateUnknown, ListWatch, SharedInformer
from kubeset.envtest import ControlPlane
from kubeset_k8s import Clientset
from kubeset_k8s.models.core_v1 import ConfigMap, Namespace
from kubeset_k8s.models.meta_v1 import ObjectMeta
from tests.faults.proxy import FaultProxy
from tests.waiting import until

NS = "reliability"
OBJECTS = 500
RESTARTS = 10


class LastSeen:
    """The last state handlers saw for every key."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state: dict[str, str] = {}  # name -> resourceVersion
        self.events = 0
        self.tombstones = 0

    def add(self, obj: Any) -> None:
        with self.lock:
            self.state[obj.metadata.name] = obj.metadata.resource_version
            self.events += 1

    def update(self, old: Any, new: Any) -> None:
        self.add(new)

    def delete(self, obj: Any) -> None:
        with self.lock:
            if isinstance(obj, DeletedFinalStateUnknown):
                self.tombstones += 1
                name = obj.key.rpartition("/")[2]
            else:
                name = obj.metadata.name
            self.state.pop(name, None)
            self.events += 1


def _writer(cs: Clientset, stop: threading.Event, seed: int, counts: dict[str, int]) -> None:
    rng = random.Random(seed)
    cms = cs.core_v1().config_maps(NS)
    while not stop.is_set():
        name = f"cm-{rng.randrange(OBJECTS)}"
        op = rng.choice(("create", "create", "update", "update", "delete"))
        try:
            if op == "create":
                cms.create(ConfigMap(metadata=ObjectMeta(name=name), data={"v": "0"}))
            elif op == "update":
                cms.patch(name, {"data": {"v": str(rng.randrange(10**6))}})
            else:
                cms.delete(name)
            counts[op] = counts.get(op, 0) + 1
        except KubesetError:
            counts["refused"] = counts.get("refused", 0) + 1
            time.sleep(0.05)  # the apiserver is restarting: do not spin


def test_informer_survives_restarts_compactions_and_cut_connections() -> None:
    with ControlPlane() as cp:
        direct = load_kubeconfig(cp.kubeconfig_path, qps=0, max_retries=0)
        with FaultProxy(cp.host) as proxy, Clientset.for_config(direct) as writer_cs:
            writer_cs.core_v1().namespaces().create(Namespace(metadata=ObjectMeta(name=NS)))
            for i in range(0, OBJECTS, 2):
                writer_cs.core_v1().config_maps(NS).create(
                    ConfigMap(metadata=ObjectMeta(name=f"cm-{i}"), data={"v": "0"})
                )
            informed = proxy.config_for(load_kubeconfig(cp.kubeconfig_path, qps=0))
            seen = LastSeen()
            with Clientset.for_config(informed) as informer_cs:
                informer = SharedInformer(ListWatch(informer_cs.core_v1().config_maps(NS)))
                informer.reflector.backoff.initial = 0.2
                informer.reflector.backoff.cap = 2.0
                informer.add_event_handler(seen.add, seen.update, seen.delete)
                informer.start()
                try:
                    assert informer.wait_for_cache_sync(timeout=60)
                    stop = threading.Event()
                    counts: dict[str, int] = {}
                    writers = [
                        threading.Thread(
                            target=_writer, args=(writer_cs, stop, seed, counts), daemon=True
                        )
                        for seed in range(2)
                    ]
                    for w in writers:
                        w.start()
                    faults = {"restarts": 0, "compactions": 0, "cuts": 0}
                    for round_ in range(RESTARTS):
                        time.sleep(1.0)
                        proxy.reset(existing=True, new=False)  # cut the informer's connections
                        proxy.passthrough()
                        faults["cuts"] += 1
                        time.sleep(1.0)
                        cp.compact_etcd()
                        faults["compactions"] += 1
                        cp.restart_apiserver(down=0.5 if round_ % 2 else 0.0, crash=round_ % 3 == 0)
                        faults["restarts"] += 1
                    time.sleep(1.0)
                    stop.set()
                    for w in writers:
                        w.join(timeout=30)
                        assert not w.is_alive()

                    def server_state() -> dict[str, str]:
                        items = writer_cs.core_v1().config_maps(NS).list().items or []
                        return {c.metadata.name: c.metadata.resource_version for c in items}  # type: ignore[misc,union-attr]

                    def cache_state() -> dict[str, str]:
                        return {
                            c.metadata.name: c.metadata.resource_version  # type: ignore[union-attr]
                            for c in informer.indexer.list()
                        }

                    assert until(lambda: cache_state() == server_state(), timeout=120), (
                        "the cache never caught up with the server"
                    )
                    server = server_state()
                    cache = cache_state()
                    missing = sorted(set(server) - set(cache))
                    phantom = sorted(set(cache) - set(server))
                    stale = sorted(k for k in server.keys() & cache.keys() if server[k] != cache[k])
                    assert until(lambda: seen.state == server_state(), timeout=30)
                    handler_wrong = sorted(
                        k
                        for k in server.keys() | seen.state.keys()
                        if server.get(k) != seen.state.get(k)
                    )
                    print(
                        f"\nreliability: writes {counts}, faults {faults}, "
                        f"relists {informer.reflector.relists}, "
                        f"rewatches {informer.reflector.rewatches}, events {seen.events}, "
                        f"tombstones {seen.tombstones}, objects {len(server)}; "
                        f"missing {len(missing)}, phantom {len(phantom)}, stale {len(stale)}, "
                        f"handler mismatches {len(handler_wrong)}"
                    )
                    assert (missing, phantom, stale, handler_wrong) == ([], [], [], [])
                    assert faults["restarts"] == RESTARTS
                finally:
                    informer.stop(timeout=5)
