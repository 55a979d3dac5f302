"""The reports replayed from every member's facts: the reference the tables are tested against.

`ReplayQueries` answers each report exactly from every member's histories (as known now)
and the policy (the book, and for revisions the book as known at each time and every
adoption and withdrawal); nothing here reads a store or a clock. It folds each member with
the same `replay` the status answers use, so a report never disagrees with a status
document, and counts only the facts in force (`domain.corrections`).
The read-model tables (`projections.queries`) must give the same values for every
argument, and the tests hold them to it. A store that keeps no tables (in memory) has its
reports answered here too; the tables answer for the others, in one range query each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.corrections import in_force
from domain.cycles import Cycle
from domain.document import status_of
from domain.events import ActivityClaimed, AuditSelected, Certified, CredentialFact
from domain.policy import PolicyBook
from domain.replay import replay
from domain.revisions import BookAt, PolicyChange, revisions
from domain.rules import ONE_DAY, earned_cecs
from domain.states import AuditState, Status
from projections import answers
from projections.rows import member_id_of

History = Sequence[CredentialFact]


class ReplayQueries:
    """The reports (`answers.ReportQueries`) replayed over `histories`, under `book` (the book as
    known now); revisions under `book_at` (the book as known at a time: by default `book` at
    every time) and the policy's adoptions and withdrawals."""

    def __init__(self, histories: Sequence[History], book: PolicyBook, *, book_at: BookAt | None = None,
                 policy_changes: Sequence[PolicyChange] = ()) -> None:
        self.histories = histories
        self.book = book
        self.book_at: BookAt = book_at or (lambda _known_at: book)
        self.policy_changes = policy_changes

    def status_counts(self, on: date) -> answers.StatusCounts:
        """How many members are in each status on `on`, and at which level."""
        counts: Counter[tuple[str, str | None]] = Counter()
        for history in self.histories:
            answer = status_of(history, on, None, self.book)
            counts[answer.status.value, answer.level] += 1
        return answers.status_counts_of(on, counts)

    def renewals_due(self, year: int, as_of: date) -> answers.RenewalsDue:
        """Cycles ending in `year`, by month of their end, with how many were renewed (as known
        on `as_of`, so a renewal in the grace period after the year counts once recorded)."""
        months = [answers.RenewalMonth(m) for m in range(1, 13)]
        for history in self.histories:
            for cycle in _cycles(history, as_of, self.book):
                if cycle.end.year != year:
                    continue
                row = months[cycle.end.month - 1]
                row.due += 1
                if cycle.renewed_on is not None:
                    row.renewed += 1
                    if cycle.renewed_on > cycle.end:
                        row.renewed_late += 1
        return answers.renewals_due_of(year, as_of, months)

    def audits(self, year: int, as_of: date) -> answers.AuditsReport:
        """Audits selected in `year`, by their state (awaiting proof, passed, failed, ...)."""
        counts: Counter[AuditState] = Counter()
        for history in self.histories:
            counts.update(_audit_states(history, year, as_of, self.book))
        return answers.audits_of(year, as_of, {state.value: audits for state, audits in counts.items()})

    def cec_categories(self, year: int) -> answers.CecCategories:
        """CECs claimed per category for activities completed in `year` (every recorded claim,
        whether or not it counts toward a requirement)."""
        claims: Counter[str] = Counter()
        cecs: dict[str, Decimal] = {}
        members: dict[str, set[UUID]] = {}
        for history in self.histories:
            for fact in in_force(history):
                if isinstance(fact, ActivityClaimed) and fact.effective_on.year == year:
                    claims[fact.category] += 1
                    earned = earned_cecs(fact, self.book.in_force(fact.effective_on))
                    cecs[fact.category] = cecs.get(fact.category, Decimal(0)) + earned
                    members.setdefault(fact.category, set()).add(fact.originator_id)
        return answers.cec_categories_of(
            year, [answers.CategoryTotal(c, claims[c], len(members[c]), cecs[c]) for c in sorted(claims)])

    def revisions(self, recorded_from: datetime | None, recorded_to: datetime | None) -> answers.RevisionsReport:
        """Every member's revisions recorded in [`recorded_from`, `recorded_to`), span by span."""
        rows = [row for history in self.histories
                for revision in revisions(history, self.book_at, self.policy_changes, recorded_from=recorded_from,
                                          recorded_to=recorded_to)
                for row in answers.revision_rows(member_id_of(history), revision)]
        return answers.revisions_of(recorded_from, recorded_to, rows)


def _cycles(history: History, as_of: date, book: PolicyBook) -> list[Cycle]:
    """Every cycle the member has had up to `as_of` whose renewal fell due: cycles cut short
    by an invalidation (a failed audit) before their end owed no renewal."""
    fold = replay(history, as_of, None, book)
    cycles = [*fold.past_cycles, *([fold.cycle] if fold.cycle else [])]
    invalidations = [t.on for t in fold.transitions if t.status is Status.INVALID]
    return [c for c in cycles if not any(c.start <= day <= c.end for day in invalidations)]


def _audit_states(history: History, year: int, as_of: date, book: PolicyBook) -> list[AuditState]:
    """The state, on `as_of`, of each audit selected in `year`.

    The fold holds one audit at a time: the next selection replaces it, and passing the
    exam again after invalidation clears it. So each audit is read on the last day it was
    still the member's audit: the day before either of those, or `as_of`."""
    standing = in_force(history)
    selections = sorted(f.effective_on for f in standing if isinstance(f, AuditSelected))
    certified = sorted(f.effective_on for f in standing if isinstance(f, Certified))
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
