"""Answers of the service's own endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class HealthDocument(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok", "unavailable"]))


class OpenApiDocument(Schema):
    openapi = fields.String(required=True)
    info = fields.Dict(required=True)
    paths = fields.Dict(required=True)
    components = fields.Dict(required=True)
    tags = fields.List(fields.Dict())
