"""Section 7: generation wall time and output size.

Times ``python -m clientgen generate`` for the full Kubernetes spec (``openapi/swagger.json``) and
for the largest CRD (by bytes) in ``tests/corpus/crds``, each into a fresh temporary
directory. A CLI that does not accept ``--crd`` gives a "not available" row, not a failure.

Usage: ``python bench/sec_generate.py OUT.json``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, Row, Section, Settings, log, write_json

CORPUS = ROOT / "tests" / "corpus" / "crds"


def _largest_crd() -> Path | None:
    if not CORPUS.is_dir():
        return None
    files = [p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json")]
    return max(files, key=lambda p: p.stat().st_size) if files else None


def _tree_size(path: Path) -> tuple[int, int, int]:
    files = [p for p in path.rglob("*.py") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    return total, len(files), lines


def generate(row: Row, args: list[str], package: str, runs: int) -> None:
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="kubeset-bench-gen-") as tmp:
            cmd = [sys.executable, "-m", "clientgen", "generate", *args]
            cmd += ["--package", package, "--out", tmp, "--quiet"]
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                message = (proc.stderr or proc.stdout).strip().splitlines()
                row.skipped = "not available: " + (message[-1] if message else "failed")[:300]
                row.runs = []
                return
            row.runs.append(elapsed)
            size, files, lines = _tree_size(Path(tmp) / package)
            row.extra = {"bytes": size, "files": files, "lines": lines}
    log(f"  generate               {row.subject:<40} {row.value or 0:8.1f} s")


def main() -> None:
    out = Path(sys.argv[1])
    settings = Settings.from_env()
    section = Section(
        "generate",
        "Generation: wall time and output size",
        "s",
        "time",
        None,
        note="target: the full spec under 10 s",
    )
    spec = ROOT / "openapi" / "swagger.json"
    full = section.row(f"full spec ({spec.relative_to(ROOT)})")
    generate(full, ["--spec", str(spec)], "kubeset_k8s", settings.generate_runs)
    crd = _largest_crd()
    if crd is None:
        section.row("largest CRD").skipped = f"not available: no CRDs in {CORPUS}"
    else:
        row = section.row(f"largest CRD ({crd.relative_to(CORPUS)}, {crd.stat().st_size:,} B)")
        generate(row, ["--crd", str(crd)], "benchcrd", settings.generate_runs)
    write_json(out, [section.to_json()])


if __name__ == "__main__":
    main()
