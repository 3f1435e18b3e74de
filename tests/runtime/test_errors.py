"""Typed errors from ``Status`` bodies and bare HTTP codes (``kubeset.errors``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import kubeset
from kubeset.errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Conflict,
    DecodeError,
    Forbidden,
    Gone,
    InternalError,
    Invalid,
    KubesetError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    RequestInfo,
    ServerTimeout,
    ServiceUnavailable,
    Timeout,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    error_from_response,
    error_from_status,
)

REQ = RequestInfo("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", 409)


def status(code: int, reason: str, message: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message or f"{reason} happened",
        "reason": reason,
        "code": code,
    }
    body.update(extra)
    return body


def from_body(code: int, body: dict[str, Any], method: str = "GET") -> ApiError:
    info = RequestInfo(method, "/api/v1/namespaces/default/pods/web", code)
    return error_from_response(code, json.dumps(body).encode(), info)


@pytest.mark.parametrize(
    ("code", "reason", "cls"),
    [
        (400, "BadRequest", BadRequest),
        (401, "Unauthorized", Unauthorized),
        (403, "Forbidden", Forbidden),
        (404, "NotFound", NotFound),
        (405, "MethodNotAllowed", MethodNotAllowed),
        (406, "NotAcceptable", NotAcceptable),
        (409, "AlreadyExists", AlreadyExists),
        (409, "Conflict", Conflict),
        (410, "Gone", Gone),
        (410, "Expired", Gone),
        (415, "UnsupportedMediaType", UnsupportedMediaType),
        (422, "Invalid", Invalid),
        (429, "TooManyRequests", TooManyRequests),
        (500, "InternalError", InternalError),
        (503, "ServiceUnavailable", ServiceUnavailable),
        (500, "ServerTimeout", ServerTimeout),
        (504, "Timeout", Timeout),
    ],
)
def test_reason_to_class(code: int, reason: str, cls: type[ApiError]) -> None:
    err = from_body(code, status(code, reason, "the message"))
    assert type(err) is cls
    assert err.code == code
    assert err.reason == reason
    assert err.message == "the message"
    assert err.status is not None and err.status["reason"] == reason
    assert isinstance(err, ApiError) and isinstance(err, KubesetError)


def test_already_exists_and_conflict_share_409() -> None:
    exists = from_body(409, status(409, "AlreadyExists", 'configmaps "cfg" already exists'))
    conflict = from_body(
        409,
        status(409, "Conflict", "the object has been modified; please apply your changes"),
    )
    assert type(exists) is AlreadyExists
    assert type(conflict) is Conflict
    assert not isinstance(exists, Conflict)
    assert not isinstance(conflict, AlreadyExists)


def test_invalid_causes() -> None:
    causes = [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers"},
        {"reason": "FieldValueInvalid", "message": "Invalid value", "field": "metadata.name"},
    ]
    err = from_body(
        422,
        status(
            422,
            "Invalid",
            'Pod "Bad" is invalid',
            details={"name": "Bad", "kind": "Pod", "causes": causes},
        ),
    )
    assert isinstance(err, Invalid)
    assert err.causes == causes
    assert err.details["name"] == "Bad"
    assert [c["field"] for c in err.causes] == ["spec.containers", "metadata.name"]


def test_invalid_without_causes() -> None:
    err = from_body(422, status(422, "Invalid"))
    assert isinstance(err, Invalid)
    assert err.causes == []


def test_too_many_requests_retry_after() -> None:
    err = from_body(
        429,
        status(429, "TooManyRequests", "slow down", details={"retryAfterSeconds": 7}),
    )
    assert isinstance(err, TooManyRequests)
    assert err.retry_after_seconds == 7


def test_retry_after_absent() -> None:
    assert from_body(429, status(429, "TooManyRequests")).retry_after_seconds is None
    err = from_body(429, status(429, "TooManyRequests", details={"retryAfterSeconds": "x"}))
    assert err.retry_after_seconds is None


def test_timeout_is_a_server_timeout() -> None:
    err = from_body(504, status(504, "Timeout"))
    assert isinstance(err, Timeout) and isinstance(err, ServerTimeout)


def test_unknown_reason_falls_back_to_code() -> None:
    err = from_body(409, status(409, "SomethingNew", "new reason"))
    assert type(err) is Conflict
    assert err.reason == "SomethingNew"


def test_missing_reason_uses_code_and_default_reason() -> None:
    body = status(404, "")
    del body["reason"]
    body["message"] = 'pods "web" not found'
    err = from_body(404, body)
    assert type(err) is NotFound
    assert err.reason == "NotFound"


def test_status_code_zero_uses_response_code() -> None:
    body = status(0, "")
    del body["reason"]
    err = from_body(503, body)
    assert type(err) is ServiceUnavailable
    assert err.code == 503


def test_unknown_code_and_reason_is_plain_api_error() -> None:
    err = from_body(418, status(418, "Teapot", "short and stout"))
    assert type(err) is ApiError
    assert err.code == 418
    assert err.reason == "Teapot"


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (400, BadRequest),
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (405, MethodNotAllowed),
        (409, Conflict),
        (410, Gone),
        (415, UnsupportedMediaType),
        (422, Invalid),
        (429, TooManyRequests),
        (500, InternalError),
        (503, ServiceUnavailable),
        (504, Timeout),
    ],
)
def test_fallback_by_code_for_non_status_body(code: int, cls: type[ApiError]) -> None:
    info = RequestInfo("GET", "/api/v1/pods", code)
    err = error_from_response(code, b"upstream connect error", info)
    assert type(err) is cls
    assert err.code == code
    assert err.message == "upstream connect error"
    assert err.status is None
    assert err.details == {}


def test_fallback_for_json_that_is_not_a_status() -> None:
    info = RequestInfo("GET", "/api/v1/pods", 404)
    err = error_from_response(404, b'{"error": "no route"}', info)
    assert type(err) is NotFound
    assert err.status is None
    assert "no route" in err.message


def test_empty_body() -> None:
    info = RequestInfo("DELETE", "/api/v1/nodes/n1", 502)
    err = error_from_response(502, b"", info)
    assert type(err) is ApiError
    assert err.message == "HTTP 502"
    assert err.code == 502
    assert str(err) == "DELETE /api/v1/nodes/n1 -> 502: HTTP 502"


def test_long_body_truncated() -> None:
    info = RequestInfo("GET", "/api/v1/pods", 500)
    body = ("x" * 2000).encode()
    err = error_from_response(500, body, info)
    assert isinstance(err, InternalError)
    assert len(err.message) == 501
    assert err.message == "x" * 500 + "…"
    assert len(str(err)) < 600


def test_non_utf8_body() -> None:
    info = RequestInfo("GET", "/api/v1/pods", 500)
    err = error_from_response(500, b"\xff\xfe broken", info)
    assert "broken" in err.message


def test_str_includes_method_path_and_code() -> None:
    err = error_from_response(
        409,
        json.dumps(status(409, "AlreadyExists", 'configmaps "cfg" already exists')).encode(),
        REQ,
    )
    text = str(err)
    assert text == (
        "POST /api/v1/namespaces/default/configmaps?dryRun=All -> 409: "
        'AlreadyExists: configmaps "cfg" already exists'
    )
    assert err.request == REQ
    assert err.args == (text,)


def test_str_without_request() -> None:
    err = error_from_status(status(404, "NotFound", "gone"))
    assert str(err) == "NotFound: gone"
    assert err.request is None
    assert err.code == 404


def test_error_from_status_code_argument() -> None:
    body = status(0, "Expired", "continue token expired")
    err = error_from_status(body, code=410, request=REQ)
    assert isinstance(err, Gone)
    assert err.code == 410
    assert err.request is REQ


def test_message_defaults_to_reason() -> None:
    body = status(403, "Forbidden")
    body["message"] = ""
    err = error_from_status(body)
    assert err.message == "Forbidden"


def test_details_must_be_a_dict() -> None:
    err = error_from_status(status(404, "NotFound", details=["not", "a", "dict"]))
    assert err.details == {}


def test_request_info_str() -> None:
    assert str(RequestInfo("GET", "/version")) == "GET /version"
    assert str(RequestInfo("GET", "/version", 200)) == "GET /version -> 200"


def test_decode_error() -> None:
    err = DecodeError("bad bytes", request=RequestInfo("GET", "/api", 200))
    assert str(err) == "GET /api -> 200: bad bytes"
    assert err.message == "bad bytes"
    assert isinstance(err, KubesetError) and not isinstance(err, ApiError)
    assert str(DecodeError("plain")) == "plain"


def test_errors_exported_from_package() -> None:
    for name in ("NotFound", "Conflict", "AlreadyExists", "Gone", "Invalid", "TooManyRequests"):
        assert getattr(kubeset, name) is getattr(kubeset.errors, name)


def test_errors_are_catchable_by_base() -> None:
    with pytest.raises(ApiError):
        raise from_body(404, status(404, "NotFound"))
