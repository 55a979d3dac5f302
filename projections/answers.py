"""The contract's reports as values, and the questions that produce them.

`ReportQueries` asks the reports for the arguments the API takes. Two things answer
it, with the same values field for field: the read-model tables (`projections.queries`,
what the API serves) and a replay of every member's facts (`projections.replayed`, the
reference the tables are tested against, and what an in-memory store answers from).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Protocol

from domain.document import tenths
from domain.matters import MATTER_KINDS, Matter, days_left
from domain.revisions import Revision
from domain.states import AuditState, Status


class ReportQueries(Protocol):
    """The contract's reports, each for the arguments the API takes."""

    def status_counts(self, on: date) -> StatusCounts: ...

    def member_list(self, on: date, wanted: MemberFilter, offset: int, limit: int) -> MemberList: ...

    def renewals_due(self, year: int, as_of: date) -> RenewalsDue: ...

    def audits(self, year: int, as_of: date) -> AuditsReport: ...

    def cec_categories(self, year: int) -> CecCategories: ...

    def revisions(self, recorded_from: datetime | None, recorded_to: datetime | None) -> RevisionsReport: ...

    def worklist(self, on: date, within: int) -> Worklist: ...

    def reminders(self, issued_from: date | None, issued_to: date | None) -> ReminderOutbox: ...


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


def status_counts_of(on: date, counts: Mapping[tuple[str, str | None], int]) -> StatusCounts:
    """The report from the number of members of each (status, level)."""
    by_status = {s.value: 0 for s in Status}
    for (status, _level), members in counts.items():
        by_status[status] += members
    rows = [StatusCount(s, lv, n) for (s, lv), n in sorted(counts.items(), key=lambda i: (i[0][0], i[0][1] or ""))]
    return StatusCounts(on, sum(counts.values()), by_status, rows)


# --- members lists: the members behind a count --------------------------------------------

# The level filter's value for members without a level (never certified): never a certification's code,
# which is never empty.
NO_LEVEL = ""


class Renewal(Enum):
    """How a cycle the renewals report counts stands on its date: renewals known by then count."""

    ON_TIME = "renewed_on_time"
    LATE = "renewed_late"  # in the grace period, with the late fee
    NOT_RENEWED = "not_renewed"


@dataclass(frozen=True)
class AuditsSelected:
    """The audits the audits report for `year` counts on the list's date, in `state` then (None: any)."""

    year: int
    state: str | None = None


@dataclass(frozen=True)
class CyclesEnding:
    """The cycles the renewals report for `year` counts in `month` on the list's date, with
    `renewal` (a `Renewal` value) then (None: any)."""

    year: int
    month: int
    renewal: str | None = None


@dataclass(frozen=True)
class MemberFilter:
    """Which members a list holds: those for whom every condition given holds on the list's date."""

    status: str | None = None  # None: any
    level: str | None = None  # a certification code, or NO_LEVEL; None: any
    text: str = ""  # in the member id or the name, in any case ("": any)
    # Only those a bar of a report counts, once per audit or cycle it counts (so a list is as long
    # as its bar even for a member counted twice).
    counted: AuditsSelected | CyclesEnding | None = None


@dataclass(frozen=True)
class ListedMember:
    member_id: str
    name: str | None
    status: str  # on the list's date
    level: str | None
    counted_on: date | None  # what a report counted: the audit's selection day, or the cycle's end

    @property
    def order(self) -> tuple[str, date]:
        """By member id (by code point, as Python compares text), then by what was counted."""
        return self.member_id, self.counted_on or date.min


@dataclass(frozen=True)
class MemberList:
    on: date
    wanted: MemberFilter
    offset: int
    total: int  # how many are listed, over every page
    members: list[ListedMember]  # the page: at most the limit asked, from `offset`, in order


def folded(text: str) -> str:
    """Text as the members list's search compares it: case-folded, so "LENA" finds "Lena"."""
    return text.casefold()


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


def renewals_due_of(year: int, as_of: date, months: list[RenewalMonth]) -> RenewalsDue:
    """The report from its twelve months."""
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


def audits_of(year: int, as_of: date, counts: Mapping[str, int]) -> AuditsReport:
    """The report from the number of audits in each state (by the state's value)."""
    rows = [AuditStateCount(state.value, counts.get(state.value, 0)) for state in AuditState]
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


