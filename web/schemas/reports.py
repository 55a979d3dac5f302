"""The reports' answers. Each has one list of rows, which `format=csv` (or `Accept: text/csv`) returns as CSV
(columns in the order declared here); and the revisions report's window of recorded time."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.states import AuditState, Status
from web.fields import Cecs, Date, Time
from web.schemas.parameters import Query

STATUSES = [s.value for s in Status]


class StatusCountRow(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    level = fields.String(required=True, allow_none=True)
    members = fields.Integer(required=True)


class StatusCountsDocument(Schema):
    on = Date(required=True)
    members = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(validate=validate.OneOf(STATUSES)), values=fields.Integer(),
                            required=True)
    rows = fields.List(fields.Nested(StatusCountRow), required=True)


class RenewalMonthRow(Schema):
    month = fields.Integer(required=True)
    due = fields.Integer(required=True)
    renewed = fields.Integer(required=True)
    renewed_late = fields.Integer(required=True)
    not_renewed = fields.Integer(required=True)


class RenewalsDueDocument(Schema):
    year = fields.Integer(required=True)
    as_of = Date(required=True)
    due = fields.Integer(required=True)
    renewed = fields.Integer(required=True)
    months = fields.List(fields.Nested(RenewalMonthRow), required=True)


class AuditStateRow(Schema):
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in AuditState]))
    audits = fields.Integer(required=True)


class AuditsDocument(Schema):
    year = fields.Integer(required=True)
    as_of = Date(required=True)
    selected = fields.Integer(required=True)
    by_state = fields.List(fields.Nested(AuditStateRow), required=True)


class CategoryRow(Schema):
    category = fields.String(required=True)
    claims = fields.Integer(required=True)
    members = fields.Integer(required=True)
    cecs = Cecs(required=True)


class CecCategoriesDocument(Schema):
    year = fields.Integer(required=True)
    claims = fields.Integer(required=True)
    cecs = Cecs(required=True)
    categories = fields.List(fields.Nested(CategoryRow), required=True)


class RecordedWindowQuery(Query):
    """A window of recorded time, from `recorded_from` (inclusive) to `recorded_to` (exclusive)."""

    recorded_from = Time(metadata={"description": "from this time, inclusive; default: from the first fact"})
    recorded_to = Time(metadata={"description": "up to this time, exclusive; default: everything recorded"})

    @validates_schema
    def _in_order(self, window: dict[str, Any], **_: Any) -> None:
        start, end = window.get("recorded_from"), window.get("recorded_to")
        if start is not None and end is not None and start > end:
            raise ValidationError("recorded_from is after recorded_to: the window would end before it begins.",
                                  field_name="recorded_from")


class RevisionRowDocument(Schema):
    """One span of one revision: the contract's columns first, then the policy version and the
    cause's business date."""

    member_id = fields.String(required=True)
    recorded_at = Time(required=True, metadata={"description": "when the cause was recorded"})
    cause_type = fields.String(required=True, metadata={"example": "RenewalSubmitted"})
    fact_id = fields.String(required=True)
    first = Date(required=True, data_key="from", metadata={"description": "first business date changed"})
    last = Date(required=True, data_key="through", metadata={"description": "last business date changed"})
    status_before = fields.String(required=True, validate=validate.OneOf(STATUSES))
    status_after = fields.String(required=True, validate=validate.OneOf(STATUSES))
    level_before = fields.String(required=True, allow_none=True)
    level_after = fields.String(required=True, allow_none=True)
    version = fields.String(required=True, allow_none=True, metadata={
        "description": "the policy version adopted or withdrawn; null for a member's fact"})
    effective_on = Date(required=True, metadata={"description": "the cause's business date"})


class RevisionsReportDocument(Schema):
    rows = fields.List(fields.Nested(RevisionRowDocument), required=True,
                       metadata={"description": "member by member, then in recorded order, then span by span"})
