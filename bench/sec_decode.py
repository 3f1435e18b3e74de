"""Sections 2 and 4: decode PodLists of each size, and encode a typed list back, in one process.

Usage: ``python bench/sec_decode.py WORKDIR OUT.json`` — WORKDIR holds ``pods-<n>.json``.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import orjson
from common import (
    FLOOR_JSON,
    KR8S,
    KUBESET,
    KUBESET_METADATA,
    KUBESET_UNPAUSED,
    LIGHTKUBE,
    OFFICIAL,
    Section,
    Settings,
    alternate,
    log,
    write_json,
)
from subjects import decoders, encoders, kubeset_metadata_decoder, metadata_only_body


def _strip(item: Any) -> Any:
    """An item without kind/apiVersion, which some clients add to every list item."""
    if isinstance(item, dict):
        return {k: v for k, v in item.items() if k not in ("kind", "apiVersion")}
    return item


def _same_items(original: dict[str, Any], encoded: bytes) -> bool:
    back = orjson.loads(encoded)
    items = back["items"] if isinstance(back, dict) else back
    return [_strip(i) for i in items] == [_strip(i) for i in original["items"]]


def decode_sections(workdir: Path, settings: Settings) -> list[Section]:
    all_subjects = decoders()
    metadata_decoder = kubeset_metadata_decoder()
    sections = []
    estimates: dict[str, float] = {}
    previous: tuple[int, Section] | None = None
    for size in settings.sizes:
        body = (workdir / f"pods-{size}.json").read_bytes()
        subjects = dict(all_subjects)
        if size > 1_000:  # the before/after comparison is made at 100 and 1,000
            del subjects[KUBESET_UNPAUSED]
        section = Section(
            f"decode_{size}",
            f"Decode a PodList of {size:,} pods from bytes",
            "ms",
            "time",
            FLOOR_JSON,
            note=f"{len(body) / 1e6:.1f} MB of JSON; GC on, as users run; kubeset's decode pauses "
            "the collector for large bodies and collects the new objects once, inside the call",
        )
        if previous is not None:  # one run here ~ the last median x the size factor
            psize, psec = previous
            estimates = {  # seconds
                r.subject: r.value / 1000 * size / psize * 1.3
                for r in psec.rows
                if r.value is not None
            }
            estimates.update(
                {r.subject: float("inf") for r in psec.rows if r.skipped}  # stays skipped
            )
        runs = {name: (lambda d=dec, b=body: d(b)) for name, dec in subjects.items()}
        meta_body = metadata_only_body(body)  # the server sends less: timed against the same floor
        runs[KUBESET_METADATA] = lambda d=metadata_decoder, b=meta_body: d(b)
        alternate(section, runs, settings, estimates=estimates, log=log)
        sections.append(section)
        previous = (size, section)
        del body
        gc.collect()
    return sections


def gc_off_section(workdir: Path, settings: Settings, size: int, budgets: Section) -> Section:
    """The same decode with the collector paused around each call."""
    subjects = decoders()
    del subjects[KUBESET_UNPAUSED]  # the same as kubeset once the collector is off
    del subjects[KR8S]  # its cost is python-box's conversion, not the collector
    body = (workdir / f"pods-{size}.json").read_bytes()
    section = Section(
        f"decode_{size}_gc_off",
        f"Decode {size:,} pods, collector paused (gc.disable) during the call",
        "ms",
        "time",
        FLOOR_JSON,
        note="what a caller gets by pausing GC around decode; not how users run by default",
    )
    estimates = {r.subject: r.value / 1000 for r in budgets.rows if r.value is not None}
    estimates.update({r.subject: float("inf") for r in budgets.rows if r.skipped})
    alternate(
        section,
        {name: (lambda d=dec, b=body: d(b)) for name, dec in subjects.items()},
        settings,
        gc_off=True,
        estimates=estimates,
        log=log,
    )
    return section


def encode_section(workdir: Path, settings: Settings, size: int) -> Section:
    """Typed list → JSON bytes, each client its own way; also checks what survived."""
    body = (workdir / f"pods-{size}.json").read_bytes()
    original = orjson.loads(body)
    decs = decoders()
    objects = {
        "orjson.dumps (floor)": original,
        KUBESET: decs[KUBESET](body),
        LIGHTKUBE: decs[LIGHTKUBE](body),
        OFFICIAL: decs[OFFICIAL](body),
    }
    encs = encoders()
    section = Section(
        f"encode_{size}",
        f"Encode a typed list of {size:,} pods to JSON bytes",
        "ms",
        "time",
        "orjson.dumps (floor)",
        note="round-trip exact: decode → encode gives back the same JSON (kind/apiVersion "
        "of items aside)",
    )
    objects[KR8S] = decs[KR8S](body)
    alternate(
        section,
        {name: (lambda e=encs[name], o=obj: e(o)) for name, obj in objects.items()},
        settings,
        log=log,
    )
    for name, obj in objects.items():
        out = encs[name](obj)
        row = section.row(name)
        row.extra["bytes"] = len(out)
        row.extra["round_trip_exact"] = _same_items(original, out)
    return section


def main() -> None:
    workdir, out = Path(sys.argv[1]), Path(sys.argv[2])
    settings = Settings.from_env()
    sections = decode_sections(workdir, settings)
    gc_size = 1_000 if 1_000 in settings.sizes else settings.sizes[-1]
    base = next(s for s in sections if s.key == f"decode_{gc_size}")
    sections.append(gc_off_section(workdir, settings, gc_size, base))
    sections.append(encode_section(workdir, settings, settings.encode_pods))
    write_json(out, [s.to_json() for s in sections])


if __name__ == "__main__":
    main()