def cec_categories_of(year: int, categories: list[CategoryTotal]) -> CecCategories:
    """The report from its categories' totals, in category order."""
    return CecCategories(year, sum(c.claims for c in categories), sum((c.cecs for c in categories), Decimal(0)),
                         categories)


# --- revisions recorded in a window -----------------------------------------------------------


@dataclass(frozen=True)
class RevisionRow:
    """One span of one revision (rules.md section 10): what the cause recorded at `recorded_at`
    changed from `first` through `last`."""

    member_id: str
    recorded_at: datetime  # UTC
    cause_type: str
    fact_id: str
    version: str | None  # the policy version adopted or withdrawn; None for the member's own fact
    effective_on: date
    first: date
    last: date
    status_before: str
    status_after: str
    level_before: str | None
    level_after: str | None

    @property
    def order(self) -> tuple[str, datetime, str, date]:
        """Member by member, then as recorded (a member's fact before a policy version recorded
        at the same time, as `domain.revisions` lists them), then span by span."""
        return self.member_id, self.recorded_at, self.fact_id, self.first


@dataclass(frozen=True)
class RevisionsReport:
    recorded_from: datetime | None  # None: from the beginning
    recorded_to: datetime | None  # exclusive; None: to now
    rows: list[RevisionRow]


def revision_rows(member_id: str, revision: Revision) -> list[RevisionRow]:
    """A member's revision as report rows, one per span."""
    cause = revision.cause
    return [RevisionRow(member_id, cause.recorded_at.astimezone(UTC), cause.type, cause.fact_id, cause.version,
                        cause.effective_on, change.first, change.last, change.before.status.value,
                        change.after.status.value, change.before.level, change.after.level)
            for change in revision.changes]


def revisions_of(recorded_from: datetime | None, recorded_to: datetime | None,
                 rows: Iterable[RevisionRow]) -> RevisionsReport:
    """The report from its rows, in report order."""
    return RevisionsReport(recorded_from, recorded_to, sorted(rows, key=lambda row: row.order))


# --- deadlines ahead: the worklist ------------------------------------------------------------


KIND_ORDER: dict[str, int] = {kind: index for index, kind in enumerate(MATTER_KINDS)}


@dataclass(frozen=True)
class WorklistItem:
    """One open matter of a member on the worklist's day (rules.md section 11, `domain.matters`)."""

    member_id: str
    name: str | None
    kind: str
    due_on: date
    days_left: int
    status: str  # the member's, on the worklist's day
    cecs_missing: Decimal
    counted_cecs: Decimal
    required_cecs: Decimal
    fee_if_renewed_on: Decimal | None  # if the member renewed on the worklist's day
    act_by: date
    level: str | None  # the member's, on the worklist's day, as in the status document

    @property
    def order(self) -> tuple[date, str, int]:
        """Most urgent first: by due day, then member by member, a member's cycle before its audit."""
        return self.due_on, self.member_id, KIND_ORDER[self.kind]


@dataclass(frozen=True)
class Worklist:
    on: date
    within: int
    items: list[WorklistItem]


def worklist_item(member_id: str, name: str | None, matter: Matter, on: date, status: str, level: str | None,
                  fee: Decimal | None) -> WorklistItem:
    """A matter as the worklist lists it, CECs to a tenth as the status document gives them."""
    counted, required = tenths(matter.counted_cecs), tenths(matter.required_cecs)
    return WorklistItem(member_id, name, matter.kind, matter.due_on, days_left(matter, on), status,
                        max(required - counted, Decimal(0)), counted, required, fee, matter.act_by, level)


def worklist_of(on: date, within: int, items: Iterable[WorklistItem]) -> Worklist:
    return Worklist(on, within, sorted(items, key=lambda item: item.order))


# --- reminders issued: the outbox ---------------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    reminder_id: str
    member_id: str
    name: str | None
    kind: str
    due_on: date
    issued_on: date
    subject: str
    message: str
    days_before: int
    recorded_at: datetime  # UTC

    @property
    def order(self) -> tuple[date, datetime, str, str]:
        return self.issued_on, self.recorded_at, self.member_id, self.reminder_id


@dataclass(frozen=True)
class ReminderOutbox:
    issued_from: date | None  # None: from the first
    issued_to: date | None  # inclusive; None: to the last
    rows: list[OutboxRow]


def outbox_of(issued_from: date | None, issued_to: date | None, rows: Iterable[OutboxRow]) -> ReminderOutbox:
    return ReminderOutbox(issued_from, issued_to, sorted(rows, key=lambda row: row.order))
