"""Pydantic v2 models through datamodel-code-generator, with the fixups of
:mod:`codegen.schema` applied first.

After generation, ``alias=`` becomes ``validation_alias`` + ``serialization_alias``, so
constructors take the snake_case names (``Pod(api_version=...)``) under plain mypy while the wire
keeps ``apiVersion``; ``wiretypes.py`` re-exports :mod:`kubeset.types`; and for a package built on
a base package (``k8s``), each base model module it uses is a small module re-exporting those
classes from the base package instead of a copy.
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

from codegen.base import BaseIndex
from codegen.naming import model_module
from codegen.schema import TYPES, TYPES_MODULE, Fixer, Hoister, Warn, special_type

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


def _types_module(header: str) -> str:
    names = ", ".join(TYPES)
    return (
        f'{header}"""The wire types the models use, from kubeset.types."""\n\n'
        f"from kubeset.types import {names}\n\n__all__ = {list(TYPES)!r}\n"
    )


def _reexport_module(header: str, package: str, module: str, classes: Iterable[str]) -> str:
    names = sorted(classes)
    return (
        f'{header}"""The {package}.models.{module} models this package uses."""\n\n'
        f"from {package}.models.{module} import {', '.join(names)}\n\n__all__ = {names!r}\n"
    )


def generate_models(plan: ModelPlan, out_dir: Path, header: str) -> dict[str, list[str]]:
    """Write the model modules of ``plan`` into ``out_dir``; return module → class names.

    ``header`` starts every file. ``out_dir`` must exist and be empty.
    """
    import datamodel_code_generator as dcg
    from datamodel_code_generator.enums import DataModelType, InputFileType
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
            )
        for path in sorted(raw_dir.glob("*.py")):
            module = path.stem
            if module in ("__init__", TYPES_MODULE) or module in plan.external:
                continue
            source = path.read_text()
            source = re.sub(r"\A(#[^\n]*\n)+\n?", "", source)
            source = _rewrite_aliases(source)
            classes[module] = re.findall(r"^class (\w+)\(", source, flags=re.MULTILINE)
            (out_dir / path.name).write_text(header + source)
        leftovers = sorted(p.name for p in raw_dir.iterdir() if p.suffix != ".py")
        if leftovers:
            raise RuntimeError(f"unexpected model output: {leftovers}")
    for module, names in sorted(plan.external.items()):
        assert plan.base_package is not None
        (out_dir / f"{module}.py").write_text(
            _reexport_module(header, plan.base_package, module, names)
        )
        classes[module] = sorted(names)
    (out_dir / f"{TYPES_MODULE}.py").write_text(_types_module(header))
    (out_dir / "__init__.py").write_text(
        header + '"""The API\'s models, one module per group-version."""\n'
    )
    return classes


Progress = Callable[[str], None]
