"""Typed errors built from the server's ``Status`` responses.

The server answers a failed request with a ``Status`` object (``reason``, ``code``, ``message``,
``details``); :func:`error_from_response` turns it into the matching subclass of :class:`ApiError`,
keyed first by ``reason`` and then by HTTP code, the way apimachinery's ``errors.ReasonForError``
and ``IsNotFound`` … helpers do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "Conflict",
    "ConnectionFailed",
    "DecodeError",
    "FieldManagerConflict",
    "Forbidden",
    "Gone",
    "InternalError",
    "Invalid",
    "InvalidRequest",
    "KubesetError",
    "ManifestError",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PortForwardError",
    "RequestInfo",
    "RequestTimeout",
    "ServerTimeout",
    "ServiceUnavailable",
    "Timeout",
    "TooManyRequests",
    "TransportError",
    "Unauthorized",
    "UnsupportedMediaType",
    "error_from_response",
    "error_from_status",
]


class KubesetError(Exception):
    """Base of every error kubeset raises on purpose."""


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """The request an error belongs to: method, URL path (with query) and the response code
    (``None`` when no response, or the error is not the response's: a watch ``ERROR`` event)."""

    method: str
    path: str
    status_code: int | None = None
    context: str | None = None
    """Where in the exchange the error arose, when not in the response as a whole (``"watch
    ERROR event"``)."""

    def __str__(self) -> str:
        code = f" -> {self.status_code}" if self.status_code is not None else ""
        context = f": {self.context}" if self.context else ""
        return f"{self.method} {self.path}{code}{context}"


class ApiError(KubesetError):
    """The server refused a request; carries its ``Status``.

    Attributes: ``code`` (HTTP status), ``reason`` (``NotFound``, ``Conflict`` …), ``message``,
    ``details`` (the ``Status.details`` dict: name, group, kind, causes, retryAfterSeconds),
    ``status`` (the whole ``Status`` dict, or ``None`` if the body was not one) and ``request``.
    """

    default_reason = ""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
        status: dict[str, Any] | None = None,
        request: RequestInfo | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.reason = reason if reason is not None else self.default_reason
        self.details: dict[str, Any] = details or {}
        self.status = status
        self.request = request
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = []
        if self.request is not None:
            parts.append(f"{self.request}:")
        if self.reason:
            parts.append(f"{self.reason}:")
        parts.append(self.message)
        return " ".join(parts)

    @property
    def retry_after_seconds(self) -> int | None:
        """``details.retryAfterSeconds`` when the server suggested a delay."""
        value = self.details.get("retryAfterSeconds")
        return int(value) if isinstance(value, int) else None


class BadRequest(ApiError):
    """400: the request is malformed (for example an unsupported patch body)."""

    default_reason = "BadRequest"


class Unauthorized(ApiError):
    """401: the credentials are missing or were not accepted."""

    default_reason = "Unauthorized"


class Forbidden(ApiError):
    """403: authenticated, but not allowed (RBAC); the message names the user and verb."""

    default_reason = "Forbidden"


class NotFound(ApiError):
    """404: the object (or the resource type) does not exist."""

    default_reason = "NotFound"


class MethodNotAllowed(ApiError):
    """405: the resource does not support this verb."""

    default_reason = "MethodNotAllowed"


class NotAcceptable(ApiError):
    """406: the server cannot produce the requested content type."""

    default_reason = "NotAcceptable"


class AlreadyExists(ApiError):
    """409 AlreadyExists: an object with this name already exists."""

    default_reason = "AlreadyExists"


class Conflict(ApiError):
    """409 Conflict: a stale resourceVersion (an update lost a race), or a server-side apply
    field-manager conflict (:class:`FieldManagerConflict`, a subclass)."""

    default_reason = "Conflict"


class FieldManagerConflict(Conflict):
    """409 Conflict of a server-side apply: fields the request sets are owned by another field
    manager (a ``details.causes`` entry of type ``FieldManagerConflict``, sent as ``"reason"``;
    each cause's ``field`` names a field and its ``message`` the manager). Apply with
    ``force=True`` to take them over."""

    @property
    def conflicts(self) -> list[dict[str, Any]]:
        """The conflicting fields (``details.causes``: ``reason``, ``field``, ``message``)."""
        causes = self.details.get("causes")
        return [c for c in causes if isinstance(c, dict)] if isinstance(causes, list) else []


class Gone(ApiError):
    """410: the requested resourceVersion is too old (compacted); re-list and watch again."""

    default_reason = "Gone"


class UnsupportedMediaType(ApiError):
    """415: the patch or body content type is not supported for this resource."""

    default_reason = "UnsupportedMediaType"


class Invalid(ApiError):
    """422: the object failed validation; ``details["causes"]`` lists the fields."""

    default_reason = "Invalid"

    @property
    def causes(self) -> list[dict[str, Any]]:
        """The per-field causes (``field``, ``reason``, ``message``)."""
        causes = self.details.get("causes")
        return list(causes) if isinstance(causes, list) else []


class TooManyRequests(ApiError):
    """429: throttled by API priority and fairness; retry after ``retry_after_seconds``."""

    default_reason = "TooManyRequests"


class InternalError(ApiError):
    """500: the server failed while handling the request."""

    default_reason = "InternalError"


class ServiceUnavailable(ApiError):
    """503: the server (or an aggregated API behind it) is unavailable."""

    default_reason = "ServiceUnavailable"


class ServerTimeout(ApiError):
    """500/504 ServerTimeout or 504 Timeout: the server could not finish in time."""

    default_reason = "ServerTimeout"


class Timeout(ServerTimeout):
    """504 Timeout: the request's own timeout expired on the server."""

    default_reason = "Timeout"


class DecodeError(KubesetError):
    """A response was not JSON, was truncated (the connection ended before the whole body
    arrived), or did not fit the expected model."""

    def __init__(self, message: str, *, request: RequestInfo | None = None) -> None:
        self.message = message
        self.request = request
        prefix = f"{request}: " if request is not None else ""
        super().__init__(f"{prefix}{message}")


class ManifestError(KubesetError, ValueError):
    """YAML that Kubernetes would not read (a manifest, a CRD, a kubeconfig): a syntax error,
    or a value JSON cannot hold. ``source`` names where the text came from, ``line`` and
    ``column`` (1-based, or ``None``) where the problem is, ``problem`` says what it is."""

    def __init__(
        self,
        problem: str,
        *,
        source: str = "<string>",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.column = column
        where = source
        if line is not None:
            where += f" line {line}"
            if column is not None:
                where += f" column {column}"
        super().__init__(f"{where}: {problem}")


class TransportError(KubesetError):
    """No (complete) answer came from the server: the request could not be sent or its response
    could not be read. Subclasses: :class:`ConnectionFailed`, :class:`RequestTimeout`,
    :class:`InvalidRequest`.

    ``request`` is the :class:`RequestInfo` (method and path, no status code), ``url`` the full
    URL; the httpx exception, when there was one, is the ``__cause__``. Reads (GET) are retried
    on these errors (within ``Config.call_timeout``) before they are raised.
    """

    request: RequestInfo | None

    def __init__(self, message: str, *, request: RequestInfo | None = None, url: str = "") -> None:
        text = message
        if request is not None:
            where = f"{request.method} {url}" if url else str(request)
            text = f"{where}: {message}"
        super().__init__(text)
        # After the base initializer: the httpx exception a compatible subclass also derives
        # from (transport_error_class) resets its own ``request`` there.
        self.message = message
        self.request = request
        self.url = url


class ConnectionFailed(TransportError):
    """The connection could not be made or broke: refused, DNS, TLS handshake or certificate,
    proxy, reset, or the server (or a proxy) closed it or answered with something not HTTP
    before a response; for a stream (watch, followed log), the connection ended mid-stream."""


class RequestTimeout(TransportError):
    """A timeout: connecting, sending, waiting for the response or for a free connection
    (``Config.timeout``, per attempt), the whole call with its retries
    (``Config.call_timeout``), or a stream that stayed silent (``Config.watch_idle_timeout``, or
    the watch outlived its ``timeout_seconds``)."""


class InvalidRequest(TransportError):
    """The request could not be sent as built: an invalid URL or an invalid header (the message
    never shows header values, which may be credentials)."""


class PortForwardError(KubesetError):
    """The pod's side of a forwarded port reported an error (nothing listens on the port, the
    pod is gone …): ``message`` is its text, ``port`` the pod's port."""

    def __init__(self, message: str, *, port: int, request: RequestInfo | None = None) -> None:
        self.message = message
        self.port = port
        self.request = request
        where = f"{request}: " if request is not None else ""
        super().__init__(f"{where}port {port}: {message}")


_BY_REASON: dict[str, type[ApiError]] = {
    "BadRequest": BadRequest,
    "Unauthorized": Unauthorized,
    "Forbidden": Forbidden,
    "NotFound": NotFound,
    "MethodNotAllowed": MethodNotAllowed,
    "NotAcceptable": NotAcceptable,
    "AlreadyExists": AlreadyExists,
    "Conflict": Conflict,
    "Gone": Gone,
    "Expired": Gone,
    "UnsupportedMediaType": UnsupportedMediaType,
    "Invalid": Invalid,
    "TooManyRequests": TooManyRequests,
    "InternalError": InternalError,
    "ServiceUnavailable": ServiceUnavailable,
    "ServerTimeout": ServerTimeout,
    "Timeout": Timeout,
}

_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    406: NotAcceptable,
    409: Conflict,
    410: Gone,
    415: UnsupportedMediaType,
    422: Invalid,
    429: TooManyRequests,
    500: InternalError,
    503: ServiceUnavailable,
    504: Timeout,
}


def _is_field_manager_conflict(details: Any) -> bool:
    causes = details.get("causes") if isinstance(details, dict) else None
    return isinstance(causes, list) and any(
        # A StatusCause's type is sent as "reason" (Go: ``Type CauseType `json:"reason"```).
        isinstance(c, dict) and "FieldManagerConflict" in (c.get("reason"), c.get("type"))
        for c in causes
    )


def error_from_status(
    status: dict[str, Any], *, code: int | None = None, request: RequestInfo | None = None
) -> ApiError:
    """The typed error for a ``Status`` dict (from a response body or a watch ERROR event)."""
    raw_code = status.get("code")
    status_code = raw_code if isinstance(raw_code, int) and raw_code else code
    reason = str(status.get("reason") or "")
    cls = _BY_REASON.get(reason) or _BY_CODE.get(status_code or 0) or ApiError
    if cls is Conflict and _is_field_manager_conflict(status.get("details")):
        cls = FieldManagerConflict
    message = str(status.get("message") or reason or f"HTTP {status_code}")
    details = status.get("details")
    return cls(
        message,
        code=status_code,
        reason=reason or None,
        details=details if isinstance(details, dict) else None,
        status=status,
        request=request,
    )


def error_from_response(code: int, body: bytes, request: RequestInfo) -> ApiError:
    """The typed error for a failed response: from its ``Status`` body, else from the code."""
    try:
        parsed = json.loads(body) if body else None
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        return error_from_status(parsed, code=code, request=request)
    text = body.decode("utf-8", "replace").strip()
    if len(text) > 500:
        text = text[:500] + "…"
    cls = _BY_CODE.get(code, ApiError)
    return cls(text or f"HTTP {code}", code=code, request=request)


_COMPAT: dict[tuple[type[TransportError], type[BaseException]], type[TransportError]] = {}


def transport_error_class(
    cls: type[TransportError], original: type[BaseException] | None
) -> type[TransportError]:
    """``cls``, made also a subclass of the httpx exception class ``original`` (once per pair),
    so that handlers written for httpx (``except httpx.ConnectError``) still catch what kubeset
    now raises in its place."""
    if original is None or not issubclass(original, Exception) or issubclass(cls, original):
        return cls
    typed = _COMPAT.get((cls, original))
    if typed is None:
        typed = type(
            cls.__name__,
            (cls, original),
            {"__module__": cls.__module__, "__qualname__": cls.__qualname__},
        )
        _COMPAT[cls, original] = typed
    return typed
