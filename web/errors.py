"""One error handler for the whole API: every refusal answers
`{"error": {"code", "message", "details"}}` with the status the contract gives it.

Anything unexpected is logged with the request's id (also sent as `X-Request-Id`) and
answered with a generic 500 that says nothing about the cause.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from flask import Flask, Response, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from domain.errors import (
    ActivityNotFound,
    ConcurrentChange,
    CredentialError,
    IdempotencyKeyReused,
    InvalidCommand,
    MemberNotFound,
    PolicyVersionNotFound,
    RuleViolation,
)
from projections.reading import ReadModelsBehind, ReadModelsUnavailable
from web.schemas import shared
from web.schemas.errors import ErrorDocument

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"

# Checked in order; a subclass the domain adds later falls to its nearest base.
DOMAIN_STATUS: tuple[tuple[type[CredentialError], int], ...] = (
    (InvalidCommand, 400),
    (MemberNotFound, 404),
    (ActivityNotFound, 404),
    (PolicyVersionNotFound, 404),
    (ConcurrentChange, 409),
    (IdempotencyKeyReused, 422),
    (RuleViolation, 422),
    (CredentialError, 422),
)
# Rule codes whose status is not their type's: a version name already taken conflicts with
# the stored version (409), it is not a rule the request broke.
CODE_STATUS = {"version_exists": 409}

HTTP_CODES = {
    400: "malformed_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    413: "body_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    431: "headers_too_large",
    505: "http_version_not_supported",
}
# On every answer: no browser may guess another media type than the one sent (a JSON answer echoing
# a member id is never run as HTML), and no cache may keep it (it is one staff member's view of
# personal records, true only now).
SAFETY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


class ApiError(Exception):
    """A refusal decided by the web layer itself (malformed JSON, a missing token, ...)."""

    def __init__(self, status: int, code: str, message: str, details: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})
        self.headers = dict(headers or {})


class StorageUnavailable(Exception):
    """The event store did not answer; the request may be retried later."""


def request_id() -> str:
    """The request's id: 32 random hex digits, as a uuid4's (without the UUID made around them)."""
    made: str | None = g.get("request_id")
    if made is None:
        made = g.request_id = os.urandom(16).hex()
    return made


def plain(value: Any) -> Any:
    """Details as plain JSON: string keys (marshmallow keys list items by index), ISO dates."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def error_body(code: str, message: str, details: Mapping[str, Any] | None = None) -> bytes:
    """The error shape as the bytes an answer carries, for the answers made before the app is reached
    (the server's bridge, its front door): the same bytes as the app's own (compact, a newline after)."""
    document = {"error": {"code": code, "message": message, "details": dict(details or {})}}
    return json.dumps(document, separators=(",", ":")).encode() + b"\n"


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: Mapping[str, str] | None = None) -> Response:
    if not isinstance(details, Mapping):
        details = {} if details is None else {"_schema": details}
    body = shared(ErrorDocument).dump({"error": {"code": code, "message": message, "details": plain(details)}})
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _domain_status(error: CredentialError) -> int:
    if error.code in CODE_STATUS:
        return CODE_STATUS[error.code]
    return next(status for kind, status in DOMAIN_STATUS if isinstance(error, kind))


def handle_error(error: Exception) -> Response:
    if isinstance(error, ApiError):
        return error_response(error.status, error.code, error.message, error.details, error.headers)
    if isinstance(error, CredentialError):
        return error_response(_domain_status(error), error.code, error.message, error.details)
    if isinstance(error, ValidationError):
        return error_response(400, "invalid_input", "the request does not match the contract", error.messages)
    if isinstance(error, RequestEntityTooLarge):
        limit = request.max_content_length
        return error_response(413, HTTP_CODES[413], f"the request body is larger than {limit:,} bytes"
                              if limit is not None else "the request body is too large",
                              {"max_bytes": limit} if limit is not None else None)
    if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        code = HTTP_CODES.get(error.code, "http_error")
        return error_response(error.code, code, error.description or code, headers=headers)
    if isinstance(error, ReadModelsBehind):
        log.warning("report tables behind the store (request %s): %s", request_id(), error)
        return error_response(503, "read_models_behind", "the report tables are still catching up; retry later",
                              {"position": error.position, "max_notification_id": error.max_notification_id,
                               "current_policy": error.current_policy},
                              headers={"Retry-After": "30"})
    if isinstance(error, (StorageUnavailable, ReadModelsUnavailable, OperationalError, InterfaceError)):
        log.warning("storage unavailable (request %s): %s", request_id(), type(error).__name__)
        return error_response(503, "storage_unavailable", "the event store is not answering; retry later",
                              headers={"Retry-After": "5"})
    log.error("unexpected error (request %s)", request_id(), exc_info=error)
    return error_response(500, "internal_error",
                          f"something went wrong on our side; quote request id {request_id()} when reporting it",
                          {"request_id": request_id()})


def _tag_response(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    for name, value in SAFETY_HEADERS.items():
        response.headers.setdefault(name, value)  # a page's own Cache-Control (its stylesheet's) stands
    return response


def install_error_handling(app: Flask) -> None:
    app.register_error_handler(Exception, handle_error)
    app.after_request(_tag_response)
