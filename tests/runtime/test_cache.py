"""The informer cache's pure parts: label selectors, the indexer, listers, reconciliation on a
relist, and the reflector's backoff."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from kubeset import NotFound
from kubeset.cache import (
    Backoff,
    DeletedFinalStateUnknown,
    Indexer,
    Lister,
    SharedInformer,
    meta_namespace_key,
    split_key,
)
from kubeset.labels import SelectorError, parse_selector


def _obj(name: str, ns: str | None = "default", rv: str = "1", **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "resourceVersion": rv, "labels": labels}
    if ns:
        meta["namespace"] = ns
    return {"metadata": meta}


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("", {}, True),
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "db"}, False),
        ("app!=web", {}, True),
        ("app!=web", {"app": "web"}, False),
        ("env in (prod, staging)", {"env": "staging"}, True),
        ("env notin (prod)", {"env": "prod"}, False),
        ("env notin (prod)", {}, True),
        ("tier", {"tier": ""}, True),
        ("!tier", {"tier": "x"}, False),
        ("a=1,b in (2,3),!c", {"a": "1", "b": "3"}, True),
        ("example.com/team=blue", {"example.com/team": "blue"}, True),
    ],
)
def test_label_selectors(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_selector(selector).matches(labels) is expected


@pytest.mark.parametrize("bad", ["a=b c", "a in ()", ",", "a in (x", "=b"])
def test_bad_selectors_name_the_part(bad: str) -> None:
    with pytest.raises(SelectorError, match="label selector"):
        parse_selector(bad)


def test_keys() -> None:
    assert meta_namespace_key(_obj("a")) == "default/a"
    assert meta_namespace_key(_obj("n", ns=None)) == "n"
    assert meta_namespace_key(DeletedFinalStateUnknown("x/y", {})) == "x/y"
    assert split_key("x/y") == ("x", "y") and split_key("n") == ("", "n")
    with pytest.raises(ValueError, match="no cache key"):
        meta_namespace_key({"metadata": {}})


def test_indexer_indexes_and_lists() -> None:
    idx: Indexer[dict[str, Any]] = Indexer(
        indexers={"by-app": lambda o: [o["metadata"]["labels"].get("app", "")]}
    )
    idx.add(_obj("a", app="web"))
    idx.add(_obj("b", app="db"))
    idx.add(_obj("c", ns="other", app="web"))
    assert sorted(o["metadata"]["name"] for o in idx.by_index("by-app", "web")) == ["a", "c"]
    assert [o["metadata"]["name"] for o in idx.list(namespace="default")] == ["a", "b"]
    assert [o["metadata"]["name"] for o in idx.list("app=db")] == ["b"]
    old = idx.update(_obj("a", app="db", rv="2"))
    assert old is not None and old["metadata"]["resourceVersion"] == "1"
    assert sorted(o["metadata"]["name"] for o in idx.by_index("by-app", "web")) == ["c"]
    idx.delete_key("default/b")
    assert idx.index_keys("by-app", "db") == ["default/a"]
    idx.replace([_obj("z", app="web")])
    assert idx.list_keys() == ["default/z"] and idx.index_values("by-app") == ["web"]
    with pytest.raises(KeyError, match="no index 'nope'"):
        idx.by_index("nope", "x")


def test_indexer_is_thread_safe() -> None:
    idx: Indexer[dict[str, Any]] = Indexer()

    def churn(start: int) -> None:
        for i in range(start, start + 500):
            idx.add(_obj(f"o{i}"))
            if i % 3 == 0:
                idx.delete_key(f"default/o{i}")

    threads = [threading.Thread(target=churn, args=(n * 500,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    expected = {f"default/o{i}" for i in range(2000) if i % 3}
    assert set(idx.list_keys()) == expected
    assert set(idx.index_keys("namespace", "default")) == expected


def test_listers() -> None:
    idx: Indexer[dict[str, Any]] = Indexer()
    idx.add(_obj("a"))
    idx.add(_obj("n", ns=None))
    lister = Lister(idx, "widgets")
    assert lister.namespace("default").get("a")["metadata"]["name"] == "a"
    assert lister.get("n")["metadata"]["name"] == "n"
    with pytest.raises(NotFound, match='widgets "zz" not found'):
        lister.namespace("default").get("zz")


class _FakeLW:
    """Enough of a ListWatch for the informer's bookkeeping (no I/O happens here)."""

    name = "fake"

    class client:
        class info:
            plural = "things"


def test_relist_reconciles_with_tombstones_and_updates() -> None:
    informer: SharedInformer[dict[str, Any]] = SharedInformer(_FakeLW())  # type: ignore[arg-type]
    seen: list[tuple[str, Any]] = []
    informer.add_event_handler(
        on_add=lambda o: seen.append(("add", o["metadata"]["name"])),
        on_update=lambda old, new: seen.append(("update", new["metadata"]["resourceVersion"])),
        on_delete=lambda o: seen.append(("delete", o)),
    )
    informer.replace([_obj("a"), _obj("b")], "10")
    informer.replace([_obj("a", rv="1"), _obj("c")], "20")  # b vanished, c appeared
    informer.upsert(_obj("a", rv="5"))
    informer.remove(_obj("c"))
    informer._deliver_pending()
    tombstone = next(
        o for k, o in seen if k == "delete" and isinstance(o, DeletedFinalStateUnknown)
    )
    assert tombstone.key == "default/b" and tombstone.obj["metadata"]["name"] == "b"
    kinds = [kind for kind, _ in seen]
    assert kinds == ["add", "add", "delete", "add", "update", "delete"]
    assert informer.has_synced
    assert informer.indexer.list_keys() == ["default/a"]


def test_backoff_grows_caps_and_resets() -> None:
    b = Backoff(initial=1.0, cap=8.0, jitter=0.0, reset_after=100.0)
    delays = [b.delay(now=float(i)) for i in range(6)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert b.delay(now=500.0) == 1.0  # quiet for longer than reset_after: start again
    jittered = Backoff(initial=1.0, jitter=1.0)
    assert all(1.0 <= jittered.delay(time.monotonic()) <= 60.0 for _ in range(5))
