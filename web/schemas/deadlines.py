"""Deadlines ahead (rules.md section 11): the worklist, reminder runs and the reminders' outbox.
Each list is also CSV (`format=csv` or `Accept: text/csv`), its columns in the order declared here: the
contract's first, then what this service adds."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.matters import MATTER_KINDS
from domain.policy import REMINDER_KINDS
from domain.states import Status
from web.fields import Cecs, Date, Integer, Money, Time
from web.schemas.parameters import Query

# A worklist reaches at most ten years ahead: every deadline a member has falls within it.
MAX_WITHIN = 3660


class WorklistQuery(Query):
    on = Date(metadata={"description": "the day of the worklist; default today"})
    within = Integer(load_default=90, validate=validate.Range(min=0, max=MAX_WITHIN), metadata={
        "description": "list the matters due within this many days of `on` (inclusive); default 90"})


class WorklistItemDocument(Schema):
    member_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(MATTER_KINDS))
    due_on = Date(required=True, metadata={"description": "the day before the next lapse"})
    days_left = fields.Integer(required=True, metadata={"description": "`due_on` - `on`, never negative"})
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]),
                           metadata={"description": "the member's status on `on`"})
    cecs_missing = Cecs(required=True)
    counted_cecs = Cecs(required=True, metadata={
        "description": "for a renewal, the cycle's counted CECs; for an audit, what documentation can prove while "
                       "none was received, and what the audit accepts once it was"})
    required_cecs = Cecs(required=True)
    fee_if_renewed_on = Money(required=True, allow_none=True, metadata={
        "description": "the renewal fee if the member renewed on `on`; null when no renewal can be submitted then"})
    act_by = Date(required=True, metadata={"description": "the last day the member can act before becoming invalid"})
    level = fields.String(required=True, allow_none=True, metadata={
        "description": "the member's level on `on`, as in the status document"})


class WorklistDocument(Schema):
    on = Date(required=True)
    within = fields.Integer(required=True)
    items = fields.List(fields.Nested(WorklistItemDocument), required=True, metadata={
        "description": "by `due_on`, then member, a member's cycle before its audit"})


class ReminderRunBody(Schema):
    as_of = Date(required=True, metadata={"description": "the day the run is for: today or an earlier day"})


class ReminderDocument(Schema):
    reminder_id = fields.String(required=True)
    member_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(REMINDER_KINDS))
    due_on = Date(required=True, metadata={"description": "the day the member must act by"})
    issued_on = Date(required=True, metadata={"description": "the day of the run that issued it"})
    subject = fields.String(required=True)
    message = fields.String(required=True)
    days_before = fields.Integer(required=True, metadata={
        "description": "the schedule's offset it was issued for (days before the deadline, or after its start)"})
    recorded_at = Time(required=True)


class ReminderRunDocument(Schema):
    as_of = Date(required=True)
    issued = fields.Integer(required=True)
    reminders = fields.List(fields.Nested(ReminderDocument), required=True)


class OutboxQuery(Query):
    issued_from = Date(metadata={"description": "inclusive; default: the first"})
    issued_to = Date(metadata={"description": "inclusive; default: the last"})

    @validates_schema
    def _in_order(self, window: dict[str, Any], **_: Any) -> None:
        start, end = window.get("issued_from"), window.get("issued_to")
        if start is not None and end is not None and start > end:
            raise ValidationError("issued_from is after issued_to: the window would end before it begins.",
                                  field_name="issued_from")


class OutboxDocument(Schema):
    issued_from = Date(required=True, allow_none=True)
    issued_to = Date(required=True, allow_none=True)
    rows = fields.List(fields.Nested(ReminderDocument), required=True, metadata={
        "description": "by the day issued, then as recorded"})
