"""Rosters: an approved provider reports one course's completions, and each attendee is claimed
the course (rules.md section 13)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from application.commands import ReportRoster
from web.auth import Permission, recorded_by
from web.endpoint import Answer, Operation, endpoint
from web.schemas.rosters import MAX_ATTENDEES, RosterBody, RosterDocument
from web.services import service

rosters = Blueprint("rosters", __name__)


@endpoint(rosters, Operation(
    "POST", "/rosters", "Report a course's completions (ActivityClaimed for each attendee)", "rosters",
    RosterDocument, 201, Permission.REPORT_COMPLETIONS, body=RosterBody, idempotent=True, refusals=(409, 422),
    description="Each attendee is claimed an `approved_provider` activity of the course, judged like any claim "
                "as of `completed_on`. An attendee already reported for the same provider, course and date is "
                "listed in `already_reported` and nothing new is recorded; one refused (`unknown_member`: no "
                "credential; `before_certification`; `credential_invalid`; ...) is listed in `refused`, and the "
                f"others are still recorded. At most {MAX_ATTENDEES} attendees. A roster no attendee could be "
                "claimed from (a completion date after today, 422 `future_date`) is refused whole. A repeated "
                "Idempotency-Key answers the claims the first request recorded and records nothing new.",
))
def report_roster(body: dict[str, Any], idempotency_key: str | None) -> Answer:
    report = service().execute(ReportRoster(**body), idempotency_key, recorded_by())
    return Answer(report, {"Idempotent-Replayed": "true"} if report.repeated else {})
