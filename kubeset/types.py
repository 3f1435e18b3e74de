"""Python types for the Kubernetes API's special wire types.

The generator maps the spec's special definitions onto these instead of emitting model classes, so
that every value round-trips exactly as the server sent it:

- ``Quantity`` arrives as a string (``"500m"``) or, legally, as a JSON number (``cpu: 1``); both are
  kept as they came.
- ``IntOrString`` keeps ``80`` an int and ``"http"`` a string.
- ``Time`` is an aware ``datetime``, written back as RFC 3339 with ``Z`` (second precision);
  ``MicroTime`` always writes six fractional digits, as the server does.
- ``Object`` (``FieldsV1``, ``RawExtension``, schemaless objects) and ``JSON`` (schemaless values)
  hold arbitrary JSON and never drop content.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeAlias

from pydantic import AwareDatetime, PlainSerializer

__all__ = ["JSON", "IntOrString", "MicroTime", "Object", "Quantity", "Time"]


def _format_micro_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Quantity: TypeAlias = str | int | float
"""A resource quantity (``"1Gi"``, ``"500m"``, ``2``), kept exactly as given."""

IntOrString: TypeAlias = int | str
"""An int or a string (``80`` or ``"http"``), kept as the type it arrived as."""

Time: TypeAlias = AwareDatetime
"""A timestamp with a time zone; serialized as RFC 3339 (``2024-05-01T12:00:00Z``)."""

MicroTime: TypeAlias = Annotated[
    AwareDatetime, PlainSerializer(_format_micro_time, return_type=str, when_used="json")
]
"""A timestamp with microseconds; serialized as ``2024-05-01T12:00:00.000000Z``."""

Object: TypeAlias = dict[str, Any]
"""An object without a schema (``FieldsV1``, ``RawExtension``, preserved unknown fields), kept
verbatim."""

JSON: TypeAlias = Any
"""Any JSON value, kept verbatim."""
