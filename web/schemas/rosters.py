"""`POST /rosters`: an approved provider's report of one course's completions, and what became of
each attendee (rules.md section 13)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from web.fields import Cecs, Date, Identifier, Number, Text

MAX_ATTENDEES = 1000  # one request records a claim per attendee: a larger course is reported in parts


class RosterBody(Schema):
    provider = Text(required=True, limit=100, metadata={"example": "NSCA"})
    course_id = Text(required=True, limit=100, metadata={"description": "the provider's id of the course",
                                                          "example": "KB-101"})
    title = Text(required=True, limit=300)
    completed_on = Date(required=True)
    hours = Number(load_default=None, allow_none=True, maximum=10_000, metadata={
        "description": "contact hours, when the certificate states no units; exactly one of hours and units",
    })
    units = Number(load_default=None, allow_none=True, maximum=10_000, metadata={
        "description": "the units on the provider's certificate, converted to CECs as the provider counts them; "
                       "exactly one of hours and units",
    })
    attendees = fields.List(Identifier(limit=200), required=True, validate=validate.Length(min=1, max=MAX_ATTENDEES),
                            metadata={"description": "member ids; one listed twice is reported once"})

    @validates_schema
    def hours_or_units(self, body: dict[str, Any], **_: Any) -> None:
        if (body.get("hours") is None) == (body.get("units") is None):
            raise ValidationError("Give exactly one of hours and units.", "hours")

    @post_load
    def frozen_attendees(self, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        """`attendees` as the command holds it: a tuple."""
        return {**body, "attendees": tuple(body["attendees"])}


class RosterClaimDocument(Schema):
    member_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    cecs_awarded = Cecs(required=True)


class RosterRefusalDocument(Schema):
    member_id = fields.String(required=True)
    code = fields.String(required=True, metadata={
        "description": "`unknown_member` (no credential), or the claim's refusal: `before_certification`, "
                       "`credential_invalid`, ...",
    })
    message = fields.String(required=True)


class RosterDocument(Schema):
    recorded = fields.List(fields.Nested(RosterClaimDocument), required=True, metadata={
        "description": "each attendee claimed the course's activity (approved_provider), in the roster's order",
    })
    refused = fields.List(fields.Nested(RosterRefusalDocument), required=True)
    already_reported = fields.List(fields.String(), required=True, metadata={
        "description": "attendees already reported for this provider, course and completion date: nothing new is "
                       "recorded for them",
    })
