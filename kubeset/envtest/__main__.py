"""Command line for the test control plane.

``python -m kubeset.envtest cluster [--kubelet]``
    Run etcd + kube-apiserver in the foreground and write an admin kubeconfig
    (``./kubeconfig`` by default) until Ctrl-C or SIGTERM. ``--kubelet`` also runs
    the kubelet stand-in and registers its node (pods bound to it are exec-able).

``python -m kubeset.envtest openapi``
    Start a control plane with every API group/version and feature gate enabled
    and save its OpenAPI v2 and v3 documents (``openapi/`` by default) with
    stable formatting.

``python -m kubeset.envtest build [--out DIR]``
    Build etcd, kube-apiserver and the kubelet stand-in from the Go module shipped
    with kubeset (needs Go) into the per-user cache directory where the control
    plane looks for them.

``cluster`` and ``openapi`` need the ``envtest`` extra; without it (or without
Go, for ``build``) the command prints one line saying what to install and exits
with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from kubeset.envtest import ControlPlane, EnvtestError, MissingExtraError, _gobuild
from kubeset.envtest._errors import require_envtest_extra

PROG = "python -m kubeset.envtest"
_REQUEST_TIMEOUT = 60.0
_HASH_QUERY = re.compile(r"\?hash=[0-9A-Fa-f]+$")


class _Stop(Exception):
    """Raised from the SIGTERM handler to leave the foreground loop."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def stable_json(obj: Any) -> str:
    """The canonical text of a saved document: sorted keys, 2-space indent, final newline."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def v3_file_name(path: str) -> str:
    """File name of an OpenAPI v3 group-version document, as in Kubernetes' api/openapi-spec/v3.

    ``apis/apps/v1`` becomes ``apis__apps__v1_openapi.json``.
    """
    return path.replace("/", "__") + "_openapi.json"


def _plane(
    args: argparse.Namespace, *, runtime_config_all: bool, kubelet: bool = False
) -> ControlPlane:
    return ControlPlane(
        binary_dir=args.binary_dir,
        extra_apiserver_flags=args.apiserver_flag,
        start_timeout=args.start_timeout,
        runtime_config_all=runtime_config_all,
        kubelet=kubelet,
    )


def _server_version(plane: ControlPlane) -> str:
    import httpx

    with httpx.Client(
        verify=plane.ssl_context(), trust_env=False, timeout=_REQUEST_TIMEOUT
    ) as client:
        response = client.get(f"{plane.host}/version")
        response.raise_for_status()
        return str(response.json().get("gitVersion", "unknown"))


def _write_private_text(path: Path, text: str) -> None:
    """Atomically write ``text`` to ``path`` with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cmd_cluster(args: argparse.Namespace) -> int:
    """Run a control plane in the foreground until interrupted."""
    kubeconfig = Path(args.kubeconfig)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    plane = _plane(args, runtime_config_all=args.all_apis, kubelet=args.kubelet)
    written = ""
    try:
        plane.start()
        written = plane.kubeconfig_path.read_text(encoding="utf-8")
        _write_private_text(kubeconfig, written)
        version = _server_version(plane)
        print(f"kube-apiserver {version} ready at {plane.host} ({plane.start_seconds:.1f}s)")
        print(f"admin kubeconfig: {args.kubeconfig} (user admin, group system:masters)")
        print(f"  KUBECONFIG={args.kubeconfig} python examples/list_pods.py")
        if plane.kubelet_enabled:
            print(
                f"node {plane.node_name}: kubelet stand-in on 127.0.0.1:{plane.kubelet_port}; "
                "pods with spec.nodeName set to it can exec, attach, port-forward and log"
            )
        logs = [plane.apiserver_log_path, plane.etcd_log_path]
        if plane.kubelet_enabled:
            logs.append(plane.kubelet_log_path)
        print("logs:", *logs)
        print("Press Ctrl-C to stop.", flush=True)
        while plane.running:
            time.sleep(0.5)
        print("a control plane process exited unexpectedly:", file=sys.stderr)
        print(plane.logs_tail(), file=sys.stderr)
        return 1
    except (KeyboardInterrupt, _Stop):
        print("\nstopping", flush=True)
        return 0
    except EnvtestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        plane.stop()
        # The credentials die with the cluster; remove the copy unless replaced.
        with contextlib.suppress(OSError):
            if written and kubeconfig.read_text(encoding="utf-8") == written:
                kubeconfig.unlink()


