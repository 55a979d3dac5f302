"""Revisions: what one recorded fact changed in the answers about days before it was recorded.

A revision (rules.md section 10) is the difference, over the business dates before the UTC day
a fact was recorded, between the status and level as known just before it and as known just
after it. Both sides are `domain.timeline` periods of the same fold every status answer uses,
so a revision is exact by construction: each day's "before" and "after" equal `status_of` for
that day at those two moments.

The moments compared are the member's recorded facts (the facts one command recorded share
their time and make one revision, named after the last of them) and the policy register's
adoptions and withdrawals, which change the book every answer is judged under.

Most facts cannot make a revision: the fold is causal, so a fact dated on or after the day it
is recorded changes nothing before that day. Only facts dated earlier, corrections (which void
facts of any date) and policy changes effective earlier are compared, which keeps the
store-wide report cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from domain.events import (
    ActivityAmended,
    CredentialFact,
    CredentialOpened,
    FactWithdrawn,
    Invalidated,
    MarkedInactive,
    ReminderIssued,
)
from domain.policy import PolicyBook
from domain.rules import ONE_DAY
from domain.states import Status
from domain.timeline import StatusPeriod, status_periods

JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class Standing:
    """What a revision compares on each day: the status and the level."""

    status: Status
    level: str | None


@dataclass(frozen=True)
class Change:
    """A maximal span of days (`first` to `last`, inclusive) with one before and one after."""

    first: date
    last: date
    before: Standing
    after: Standing


@dataclass(frozen=True)
class Cause:
    """The recorded fact (or policy version change) that made a revision."""

    type: str
    fact_id: str
    effective_on: date
    recorded_at: datetime
    version: str | None = None  # the policy version adopted or withdrawn


@dataclass(frozen=True)
class Revision:
    cause: Cause
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class PolicyChange:
    """An adoption or withdrawal of a policy version, as a moment a member's answers may change at."""

    cause: Cause

    @property
    def earliest_day_changed(self) -> date:
        return self.cause.effective_on


BookAt = Callable[[datetime], PolicyBook]


def changes_between(before: Sequence[StatusPeriod], after: Sequence[StatusPeriod], until: date) -> list[Change]:
    """The spans of days before `until` on which the two period lists disagree. Each span is
    maximal: a timeline never has two adjacent periods of one status and level, so at every
    bound between two spans the before or the after changes."""
    bounds = sorted({p.valid_from for p in (*before, *after)} | {until})
    changes: list[Change] = []
    for first, next_first in zip(bounds, bounds[1:]):
        if first >= until:
            break
        was, now = _standing(before, first), _standing(after, first)
        if was != now:
            changes.append(Change(first, min(next_first, until) - ONE_DAY, was, now))
    return changes


def _standing(periods: Sequence[StatusPeriod], day: date) -> Standing:
    period = next(p for p in reversed(periods) if p.valid_from <= day)
    return Standing(period.status, period.level)


# Facts the fold never reads (the sweep's transitions, reminders): recorded late or not, they
# change no answer, so a moment of only these is not weighed at all.
UNFOLDED = (MarkedInactive, Invalidated, ReminderIssued)


def _may_revise(facts: Sequence[CredentialFact], recorded_on: date) -> bool:
    return any(not isinstance(f, UNFOLDED)
               and (isinstance(f, (FactWithdrawn, ActivityAmended)) or f.effective_on < recorded_on) for f in facts)


def revisions(history: Sequence[CredentialFact], book_at: BookAt, policy_changes: Sequence[PolicyChange] = (),
              *, recorded_from: datetime | None = None, recorded_to: datetime | None = None) -> list[Revision]:
    """Every revision of the member's answers, oldest first; only those recorded in
    [`recorded_from`, `recorded_to`) when given. `book_at(t)` is the policy book known at t."""
    # Each moment: when, its cause, how many facts are known just before it and just after it.
    moments: list[tuple[datetime, Cause, int, int]] = []
    start = 0
    for recorded_at, group in groupby(history, key=lambda fact: fact.timestamp):
        facts = list(group)
        if _may_revise(facts, recorded_at.date()) and not all(isinstance(f, CredentialOpened) for f in facts):
            last = facts[-1]
            moments.append((recorded_at, Cause(type(last).__name__, last.fact_id, last.effective_on, recorded_at),
                            start, start + len(facts)))
        start += len(facts)
    for change in policy_changes:
        recorded_at = change.cause.recorded_at
        known = sum(1 for f in history if f.timestamp <= recorded_at)
        if known and change.earliest_day_changed < recorded_at.date():
            moments.append((recorded_at, change.cause, known, known))
    moments.sort(key=lambda moment: moment[0])

    periods_cache: dict[tuple[int, int, date], tuple[StatusPeriod, ...]] = {}

    def periods(known: int, book: PolicyBook, until: date) -> tuple[StatusPeriod, ...]:
        # After one moment is before the next of the same day, unless the book changed between.
        # Only days before `until` are compared: the fold is causal, so it may stop there.
        key = (known, id(book), until)
        if key not in periods_cache:
            periods_cache[key] = status_periods(history[:known], book, until - ONE_DAY)
        return periods_cache[key]

    found: list[Revision] = []
    for recorded_at, cause, known_before, known_after in moments:
        if recorded_from is not None and recorded_at < recorded_from:
            continue
        if recorded_to is not None and recorded_at >= recorded_to:
            continue
        until = recorded_at.date()
        before = periods(known_before, book_at(recorded_at - JUST_BEFORE), until)
        after = periods(known_after, book_at(recorded_at), until)
        changes = changes_between(before, after, until)
        if changes:
            found.append(Revision(cause, tuple(changes)))
    return found
