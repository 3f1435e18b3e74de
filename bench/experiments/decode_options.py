"""What would make kubeset's decode faster: each option measured against ``orjson.loads`` of the
same bytes, in its own fresh process, floor and option alternating run by run (paired ratios,
median). GC on throughout unless the option is about the collector.

Run: ``bench/.venv/bin/python bench/experiments/decode_options.py [--pods 1000] [--rounds 7]
[--only name,name]``; prints a table and writes ``bench/results/experiments-decode.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

Decode = Callable[[bytes], Any]


# ----------------------------------------------------------------------------- variants
# Each returns (decode, keeps_all_data, body_transform or None). Patches to kubeset's base model
# or wire types happen before the generated models are imported, in the variant's own process.


def _config(**changes: Any) -> None:
    import kubeset.model

    kubeset.model.KubeModel.model_config.update(changes)  # type: ignore[typeddict-item]


def v_baseline() -> tuple[Decode, bool]:
    from kubeset_k8s.models.core_v1 import PodList

    return PodList.model_validate_json, True


def v_gc_paused() -> tuple[Decode, bool]:
    from kubeset_k8s.models.core_v1 import PodList

    def decode(body: bytes) -> Any:
        gc.disable()
        try:
            return PodList.model_validate_json(body)
        finally:
            gc.enable()

    return decode, True


def v_gc_paused_collect() -> tuple[Decode, bool]:
    """The pause, and the young-generation pass it defers paid at once: the honest figure."""
    from kubeset_k8s.models.core_v1 import PodList

    def decode(body: bytes) -> Any:
        gc.disable()
        try:
            result = PodList.model_validate_json(body)
        finally:
            gc.enable()
        gc.collect(1)
        return result

    return decode, True


def v_gc_threshold() -> tuple[Decode, bool]:
    from kubeset_k8s.models.core_v1 import PodList

    def decode(body: bytes) -> Any:
        old = gc.get_threshold()
        gc.set_threshold(100_000, 50, 100)
        try:
            return PodList.model_validate_json(body)
        finally:
            gc.set_threshold(*old)

    return decode, True


def v_cache_strings_off() -> tuple[Decode, bool]:
    _config(cache_strings=False)
    return v_baseline()


def v_cache_strings_keys() -> tuple[Decode, bool]:
    _config(cache_strings="keys")
    return v_baseline()


def v_extra_ignore() -> tuple[Decode, bool]:
    _config(extra="ignore")
    return v_baseline()[0], False


def v_by_alias_only() -> tuple[Decode, bool]:
    """validate_by_name off: JSON is matched on wire names only (constructing by Python name
    would then need the alias — a usability loss, so only as a measurement)."""
    _config(validate_by_name=False)
    return v_baseline()


def v_by_alias_call() -> tuple[Decode, bool]:
    from kubeset_k8s.models.core_v1 import PodList

    return (lambda body: PodList.model_validate_json(body, by_alias=True, by_name=False)), True


def v_time_str() -> tuple[Decode, bool]:
    import kubeset.types

    kubeset.types.Time = str  # type: ignore[misc]
    kubeset.types.MicroTime = str  # type: ignore[misc]
    return v_baseline()


def v_two_stage() -> tuple[Decode, bool]:
    """orjson to dicts, then validate the dicts (python input instead of JSON input)."""
    import orjson

    from kubeset_k8s.models.core_v1 import PodList

    return (lambda body: PodList.model_validate(orjson.loads(body))), True


class LazyItems(list):  # type: ignore[type-arg]
    """A list whose items are validated on first access (experiment only)."""

    def __init__(self, raw: list[Any], validate: Callable[[Any], Any]) -> None:
        super().__init__(raw)
        self._validate = validate
        self._done = [False] * len(raw)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not self._done[i]:
            list.__setitem__(self, i, self._validate(list.__getitem__(self, i)))
            self._done[i] = True
        return list.__getitem__(self, i)

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]


def _lazy_from_dicts(touch: bool) -> Decode:
    import orjson

    from kubeset_k8s.models.core_v1 import Pod, PodList

    def decode(body: bytes) -> Any:
        data = orjson.loads(body)
        items = LazyItems(data.pop("items") or [], Pod.model_validate)
        result = PodList.model_validate(data)
        result.items = items
        if touch:
            for _ in items:
                pass
        return result

    return decode


def _lazy_from_raw(touch: bool) -> Decode:
    import msgspec

    from kubeset_k8s.models.core_v1 import Pod, PodList

    split_type = msgspec.defstruct(
        "Split",
        [
            ("items", list[msgspec.Raw], []),
            ("metadata", Any, None),
            ("kind", str | None, None),
            ("apiVersion", str | None, None),
        ],
    )

    def decode(body: bytes) -> Any:
        split: Any = msgspec.json.decode(body, type=split_type)
        result = PodList.model_validate(
            {"kind": split.kind, "apiVersion": split.apiVersion, "metadata": split.metadata}
        )
        result.items = LazyItems(split.items, lambda raw: Pod.model_validate_json(bytes(raw)))
        if touch:
            for _ in result.items:
                pass
        return result

    return decode


def v_lazy_dicts() -> tuple[Decode, bool]:
    return _lazy_from_dicts(False), True


def v_lazy_dicts_all() -> tuple[Decode, bool]:
    return _lazy_from_dicts(True), True


def v_lazy_raw() -> tuple[Decode, bool]:
    return _lazy_from_raw(False), True


def v_lazy_raw_all() -> tuple[Decode, bool]:
    return _lazy_from_raw(True), True


def _partial_models() -> Any:
    from pydantic import Field

    from kubeset.model import KubeModel
    from kubeset_k8s.models.meta_v1 import ListMeta, ObjectMeta

    ObjectMeta.model_rebuild()  # the item models first (their own build finds their types)
    ListMeta.model_rebuild()

    class PartialObjectMetadata(KubeModel):
        api_version: str | None = Field(None, alias="apiVersion")
        kind: str | None = None
        metadata: ObjectMeta | None = None

    class PartialObjectMetadataList(KubeModel):
        api_version: str | None = Field(None, alias="apiVersion")
        kind: str | None = None
        metadata: ListMeta | None = None
        items: list[PartialObjectMetadata] | None = None

    PartialObjectMetadata.model_rebuild()  # here, where the local names are in scope
    PartialObjectMetadataList.model_rebuild()
    return PartialObjectMetadataList


def v_metadata_only() -> tuple[Decode, bool]:
    """``Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1``: the server
    sends metadata only; decoded into kubeset models (defined here: the spec has none)."""
    return _partial_models().model_validate_json, True


def v_metadata_only_decode() -> tuple[Decode, bool]:
    from kubeset.decode import decode
    from kubeset.errors import RequestInfo

    model = _partial_models()
    info = RequestInfo("GET", "/api/v1/pods", 200)
    return (lambda body: decode(model, body, info)), True


def _msgspec(gc_tracked: bool, times_as_str: bool = False) -> tuple[Decode, bool]:
    import msgspec
    from msgspec_models import build

    model = build("io.k8s.api.core.v1.PodList", gc=gc_tracked, times_as_str=times_as_str)
    decoder = msgspec.json.Decoder(model)
    return decoder.decode, False


def v_msgspec() -> tuple[Decode, bool]:
    return _msgspec(True)


def v_msgspec_nogc() -> tuple[Decode, bool]:
    return _msgspec(False)


def v_msgspec_nogc_str_times() -> tuple[Decode, bool]:
    return _msgspec(False, True)


VARIANTS: dict[str, tuple[str, Callable[[], tuple[Decode, bool]]]] = {
    "baseline": ("kubeset before: PodList.model_validate_json", v_baseline),
    "gc_paused": ("(a) gc.disable() around model_validate_json", v_gc_paused),
    "gc_paused_collect": (
        "(a) ... + gc.collect(1) after: kubeset.decode.decode now",
        v_gc_paused_collect,
    ),
    "gc_threshold": ("(a) gc.set_threshold(100000, 50, 100) around", v_gc_threshold),
    "cache_strings_off": ("(b) cache_strings=False", v_cache_strings_off),
    "cache_strings_keys": ("(b) cache_strings='keys'", v_cache_strings_keys),
    "extra_ignore": ("(b) extra='ignore' (drops unknown fields)", v_extra_ignore),
    "by_alias_only": ("(b) validate_by_name=False", v_by_alias_only),
    "by_alias_call": ("(b) model_validate_json(by_alias=True, by_name=False)", v_by_alias_call),
    "two_stage": ("orjson.loads then model_validate(dict)", v_two_stage),
    "lazy_dicts": ("(c) lazy items: orjson dicts, nothing validated yet", v_lazy_dicts),
    "lazy_dicts_all": ("(c) lazy items from dicts, every item then read", v_lazy_dicts_all),
    "lazy_raw": ("(c) lazy items: msgspec.Raw slices, nothing validated yet", v_lazy_raw),
    "lazy_raw_all": ("(c) lazy items from raw slices, every item then read", v_lazy_raw_all),
    "metadata_only": ("(d) PartialObjectMetadataList body, kubeset models", v_metadata_only),
    "metadata_only_decode": (
        "(d) ... through kubeset.decode.decode (collector paused)",
        v_metadata_only_decode,
    ),
    "msgspec": ("(e) msgspec Structs (drop unknown fields)", v_msgspec),
    "msgspec_nogc": ("(e) msgspec Structs, gc=False", v_msgspec_nogc),
    "msgspec_nogc_str_times": ("(e) msgspec, gc=False, times as str", v_msgspec_nogc_str_times),
    "time_str": ("(f) Time/MicroTime as str instead of AwareDatetime", v_time_str),
}

METADATA_ONLY = {"metadata_only", "metadata_only_decode"}


def metadata_only_body(body: bytes) -> bytes:
    """What the server sends for the same list with ``as=PartialObjectMetadataList``."""
    import orjson

    data = orjson.loads(body)
    return orjson.dumps(
        {
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": data.get("metadata", {}),
            "items": [
                {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": item["metadata"],
                }
                for item in data["items"]
            ],
        }
    )


# ----------------------------------------------------------------------------- measuring


def child(name: str, path: Path, rounds: int) -> dict[str, Any]:
    import orjson

    body = path.read_bytes()
    decode, lossless = VARIANTS[name][1]()
    own = metadata_only_body(body) if name in METADATA_ONLY else body
    decode(own)  # warm: validators, caches
    orjson.loads(body)
    floor_runs, runs = [], []
    for rnd in range(rounds):
        pair = [("floor", lambda: orjson.loads(body)), ("variant", lambda: decode(own))]
        if rnd % 2:
            pair.reverse()
        for which, fn in pair:
            gc.collect()
            start = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - start
            del result
            gc.collect()
            (floor_runs if which == "floor" else runs).append(elapsed)
    ratios = [v / f for v, f in zip(runs, floor_runs, strict=True)]
    return {
        "variant": name,
        "description": VARIANTS[name][0],
        "keeps_all_data": lossless,
        "floor_ms": statistics.median(floor_runs) * 1000,
        "variant_ms": statistics.median(runs) * 1000,
        "ratio": statistics.median(ratios),
        "body_bytes": len(own),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="")
    parser.add_argument("--child", default="")
    parser.add_argument("--file", default="")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.file), args.rounds)))
        return
    from fixtures import pod_list_bytes

    names = [n for n in VARIANTS if not args.only or n in args.only.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pods.json"
        path.write_bytes(pod_list_bytes(args.pods))
        for name in names:
            cmd = [sys.executable, __file__, "--child", name, "--file", str(path)]
            proc = subprocess.run(
                [*cmd, "--rounds", str(args.rounds)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode:
                print(f"{name}: failed\n{proc.stderr[-1500:]}", file=sys.stderr)
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"{row['ratio']:6.2f}x  {row['variant_ms']:8.1f} ms (floor {row['floor_ms']:7.1f})"
                f"  {'keeps data' if row['keeps_all_data'] else 'LOSES DATA':10}  "
                f"{row['description']}",
                flush=True,
            )
    out = HERE.parent / "results" / "experiments-decode.json"
    out.parent.mkdir(exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    merged = {r["variant"]: r for r in previous.get(str(args.pods), [])}
    merged.update({r["variant"]: r for r in rows})
    previous[str(args.pods)] = [merged[n] for n in VARIANTS if n in merged]
    out.write_text(json.dumps(previous, indent=2) + "\n")


if __name__ == "__main__":
    main()
