"""A member's rows in every read-model table, computed from the member's whole history.

Rows are a pure function of (history, the policy known, today), so recomputing a member from
its full history is always right, however often it is done: that is what makes catching
up idempotent. Only `current_status` depends on `today`.

Revisions were the costly part: each moment that may revise folds the facts known just before
it and just after it (`domain.revisions`), n^2 fact applications for a history of n moments.
They are computed from one running fold instead (`domain.running_revisions`), exactly
the same. A moment's revision depends only on the facts known by it and the policy known then,
so new facts only add revisions from their recorded time on, and only those are computed
(`revisions_from`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from domain import document
from domain.events import CredentialFact, CredentialOpened, ReminderIssued, event_name
from domain.running_revisions import RunningFold, member_revisions
from domain.timeline import Timeline, timeline
from projections.answers import folded, revision_rows
from projections.known_policy import KnownPolicy
from projections.tables import (
    ACTIVITIES,
    AUDIT_PERIODS,
    CURRENT_STATUS,
    CYCLES,
    HISTORY,
    MATTERS,
    MEMBER_TABLES,
    MEMBERS,
    REMINDERS,
    REVISIONS,
    STATUS_PERIODS,
)

Row = tuple[Any, ...]
Rows = dict[str, list[Row]]  # table name -> rows, in the table's column order


class FirstNew(NamedTuple):
    """A member's first fact new to the read models: the rows of the tables replaced from it
    (`Table.replaced_from`) are those from its version, or from its recorded time, on; with no new
    fact (version past the last, no time) none of them."""

    version: int
    recorded_at: datetime | None


# member id -> its first new fact; all its other rows are replaced whole
Changes = dict[str, FirstNew]


def empty_rows() -> Rows:
    return {table.name: [] for table in MEMBER_TABLES}


def opening_of(history: Sequence[CredentialFact]) -> CredentialOpened:
    """The fact that opened the credential, naming the member: always its first."""
    opened = history[0]
    assert isinstance(opened, CredentialOpened), f"a credential's first fact opens it, not {event_name(opened)}"
    return opened


def member_id_of(history: Sequence[CredentialFact]) -> str:
    return opening_of(history).member_id


def add_member_rows(rows: Rows, history: Sequence[CredentialFact], policy: KnownPolicy, today: date,
                    from_version: int = 1, revisions_from: datetime | None = None,
                    running: RunningFold | None = None) -> tuple[str, FirstNew, RunningFold | None]:
    """Append the member's rows to `rows`: every row of the tables replaced whole, and the rows of
    the others for the facts from `from_version` on (none past the history's last): their history
    rows, and the revisions recorded from the first of them on, or from `revisions_from` when given
    (a rebuild that keeps the revisions recorded before it). Returns the member id, its first
    new fact, and the revisions' running fold of the whole history (`member_revisions`), which a
    later call continues from when given back as `running` (None: none to continue from)."""
    opened = opening_of(history)
    member, name = opened.member_id, opened.name
    rows[MEMBERS.name].append((member, name, folded(member), None if name is None else folded(name)))
    line = timeline(history, policy.current, today=today)
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
        for a in line.activities
    )
    rows[MATTERS.name].extend(
        (member, p.valid_from, p.valid_to, m.kind, m.due_on, m.act_by, p.status.value, p.level,
         document.tenths(m.counted_cecs), document.tenths(m.required_cecs), p.renewal_fee)
        for p in line.matters for m in p.matters
    )
    rows[HISTORY.name].extend(
        (member, f.originator_version, event_name(f), f.effective_on, f.timestamp)
        for f in history if f.originator_version >= from_version
    )
    rows[REMINDERS.name].extend(
        (member, f.originator_version, f.reminder_id, f.kind, f.due_on, f.days_before, f.effective_on, f.timestamp,
         f.subject, f.message)
        for f in history if isinstance(f, ReminderIssued) and f.originator_version >= from_version
    )
    if from_version > len(history):
        return member, FirstNew(from_version, None), running
    first_new = FirstNew(from_version, history[from_version - 1].timestamp)
    if revisions_from is None and from_version > 1:
        revisions_from = first_new.recorded_at
    running = _add_revisions(rows, member, history, policy, revisions_from, running)
    return member, first_new, running


def _add_revisions(rows: Rows, member: str, history: Sequence[CredentialFact], policy: KnownPolicy,
                   recorded_from: datetime | None, running: RunningFold | None) -> RunningFold | None:
    # `member_revisions` checks that `running` is the fold of the facts before the first moment it
    # weighs (the same fact objects, a book folding alike), and folds afresh when it is not.
    found, running = member_revisions(history, policy.book_at, policy.changes, recorded_from=recorded_from,
                                      running=running)
    for revision in found:
        rows[REVISIONS.name].extend(
            (r.member_id, r.recorded_at, r.cause_type, r.fact_id, r.version, r.effective_on, r.first, r.last,
             r.status_before, r.status_after, r.level_before, r.level_after)
            for r in revision_rows(member, revision))
    return running


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
