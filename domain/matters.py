"""The matters a member must still act on, on a day: what a worklist lists (rules.md section 11).

Each is one open matter under the deadline now running: an unrenewed cycle is `renewal_due`
until it ends, then `grace_ends`; an audit is `proof_due` until proof is due, then (with no
proof) `audit_year_ends`; a short audit is `replacement_due`, then `audit_year_ends`. Each is
read off the fold at the end of the day, so it changes only on a day the fold changes (a fact,
or a deadline falling due): the read models keep them as periods, like the status.

`due_on` is the day before the next lapse; `act_by` the last day the member can act at all
before becoming invalid, were every earlier deadline missed. The CECs are what the matter is
judged on: the cycle's counted CECs for a renewal; for an audit, what documentation can prove
while none was received, and what the audit accepts once it was.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, NamedTuple

from domain import rules
from domain.cycles import Audit
from domain.fold_state import FoldState
from domain.rules import ONE_DAY
from domain.states import INACTIVE_STATES, AuditState

MatterKind = Literal["renewal_due", "grace_ends", "proof_due", "replacement_due", "audit_year_ends"]
MATTER_KINDS: tuple[MatterKind, ...] = ("renewal_due", "grace_ends", "proof_due", "replacement_due", "audit_year_ends")


class Matter(NamedTuple):
    """A tuple, not a dataclass: the read models make one for every day a member's state changes."""

    kind: MatterKind
    due_on: date
    act_by: date
    counted_cecs: Decimal
    required_cecs: Decimal

    @property
    def cecs_missing(self) -> Decimal:
        return max(self.required_cecs - self.counted_cecs, Decimal(0))


def open_matters(fold: FoldState) -> tuple[Matter, ...]:
    """The member's open matters at the end of the fold's day, the cycle's before the audit's."""
    matters = []
    cycle = fold.cycle_owing_renewal()
    if cycle is not None:
        # The current cycle, not invalid: held to what the certifications held require now.
        required = fold.required()
        audit = fold.audit
        counted = cycle.counted(required, audit.rejected if audit is not None and audit.cycle is cycle else frozenset())
        grace_ends = cycle.grace_ends_on
        if fold.in_grace:
            matters.append(Matter("grace_ends", grace_ends, grace_ends, counted, required))
        else:
            matters.append(Matter("renewal_due", cycle.end, grace_ends, counted, required))
    audit = fold.audit
    if audit is not None and not fold.invalid:
        matter = _audit_matter(fold, audit)
        if matter is not None:
            matters.append(matter)
    return tuple(matters)


def _audit_matter(fold: FoldState, audit: Audit) -> Matter | None:
    policy = fold.book.in_force(audit.selected_on)
    if audit.documentation_received_on is None:
        counted = audit.cycle.counted(audit.required, audit.rejected)
    else:
        counted = audit.proven()
    if audit.state is AuditState.AWAITING_PROOF:
        act_by = rules.audit_invalid_from(audit.proof_due_on + ONE_DAY, policy) - ONE_DAY
        return Matter("proof_due", audit.proof_due_on, act_by, counted, audit.required)
    if audit.state is AuditState.REPLACEMENT_DUE and audit.replace_by is not None:
        act_by = rules.audit_invalid_from(audit.replace_by + ONE_DAY, policy) - ONE_DAY
        return Matter("replacement_due", audit.replace_by, act_by, counted, audit.required)
    if audit.state in INACTIVE_STATES:
        invalid_from = audit.invalid_from(policy)
        assert invalid_from is not None  # set when the audit made the member inactive
        return Matter("audit_year_ends", invalid_from - ONE_DAY, invalid_from - ONE_DAY, counted, audit.required)
    return None


def on_worklist(matter: Matter, inactive: bool, on: date, within: int) -> bool:
    """A worklist for `on` lists the matters due within `within` days of it, and every matter of
    a member inactive that day, whatever its distance (they must act)."""
    return inactive or matter.due_on <= on + timedelta(days=within)


def days_left(matter: Matter, on: date) -> int:
    return max((matter.due_on - on).days, 0)
