"""The what-if of the member page, for the roles that may try commands (staff, auditors): "would a
3-credit college course completed on this date make them compliant?". One activity claim and, if
asked, a renewal on a date are judged as if recorded now, by `service.what_if`, exactly as
POST /members/{id}/what-if judges them; the answer is each outcome (accepted with the CECs
earned, or the refusal the rules would give) and the status and what is needed on the day asked,
beside the same as recorded.

It records nothing, so it is a GET form: a question staff can bookmark or send, read with the
API's own request schemas (`ActivityBody`) as every form is. A malformed field is shown beside
the form, at the API's status (400), like a refused correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import render_template, request

from application.commands import ClaimActivity, MemberCommand, SubmitRenewal
from application.what_if import TriedOutcome
from domain.document import CredentialStatus, status_of
from domain.events import Evidence
from domain.rules import ActivityClaim
from web.auth import Permission
from web.dashboard import data
from web.dashboard.access import page
from web.dashboard.arguments import date_arg, given
from web.dashboard.blueprint import REFUSALS, dashboard, refusal_of
from web.dashboard.forms import read_form
from web.dashboard.wording import humanize, standing
from web.schemas import shared
from web.schemas.commands import ActivityBody
from web.services import service

RENEW_ON, ON = "renew_on", "on"
DEFAULT_TITLE = "Activity tried"  # the form's title until staff name the activity


@dataclass(frozen=True)
class Trial:
    what: str  # the command, in words
    command: MemberCommand
    on: date  # its business date


@dataclass(frozen=True)
class Tried:
    what: str  # the command, in words
    outcome: TriedOutcome


@dataclass(frozen=True)
class WhatIfAnswer:
    on: date
    tried: list[Tried]
    recorded: CredentialStatus  # on `on`, from the facts recorded
    if_tried: CredentialStatus  # on `on`, with the accepted commands too

    @property
    def change(self) -> str:
        """"active (CPT) → inactive (CPT)", or "still active (CPT)"."""
        before = standing(self.recorded.status, self.recorded.level)
        after = standing(self.if_tried.status, self.if_tried.level)
        return f"still {after}" if before == after else f"{before} → {after}"


def what_if_defaults(today: date) -> dict[str, str]:
    """The form as the member page shows it: an activity completed today, named for what it is."""
    return {"title": DEFAULT_TITLE, "completed_on": today.isoformat()}


def _asked(member_id: str) -> list[Trial]:
    """What the query string asks to try: the claim when any of its fields is given, the renewal
    when its date is. A 400 for a malformed field."""
    trials = []
    if any(request.args.get(name, "").strip() for name in shared(ActivityBody).load_fields):
        claim = ActivityClaim(**read_form(ActivityBody, request.args))
        trials.append(Trial(f"{humanize(claim.category)} “{claim.title}”, completed {claim.completed_on}",
                            ClaimActivity(member_id, claim), claim.completed_on))
    if given(RENEW_ON):
        renew_on = date_arg(RENEW_ON, date.min)
        trials.append(Trial(f"A renewal submitted on {renew_on}", SubmitRenewal(member_id, renew_on), renew_on))
    return trials


@dashboard.get("/dashboard/members/<member_id>/what-if")
@page(Permission.TRY)
def what_if(member_id: str) -> tuple[str, int]:
    app = service()
    facts = app.credential(member_id).history  # an unknown member: the 404 page
    today = data.today()
    answer, refusal = None, None
    try:
        trials = _asked(member_id)
        # By default the latest of today and the days tried: the day by which all of it has happened.
        on = date_arg(ON, max([today, *(trial.on for trial in trials)]))
    except REFUSALS as error:
        refusal = refusal_of(error)
    else:
        if trials:
            tried = app.what_if(member_id, [trial.command for trial in trials], [on])
            answer = WhatIfAnswer(on, [Tried(t.what, outcome) for t, outcome in zip(trials, tried.outcomes)],
                                  status_of(facts, on, None, app.book()), tried.status[on])
    values: dict[str, Any] = dict(request.args) if request.args else what_if_defaults(today)
    page_html = render_template(
        "dashboard/what_if.html", member_id=member_id, name=data.name_of(facts), answer=answer, refusal=refusal,
        values=values, categories=data.category_choices(values.get("category")), evidence=[e.value for e in Evidence],
    )
    return page_html, refusal.status if refusal else 200
