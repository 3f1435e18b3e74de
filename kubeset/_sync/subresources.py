# Generated from kubeset/_async/subresources.py by codegen/clientgen/unasync.py. DO NOT EDIT.
"""Subresources: runtime mixins for the shapes many resources share, and one-line declarations
for the rest.

- :class:`WithStatus` — ``get_status``, ``update_status``, ``patch_status``,
  ``apply_status`` (client-go's generic ``UpdateStatus``/``ApplyStatus``).
- :class:`WithScale` — ``get_scale``, ``update_scale``, ``patch_scale``, ``apply_scale``,
  typed by the scale model (``WithScale[Deployment, DeploymentList, Scale]``).
- :class:`WithLogs` — ``get_logs`` and ``stream_logs`` of pods.
- Any other subresource is declared in the generated client by one line per method, naming the
  subresource and its model::

      get_resize = GetSubresource["core_v1.Pod"]("resize")
      evict = CreateSubresource["policy_v1.Eviction"]("eviction")

  The model is a string resolved in the client's module on first use (so that defining a client
  imports no model), exactly like the generic arguments of the verb mixins.

One signature convention for every subresource method: ``get_X(name)`` and ``patch_X(name,
patch)``; a write whose body is the object itself takes the object (``update_status(obj)``,
``apply_status(obj)``: its ``metadata.name`` names it); a write whose body is another kind takes the
object's name first (``update_scale(name, scale)``, ``evict(name, eviction)``,
``create_token(name, token_request)``), as client-go's ``UpdateScale``/``CreateToken`` do.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar, Unpack, overload

from kubeset._sync.client import ResourceClient
from kubeset._sync.watch import LineStream
from kubeset.lazy import GenericArgument
from kubeset.model import KubeModel
from kubeset.request import get_request, log_params
from kubeset.resource import (
    ApplyOptions,
    LogOptions,
    Patch,
    PatchOptions,
    PatchType,
    WriteOptions,
    check_options,
)

__all__ = [
    "ApplySubresource",
    "CreateSubresource",
    "GetSubresource",
    "PatchSubresource",
    "UpdateSubresource",
    "WithLogs",
    "WithScale",
    "WithStatus",
]

T = TypeVar("T", bound="KubeModel | dict[str, Any]")
L = TypeVar("L", bound="KubeModel | dict[str, Any]")
S = TypeVar("S", bound="KubeModel | dict[str, Any]")
M = TypeVar("M")
M_co = TypeVar("M_co", covariant=True)


class WithStatus(ResourceClient[T, L]):
    """The ``status`` subresource: ``get_status``, ``update_status``, ``patch_status``,
    ``apply_status``. ``update`` ignores status changes and ``update_status`` spec changes."""

    def get_status(self, name: str) -> T:
        """Read the ``status`` subresource of ``name``."""
        return self._get_subresource("status", name, self._model)

    def update_status(self, obj: T | Mapping[str, Any], **options: Unpack[WriteOptions]) -> T:
        """Replace the status of the object named by ``obj.metadata.name`` with ``obj``'s."""
        return self._update_subresource("status", None, obj, self._model, options)

    def patch_status(
        self,
        name: str,
        patch: Patch,
        *,
        patch_type: PatchType | str = PatchType.MERGE,
        **options: Unpack[PatchOptions],
    ) -> T:
        """Patch the ``status`` subresource of ``name``."""
        return self._patch_subresource("status", name, patch, patch_type, self._model, options)

    def apply_status(
        self, obj: T | Mapping[str, Any], *, field_manager: str, **options: Unpack[ApplyOptions]
    ) -> T:
        """Server-side apply ``obj`` to the ``status`` subresource as ``field_manager``."""
        return self._apply_subresource("status", None, obj, self._model, field_manager, options)


class WithScale(ResourceClient[T, L], Generic[T, L, S]):
    """The ``scale`` subresource, whose body is a ``Scale`` (``S``): ``get_scale``,
    ``update_scale``, ``patch_scale``, ``apply_scale``."""

    if TYPE_CHECKING:
        _scale_model: type[S]
    else:
        _scale_model = GenericArgument(2, "WithScale")

    def get_scale(self, name: str) -> S:
        """Read the ``scale`` subresource of ``name``."""
        return self._get_subresource("scale", name, self._scale_model)

    def update_scale(
        self, name: str, obj: S | Mapping[str, Any], **options: Unpack[WriteOptions]
    ) -> S:
        """Replace the ``scale`` subresource of ``name`` with ``obj``."""
        return self._update_subresource("scale", name, obj, self._scale_model, options)

    def patch_scale(
        self,
        name: str,
        patch: Patch,
        *,
        patch_type: PatchType | str = PatchType.MERGE,
        **options: Unpack[PatchOptions],
    ) -> S:
        """Patch the ``scale`` subresource of ``name``."""
        return self._patch_subresource("scale", name, patch, patch_type, self._scale_model, options)

    def apply_scale(
        self,
        name: str,
        obj: S | Mapping[str, Any],
        *,
        field_manager: str,
        **options: Unpack[ApplyOptions],
    ) -> S:
        """Server-side apply ``obj`` to the ``scale`` subresource of ``name``."""
        return self._apply_subresource(
            "scale", name, obj, self._scale_model, field_manager, options
        )


