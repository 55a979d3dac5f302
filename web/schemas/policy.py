"""The policy book over HTTP: the versions and every value of each (rules.md section 9), and the
bodies that adopt and withdraw a version.

The `credentials policy` command reads its files through `AdoptionBody` and prints versions
through `PolicyVersionDocument`, so a file means what the same body means over HTTP and the
command prints what the API answers.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump

from domain.policy_changes import TOP_LEVEL
from domain.policy_register import VersionRecord
from domain.policy_values import policy_values
from web.fields import Date, JsonObject, Text, Time

# The published shape nests three levels (certifications.CPT.renewal_fee); the room above that
# only lets a deeper mistake be named by the domain instead of refused here.
VALUES_DEPTH = 8


class PolicyVersionDocument(Schema):
    version = fields.String(required=True, metadata={"example": "2012-06-01"})
    effective_from = Date(required=True)
    adopted_at = Time(required=True, allow_none=True, metadata={"description": "null for the built-in version"})
    withdrawn_at = Time(required=True, allow_none=True)
    values = fields.Dict(keys=fields.String(), required=True, metadata={
        "description": "the whole book in force from `effective_from`, carried-over values included; money and "
                       f"fractions are strings. Keys: {', '.join(TOP_LEVEL)}",
    })
    # Beyond the contract: why a version was withdrawn, and what the version itself stated.
    withdrawal_reason = fields.String(required=True, allow_none=True)
    changes = fields.Dict(keys=fields.String(), required=True, allow_none=True, metadata={
        "description": "only the values this version changed, as adopted; null for the built-in version",
    })
    adopted_by = fields.String(required=True, allow_none=True, metadata={
        "description": "who adopted it: the token's name, else its role (`cli` for the `credentials` command); "
                       "null for the built-in version and for versions adopted before this was recorded"})
    withdrawn_by = fields.String(required=True, allow_none=True, metadata={
        "description": "who withdrew it, likewise; null while it stands"})

    @pre_dump
    def _values(self, record: VersionRecord, **_: Any) -> dict[str, Any]:
        return {**vars(record), "values": policy_values(record.policy)}


class PolicyDocument(Schema):
    versions = fields.List(fields.Nested(PolicyVersionDocument), required=True, metadata={
        "description": "in effective order; withdrawn versions stay listed",
    })


class AdoptionBody(Schema):
    """A version states only the values that change; every other value carries over from the
    version in force the day before `effective_from`."""

    version = Text(required=True, limit=200, metadata={
        "description": "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or a digit",
        "example": "2020-01-01",
    })
    effective_from = Date(required=True)
    values = JsonObject(VALUES_DEPTH, required=True, metadata={
        "description": "only the values that change, in the shape of `values` in GET /policy, merged key by key",
        "example": {"late_fee": "30.00", "certifications": {"CPT": {"renewal_fee": "50.00"}}},
    })


class VersionWithdrawalBody(Schema):
    reason = Text(required=True, limit=500)
