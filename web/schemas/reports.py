"""The reports' answers. Each has one list of rows, which `Accept: text/csv` returns as CSV
(columns in the order declared here)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.states import AuditState, Status
from web.fields import Cecs, Date

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
