"""``Status`` bodies shaped exactly like the kube-apiserver's, raised as :class:`StatusError`."""

from __future__ import annotations

from typing import Any

from kubeset.errors import ApiError

__all__ = [
    "StatusError",
    "already_exists",
    "bad_request",
    "conflict",
    "expired",
    "field_cause",
    "from_api_error",
    "invalid",
    "method_not_allowed",
    "not_found",
    "not_found_resource",
    "status_body",
    "success",
    "too_large_resource_version",
    "unsupported_media_type",
]


def status_body(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A failure ``Status`` (keys in the real server's order)."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


class StatusError(Exception):
    """A request refused with a ``Status`` body (``status``) and HTTP ``code``."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = status
        self.code = int(status.get("code") or 500)
        super().__init__(str(status.get("message", "")))


def _details(name: str, group: str, kind: str) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    return details


def _qualified(plural: str, group: str) -> str:
    return f"{plural}.{group}" if group else plural


def not_found(plural: str, group: str, name: str) -> StatusError:
    """``pods "x" not found``."""
    return StatusError(
        status_body(
            404,
            "NotFound",
            f'{_qualified(plural, group)} "{name}" not found',
            _details(name, group, plural),
        )
    )


def not_found_resource() -> StatusError:
    """An unknown resource or subresource."""
    return StatusError(
        status_body(404, "NotFound", "the server could not find the requested resource", {})
    )


def already_exists(plural: str, group: str, name: str) -> StatusError:
    """``pods "x" already exists``."""
    return StatusError(
        status_body(
            409,
            "AlreadyExists",
            f'{_qualified(plural, group)} "{name}" already exists',
            _details(name, group, plural),
        )
    )


def conflict(plural: str, group: str, name: str, why: str | None = None) -> StatusError:
    """A stale resourceVersion (or a failed precondition: ``why``)."""
    why = why or (
        "the object has been modified; please apply your changes to the latest version and "
        "try again"
    )
    return StatusError(
        status_body(
            409,
            "Conflict",
            f'Operation cannot be fulfilled on {_qualified(plural, group)} "{name}": {why}',
            _details(name, group, plural),
        )
    )


def field_cause(reason: str, message: str, field: str) -> dict[str, str]:
    """One ``details.causes`` entry (``FieldValueInvalid`` …)."""
    return {"reason": reason, "message": message, "field": field}


def invalid(kind: str, group: str, name: str, causes: list[dict[str, str]]) -> StatusError:
    """422: ``Pod "x" is invalid: metadata.name: Invalid value: …``."""
    qualified = f"{kind}.{group}" if group else kind
    parts = [f"{c['field']}: {c['message']}" for c in causes]
    summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    return StatusError(
        status_body(
            422,
            "Invalid",
            f'{qualified} "{name}" is invalid: {summary}',
            {**_details(name, group, kind), "causes": causes},
        )
    )


def bad_request(message: str) -> StatusError:
    """400 BadRequest (no details, as the real server)."""
    return StatusError(status_body(400, "BadRequest", message))


def method_not_allowed() -> StatusError:
    """405: a verb the resource does not serve."""
    return StatusError(
        status_body(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            {},
        )
    )


def unsupported_media_type(message: str = "415: Unsupported Media Type") -> StatusError:
    """415: an unknown body or patch content type."""
    return StatusError(status_body(415, "UnsupportedMediaType", message, {}))


def expired(message: str) -> StatusError:
    """410 Expired: a resourceVersion or continue token older than the retained history."""
    return StatusError(status_body(410, "Expired", message))


def too_large_resource_version(requested: int, current: int) -> StatusError:
    """504: a resourceVersion newer than the server's."""
    return StatusError(
        status_body(
            504,
            "Timeout",
            f"Timeout: Too large resource version: {requested}, current: {current}",
            {
                "causes": [
                    {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                ],
                "retryAfterSeconds": 1,
            },
        )
    )


def success(details: dict[str, Any]) -> dict[str, Any]:
    """The ``Status`` of a successful delete."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


_REASON_CODES = {
    "BadRequest": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "MethodNotAllowed": 405,
    "NotAcceptable": 406,
    "AlreadyExists": 409,
    "Conflict": 409,
    "Gone": 410,
    "Expired": 410,
    "UnsupportedMediaType": 415,
    "Invalid": 422,
    "TooManyRequests": 429,
    "InternalError": 500,
    "ServiceUnavailable": 503,
    "ServerTimeout": 504,
    "Timeout": 504,
}


def from_api_error(exc: ApiError) -> StatusError:
    """The ``Status`` response for a kubeset error instance a reactor returned or raised."""
    if exc.status is not None:
        return StatusError(dict(exc.status))
    reason = exc.reason or "InternalError"
    code = exc.code or _REASON_CODES.get(reason, 500)
    return StatusError(status_body(code, reason, exc.message, dict(exc.details) or None))
