"""``make faults``: run every fault scenario against a fresh envtest control plane and every fuzz
target (more examples than the tests), and print what happened.

    .venv/bin/python -m tests.faults.report [--scale N] [--seed S] [--no-e2e] [--no-fuzz]

Prints faults injected, calls that recovered, calls that failed with a typed error, hangs, raw
(untyped) exceptions with their types, data lost, connections left open, and the inputs fuzzed per
target. Exits 1 when there are hangs, raw exceptions or lost data (0 otherwise; 2 when the control
plane cannot start).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Any

from tests.faults.proxy import CALL_BOUND, CLIENT_SETTINGS, FAULTS, Outcome, run_matrix, summarize


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def run_faults() -> list[Outcome]:
    from kubeset import load_kubeconfig
    from kubeset.envtest import ControlPlane, EnvtestError

    try:
        with ControlPlane() as plane:
            config = load_kubeconfig(plane.kubeconfig_path, qps=0)
            return run_matrix(config)
    except EnvtestError as exc:
        print(f"faults: the envtest control plane cannot start: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def print_faults(outcomes: list[Outcome]) -> tuple[int, Counter[str], int]:
    summary = summarize(outcomes)
    settings = ", ".join(f"{k}={v}" for k, v in CLIENT_SETTINGS.items())
    print(
        f"Fault scenarios: {summary.scenarios} calls (client: {settings}; hang bound {CALL_BOUND:g} s)"
    )
    for plan in FAULTS.values():
        print(f"  {plan.name:9} {plan.describe}")
    print()
    rows = []
    for fault in FAULTS:
        mine = [o for o in outcomes if o.fault == fault]
        s = summarize(mine)
        rows.append(
            [
                fault,
                str(s.scenarios),
                str(s.faults_injected),
                str(s.recovered),
                str(s.unaffected),
                str(s.typed),
                str(s.hangs),
                str(sum(s.raw.values())),
                str(s.data_lost),
                str(s.leaked),
            ]
        )
    rows.append(
        [
            "TOTAL",
            str(summary.scenarios),
            str(summary.faults_injected),
            str(summary.recovered),
            str(summary.unaffected),
            str(summary.typed),
            str(summary.hangs),
            str(sum(summary.raw.values())),
            str(summary.data_lost),
            str(summary.leaked),
        ]
    )
    header = [
        "fault",
        "calls",
        "faults injected",
        "recovered",
        "unaffected",
        "typed error",
        "hangs",
        "raw",
        "data lost",
        "left open",
    ]
    print(_table(rows, header))
    typed = Counter(o.error_type for o in outcomes if o.result == "typed")
    print(
        "\nTyped errors: "
        + ", ".join(f"{t.rsplit('.', 1)[-1]} {n}" for t, n in typed.most_common())
    )
    bad = [o for o in outcomes if o.result in ("raw", "hang") or o.data_lost]
    for o in bad:
        print(f"  {o.id}: {o.result} {o.error_type} {o.error} {o.data_lost}".rstrip())
    leaks = [o for o in outcomes if o.leaked]
    if leaks:
        print(
            "Connections left open by closed async clients (aborted by the harness): "
            + ", ".join(f"{o.id} {o.leaked}" for o in leaks)
        )
    return summary.hangs, summary.raw, summary.data_lost


def run_fuzz(scale: int, seed: int) -> tuple[list[list[str]], Counter[str]]:
    from tests.faults.test_fuzz import INPUTS, REGRESSIONS, TARGETS, UntypedError, fuzz

    rows = []
    raw: Counter[str] = Counter()
    for name, target in TARGETS.items():
        start = time.monotonic()
        found = ""
        try:
            fuzz(target, target.examples * scale, seed=seed)()
        except UntypedError as exc:
            cause = exc.__cause__ or exc
            found = f"{type(cause).__module__}.{type(cause).__qualname__}"
            raw[found] += 1
        except Exception as exc:  # a property (not the error type) failed
            found = f"{type(exc).__qualname__}: {str(exc)[:80]}"
            raw[type(exc).__qualname__] += 1
        regressions = [v for t_name, vs, _ in REGRESSIONS.values() if t_name == name for v in vs]
        failing = 0
        for value in regressions:
            INPUTS[f"{name} (regressions)"] += 1
            try:
                target.check(value)
            except UntypedError as exc:
                failing += 1
                cause = exc.__cause__ or exc
                raw[f"{type(cause).__module__}.{type(cause).__qualname__}"] += 1
        rows.append(
            [
                name,
                str(INPUTS[name]),
                f"{time.monotonic() - start:.1f}",
                found or "none",
                f"{failing}/{len(regressions)} still raw" if regressions else "-",
            ]
        )
    return rows, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.report", description=__doc__)
    parser.add_argument("--scale", type=int, default=5, help="fuzz examples: N x the tests' count")
    parser.add_argument("--seed", type=int, default=20240611, help="hypothesis seed")
    parser.add_argument("--no-e2e", action="store_true", help="skip the fault scenarios")
    parser.add_argument("--no-fuzz", action="store_true", help="skip the fuzz targets")
    args = parser.parse_args(argv)
    started = time.monotonic()
    hangs, data_lost = 0, 0
    raw: Counter[str] = Counter()
    if not args.no_e2e:
        outcomes = run_faults()
        hangs, raw_calls, data_lost = print_faults(outcomes)
        raw.update(raw_calls)
        print()
    if not args.no_fuzz:
        rows, raw_fuzz = run_fuzz(args.scale, args.seed)
        print(f"Fuzzing (hypothesis, seed {args.seed}, {args.scale}x the tests' examples):")
        header = ["target", "inputs fuzzed", "seconds", "untyped error found", "known regressions"]
        print(_table(rows, header))
        total = sum(int(r[1]) for r in rows)
        print(f"  inputs fuzzed in all: {total}")
        raw.update(raw_fuzz)
        print()
    verdict: dict[str, Any] = {
        "hangs": hangs,
        "raw exceptions": sum(raw.values()),
        "data lost": data_lost,
    }
    print(", ".join(f"{k}: {v}" for k, v in verdict.items()), end="")
    if raw:
        print("  (raw: " + ", ".join(f"{t} x{n}" for t, n in raw.most_common()) + ")", end="")
    print(f"  [{time.monotonic() - started:.0f} s]")
    failed = hangs or raw or data_lost
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