class WithLogs(ResourceClient[T, L]):
    """``get_logs`` and ``stream_logs`` (the ``log`` subresource of pods)."""

    def get_logs(self, name: str, **options: Unpack[LogOptions]) -> str:
        """The log of a container of ``name`` (the only one, or ``container``), as text."""
        check_options(options, LogOptions, "get_logs")
        params = log_params(options)
        req = get_request(self._info, self.namespace, name, subresource="log", params=params)
        response = self._rest.request(req)
        return response.text

    def stream_logs(
        self, name: str, *, follow: bool = True, **options: Unpack[LogOptions]
    ) -> LineStream:
        """Follow a container's log line by line:
        ``with pods.stream_logs("p") as s: for line in s.lines(): ...``."""
        check_options(options, LogOptions, "stream_logs")
        params = log_params(options, follow=follow)
        req = get_request(self._info, self.namespace, name, subresource="log", params=params)
        return LineStream(self._rest, req)


# --- one-line declarations ----------------------------------------------------------------------


class _Declared(Generic[M]):
    """A subresource method declared in a class body: ``x = Declared["module.Model"]("sub")``."""

    def __init__(self, subresource: str) -> None:
        self.subresource = subresource
        self._owner: type | None = None
        self._model: Any = None

    def __set_name__(self, owner: type, name: str) -> None:
        self._owner = owner
        self.__doc__ = f"``{name}``: the ``{self.subresource}`` subresource."

    def model(self) -> Any:
        """The model class named in the subscript, resolved in the declaring class's module."""
        model = self._model
        if model is None:
            (arg,) = typing.get_args(self.__orig_class__)  # type: ignore[attr-defined]
            if isinstance(arg, typing.ForwardRef):
                owner = self._owner
                namespace = vars(sys.modules[owner.__module__]) if owner is not None else {}
                arg = eval(arg.__forward_arg__, dict(namespace))
            model = self._model = arg
        return model


class _GetFn(Protocol[M_co]):
    def __call__(self, name: str) -> M_co: ...


class _UpdateFn(Protocol[M]):
    def __call__(self, obj: M | Mapping[str, Any], **options: Unpack[WriteOptions]) -> M: ...


class _PatchFn(Protocol[M_co]):
    def __call__(
        self,
        name: str,
        patch: Patch,
        *,
        patch_type: PatchType | str = ...,
        **options: Unpack[PatchOptions],
    ) -> M_co: ...


class _ApplyFn(Protocol[M]):
    def __call__(
        self, obj: M | Mapping[str, Any], *, field_manager: str, **options: Unpack[ApplyOptions]
    ) -> M: ...


class _CreateFn(Protocol[M]):
    def __call__(
        self, name: str, body: M | Mapping[str, Any], **options: Unpack[WriteOptions]
    ) -> M: ...


class GetSubresource(_Declared[M]):
    """``get_x(name)``: read the subresource of ``name``."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceClient[Any, Any], owner: type) -> _GetFn[M]: ...
    def __get__(self, obj: ResourceClient[Any, Any] | None, owner: type) -> Any:
        if obj is None:
            return self

        def get(name: str) -> Any:
            return obj._get_subresource(self.subresource, name, self.model())

        return get


class UpdateSubresource(_Declared[M]):
    """``update_x(obj)``: replace the subresource of the object named by ``obj.metadata.name``."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceClient[Any, Any], owner: type) -> _UpdateFn[M]: ...
    def __get__(self, obj: ResourceClient[Any, Any] | None, owner: type) -> Any:
        if obj is None:
            return self

        def update(body: Any, **options: Any) -> Any:
            sub = self.subresource
            return obj._update_subresource(sub, None, body, self.model(), options)  # type: ignore[arg-type]

        return update


class PatchSubresource(_Declared[M]):
    """``patch_x(name, patch, patch_type=...)``: patch the subresource of ``name``."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceClient[Any, Any], owner: type) -> _PatchFn[M]: ...
    def __get__(self, obj: ResourceClient[Any, Any] | None, owner: type) -> Any:
        if obj is None:
            return self

        def patch(
            name: str,
            patch: Patch,
            *,
            patch_type: PatchType | str = PatchType.MERGE,
            **options: Any,
        ) -> Any:
            sub, model = self.subresource, self.model()
            return obj._patch_subresource(sub, name, patch, patch_type, model, options)  # type: ignore[arg-type]

        return patch


class ApplySubresource(_Declared[M]):
    """``apply_x(obj, field_manager=...)``: server-side apply to the subresource of the object
    named by ``obj.metadata.name``."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceClient[Any, Any], owner: type) -> _ApplyFn[M]: ...
    def __get__(self, obj: ResourceClient[Any, Any] | None, owner: type) -> Any:
        if obj is None:
            return self

        def apply(body: Any, *, field_manager: str, **options: Any) -> Any:
            sub, model = self.subresource, self.model()
            return obj._apply_subresource(sub, None, body, model, field_manager, options)  # type: ignore[arg-type]

        return apply


class CreateSubresource(_Declared[M]):
    """``x(name, body)``: POST ``body`` to the subresource of ``name`` (``evict``, ``bind``,
    ``create_token``)."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceClient[Any, Any], owner: type) -> _CreateFn[M]: ...
    def __get__(self, obj: ResourceClient[Any, Any] | None, owner: type) -> Any:
        if obj is None:
            return self

        def create(name: str, body: Any, **options: Any) -> Any:
            sub = self.subresource
            return obj._create_subresource(sub, name, body, self.model(), options)  # type: ignore[arg-type]

        return create
