"""Settings, timing and result records shared by the benchmark sections.

Every figure is a median over repeated runs; every section measures its floor in the same process
(or, for import time, in the same series of fresh processes) and reports each subject as a ratio
to it. Subjects are run alternately, round after round, in a rotating order, so that slow drifts of
the machine (other processes, thermal limits) hit every subject alike.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_PYTHON = BENCH / ".venv" / "bin" / "python"

# Subject names, used as keys in the results and labels in the table and chart.
FLOOR_JSON = "orjson.loads (floor)"
KUBESET = "kubeset"
KUBESET_ASYNC = "kubeset async"
KUBESET_FAST = "kubeset, fast transport"  # Config(transport="fast"): urllib3 under httpx
KUBESET_ASYNC_FAST = "kubeset async, fast transport"  # aiohttp under httpx
KUBESET_UNPAUSED = "kubeset, collector not paused"
KUBESET_METADATA = "kubeset list_metadata (metadata-only body)"
OFFICIAL = "kubernetes (official)"
OFFICIAL_ASYNC = "kubernetes.aio (official)"
LIGHTKUBE = "lightkube"
KR8S = "kr8s"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass
class Settings:
    """What one run measures and how often; environment variables override each field.

    ``BENCH_QUICK=1`` shrinks everything to a smoke test of a minute or two; without it the
    sizes are the issue's (100/1,000/10,000 pods, 50,000 watch events, 2,000 requests).
    """

    quick: bool = False
    sizes: tuple[int, ...] = (100, 1_000, 10_000)
    repeats: int = 5  # decode/encode rounds (each subject once per round)
    min_repeats: int = 3  # a subject over its time budget still gets this many
    budget: float = 30.0  # seconds a subject may spend in one cell before repeats are cut
    skip_over: float = 45.0  # skip a cell whose single run is estimated to take longer
    memory_pods: int = 10_000
    encode_pods: int = 1_000
    watch_events: int = 50_000
    watch_repeats: int = 3
    watch_budget: float = 8.0  # seconds one subject reads the stream, at most, per run
    requests: int = 2_000
    concurrency: int = 20
    request_repeats: int = 3
    import_runs: int = 9  # fresh processes per subject
    generate_runs: int = 1
    sections: tuple[str, ...] = (
        "import",
        "decode",
        "memory",
        "watch",
        "requests",
        "generate",
        "informer",
        "fake",
        "stream",
    )

    @classmethod
    def from_env(cls) -> Settings:
        quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
        s = cls(quick=quick)
        if quick:
            s.sizes = (100, 1_000)
            s.repeats = 3
            s.min_repeats = 2
            s.budget = 10.0
            s.skip_over = 10.0
            s.memory_pods = 1_000
            s.encode_pods = 100
            s.watch_events = 2_000
            s.watch_repeats = 1
            s.requests = 300
            s.request_repeats = 1
            s.import_runs = 5
        if os.environ.get("BENCH_SIZES"):
            s.sizes = tuple(int(x) for x in os.environ["BENCH_SIZES"].split(","))
        s.repeats = _env_int("BENCH_REPEATS", s.repeats)
        s.budget = _env_float("BENCH_BUDGET", s.budget)
        s.skip_over = _env_float("BENCH_SKIP_OVER", s.skip_over)
        s.memory_pods = _env_int("BENCH_MEMORY_PODS", s.memory_pods)
        s.encode_pods = _env_int("BENCH_ENCODE_PODS", s.encode_pods)
        s.watch_events = _env_int("BENCH_WATCH_EVENTS", s.watch_events)
        s.watch_repeats = _env_int("BENCH_WATCH_REPEATS", s.watch_repeats)
        s.watch_budget = _env_float("BENCH_WATCH_BUDGET", s.watch_budget)
        s.requests = _env_int("BENCH_REQUESTS", s.requests)
        s.request_repeats = _env_int("BENCH_REQUEST_REPEATS", s.request_repeats)
        s.import_runs = _env_int("BENCH_IMPORT_RUNS", s.import_runs)
        s.generate_runs = _env_int("BENCH_GENERATE_RUNS", s.generate_runs)
        if os.environ.get("BENCH_SECTIONS"):
            s.sections = tuple(os.environ["BENCH_SECTIONS"].split(","))
        return s

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Row:
    """One subject's figure in one section."""

    subject: str
    runs: list[float] = field(default_factory=list)
    note: str = ""
    skipped: str = ""  # why there is no figure
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None


