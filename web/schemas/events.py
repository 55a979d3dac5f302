"""The `data` of each history event: the fact's own fields, without the envelope.

One schema per event type of the model. A type the model adds later, before it has a
schema here, is still answered: its fields are written generically (dates ISO, amounts
as numbers, enums by value), so history never fails on a new event.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from marshmallow import Schema, fields

from domain import events
from web.fields import CATEGORIES, CERTIFICATIONS, Cecs, Date, Money, Number, PolicyTerm, as_json_number
from web.schemas.flat import FlatSchema

ENVELOPE = frozenset({"id", "originator_id", "originator_version", "timestamp", "effective_on",
                      "idempotency_key", "request_hash", "recorded_by", "originator_topic"})


class EnumValue(fields.Field[Enum]):
    def __init__(self, enum: type[Enum], **kwargs: Any) -> None:
        super().__init__(metadata={"type": "string", "enum": [e.value for e in enum]}, **kwargs)

    def _serialize(self, value: Enum | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else value.value


class CredentialOpenedData(FlatSchema):
    member_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)


class CertifiedData(FlatSchema):
    certification = PolicyTerm(CERTIFICATIONS, required=True)


class ActivityClaimedData(FlatSchema):
    activity_id = fields.String(required=True)
    category = PolicyTerm(CATEGORIES, required=True)
    title = fields.String(required=True)
    evidence = EnumValue(events.Evidence, required=True)
    hours = Number(required=True, allow_none=True)
    units = Number(required=True, allow_none=True)
    provider = fields.String(required=True, allow_none=True)
    decimal_units = fields.Boolean(required=True)
    credit_hours = Number(required=True, allow_none=True)
    grade = fields.String(required=True, allow_none=True)
    course_id = fields.String(required=True, allow_none=True)
    published_on = Date(required=True, allow_none=True)
    cecs = Cecs(required=True)


class RenewalSubmittedData(FlatSchema):
    fee_due = Money(required=True)
    fee_paid = Money(required=True, allow_none=True)
    late = fields.Boolean(required=True)


class AuditSelectedData(FlatSchema):
    renewal_submitted_on = Date(required=True)
    seed = fields.String(required=True, allow_none=True)
    rate = Number(required=True, allow_none=True)


class DocumentationRejectedData(FlatSchema):
    activity_id = fields.String(required=True)
    reason = fields.String(required=True)


class AuditReviewedData(FlatSchema):
    outcome = EnumValue(events.AuditOutcome, required=True)
    replace_by = Date(required=True, allow_none=True)


class LapseData(FlatSchema):
    lapse = EnumValue(events.Lapse, required=True)


class FactWithdrawnData(FlatSchema):
    """Its `effective_on` is the day the correction was decided."""

    withdrawn_fact_id = fields.String(required=True)
    reason = fields.String(required=True)
    replace_by = Date(required=True, allow_none=True)


class ActivityAmendedData(ActivityClaimedData):
    """The whole new content of the claim; its `effective_on` is the new completion date."""

    reason = fields.String(required=True)
    decided_on = Date(required=True)


class ReminderIssuedData(FlatSchema):
    """Its `effective_on` is the day of the run that issued it (`issued_on`)."""

    reminder_id = fields.String(required=True)
    kind = fields.String(required=True)
    due_on = Date(required=True)
    days_before = fields.Integer(required=True)
    subject = fields.String(required=True)
    message = fields.String(required=True)


DATA_SCHEMAS: dict[type[events.CredentialFact], Schema] = {
    events.CredentialOpened: CredentialOpenedData(),
    events.Certified: CertifiedData(),
    events.ActivityClaimed: ActivityClaimedData(),
    events.RenewalSubmitted: RenewalSubmittedData(),
    events.AuditSelected: AuditSelectedData(),
    events.DocumentationRejected: DocumentationRejectedData(),
    events.AuditReviewed: AuditReviewedData(),
    events.MarkedInactive: LapseData(),
    events.Invalidated: LapseData(),
    events.FactWithdrawn: FactWithdrawnData(),
    events.ActivityAmended: ActivityAmendedData(),
    events.ReminderIssued: ReminderIssuedData(),
}


def _generic(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return as_json_number(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_generic(v) for v in value]
    return value


def event_data(fact: events.CredentialFact) -> dict[str, Any]:
    schema = DATA_SCHEMAS.get(type(fact))
    if schema is not None:
        dumped: dict[str, Any] = schema.dump(fact)
        return dumped
    return {k: _generic(v) for k, v in vars(fact).items() if k not in ENVELOPE and not k.startswith("_")}


class EventData(fields.Field[events.CredentialFact]):
    """Dumps the whole fact it is given through the schema of its type."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={
            "type": "object",
            "description": "the event's own fields; their shape depends on `type` (see the *Data schemas)",
        }, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> dict[str, Any]:
        return event_data(value)
