"""Status as a pure function of (history, on-date, known-at time, policy).

`replay` folds the facts known at `known_at` whose business date is on or before `on`,
in business-date order (ties in recorded order), and applies every deadline that falls
due between them and up to `on`, whether or not a sweep has recorded it. Recorded
`MarkedInactive` and `Invalidated` facts therefore never change an answer; they only
make the transitions visible in the store.

Never snapshot this fold: a fact recorded late can land before everything a snapshot
would have folded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from domain import rules
from domain.events import (
    ActivityClaimed,
    AuditReviewed,
    AuditSelected,
    Certified,
    CredentialFact,
    DocumentationRejected,
    Lapse,
    RenewalSubmitted,
)
from domain.policy import CertificationRule, Policy, PolicyBook
from domain.rules import ONE_DAY


class Status(Enum):
    NOT_CERTIFIED = "not_certified"
    ACTIVE = "active"
    INACTIVE = "inactive"
    INVALID = "invalid"


class AuditState(Enum):
    AWAITING_PROOF = "awaiting_proof"
    PASSED = "passed"
    REPLACEMENT_DUE = "replacement_due"
    PROOF_OVERDUE = "proof_overdue"
    REPLACEMENT_OVERDUE = "replacement_overdue"
    FAILED = "failed"


# Audit states in which the audited cycle is short, so new activities replace CECs.
SHORT_STATES = frozenset({AuditState.REPLACEMENT_DUE, AuditState.PROOF_OVERDUE, AuditState.REPLACEMENT_OVERDUE})
INACTIVE_STATES = frozenset({AuditState.PROOF_OVERDUE, AuditState.REPLACEMENT_OVERDUE})


def tenths(cecs: Decimal) -> Decimal:
    return cecs.quantize(rules.TENTH)


def cec_text(cecs: Decimal) -> str:
    text = f"{cecs.quantize(rules.TENTH)}"
    return text[:-2] if text.endswith(".0") else text


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
    required_at_close: Decimal | None = None
    credits: list[Credit] = field(default_factory=list)

    def claimed(self) -> Decimal:
        return sum((c.cecs for c in self.credits), Decimal(0))

    def counted(self, required: Decimal, excluded: AbstractSet[str] = frozenset(), *,
                replacement_only: bool = False) -> Decimal:
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
        cap = required * self.policy.teaching_cap_fraction
        return plain + min(capped, cap)

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

    def proven(self) -> Decimal:
        """CECs the audit accepts: documented ones after rejections, plus replacements;
        with no documentation, only CECs earned as replacements count."""
        no_proof = self.documentation_received_on is None
        return self.cycle.counted(self.required, self.rejected, replacement_only=no_proof)

    def invalid_from(self, policy: Policy) -> date | None:
        if self.inactive_since is None:
            return None
        return rules.audit_invalid_from(self.inactive_since, policy)


@dataclass(frozen=True)
class Transition:
    on: date
    status: Status
    lapse: Lapse | None
    reason: str


class Fold:
    """The credential's state as it evolves along the business-date axis."""

    def __init__(self, book: PolicyBook) -> None:
        self.book = book
        self.today: date | None = None
        self.held: dict[str, CertificationRule] = {}
        self.first_certified_on: date | None = None
        self.cycle: Cycle | None = None
        self.past_cycles: list[Cycle] = []
        self.in_grace = False
        self.invalid = False
        self.lapse: Lapse | None = None
        self.since: date | None = None
        self.audit: Audit | None = None
        self.audited_cycle_ends: set[date] = set()
        self.credits_by_id: dict[str, tuple[Cycle, Credit]] = {}
        self.transitions: list[Transition] = []

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
        return rules.grace_ends_on(self.cycle.end, self.cycle.policy)

    def cycle_for_renewal(self) -> Cycle | None:
        if self.cycle is None or self.invalid or self.cycle.renewed_on is not None:
            return None
        return self.cycle

    def renewal_fee(self, on: date) -> Decimal | None:
        if self.cycle_for_renewal() is None:
            return None
        # Priced entirely by the version in force on `on`, the fees of the certifications held included.
        policy = self.book.in_force(on)
        held = [policy.certification(c.code) or c for c in self.held_rules()]
        return rules.renewal_fee(held, policy, late=self.in_grace)

    def reason(self) -> str:
        status = self.status
        cycle = self.cycle
        audit = self.audit
        if cycle is None:
            return f"not certified on {self.today}: no certification recorded on or before that date"
        if status is Status.INVALID:
            return self._lapse_reason("invalid", self.lapse)
        if status is Status.INACTIVE:
            lapse = Lapse.CYCLE_ENDED if self.in_grace else self.lapse
            return self._lapse_reason("inactive", lapse)
        text = (
            f"active since {self.since}: {'/'.join(self.held)} cycle {cycle.start} to {cycle.end} "
            f"with {cec_text(self.cycle_counted(cycle))} of {cec_text(self.required())} CECs counted"
        )
        if cycle.renewed_on is not None:
            text += f", renewed on {cycle.renewed_on}"
        if audit is not None and audit.state is AuditState.AWAITING_PROOF:
            text += f"; selected for audit on {audit.selected_on}, proof due by {audit.proof_due_on}"
        elif audit is not None and audit.state is AuditState.REPLACEMENT_DUE:
            text += (
                f"; audited cycle ended {audit.cycle.end} is short with {cec_text(audit.proven())} of "
                f"{cec_text(audit.required)} CECs, replacement CECs due by {audit.replace_by}"
            )
        return text

    def _lapse_reason(self, word: str, lapse: Lapse | None) -> str:
        since = self.since
        cycle = self.cycle
        audit = self.audit
        assert cycle is not None
        if lapse is Lapse.CYCLE_ENDED:
            return (
                f"{word} since {since}: cycle ended {cycle.end} with "
                f"{cec_text(self.cycle_counted(cycle))} of {cec_text(self.required())} CECs counted"
            )
        if lapse is Lapse.GRACE_ENDED:
            grace_end = rules.grace_ends_on(cycle.end, cycle.policy)
            return f"{word} since {since}: grace period ended {grace_end} without a renewal"
        if audit is None:
            return f"{word} since {since}"
        if lapse is Lapse.PROOF_OVERDUE:
            return f"{word} since {since}: audit proof was due {audit.proof_due_on} and none was received"
        if lapse is Lapse.REPLACEMENT_OVERDUE:
            return (
                f"{word} since {since}: replacement CECs were due {audit.replace_by}; the audited cycle "
                f"ended {audit.cycle.end} has {cec_text(audit.proven())} of {cec_text(audit.required)} CECs"
            )
        return (
            f"{word} since {since}: audit of the cycle ended {audit.cycle.end} was not completed "
            f"within a year of {audit.inactive_since}"
        )

    # --- time passing --------------------------------------------------------------

    def _record(self, on: date, lapse: Lapse | None) -> None:
        self.since = on
        self.lapse = lapse
        self.transitions.append(Transition(on, self.status, lapse, self.reason()))

    def _next_deadline(self) -> tuple[date, str] | None:
        cycle, audit = self.cycle, self.audit
        if cycle is None or self.invalid:
            return None
        if self.in_grace:
            ends = (rules.grace_ends_on(cycle.end, cycle.policy) + ONE_DAY, "grace")
        else:
            ends = (cycle.end + ONE_DAY, "cycle")
        # Asked before every fact, so the common case (no audit deadline can fall due) is short.
        if audit is None or audit.state is AuditState.PASSED:
            return ends
        due = [ends]
        policy = self.book.in_force(audit.selected_on)
        if audit.state is AuditState.AWAITING_PROOF:
            due.append((audit.proof_due_on + ONE_DAY, "proof"))
        elif audit.state is AuditState.REPLACEMENT_DUE and audit.replace_by is not None:
            due.append((audit.replace_by + ONE_DAY, "replacement"))
        invalid_from = audit.invalid_from(policy)
        if audit.state in INACTIVE_STATES and invalid_from is not None:
            due.append((invalid_from, "audit_year"))
        return min(due)

    def advance(self, to: date) -> None:
        """Apply every deadline that falls on or before `to`."""
        while (deadline := self._next_deadline()) is not None and deadline[0] <= to:
            on, kind = deadline
            if kind == "cycle":
                self._end_cycle(on)
            elif kind == "grace":
                self._invalidate(on, Lapse.GRACE_ENDED)
            elif kind == "audit_year":
                self._invalidate(on, Lapse.AUDIT_YEAR_ENDED)
            else:
                self._audit_lapses(on, kind)
        self.today = to

    def _end_cycle(self, on: date) -> None:
        assert self.cycle is not None
        if self.cycle.renewed_on is not None:
            self._start_next_cycle()
            return
        self.in_grace = True
        self._record(on, Lapse.CYCLE_ENDED)

    def _start_next_cycle(self) -> None:
        assert self.cycle is not None
        previous = self.cycle
        previous.required_at_close = self.required()
        self.past_cycles.append(previous)
        start = previous.end + ONE_DAY
        policy = self.book.in_force(start)
        self.cycle = Cycle(start, rules.next_cycle_end(previous.end, policy), policy)
        # A new cycle is held to the certification table of the version in force when it starts.
        self.held = {code: policy.certification(code) or rule for code, rule in self.held.items()}

    def _audit_lapses(self, on: date, kind: str) -> None:
        audit = self.audit
        assert audit is not None
        was_active = self.status is Status.ACTIVE
        audit.state = AuditState.PROOF_OVERDUE if kind == "proof" else AuditState.REPLACEMENT_OVERDUE
        if audit.inactive_since is None:
            audit.inactive_since = on
        if was_active:
            self._record(on, Lapse.PROOF_OVERDUE if kind == "proof" else Lapse.REPLACEMENT_OVERDUE)

    def _invalidate(self, on: date, lapse: Lapse) -> None:
        assert self.cycle is not None
        self.cycle.required_at_close = self.required()
        if self.audit is not None and self.audit.state is not AuditState.PASSED:
            self.audit.state = AuditState.FAILED
            self.audit.closed_on = on
        self.invalid = True
        self.in_grace = False
        self.held.clear()
        self._record(on, lapse)

    # --- facts ---------------------------------------------------------------------

    def apply(self, fact: CredentialFact) -> None:
        on = fact.effective_on
        self.advance(on)
        # Most facts are claims, so they are tried first (the fact classes are disjoint).
        if isinstance(fact, ActivityClaimed):
            self._claimed(fact)
        elif isinstance(fact, Certified):
            self._certified(on, fact.certification)
        elif isinstance(fact, RenewalSubmitted):
            self._renewed(on, fact.cycle_end)
        elif isinstance(fact, AuditSelected):
            self._audit_selected(on, fact.cycle_end)
        elif isinstance(fact, DocumentationRejected):
            if self.audit is not None and self.audit.state is not AuditState.FAILED:
                self.audit.rejected.add(fact.activity_id)
        elif isinstance(fact, AuditReviewed):
            self._audit_reviewed(on, fact.replace_by)

    def _certified(self, on: date, code: str) -> None:
        rule = self.book.in_force(on).certification(code)
        if rule is None or code in self.held:
            return
        if self.cycle is None or self.invalid:
            self.held = {code: rule}
            policy = self.book.in_force(on)
            if self.cycle is not None:
                self.past_cycles.append(self.cycle)
            self.cycle = Cycle(on, rules.first_cycle_end(on, policy), policy)
            self.first_certified_on = self.first_certified_on or on
            self.invalid = False
            self.audit = None
            self._record(on, None)
            return
        if rules.earns_cecs_for(rule, self.held.values()):
            self._credit(
                Credit(f"certification:{code}", "certification", rule.award_cecs, on, False, None, True, False)
            )
        self.held[code] = rule

    def target_cycle(self) -> Cycle | None:
        """Where an activity completed today counts: a short audited cycle first, then the
        cycle in grace (the grace period exists to earn missing CECs), else the current one."""
        if self.cycle is None or self.invalid:
            return None
        audit = self.audit
        if audit is not None and audit.state in SHORT_STATES and audit.proven() < audit.required:
            return audit.cycle
        return self.cycle

    def _credit(self, credit: Credit, target: Cycle | None = None) -> None:
        if target is None:
            target = self.target_cycle()
        if target is None:
            return
        audit = self.audit
        credit.replacement = audit is not None and target is audit.cycle
        target.credits.append(credit)
        self.credits_by_id[credit.activity_id] = (target, credit)
        if audit is not None and credit.replacement and audit.proven() >= audit.required:
            self._audit_passed(credit.completed_on)

    def _claimed(self, fact: ActivityClaimed) -> None:
        target = self.target_cycle()
        if target is None:
            return
        rule = target.policy.categories.get(fact.category)
        capped = rule.capped if rule else False
        repeated = bool(rule and rule.once_per_cycle_by_course and fact.course_id and target.has_course(fact.course_id))
        self._credit(
            Credit(fact.activity_id, fact.category, fact.cecs, fact.effective_on, capped, fact.course_id,
                   not repeated, False),
            target,
        )

    def _renewed(self, on: date, cycle_end: date) -> None:
        cycle = self.cycle_for_renewal()
        if cycle is None or cycle.end != cycle_end:
            return
        cycle.renewed_on = on
        if self.in_grace:
            self.in_grace = False
            self._start_next_cycle()
            if self.status is Status.ACTIVE:
                self._record(on, None)

    def _audit_selected(self, on: date, cycle_end: date) -> None:
        cycle = next((c for c in self.past_cycles if c.end == cycle_end), None)
        if cycle is None or self.invalid:
            return
        policy = self.book.in_force(on)
        self.audited_cycle_ends.add(cycle_end)
        required = cycle.required_at_close if cycle.required_at_close is not None else self.required()
        self.audit = Audit(on, cycle, required, rules.proof_due_on(on, policy))

    def _audit_reviewed(self, on: date, replace_by: date | None) -> None:
        audit = self.audit
        if audit is None or audit.state in (AuditState.PASSED, AuditState.FAILED):
            return
        audit.documentation_received_on = on
        if audit.proven() >= audit.required:
            self._audit_passed(on)
        elif audit.state is AuditState.AWAITING_PROOF:
            audit.state = AuditState.REPLACEMENT_DUE
            audit.replace_by = replace_by or rules.default_replace_by(on, self.book.in_force(on))
        # Documentation received late and still short: the member stays inactive, and the
        # year that began when proof fell overdue still runs.

    def _audit_passed(self, on: date) -> None:
        audit = self.audit
        assert audit is not None
        was_inactive = self.status is Status.INACTIVE
        audit.state = AuditState.PASSED
        audit.closed_on = on
        if was_inactive and self.status is Status.ACTIVE:
            self._record(on, None)


