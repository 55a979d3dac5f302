"""The deadlines that fall due with no new fact, and which of them comes first.

A cycle ends, then its grace period; an audit's proof window and replacement window close,
then the year an audit may stay unfinished. Each is a calendar question about a cycle and
an audit under the policy in force, answered here apart from the fold, which only applies
the one that comes first and asks again.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, NamedTuple

from domain.cycles import Audit, Cycle
from domain.policy import PolicyBook
from domain.rules import ONE_DAY
from domain.states import INACTIVE_STATES, AuditState

DeadlineKind = Literal["cycle", "grace", "proof", "replacement", "audit_year"]


class Deadline(NamedTuple):
    """The first day on which something changes with no new fact. Compared as a tuple, so of
    deadlines due on the same day the one whose kind sorts first is applied first."""

    on: date
    kind: DeadlineKind


def earliest_deadline(cycle: Cycle, in_grace: bool, audit: Audit | None, book: PolicyBook) -> Deadline:
    ends = Deadline(cycle.grace_ends_on + ONE_DAY, "grace") if in_grace else Deadline(cycle.end + ONE_DAY, "cycle")
    # Asked before every fact, so the common case (no audit deadline can fall due) is short.
    if audit is None or audit.state is AuditState.PASSED:
        return ends
    due = [ends]
    policy = book.in_force(audit.selected_on)
    if audit.state is AuditState.AWAITING_PROOF:
        due.append(Deadline(audit.proof_due_on + ONE_DAY, "proof"))
    elif audit.state is AuditState.REPLACEMENT_DUE and audit.replace_by is not None:
        due.append(Deadline(audit.replace_by + ONE_DAY, "replacement"))
    invalid_from = audit.invalid_from(policy)
    if audit.state in INACTIVE_STATES and invalid_from is not None:
        due.append(Deadline(invalid_from, "audit_year"))
    return min(due)
