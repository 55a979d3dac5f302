"""Which reminders a run on a day issues (rules.md section 11).

A reminder is scheduled a number of days before a deadline (the policy's `reminders`, in force
on the run's day): 90, 60, 30 and 7 days before an unrenewed cycle ends, and so on. A run for
day D issues, for each deadline still open on D, its latest scheduled reminder on or before D,
unless a reminder of that deadline was already issued on or after that day (the same one, or a
later one): so a missed day is caught up with the one reminder that is due now, earlier missed
ones are never sent late, a rerun issues nothing, and a run for an earlier day after a later one
issues nothing either. A deadline met (renewed, proof received) or passed is no longer open.

Two kinds are scheduled from the day a matter began rather than from its deadline: the first
day of grace (`grace_started`) and the day of selection for audit (`audit_selected`). A reminder
scheduled before its matter began (a replacement date set 10 days out has no 30-day reminder)
falls on the day it began.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from domain.events import ReminderIssued
from domain.fold_state import FoldState
from domain.matters import Matter, open_matters
from domain.policy import PolicyBook
from domain.reminder_wording import Letter, letter
from domain.rules import ONE_DAY


@dataclass(frozen=True)
class ReminderDue:
    kind: str
    due_on: date
    days_before: int
    scheduled_on: date
    letter: Letter


@dataclass(frozen=True)
class _Scheduled:
    """A deadline reminders are scheduled for: `anchor` is the day its offsets count back from."""

    kind: str
    matter: Matter
    anchor: date
    began_on: date


def reminders_due(fold: FoldState, on: date, issued: Sequence[ReminderIssued], addressee: str) -> list[ReminderDue]:
    """The reminders a run for `on` issues, from the fold at the end of `on` and the reminders
    already issued to the member."""
    schedule = fold.book.in_force(on).reminders
    due = []
    for scheduled in _scheduled(fold):
        slot = _latest_slot(schedule.get(scheduled.kind, ()), scheduled, on)
        if slot is None:
            continue
        scheduled_on, days_before = slot
        if any(r.kind == scheduled.kind and r.due_on == scheduled.matter.due_on
               and (r.effective_on >= scheduled_on or r.days_before == days_before) for r in issued):
            continue
        due.append(ReminderDue(scheduled.kind, scheduled.matter.due_on, days_before, scheduled_on,
                               letter(scheduled.kind, scheduled.matter, fold, on, addressee)))
    return due


def reminder_reach(book: PolicyBook) -> int:
    """How many days ahead of a deadline any reminder can be due under any version: a member
    with no matter due within that many days, and not inactive, is owed no reminder."""
    return max(max((max(offsets, default=0) for offsets in policy.reminders.values()), default=0)
               for policy in book.versions) + max(policy.proof_days for policy in book.versions)


def _latest_slot(offsets: Sequence[int], scheduled: _Scheduled, on: date) -> tuple[date, int] | None:
    slots = [(max(scheduled.anchor - timedelta(days=days), scheduled.began_on), -days) for days in offsets]
    passed = [slot for slot in slots if slot[0] <= on]
    if not passed:
        return None
    scheduled_on, negative_days = max(passed)
    return scheduled_on, -negative_days


def _scheduled(fold: FoldState) -> Iterator[_Scheduled]:
    for matter in open_matters(fold):
        if matter.kind == "renewal_due":
            assert fold.cycle is not None
            yield _Scheduled("renewal_due", matter, matter.due_on, fold.cycle.start)
        elif matter.kind == "grace_ends":
            assert fold.cycle is not None
            grace_starts = fold.cycle.end + ONE_DAY
            yield _Scheduled("grace_started", matter, grace_starts, grace_starts)
            yield _Scheduled("grace_ends", matter, matter.due_on, grace_starts)
        elif matter.kind == "proof_due":
            assert fold.audit is not None
            selected_on = fold.audit.selected_on
            yield _Scheduled("audit_selected", matter, selected_on, selected_on)
            yield _Scheduled("proof_due", matter, matter.due_on, selected_on)
        elif matter.kind == "replacement_due":
            audit = fold.audit
            assert audit is not None
            began_on = audit.documentation_received_on or audit.selected_on
            yield _Scheduled("replacement_due", matter, matter.due_on, began_on)
