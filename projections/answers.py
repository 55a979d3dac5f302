"""The contract's four reports as values, and the questions that produce them.

`ReportQueries` asks the four reports for the arguments the API takes. Two things answer
it, with the same values field for field: the read-model tables (`projections.queries`,
what the API serves) and a replay of every member's facts (`projections.replayed`, the
reference the tables are tested against, and what an in-memory store answers from).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from domain.states import AuditState, Status


class ReportQueries(Protocol):
    """The contract's four reports, each for the arguments the API takes."""

    def status_counts(self, on: date) -> StatusCounts: ...

    def renewals_due(self, year: int, as_of: date) -> RenewalsDue: ...

    def audits(self, year: int, as_of: date) -> AuditsReport: ...

    def cec_categories(self, year: int) -> CecCategories: ...


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
