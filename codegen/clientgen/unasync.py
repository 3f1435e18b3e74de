"""Generate the sync runtime (``kubeset/_sync``) from the async one (``kubeset/_async``).

The async modules are the source; the sync ones are derived by a fixed list of textual rewrites
(``async def`` → ``def``, ``await x`` → ``x``, ``AsyncX`` → ``X``, ``aclose`` → ``close`` …) and
formatted with ruff, so the two stay in step by construction.
``python -m clientgen.unasync --check`` fails if a sync module is out of date; ``make unasync``
rewrites them.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "kubeset" / "_async"
DST = ROOT / "kubeset" / "_sync"

HEADER = "# Generated from kubeset/_async/{name} by codegen/clientgen/unasync.py. DO NOT EDIT.\n"

_RULES: list[tuple[str, str]] = [
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    # Blocking work the async side runs in a worker thread is called directly: f(a, b), f().
    (r"\bawait asyncio\.to_thread\(([\w.]+),\s*", r"\1("),
    (r"\bawait asyncio\.to_thread\(([\w.]+)\)", r"\1()"),
    (r"\bawait ", ""),
    (r"\basynccontextmanager\b", "contextmanager"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAsyncExitStack\b", "ExitStack"),
    (r"\bAsync([A-Z]\w*)", r"\1"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__anext__\b", "__next__"),
    (r"\bStopAsyncIteration\b", "StopIteration"),
    (r"\benter_async_context\b", "enter_context"),
    (r"\baiter_lines\b", "iter_lines"),
    (r"\baiter_bytes\b", "iter_bytes"),
    (r"\baread\b", "read"),
    (r"\baclose\b", "close"),
    (r"\basyncio\.sleep\b", "time.sleep"),
    (r"^(\s*)import asyncio\b", r"\1import time"),
    (r"\bkubeset\._async\b", "kubeset._sync"),
    (r"\bThe async runtime\b", "The sync runtime"),
]
_COMPILED = [(re.compile(p, re.MULTILINE), r) for p, r in _RULES]


def transform(source: str) -> str:
    """The sync twin of one async module's source (unformatted)."""
    for pattern, replacement in _COMPILED:
        source = pattern.sub(replacement, source)
    return source


def _ruff(args: list[str], source: str, path: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(path), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if result.returncode not in (0, 1) or not result.stdout:
        raise RuntimeError(f"ruff {' '.join(args)} failed on {path}: {result.stderr}")
    return result.stdout


def _format(source: str, path: Path) -> str:
    """Imports sorted (renames can unsort them), then formatted."""
    sorted_imports = _ruff(
        ["check", "--select", "I", "--fix", "--quiet", "--exit-zero"], source, path
    )
    return _ruff(["format"], sorted_imports, path)


def render_all() -> dict[Path, str]:
    """Every sync module's expected content."""
    out: dict[Path, str] = {}
    for src in sorted(SRC.glob("*.py")):
        dst = DST / src.name
        text = HEADER.format(name=src.name) + transform(src.read_text())
        out[dst] = _format(text, dst)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if kubeset/_sync is stale")
    args = parser.parse_args(argv)
    expected = render_all()
    stale = [p for p, text in expected.items() if not p.exists() or p.read_text() != text]
    extra = [p for p in DST.glob("*.py") if p not in expected]
    if args.check:
        for p in stale + extra:
            print(f"out of date: {p.relative_to(ROOT)} (run `make unasync`)", file=sys.stderr)
        return 1 if stale or extra else 0
    DST.mkdir(exist_ok=True)
    for p in extra:
        p.unlink()
    for p, text in expected.items():
        p.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
