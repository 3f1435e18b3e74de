"""The ratio table (terminal and Markdown) and the chart, from a results JSON.

``python bench/report.py [bench/results/latest.json]`` reprints the table and redraws the chart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from common import RESULTS

TARGETS = "targets"


def _fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("events/s", "requests/s"):
        return f"{value:,.0f} {unit}"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit in ("MB", "MiB"):
        return f"{value:,.0f} {unit}"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:.3g} {unit}"


def _fmt_ratio(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def _vs(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:.2f}x faster" if x >= 1 else f"{1 / x:.2f}x slower"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _extra_text(row: dict[str, Any], section: dict[str, Any]) -> str:
    extra = row.get("extra") or {}
    bits = []
    if "round_trip_exact" in extra:
        bits.append("round-trip exact" if extra["round_trip_exact"] else "round-trip NOT exact")
    if section["key"] == "generate" and "bytes" in extra:
        bits.append(
            f"{extra['bytes'] / 1e6:.2f} MB, {extra['files']} files, {extra['lines']:,} lines"
        )
    if "client_cpu_us_per_request" in extra:
        bits.append(f"client CPU {extra['client_cpu_us_per_request']:,.0f} us/request")
    if section["key"].startswith("memory") and "rss_growth" in extra:
        bits.append(f"RSS +{extra['rss_growth'] / 1e6:,.0f} MB")
    if section["key"].startswith("informer_memory"):
        if extra.get("go_heap_mib"):
            bits.append(f"Go heap {_median(extra['go_heap_mib']):,.0f} MiB")
        if extra.get("rss_peak_added_mib"):
            bits.append(f"peak +{_median(extra['rss_peak_added_mib']):,.0f} MiB")
    if section["key"].startswith("informer_sync") and "watch_list_used" in extra:
        bits.append("streaming list" if extra["watch_list_used"] else "LIST")
        if extra.get("encoding"):
            bits.append(extra["encoding"])
    repeated = section["key"].startswith(
        ("decode", "encode", "import", "watch", "requests", "informer")
    )
    if repeated and row.get("n") and row["n"] < 3:
        bits.append(f"n={row['n']}")
    if row.get("note"):
        bits.append(row["note"])
    if row.get("skipped"):
        bits.append(row["skipped"])
    return "; ".join(bits)


def markdown(results: dict[str, Any]) -> str:
    """One Markdown table per section, then the targets."""
    out = []
    meta = results.get("meta", {})
    out.append(
        f"kubeset bench — {meta.get('date', '?')}, Python {meta.get('python', '?')}, "
        f"{meta.get('cpus', '?')} CPUs, mode {meta.get('mode', '?')}, "
        f"{meta.get('wall_seconds', 0):.0f} s"
    )
    peers = meta.get("versions", {})
    if peers:
        out.append("versions: " + ", ".join(f"{k} {v}" for k, v in peers.items()))
    out.append("")
    out.append("ratio: cost relative to the section's floor, lower is better (for rates: floor")
    out.append("rate / rate). vs official: how much faster than the official client.")
    for section in results.get("sections", []):
        out.append("")
        title = section["title"]
        if section.get("note"):
            title += f" ({section['note']})"
        out.append(f"### {title}")
        out.append("")
        out.append("| subject | median | ratio | vs official | notes |")
        out.append("|---|---:|---:|---:|---|")
        for row in section["rows"]:
            out.append(
                f"| {row['subject']} | {_fmt_value(row['value'], section['unit'])} | "
                f"{_fmt_ratio(row['ratio'])} | {_vs(row.get('vs_official'))} | "
                f"{_extra_text(row, section)} |"
            )
    for err in results.get("errors", []):
        out.append("")
        out.append(f"**section {err['section']} failed**: {err['error']}")
    targets = results.get(TARGETS, [])
    if targets:
        out.append("")
        out.append("### Targets")
        out.append("")
        out.append("| target | measured | met |")
        out.append("|---|---|---|")
        for t in targets:
            met = {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
            out.append(f"| {t['target']} | {t['measured']} | {met} |")
    return "\n".join(out) + "\n"


def _find(results: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((s for s in results.get("sections", []) if s["key"] == key), None)


def _row(section: dict[str, Any] | None, subject: str) -> dict[str, Any] | None:
    if section is None:
        return None
    return next((r for r in section["rows"] if r["subject"] == subject), None)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, checked against this run."""
    out: list[dict[str, Any]] = []

    def add(target: str, measured: str, met: bool | None) -> None:
        out.append({"target": target, "measured": measured, "met": met})

    for size in (1_000, 10_000):
        row = _row(_find(results, f"decode_{size}"), "kubeset")
        ratio = row["ratio"] if row else None
        add(
            f"decode {size:,} pods <= 2.5x orjson",
            _fmt_ratio(ratio),
            None if ratio is None else ratio <= 2.5,
        )
    imp = _find(results, "import")
    if imp:
        ks = _row(imp, "kubeset")
        ratio = ks["ratio"] if ks else None
        add(
            "import <= 1.2x httpx+pydantic",
            _fmt_ratio(ratio),
            None if ratio is None else ratio <= 1.2,
        )
        peers = [
            r
            for r in imp["rows"]
            if r["subject"] not in ("kubeset",) and "floor" not in r["subject"]
        ]
        if ks and ks["value"] is not None and peers:
            fastest = min(peers, key=lambda r: r["value"] or float("inf"))
            add(
                "import faster than every peer",
                f"{ks['value']:.0f} ms vs {fastest['subject']} {fastest['value']:.0f} ms",
                ks["value"] < fastest["value"],
            )
    mem = next((s for s in results.get("sections", []) if s["key"].startswith("memory")), None)
    if mem:
        ks, off = _row(mem, "kubeset"), _row(mem, "kubernetes (official)")
        if ks and off and ks["value"] and off["value"]:
            add(
                "memory below the official client's",
                f"{ks['value']:.0f} MB vs {off['value']:.0f} MB",
                ks["value"] < off["value"],
            )
    for key, subjects in (
        (
            "watch",
            (
                "kubeset",
                "kubeset async",
                "kubeset, fast transport",
                "kubeset async, fast transport",
            ),
        ),
        ("requests_seq", ("kubeset", "kubeset, fast transport")),
        ("requests_concurrent", ("kubeset async", "kubeset async, fast transport")),
    ):
        sec = _find(results, key)
        for subject in subjects:
            row = _row(sec, subject)
            if row is None:
                continue
            vs = row.get("vs_official")
            add(
                f"{key} {subject} ahead of the official client",
                _vs(vs) or "-",
                None if vs is None else vs > 1,
            )
    _informer_targets(results, add)
    gen = _find(results, "generate")
    if gen and gen["rows"]:
        full = gen["rows"][0]
        value = full["value"]
        add(
            "generate the full spec < 10 s",
            "-" if value is None else f"{value:.1f} s",
            None if value is None else value < 10,
        )
    return out


