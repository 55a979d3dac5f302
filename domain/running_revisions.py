"""A member's revisions from one running fold: what `domain.revisions.revisions` answers, computed
without folding the history twice at every moment.

`domain.revisions` compares, at each moment that may revise (facts recorded after the day they
are dated, corrections, policy changes), the status periods of the facts known just before it and
just after it, each folded from the first fact. A history of n recorded moments costs n^2 fact
applications: a member recorded a day late throughout, 300 facts, takes 2 ms a fact.

Most moments add facts that fold after every fact already folded (business order, `domain.replay`),
dated on or after the day the fold is on, under the same book, correcting nothing. For those the
two sides agree on every day before the first new fact (the fold is causal, and no fact in force
changes), and one fold of everything known so far, kept from moment to moment, gives both sides on
the days that remain: advanced to the first new fact's day, it is the "before" on that day, and on
every later day up to the moment when no deadline falls due between (`Fold.next_deadline`); the new
facts applied to it, watched day by day as `domain.timeline` watches them, give the "after". That
is exactly the comparison `revisions` makes, on the only days where the two sides may differ, and
`changes_between` makes the spans of both alike.

Wherever that cannot be said (a correction, a fact folding before one already folded or dated before
the fold's day, a book that differs before and at the moment, a deadline inside the compared days,
recorded times going backwards) the moment is compared as `revisions` compares it, from folds of the
whole prefixes, and the running fold is folded anew from the facts known after it. Policy changes
are always compared that way. The tests hold every answer to `revisions` on random histories with
late facts, corrections and policy versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import groupby
from typing import NamedTuple

from domain import rules
from domain.events import ActivityAmended, ActivityClaimed, CredentialFact, CredentialOpened, FactWithdrawn
from domain.fold import Fold
from domain.policy import PolicyBook
from domain.replay import business_order, foldables
from domain.revisions import (
    JUST_BEFORE,
    UNFOLDED,
    BookAt,
    Cause,
    PolicyChange,
    Revision,
    changes_between,
    revisions,
)
from domain.rules import ONE_DAY
from domain.states import Status
from domain.timeline import StatusPeriod, status_periods

Standing = tuple[Status, str | None]
CORRECTIONS = (FactWithdrawn, ActivityAmended)


def may_revise(facts: Sequence[CredentialFact]) -> bool:
    """Whether `domain.revisions` weighs the moment of `facts` (recorded together) at all."""
    recorded_on = facts[0].timestamp.date()
    return (not all(isinstance(f, CredentialOpened) for f in facts)
            and any(not isinstance(f, UNFOLDED) and (isinstance(f, CORRECTIONS) or f.effective_on < recorded_on)
                    for f in facts))


def _standing(fold: Fold) -> Standing:
    # What a timeline period holds (`domain.timeline._WatchedFold.look`): the status and the level.
    top = rules.highest(fold.held.values())
    return fold.status, top.code if top else None


class RunningFold:
    """The fold of every fact of a history's first `length` facts, in business order, under `book`:
    what a replay of them folds, on the day the last of them is dated (or a later day it was advanced
    to). Facts that fold after all of these, dated on or after that day, continue it exactly."""

    def __init__(self, history: Sequence[CredentialFact], length: int, book: PolicyBook) -> None:
        known = history[:length]
        self.book = book
        self.length = length
        self.last = known[-1] if known else None
        self.key = business_order(book)
        self.fold = Fold(book)
        order = foldables(known, None, book)
        for fact in order:
            self.fold.apply(fact)
        self.last_key: tuple[object, ...] | None = self.key(order[-1]) if order else None
        self.corrected = any(isinstance(f, CORRECTIONS) for f in known)
        # In force after a correction, a claim of an activity already claimed supersedes it.
        self.claimed = {f.activity_id for f in known if isinstance(f, ActivityClaimed)} if self.corrected else set()

    def continues(self, history: Sequence[CredentialFact], book: PolicyBook) -> bool:
        """Whether it is the running fold of `history`'s first `length` facts under `book`."""
        return (self.book.folds_as(book) and len(history) >= self.length
                and (self.length == 0 or history[self.length - 1] is self.last))

    def in_order(self, new: Sequence[CredentialFact]) -> list[CredentialFact] | None:
        """`new` in business order, when folding it onto this fold equals a replay of everything."""
        if any(isinstance(f, CORRECTIONS) for f in new):
            return None
        if self.corrected and any(isinstance(f, ActivityClaimed) and f.activity_id in self.claimed for f in new):
            return None
        ordered = sorted(new, key=self.key)
        today = self.fold.today
        if ordered and ((self.last_key is not None and not self.key(ordered[0]) > self.last_key)
                        or (today is not None and ordered[0].effective_on < today)):
            return None
        return ordered

    def apply(self, fact: CredentialFact) -> None:
        self.fold.apply(fact)
        self.last_key = self.key(fact)
        if self.corrected and isinstance(fact, ActivityClaimed):
            self.claimed.add(fact.activity_id)

    def grown(self, history: Sequence[CredentialFact], length: int, ordered: Sequence[CredentialFact],
              applied: int = 0) -> None:
        """Now the running fold of `history[:length]`: `ordered` (the facts added, of which `compare`
        applied the first `applied`) applied."""
        for fact in ordered[applied:]:
            self.apply(fact)
        self.length, self.last = length, history[length - 1]

    def compare(self, ordered: Sequence[CredentialFact], recorded_on: date) -> Compared | None:
        """The before and after of the moment adding `ordered` (in business order, continuing this
        fold), as period lists from the first new fact's day to the day before `recorded_on`; the
        new facts dated before that day are applied (`grown` applies the rest). None, with no fact
        applied, when a deadline falls due inside those days before the new facts (the before side
        changes there with no fact: compare the prefixes whole)."""
        fold, first, last_day = self.fold, ordered[0].effective_on, recorded_on - ONE_DAY
        fold.advance_to(first)  # both sides, up to here: the same fold
        was = _standing(fold)
        deadline = fold.next_deadline()
        if deadline is not None and deadline.on <= last_day:
            return None
        seen: list[tuple[date, Standing]] = [(first, was)]

        def look(day: date) -> None:
            # The state at the end of each day (the last look of a day wins), as a timeline sees it.
            if seen[-1][0] == day:
                seen[-1] = (day, _standing(fold))
            else:
                seen.append((day, _standing(fold)))

        def advance_watched(day: date) -> None:
            while (due := fold.next_deadline()) is not None and due.on <= day:
                fold.advance_to(due.on)
                look(due.on)
            fold.advance_to(day)

        applied = 0
        for fact in ordered:
            if fact.effective_on > last_day:
                break
            advance_watched(fact.effective_on)
            self.apply(fact)
            applied += 1
            look(fact.effective_on)
        advance_watched(last_day)
        return Compared(_periods([(first, was)]), _periods(seen), applied)


