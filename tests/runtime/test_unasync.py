"""``kubeset._sync`` is the up-to-date twin of ``kubeset._async``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import kubeset._async
import kubeset._sync

ROOT = Path(kubeset.__file__).resolve().parent.parent

#: Async names whose sync twin is spelled differently (besides dropping ``Async``).
RENAMED = {
    "aclose": "close",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
}
#: Underscored names that are part of the surface (protocols, and what generated code calls).
PUBLIC_PRIVATE = {
    "__init__",
    *RENAMED,
    *RENAMED.values(),
    "_group",
    "_get_subresource",
    "_update_subresource",
    "_create_subresource",
    "_patch_subresource",
    "_apply_subresource",
}


def sync_name(name: str) -> str:
    if name in RENAMED:
        return RENAMED[name]
    return name[len("Async") :] if name.startswith("Async") else name


def module_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(kubeset._async.__path__))


def module_pairs() -> list[tuple[ModuleType, ModuleType]]:
    return [
        (
            importlib.import_module(f"kubeset._async.{name}"),
            importlib.import_module(f"kubeset._sync.{name}"),
        )
        for name in module_names()
    ]


def public_classes(module: ModuleType) -> dict[str, type]:
    return {
        name: obj
        for name in getattr(module, "__all__", [])
        if inspect.isclass(obj := getattr(module, name))
    }


def public_members(cls: type) -> dict[str, Any]:
    """Methods and properties the class itself defines (not inherited) that others call."""
    return {
        name: value
        for name, value in vars(cls).items()
        if (not name.startswith("_") or name in PUBLIC_PRIVATE)
        and (callable(value) or isinstance(value, (property, staticmethod, classmethod)))
    }


def unwrap(member: Any) -> Any:
    if isinstance(member, (staticmethod, classmethod)):
        member = member.__func__
    if isinstance(member, property):
        member = member.fget
    return member


def kind(func: Any) -> str:
    """What calling ``func`` gives: a coroutine, an async generator, a (sync) generator, a value,
    or a context manager built from one of the generator kinds."""
    wrapped = getattr(func, "__wrapped__", None)
    if wrapped is not None:
        if inspect.isasyncgenfunction(wrapped):
            return "asynccontextmanager"
        if inspect.isgeneratorfunction(wrapped):
            return "contextmanager"
    if inspect.iscoroutinefunction(func):
        return "coroutine"
    if inspect.isasyncgenfunction(func):
        return "asyncgen"
    if inspect.isgeneratorfunction(func):
        return "generator"
    return "plain"


SYNC_KIND = {
    "coroutine": "plain",
    "asyncgen": "generator",
    "asynccontextmanager": "contextmanager",
    "plain": "plain",
}


def test_unasync_check_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "clientgen.unasync", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_same_modules() -> None:
    sync = sorted(m.name for m in pkgutil.iter_modules(kubeset._sync.__path__))
    assert sync == module_names()
    assert "rest" in sync and "client" in sync and "watch" in sync


def test_sync_modules_marked_generated() -> None:
    for name in module_names():
        text = (ROOT / "kubeset" / "_sync" / f"{name}.py").read_text()
        assert text.startswith(f"# Generated from kubeset/_async/{name}.py"), name
        assert "async def" not in text and "await " not in text, name


@pytest.mark.parametrize(("amod", "smod"), module_pairs(), ids=module_names())
def test_public_names_have_twins(amod: ModuleType, smod: ModuleType) -> None:
    assert sorted(sync_name(n) for n in getattr(amod, "__all__", [])) == sorted(
        getattr(smod, "__all__", [])
    )


def class_pairs() -> list[tuple[str, type, type | None]]:
    return [
        (cname, acls, getattr(smod, sync_name(cname), None))
        for amod, smod in module_pairs()
        for cname, acls in public_classes(amod).items()
    ]


CLASS_PAIRS = class_pairs()


@pytest.mark.parametrize(("cname", "acls", "scls"), CLASS_PAIRS, ids=[c[0] for c in CLASS_PAIRS])
def test_class_members_have_twins(cname: str, acls: type, scls: type | None) -> None:
    assert scls is not None, f"no sync twin of {cname}"
    assert inspect.isclass(scls)
    assert sorted(sync_name(n) for n in public_members(acls)) == sorted(public_members(scls))
    assert [sync_name(b.__name__) for b in acls.__bases__] == [b.__name__ for b in scls.__bases__]


def _member_pairs() -> list[tuple[str, Any, Any]]:
    pairs = []
    for cname, acls, scls in CLASS_PAIRS:
        smembers = public_members(scls) if scls is not None else {}
        for mname, amember in public_members(acls).items():
            smember = smembers.get(sync_name(mname))
            if smember is not None:  # a missing twin fails test_class_members_have_twins
                pairs.append((f"{cname}.{mname}", unwrap(amember), unwrap(smember)))
    return pairs


MEMBER_PAIRS = _member_pairs()


def test_there_is_something_to_compare() -> None:
    names = {name for name, _, _ in MEMBER_PAIRS}
    for expected in (
        "AsyncRESTClient.request",
        "AsyncRESTClient.stream",
        "AsyncRESTClient.aclose",
        "AsyncWithList.list_iter",
        "AsyncWithWatch.watch",
        "AsyncWatch.__aiter__",
        "AsyncLineStream.lines",
        "AsyncDiscoveryClient.server_version",
        "AsyncClientsetBase.for_config",
        "AsyncResourceClient._apply_subresource",
    ):
        assert expected in names


@pytest.mark.parametrize(
    ("name", "amember", "smember"), MEMBER_PAIRS, ids=[p[0] for p in MEMBER_PAIRS]
)
def test_member_twin(name: str, amember: Any, smember: Any) -> None:
    asig, ssig = inspect.signature(amember), inspect.signature(smember)
    assert list(asig.parameters) == list(ssig.parameters)
    for aparam, sparam in zip(asig.parameters.values(), ssig.parameters.values(), strict=True):
        assert aparam.kind == sparam.kind, aparam.name
        assert aparam.default == sparam.default, aparam.name
    akind, skind = kind(amember), kind(smember)
    assert SYNC_KIND[akind] == skind, f"{name}: {akind} vs {skind}"
    if akind == "plain":
        # A plain async-side function must not hand back something to await.
        assert not inspect.iscoroutinefunction(smember)


def test_async_side_is_async() -> None:
    kinds = {name: kind(a) for name, a, _ in MEMBER_PAIRS}
    assert kinds["AsyncRESTClient.request"] == "coroutine"
    assert kinds["AsyncRESTClient.aclose"] == "coroutine"
    assert kinds["AsyncRESTClient.__aenter__"] == "coroutine"
    assert kinds["AsyncRESTClient.stream"] == "asynccontextmanager"
    assert kinds["AsyncWithList.list_iter"] == "asyncgen"
    assert kinds["AsyncLineStream.lines"] == "asyncgen"
    assert kinds["AsyncWithGet.get"] == "coroutine"
    # Builders of streams are plain: nothing is sent until the stream is entered.
    assert kinds["AsyncWithWatch.watch"] == "plain"
    assert kinds["AsyncWithLogs.stream_logs"] == "plain"


def test_sync_side_has_nothing_async() -> None:
    for name, _, smember in MEMBER_PAIRS:
        assert not inspect.iscoroutinefunction(smember), name
        assert not inspect.isasyncgenfunction(smember), name
        wrapped = getattr(smember, "__wrapped__", None)
        assert wrapped is None or not inspect.isasyncgenfunction(wrapped), name
