"""What-if (rules.md section 12): commands to try, each with the body its own endpoint takes,
and what they would do. A body that its endpoint would refuse as malformed is refused here
too (400, naming the command by its place in the list), before anything is tried."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from web.fields import Cecs, Date
from web.schemas.commands import (
    ActivityBody,
    AuditBody,
    CertificationBody,
    DocumentationBody,
    RenewalBody,
    WithdrawalBody,
)
from web.schemas.documents import StatusDocument
from web.schemas.errors import ErrorBody

# Each command a what-if can try, with the body of the endpoint that records it.
TRIED_BODIES: dict[str, type[Schema]] = {
    "certify": CertificationBody,
    "claim_activity": ActivityBody,
    "submit_renewal": RenewalBody,
    "select_for_audit": AuditBody,
    "review_documentation": DocumentationBody,
    "withdraw": WithdrawalBody,
}
MAX_TRIED = 100
MAX_DAYS = 50


class TriedCommand(Schema):
    command = fields.String(required=True, validate=validate.OneOf(list(TRIED_BODIES)))
    body = fields.Dict(keys=fields.String(), required=True, metadata={"description": "the command's body, as its "
                                                                                     "own endpoint takes it"})

    @post_load
    def _loaded_body(self, tried: dict[str, Any], **_: Any) -> tuple[str, dict[str, Any]]:
        try:
            body = TRIED_BODIES[tried["command"]]().load(tried["body"])
        except ValidationError as error:
            raise ValidationError({"body": error.messages}) from None
        return tried["command"], body


class WhatIfBody(Schema):
    commands = fields.List(fields.Nested(TriedCommand), required=True, validate=validate.Length(max=MAX_TRIED),
                           metadata={"description": "tried in this order, each against every known fact and the "
                                                    "accepted commands before it"})
    on = fields.List(Date(), load_default=list, validate=validate.Length(max=MAX_DAYS), metadata={
        "description": "the days to answer the status on; default: today"})


class TriedOutcomeDocument(Schema):
    accepted = fields.Boolean(required=True)
    cecs_awarded = Cecs(required=True, allow_none=True, metadata={"description": "for an accepted activity claim"})
    error = fields.Nested(ErrorBody, required=True, allow_none=True, metadata={
        "description": "why it would be refused: the code and message its own endpoint would answer"})


class WhatIfDocument(Schema):
    outcomes = fields.List(fields.Nested(TriedOutcomeDocument), required=True, metadata={
        "description": "one per command, in order"})
    status = fields.Dict(keys=fields.String(), values=fields.Nested(StatusDocument), required=True, metadata={
        "description": "the status on each day asked (YYYY-MM-DD), from every known fact and the accepted commands"})
