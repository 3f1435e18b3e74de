"""Pruning unknown fields, as kube-apiserver does for built-in types: a field the type does not
declare is dropped when an object is stored (the real server also warns, or refuses with
``fieldValidation=Strict``; the fake only drops)."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

__all__ = ["prune"]


@functools.cache
def _fields(model: type[BaseModel]) -> Mapping[str, Any]:
    """Wire name → annotation of ``model``'s fields (the model is built first)."""
    model.model_rebuild()
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        wire = alias if isinstance(alias, str) else (info.alias or name)
        out[wire] = info.annotation
    return out


def _value(annotation: Any, value: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return _value(arg, value)
        return value
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return prune(annotation, value) if isinstance(value, dict) else value
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(annotation) or (Any,)
        return [_value(item, v) for v in value]
    if origin is dict and isinstance(value, dict):
        args = typing.get_args(annotation)
        item = args[1] if len(args) == 2 else Any
        return {k: _value(item, v) for k, v in value.items()}
    return value


def prune(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the fields ``model`` (and the models it holds) do not declare."""
    fields = _fields(model)
    return {k: _value(fields[k], v) for k, v in data.items() if k in fields}
