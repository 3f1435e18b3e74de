"""``make bench``: kubeset against the JSON floor and the Python peers, side by side.

Run with any Python 3.11+: ``python3 bench/run.py``. The first run creates ``bench/.venv``
(the peers pinned in ``bench/requirements.txt`` and this checkout, editable) and re-runs itself
inside it; later runs reinstall only when the requirements or ``pyproject.toml`` change.

Each section runs in its own process (import time: a fresh process per run; memory: one per
subject), prints its progress to stderr, and the run ends with the ratio table on stdout,
``bench/results/latest.json`` and ``bench/results/latest.png``. See ``bench/README.md``.

Environment: ``BENCH_QUICK=1`` for a smoke run of a minute or two; ``BENCH_SECTIONS=decode,watch``
to run some sections only; the other ``BENCH_*`` knobs are listed in ``bench/common.py``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = BENCH / ".venv"
STAMP = VENV / ".installed"


def _wanted_stamp() -> str:
    h = hashlib.sha256()
    for f in (BENCH / "requirements.txt", ROOT / "pyproject.toml"):
        h.update(f.read_bytes())
    return h.hexdigest()


def bootstrap() -> None:
    """Make sure bench/.venv exists and is current, then continue inside it."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    stamp = _wanted_stamp()
    if not python.exists() or not STAMP.exists() or STAMP.read_text() != stamp:
        print(f"bench: preparing {VENV.relative_to(ROOT)} (peers and kubeset)", file=sys.stderr)
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run(
            [*pip, "-r", str(BENCH / "requirements.txt"), "-e", f"{ROOT}[gen,envtest,fast]"],
            check=True,
        )
        STAMP.write_text(stamp)
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


if __name__ == "__main__":
    bootstrap()

# From here on: inside bench/.venv.
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from importlib import metadata  # noqa: E402
from typing import Any  # noqa: E402

from common import RESULTS, Settings, log, write_json  # noqa: E402
from fixtures import pod_list_bytes  # noqa: E402
from report import TARGETS, chart, markdown, targets  # noqa: E402

PACKAGES = ["kubeset", "pydantic", "pydantic-core", "httpx", "orjson", "msgspec"]
PEERS = ["kubernetes", "lightkube", "lightkube-models", "kr8s"]


def _versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES + PEERS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _git() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "kubeset", "generated", "codegen"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return rev + ("+changes" if dirty else "")
    except OSError:
        return "unknown"


def _section(name: str, args: list[str], workdir: Path) -> list[dict[str, Any]]:
    out = workdir / f"{name}.json"
    script = BENCH / f"sec_{name}.py"
    start = time.perf_counter()
    log(f"bench: {name}")
    proc = subprocess.run([sys.executable, str(script), *args, str(out)], cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"bench/sec_{name}.py exited with {proc.returncode}")
    log(f"bench: {name} done in {time.perf_counter() - start:.0f} s")
    return list(json.loads(out.read_text()))


def _memory_estimates(results: dict[str, Any], settings: Settings) -> dict[str, float]:
    """Seconds one decode of the memory section's list takes, per subject, from the decode
    section (a subject skipped there counts as twice the skip threshold)."""
    key = f"decode_{settings.memory_pods}"
    decode = next((s for s in results["sections"] if s["key"] == key), None)
    return {
        r["subject"]: r["value"] / 1000 if r["value"] else settings.skip_over * 2
        for r in (decode["rows"] if decode else [])
    }


def main() -> int:
    settings = Settings.from_env()
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="kubeset-bench-"))
    results: dict[str, Any] = {
        "meta": {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "mode": "quick" if settings.quick else "default",
            "kubeset_revision": _git(),
            "versions": _versions(),
            "settings": settings.to_json(),
        },
        "sections": [],
        "errors": [],
    }
    try:
        sizes = {100, *settings.sizes, settings.memory_pods, settings.encode_pods}
        if "decode" in settings.sections or "memory" in settings.sections:
            for n in sorted(sizes):
                (workdir / f"pods-{n}.json").write_bytes(pod_list_bytes(n))
            log(f"bench: fixtures {sorted(sizes)} pods written to {workdir}")
        plan: list[tuple[str, list[str]]] = [
            ("import", []),
            ("decode", [str(workdir)]),
            ("memory", [str(workdir)]),
            ("watch", []),
            ("requests", []),
            ("generate", []),
            ("informer", [str(workdir)]),
            ("fake", []),
            ("stream", []),
        ]
        for name, args in plan:
            if name not in settings.sections:
                continue
            if name == "memory":
                estimates = _memory_estimates(results, settings)
                write_json(workdir / "estimates.json", estimates)
                args = [*args, "--estimates", str(workdir / "estimates.json")]
            try:
                results["sections"].extend(_section(name, args, workdir))
            except Exception as exc:  # one failing section must not hide the others
                log(f"bench: {name} FAILED: {exc}")
                results["errors"].append({"section": name, "error": str(exc)})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["meta"]["wall_seconds"] = time.perf_counter() - started
    results[TARGETS] = targets(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_json(RESULTS / "latest.json", results)
    chart(results, RESULTS / "latest.png")
    table = markdown(results)
    (RESULTS / "latest.md").write_text(table)
    print(table)
    log(f"bench: results in {RESULTS.relative_to(ROOT)}/latest.{{json,png,md}}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
