"""Pydantic v2 models through datamodel-code-generator, with the fixups of
:mod:`clientgen.schema` applied first.

After generation, ``alias=`` becomes ``validation_alias`` + ``serialization_alias`` and a
field's default is passed as ``default=``: type checkers without a plugin (mypy and pyright, both
through pydantic's ``dataclass_transform``) take only ``alias=`` as renaming a constructor
parameter and only ``default=`` as making it optional, so constructors take the snake_case names
(``Pod(api_version=...)``), each optional, while the wire keeps ``apiVersion``.
``wiretypes.py`` re-exports :mod:`kubeset.types`; and for a package built on a base package
(``kubeset_k8s``), each base model module it uses is a small module re-exporting those classes
from the base package instead of a copy.
"""

from __future__ import annotations

import copy
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clientgen.base_package import BaseIndex
from clientgen.naming import model_module
from clientgen.schema import TYPES, TYPES_MODULE, Fixer, Hoister, Warn, special_type

__all__ = ["ModelPlan", "generate_models", "plan_models"]

_DEFS = "#/definitions/"


@dataclass
class ModelPlan:
    """What the model modules of a package will hold.

    ``names`` maps every spec definition to its ``module.Class``; ``definitions`` are the fixed
    schemas to generate (``module.Class`` → schema); ``external`` the classes re-exported from the
    base package, per module.
    """

    names: dict[str, str]
    definitions: dict[str, dict[str, Any]]
    external: dict[str, set[str]] = field(default_factory=dict)
    base_package: str | None = None

    def ref(self, definition: str) -> tuple[str, str]:
        """``(module, Class)`` of a spec definition."""
        module, _, name = self.names[definition].rpartition(".")
        return module, name


def _canonical_root(
    name: str, schema: dict[str, Any], definitions: Mapping[str, Any]
) -> dict[str, Any]:
    """A served kind's schema with the apiVersion/kind/metadata every kind has, stated the same
    way whether it came from a CRD file or from the cluster's OpenAPI (which adds its own
    descriptions and wraps metadata in allOf)."""
    props = schema.get("properties")
    if not isinstance(props, dict) or not schema.get("x-kubernetes-group-version-kind"):
        return schema
    meta = "io.k8s.apimachinery.pkg.apis.meta.v1."
    is_list = "items" in props and name.endswith("List")
    fixed = dict(props)
    fixed["apiVersion"] = {
        "type": "string",
        "description": "APIVersion of this object (``group/version``).",
    }
    fixed["kind"] = {"type": "string", "description": "The kind of this object."}
    if is_list:
        target = meta + "ListMeta"
        fixed["metadata"] = {"$ref": _DEFS + target, "description": "Standard list metadata."}
    else:
        target = meta + "ObjectMeta"
        fixed["metadata"] = {"$ref": _DEFS + target, "description": "Standard object metadata."}
    if target not in definitions:
        return schema
    if is_list:
        items = props["items"].get("items") if isinstance(props["items"], dict) else None
        item_kind = str((items or {}).get("$ref", "")).rsplit(".", 1)[-1] or "object"
        fixed["items"] = {
            "type": "array",
            "description": f"The {item_kind} objects.",
            "items": items,
        }
        list_kind = name.rsplit(".", 1)[-1]
        return {
            **schema,
            "description": f"{list_kind} is a list of {item_kind}.",
            "properties": fixed,
            "required": ["items"],
        }
    return {**schema, "properties": fixed}


