"""What a generated package serves: its resource clients, found by scanning its ``typed`` modules.

A generated package (``kubeset_k8s``, or a CRD package made by ``clientgen generate``) declares
one client class per resource in ``<package>/typed/<group_version>.py``, each carrying a
:class:`~kubeset.resource.ResourceInfo` and naming its model as a generic argument.
:func:`scan_package` finds them; :mod:`kubeset.manifests` (apiVersion/kind → model and client)
and :mod:`kubeset.fake` (what the fake server serves) are built on it.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

from kubeset.resource import ResourceInfo

__all__ = ["PackageResource", "package_of", "scan_package"]

C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class PackageResource:
    """One resource of a generated package: its :class:`ResourceInfo` and client classes."""

    info: ResourceInfo
    package: str
    client: type[Any]
    """The sync client class (``ConfigMapsClient``)."""
    async_client: type[Any] | None = None
    """Its async twin (``AsyncConfigMapsClient``), when the module has one."""

    @property
    def model(self) -> type[Any] | None:
        """The model class (imported on first use), ``None`` if the client names none."""
        model = getattr(self.client, "_model", None)
        return model if isinstance(model, type) else None

    def client_class(self, base: type[C]) -> type[C] | None:
        """The client class (sync or async) that is a subclass of ``base``
        (``WithApply`` → the sync client, ``AsyncWithApply`` → the async one), else ``None``."""
        for cls in (self.client, self.async_client):
            if cls is not None and issubclass(cls, base):
                return cls
        return None


_scanned: dict[str, tuple[ModuleType, tuple[PackageResource, ...]]] = {}
_lock = threading.Lock()


def scan_package(package: str) -> tuple[PackageResource, ...]:
    """Every resource client of the generated package ``package`` (its ``typed`` modules
    imported, in module then class name order; models are not imported).

    Cached per package while the same ``<package>.typed`` module stays imported (a package
    generated again and re-imported under the same name is scanned again).
    """
    typed = importlib.import_module(f"{package}.typed")
    with _lock:
        cached = _scanned.get(package)
        if cached is not None and cached[0] is typed:
            return cached[1]
    found: list[PackageResource] = []
    for module_info in sorted(pkgutil.iter_modules(typed.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.typed.{module_info.name}")
        members = vars(module)
        for name, value in sorted(members.items()):
            if not isinstance(value, type) or name.startswith("Async"):
                continue
            info = value.__dict__.get("_info")
            if not isinstance(info, ResourceInfo):
                continue
            twin = members.get(f"Async{name}")
            found.append(
                PackageResource(info, package, value, twin if isinstance(twin, type) else None)
            )
    result = tuple(found)
    with _lock:
        _scanned[package] = (typed, result)
    return result


def package_of(obj: object) -> str:
    """The top-level package an object's class (or a class) comes from (``kubeset_k8s``)."""
    cls = obj if isinstance(obj, type) else type(obj)
    return cls.__module__.split(".", 1)[0]
