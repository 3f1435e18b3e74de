"""Section 3: memory held by a decoded list of pods, one fresh process per subject.

In the child: warm the decoder up on a small list (validators, caches, lazy imports), start
``tracemalloc``, read the body, decode it, drop the body, collect, and report what is still
allocated — the retained size of the decoded structure alone. The RSS growth over the same span is
reported beside it (coarser: allocator pools and fragmentation included).

Usage: ``python bench/sec_memory.py WORKDIR [--estimates SECONDS.json] OUT.json``, or
``python bench/sec_memory.py --child SUBJECT FILE`` (one measurement, printed as JSON).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from common import (
    FLOOR_JSON,
    KR8S,
    KUBESET,
    LIGHTKUBE,
    OFFICIAL,
    Section,
    Settings,
    log,
    write_json,
)

SUBJECTS = [FLOOR_JSON, KUBESET, LIGHTKUBE, OFFICIAL, KR8S]
PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _trim() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def child(subject: str, path: Path, warm_path: Path) -> None:
    from subjects import decoders

    decode = decoders()[subject]
    warm = decode(warm_path.read_bytes())
    del warm
    gc.collect()
    _trim()
    rss0 = _rss()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    body = path.read_bytes()
    size = len(body)
    start = time.perf_counter()
    obj = decode(body)
    elapsed = time.perf_counter() - start
    del body
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    _trim()
    rss1 = _rss()
    print(
        json.dumps(
            {
                "retained": current - base,
                "peak": peak - base,
                "rss_growth": rss1 - rss0,
                "body_bytes": size,
                "seconds_traced": elapsed,
                "objects": len(
                    obj["items"] if isinstance(obj, dict) else getattr(obj, "items", obj)
                ),
            }
        )
    )


def measure(subject: str, path: Path, warm: Path) -> dict[str, float]:
    bench = Path(__file__).resolve().parent
    proc = subprocess.run(
        [sys.executable, str(bench / "sec_memory.py"), "--child", subject, str(path), str(warm)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"memory child for {subject} failed:\n{proc.stderr[-2000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    if sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    workdir, out = Path(sys.argv[1]), Path(sys.argv[-1])
    estimates: dict[str, float] = {}
    if "--estimates" in sys.argv:
        estimates = json.loads(Path(sys.argv[sys.argv.index("--estimates") + 1]).read_text())
    settings = Settings.from_env()
    n = settings.memory_pods
    small = 1_000 if n > 1_000 else 100
    path, warm = workdir / f"pods-{n}.json", workdir / "pods-100.json"
    section = Section(
        f"memory_{n}",
        f"Memory held by {n:,} decoded pods (tracemalloc, fresh process each)",
        "MB",
        "bytes",
        FLOOR_JSON,
        note=f"body {path.stat().st_size / 1e6:.1f} MB, freed before measuring",
    )
    for subject in SUBJECTS:
        row = section.row(subject)
        # tracemalloc slows allocation-heavy code about threefold: skip what would take too long
        est = estimates.get(subject, 0.0) * 3
        if est > settings.skip_over * 2:
            m = measure(subject, workdir / f"pods-{small}.json", warm)
            factor = n / small
            row.runs = [m["retained"] * factor / 1e6]
            row.note = (
                f"measured at {small:,} pods and scaled x{factor:.0f} (memory is linear in the "
                f"item count; one traced run at {n:,} would take ~{est:.0f} s)"
            )
            row.extra = {k: v * factor if k != "seconds_traced" else v for k, v in m.items()}
        else:
            m = measure(subject, path, warm)
            row.runs = [m["retained"] / 1e6]
            row.extra = m
        log(
            f"  {section.key:<22} {subject:<28} {row.runs[0]:10.1f} MB retained, "
            f"RSS +{row.extra['rss_growth'] / 1e6:.0f} MB"
        )
    write_json(out, [section.to_json()])


if __name__ == "__main__":
    main()
