"""The contract's reports, answered from the read-model tables: what the API serves.

Each method of `TableQueries` returns the same value as its namesake in
`projections.replayed` (which replays every member): the tables hold each member's
periods, cycles and audit states for every date, and every revision by its recorded time,
so any date or window is one range lookup. The SQL of the four counting reports is also
what the PostgreSQL views for BI tools run (`projections.views`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.matters import Matter
from projections.answers import (
    AuditsReport,
    AuditsSelected,
    CategoryTotal,
    CecCategories,
    CyclesEnding,
    ListedMember,
    MemberFilter,
    MemberList,
    OutboxRow,
    ReminderOutbox,
    Renewal,
    RenewalMonth,
    RenewalsDue,
    RevisionRow,
    RevisionsReport,
    StatusCounts,
    Worklist,
    audits_of,
    cec_categories_of,
    folded,
    outbox_of,
    renewals_due_of,
    revisions_of,
    status_counts_of,
    worklist_item,
    worklist_of,
)
from projections.store import ReadModels

# Each report's rule for what it counts is written once, below, and used both by the report and by
# the members list behind its bars (`member_list`), so a bar and its list never disagree.

# The period of each member that contains `on_date` (in `{status_periods}`).
PERIOD_ON = "valid_from <= %(on_date)s AND (valid_to IS NULL OR valid_to > %(on_date)s)"

# Members by (status, level) on `on_date`.
STATUS_COUNTS_SQL = f"""
SELECT status, level, COUNT(*) AS members FROM {{status_periods}}
WHERE {PERIOD_ON}
GROUP BY status, level"""

# Cycles ending in `report_year` that the member had by `as_of_date` and that owed a renewal
# then (not cut short by an invalidation) (in `{cycles}`).
DUE_CYCLES = """end_year = %(report_year)s AND begun_on <= %(as_of_date)s
  AND (cut_short_on IS NULL OR cut_short_on > %(as_of_date)s)"""
# How such a cycle stands on `as_of_date` (an `answers.Renewal`): renewals known by then count.
RENEWAL = f"""CASE WHEN renewed_on IS NULL OR renewed_on > %(as_of_date)s THEN '{Renewal.NOT_RENEWED.value}'
  WHEN renewed_on > cycle_end THEN '{Renewal.LATE.value}' ELSE '{Renewal.ON_TIME.value}' END"""

# The due cycles by month of their end, and how many were renewed (late: in the grace period).
RENEWALS_DUE_SQL = f"""
SELECT end_month, COUNT(*) AS due,
       SUM(CASE WHEN renewal = '{Renewal.NOT_RENEWED.value}' THEN 0 ELSE 1 END) AS renewed,
       SUM(CASE WHEN renewal = '{Renewal.LATE.value}' THEN 1 ELSE 0 END) AS renewed_late
FROM (SELECT end_month, {RENEWAL} AS renewal FROM {{cycles}} WHERE {DUE_CYCLES}) AS due
GROUP BY end_month"""

# Audits selected in `report_year`, each in its state on `as_of_date`, or on its last day when it
# had stopped being the member's audit by then: one period per audit matches (in `{audit_periods}`).
COUNTED_AUDITS = """selected_year = %(report_year)s AND valid_from <= %(as_of_date)s
  AND (valid_to IS NULL OR valid_to > %(as_of_date)s OR is_last)"""

AUDIT_STATES_SQL = f"""
SELECT state, COUNT(*) AS audits FROM {{audit_periods}}
WHERE {COUNTED_AUDITS}
GROUP BY state"""

# Every claim of an activity completed in `report_year`, counted or not.
CEC_CATEGORIES_SQL = """
SELECT category, COUNT(*) AS claims, COUNT(DISTINCT member_id) AS members, SUM(cecs_tenths) AS cecs_tenths
FROM {activities}
WHERE completed_year = %(report_year)s
GROUP BY category"""


# The members list: every member (`m`) with their status period on `on_date` (`p`), joined by
# `{counted}` to what a report counts on that date (`d`: one row per audit or cycle, by the day it
# was selected or ended, `counted_on`; or one empty row), kept by `{conditions}`; by member id,
# which sorts by code point on both databases (see `tables.MEMBERS`).
MEMBER_LIST_FROM = f"""
FROM {{members}} AS m
JOIN (SELECT member_id, status, level FROM {{status_periods}} WHERE {PERIOD_ON}) AS p ON p.member_id = m.member_id
{{counted}}WHERE TRUE{{conditions}}"""
MEMBER_LIST_SQL = ("SELECT m.member_id, m.name, p.status, p.level, d.counted_on" + MEMBER_LIST_FROM
                   + "\nORDER BY m.member_id, d.counted_on LIMIT %(limit)s OFFSET %(offset)s")
MEMBER_COUNT_SQL = "SELECT COUNT(*)" + MEMBER_LIST_FROM
NOTHING_COUNTED = "CROSS JOIN (SELECT CAST(NULL AS DATE) AS counted_on) AS d\n"
# `d.kind`: what a report's bars split its rows by: the audit's state, or how the cycle stands.
COUNTED_AUDITS_JOIN = f"""JOIN (SELECT member_id, selected_on AS counted_on, state AS kind FROM {{audit_periods}}
      WHERE {COUNTED_AUDITS}) AS d ON d.member_id = m.member_id