def plan_models(
    definitions: Mapping[str, Any],
    *,
    base: BaseIndex | None = None,
    needed: Iterable[str] = (),
    warn: Warn = lambda where, message: None,
) -> ModelPlan:
    """Name, fix and hoist every definition.

    With ``base``, definitions the base package already has become re-exports, served kinds get
    canonical roots, inline objects that are exactly a base model refer to it, and only the base
    models actually used (by the other definitions, or in ``needed``) are re-exported.
    """
    names: dict[str, str] = {}
    external: dict[str, set[str]] = {}
    base_modules = base.modules() if base is not None else set()
    for name, schema in definitions.items():
        kind = special_type(name, schema) if isinstance(schema, dict) else None
        module, cls = model_module(name)
        if kind is not None:
            names[name] = f"{TYPES_MODULE}.{kind}"
        elif base is not None and base.has(module, cls):
            names[name] = f"{module}.{cls}"
            external.setdefault(module, set()).add(cls)
        else:
            if module in base_modules or module == TYPES_MODULE:
                module += "_ext"  # never shadow a base module re-export
            names[name] = f"{module}.{cls}"
    fixer = Fixer(rename=lambda n: names.get(n, n), warn=warn)
    local: dict[str, dict[str, Any]] = {}
    for name in sorted(definitions):
        target = names[name]
        module = target.split(".", 1)[0]
        if module == TYPES_MODULE or external.get(module, set()) >= {target.split(".", 1)[1]}:
            continue
        schema = copy.deepcopy(definitions[name])
        if base is not None:
            schema = _canonical_root(name, schema, definitions)
        local[target] = fixer.fix(schema, f"definitions.{name}")
    hoister = Hoister(match=base.match if base is not None else None)
    fixed = hoister.run(local)
    used_external = _external_refs(fixed, external) | {
        names[n] for n in needed if names.get(n, "").split(".", 1)[0] in external
    }
    plan_external: dict[str, set[str]] = {}
    for target in sorted(used_external):
        module, cls = target.split(".", 1)
        plan_external.setdefault(module, set()).add(cls)
    for target in _matched_refs(fixed, base_modules):
        module, cls = target.split(".", 1)
        plan_external.setdefault(module, set()).add(cls)
    return ModelPlan(
        names=names,
        definitions=fixed,
        external=plan_external,
        base_package=base.package if base is not None else None,
    )