def known_facts(history: Iterable[CredentialFact], known_at: datetime | None) -> list[CredentialFact]:
    if known_at is None:
        return list(history)
    return [f for f in history if f.timestamp <= known_at]


# Within one business day facts fold in a fixed order, so the answers never depend on the
# order in which staff happened to record them: a certification before the activities of
# its day, activities before the renewal they may complete, rejections before the review.
_DAY_ORDER = {
    Certified: 0,
    ActivityClaimed: 1,
    DocumentationRejected: 2,
    AuditReviewed: 3,
    RenewalSubmitted: 4,
    AuditSelected: 5,
}


def business_order(fact: CredentialFact) -> tuple[date, int, str]:
    if isinstance(fact, ActivityClaimed):
        tie = fact.activity_id
    elif isinstance(fact, Certified):
        tie = fact.certification
    else:
        tie = ""
    return fact.effective_on, _DAY_ORDER.get(type(fact), 9), tie


def replay(history: Sequence[CredentialFact], on: date, known_at: datetime | None, book: PolicyBook) -> Fold:
    """The fold of what was known at `known_at` about the credential, as of `on`."""
    facts = sorted(
        (f for f in known_facts(history, known_at) if f.effective_on <= on),
        key=business_order,
    )
    fold = Fold(book)
    for fact in facts:
        fold.apply(fact)
    fold.advance(on)
    return fold


