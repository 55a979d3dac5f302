"""A recertification cycle, the CECs credited to it, and the audit of a closed one.

These are the records the fold keeps and mutates as it replays; they know how to count
their own CECs (the teaching cap, rejected and replacement activities), and nothing about
time passing or which fact comes next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from domain import rules
from domain.policy import Policy
from domain.states import AuditState


@dataclass(slots=True)
class Credit:
    activity_id: str
    category: str
    cecs: Decimal
    completed_on: date
    capped: bool
    course_id: str | None
    counted: bool  # False for a repeated course: claimed, never counted
    replacement: bool  # earned while an audited cycle was short


@dataclass
class Cycle:
    start: date
    end: date
    policy: Policy
    renewed_on: date | None = None
    required_at_renewal: Decimal | None = None  # what an audit of it is held to
    required_at_close: Decimal | None = None
    credits: list[Credit] = field(default_factory=list, init=False)
    # Running totals of the credits that count (kept by `add`): most counts need no pass over them.
    _plain: Decimal = field(default=Decimal(0), init=False, repr=False)
    _capped: Decimal = field(default=Decimal(0), init=False, repr=False)
    _claimed: Decimal = field(default=Decimal(0), init=False, repr=False)

    def copied(self) -> Cycle:
        """A cycle that changes apart from this one (credits are never changed once added)."""
        clone = object.__new__(Cycle)
        clone.__dict__.update(self.__dict__)  # faster than copy.copy, which goes through __reduce_ex__
        clone.credits = list(self.credits)
        return clone

    def add(self, credit: Credit) -> None:
        self.credits.append(credit)
        self._claimed += credit.cecs
        if credit.counted and credit.capped:
            self._capped += credit.cecs
        elif credit.counted:
            self._plain += credit.cecs

    @cached_property
    def grace_ends_on(self) -> date:
        """The last day of the grace period that follows the cycle unrenewed."""
        return rules.grace_ends_on(self.end, self.policy)

    def claimed(self) -> Decimal:
        return self._claimed

    def counted(self, required: Decimal, excluded: AbstractSet[str] = frozenset(), *,
                replacement_only: bool = False) -> Decimal:
        cap = required * self.policy.teaching_cap_fraction
        if not excluded and not replacement_only:
            return self._plain + min(self._capped, cap)
        plain = capped = Decimal(0)
        for credit in self.credits:
            if not credit.counted or credit.activity_id in excluded:
                continue
            if replacement_only and not credit.replacement:
                continue
            if credit.capped:
                capped += credit.cecs
            else:
                plain += credit.cecs
        return plain + min(capped, cap)

    def capped_room(self, required: Decimal) -> Decimal:
        """How many more teaching and lecturing CECs could still count under the cap."""
        return max(required * self.policy.teaching_cap_fraction - self._capped, Decimal(0))

    def short_of_renewal(self) -> bool:
        """Renewed, and now below the requirement it was renewed at."""
        required = self.required_at_renewal
        return self.renewed_on is not None and required is not None and self.counted(required) < required

    def has_course(self, course_id: str) -> bool:
        return any(c.course_id == course_id and c.counted for c in self.credits)


@dataclass
class Audit:
    selected_on: date
    cycle: Cycle
    required: Decimal
    proof_due_on: date
    state: AuditState = AuditState.AWAITING_PROOF
    documentation_received_on: date | None = None
    replace_by: date | None = None
    inactive_since: date | None = None
    closed_on: date | None = None
    rejected: set[str] = field(default_factory=set)
    # Opened by a correction that left a renewed cycle short (rules.md section 8), not by a draw.
    by_correction: bool = False

    def copied(self, cycle: Cycle) -> Audit:
        """An audit that changes apart from this one, of `cycle` (the copy of its cycle)."""
        clone = object.__new__(Audit)
        clone.__dict__.update(self.__dict__)
        clone.cycle, clone.rejected = cycle, set(self.rejected)
        return clone

    def proven(self) -> Decimal:
        """CECs the audit accepts: documented ones after rejections, plus replacements;
        with no documentation, only CECs earned as replacements count."""
        no_proof = self.documentation_received_on is None
        return self.cycle.counted(self.required, self.rejected, replacement_only=no_proof)

    def invalid_from(self, policy: Policy) -> date | None:
        if self.inactive_since is None:
            return None
        return rules.audit_invalid_from(self.inactive_since, policy)


def correction_audit(cycles: Sequence[Cycle], audit: Audit | None, decided_on: date, replace_by: date | None,
                     policy: Policy, short_before: Callable[[], AbstractSet[date]] = frozenset) -> Audit | None:
    """The audit a correction decided on `decided_on` opens, if it left a renewed cycle short
    (`cycles`: those it may have left short, newest first): that cycle is treated as audited and
    found short that day, owing replacement CECs by `replace_by` or the policy's replacement days.
    A cycle already short just before the correction (its start in `short_before()`, asked only
    of a cycle short now) was not left short by it. An audit of that cycle (or of a newer one)
    already there simply sees the corrected facts, so none is opened for it."""
    for cycle in cycles:
        required = cycle.required_at_renewal
        if cycle.renewed_on is None or required is None:
            continue
        if audit is not None and audit.cycle is cycle:
            return None
        if not cycle.short_of_renewal() or cycle.start in short_before():
            continue
        return Audit(decided_on, cycle, required, decided_on, AuditState.REPLACEMENT_DUE,
                     documentation_received_on=decided_on,
                     replace_by=replace_by or rules.default_replace_by(decided_on, policy), by_correction=True)
    return None