def _informer_targets(results: dict[str, Any], add: Any) -> None:
    """The informer issue's goals: sync time and resident memory within 2x of client-go's
    (each kubeset informer against the client-go row of the same kind: with or without the
    managedFields transform; client-go as it comes reads protobuf, so the JSON row is compared
    too), and informer events/s at least lightkube's watch on the stream."""
    sections = results.get("sections", [])
    pairs = (
        ("kubeset SharedInformer", "client-go shared informer (Go)"),
        ("kubeset AsyncSharedInformer", "client-go shared informer (Go)"),
        (
            "kubeset SharedInformer, transform dropping managedFields",
            "client-go, transform dropping managedFields",
        ),
        ("kubeset SharedInformer", "client-go reading JSON"),
    )
    for prefix, what, unit in (
        ("informer_sync", "time to sync", "s"),
        ("informer_memory", "resident memory", "MiB"),
    ):
        sec = next((s for s in sections if s["key"].startswith(prefix)), None)
        for subject, reference in pairs:
            row, ref = _row(sec, subject), _row(sec, reference)
            if not row or not ref or not row["value"] or not ref["value"]:
                continue
            ratio = row["value"] / ref["value"]
            fmt = "{:.1f}" if unit == "s" else "{:,.0f}"
            add(
                f"informer {what} <= 2x {reference}: {subject}",
                f"{ratio:.2f}x ({fmt.format(row['value'])} vs {fmt.format(ref['value'])} {unit})",
                ratio <= 2.0,
            )
    events = _find(results, "informer_events")
    lk = _row(events, "lightkube Client.watch (no informer)")
    for subject in (
        "kubeset SharedInformer",
        "kubeset AsyncSharedInformer",
        "kubeset SharedInformer, handler reads each object",
    ):
        row = _row(events, subject)
        if row and lk and row["value"] and lk["value"]:
            add(
                f"informer events/s >= lightkube's watch: {subject}",
                f"{row['value']:,.0f} vs {lk['value']:,.0f} events/s",
                row["value"] >= lk["value"],
            )


def chart(results: dict[str, Any], path: Path) -> None:
    """One PNG: a panel per section, each subject's ratio to the floor (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    sections = [
        s
        for s in results.get("sections", [])
        if s.get("floor") and any(r["ratio"] for r in s["rows"])
    ]
    if not sections:
        return
    cols = 3
    rows = (len(sections) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat[len(sections) :]:
        ax.axis("off")
    for ax, section in zip(axes.flat, sections, strict=False):
        data = [r for r in section["rows"] if r["ratio"] is not None]
        labels = [r["subject"].replace(" (floor)", "\n(floor)") for r in data]
        values = [r["ratio"] for r in data]
        colors = [
            "#1f77b4"
            if r["subject"].startswith("kubeset")
            else "#999999"
            if "floor" in r["subject"]
            else "#ff7f0e"
            for r in data
        ]
        ypos = range(len(data))
        ax.barh(ypos, values, color=colors)
        ax.set_yticks(list(ypos), labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x:g}x"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.axvline(1.0, color="black", linewidth=0.8)
        for y, v in zip(ypos, values, strict=True):
            ax.text(v, y, f" {v:.2f}x", va="center", fontsize=7)
        ax.set_title(section["title"], fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlim(min(0.5, min(values) / 1.5), max(2.0, max(values) * 3))
    meta = results.get("meta", {})
    fig.suptitle(
        "kubeset bench: cost relative to the floor (log scale, lower is better) — "
        f"{meta.get('date', '')}, {meta.get('cpus', '?')} CPUs, mode {meta.get('mode', '?')}",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS / "latest.json"
    results = json.loads(path.read_text())
    results[TARGETS] = targets(results)
    print(markdown(results))
    chart(results, path.with_suffix(".png"))


if __name__ == "__main__":
    main()
