"""``clientgen``: generate a typed clientset package.

Everything a cluster serves, as one self-contained package (like ``kubeset_k8s``): from the cluster
of the kubeconfig (``/openapi/v3``, else ``/openapi/v2``), from a saved spec (an OpenAPI v2 file,
or a directory of OpenAPI v3 documents as ``make openapi`` writes ``openapi/v3``), or from a URL on
the kubeconfig's cluster::

    clientgen generate --from-cluster --package mycluster --out generated
    clientgen generate --spec openapi/swagger.json --package kubeset_k8s --out generated
    clientgen generate --spec openapi/v3 --package kubeset_k8s --out generated
    clientgen generate --spec https://my-cluster:6443/openapi/v3 --package mycluster --out generated

From CRD manifests, or from some API groups of a live cluster; such packages re-export the
built-in models they use from ``kubeset_k8s``::

    clientgen generate --crd crds/ --package certmanager --out generated
    clientgen generate --from-cluster --group cert-manager.io --package certmanager --out generated

Every request to a cluster (``--from-cluster``, ``--spec URL``) goes through kubeset's REST client
with the kubeconfig's credentials, CA, proxy and TLS settings (``--kubeconfig``, ``--context``). A
``--spec`` URL must be on the server the kubeconfig names: credentials are not sent elsewhere.

``clientgen verify`` takes the same options and compares instead of writing.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubeset._extras import exit_if_missing

# The generator needs the `gen` extra: without it, the command prints one line naming
# `pip install 'kubeset[gen]'` and exits with status 2, whatever the arguments (even --help).
try:
    from clientgen.base_package import BaseIndex
    from clientgen.generate import EXPANSIONS, Summary, generate_package, render_package
    from clientgen.sources import crd_spec, definition_name, load_crd_documents, spec_from_cluster
    from clientgen.spec import LoadedSpec, SpecError, load_spec
except ImportError as exc:
    exit_if_missing("gen", "clientgen", "the generator", exc)
    raise
# datamodel-code-generator and ruff are only imported (run) once generation starts: check now.
exit_if_missing("gen", "clientgen", "the generator")

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
        source = cmd.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--spec",
            help="a saved spec: an OpenAPI v2 file, or a directory of OpenAPI v3 documents "
            "(openapi/v3 as `make openapi` writes it); or an https URL on the kubeconfig's "
            "cluster (…/openapi/v2, …/openapi/v3)",
        )
        source.add_argument(
            "--crd",
            nargs="+",
            metavar="PATH",
            help="CustomResourceDefinition manifests: files or directories (multi-document YAML)",
        )
        source.add_argument(
            "--from-cluster",
            action="store_true",
            help="read the cluster of --kubeconfig/--context: everything it serves, as one "
            "self-contained package, or only the --group(s)",
        )
        cmd.add_argument(
            "--group",
            action="append",
            default=[],
            help="with --from-cluster: only this API group (repeatable); the package reuses "
            "--base-package's models",
        )
        cmd.add_argument(
            "--kubeconfig",
            help="kubeconfig for --from-cluster and --spec URL "
            "(default: $KUBECONFIG, else ~/.kube/config)",
        )
        cmd.add_argument("--context", help="kubeconfig context for --from-cluster and --spec URL")
        cmd.add_argument(
            "--base-package",
            default="kubeset_k8s",
            help="package whose built-in models --crd and --from-cluster --group packages "
            "reuse (default: kubeset_k8s)",
        )
        cmd.add_argument("--package", required=True, help="Python package name, e.g. kubeset_k8s")
        cmd.add_argument("--out", required=True, type=Path, help="directory the package goes in")
        cmd.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    report = _progress(not args.quiet and sys.stderr.isatty())
    try:
        if args.group and not args.from_cluster:
            raise ValueError("--group goes with --from-cluster")
        remote = args.from_cluster or (args.spec or "").startswith(("http://", "https://"))
        if (args.kubeconfig or args.context) and not remote:
            raise ValueError("--kubeconfig and --context go with --from-cluster or a --spec URL")
        spec, base, origins = _source(args)
        options: dict[str, Any] = {"base": base, "origins": origins}
        if args.command == "verify":
            with tempfile.TemporaryDirectory(prefix="clientgen-verify-") as tmp:
                options["expansions"] = args.out / args.package / EXPANSIONS
                summary: Summary = render_package(spec, args.package, Path(tmp), report, **options)
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
        summary = generate_package(spec, args.package, args.out, report, **options)
    except SpecError as exc:
        print(f"clientgen: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"clientgen: error: {exc}", file=sys.stderr)
        return 2
    for warning in summary.warnings:
        print(f"clientgen: warning: {warning}", file=sys.stderr)
    print(summary.line())
    return 0


def _source(args: argparse.Namespace) -> tuple[LoadedSpec, BaseIndex | None, dict[str, str]]:
    """The spec the options name, the base index (for CRD and cluster packages) and where each
    definition came from."""
    if args.spec:
        return load_spec(args.spec, kubeconfig=args.kubeconfig, context=args.context), None, {}
    if args.crd:
        documents = load_crd_documents(args.crd)
        spec = crd_spec(documents)
        origins = {}
        for doc, where in documents:
            group = str(doc["spec"]["group"])
            kind = str(doc["spec"]["names"]["kind"])
            for version in doc["spec"].get("versions") or []:
                name = definition_name(group, str(version.get("name")), kind)
                origins[name] = f"{doc['spec']['names']['plural']}.{group} ({where})"
        return spec, BaseIndex(args.base_package), origins
    spec = spec_from_cluster(args.group, kubeconfig=args.kubeconfig, context=args.context)
    if not args.group:
        return spec, None, {}  # the whole cluster: self-contained, like kubeset_k8s
    return spec, BaseIndex(args.base_package), {}


if __name__ == "__main__":
    raise SystemExit(main())
