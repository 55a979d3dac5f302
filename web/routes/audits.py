"""Audits: selecting members (one, or the yearly draw) and reviewing their documentation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from application.commands import DrawAuditSample, ReviewDocumentation, SelectForAudit
from application.service import AuditSelectionReport
from web.auth import Permission, recorded_by
from web.endpoint import Answer, Operation, endpoint
from web.routes.members import COMMAND_REFUSALS, MEMBER, command_answer, outcome_status
from web.schemas.commands import AuditBody, DocumentationBody, SelectionBody
from web.schemas.documents import StatusDocument
from web.schemas.parameters import MemberPath
from web.schemas.selections import SelectionDocument
from web.services import service

audits = Blueprint("audits", __name__)


@endpoint(audits, Operation(
    "POST", f"{MEMBER}/audits", "Select the member for audit (AuditSelected)", "audits", StatusDocument, 201,
    Permission.AUDIT, MemberPath, body=AuditBody, idempotent=True, refusals=COMMAND_REFUSALS,
))
def select_member(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> Answer:
    outcome = service().execute(SelectForAudit(path["member_id"], **body), idempotency_key, recorded_by())
    return command_answer(outcome, outcome_status(outcome))


@endpoint(audits, Operation(
    "POST", f"{MEMBER}/audits/current/documentation", "Review the audit's documentation", "audits",
    StatusDocument, 201, Permission.AUDIT, MemberPath, body=DocumentationBody, idempotent=True,
    refusals=COMMAND_REFUSALS,
    description="Records DocumentationRejected for each rejected activity, then the audit's outcome (AuditReviewed).",
))
def review_documentation(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> Answer:
    outcome = service().execute(ReviewDocumentation(path["member_id"], **body), idempotency_key, recorded_by())
    return command_answer(outcome, outcome_status(outcome))


def selection_document(report: AuditSelectionReport) -> dict[str, Any]:
    return {**vars(report), "selected": report.selected}


@endpoint(audits, Operation(
    "POST", "/audits/selections", "Draw the yearly audit sample of a year's renewals", "audits",
    SelectionDocument, 201, Permission.AUDIT, body=SelectionBody, idempotent=True, refusals=(409, 422),
    description="Selects `rate` of the renewals submitted in `renewal_year`, separately within each credential "
                "level, reproducibly from `seed`. Drawing again selects the same members and records nothing new.",
))
def select_sample(body: dict[str, Any], idempotency_key: str | None) -> dict[str, Any]:
    report = service().execute(DrawAuditSample(**body), idempotency_key, recorded_by())
    return selection_document(report)
