"""The staff pages' blueprint: HTML answers (errors included) under a strict policy.

The API answers JSON errors; a person in a browser gets the same status, code and message
as a page instead. Pages hold member data, so they are never cached, and they load nothing
but the app's own stylesheet: no script, no CDN, no framing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, render_template

from web.auth import ROLE_PERMISSIONS, Permission
from web.dashboard import wording
from web.errors import handle_error

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


@dashboard.after_request
def _protect(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


@dashboard.context_processor
def _page_context() -> dict[str, Any]:
    role = g.get("role")
    return {
        "role": role,
        "may_report": role is not None and Permission.REPORT in ROLE_PERMISSIONS[role],
        "humanize": wording.humanize,
        "number": wording.number,
        "money": wording.money,
        "moment": wording.moment,
    }


@dashboard.errorhandler(Exception)
def _error_page(error: Exception) -> tuple[str, int, dict[str, str]]:
    # The API's own mapping decides the status and message (and logs what is unexpected).
    answer = handle_error(error)
    refusal = answer.get_json()["error"]
    headers = {k: v for k, v in answer.headers.items() if k in KEPT_HEADERS}
    page = render_template("dashboard/error.html", status=answer.status_code, code=refusal["code"],
                           message=refusal["message"], details=refusal["details"])
    return page, answer.status_code, headers
