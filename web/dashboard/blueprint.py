"""The staff pages' blueprint: HTML answers (errors included) under a strict policy.

The API answers JSON errors; a person in a browser gets the same status, code and message
as a page instead. Pages (and their CSV downloads) hold member data, so they are never
cached, and they load nothing but the app's own stylesheet: no script, no CDN, no framing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, render_template
from marshmallow import ValidationError

from domain.errors import CredentialError
from web.auth import ROLE_PERMISSIONS, Permission
from web.dashboard import wording
from web.errors import ApiError, handle_error

dashboard = Blueprint("dashboard", __name__, static_folder=str(Path(__file__).parent.parent / "static"),
                      static_url_path="/dashboard/static")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Headers of an API refusal worth keeping on its page (the rest describe the JSON body).
KEPT_HEADERS = ("WWW-Authenticate", "Retry-After", "X-Request-Id")
# What a form's refusal is: a rule's, the form's own, or a malformed field. A form shows these
# beside itself; anything else (storage down...) is the error page.
REFUSALS = (CredentialError, ApiError, ValidationError)


@dataclass(frozen=True)
class Refusal:
    """An error as the API would answer it: its status, code, message and details."""

    status: int
    code: str
    message: str
    details: dict[str, Any]
    headers: dict[str, str]


def refusal_of(error: Exception) -> Refusal:
    # The API's own mapping decides the status and message (and logs what is unexpected).
    answer = handle_error(error)
    body = answer.get_json()["error"]
    headers = {k: v for k, v in answer.headers.items() if k in KEPT_HEADERS}
    return Refusal(answer.status_code, body["code"], body["message"], body["details"], headers)


def _may(permission: Permission) -> bool:
    role = g.get("role")
    return role is not None and permission in ROLE_PERMISSIONS[role]


@dashboard.after_request
def _protect(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    if response.mimetype in ("text/html", "text/csv"):  # a page, or a download of its rows
        response.headers["Cache-Control"] = "no-store"
    return response


@dashboard.context_processor
def _page_context() -> dict[str, Any]:
    return {
        "role": g.get("role"),
        "may_report": _may(Permission.REPORT),
        "may_correct": _may(Permission.CORRECT),
        "may_set_policy": _may(Permission.SET_POLICY),
        "may_try": _may(Permission.TRY),
        "may_import": _may(Permission.IMPORT),
        "humanize": wording.humanize,
        "matter": wording.matter,
        "number": wording.number,
        "money": wording.money,
        "moment": wording.moment,
        "fact_kind": wording.fact_kind,
        "standing": wording.standing,
        "change_text": wording.change_text,
        "cause_text": wording.cause_text,
        "period_text": wording.period_text,
        "refusal_lines": wording.refusal_lines,
    }


@dashboard.errorhandler(Exception)
def _error_page(error: Exception) -> tuple[str, int, dict[str, str]]:
    refusal = refusal_of(error)
    page = render_template("dashboard/error.html", status=refusal.status, code=refusal.code,
                           message=refusal.message, details=refusal.details)
    return page, refusal.status, refusal.headers
