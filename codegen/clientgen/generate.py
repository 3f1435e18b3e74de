"""Generate one package: IR → models → clients → format, written aside and swapped in whole."""

from __future__ import annotations

import ast
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clientgen.base_package import BaseIndex
from clientgen.ir import Clientset, build_ir, model_definitions, rename_models
from clientgen.models import generate_models, plan_models
from clientgen.patchmeta import PATCH_META_FILE, external_definitions, patch_meta, render_patch_meta
from clientgen.render import Renderer, header, informed
from clientgen.spec import LoadedSpec, SpecError

__all__ = ["EXPANSIONS", "Summary", "expansion_classes", "generate_package", "render_package"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Summary:
    """What a generation produced."""

    package: str
    path: Path
    files: int
    resources: int
    group_versions: int
    models: int
    seconds: float
    warnings: tuple[str, ...] = ()

    def line(self) -> str:
        """The one-line summary printed at the end."""
        return (
            f"generated {self.package}: {self.files} files, {self.group_versions} "
            f"group-versions, {self.resources} resources, {self.models} models "
            f"in {self.seconds:.1f}s -> {self.path}"
            + (f" ({len(self.warnings)} warnings)" if self.warnings else "")
        )


def _quiet(_: str) -> None:
    return None


def _ruff(args: list[str], target: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "ruff",
        *args,
        "--isolated",
        "--line-length",
        "100",
        "--target-version",
        "py311",
        str(target),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ruff {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def _check_models(ir: Clientset, classes: dict[str, list[str]]) -> None:
    for gv in ir.group_versions:
        for resource in gv.resources:
            refs = [resource.model, resource.list_model]
            refs += [r for s in resource.subresources for r in (s.model, s.body_model)]
            for ref in refs:
                if ref is not None and ref.name not in classes.get(ref.module, []):
                    raise SpecError(
                        ir.source,
                        f"$.paths (/{resource.plural})",
                        f"model {ref.module}.{ref.name} was not generated",
                    )


EXPANSIONS = "expansions"
"""The one hand-written directory of a generated package: ``<package>/expansions/<module>.py``
defines ``<Plural>Expansion`` / ``Async<Plural>Expansion`` classes, which the resource clients of
``typed/<module>.py`` take as a base (client-go's ``*_expansion.go``). Regeneration keeps it."""


def expansion_classes(directory: Path | None) -> dict[str, frozenset[str]]:
    """The top-level classes of each ``expansions/<module>.py`` (``{}`` without the directory)."""
    found: dict[str, frozenset[str]] = {}
    if directory is None or not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        found[path.stem] = frozenset(n.name for n in tree.body if isinstance(n, ast.ClassDef))
    return found


def render_package(
    spec: LoadedSpec,
    package: str,
    root: Path,
    progress: Progress = _quiet,
    *,
    base: BaseIndex | None = None,
    origins: dict[str, str] | None = None,
    expansions: Path | None = None,
) -> Summary:
    """Write package ``package`` for ``spec`` into ``root/package`` (which must not exist).

    With ``base``, models the base package has are re-exported from it rather than generated.
    ``origins`` names where each definition came from (a CRD file), for warnings. ``expansions``:
    the hand-written ``expansions/`` directory of the existing package, copied in unchanged and
    wired into the clients (see :data:`EXPANSIONS`).
    """
    started = time.monotonic()
    found: list[str] = []

    def warn(where: str, message: str) -> None:
        definition = where.removeprefix("definitions.")
        origin = next(
            (
                o
                for d, o in (origins or {}).items()
                if definition.startswith(d + ".") or definition == d
            ),
            spec.source,
        )
        found.append(f"{origin}: {where}: {message}")

    ir = build_ir(spec, package)
    plan = plan_models(spec.definitions, base=base, needed=model_definitions(ir), warn=warn)
    ir = rename_models(ir, plan.ref)
    progress(f"spec: {len(ir.group_versions)} group-versions, {ir.resource_count} resources")
    head = header(spec.source, spec.sha256)
    pkg = root / package
    (pkg / "models").mkdir(parents=True)
    (pkg / "typed").mkdir()
    classes = generate_models(plan, pkg / "models", head)
    _check_models(ir, classes)
    progress(f"models: {len(classes)} modules, {sum(map(len, classes.values()))} classes")
    renderer = Renderer()
    extra = expansion_classes(expansions)
    for gv in ir.group_versions:
        typed = renderer.typed_module(gv, head, extra.get(gv.module, frozenset()))
        (pkg / "typed" / f"{gv.module}.py").write_text(typed)
    (pkg / "typed" / "__init__.py").write_text(renderer.typed_init(ir, head))
    (pkg / "informers").mkdir()
    for gv in ir.group_versions:
        if informed(gv):
            text = renderer.informers_module(gv, head)
            (pkg / "informers" / f"{gv.module}.py").write_text(text)
    (pkg / "informers" / "__init__.py").write_text(renderer.informers_init(ir, head))
    (pkg / "clientset.py").write_text(renderer.clientset_module(ir, head))
    example = "core_v1" if "core_v1" in classes else sorted(classes)[0]
    (pkg / "__init__.py").write_text(renderer.package_init(ir, head, example))
    (pkg / "py.typed").write_text("")
    external = external_definitions(plan.names, plan.external)
    meta = patch_meta(ir, skip=external.__contains__)
    base_name = base.package if base is not None else None
    (pkg / PATCH_META_FILE).write_text(render_patch_meta(meta, base_name), encoding="utf-8")
    progress(f"clients: {len(ir.group_versions)} modules")
    _ruff(["check", "--fix", "--select", "I", "--quiet"], pkg)
    _ruff(["format", "--quiet"], pkg)
    if expansions is not None and expansions.is_dir():
        shutil.copytree(expansions, pkg / EXPANSIONS, ignore=shutil.ignore_patterns("__pycache__"))
    progress("formatted")
    files = sum(1 for p in pkg.rglob("*") if p.is_file())
    return Summary(
        package=package,
        path=pkg,
        files=files,
        resources=ir.resource_count,
        group_versions=len(ir.group_versions),
        models=sum(len(v) for k, v in classes.items() if k not in plan.external),
        seconds=time.monotonic() - started,
        warnings=tuple(found),
    )


def generate_package(
    spec: LoadedSpec,
    package: str,
    out_dir: Path,
    progress: Progress = _quiet,
    *,
    base: BaseIndex | None = None,
    origins: dict[str, str] | None = None,
) -> Summary:
    """Generate ``out_dir/package``; the old one is replaced only once the new one is complete."""
    if not package.isidentifier():
        raise ValueError(f"--package {package!r} is not a valid Python package name")
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{package}.tmp-", dir=out_dir))
    try:
        summary = render_package(
            spec,
            package,
            tmp,
            progress,
            base=base,
            origins=origins,
            expansions=out_dir / package / EXPANSIONS,
        )
        final = out_dir / package
        backup = out_dir / f".{package}.old-{os.getpid()}"
        if final.exists():
            final.rename(backup)
        (tmp / package).rename(final)
        if backup.exists():
            shutil.rmtree(backup)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dataclasses.replace(summary, path=out_dir / package)
