"""``clientgen``: generate a typed clientset package from an OpenAPI v2 spec.

clientgen generate --spec openapi/swagger.json --package k8s --out generated
clientgen verify   --spec openapi/swagger.json --package k8s --out generated
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from codegen.generate import Summary, generate_package, render_package
from codegen.spec import SpecError, load_spec

__all__ = ["main"]


def _progress(enabled: bool) -> Callable[[str], None]:
    """A progress reporter: elapsed time and a message on stderr, when ``enabled``."""
    started = time.monotonic()

    def report(message: str) -> None:
        if enabled:
            print(f"  [{time.monotonic() - started:5.1f}s] {message}", file=sys.stderr, flush=True)

    return report


def _diff(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two trees (missing, extra or changed)."""
    out: list[str] = []

    def walk(cmp: filecmp.dircmp[str], rel: Path) -> None:
        out.extend(f"only in regenerated: {rel / n}" for n in cmp.left_only)
        out.extend(f"only in {actual.name}: {rel / n}" for n in cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        out.extend(f"differs: {rel / n}" for n in mismatch + errors)
        for name, sub in sorted(cmp.subdirs.items()):
            if name != "__pycache__":
                walk(sub, rel / name)

    walk(filecmp.dircmp(expected, actual, ignore=["__pycache__"]), Path(actual.name))
    return sorted(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="clientgen", description="Generate typed Kubernetes clients."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("generate", "render the package into --out/<package>"),
        ("verify", "regenerate into a temporary directory and compare with --out/<package>"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument(
            "--spec", required=True, help="OpenAPI v2 spec: a file path or http(s) URL"
        )
        cmd.add_argument("--package", required=True, help="Python package name, e.g. k8s")
        cmd.add_argument("--out", required=True, type=Path, help="directory the package goes in")
        cmd.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    report = _progress(not args.quiet and sys.stderr.isatty())
    try:
        spec = load_spec(args.spec)
        if args.command == "verify":
            with tempfile.TemporaryDirectory(prefix="clientgen-verify-") as tmp:
                summary: Summary = render_package(spec, args.package, Path(tmp), report)
                differences = _diff(summary.path, args.out / args.package)
            if differences:
                for line in differences:
                    print(line, file=sys.stderr)
                print(
                    f"clientgen: {args.out / args.package} is out of date "
                    f"({len(differences)} differences); run `make generate`",
                    file=sys.stderr,
                )
                return 1
            print(f"{args.out / args.package} is up to date ({summary.files} files)")
            return 0
        summary = generate_package(spec, args.package, args.out, report)
    except SpecError as exc:
        print(f"clientgen: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"clientgen: error: {exc}", file=sys.stderr)
        return 2
    print(summary.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
