"""Path, query and header parameters. Unknown query parameters are refused like unknown
body fields, so a misspelt `know_at` is a 400, not a silently ignored filter.

An optional query parameter has no `load_default`: a parameter is present or absent, never
null, and a `load_default=None` would be documented as `"default": null` on a string, which
no valid OpenAPI document says. `Query` loads the absent ones as None instead, for the
handler to apply its default (today, now), which the parameter's description names."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from web.fields import Date, Identifier, Integer, Time

IDEMPOTENCY_KEY = "Idempotency-Key"
YEAR = validate.Range(min=1900, max=2999)


class MemberPath(Schema):
    member_id = Identifier(required=True, limit=200, metadata={"example": "m-1042"})


class ActivityPath(MemberPath):
    activity_id = Identifier(required=True, limit=100)


class VersionPath(Schema):
    version = Identifier(required=True, limit=100, metadata={"example": "2020-01-01"})


class Query(Schema):
    """A query's parameters; each optional one left out is loaded as None."""

    @post_load
    def _absent_as_none(self, given: dict[str, Any], **_: Any) -> dict[str, Any]:
        absent = {field.attribute or name: None for name, field in self.load_fields.items() if not field.required}
        return {**absent, **given}


class KnownAtQuery(Query):
    known_at = Time(metadata={"description": "as known at this time; default now"})


class StatusQuery(KnownAtQuery):
    on = Date(metadata={"description": "business date; default today"})


class HistoryQuery(Query):
    limit = Integer(validate=validate.Range(min=1, max=1000), metadata={
        "description": "at most this many events (1 to 1,000); default: every event when there are at most 1,000 "
                       "after `after`, else the first 1,000"})
    after = fields.String(validate=validate.Regexp(r"^[0-9]{1,12}$"), metadata={
        "description": "only the events recorded after the fact with this `fact_id` (the `next_after` of the page "
                       "before)"})


class OnQuery(Query):
    on = Date(metadata={"description": "default today"})


class YearQuery(Query):
    year = Integer(required=True, validate=YEAR)


class FormatQuery(Schema):
    """The `format` of an answer that can also be CSV; `Accept: text/csv` asks for CSV too, but a
    link, a spreadsheet's "from web" or a browser cannot set a header."""

    format = fields.String(validate=validate.OneOf(["json", "csv"]), metadata={
        "description": "`csv`: the answer's rows as CSV, an attachment; `json` (the default unless `Accept` "
                       "prefers `text/csv`): the JSON document. Either overrides `Accept`."})


class NoQuery(Schema):
    """For endpoints that take no query parameters: any given one is refused."""


class IdempotencyHeader(Schema):
    # Visible ASCII only: the key is stored with the events it recorded.
    key = fields.String(
        data_key=IDEMPOTENCY_KEY,
        load_default=None,
        validate=validate.Regexp(r"^[\x21-\x7e]{1,200}$", error="Idempotency-Key: 1 to 200 visible ASCII characters."),
    )
