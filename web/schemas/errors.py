"""The one shape of every refusal."""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"example": "insufficient_cecs"})
    message = fields.String(required=True)
    details = fields.Dict(keys=fields.String(), required=True)


class ErrorDocument(Schema):
    error = fields.Nested(ErrorBody, required=True)
