"""Path, query and header parameters. Unknown query parameters are refused like unknown
body fields, so a misspelt `know_at` is a 400, not a silently ignored filter."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from web.fields import Date, Identifier, Integer, Time

IDEMPOTENCY_KEY = "Idempotency-Key"
YEAR = validate.Range(min=1900, max=2999)


class MemberPath(Schema):
    member_id = Identifier(required=True, limit=200, metadata={"example": "m-1042"})


class ActivityPath(MemberPath):
    activity_id = Identifier(required=True, limit=100)


class VersionPath(Schema):
    version = Identifier(required=True, limit=100, metadata={"example": "2020-01-01"})


class KnownAtQuery(Schema):
    # allow_none=False: a query parameter is present or absent, never null.
    known_at = Time(load_default=None, allow_none=False, metadata={"description": "as known at this time; default now"})


class StatusQuery(KnownAtQuery):
    on = Date(load_default=None, allow_none=False, metadata={"description": "business date; default today"})


class HistoryQuery(Schema):
    limit = Integer(load_default=None, allow_none=False, validate=validate.Range(min=1, max=1000), metadata={
        "description": "at most this many events (1 to 1,000); default: every event when there are at most 1,000 "
                       "after `after`, else the first 1,000"})
    after = fields.String(load_default=None, allow_none=False, validate=validate.Regexp(r"^[0-9]{1,12}$"), metadata={
        "description": "only the events recorded after the fact with this `fact_id` (the `next_after` of the page "
                       "before)"})


class OnQuery(Schema):
    on = Date(load_default=None, allow_none=False, metadata={"description": "default today"})


class YearQuery(Schema):
    year = Integer(required=True, validate=YEAR)


class NoQuery(Schema):
    """For endpoints that take no query parameters: any given one is refused."""


class IdempotencyHeader(Schema):
    # Visible ASCII only: the key is stored with the events it recorded.
    key = fields.String(
        data_key=IDEMPOTENCY_KEY,
        load_default=None,
        validate=validate.Regexp(r"^[\x21-\x7e]{1,200}$", error="Idempotency-Key: 1 to 200 visible ASCII characters."),
    )