class Compared(NamedTuple):
    before: list[StatusPeriod]
    after: list[StatusPeriod]
    applied: int  # of the new facts, in business order


def _periods(seen: Sequence[tuple[date, Standing]]) -> list[StatusPeriod]:
    periods: list[StatusPeriod] = []
    for day, (status, level) in seen:
        if periods and (periods[-1].status, periods[-1].level) == (status, level):
            continue
        periods.append(StatusPeriod(day, None, status, level))
    return periods


def member_revisions(history: Sequence[CredentialFact], book_at: BookAt, policy_changes: Sequence[PolicyChange] = (),
                     *, recorded_from: datetime | None = None, running: RunningFold | None = None,
                     ) -> tuple[list[Revision], RunningFold | None]:
    """`revisions(history, book_at, policy_changes, recorded_from=recorded_from)`, and the running
    fold of the whole history, to continue from when the history grows (pass it as `running`)."""
    if any(later.timestamp < earlier.timestamp for earlier, later in zip(history, history[1:])):
        return revisions(history, book_at, policy_changes, recorded_from=recorded_from), None
    found: list[tuple[datetime, Revision]] = []
    start = 0
    for recorded_at, group in groupby(history, key=lambda fact: fact.timestamp):
        facts = list(group)
        end = start + len(facts)
        if recorded_from is not None and recorded_at < recorded_from:
            start = end
            continue
        running = _moment(history, start, end, recorded_at, book_at, running, found)
        start = end
    for change in policy_changes:
        recorded_at = change.cause.recorded_at
        if recorded_from is not None and recorded_at < recorded_from:
            continue
        known = sum(1 for f in history if f.timestamp <= recorded_at)
        if known and change.earliest_day_changed < recorded_at.date():
            revision = _whole(history, known, known, change.cause, book_at)
            if revision is not None:
                found.append((recorded_at, revision))
    # Stable: at one time, the member's own moment before the policy's, as `revisions` orders them.
    found.sort(key=lambda moment: moment[0])
    return [revision for _at, revision in found], running


def _moment(history: Sequence[CredentialFact], start: int, end: int, recorded_at: datetime, book_at: BookAt,
            running: RunningFold | None, found: list[tuple[datetime, Revision]]) -> RunningFold:
    """Weigh the moment of `history[start:end]` (appending its revision to `found`), and return the
    running fold of `history[:end]`."""
    facts = history[start:end]
    book = book_at(recorded_at)
    if running is None or not running.continues(history, book) or running.length != start:
        running = RunningFold(history, start, book)
    ordered = running.in_order(facts)
    weighed = may_revise(facts)
    last = facts[-1]
    cause = Cause(type(last).__name__, last.fact_id, last.effective_on, recorded_at)
    compared = None
    if weighed and ordered is not None and book_at(recorded_at - JUST_BEFORE).folds_as(book):
        compared = running.compare(ordered, recorded_at.date())
    if weighed and compared is None:
        revision = _whole(history, start, end, cause, book_at)
    elif compared is not None:
        changes = changes_between(compared.before, compared.after, recorded_at.date())
        revision = Revision(cause, tuple(changes)) if changes else None
    else:
        revision = None
    if revision is not None:
        found.append((recorded_at, revision))
    if ordered is None:
        return RunningFold(history, end, book)
    running.grown(history, end, ordered, compared.applied if compared is not None else 0)
    return running


def _whole(history: Sequence[CredentialFact], known_before: int, known_after: int, cause: Cause,
           book_at: BookAt) -> Revision | None:
    """The moment compared as `domain.revisions` compares it: both prefixes folded whole."""
    recorded_at = cause.recorded_at
    until = recorded_at.date()
    before = status_periods(history[:known_before], book_at(recorded_at - JUST_BEFORE), until - ONE_DAY)
    after = status_periods(history[:known_after], book_at(recorded_at), until - ONE_DAY)
    changes = changes_between(before, after, until)
    return Revision(cause, tuple(changes)) if changes else None

