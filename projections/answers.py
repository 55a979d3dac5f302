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
from typing import Protocol

from domain.revisions import Revision
from domain.states import AuditState, Status


class ReportQueries(Protocol):
    """The contract's reports, each for the arguments the API takes."""

    def status_counts(self, on: date) -> StatusCounts: ...

    def renewals_due(self, year: int, as_of: date) -> RenewalsDue: ...

    def audits(self, year: int, as_of: date) -> AuditsReport: ...

    def cec_categories(self, year: int) -> CecCategories: ...

    def revisions(self, recorded_from: datetime | None, recorded_to: datetime | None) -> RevisionsReport: ...


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
