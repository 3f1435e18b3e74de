"""A controller: every namespace labelled ``team=<name>`` gets a ConfigMap ``team-info`` holding
the team's name; remove the label and the ConfigMap goes too.

    python examples/team_configmap_controller.py --kubeconfig ~/.kube/config

The shape of every client-go controller, in Python: a shared informer factory caches namespaces
and the ConfigMaps this controller owns; their event handlers put namespace names on a
rate-limited work queue; workers reconcile one namespace at a time from the listers (never from
the API server), write with ``retry_on_conflict``, and put a failed key back with backoff.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import threading
from pathlib import Path
from typing import Any

from kubeset import AlreadyExists, NotFound, build_config_from_flags
from kubeset.cache import DeletedFinalStateUnknown
from kubeset.wait import retry_on_conflict
from kubeset.workqueue import WorkQueue, default_controller_rate_limiter
from kubeset_k8s import Clientset
from kubeset_k8s.informers import SharedInformerFactory
from kubeset_k8s.models.core_v1 import ConfigMap
from kubeset_k8s.models.meta_v1 import ObjectMeta

TEAM_LABEL = "team"
NAME = "team-info"
MANAGED = {"app.kubernetes.io/managed-by": "team-configmap-controller"}

log = logging.getLogger("team-controller")


class TeamConfigMapController:
    """Keeps ``team-info`` in every namespace labelled ``team``."""

    def __init__(self, cs: Clientset, *, resync: float = 300.0) -> None:
        self.cs = cs
        self.factory = SharedInformerFactory(cs, resync=resync)
        self.namespaces = self.factory.core_v1().namespaces()
        self.config_maps = self.factory.core_v1().config_maps()
        self.queue: WorkQueue[str] = WorkQueue(default_controller_rate_limiter())
        self.namespaces.informer().add_event_handler(
            on_add=self._enqueue,
            on_update=lambda old, new: self._enqueue(new),
            on_delete=self._enqueue,
        )
        # A ConfigMap of ours changed or vanished: look at its namespace again.
        self.config_maps.informer().add_event_handler(
            on_update=lambda old, new: self._enqueue_owner(new),
            on_delete=self._enqueue_owner,
        )

    def _enqueue(self, obj: Any) -> None:
        name = obj.key if isinstance(obj, DeletedFinalStateUnknown) else obj.metadata.name
        self.queue.add(name)

    def _enqueue_owner(self, obj: Any) -> None:
        cm = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        if cm.metadata.name == NAME and (cm.metadata.labels or {}).items() >= MANAGED.items():
            self.queue.add(cm.metadata.namespace)

    def reconcile(self, namespace: str) -> None:
        """Make ``namespace`` hold exactly what its label asks for."""
        try:
            ns = self.namespaces.lister().get(namespace)
        except NotFound:
            return  # gone: its ConfigMaps go with it
        team = (ns.metadata.labels or {}).get(TEAM_LABEL) if ns.metadata else None
        terminating = ns.status is not None and ns.status.phase == "Terminating"
        client = self.cs.core_v1().config_maps(namespace)
        try:
            current = self.config_maps.lister().config_maps(namespace).get(NAME)
        except NotFound:
            current = None
        if team is None or terminating:
            if current is not None and (current.metadata.labels or {}).items() >= MANAGED.items():
                with contextlib.suppress(NotFound):
                    client.delete(NAME)
            return
        if current is None:
            cm = ConfigMap(
                metadata=ObjectMeta(name=NAME, labels=dict(MANAGED)), data={"team": team}
            )
            try:
                client.create(cm)
            except AlreadyExists:
                self.queue.add_rate_limited(namespace)  # the cache is behind: look again
            return
        if current.data == {"team": team}:
            return

        def update() -> None:
            latest = client.get(NAME)  # the cache may be stale: read-modify-write the server's
            latest.data = {"team": team}
            client.update(latest)

        retry_on_conflict(update)

    def worker(self) -> None:
        for namespace in self.queue:
            try:
                self.reconcile(namespace)
            except Exception:
                log.exception("reconciling %s failed; retrying with backoff", namespace)
                self.queue.add_rate_limited(namespace)
            else:
                self.queue.forget(namespace)
            finally:
                self.queue.done(namespace)

    def run(self, stop: threading.Event, workers: int = 2) -> None:
        """Start the informers, wait for their caches, reconcile until ``stop`` is set."""
        self.factory.start()
        if not self.factory.wait_for_cache_sync(timeout=60):
            raise RuntimeError("the informer caches did not sync within 60 s")
        threads = [
            threading.Thread(target=self.worker, name=f"worker-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in threads:
            thread.start()
        stop.wait()
        self.queue.shutdown_with_drain()
        for thread in threads:
            thread.join(timeout=10)
        self.factory.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or str(
        Path.home() / ".kube" / "config"
    )
    parser.add_argument("--kubeconfig", default=default, help="kubeconfig file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with Clientset.for_config(build_config_from_flags("", args.kubeconfig)) as cs:
        TeamConfigMapController(cs).run(stop)


if __name__ == "__main__":
    main()
