"""Members: the commands that record a member's facts and correct them, and the queries about one member."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from application.commands import AmendActivity, Certify, ClaimActivity, SubmitRenewal, WithdrawFact
from application.member_export import member_export
from application.service import CommandOutcome, HistoryEntry
from domain.events import CredentialFact, CredentialOpened
from domain.rules import ActivityClaim
from web.auth import Permission, recorded_by
from web.endpoint import Answer, Operation, endpoint
from web.schemas.commands import ActivityBody, AmendmentBody, CertificationBody, RenewalBody, WithdrawalBody
from web.schemas.documents import (
    ActivityOutcome,
    HistoryDocument,
    MemberExportDocument,
    MemberStatus,
    StatusDocument,
)
from web.schemas.parameters import ActivityPath, HistoryQuery, MemberPath, StatusQuery
from web.schemas.revisions import RevisionsDocument
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
    outcome = service().execute(Certify(path["member_id"], **body), idempotency_key, recorded_by())
    return command_answer(outcome, outcome_status(outcome))


def activity_answer(outcome: CommandOutcome) -> Answer:
    return command_answer(outcome, {
        "activity_id": outcome.activity_id,
        "cecs_awarded": outcome.cecs_awarded,
        "status": outcome_status(outcome),
    })


@endpoint(members, Operation(
    "POST", f"{MEMBER}/activities", "Claim an activity's CECs (ActivityClaimed)", "members", ActivityOutcome, 201,
    Permission.RECORD, MemberPath, body=ActivityBody, idempotent=True, refusals=COMMAND_REFUSALS,
))
def claim_activity(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> Answer:
    outcome = service().execute(ClaimActivity(path["member_id"], ActivityClaim(**body)), idempotency_key, recorded_by())
    return activity_answer(outcome)


@endpoint(members, Operation(
    "POST", f"{MEMBER}/renewals", "Submit a renewal (RenewalSubmitted)", "members", StatusDocument, 201,
    Permission.RECORD, MemberPath, body=RenewalBody, idempotent=True, refusals=COMMAND_REFUSALS,
))
def submit_renewal(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> Answer:
    outcome = service().execute(SubmitRenewal(path["member_id"], **body), idempotency_key, recorded_by())
    return command_answer(outcome, outcome_status(outcome))


@endpoint(members, Operation(
    "POST", f"{MEMBER}/withdrawals", "Withdraw a fact recorded in error (FactWithdrawn)", "corrections",
    StatusDocument, 201, Permission.CORRECT, MemberPath, body=WithdrawalBody, idempotent=True,
    refusals=COMMAND_REFUSALS,
    description="The fact is void on every business date as known from now on, and unchanged as known before. "
                "Refused: `unknown_fact`, `already_withdrawn`, `not_withdrawable` (the sweep's transitions, a "
                "withdrawal), `future_date` (`decided_on` after today).",
))
def withdraw(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> Answer:
    outcome = service().execute(WithdrawFact(path["member_id"], **body), idempotency_key, recorded_by())
    return command_answer(outcome, outcome_status(outcome))


@endpoint(members, Operation(
    "POST", f"{MEMBER}/activities/<activity_id>/amendments", "Replace an activity claim's content (ActivityAmended)",
    "corrections", ActivityOutcome, 201, Permission.CORRECT, ActivityPath, body=AmendmentBody, idempotent=True,
    refusals=COMMAND_REFUSALS,
    description="The body is the whole new claim, judged as a claim against every other known fact; the activity "
                "keeps its id. Refused as a claim would be, or `already_withdrawn`; 404 `activity_not_found`.",
))
def amend_activity(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> Answer:
    claim = {name: value for name, value in body.items() if name != "reason"}
    command = AmendActivity(path["member_id"], path["activity_id"], ActivityClaim(**claim), body["reason"])
    return activity_answer(service().execute(command, idempotency_key, recorded_by()))


@endpoint(members, Operation(
    "GET", f"{MEMBER}/status", "The member's status on a date, as known at a time", "members", StatusDocument,
    permission=Permission.READ, path=MemberPath, query=StatusQuery, refusals=(404,),
))
def status(path: dict[str, str], query: dict[str, Any]) -> MemberStatus:
    app = service()
    answer = app.status(path["member_id"], query["on"], query["known_at"])
    # Unasked, "now" is read after the facts were: every fact the answer folded was known then.
    return MemberStatus(path["member_id"], answer, query["known_at"] or app.clock())


def recorded_fact(fact: CredentialFact, withdrawn_by: str | None) -> dict[str, Any]:
    """A fact as the history and the export list it (the export without `status_after`)."""
    return {
        "type": type(fact).__name__,
        "fact_id": fact.fact_id,
        "effective_on": fact.effective_on,
        "recorded_at": fact.timestamp,
        "data": fact,
        "withdrawn_by": withdrawn_by,
        "recorded_by": fact.recorded_by,
    }


def history_event(member_id: str, entry: HistoryEntry) -> dict[str, Any]:
    status_after = entry.status_after
    return {**recorded_fact(entry.fact, entry.withdrawn_by),
            "status_after": MemberStatus(member_id, status_after, status_after.known_at or entry.fact.timestamp)}


@endpoint(members, Operation(
    "GET", f"{MEMBER}/history", "Every recorded fact, in recorded order, with the status after each",
    "members", HistoryDocument, permission=Permission.READ, path=MemberPath, query=HistoryQuery, refusals=(404,),
    description="`CredentialOpened`, recorded with the first certification, is not listed: its `name` is given "
                "at the top level. A member with more than 1,000 events is given in pages: `next_after` asks for "
                "the next one.",
))
def history(path: dict[str, str], query: dict[str, Any]) -> dict[str, Any]:
    member_id = path["member_id"]
    page = service().history_page(member_id, None if query["after"] is None else int(query["after"]), query["limit"])
    return {
        "member_id": member_id,
        "name": page.name,
        "events": [history_event(member_id, e) for e in page.entries if not isinstance(e.fact, CredentialOpened)],
        "next_after": page.next_after,
    }


@endpoint(members, Operation(
    "GET", f"{MEMBER}/revisions", "What each recorded fact changed in the answers about earlier days",
    "members", RevisionsDocument, permission=Permission.READ, path=MemberPath, refusals=(404,),
    description="Oldest first. A revision is a change of status or level, on business dates before the (UTC) day "
                "its cause was recorded, between the answers as known just before and just after it: a fact "
                "recorded late, a withdrawal or amendment, a policy version taking effect in the past.",
))
def revisions(path: dict[str, str]) -> dict[str, Any]:
    return {"member_id": path["member_id"], "revisions": service().revisions(path["member_id"])}


@endpoint(members, Operation(
    "GET", f"{MEMBER}/export", "Every fact recorded for the member, withdrawn ones included", "members",
    MemberExportDocument, permission=Permission.EXPORT, path=MemberPath, refusals=(404,),
    description="Each fact as the history lists it, with its business date (`effective_on`) and recorded time "
                "(`recorded_at`), but without `status_after`: that is an answer derived from the facts, which "
                "status and history give. `CredentialOpened` is given as `member_id` and `name`, as in the history.",
))
def export(path: dict[str, str]) -> dict[str, Any]:
    exported = member_export(service(), path["member_id"])
    return {"member_id": exported.member_id, "name": exported.name,
            "facts": [recorded_fact(e.fact, e.withdrawn_by) for e in exported.facts]}
