"""The service's own endpoints, open to all: /health for probes, /openapi.json for clients."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app

from web.endpoint import Answer, Operation, endpoint
from web.openapi import served_spec
from web.schemas.system import HealthDocument, OpenApiDocument
from web.services import service

log = logging.getLogger(__name__)

system = Blueprint("system", __name__)


@endpoint(system, Operation("GET", "/health", "Whether the event store answers", "system", HealthDocument,
                            also=(503,), description="200 when storage answers, 503 otherwise."))
def health() -> Any:
    try:
        service().recorder.max_notification_id()
    except Exception as error:  # any failure to answer is "unavailable", whatever its cause
        log.warning("health check failed: %s", type(error).__name__)
        return Answer({"status": "unavailable"}, status=503)
    return {"status": "ok"}


@endpoint(system, Operation("GET", "/openapi.json", "This API's OpenAPI 3 description", "system", OpenApiDocument))
def openapi() -> dict[str, Any]:
    return served_spec(current_app)
