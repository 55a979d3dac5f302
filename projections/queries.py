"""The contract's reports, answered from the read-model tables: what the API serves.

Each method of `TableQueries` returns the same value as its namesake in
`projections.replayed` (which replays every member): the tables hold each member's
periods, cycles and audit states for every date, and every revision by its recorded time,
so any date or window is one range lookup. The SQL of the four counting reports is also
what the PostgreSQL views for BI tools run (`projections.views`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from projections.answers import (
    AuditsReport,
    CategoryTotal,
    CecCategories,
    RenewalMonth,
    RenewalsDue,
    RevisionRow,
    RevisionsReport,
    StatusCounts,
    audits_of,
    cec_categories_of,
    renewals_due_of,
    revisions_of,
    status_counts_of,
)
from projections.store import ReadModels

# Members by (status, level) on `on_date`: the period of each member that contains the date.
STATUS_COUNTS_SQL = """
SELECT status, level, COUNT(*) AS members FROM {status_periods}
WHERE valid_from <= %(on_date)s AND (valid_to IS NULL OR valid_to > %(on_date)s)
GROUP BY status, level"""

# Cycles ending in `report_year` that the member had by `as_of_date` and that owed a renewal
# then (not cut short by an invalidation), by month of their end; renewals known by then.
RENEWALS_DUE_SQL = """
SELECT end_month, COUNT(*) AS due,
       SUM(CASE WHEN renewed_on <= %(as_of_date)s THEN 1 ELSE 0 END) AS renewed,
       SUM(CASE WHEN renewed_on <= %(as_of_date)s AND renewed_on > cycle_end THEN 1 ELSE 0 END) AS renewed_late
FROM {cycles}
WHERE end_year = %(report_year)s AND begun_on <= %(as_of_date)s
  AND (cut_short_on IS NULL OR cut_short_on > %(as_of_date)s)
GROUP BY end_month"""

# Audits selected in `report_year` by their state on `as_of_date`, or on their last day when
# they had stopped being the member's audit by then: one period per audit matches.
AUDIT_STATES_SQL = """
SELECT state, COUNT(*) AS audits FROM {audit_periods}
WHERE selected_year = %(report_year)s AND valid_from <= %(as_of_date)s
  AND (valid_to IS NULL OR valid_to > %(as_of_date)s OR is_last)
GROUP BY state"""

# Every claim of an activity completed in `report_year`, counted or not.
CEC_CATEGORIES_SQL = """
SELECT category, COUNT(*) AS claims, COUNT(DISTINCT member_id) AS members, SUM(cecs_tenths) AS cecs_tenths
FROM {activities}
WHERE completed_year = %(report_year)s
GROUP BY category"""


# Revisions recorded in a window of recorded time (`{window}`: its bounds, those given), by the index on it.
REVISIONS_SQL = """
SELECT member_id, recorded_at, cause_type, fact_id, policy_version, effective_on, first_day, last_day,
       status_before, status_after, level_before, level_after
FROM {revisions} WHERE {window}"""
WINDOW_BOUNDS = {"recorded_from": "recorded_at >= %(recorded_from)s", "recorded_to": "recorded_at < %(recorded_to)s"}


class TableQueries:
    """The reports (`projections.answers.ReportQueries`), one range query each."""

    def __init__(self, models: ReadModels) -> None:
        self.models = models

    def status_counts(self, on: date) -> StatusCounts:
        rows = self.models.fetch(STATUS_COUNTS_SQL, {"on_date": on})
        return status_counts_of(on, {(status, level): members for status, level, members in rows})

    def renewals_due(self, year: int, as_of: date) -> RenewalsDue:
        months = [RenewalMonth(m) for m in range(1, 13)]
        for month, due, renewed, late in self.models.fetch(RENEWALS_DUE_SQL,
                                                           {"report_year": year, "as_of_date": as_of}):
            months[month - 1] = RenewalMonth(month, due, renewed, late)
        return renewals_due_of(year, as_of, months)

    def audits(self, year: int, as_of: date) -> AuditsReport:
        return audits_of(year, as_of, dict(self.models.fetch(AUDIT_STATES_SQL,
                                                             {"report_year": year, "as_of_date": as_of})))

    def cec_categories(self, year: int) -> CecCategories:
        return cec_categories_of(year, [
            CategoryTotal(category, claims, members, cecs_from_tenths(tenths))
            for category, claims, members, tenths
            in sorted(self.models.fetch(CEC_CATEGORIES_SQL, {"report_year": year}))
        ])

    def revisions(self, recorded_from: datetime | None, recorded_to: datetime | None) -> RevisionsReport:
        bounds = {"recorded_from": recorded_from, "recorded_to": recorded_to}
        given = {name: value for name, value in bounds.items() if value is not None}
        window = " AND ".join(WINDOW_BOUNDS[name] for name in given) or "TRUE"
        rows = self.models.fetch(REVISIONS_SQL.replace("{window}", window), given)
        return revisions_of(recorded_from, recorded_to, [_revision_row(*row) for row in rows])


def cecs_from_tenths(tenths: int) -> Decimal:
    # One decimal place, as the claims' own CECs have, so sums print the same as the replay's.
    return Decimal(tenths).scaleb(-1)


def _revision_row(member_id: str, recorded_at: Any, cause_type: str, fact_id: str, version: str | None,
                  effective_on: Any, first: Any, last: Any, status_before: str, status_after: str,
                  level_before: str | None, level_after: str | None) -> RevisionRow:
    return RevisionRow(member_id, _time(recorded_at), cause_type, fact_id, version, _date(effective_on), _date(first),
                       _date(last), status_before, status_after, level_before, level_after)


def _date(value: date | str) -> date:
    """A date as PostgreSQL gives it, or as SQLite keeps it (ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _time(value: datetime | str) -> datetime:
    """A time in UTC, as PostgreSQL gives it (in the session's zone) or as SQLite keeps it."""
    return (value if isinstance(value, datetime) else datetime.fromisoformat(value)).astimezone(UTC)
