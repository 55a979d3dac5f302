"""Answers about a member: the status document, a command's outcome, the history.

Every answer is dumped through one of these, so what the service says is exactly what
/openapi.json describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from domain.document import CredentialStatus
from domain.states import AuditState, Status
from web.fields import Cecs, Date, Money, Time
from web.schemas.events import EventData


@dataclass(frozen=True)
class MemberStatus:
    """A status answer with the member it is about and the time it is known at."""

    member_id: str
    status: CredentialStatus
    known_at: datetime


class CycleDocument(Schema):
    start = Date(required=True)
    end = Date(required=True)
    required_cecs = Cecs(required=True)
    counted_cecs = Cecs(required=True)
    claimed_cecs = Cecs(required=True)


class AuditDocument(Schema):
    selected_on = Date(required=True)
    proof_due_on = Date(required=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in AuditState]))
    # Beyond the contract's three fields: what staff need to follow an audit.
    cycle_end = Date(required=True)
    required_cecs = Cecs(required=True)
    proven_cecs = Cecs(required=True)
    documentation_received_on = Date(required=True, allow_none=True)
    replace_by = Date(required=True, allow_none=True)
    inactive_since = Date(required=True, allow_none=True)
    closed_on = Date(required=True, allow_none=True)

    @pre_dump
    def _values(self, audit: Any, **_: Any) -> dict[str, Any]:
        return {**vars(audit), "state": audit.state.value}


class NeededDocument(Schema):
    cecs_missing = Cecs(required=True, metadata={"description": "CECs still missing to meet the requirement"})
    capped_cecs_room = Cecs(required=True, metadata={
        "description": "how many more teaching and lecturing CECs could still count under the cap"})
    earn_by = Date(required=True, metadata={
        "description": "the day to earn them by: the cycle's end, or the end of grace once it ended unrenewed"})
    renew_by = Date(required=True, metadata={"description": "the last day to renew at all: the end of grace"})


class StatusDocument(Schema):
    member_id = fields.String(required=True)
    on = Date(required=True)
    known_at = Time(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    certifications = fields.List(fields.String(), required=True)
    level = fields.String(required=True, allow_none=True)
    cycle = fields.Nested(CycleDocument, required=True, allow_none=True)
    grace_ends_on = Date(required=True, allow_none=True)
    audit = fields.Nested(AuditDocument, required=True, allow_none=True)
    renewal_fee = Money(required=True, allow_none=True, metadata={
        "description": "what a renewal submitted on `on` would cost; null when no renewal is open",
    })
    reason = fields.String(required=True)
    since = Date(required=True, allow_none=True, metadata={"description": "the day the current status began"})
    policy_version = fields.String(required=True, metadata={
        "description": "the policy version in force on `on`, among those known at `known_at`",
        "example": "2012-06-01",
    })
    needed = fields.Nested(NeededDocument, required=True, allow_none=True, metadata={
        "description": "what the cycle still needs while it owes a renewal; null when none is owed",
    })

    @pre_dump
    def _flatten(self, answer: MemberStatus, **_: Any) -> dict[str, Any]:
        status = answer.status
        return {
            **vars(status),
            "member_id": answer.member_id,
            "known_at": answer.known_at,
            "status": status.status.value,
            "certifications": list(status.certifications),
            "cycle": None if status.cycle is None else vars(status.cycle),
            "needed": None if status.needed is None else vars(status.needed),
        }


class ActivityOutcome(Schema):
    activity_id = fields.String(required=True)
    cecs_awarded = Cecs(required=True)
    status = fields.Nested(StatusDocument, required=True)


class HistoryEvent(Schema):
    type = fields.String(required=True, metadata={"example": "Certified"})
    fact_id = fields.String(required=True, metadata={"description": "stable, unique within the member",
                                                     "example": "2"})
    effective_on = Date(required=True)
    recorded_at = Time(required=True)
    data = EventData(required=True)
    status_after = fields.Nested(StatusDocument, required=True)
    withdrawn_by = fields.String(required=True, allow_none=True, metadata={
        "description": "the `fact_id` of the withdrawal or amendment that voided this fact; null while it stands",
    })
    recorded_by = fields.String(required=True, allow_none=True, metadata={
        "description": "who recorded the fact: the name of the token that asked, else its role; `system` for the "
                       "sweep and reminder runs; `import` for imports; null for a fact recorded before facts said "
                       "who recorded them",
        "example": "staff",
    })


class HistoryDocument(Schema):
    member_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    events = fields.List(fields.Nested(HistoryEvent), required=True)
    next_after = fields.String(required=True, allow_none=True, metadata={
        "description": "when more events follow: the `after` that asks for them; null on the last page"})


class ExportedFact(HistoryEvent):
    """A history event without `status_after`: an answer derived from the facts, not one of them
    (see application.member_export)."""

    class Meta:
        exclude = ("status_after",)


class MemberExportDocument(Schema):
    member_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    facts = fields.List(fields.Nested(ExportedFact), required=True, metadata={
        "description": "every recorded fact, withdrawn and amended ones included, in recorded order",
    })
