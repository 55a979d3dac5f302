"""Corrections: which recorded facts are in force, given the withdrawals and amendments known.

Facts are never edited or deleted (rules.md section 8). A `FactWithdrawn` voids the fact it
names; an `ActivityAmended` replaces the content of an activity claim and keeps its activity
id. What the fold sees is the history *in force*: every fact known, minus the ones voided.
Computing it from the facts known at T (and only those) is what makes a correction change
the answers "as known from the moment it is recorded" and never before.

Voiding follows "as if the fact had never been recorded":
- a withdrawn activity claim takes its amendments with it; a withdrawn amendment gives the
  activity back the content it had before that amendment;
- a documentation review is one fact for a withdrawal: its rejections and its outcome,
  recorded together by one command, are voided together;
- a superseded claim or amendment is voided by the amendment that replaced it, and can
  still be withdrawn (which takes the activity away).

`in_force` keeps the withdrawals and the amendments in force in its answer, and `decisions`
says on which day each was decided: the fold opens there the replacement window of a renewed
cycle the correction left short (`domain.replay` works out which cycles were short just
before it was recorded). Applied to its own answer `in_force` changes nothing, so a caller may
hand the fold facts already in force.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from domain.events import (
    ActivityAmended,
    ActivityClaimed,
    AuditReviewed,
    CredentialFact,
    DocumentationRejected,
    FactWithdrawn,
    Invalidated,
    MarkedInactive,
    ReminderIssued,
)

# The sweep's transitions are derived, a withdrawal is undone by recording the fact again,
# a reminder was sent whatever it said, and the opening only names the member (rules.md section 8).
NOT_WITHDRAWABLE: tuple[type[CredentialFact], ...] = (FactWithdrawn, MarkedInactive, Invalidated, ReminderIssued)
REVIEW_FACTS = (DocumentationRejected, AuditReviewed)


@dataclass(frozen=True)
class CorrectionDecided:
    """The day a correction was decided: from then a renewed cycle it left short owes
    replacement CECs (by `replace_by`, or the policy's replacement days). A cycle already short
    that day as known just before the correction was recorded (its start among `short_before()`)
    was not left short by it; `weigh` works that out, only when some renewed cycle is short."""

    effective_on: date
    replace_by: date | None
    fact_id: str  # the withdrawal or amendment
    weigh: Callable[[], frozenset[date]] | None = field(default=None, compare=False)

    def short_before(self) -> frozenset[date]:
        return frozenset() if self.weigh is None else self.weigh()


@dataclass(frozen=True)
class Voiding:
    """Which facts are voided, and by which fact: `withdrawn` by a withdrawal (directly, or as
    part of what the withdrawn fact carried), `superseded` by a later amendment."""

    withdrawn: dict[str, str]
    superseded: dict[str, str]

    def voided_by(self, fact_id: str) -> str | None:
        return self.withdrawn.get(fact_id) or self.superseded.get(fact_id)


def _review_group(fact: CredentialFact, history: Sequence[CredentialFact]) -> list[CredentialFact]:
    # One review is recorded by one command, so its facts share their recorded time.
    return [f for f in history if isinstance(f, REVIEW_FACTS) and f.timestamp == fact.timestamp]


def voiding(history: Sequence[CredentialFact]) -> Voiding:
    """Which of `history`'s facts are voided, as known once all of them are."""
    by_id = {f.fact_id: f for f in history}
    withdrawn: dict[str, str] = {}
    for fact in history:
        if not isinstance(fact, FactWithdrawn) or fact.withdrawn_fact_id not in by_id:
            continue
        target = by_id[fact.withdrawn_fact_id]
        carried: Iterable[CredentialFact] = [target]
        if isinstance(target, REVIEW_FACTS):
            carried = _review_group(target, history)
        elif type(target) is ActivityClaimed:
            carried = [f for f in history if isinstance(f, ActivityClaimed) and f.activity_id == target.activity_id]
        for voided in carried:
            withdrawn.setdefault(voided.fact_id, fact.fact_id)
    superseded: dict[str, str] = {}
    standing: dict[str, ActivityClaimed] = {}
    for fact in history:
        if isinstance(fact, ActivityClaimed) and fact.fact_id not in withdrawn:
            previous = standing.get(fact.activity_id)
            if previous is not None:
                superseded[previous.fact_id] = fact.fact_id
            standing[fact.activity_id] = fact
    return Voiding(withdrawn, superseded)


def in_force(history: Sequence[CredentialFact]) -> list[CredentialFact]:
    """The facts the fold folds: every fact of `history` not voided, in recorded order."""
    if not any(isinstance(f, (FactWithdrawn, ActivityAmended)) for f in history):
        return list(history)
    voided = voiding(history)
    return [f for f in history if voided.voided_by(f.fact_id) is None]


def decisions(facts: Iterable[CredentialFact]) -> list[CorrectionDecided]:
    """The day each withdrawal and amendment among `facts` was decided (a withdrawal's business
    date is that day; an amendment's is its new completion date, and it was decided when recorded)."""
    decided = []
    for fact in facts:
        if isinstance(fact, FactWithdrawn):
            decided.append(CorrectionDecided(fact.effective_on, fact.replace_by, fact.fact_id))
        elif isinstance(fact, ActivityAmended):
            decided.append(CorrectionDecided(fact.decided_on, None, fact.fact_id))
    return decided


def activity_in_force(history: Sequence[CredentialFact], activity_id: str) -> ActivityClaimed | None:
    """The claim or amendment that holds an activity's content now; None once withdrawn."""
    standing = [f for f in in_force(history) if isinstance(f, ActivityClaimed) and f.activity_id == activity_id]
    return standing[-1] if standing else None


def activities_in_force(history: Sequence[CredentialFact]) -> dict[str, ActivityClaimed]:
    """Every activity's standing claim or amendment: `activity_in_force` of each, from one pass."""
    standing: dict[str, ActivityClaimed] = {}
    for fact in in_force(history):
        if isinstance(fact, ActivityClaimed):
            standing[fact.activity_id] = fact
    return standing


def without_activity(history: Sequence[CredentialFact], activity_id: str) -> list[CredentialFact]:
    """Every fact but the activity's claim and amendments: what an amendment is judged against."""
    return [f for f in history if not (isinstance(f, ActivityClaimed) and f.activity_id == activity_id)]

