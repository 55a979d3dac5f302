"""A member's statement: the page staff print (or save as PDF) and send when a member asks where
they stand. Their status and its reason on a day (today by default), the certifications held,
every cycle with its CECs, the CECs of the current cycle by category, the renewals and audits,
what is still needed and the reminders sent; as recorded now.

Everything comes from one replay of the member's facts up to the day (`domain.replay`, the fold
behind every status answer, described by `domain.document.describe` exactly as `status_of`
does), the audits from the member's timeline (`domain.timeline`, as the read models keep them),
so the statement says what the status API and the reports say. The template only lays it out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import render_template

from domain.corrections import in_force
from domain.document import CredentialStatus, describe, tenths
from domain.events import CredentialFact, ReminderIssued, RenewalSubmitted
from domain.fold import Fold
from domain.policy import PolicyBook
from domain.replay import replay
from domain.states import AuditState
from domain.timeline import timeline
from web.auth import Permission
from web.dashboard import data
from web.dashboard.access import page
from web.dashboard.arguments import date_arg
from web.dashboard.blueprint import dashboard
from web.services import service


@dataclass(frozen=True)
class CycleLine:
    start: date
    end: date
    required_cecs: Decimal
    counted_cecs: Decimal
    claimed_cecs: Decimal
    renewed_on: date | None


@dataclass(frozen=True)
class CategoryLine:
    category: str
    activities: int
    cecs: Decimal  # claimed: the teaching cap and repeated courses may count fewer


@dataclass(frozen=True)
class AuditLine:
    selected_on: date
    cycle_end: date | None  # of the cycle audited; None if the selection audited none
    state: AuditState | None  # on the statement's day (or when it stopped being the member's audit)
    selected: bool  # by a recorded selection; else opened by a correction that left the cycle short


@dataclass(frozen=True)
class Statement:
    member_id: str
    name: str | None
    status: CredentialStatus
    known_at: datetime  # when it was made: every fact recorded by then is in it
    cycles: list[CycleLine]  # oldest first
    categories: list[CategoryLine]  # of the current cycle, the most CECs first
    renewals: list[RenewalSubmitted]
    audits: list[AuditLine]
    reminders: list[ReminderIssued]
    lapsed: data.Lapsed | None = None  # what an invalid member held until it lapsed


def statement_of(member_id: str, on: date) -> Statement:
    """The member's statement on `on`, as recorded now; MemberNotFound for an unknown id."""
    app = service()
    facts = list(app.credential(member_id).history)
    known_at, book = app.clock(), app.book()
    fold = replay(facts, on, None, book)
    status = describe(fold, on, None)
    return Statement(
        member_id, data.name_of(facts), status, known_at, _cycles(fold), _categories(fold),
        sorted((f for f in in_force(facts) if isinstance(f, RenewalSubmitted) and f.effective_on <= on),
               key=lambda f: f.effective_on),
        _audits(facts, on, status, book),
        data.reminders(f for f in facts if f.effective_on <= on),
        data.lapsed(facts, status, None, book),
    )


def _cycles(fold: Fold) -> list[CycleLine]:
    every = [*fold.past_cycles, *([fold.cycle] if fold.cycle is not None else [])]
    return [CycleLine(c.start, c.end, fold.cycle_required(c), tenths(fold.cycle_counted(c)), tenths(c.claimed()),
                      c.renewed_on) for c in every]


def _categories(fold: Fold) -> list[CategoryLine]:
    activities: dict[str, int] = defaultdict(int)
    cecs: dict[str, Decimal] = defaultdict(Decimal)
    for credit in fold.cycle.credits if fold.cycle is not None else []:
        activities[credit.category] += 1
        cecs[credit.category] += credit.cecs
    lines = [CategoryLine(category, count, tenths(cecs[category])) for category, count in activities.items()]
    return sorted(lines, key=lambda line: (-line.cecs, line.category))


def _audits(facts: Sequence[CredentialFact], on: date, status: CredentialStatus, book: PolicyBook) -> list[AuditLine]:
    """Each selection up to `on` with its state then; and the audit a correction opened, which no
    selection records, while it is the member's audit."""
    lines = [AuditLine(record.selected_on, record.cycle_end, record.state_on(on), True)
             for record in timeline(facts, book, on).audits]
    audit = status.audit
    if audit is not None and all(line.selected_on != audit.selected_on for line in lines):
        lines.append(AuditLine(audit.selected_on, audit.cycle_end, audit.state, False))
    return sorted(lines, key=lambda line: line.selected_on)


@dashboard.get("/dashboard/members/<member_id>/statement")
@page(Permission.READ)
def statement(member_id: str) -> str:
    today = data.today()
    on = date_arg("on", today)
    return render_template("dashboard/statement.html", statement=statement_of(member_id, on), today=today)
