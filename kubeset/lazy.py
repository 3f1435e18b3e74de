"""Lazily loaded model packages: import time is paid for the models a program uses.

A generated group-version package (``kubeset_k8s.models.core_v1``) holds one module per model class
and imports a class's module the first time the class is asked for (PEP 562 ``__getattr__``). A
class module refers to the modules of the classes its fields use only for type checkers; it records
them in ``__kubeset_refs__`` instead, and :func:`wire` imports them the first time a model is
validated, serialized or rebuilt — when pydantic builds its schema and needs them. So ``from
kubeset_k8s.models.core_v1 import Pod`` creates one class, not the two hundred of its group, and the
few dozen a Pod contains are created on its first use.
"""

from __future__ import annotations

import importlib
import sys
import threading
import typing
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["GenericArgument", "lazy_package", "wire", "wire_class"]

_wired: set[str] = set()
_lock = threading.RLock()


def lazy_package(
    package: str, classes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose class ``Name`` lives in the submodule
    ``classes["Name"]``."""

    def __getattr__(name: str) -> Any:
        submodule = classes.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(classes) | set(vars(sys.modules[package])))

    return __getattr__, __dir__


def wire(module: ModuleType) -> None:
    """Import the modules ``module`` refers to (``__kubeset_refs__``: local name → relative
    module), bind them in its namespace, and do the same for theirs, transitively.

    Thread-safe: a module is recorded as wired only once it and every module it reaches are
    bound, so :func:`wire_class`'s unlocked check never skips a module another thread is still
    wiring."""
    with _lock:
        if module.__name__ in _wired:
            return
        seen: set[str] = set()
        pending = [module]
        while pending:
            current = pending.pop()
            if current.__name__ in _wired or current.__name__ in seen:
                continue
            seen.add(current.__name__)
            refs: Mapping[str, str] = getattr(current, "__kubeset_refs__", {})
            for local, relative in refs.items():
                target = importlib.import_module(relative, package=current.__package__)
                current.__dict__.setdefault(local, target)
                pending.append(target)
                pending.extend(_defining_modules(target))
        _wired.update(seen)


def _defining_modules(module: ModuleType) -> list[ModuleType]:
    """The modules that define the classes ``module`` re-exports (a package built on ``kubeset_k8s``
    re-exports its models)."""
    found = []
    for value in vars(module).values():
        defined_in = getattr(value, "__module__", None) if isinstance(value, type) else None
        if defined_in and defined_in != module.__name__ and defined_in in sys.modules:
            found.append(sys.modules[defined_in])
    return found


def wire_class(cls: type) -> None:
    """:func:`wire` the module that defines ``cls``; once it is wired, a set lookup and no lock."""
    if cls.__module__ in _wired:
        return
    module = sys.modules.get(cls.__module__)
    if module is not None:
        wire(module)


class GenericArgument:
    """A class attribute resolved, on first use, to a type argument of the class's generic base.

    ``root`` names the generic base whose arguments are meant (``AsyncResourceClient`` for the
    object and list models, ``AsyncWithScale`` for the scale model).

    A generated resource client names its models only as its generic base's arguments —
    ``class PodsClient(WithAllVerbs["core_v1.Pod", "core_v1.PodList"])`` — so that defining the
    class imports no model; ``_model`` then resolves ``"core_v1.Pod"`` in the client's module
    the first time a request needs it.
    """

    def __init__(self, index: int, root: str) -> None:
        self._index = index
        self._root = root

    def __get__(self, obj: object, owner: type) -> Any:
        cache: dict[str, tuple[Any, ...]] | None = owner.__dict__.get("__kubeset_generic_args__")
        if cache is None:
            cache = {}
            owner.__kubeset_generic_args__ = cache  # type: ignore[attr-defined]
        resolved = cache.get(self._root)
        if resolved is None:
            resolved = cache[self._root] = self._resolve(owner)
        return resolved[self._index]

    def _resolve(self, owner: type) -> tuple[Any, ...]:
        for klass in owner.__mro__:
            for base in getattr(klass, "__orig_bases__", ()):
                origin = typing.get_origin(base)
                args = typing.get_args(base)
                if not (isinstance(origin, type) and args):
                    continue
                if self._root not in {c.__name__ for c in origin.__mro__}:
                    continue
                if any(isinstance(a, typing.TypeVar) for a in args):
                    continue
                namespace = vars(sys.modules[klass.__module__])
                return tuple(
                    eval(a.__forward_arg__, namespace) if isinstance(a, typing.ForwardRef) else a
                    for a in args
                )
        raise TypeError(f"{owner.__name__} names no models in its generic base")
