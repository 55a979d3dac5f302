"""Request bodies of the commands. Unknown fields are refused (marshmallow's RAISE).

Only the shape is checked here; whether a value is acceptable (a category, a grade, a
date in the right window) is for the domain's rules to say, with their own codes.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from domain.events import Evidence
from web.fields import CATEGORIES, CERTIFICATIONS, Date, Integer, Money, Number, PolicyTerm, Seed, Text


class CertificationBody(Schema):
    certification = PolicyTerm(CERTIFICATIONS, required=True, limit=20,
                               metadata={"description": "certification code", "example": "CPT"})
    certified_on = Date(required=True)
    name = Text(load_default=None, allow_none=True, limit=200)


class ActivityBody(Schema):
    """Which of the optional fields are needed depends on the category (see the contract)."""

    category = PolicyTerm(CATEGORIES, required=True, limit=50, metadata={
        "description": "an activity category; refused ones (cpr, bls, certification_exam, membership, "
                       "committee) answer 422 not_accepted_category",
        "example": "acsm_workshop",
    })
    title = Text(required=True, limit=300)
    completed_on = Date(required=True)
    evidence = fields.String(
        load_default=Evidence.CEC_CERTIFICATE.value,
        validate=validate.OneOf([e.value for e in Evidence]),
    )
    hours = Number(load_default=None, allow_none=True, maximum=10_000)
    units = Number(load_default=None, allow_none=True, maximum=10_000)
    provider = Text(load_default=None, allow_none=True, limit=100)
    decimal_units = fields.Boolean(load_default=False, metadata={
        "description": "the provider says it uses the decimal system (0.1 unit = 1 CEC)",
    })
    credit_hours = Number(load_default=None, allow_none=True, maximum=1_000)
    grade = Text(load_default=None, allow_none=True, limit=5)
    course_id = Text(load_default=None, allow_none=True, limit=100)
    published_on = Date(load_default=None, allow_none=True)


class AmendmentBody(ActivityBody):
    """The whole new content of the claim (every field as when claiming), and why it changes."""

    reason = Text(required=True, limit=500)


class RenewalBody(Schema):
    submitted_on = Date(required=True)
    fee_paid = Money(load_default=None, allow_none=True)


class AuditBody(Schema):
    selected_on = Date(required=True)


class RejectedItem(Schema):
    activity_id = Text(required=True, limit=100)
    reason = Text(required=True, limit=500)

    @post_load
    def pair(self, item: dict[str, str], **_: Any) -> tuple[str, str]:
        return item["activity_id"], item["reason"]


class DocumentationBody(Schema):
    received_on = Date(required=True)
    rejected = fields.List(fields.Nested(RejectedItem), required=True, validate=validate.Length(max=1000))
    replace_by = Date(load_default=None, allow_none=True)

    @post_load
    def frozen_pairs(self, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        """`rejected` as the command holds it: a tuple of (activity id, reason) pairs."""
        return {**body, "rejected": tuple(body["rejected"])}


class WithdrawalBody(Schema):
    fact_id = Text(required=True, limit=100, metadata={"description": "the `fact_id` of the fact, as the history "
                                                                      "lists it", "example": "3"})
    reason = Text(required=True, limit=500)
    decided_on = Date(load_default=None, allow_none=True, metadata={
        "description": "the day the correction was decided, at most today; default: today",
    })
    replace_by = Date(load_default=None, allow_none=True, metadata={
        "description": "when the withdrawal leaves a renewed cycle short: the day replacement CECs are due "
                       "(default: 90 days after `decided_on`)",
    })


class SelectionBody(Schema):
    renewal_year = Integer(required=True, strict=True, validate=validate.Range(min=1900, max=2998))
    rate = Number(required=True, maximum=1, metadata={"description": "share of each level to audit, 0..1"})
    seed = Seed(required=True)
    selected_on = Date(load_default=None, allow_none=True, metadata={"description": "default: today"})