def _all_refs(node: Any) -> Iterable[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith(_DEFS):
                yield ref[len(_DEFS) :]
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _external_refs(definitions: Mapping[str, Any], external: Mapping[str, set[str]]) -> set[str]:
    return {
        ref
        for ref in _all_refs(definitions)
        if ref.split(".", 1)[0] in external
        and ref.split(".", 1)[1] in external[ref.split(".", 1)[0]]
    }


def _matched_refs(definitions: Mapping[str, Any], base_modules: set[str]) -> set[str]:
    return {
        ref
        for ref in _all_refs(definitions)
        if ref not in definitions and ref.split(".", 1)[0] in base_modules
    }


def _rewrite_aliases(source: str) -> str:
    literal = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
    return re.sub(
        r"(?<![\w_])alias=" + literal,
        lambda m: f"validation_alias={m.group(1)}, serialization_alias={m.group(1)}",
        source,
    )


# A field's ``= Field(`` whose first argument is positional (the default), not ``name=...``.
_POSITIONAL_DEFAULT = re.compile(r"(?<=\S) = Field\((\s*)(?!\w+=|\))")


def _keyword_defaults(source: str) -> str:
    """``Field(None, ...)`` → ``Field(default=None, ...)``: ``dataclass_transform`` (what mypy
    and pyright use for pydantic models without a plugin) sees a default only when it is passed
    by keyword, so a positional one leaves the parameter required."""
    return _POSITIONAL_DEFAULT.sub(lambda m: f" = Field({m.group(1)}default=", source)


_IMPORT = re.compile(r"^from (\.+)([\w.]*) import (.+)$", re.MULTILINE)


def _lazy_imports(source: str) -> str:
    """Move a class module's imports of other class modules under ``TYPE_CHECKING`` and record
    them in ``__kubeset_refs__`` for :func:`kubeset.lazy.wire` (the wire types stay eager)."""
    refs: dict[str, str] = {}
    lazy_lines: list[str] = []

    def take(match: re.Match[str]) -> str:
        dots, package, names = match.group(1), match.group(2), match.group(3)
        if package == TYPES_MODULE or package.startswith(TYPES_MODULE + "."):
            return match.group(0)
        base = dots + (package + "." if package else "")
        for item in names.split(","):
            parts = item.split(" as ")
            module, local = parts[0].strip(), parts[-1].strip()
            refs[local] = base + module
        lazy_lines.append(match.group(0))
        return ""

    body = _IMPORT.sub(take, source)
    if not refs:
        return source
    block = "\n".join(
        ["from typing import TYPE_CHECKING", "", "if TYPE_CHECKING:"]
        + ["    " + line for line in lazy_lines]
    )
    refs_line = "__kubeset_refs__ = " + repr(dict(sorted(refs.items())))
    head, sep, rest = body.partition("\n\n\nclass ")
    return f"{head.rstrip()}\n{block}\n\n{refs_line}{sep}{rest}"


def _package_init(header: str, doc: str, classes: Mapping[str, str]) -> str:
    """A group package's ``__init__``: type checkers see every class, runtime imports each on
    first use."""
    lines = [header + f'"""{doc}"""', "", "from typing import TYPE_CHECKING", ""]
    lines.append("if TYPE_CHECKING:")
    lines += [f"    from .{stem} import {name} as {name}" for name, stem in sorted(classes.items())]
    lines += [
        "else:",
        "    from kubeset.lazy import lazy_package",
        "",
        f"    __getattr__, __dir__ = lazy_package(__name__, {dict(sorted(classes.items()))!r})",
        "",
        f"__all__ = {sorted(classes)!r}",
    ]
    return "\n".join(lines) + "\n"


def generate_models(plan: ModelPlan, out_dir: Path, header: str) -> dict[str, list[str]]:
    """Write the model packages of ``plan`` into ``out_dir`` (one package per group-version,
    one module per class); return group module → class names.

    ``header`` starts every file. ``out_dir`` must exist and be empty.
    """
    import datamodel_code_generator as dcg
    from datamodel_code_generator.enums import DataModelType, InputFileType, ModuleSplitMode
    from datamodel_code_generator.format import PythonVersion

    placeholder = {"type": "object", "properties": {"placeholder": {"type": "string"}}}
    document_defs = dict(plan.definitions)
    for kind in TYPES:
        document_defs[f"{TYPES_MODULE}.{kind}"] = placeholder
    for module, names in plan.external.items():
        for name in names:
            document_defs[f"{module}.{name}"] = placeholder
    document = {"$schema": "http://json-schema.org/draft-04/schema#", "definitions": document_defs}

    classes: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="kubeset-models-") as tmp:
        raw_dir = Path(tmp) / "models"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dcg.generate(
                document,
                input_file_type=InputFileType.JsonSchema,
                output=raw_dir,
                output_model_type=DataModelType.PydanticV2BaseModel,
                target_python_version=PythonVersion.PY_311,
                base_class="kubeset.model.KubeModel",
                snake_case_field=True,
                force_optional_for_required_fields=True,
                use_schema_description=True,
                use_field_description=True,
                use_double_quotes=True,
                disable_timestamp=True,
                keep_model_order=True,
                formatters=[],
                module_split_mode=ModuleSplitMode.Single,
            )
        # model.py holds the document root (no schema of its own): not a model.
        ignored = ("__init__.py", "model.py")
        strays = sorted(p.name for p in raw_dir.iterdir() if p.is_file() and p.name not in ignored)
        if strays:
            raise RuntimeError(f"unexpected model output: {strays}")
        for group_dir in sorted(p for p in raw_dir.iterdir() if p.is_dir()):
            module = group_dir.name
            target = out_dir / module
            target.mkdir()
            stems: dict[str, str] = {}
            for path in sorted(group_dir.glob("*.py")):
                if path.name == "__init__.py":
                    continue
                source = re.sub(r"\A(#[^\n]*\n)+\n?", "", path.read_text())
                found = re.findall(r"^class (\w+)\(", source, flags=re.MULTILINE)
                if len(found) != 1:
                    raise RuntimeError(f"{module}/{path.name}: expected one class, found {found}")
                name = found[0]
                stems[name] = path.stem
                if module == TYPES_MODULE:
                    text = f"from kubeset.types import {name}\n\n__all__ = [{name!r}]\n"
                elif module in plan.external:
                    assert plan.base_package is not None
                    text = (
                        f"from {plan.base_package}.models.{module} import {name}\n\n"
                        f"__all__ = [{name!r}]\n"
                    )
                else:
                    text = _lazy_imports(_keyword_defaults(_rewrite_aliases(source)))
                (target / path.name).write_text(header + text)
            if module == TYPES_MODULE:
                doc = "The wire types the models use, from kubeset.types."
            elif module in plan.external:
                doc = f"The {plan.base_package}.models.{module} models this package uses."
            else:
                doc = f"The {module} models, one module per class, each imported on first use."
            (target / "__init__.py").write_text(_package_init(header, doc, stems))
            if module != TYPES_MODULE:
                classes[module] = sorted(stems)
    (out_dir / "__init__.py").write_text(
        header + '"""The API\'s models, one package per group-version."""\n'
    )
    return classes


Progress = Callable[[str], None]
