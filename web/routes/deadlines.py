"""Deadlines ahead (rules.md section 11): who must act, and the reminders that tell them.

The worklist and the outbox are answered from the read models, brought up to date with every
write first, like the reports; a reminder run records its reminders on each member's record."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from application.reminder_runs import IssuedReminder, ReminderRun
from projections.answers import OutboxRow, ReminderOutbox, Worklist
from projections.reminding import run_reminders
from web.auth import Permission
from web.endpoint import Answer, Operation, endpoint
from web.schemas.deadlines import (
    OutboxDocument,
    OutboxQuery,
    ReminderRunBody,
    ReminderRunDocument,
    WorklistDocument,
    WorklistQuery,
)
from web.services import answer_reports, service

deadlines = Blueprint("deadlines", __name__)


@endpoint(deadlines, Operation(
    "GET", "/worklists/due", "Who must act: every deadline within N days, and every matter of an inactive member",
    "deadlines", WorklistDocument, permission=Permission.READ, query=WorklistQuery, csv_rows="items",
    description="One item per open matter of a member, under the deadline now running: an unrenewed cycle is "
                "`renewal_due` until it ends, then `grace_ends`; an audit is `proof_due` until proof is due, then "
                "(with none) `audit_year_ends`; a short audit is `replacement_due`, then `audit_year_ends`. Listed: "
                "items due from `on` through `on` + `within`, and every item of a member inactive on `on`.",
))
def worklist(query: dict[str, Any]) -> Worklist:
    on = query["on"] or service().today()
    return answer_reports(lambda queries: queries.worklist(on, query["within"]))


def reminder_row(issued: IssuedReminder) -> OutboxRow:
    fact = issued.reminder
    return OutboxRow(fact.reminder_id, issued.member_id, issued.name, fact.kind, fact.due_on, fact.effective_on,
                     fact.subject, fact.message, fact.days_before, fact.timestamp)


def run_document(run: ReminderRun) -> dict[str, Any]:
    return {"as_of": run.as_of, "issued": len(run.reminders), "reminders": [reminder_row(r) for r in run.reminders]}


@endpoint(deadlines, Operation(
    "POST", "/reminders/runs", "Issue the reminders due on a day (ReminderIssued)", "deadlines",
    ReminderRunDocument, 201, Permission.REMIND, body=ReminderRunBody, idempotent=True, refusals=(409, 422),
    description="For each deadline still open on `as_of`, its latest scheduled reminder on or before that day, "
                "unless a reminder of it was already issued since: earlier missed ones are never sent late, and a "
                "rerun issues nothing. `as_of` after today is refused (422 `future_date`). A repeated "
                "Idempotency-Key answers the reminders the first run issued.",
))
def run(body: dict[str, Any], idempotency_key: str | None) -> Answer:
    issued = run_reminders(service(), answer_reports, body["as_of"], idempotency_key)
    return Answer(run_document(issued))


@endpoint(deadlines, Operation(
    "GET", "/reminders", "The outbox: reminders issued, with their subject and message", "deadlines",
    OutboxDocument, permission=Permission.REMIND, query=OutboxQuery, csv_rows="rows",
    description="What a mail system or a mail merge reads, by the day issued (both bounds inclusive).",
))
def outbox(query: dict[str, Any]) -> ReminderOutbox:
    return answer_reports(lambda queries: queries.reminders(query["issued_from"], query["issued_to"]))