@dataclass(frozen=True)
class CycleSummary:
    start: date
    end: date
    required_cecs: Decimal
    counted_cecs: Decimal
    claimed_cecs: Decimal


@dataclass(frozen=True)
class AuditSummary:
    selected_on: date
    proof_due_on: date
    state: AuditState
    cycle_end: date
    required_cecs: Decimal
    proven_cecs: Decimal
    documentation_received_on: date | None
    replace_by: date | None
    inactive_since: date | None
    closed_on: date | None


@dataclass(frozen=True)
class CredentialStatus:
    """The answer to "what was the status on `on`, as known at `known_at`"."""

    on: date
    known_at: datetime | None
    status: Status
    certifications: tuple[str, ...]
    level: str | None
    cycle: CycleSummary | None
    grace_ends_on: date | None
    audit: AuditSummary | None
    renewal_fee: Decimal | None
    reason: str
    since: date | None


def describe(fold: Fold, on: date, known_at: datetime | None) -> CredentialStatus:
    held = fold.held_rules()
    top = rules.highest(held)
    cycle = fold.cycle
    audit = fold.audit
    return CredentialStatus(
        on=on,
        known_at=known_at,
        status=fold.status,
        certifications=tuple(c.code for c in held),
        level=top.code if top else None,
        cycle=None if cycle is None else CycleSummary(
            cycle.start,
            cycle.end,
            fold.cycle_required(cycle),
            tenths(fold.cycle_counted(cycle)),
            tenths(cycle.claimed()),
        ),
        grace_ends_on=fold.grace_ends_on(),
        audit=None if audit is None else AuditSummary(
            audit.selected_on, audit.proof_due_on, audit.state, audit.cycle.end, audit.required,
            tenths(audit.proven()), audit.documentation_received_on, audit.replace_by, audit.inactive_since,
            audit.closed_on,
        ),
        renewal_fee=fold.renewal_fee(on),
        reason=fold.reason(),
        since=fold.since,
    )


def status_of(history: Sequence[CredentialFact], on: date, known_at: datetime | None,
              book: PolicyBook) -> CredentialStatus:
    return describe(replay(history, on, known_at, book), on, known_at)
