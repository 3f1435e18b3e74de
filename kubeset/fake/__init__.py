"""``kubeset.fake``: an in-memory API server for tests, behind the real kubeset clients.

::

    from kubeset.fake import FakeServer
    import kubeset_k8s

    server = FakeServer()
    server.add_objects(pod)
    cs = server.clientset(kubeset_k8s.Clientset)
    cs.core_v1().pods("default").list()

Every request of a clientset (sync or async), the dynamic client or an informer goes through
kubeset's real request building and decoding to :class:`FakeServer` over an httpx transport.
The server behaves like kube-apiserver v1.36 for the verbs, errors, resourceVersions, watches,
paging, selectors, deletion and patches; what it does differently is listed in the
documentation of this package.

``fake_clientset(Clientset, *objects)`` is the one-line form; ``server_of(cs)`` gives its server
(typed; also the clientset's ``fake`` attribute).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from kubeset.fake.server import Action, FakeServer, Reactor

__all__ = ["Action", "FakeServer", "Reactor", "fake_clientset", "server_of"]

C = TypeVar("C")


def fake_clientset(
    cls: type[C],
    *objects: BaseModel | Mapping[str, Any],
    packages: Iterable[str] | None = None,
) -> C:
    """A clientset of ``cls`` (sync or async: ``AsyncClientset`` classes get the async
    transport) on a new :class:`FakeServer` seeded with ``objects``; the server is reachable as
    the clientset's ``fake`` attribute.

    ``packages`` defaults to ``kubeset_k8s`` plus the package ``cls`` comes from.
    """
    if packages is None:
        top = cls.__module__.split(".", 1)[0]
        packages = ("kubeset_k8s",) if top == "kubeset_k8s" else ("kubeset_k8s", top)
    server = FakeServer(packages=tuple(packages))
    if objects:
        server.add_objects(*objects)
    from kubeset.client import AsyncClientsetBase

    if isinstance(cls, type) and issubclass(cls, AsyncClientsetBase):
        clientset: C = server.async_clientset(cls)
    else:
        clientset = server.clientset(cls)
    clientset.fake = server  # type: ignore[attr-defined]
    return clientset


def server_of(clientset: object) -> FakeServer:
    """The :class:`FakeServer` behind a clientset made by :func:`fake_clientset`."""
    server = getattr(clientset, "fake", None)
    if not isinstance(server, FakeServer):
        raise TypeError(f"{type(clientset).__name__} was not made by kubeset.fake.fake_clientset")
    return server
