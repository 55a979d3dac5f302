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
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from domain.corrections import in_force
from domain.cycles import Cycle
from domain.document import status_of
from domain.events import ActivityClaimed, AuditSelected, Certified, CredentialFact, ReminderIssued
from domain.matters import on_worklist, open_matters
from domain.policy import PolicyBook
from domain.replay import replay
from domain.revisions import BookAt, PolicyChange, revisions
from domain.rules import ONE_DAY, earned_cecs, highest
from domain.states import AuditState, Status
from projections import answers
from projections.rows import member_id_of, opening_of

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

    def member_list(self, on: date, wanted: answers.MemberFilter, offset: int, limit: int) -> answers.MemberList:
        """Every member `wanted` admits on `on`, with their status and level then (once per audit
        or cycle counted, when it asks for those a report counts); the page from `offset`."""
        listed = []
        for history in self.histories:
            opened = opening_of(history)
            if not _found(wanted.text, opened.member_id, opened.name):
                continue
            answer = status_of(history, on, None, self.book)
            status, level = answer.status.value, answer.level
            if wanted.status not in (None, status) or wanted.level not in (None, level or answers.NO_LEVEL):
                continue
            listed += [answers.ListedMember(opened.member_id, opened.name, status, level, day)
                       for day in self._counted_days(history, on, wanted.counted)]
        listed.sort(key=lambda member: member.order)
        return answers.MemberList(on, wanted, offset, len(listed), listed[offset:offset + limit])

    def _counted_days(self, history: History, on: date,
                      counted: answers.AuditsSelected | answers.CyclesEnding | None) -> list[date | None]:
        """What the report asked for counts of the member on `on`, by the day each was selected or
        ended; [None] when no report is asked for (the member is listed once)."""
        if isinstance(counted, answers.AuditsSelected):
            return [selected_on for selected_on, state in _audits(history, counted.year, on, self.book)
                    if counted.state in (None, state.value)]
        if isinstance(counted, answers.CyclesEnding):
            return [cycle.end for cycle in _cycles(history, on, self.book)
                    if (cycle.end.year, cycle.end.month) == (counted.year, counted.month)
                    and counted.renewal in (None, _renewal(cycle).value)]
        return [None]

    def renewals_due(self, year: int, as_of: date) -> answers.RenewalsDue:
        """Cycles ending in `year`, by month of their end, with how many were renewed (as known
        on `as_of`, so a renewal in the grace period after the year counts once recorded)."""
        months = [answers.RenewalMonth(m) for m in range(1, 13)]
        for history in self.histories:
            for cycle in _cycles(history, as_of, self.book):
                if cycle.end.year != year:
                    continue
                row = months[cycle.end.month - 1]
                renewal = _renewal(cycle)
                row.due += 1
                row.renewed += renewal is not answers.Renewal.NOT_RENEWED
                row.renewed_late += renewal is answers.Renewal.LATE
        return answers.renewals_due_of(year, as_of, months)

    def audits(self, year: int, as_of: date) -> answers.AuditsReport:
        """Audits selected in `year`, by their state (awaiting proof, passed, failed, ...)."""
        counts: Counter[AuditState] = Counter()
        for history in self.histories:
            counts.update(state for _selected_on, state in _audits(history, year, as_of, self.book))
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

    def worklist(self, on: date, within: int) -> answers.Worklist:
        """Every member's open matters on `on` that the worklist lists (`domain.matters.on_worklist`)."""
        items = []
        for history in self.histories:
            fold = replay(history, on, None, self.book)
            inactive = fold.status is Status.INACTIVE
            opened = opening_of(history)
            top = highest(fold.held.values())
            items += [answers.worklist_item(opened.member_id, opened.name, matter, on, fold.status.value,
                                            top.code if top else None, fold.renewal_fee(on))
                      for matter in open_matters(fold) if on_worklist(matter, inactive, on, within)]
        return answers.worklist_of(on, within, items)

    def reminders(self, issued_from: date | None, issued_to: date | None) -> answers.ReminderOutbox:
        """Every reminder issued on a day from `issued_from` through `issued_to`."""
        rows = []
        for history in self.histories:
            opened = opening_of(history)
            rows += [answers.OutboxRow(f.reminder_id, opened.member_id, opened.name, f.kind, f.due_on, f.effective_on,
                                       f.subject, f.message, f.days_before, f.timestamp.astimezone(UTC))
                     for f in history if isinstance(f, ReminderIssued)
                     and (issued_from is None or f.effective_on >= issued_from)
                     and (issued_to is None or f.effective_on <= issued_to)]
        return answers.outbox_of(issued_from, issued_to, rows)


def _cycles(history: History, as_of: date, book: PolicyBook) -> list[Cycle]:
    """Every cycle the member has had up to `as_of` whose renewal fell due: cycles cut short
    by an invalidation (a failed audit) before their end owed no renewal."""
    fold = replay(history, as_of, None, book)
    cycles = [*fold.past_cycles, *([fold.cycle] if fold.cycle else [])]
    invalidations = [t.on for t in fold.transitions if t.status is Status.INVALID]
    return [c for c in cycles if not any(c.start <= day <= c.end for day in invalidations)]


def _renewal(cycle: Cycle) -> answers.Renewal:
    """How a cycle of `_cycles` stands on the day it was replayed to (whose renewals it knows)."""
    if cycle.renewed_on is None:
        return answers.Renewal.NOT_RENEWED
    return answers.Renewal.LATE if cycle.renewed_on > cycle.end else answers.Renewal.ON_TIME


def _found(text: str, member_id: str, name: str | None) -> bool:
    """Whether the member id or the name contains `text`, in any case (as `answers.folded` compares)."""
    wanted = answers.folded(text)
    return wanted in answers.folded(member_id) or wanted in answers.folded(name or "")


def _audits(history: History, year: int, as_of: date, book: PolicyBook) -> list[tuple[date, AuditState]]:
    """The day each audit selected in `year` was selected, and its state on `as_of`.

    The fold holds one audit at a time: the next selection replaces it, and passing the
    exam again after invalidation clears it. So each audit is read on the last day it was
    still the member's audit: the day before either of those, or `as_of`."""
    standing = in_force(history)
    selections = sorted(f.effective_on for f in standing if isinstance(f, AuditSelected))
    certified = sorted(f.effective_on for f in standing if isinstance(f, Certified))
    states: list[tuple[date, AuditState]] = []
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
            states.append((selected_on, state))
    return states