"""
DUE_CYCLES_JOIN = f"""JOIN (SELECT member_id, cycle_end AS counted_on, end_month, {RENEWAL} AS kind FROM {{cycles}}
      WHERE {DUE_CYCLES}) AS d ON d.member_id = m.member_id
"""
# Each condition applies when its parameter is given.
MEMBER_CONDITIONS = {
    "status": " AND p.status = %(status)s",
    "level": " AND COALESCE(p.level, '') = %(level)s",  # answers.NO_LEVEL is '': those with none
    "pattern": " AND (m.member_id_folded LIKE %(pattern)s ESCAPE '\\' OR m.name_folded LIKE %(pattern)s ESCAPE '\\')",
    "end_month": " AND d.end_month = %(end_month)s",
    "kind": " AND d.kind = %(kind)s",
}


# Revisions recorded in a window of recorded time (`{window}`: its bounds, those given), by the index on it.
REVISIONS_SQL = """
SELECT member_id, recorded_at, cause_type, fact_id, policy_version, effective_on, first_day, last_day,
       status_before, status_after, level_before, level_after
FROM {revisions} WHERE {window}"""
WINDOW_BOUNDS = {"recorded_from": "recorded_at >= %(recorded_from)s", "recorded_to": "recorded_at < %(recorded_to)s"}

# The worklist for `on_date` (`domain.matters.on_worklist`): each member's open matters that day,
# those due by `until` and all of a member inactive then. No matter is due before a day it is open
# on, and none is open-ended, so each branch is a range of one index (`tables.MATTERS`).
WORKLIST_SQL = """
SELECT m.member_id, n.name, m.kind, m.due_on, m.act_by, m.status, m.level, m.counted_cecs, m.required_cecs,
       m.renewal_fee
FROM {matters} AS m JOIN {members} AS n ON n.member_id = m.member_id
WHERE m.valid_from <= %(on_date)s AND m.valid_to > %(on_date)s
  AND ((m.due_on >= %(on_date)s AND m.due_on <= %(until)s) OR m.status = 'inactive')"""

# Reminders issued in a window of business days (`{window}`: its bounds, those given, both inclusive).
OUTBOX_SQL = """
SELECT r.reminder_id, r.member_id, n.name, r.kind, r.due_on, r.issued_on, r.subject, r.message, r.days_before,
       r.recorded_at