def dump_openapi(plane: ControlPlane, out: Path) -> dict[str, Any]:
    """Save ``/openapi/v2`` and every ``/openapi/v3`` document under ``out``.

    Writes ``swagger.json``, ``v3/index.json`` (without the ``?hash=`` queries)
    and ``v3/<path>_openapi.json`` files into a temporary directory next to
    ``out``, then moves them into place. Other files in ``out`` are kept; the
    ``v3`` directory is replaced as a whole. Returns a summary.
    """
    import httpx

    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        with httpx.Client(
            verify=plane.ssl_context(),
            trust_env=False,
            timeout=_REQUEST_TIMEOUT,
            headers={"Accept": "application/json"},
        ) as client:

            def get(url: str) -> Any:
                response = client.get(f"{plane.host}{url}")
                response.raise_for_status()
                return response.json()

            version = get("/version")
            v2 = get("/openapi/v2")
            (staging / "swagger.json").write_text(stable_json(v2), encoding="utf-8")

            index = get("/openapi/v3")
            v3_dir = staging / "v3"
            v3_dir.mkdir()
            stable_paths: dict[str, Any] = {}
            for path, entry in sorted(index.get("paths", {}).items()):
                document = get(entry["serverRelativeURL"])
                (v3_dir / v3_file_name(path)).write_text(stable_json(document), encoding="utf-8")
                url = _HASH_QUERY.sub("", entry["serverRelativeURL"])
                stable_paths[path] = {**entry, "serverRelativeURL": url}
            (v3_dir / "index.json").write_text(
                stable_json({**index, "paths": stable_paths}), encoding="utf-8"
            )

        os.replace(staging / "swagger.json", out / "swagger.json")
        target = out / "v3"
        if target.exists():
            target.rename(staging / "v3.old")
        (staging / "v3").rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {
        "version": version.get("gitVersion", "unknown"),
        "v2_paths": len(v2.get("paths", {})),
        "v2_definitions": len(v2.get("definitions", {})),
        "v3_documents": len(stable_paths),
    }


def cmd_openapi(args: argparse.Namespace) -> int:
    """Dump the OpenAPI documents of a control plane with all APIs enabled."""
    out = Path(args.out)
    try:
        with _plane(args, runtime_config_all=True) as plane:
            summary = dump_openapi(plane, out)
    except EnvtestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"kube-apiserver {summary['version']}: wrote {out / 'swagger.json'} "
        f"({summary['v2_paths']} paths, {summary['v2_definitions']} definitions) and "
        f"{summary['v3_documents']} OpenAPI v3 documents to {out / 'v3'}"
    )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Build etcd, kube-apiserver and the kubelet stand-in (default: into the per-user cache)."""
    try:
        _gobuild.build(args.out, args.gomod)
    except _gobuild.GoBuildError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m kubeset.envtest``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run a local etcd + kube-apiserver test control plane.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--binary-dir",
        help="directory with etcd and kube-apiserver (default: $KUBEBUILDER_ASSETS, then "
        "bin/ of the checkout, then the per-user cache that `build` writes)",
    )
    common.add_argument(
        "--apiserver-flag",
        action="append",
        default=[],
        metavar="FLAG",
        help="extra kube-apiserver flag, e.g. --apiserver-flag=--v=4 (repeatable)",
    )
    common.add_argument(
        "--start-timeout", type=float, default=90.0, help="seconds to wait for readiness"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    cluster = sub.add_parser(
        "cluster", parents=[common], help="run a control plane in the foreground"
    )
    cluster.add_argument(
        "--kubeconfig", default="./kubeconfig", help="where to write the admin kubeconfig"
    )
    cluster.add_argument(
        "--all-apis",
        action="store_true",
        help="enable all API versions (incl. alpha/beta) and all alpha/beta feature gates",
    )
    cluster.add_argument(
        "--kubelet",
        action="store_true",
        help="also run the kubelet stand-in and register its node (kubeset-node)",
    )
    cluster.set_defaults(func=cmd_cluster)

    openapi = sub.add_parser(
        "openapi", parents=[common], help="save the server's OpenAPI v2/v3 documents"
    )
    openapi.add_argument("--out", default="openapi", help="output directory (default: openapi)")
    openapi.set_defaults(func=cmd_openapi)

    build = sub.add_parser(
        "build",
        help="build etcd, kube-apiserver and the kubelet stand-in from the shipped Go module "
        "(needs Go)",
        description="Build etcd, kube-apiserver and the kubelet stand-in with `go build` from "
        "the Go module shipped with kubeset (a copy of it, in a temporary directory).",
    )
    build.add_argument(
        "--out",
        help="output directory (default: the per-user cache, "
        "$XDG_CACHE_HOME/kubeset/envtest/<version> or ~/.cache/kubeset/envtest/<version>, "
        "where the control plane looks for the binaries)",
    )
    build.add_argument(
        "--gomod", help="the Go module to build (default: the one shipped with kubeset)"
    )
    build.set_defaults(func=cmd_build)

    args = parser.parse_args(argv)
    if args.func is not cmd_build:
        try:
            require_envtest_extra()
        except MissingExtraError as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return 2
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
