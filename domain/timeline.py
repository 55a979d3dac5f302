"""A member's whole life on the business-date axis, from one replay.

`timeline` folds every known fact once, in business order, with the same `Fold` that
`status_of` uses, and looks at the state at the end of each day on which something
happened: a fact, or a deadline falling due. Nothing changes between those days, so what
it sees there is the member's status periods, audit state periods and the days each cycle
began, was renewed or was cut short. A read model can then answer "on date X" for any X
with a range lookup instead of a replay; each answer equals what `status_of` and the
reports in `projections.reports` give for that date, because it is the same fold, only
watched as it goes.

Deadlines keep falling due with no new fact (a cycle ending 2028-12-31 makes the member
inactive from 2029-01-01), so the fold runs on to `horizon`; with no fact after the last
one every chain of deadlines ends in `invalid`, which has none, so a far horizon costs
only those few steps.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import NamedTuple

from domain import rules
from domain.cycles import Cycle
from domain.document import CredentialStatus, describe
from domain.events import ActivityClaimed, AuditSelected, CredentialFact
from domain.fold import Fold, Foldable
from domain.fold_state import FeeBasis
from domain.matters import Matter, open_matters
from domain.policy import PolicyBook
from domain.replay import foldables
from domain.states import AuditState, Status

# Before the first certification a member is `not_certified`: the first period starts here.
BEGINNING = date.min
# Far enough that every deadline of known facts has fallen due (see the module docstring).
FOREVER = date(9999, 12, 31)


@dataclass(frozen=True)
class StatusPeriod:
    valid_from: date
    valid_to: date | None  # exclusive; None: until a fact not yet known (or the horizon)
    status: Status
    level: str | None  # the certification that sets the requirement, as in the status document

    def contains(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class CycleRecord:
    start: date
    end: date
    begun_on: date  # the day the fold took it up: its start, or the late renewal that opened it
    renewed_on: date | None
    # The first invalidation inside the cycle (a failed audit): from then on it owed no renewal.
    cut_short_on: date | None


@dataclass(frozen=True)
class AuditPeriod:
    valid_from: date
    valid_to: date | None  # exclusive
    state: AuditState


@dataclass(frozen=True)
class AuditRecord:
    """One recorded selection. Its periods run while it is the member's audit: until the next
    selection, or until passing the exam again after an invalidation clears it. A selection
    the fold never took up (no audited cycle on that day) has none."""

    selected_on: date
    cycle_end: date | None  # of the cycle the fold audits for it; None if never taken up
    periods: tuple[AuditPeriod, ...]

    def state_on(self, day: date) -> AuditState | None:
        """The state on `day`, or on its last day when `day` is later; None before selection."""
        state = None
        for period in self.periods:
            if period.valid_from > day:
                break
            state = period.state
        return state


@dataclass(frozen=True)
class ActivityRecord:
    version: int  # the claim's place in the member's history
    activity_id: str
    category: str
    completed_on: date
    cecs: Decimal


class MatterPeriod(NamedTuple):
    """Days on which the member's open matters (`domain.matters`), status and renewal fee stay
    the same: what a worklist for any of those days lists of the member."""

    valid_from: date
    # Exclusive. An open matter lapses by the day after it is due, so a period ends; None only when
    # the timeline stops at a horizon before that.
    valid_to: date | None
    status: Status
    level: str | None  # as in the status document
    matters: tuple[Matter, ...]
    renewal_fee: Decimal | None  # if a renewal were submitted on any of these days


@dataclass(frozen=True)
class Timeline:
    periods: tuple[StatusPeriod, ...]
    cycles: tuple[CycleRecord, ...]
    audits: tuple[AuditRecord, ...]
    activities: tuple[ActivityRecord, ...]
    matters: tuple[MatterPeriod, ...]  # only the days with an open matter
    current: CredentialStatus | None  # the status document on `today`, when asked for
    # The first day after `today` on which `current` may change with no new fact.
    current_until: date | None

    def period_on(self, day: date) -> StatusPeriod:
        index = bisect.bisect_right([p.valid_from for p in self.periods], day) - 1
        return self.periods[index]


class _Seen(NamedTuple):
    """What the timeline keeps of the state at the end of a day (a tuple: made once per day)."""

    day: date
    status: Status
    level: str | None
    audit_selected_on: date | None
    audit_state: AuditState | None
    matters: tuple[Matter, ...] = ()  # kept only when the matters are watched
    fee: FeeBasis | None = None


class _WatchedFold:
    """The fold, looked at after each day on which a deadline fell due or a fact was applied."""

    def __init__(self, book: PolicyBook, *, watch_matters: bool = False, fold: Fold | None = None) -> None:
        self.fold = fold if fold is not None else Fold(book)
        self.watch_matters = watch_matters
        self.seen: list[_Seen] = []
        # Every cycle starts as the current one and later moves to `past_cycles`, so the cycles
        # in creation order are `past_cycles + [cycle]`, and new ones are at its end.
        self.cycles_begun: list[tuple[Cycle, date]] = []
        # The end of the cycle each selection audits, in business order (derived, section 14).
        self.audited_cycle_ends: list[date | None] = []

    def advance_to(self, day: date) -> None:
        # Deadline by deadline, rather than all at once as `Fold.advance_to` does, to see each day.
        fold = self.fold
        while (deadline := fold.next_deadline()) is not None and deadline.on <= day:
            fold.advance_to(deadline.on)
            self.look(deadline.on)
        fold.advance_to(day)

    def apply(self, fact: Foldable) -> None:
        # The deadlines due by the fact's day first, watched, as `Fold.apply` would apply them.
        self.advance_to(fact.effective_on)
        self.fold.apply(fact)
        if isinstance(fact, AuditSelected):
            audit = self.fold.audit
            taken_up = audit is not None and audit.selected_on == fact.effective_on
            self.audited_cycle_ends.append(audit.cycle.end if audit and taken_up else None)

    def look(self, day: date) -> None:
        fold = self.fold
        top = rules.highest(fold.held.values())
        audit = fold.audit
        seen = _Seen(day, fold.status, top.code if top else None,
                     audit.selected_on if audit else None, audit.state if audit else None)
        if self.watch_matters and (matters := open_matters(fold)):
            # The fee matters only on days with a matter: the worklist is all that reads it.
            seen = seen._replace(matters=matters, fee=fold.fee_basis())
        if self.seen and self.seen[-1].day == day:
            self.seen[-1] = seen
        else:
            self.seen.append(seen)
        cycles = len(fold.past_cycles) + (fold.cycle is not None)
        if cycles > len(self.cycles_begun):
            every = [*fold.past_cycles, *([fold.cycle] if fold.cycle is not None else [])]
            self.cycles_begun += [(cycle, day) for cycle in every[len(self.cycles_begun):]]


def timeline(history: Sequence[CredentialFact], book: PolicyBook, horizon: date = FOREVER, *,
             today: date | None = None) -> Timeline:
    """The member's periods, cycles, audits and activities from the facts with a business date
    up to `horizon`, with the deadlines up to it applied; and, if `today` is given, the status
    document on that day (as `status_of(history, today, None, book)` answers it)."""
    if today is not None and today > horizon:
        raise ValueError(f"today ({today}) is after the horizon ({horizon})")
    facts = foldables(history, None, book, horizon)
    watched, current = _watched(facts, book, horizon, today, watch_matters=True)
    days = [seen.day for seen in watched.seen]
    current_until = None
    if today is not None and (later := bisect.bisect_right(days, today)) < len(days):
        current_until = days[later]
    return Timeline(
        periods=_status_periods(watched.seen),
        cycles=_cycles(watched),
        audits=_audits(facts, watched.seen, watched.audited_cycle_ends),
        activities=tuple(
            ActivityRecord(f.originator_version, f.activity_id, f.category, f.effective_on,
                           f.cecs if book.judged_every_fact else rules.earned_cecs(f, book.in_force(f.effective_on)))
            for f in facts if isinstance(f, ActivityClaimed)
        ),
        matters=_matter_periods(watched.seen, book),
        current=current,
        current_until=current_until,
    )


def status_periods(history: Sequence[CredentialFact], book: PolicyBook, horizon: date = FOREVER,
                   ) -> tuple[StatusPeriod, ...]:
    """Only the status periods of `timeline` (revisions compare nothing else), up to `horizon`."""
    watched, _ = _watched(foldables(history, None, book, horizon), book, horizon, None)
    return _status_periods(watched.seen)


def status_periods_continued(before: Sequence[StatusPeriod], fold: Fold, facts: Sequence[Foldable],
                             day: date, horizon: date = FOREVER) -> tuple[StatusPeriod, ...]:
    """The status periods of a history whose periods before `day` are `before`'s: `fold` is its fold
    of every fact dated before `day` (advanced to the day before, and changed here), `facts` its
    foldables dated on or after `day`, in business order. The fold is causal, so the days before
    `day` are as they were; the rest is watched as `timeline` watches it."""
    watched = _WatchedFold(fold.book, fold=fold)
    for on, facts_of_day in groupby(facts, key=lambda f: f.effective_on):
        for fact in facts_of_day:
            watched.apply(fact)
        watched.look(on)
    watched.advance_to(horizon)
    kept = [p for p in before if p.valid_from < day]
    last = kept.pop()
    periods = list(kept)
    start, status, level = last.valid_from, last.status, last.level
    for seen in watched.seen:
        if (seen.status, seen.level) != (status, level):
            periods.append(StatusPeriod(start, seen.day, status, level))
            start, status, level = seen.day, seen.status, seen.level
    periods.append(StatusPeriod(start, None, status, level))
    return tuple(periods)


def _watched(facts: Sequence[Foldable], book: PolicyBook, horizon: date, today: date | None, *,
             watch_matters: bool = False) -> tuple[_WatchedFold, CredentialStatus | None]:
    """The fold watched over `facts` up to `horizon`, and the status document on `today` if asked."""
    watched = _WatchedFold(book, watch_matters=watch_matters)
    current: CredentialStatus | None = None

    def look_at_today() -> CredentialStatus:
        assert today is not None
        watched.advance_to(today)
        return describe(watched.fold, today, None)

    for day, facts_of_day in groupby(facts, key=lambda f: f.effective_on):
        if today is not None and current is None and day > today:
            current = look_at_today()
        for fact in facts_of_day:
            watched.apply(fact)
        watched.look(day)
    if today is not None and current is None:
        current = look_at_today()
    watched.advance_to(horizon)
    return watched, current


def _status_periods(seen: Sequence[_Seen]) -> tuple[StatusPeriod, ...]:
    # One look per day (the last of the day wins), so a change and its reversal on the same
    # day never make a period of their own.
    periods: list[StatusPeriod] = []
    start, status, level = BEGINNING, Status.NOT_CERTIFIED, None
    for day in seen:
        if (day.status, day.level) != (status, level):
            periods.append(StatusPeriod(start, day.day, status, level))
            start, status, level = day.day, day.status, day.level
    periods.append(StatusPeriod(start, None, status, level))
    return tuple(periods)


def _matter_periods(seen: Sequence[_Seen], book: PolicyBook) -> tuple[MatterPeriod, ...]:
    """The days with open matters, as periods. Between two looks the state stays as it is, but
    the fee does not: the renewal window opens, a policy version takes effect. So a look's days
    are cut there and each part priced on its first day; equal neighbours are joined."""
    periods: list[MatterPeriod] = []
    takes_effect = sorted({policy.effective_from for policy in book.versions})
    for index, look in enumerate(seen):
        if not look.matters:
            continue
        until = seen[index + 1].day if index + 1 < len(seen) else None
        fee_changes = {*takes_effect, *([look.fee.window_opens] if look.fee else [])}
        cuts = sorted(day for day in fee_changes if look.day < day and (until is None or day < until))
        for start, end in zip([look.day, *cuts], [*cuts, until]):
            fee = look.fee.fee_on(start, book) if look.fee else None
            period = MatterPeriod(start, end, look.status, look.level, look.matters, fee)
            last = periods[-1] if periods else None
            if last is not None and last.valid_to == start and last[2:] == period[2:]:
                periods[-1] = last._replace(valid_to=end)
            else:
                periods.append(period)
    return tuple(periods)


def _cycles(watched: _WatchedFold) -> tuple[CycleRecord, ...]:
    invalidated = [t.on for t in watched.fold.transitions if t.status is Status.INVALID]
    return tuple(
        CycleRecord(
            cycle.start, cycle.end, begun_on, cycle.renewed_on,
            min((day for day in invalidated if cycle.start <= day <= cycle.end), default=None),
        )
        for cycle, begun_on in watched.cycles_begun
    )


def _audits(facts: Sequence[Foldable], seen: Sequence[_Seen],
            cycle_ends: Sequence[date | None]) -> tuple[AuditRecord, ...]:
    # The report's rule (projections.reports): an audit is read until the next selection recorded.
    selections = [f for f in facts if isinstance(f, AuditSelected)]
    days = [s.day for s in seen]
    records = []
    for index, selection in enumerate(selections):
        ends = selections[index + 1].effective_on if index + 1 < len(selections) else None
        periods = _audit_periods(selection.effective_on, ends, seen[bisect.bisect_left(days, selection.effective_on):])
        records.append(AuditRecord(selection.effective_on, cycle_ends[index], periods))
    return tuple(records)


def _audit_periods(selected_on: date, ends: date | None, seen: Sequence[_Seen]) -> tuple[AuditPeriod, ...]:
    starts: list[tuple[date, AuditState]] = []
    for day in seen:
        if ends is not None and day.day >= ends:
            break
        if day.audit_selected_on != selected_on or day.audit_state is None:
            ends = day.day  # cleared by a new certification, or never taken up
            break
        if not starts or starts[-1][1] is not day.audit_state:
            starts.append((day.day, day.audit_state))
    valid_to = [start for start, _ in starts[1:]] + [ends]
    return tuple(AuditPeriod(start, to, state) for (start, state), to in zip(starts, valid_to))
