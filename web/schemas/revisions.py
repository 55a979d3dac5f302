"""The answer of `GET /members/{member_id}/revisions`: what each recorded fact (or policy version)
changed in the answers about days before it was recorded (rules.md section 10), span by span."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump, pre_dump, validate

from domain.states import Status
from web.fields import Date, Time

# The causes that are policy versions rather than the member's own facts: they name the version.
POLICY_CAUSES = frozenset({"PolicyVersionAdopted", "PolicyVersionWithdrawn"})


class CauseDocument(Schema):
    type = fields.String(required=True, metadata={"example": "ActivityClaimed"})
    fact_id = fields.String(required=True)
    effective_on = Date(required=True)
    recorded_at = Time(required=True)
    version = fields.String(metadata={"description": "only for a policy version's adoption or withdrawal"})

    @post_dump
    def _version_only_for_policy(self, cause: dict[str, Any], **_: Any) -> dict[str, Any]:
        if cause["type"] not in POLICY_CAUSES:
            cause.pop("version", None)
        return cause


class StandingDocument(Schema):
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    level = fields.String(required=True, allow_none=True)

    @pre_dump
    def _values(self, standing: Any, **_: Any) -> dict[str, Any]:
        return {"status": standing.status.value, "level": standing.level}


class ChangeDocument(Schema):
    """A maximal span of business dates, `from` through `through` inclusive, with one before and one after."""

    first = Date(required=True, data_key="from")
    last = Date(required=True, data_key="through")
    before = fields.Nested(StandingDocument, required=True)
    after = fields.Nested(StandingDocument, required=True)


class RevisionDocument(Schema):
    cause = fields.Nested(CauseDocument, required=True)
    changes = fields.List(fields.Nested(ChangeDocument), required=True)


class RevisionsDocument(Schema):
    member_id = fields.String(required=True)
    revisions = fields.List(fields.Nested(RevisionDocument), required=True, metadata={"description": "oldest first"})
