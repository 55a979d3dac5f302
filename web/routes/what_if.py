"""What-if (rules.md section 12): commands tried on a member, answered, never recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint

from application.commands import (
    Certify,
    ClaimActivity,
    MemberCommand,
    ReviewDocumentation,
    SelectForAudit,
    SubmitRenewal,
    WithdrawFact,
)
from application.what_if import TriedOutcome
from domain.rules import ActivityClaim
from web.auth import Permission
from web.endpoint import Operation, endpoint
from web.errors import plain
from web.routes.members import MEMBER
from web.schemas.documents import MemberStatus
from web.schemas.parameters import MemberPath
from web.schemas.what_if import WhatIfBody, WhatIfDocument
from web.services import service

what_if = Blueprint("what_if", __name__)

# Each tried command as the endpoint that records it builds it.
BUILDERS: dict[str, Callable[[str, dict[str, Any]], MemberCommand]] = {
    "certify": lambda member, body: Certify(member, **body),
    "claim_activity": lambda member, body: ClaimActivity(member, ActivityClaim(**body)),
    "submit_renewal": lambda member, body: SubmitRenewal(member, **body),
    "select_for_audit": lambda member, body: SelectForAudit(member, **body),
    "review_documentation": lambda member, body: ReviewDocumentation(member, **body),
    "withdraw": lambda member, body: WithdrawFact(member, **body),
}


def outcome_document(outcome: TriedOutcome) -> dict[str, Any]:
    error = outcome.error
    return {"accepted": outcome.accepted, "cecs_awarded": outcome.cecs_awarded,
            "error": None if error is None else {"code": error.code, "message": error.message,
                                                 "details": plain(error.details)}}


@endpoint(what_if, Operation(
    "POST", f"{MEMBER}/what-if", "Try commands on a member without recording them", "members", WhatIfDocument,
    permission=Permission.TRY, path=MemberPath, body=WhatIfBody,
    description="Each command is judged as its own endpoint would judge it, in the order given, against every "
                "known fact and the commands accepted before it; the status is answered on each day of `on`. "
                "Nothing is recorded. The member need not exist yet: a tried `certify` opens the credential.",
))
def try_commands(path: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    member_id = path["member_id"]
    app = service()
    commands = [BUILDERS[name](member_id, arguments) for name, arguments in body["commands"]]
    tried = app.what_if(member_id, commands, body["on"] or [app.today()])
    return {
        "outcomes": [outcome_document(o) for o in tried.outcomes],
        "status": {day.isoformat(): MemberStatus(member_id, status, tried.known_at)
                   for day, status in tried.status.items()},
    }
