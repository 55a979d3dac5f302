"""The staff reports, as pure functions over member histories.

Each function takes every member's facts (as known now) and the policy book, and
answers one report exactly; nothing here reads a store or a clock. They fold each
member with the same `replay` the status answers use, so a report never disagrees with
a status document. The read-model tables of a later issue must give the same answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.events import ActivityClaimed, AuditSelected, Certified, CredentialFact
from domain.policy import PolicyBook
from domain.rules import ONE_DAY
from domain.status import AuditState, Cycle, Status, replay, status_of

History = Sequence[CredentialFact]


# --- status counts ----------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    level: str | None  # the certification that sets the requirement, as in the status document
    members: int


@dataclass(frozen=True)
class StatusCounts:
    on: date
    members: int
    by_status: dict[str, int]
    rows: list[StatusCount]


def status_counts(histories: Iterable[History], on: date, book: PolicyBook) -> StatusCounts:
    """How many members are in each status on `on`, and at which level."""
    counts: Counter[tuple[str, str | None]] = Counter()
    for history in histories:
        answer = status_of(history, on, None, book)
        counts[answer.status.value, answer.level] += 1
    return status_counts_of(on, counts)


def status_counts_of(on: date, counts: Mapping[tuple[str, str | None], int]) -> StatusCounts:
    """The report from the number of members of each (status, level)."""
    by_status = {s.value: 0 for s in Status}
    for (status, _level), members in counts.items():
        by_status[status] += members
    rows = [StatusCount(s, lv, n) for (s, lv), n in sorted(counts.items(), key=lambda i: (i[0][0], i[0][1] or ""))]
    return StatusCounts(on, sum(counts.values()), by_status, rows)


# --- renewals due -----------------------------------------------------------------------


@dataclass
class RenewalMonth:
    month: int
    due: int = 0
    renewed: int = 0
    renewed_late: int = 0  # in the grace period, with the late fee

    @property
    def not_renewed(self) -> int:
        return self.due - self.renewed


@dataclass(frozen=True)
class RenewalsDue:
    year: int
    as_of: date
    due: int
    renewed: int
    months: list[RenewalMonth]


def _cycles(history: History, as_of: date, book: PolicyBook) -> list[Cycle]:
    """Every cycle the member has had up to `as_of` whose renewal fell due: cycles cut short
    by an invalidation (a failed audit) before their end owed no renewal."""
    fold = replay(history, as_of, None, book)
    cycles = [*fold.past_cycles, *([fold.cycle] if fold.cycle else [])]
    invalidations = [t.on for t in fold.transitions if t.status is Status.INVALID]
    return [c for c in cycles if not any(c.start <= day <= c.end for day in invalidations)]


def renewals_due(histories: Iterable[History], year: int, as_of: date, book: PolicyBook) -> RenewalsDue:
    """Cycles ending in `year`, by month of their end, with how many were renewed (as known
    on `as_of`, so a renewal in the grace period after the year counts once recorded)."""
    months = [RenewalMonth(m) for m in range(1, 13)]
    for history in histories:
        for cycle in _cycles(history, as_of, book):
            if cycle.end.year != year:
                continue
            row = months[cycle.end.month - 1]
            row.due += 1
            if cycle.renewed_on is not None:
                row.renewed += 1
                if cycle.renewed_on > cycle.end:
                    row.renewed_late += 1
    return RenewalsDue(year, as_of, sum(m.due for m in months), sum(m.renewed for m in months), months)


# --- audits -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditStateCount:
    state: str
    audits: int


@dataclass(frozen=True)
class AuditsReport:
    year: int
    as_of: date
    selected: int
    by_state: list[AuditStateCount]


def _audit_states(history: History, year: int, as_of: date, book: PolicyBook) -> list[AuditState]:
    """The state, on `as_of`, of each audit selected in `year`.

    The fold holds one audit at a time: the next selection replaces it, and passing the
    exam again after invalidation clears it. So each audit is read on the last day it was
    still the member's audit: the day before either of those, or `as_of`."""
    selections = sorted(f.effective_on for f in history if isinstance(f, AuditSelected))
    certified = sorted(f.effective_on for f in history if isinstance(f, Certified))
    states: list[AuditState] = []
    for index, selected_on in enumerate(selections):
        if selected_on.year != year or selected_on > as_of:
            continue
        until = as_of
        if index + 1 < len(selections):
            until = min(until, selections[index + 1] - ONE_DAY)
        state: AuditState | None = None
        # Read it on each candidate last day in turn; the latest day it is still there wins.
        for day in (*(d - ONE_DAY for d in certified if selected_on < d <= until), until):
            audit = replay(history, day, None, book).audit
            if audit is None or audit.selected_on != selected_on:
                break
            state = audit.state
        if state is not None:
            states.append(state)
    return states


def audits(histories: Iterable[History], year: int, as_of: date, book: PolicyBook) -> AuditsReport:
    """Audits selected in `year`, by their state (awaiting proof, passed, failed, ...)."""
    counts: Counter[AuditState] = Counter()
    for history in histories:
        counts.update(_audit_states(history, year, as_of, book))
    rows = [AuditStateCount(state.value, counts[state]) for state in AuditState]
    return AuditsReport(year, as_of, sum(counts.values()), rows)


# --- CECs by category ---------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    claims: int
    members: int
    cecs: Decimal


@dataclass(frozen=True)
class CecCategories:
    year: int
    claims: int
    cecs: Decimal
    categories: list[CategoryTotal]


def cec_categories(histories: Iterable[History], year: int) -> CecCategories:
    """CECs claimed per category for activities completed in `year` (every recorded claim,
    whether or not it counts toward a requirement)."""
    claims: Counter[str] = Counter()
    cecs: dict[str, Decimal] = {}
    members: dict[str, set[UUID]] = {}
    for history in histories:
        for fact in history:
            if isinstance(fact, ActivityClaimed) and fact.effective_on.year == year:
                claims[fact.category] += 1
                cecs[fact.category] = cecs.get(fact.category, Decimal(0)) + fact.cecs
                members.setdefault(fact.category, set()).add(fact.originator_id)
    rows = [CategoryTotal(c, claims[c], len(members[c]), cecs[c]) for c in sorted(claims)]
    return CecCategories(year, sum(claims.values()), sum(cecs.values(), Decimal(0)), rows)
