"""A member's rows in every read-model table, computed from the member's whole history.

Rows are a pure function of (history, policy book, today), so recomputing a member from
its full history is always right, however often it is done: that is what makes catching
up idempotent. Only `current_status` depends on `today`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from domain.events import CredentialFact, CredentialOpened, event_name
from domain.policy import PolicyBook
from domain.timeline import Timeline, timeline
from projections.tables import (
    ACTIVITIES,
    AUDIT_PERIODS,
    CURRENT_STATUS,
    CYCLES,
    HISTORY,
    MEMBER_TABLES,
    STATUS_PERIODS,
)

Row = tuple[Any, ...]
Rows = dict[str, list[Row]]  # table name -> rows, in the table's column order
# member id -> the first version whose per-event rows are (re)written; all its other rows are replaced
Changes = dict[str, int]


def empty_rows() -> Rows:
    return {table.name: [] for table in MEMBER_TABLES}


def member_id_of(history: Sequence[CredentialFact]) -> str:
    opened = history[0]
    assert isinstance(opened, CredentialOpened), f"a credential's first fact opens it, not {event_name(opened)}"
    return opened.member_id


def add_member_rows(rows: Rows, history: Sequence[CredentialFact], book: PolicyBook, today: date,
                    from_version: int = 1) -> str:
    """Append the member's rows to `rows`: every row of the tables replaced whole, and the rows of
    the per-event tables for the facts from `from_version` on. Returns the member id."""
    member = member_id_of(history)
    line = timeline(history, book, today=today)
    rows[CURRENT_STATUS.name].append(_current_status(member, line, today))
    rows[STATUS_PERIODS.name].extend(
        (member, p.valid_from, p.valid_to, p.status.value, p.level) for p in line.periods
    )
    rows[CYCLES.name].extend(
        (member, number, c.start, c.end, c.end.year, c.end.month, c.begun_on, c.renewed_on, c.cut_short_on)
        for number, c in enumerate(line.cycles, start=1)
    )
    audit_rows = rows[AUDIT_PERIODS.name]
    for number, audit in enumerate(line.audits, start=1):
        last = len(audit.periods) - 1
        audit_rows.extend(
            (member, number, audit.selected_on, audit.selected_on.year, audit.cycle_end, p.valid_from, p.valid_to,
             p.state.value, index == last)
            for index, p in enumerate(audit.periods)
        )
    rows[ACTIVITIES.name].extend(
        (member, a.version, a.activity_id, a.category, a.completed_on, a.completed_on.year,
         tenths(a.cecs))
        for a in line.activities if a.version >= from_version
    )
    rows[HISTORY.name].extend(
        (member, f.originator_version, event_name(f), f.effective_on, f.timestamp)
        for f in history if f.originator_version >= from_version
    )
    return member


def tenths(cecs: Decimal) -> int:
    return int(cecs * 10)


def _current_status(member: str, line: Timeline, today: date) -> Row:
    now = line.current
    assert now is not None
    cycle = now.cycle
    return (
        member, now.status.value, now.level, ",".join(now.certifications), now.since,
        cycle.start if cycle else None, cycle.end if cycle else None,
        cycle.required_cecs if cycle else None, cycle.counted_cecs if cycle else None,
        now.grace_ends_on, now.audit.state.value if now.audit else None, today, line.current_until,
    )
