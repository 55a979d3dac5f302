"""The answer of `POST /audits/selections`: who was drawn, per level."""

from __future__ import annotations

from marshmallow import Schema, fields

from web.fields import Date, Number


class LevelDocument(Schema):
    level = fields.String(required=True, metadata={"description": "credential level: 1..4 or specialty"})
    candidates = fields.Integer(required=True, metadata={"description": "renewals of that level in the year"})
    selected = fields.List(fields.String(), required=True)


class SelectionDocument(Schema):
    renewal_year = fields.Integer(required=True)
    rate = Number(required=True)
    seed = fields.String(required=True)
    selected_on = Date(required=True)
    levels = fields.List(fields.Nested(LevelDocument), required=True)
    selected = fields.List(fields.String(), required=True, metadata={"description": "every member drawn"})
    recorded = fields.Integer(required=True, metadata={
        "description": "selections this request recorded; members drawn by an earlier identical draw are not "
                       "recorded again",
    })
