"""The fold: a credential's state as it evolves, one fact or deadline at a time.

`Fold` holds what is true of the credential at the end of a business day (the certifications
held, the current and past cycles, the audit, the status and since when) and is moved forward
only through its step API: `apply` folds a fact (after the deadlines due by its day),
`advance_to` applies every deadline due up to a day, and `next_deadline` says which falls due
next, so a caller can watch the state on each day it changes (`domain.timeline`) without
knowing how deadlines are computed (`domain.deadlines`). Which facts it folds, and in which
order, is `domain.replay`'s concern.
"""

from __future__ import annotations

from datetime import date

from domain import rules
from domain.corrections import CorrectionDecided
from domain.cycles import Audit, Credit, Cycle, correction_audit
from domain.deadlines import Deadline, earliest_deadline
from domain.events import (
    ActivityClaimed,
    AuditReviewed,
    AuditSelected,
    Certified,
    DocumentationRejected,
    Lapse,
    RenewalSubmitted,
)
from domain.fold_state import Foldable, FoldState, Transition
from domain.reasons import reason_for
from domain.rules import ONE_DAY
from domain.states import AuditState, Status

__all__ = ["Fold", "Foldable", "Transition"]


class Fold(FoldState):
    """The credential's state as it evolves along the business-date axis."""

    # --- time passing --------------------------------------------------------------

    def _record(self, on: date, lapse: Lapse | None) -> None:
        if not self.transitions or self.transitions[-1].status is not self.status:
            self.since = on  # the first day of the current unbroken run of the status (section 14)
        self.lapse = lapse
        self.transitions.append(Transition(on, self.status, lapse, reason_for(self)))

    def next_deadline(self) -> Deadline | None:
        """The deadline that falls due first from here; None once the credential is invalid
        or was never certified, when nothing changes until a new fact."""
        if self.cycle is None or self.invalid:
            return None
        return earliest_deadline(self.cycle, self.in_grace, self.audit, self.book)

    def advance_to(self, day: date) -> None:
        """Apply every deadline that falls on or before `day`, which becomes `today`."""
        while (deadline := self.next_deadline()) is not None and deadline.on <= day:
            on, kind = deadline
            if kind == "cycle":
                self._end_cycle(on)
            elif kind == "grace":
                self._invalidate(on, Lapse.GRACE_ENDED)
            elif kind == "audit_year":
                self._invalidate(on, Lapse.AUDIT_YEAR_ENDED)
            else:
                self._audit_lapses(on, kind)
        self.today = day

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

    def apply(self, fact: Foldable) -> None:
        on = fact.effective_on
        self.advance_to(on)
        # Most facts are claims, so they are tried first (the fact classes are disjoint).
        if isinstance(fact, ActivityClaimed):
            self._claimed(fact)
        elif isinstance(fact, Certified):
            self._certified(on, fact.certification)
        elif isinstance(fact, RenewalSubmitted):
            self._renewed(on)
        elif isinstance(fact, AuditSelected):
            self._audit_selected(on, fact.renewal_submitted_on)
        elif isinstance(fact, DocumentationRejected):
            if self.audit is not None and self.audit.state is not AuditState.FAILED:
                self.audit.rejected.add(fact.activity_id)
        elif isinstance(fact, AuditReviewed):
            self._audit_reviewed(on, fact.replace_by)
        elif isinstance(fact, CorrectionDecided):
            self._correction_decided(fact)

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
            self.opened_on = on
            self.invalid = False
            self.audit = None
            self._record(on, None)
            return
        # Every certification of the day that opened the cycle is an original one (rules.md section 14).
        if on != self.opened_on and rules.earns_cecs_for(rule, self.held.values()):
            self._credit(
                Credit(f"certification:{code}", "certification", rule.award_cecs, on, False, None, True, False)
            )
        self.held[code] = rule

    def _credit(self, credit: Credit, target: Cycle | None = None) -> None:
        if target is None:
            target = self.target_cycle()
        if target is None:
            return
        audit = self.audit
        credit.replacement = audit is not None and target is audit.cycle
        target.add(credit)
        if audit is not None and credit.replacement and audit.proven() >= audit.required:
            self._audit_passed(credit.completed_on)

    def _claimed(self, fact: ActivityClaimed) -> None:
        target = self.target_cycle()
        if target is None:
            return
        rule = target.policy.categories.get(fact.category)
        capped = rule.capped if rule else False
        repeated = bool(rule and rule.once_per_cycle_by_course and fact.course_id and target.has_course(fact.course_id))
        book = self.book
        earned = fact.cecs if book.judged_every_fact else rules.earned_cecs(fact, book.in_force(fact.effective_on))
        self._credit(
            Credit(fact.activity_id, fact.category, earned, fact.effective_on, capped, fact.course_id,
                   not repeated, False),
            target,
        )

    def _correction_decided(self, decision: CorrectionDecided) -> None:
        if self.cycle is None or self.invalid:
            return
        on = decision.effective_on
        # Newest first, of the current run only: the cycles before an invalidation ended with it.
        opened_on = self.opened_on
        cycles = [c for c in (self.cycle, *reversed(self.past_cycles))
                  if opened_on is not None and c.start >= opened_on]
        opened = correction_audit(cycles, self.audit, on, decision.replace_by, self.book.in_force(on),
                                  decision.short_before)
        if opened is not None:
            self.audit = opened

    def _renewed(self, on: date) -> None:
        # The cycle open for renewal on its day under the facts folded now (section 14), if any.
        cycle = self.cycle_for_renewal()
        if cycle is None:
            return
        cycle.renewed_on, cycle.required_at_renewal = on, self.required()
        if self.in_grace:
            self.in_grace = False
            self._start_next_cycle()
            if self.status is Status.ACTIVE:
                self._record(on, None)

    def _audit_selected(self, on: date, renewal_submitted_on: date) -> None:
        # The cycle the selected renewal renews as folded now, at its requirement when renewed.
        cycle = next((c for c in self.past_cycles if c.renewed_on == renewal_submitted_on), None)
        if cycle is None or self.invalid:
            return
        policy = self.book.in_force(on)
        assert cycle.required_at_renewal is not None  # set with renewed_on
        self.audit = Audit(on, cycle, cycle.required_at_renewal, rules.proof_due_on(on, policy))

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
