"""Corrections from the member page, for staff: withdrawing a fact and amending an activity
(rules.md section 8).

Each form posts to a route of its own, which builds the command the API builds (`WithdrawFact`,
`AmendActivity`, from the API's own request schema) and hands it to `service.execute`.
Accepted: back to the member page (POST-redirect-GET, so a reload sends nothing again) with a
message saying what was recorded. Refused: the same form again, keeping what was typed, with
the refusal's code and message and the status the API would answer; nothing is recorded.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from application.commands import AmendActivity, WithdrawFact
from domain.corrections import activity_in_force
from domain.events import ActivityClaimed, Evidence
from domain.guards import check_amendable
from domain.rules import ActivityClaim, claim_of
from web.auth import Permission, recorded_by
from web.dashboard import data
from web.dashboard.access import form, page
from web.dashboard.blueprint import REFUSALS, Refusal, dashboard, refusal_of
from web.dashboard.forms import new_submission_key, read_form, submission_key
from web.dashboard.pages import member_page
from web.dashboard.wording import number, standing
from web.schemas.commands import AmendmentBody, WithdrawalBody
from web.services import service

AMENDMENT = "/dashboard/members/<member_id>/activities/<activity_id>/amendment"


def _back_to(member_id: str) -> BaseResponse:
    return redirect(url_for("dashboard.member", member_id=member_id, _anchor="history"), 303)


@dashboard.post("/dashboard/members/<member_id>/withdrawals")
@form(Permission.CORRECT)
def withdrawal(member_id: str) -> tuple[str, int] | BaseResponse:
    try:
        command = WithdrawFact(member_id, **read_form(WithdrawalBody))
        outcome = service().execute(command, submission_key(), recorded_by())
    except REFUSALS as error:
        return member_page(member_id, refusal_of(error))
    if outcome.repeated:
        flash(f"That withdrawal of fact {command.fact_id} was already recorded; nothing new was recorded.")
    else:
        status = outcome.status
        now = standing(status.status, status.level)
        flash(f"Fact {command.fact_id} withdrawn. On {status.on} the member is now {now}: {status.reason}")
    return _back_to(member_id)


@dashboard.get(AMENDMENT)
@page(Permission.CORRECT)
def amendment(member_id: str, activity_id: str) -> tuple[str, int]:
    return _amendment_page(member_id, activity_id)


@dashboard.post(AMENDMENT)
@form(Permission.CORRECT)
def amend(member_id: str, activity_id: str) -> tuple[str, int] | BaseResponse:
    try:
        body = read_form(AmendmentBody)
        reason = body.pop("reason")
        outcome = service().execute(AmendActivity(member_id, activity_id, ActivityClaim(**body), reason),
                                    submission_key(), recorded_by())
    except REFUSALS as error:
        return _amendment_page(member_id, activity_id, refusal_of(error))
    if outcome.repeated:
        flash("That amendment was already recorded; nothing new was recorded.")
    else:
        cecs = number(outcome.cecs_awarded) if outcome.cecs_awarded is not None else "no"
        flash(f"Activity “{body['title']}” amended: it now earns {cecs} CECs.")
    return _back_to(member_id)


def _amendment_page(member_id: str, activity_id: str, refusal: Refusal | None = None) -> tuple[str, int]:
    """The amendment form, prefilled with the activity's content now (or, after a refusal,
    with what was typed)."""
    facts = service().credential(member_id).history
    check_amendable(facts, activity_id)
    current = activity_in_force(facts, activity_id)
    assert current is not None  # check_amendable refused a withdrawn or unknown activity
    page_html = render_template(
        "dashboard/amend.html", member_id=member_id, name=data.name_of(facts), activity=current,
        values=dict(request.form) if refusal else claim_fields(current), refusal=refusal,
        categories=data.category_choices(current.category), evidence=[e.value for e in Evidence],
        submission_key=new_submission_key(),
    )
    return page_html, refusal.status if refusal else 200


def claim_fields(fact: ActivityClaimed) -> dict[str, Any]:
    """A claim's content as the form's inputs show it: text, empty when not given."""
    return {name: value if isinstance(value, bool) else ("" if value is None else str(value))
            for name, value in asdict(claim_of(fact)).items()}
