"""Members: the commands that record a member's facts, and the queries about one member."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from application.commands import Certify, ClaimActivity, SubmitRenewal
from application.service import CommandOutcome, HistoryEntry
from domain.events import CredentialOpened
from domain.rules import ActivityClaim
from web.auth import Permission
from web.endpoint import Answer, Operation, endpoint
from web.schemas.commands import ActivityBody, CertificationBody, RenewalBody
from web.schemas.documents import ActivityOutcome, HistoryDocument, MemberStatus, StatusDocument
from web.schemas.parameters import MemberPath, StatusQuery
from web.services import service

members = Blueprint("members", __name__)

MEMBER = "/members/<member_id>"
COMMAND_REFUSALS = (404, 409, 422)


def command_answer(outcome: CommandOutcome, body: Any) -> Answer:
    # A repeated Idempotency-Key answers exactly the first answer; the header only says so.
    return Answer(body, {"Idempotent-Replayed": "true"} if outcome.repeated else {})


def outcome_status(outcome: CommandOutcome) -> MemberStatus:
    known_at = outcome.status.known_at
    assert known_at is not None  # a command's status is the one known when it was recorded
    return MemberStatus(outcome.member_id, outcome.status, known_at)


@endpoint(members, Operation(
    "POST", f"{MEMBER}/certifications", "Record a certification (Certified)", "members", StatusDocument, 201,
    Permission.RECORD, MemberPath, body=CertificationBody, idempotent=True, refusals=(409, 422),
    description="The first certification opens the member's credential.",
))
def certify(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> Answer:
    outcome = service().execute(Certify(path["member_id"], **body), idempotency_key)
    return command_answer(outcome, outcome_status(outcome))


@endpoint(members, Operation(
    "POST", f"{MEMBER}/activities", "Claim an activity's CECs (ActivityClaimed)", "members", ActivityOutcome, 201,
    Permission.RECORD, MemberPath, body=ActivityBody, idempotent=True, refusals=COMMAND_REFUSALS,
))
def claim_activity(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> Answer:
    outcome = service().execute(ClaimActivity(path["member_id"], ActivityClaim(**body)), idempotency_key)
    return command_answer(outcome, {
        "activity_id": outcome.activity_id,
        "cecs_awarded": outcome.cecs_awarded,
        "status": outcome_status(outcome),
    })


@endpoint(members, Operation(
    "POST", f"{MEMBER}/renewals", "Submit a renewal (RenewalSubmitted)", "members", StatusDocument, 201,
    Permission.RECORD, MemberPath, body=RenewalBody, idempotent=True, refusals=COMMAND_REFUSALS,
))
def submit_renewal(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> Answer:
    outcome = service().execute(SubmitRenewal(path["member_id"], **body), idempotency_key)
    return command_answer(outcome, outcome_status(outcome))


@endpoint(members, Operation(
    "GET", f"{MEMBER}/status", "The member's status on a date, as known at a time", "members", StatusDocument,
    permission=Permission.READ, path=MemberPath, query=StatusQuery, refusals=(404,),
))
def status(path: dict[str, str], query: dict[str, Any]) -> MemberStatus:
    app = service()
    answer = app.status(path["member_id"], query["on"], query["known_at"])
    # Unasked, "now" is read after the facts were: every fact the answer folded was known then.
    return MemberStatus(path["member_id"], answer, query["known_at"] or app.clock())


def history_event(member_id: str, entry: HistoryEntry) -> dict[str, Any]:
    fact = entry.fact
    return {
        "type": entry.type,
        "effective_on": fact.effective_on,
        "recorded_at": fact.timestamp,
        "data": fact,
        "status_after": MemberStatus(member_id, entry.status_after, entry.status_after.known_at or fact.timestamp),
    }


@endpoint(members, Operation(
    "GET", f"{MEMBER}/history", "Every recorded fact, in recorded order, with the status after each",
    "members", HistoryDocument, permission=Permission.READ, path=MemberPath, refusals=(404,),
    description="`CredentialOpened`, recorded with the first certification, is not listed: its `name` is given "
                "at the top level.",
))
def history(path: dict[str, str]) -> dict[str, Any]:
    member_id = path["member_id"]
    entries = service().history(member_id)
    opened = next((e.fact for e in entries if isinstance(e.fact, CredentialOpened)), None)
    return {
        "member_id": member_id,
        "name": opened.name if opened is not None else None,
        "events": [history_event(member_id, e) for e in entries if not isinstance(e.fact, CredentialOpened)],
    }