@dataclass
class Section:
    """One table of the report: a floor and the subjects measured against it.

    ``kind`` says how a ratio is formed: ``time`` (and ``bytes``): value / floor value, lower is
    better; ``rate`` (events or requests per second): floor rate / rate, so that every ratio
    reads the same way — the cost relative to the floor, lower is better.
    """

    key: str
    title: str
    unit: str
    kind: str  # "time" | "bytes" | "rate"
    floor: str | None
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    def row(self, subject: str) -> Row:
        for r in self.rows:
            if r.subject == subject:
                return r
        r = Row(subject)
        self.rows.append(r)
        return r

    def ratio(self, row: Row, to: str | None = None) -> float | None:
        ref = self.floor if to is None else to
        if ref is None:
            return None
        base = next((r.value for r in self.rows if r.subject == ref), None)
        value = row.value
        if base is None or value is None or base == 0 or value == 0:
            return None
        return base / value if self.kind == "rate" else value / base

    def to_json(self) -> dict[str, Any]:
        official = next((r.subject for r in self.rows if r.subject.startswith("kubernetes")), None)
        return {
            "key": self.key,
            "title": self.title,
            "unit": self.unit,
            "kind": self.kind,
            "floor": self.floor,
            "note": self.note,
            "rows": [
                {
                    "subject": r.subject,
                    "value": r.value,
                    "runs": r.runs,
                    "n": len(r.runs),
                    "ratio": self.ratio(r),
                    "vs_official": (
                        None
                        if official is None or r.subject == official
                        else _inverse(self.ratio(r, official))
                    ),
                    "note": r.note,
                    "skipped": r.skipped,
                    **({"extra": r.extra} if r.extra else {}),
                }
                for r in self.rows
            ],
        }


def _inverse(x: float | None) -> float | None:
    return None if x is None else 1 / x


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextmanager
def gc_paused(paused: bool) -> Iterator[None]:
    """Collector off for the block (when ``paused``); restored afterwards."""
    was = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def timed(fn: Callable[[], Any], *, gc_off: bool = False) -> float:
    """Seconds one call of ``fn`` takes; its result is dropped, and the collector run, outside the
    timed region (so the next call starts from a collected heap too)."""
    with gc_paused(gc_off):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    del result
    gc.collect()
    return elapsed


def alternate(
    section: Section,
    subjects: dict[str, Callable[[], Any]],
    settings: Settings,
    *,
    gc_off: bool = False,
    estimates: dict[str, float] | None = None,
    log: Callable[[str], None] | None = None,
) -> None:
    """Time each subject ``settings.repeats`` times, round-robin with a rotating start; runs are
    recorded in the section's unit (``ms`` or ``s``).

    A subject whose runs have used up ``settings.budget`` stops after ``settings.min_repeats``
    runs (its row says how many it got). A subject whose single run is estimated (``estimates``,
    seconds) to take longer than ``settings.skip_over`` is not run at all and says so.
    """
    names = list(subjects)
    scale = 1000.0 if section.unit == "ms" else 1.0
    for name in names:
        section.row(name)  # rows in the subjects' order
        est = (estimates or {}).get(name)
        if est is not None and est > settings.skip_over:
            section.row(name).skipped = (
                f"not run: one run is estimated at {est:.0f} s (> BENCH_SKIP_OVER="
                f"{settings.skip_over:.0f} s)"
            )
    active = [n for n in names if not section.row(n).skipped]
    gc.collect()
    if not estimates:  # first cell: one untimed run each (lazy imports, validators, caches)
        for name in active:
            timed(subjects[name], gc_off=gc_off)
    for rnd in range(settings.repeats):
        order = active[rnd % len(active) :] + active[: rnd % len(active)] if active else []
        for name in order:
            row = section.row(name)
            if len(row.runs) >= settings.min_repeats and sum(row.runs) / scale > settings.budget:
                if "budget" not in row.note:
                    row.note = f"runs cut by the {settings.budget:.0f} s budget"
                continue
            row.runs.append(timed(subjects[name], gc_off=gc_off) * scale)
            if log:
                log(f"  {section.key:<22} {name:<28} {row.runs[-1]:10.1f} {section.unit}")


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