FROM {reminders} AS r JOIN {members} AS n ON n.member_id = r.member_id WHERE {window}"""
ISSUED_BOUNDS = {"issued_from": "r.issued_on >= %(issued_from)s", "issued_to": "r.issued_on <= %(issued_to)s"}


class TableQueries:
    """The reports (`projections.answers.ReportQueries`), one range query each (a members list:
    two, its page and how many it holds)."""

    def __init__(self, models: ReadModels) -> None:
        self.models = models

    def status_counts(self, on: date) -> StatusCounts:
        rows = self.models.fetch(STATUS_COUNTS_SQL, {"on_date": on})
        return status_counts_of(on, {(status, level): members for status, level, members in rows})

    def member_list(self, on: date, wanted: MemberFilter, offset: int, limit: int) -> MemberList:
        counted, params = _counted(wanted.counted, on)
        params.update(on_date=on, status=wanted.status, level=wanted.level,
                      pattern=_containing(wanted.text) if wanted.text else None)
        given = {name: value for name, value in params.items() if value is not None}
        conditions = "".join(sql for name, sql in MEMBER_CONDITIONS.items() if name in given)
        listing, counting = (sql.replace("{counted}", counted).replace("{conditions}", conditions)
                             for sql in (MEMBER_LIST_SQL, MEMBER_COUNT_SQL))
        [(total,)] = self.models.fetch(counting, given)
        rows = self.models.fetch(listing, {**given, "limit": limit, "offset": offset})
        return MemberList(on, wanted, offset, total, [
            ListedMember(member_id, name, status, level, None if counted_on is None else _date(counted_on))
            for member_id, name, status, level, counted_on in rows])

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

    def worklist(self, on: date, within: int) -> Worklist:
        rows = self.models.fetch(WORKLIST_SQL, {"on_date": on, "until": on + timedelta(days=within)})
        return worklist_of(on, within, [
            worklist_item(member_id, name, Matter(kind, _date(due_on), _date(act_by), Decimal(counted),
                                                  Decimal(required)), on, status, level, _money(fee))
            for member_id, name, kind, due_on, act_by, status, level, counted, required, fee in rows])

    def reminders(self, issued_from: date | None, issued_to: date | None) -> ReminderOutbox:
        bounds = {"issued_from": issued_from, "issued_to": issued_to}
        given = {name: value for name, value in bounds.items() if value is not None}
        window = " AND ".join(ISSUED_BOUNDS[name] for name in given) or "TRUE"
        rows = self.models.fetch(OUTBOX_SQL.replace("{window}", window), given)
        return outbox_of(issued_from, issued_to, [
            OutboxRow(reminder_id, member_id, name, kind, _date(due_on), _date(issued_on), subject, message,
                      days_before, _time(recorded_at))
            for reminder_id, member_id, name, kind, due_on, issued_on, subject, message, days_before, recorded_at
            in rows])


def _counted(counted: AuditsSelected | CyclesEnding | None, on: date) -> tuple[str, dict[str, Any]]:
    """The join of what a report counts on `on`, and its parameters (None: not asked)."""
    if isinstance(counted, AuditsSelected):
        return COUNTED_AUDITS_JOIN, {"report_year": counted.year, "as_of_date": on, "kind": counted.state}
    if isinstance(counted, CyclesEnding):
        return DUE_CYCLES_JOIN, {"report_year": counted.year, "as_of_date": on, "end_month": counted.month,
                                 "kind": counted.renewal}
    return NOTHING_COUNTED, {}


def _containing(text: str) -> str:
    """The LIKE pattern of a folded column containing `text` (its `%`, `_` and `\\` taken as they are)."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", folded(text)) + "%"


def cecs_from_tenths(tenths: int) -> Decimal:
    # One decimal place, as the claims' own CECs have, so sums print the same as the replay's.
    return Decimal(tenths).scaleb(-1)


def _revision_row(member_id: str, recorded_at: Any, cause_type: str, fact_id: str, version: str | None,
                  effective_on: Any, first: Any, last: Any, status_before: str, status_after: str,
                  level_before: str | None, level_after: str | None) -> RevisionRow:
    return RevisionRow(member_id, _time(recorded_at), cause_type, fact_id, version, _date(effective_on), _date(first),
                       _date(last), status_before, status_after, level_before, level_after)


def _money(value: Decimal | str | None) -> Decimal | None:
    """An amount to the cent, as PostgreSQL's numeric gives it or as SQLite keeps it (text)."""
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _date(value: date | str) -> date:
    """A date as PostgreSQL gives it, or as SQLite keeps it (ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _time(value: datetime | str) -> datetime:
    """A time in UTC, as PostgreSQL gives it (in the session's zone) or as SQLite keeps it."""
    return (value if isinstance(value, datetime) else datetime.fromisoformat(value)).astimezone(UTC)
