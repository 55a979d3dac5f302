"""What the fold knows at the end of a business day, and what it answers from it.

`FoldState` holds the credential's state (the certifications held, the current and past
cycles, the audit, the status and since when) and the answers derived from it without
changing it; `domain.fold.Fold` moves it forward. They are apart so each reads in one sitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple, Self

from domain import rules
from domain.corrections import CorrectionDecided
from domain.cycles import Audit, Credit, Cycle
from domain.events import CredentialFact, Lapse
from domain.policy import CertificationRule, PolicyBook
from domain.states import INACTIVE_STATES, SHORT_STATES, Status

# What the fold folds: the facts in force, and the days corrections were decided.
Foldable = CredentialFact | CorrectionDecided


@dataclass(frozen=True)
class Needed:
    """What a cycle owing a renewal still needs: the CECs missing, the room left under the
    teaching and lecturing cap, the day to earn them by and the last day to renew at all."""

    cecs_missing: Decimal
    capped_cecs_room: Decimal
    earn_by: date
    renew_by: date


class FeeBasis(NamedTuple):
    """What a renewal fee follows from, the state aside from the day: the certifications held,
    the day the renewal window opens and whether the renewal would be late. The read models
    price every day of a period from its basis, as the fold prices the day it is on."""

    held: tuple[CertificationRule, ...]
    window_opens: date
    late: bool

    def fee_on(self, on: date, book: PolicyBook) -> Decimal | None:
        if on < self.window_opens:
            return None
        # Priced entirely by the version in force on `on`, the fees of the certifications held included.
        policy = book.in_force(on)
        return rules.renewal_fee([policy.certification(c.code) or c for c in self.held], policy, late=self.late)


@dataclass(frozen=True)
class Transition:
    on: date
    status: Status
    lapse: Lapse | None
    reason: str



class FoldState:
    """The credential's state on the business-date axis, and the answers it gives."""

    def __init__(self, book: PolicyBook) -> None:
        self.book = book
        self.today: date | None = None
        self.held: dict[str, CertificationRule] = {}
        self.opened_on: date | None = None  # the certification that opened the current run of cycles
        self.cycle: Cycle | None = None
        self.past_cycles: list[Cycle] = []
        self.in_grace = False
        self.invalid = False
        self.lapse: Lapse | None = None
        self.since: date | None = None
        self.audit: Audit | None = None
        self.transitions: list[Transition] = []

    def copied(self) -> Self:
        """A state that goes on apart from this one: each may be folded further without the other
        seeing it. The book, the policies and the credits, never changed, are shared."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)  # faster than copy.copy, which goes through __reduce_ex__
        cycles = {id(c): c.copied() for c in (*self.past_cycles, *([self.cycle] if self.cycle else []))}
        clone.past_cycles = [cycles[id(c)] for c in self.past_cycles]
        clone.cycle = cycles[id(self.cycle)] if self.cycle is not None else None
        clone.held = dict(self.held)
        clone.transitions = list(self.transitions)
        if self.audit is not None:
            audited = self.audit.cycle
            clone.audit = self.audit.copied(cycles.get(id(audited)) or audited.copied())
        return clone

    # --- derived answers -----------------------------------------------------------

    @property
    def status(self) -> Status:
        if self.cycle is None:
            return Status.NOT_CERTIFIED
        if self.invalid:
            return Status.INVALID
        if self.in_grace or (self.audit is not None and self.audit.state in INACTIVE_STATES):
            return Status.INACTIVE
        return Status.ACTIVE

    def held_rules(self) -> list[CertificationRule]:
        return sorted(self.held.values(), key=lambda c: (-(c.level or 0), c.code))

    def required(self) -> Decimal:
        return rules.required_cecs(self.held.values())

    def cycle_required(self, cycle: Cycle) -> Decimal:
        if cycle is self.cycle and not self.invalid:
            return self.required()
        return cycle.required_at_close if cycle.required_at_close is not None else Decimal(0)

    def cycle_counted(self, cycle: Cycle) -> Decimal:
        audit = self.audit
        excluded = audit.rejected if audit is not None and audit.cycle is cycle else frozenset()
        return cycle.counted(self.cycle_required(cycle), excluded)

    def grace_ends_on(self) -> date | None:
        if not self.in_grace or self.cycle is None:
            return None
        return self.cycle.grace_ends_on

    def cycle_owing_renewal(self) -> Cycle | None:
        """The current cycle while it still owes a renewal (unrenewed, the credential not invalid)."""
        cycle = self.cycle
        if cycle is None or self.invalid or cycle.renewed_on is not None:
            return None
        return cycle

    def cycle_for_renewal(self) -> Cycle | None:
        # What a renewal submitted today renews: the cycle owing one, once its window opened.
        cycle = self.cycle_owing_renewal()
        if cycle is None or (self.today is not None and self.today < rules.renewal_window_opens_on(cycle.end)):
            return None
        return cycle

    def fee_basis(self) -> FeeBasis | None:
        """What the renewal fee follows from the state as it is: None when no renewal is owed."""
        cycle = self.cycle_owing_renewal()
        if cycle is None:
            return None
        return FeeBasis(tuple(self.held_rules()), rules.renewal_window_opens_on(cycle.end), self.in_grace)

    def renewal_fee(self, on: date) -> Decimal | None:
        """What a renewal submitted on `on` would cost, the state being the one it has then."""
        basis = self.fee_basis()
        return None if basis is None else basis.fee_on(on, self.book)

    def needed(self) -> Needed | None:
        """What the cycle owing a renewal still needs (rules.md section 12); None when none is owed."""
        cycle = self.cycle_owing_renewal()
        if cycle is None:
            return None
        required = self.required()
        grace_ends = cycle.grace_ends_on
        return Needed(
            cecs_missing=max(required - self.cycle_counted(cycle), Decimal(0)),
            capped_cecs_room=cycle.capped_room(required),
            earn_by=grace_ends if self.in_grace else cycle.end,
            renew_by=grace_ends,
        )

    def placement(self, activity_id: str) -> tuple[Cycle, Credit] | None:
        """The cycle a credit counts toward, and the credit: every cycle is the current one or a past one."""
        for cycle in (*self.past_cycles, *([self.cycle] if self.cycle else [])):
            for credit in cycle.credits:
                if credit.activity_id == activity_id:
                    return cycle, credit
        return None

    def short_renewed_cycles(self) -> frozenset[date]:
        """The starts of the renewed cycles of the current run below what they were renewed at."""
        if self.cycle is None or self.invalid or self.opened_on is None:
            return frozenset()
        opened_on = self.opened_on
        return frozenset(c.start for c in (*self.past_cycles, self.cycle)
                         if c.start >= opened_on and c.short_of_renewal())

    def target_cycle(self) -> Cycle | None:
        """Where an activity completed today counts: a short audited cycle first, then the
        cycle in grace (the grace period exists to earn missing CECs), else the current one."""
        if self.cycle is None or self.invalid:
            return None
        audit = self.audit
        if audit is not None and audit.state in SHORT_STATES and audit.proven() < audit.required:
            return audit.cycle
        return self.cycle
