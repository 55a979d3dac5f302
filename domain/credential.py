"""The credential aggregate: one per member, holding the facts recorded about it.

Each command is judged as of its business date against every fact known when it is
recorded (`replay` with that date), then records past-tense facts. Guards are the
`check_*` functions of `domain.guards` and the checks written out in a command; they raise
`RuleViolation` with the rule's machine code.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import rules
from domain.continued_replay import ContinuedReplay
from domain.corrections import activity_in_force, in_force, without_activity
from domain.errors import InvalidCommand, RuleViolation
from domain.events import (
    ActivityAmended,
    ActivityClaimed,
    AuditOutcome,
    AuditReviewed,
    AuditSelected,
    Certified,
    CredentialFact,
    CredentialOpened,
    DocumentationRejected,
    Evidence,
    FactWithdrawn,
    Invalidated,
    MarkedInactive,
    ReminderIssued,
    RenewalSubmitted,
)
from domain.fold import Fold
from domain.guards import (
    check_amendable,
    check_certified,
    check_given,
    check_no_late_replace_by,
    check_not_already_reported,
    check_not_in_future,
    check_not_renewed,
    check_not_repeated_course,
    check_rejected_activities,
    check_reviewable_audit,
    check_withdrawable,
)
from domain.policy import PolicyBook
from domain.reminders import ReminderDue, reminders_due
from domain.replay import replay
from domain.states import INACTIVE_STATES, Status

ONE_MICROSECOND = timedelta(microseconds=1)
MEMBER_NAMESPACE = uuid5(NAMESPACE_URL, "urn:credential-service:member")


def credential_id(member_id: str) -> UUID:
    return uuid5(MEMBER_NAMESPACE, member_id)


# Who records the facts no token asked for (`Stamp.recorded_by`): the sweep's and the reminder
# runs' (SYSTEM), an imported register's (IMPORT), and those of a `credentials` command an
# operator runs on the server (CLI: an audit draw, a policy version), and the demo members'
# (`credentials demo`, DEMO).
SYSTEM = "system"
IMPORT = "import"
CLI = "cli"
DEMO = "demo"


class Stamp:
    """When, under which idempotency key and by whom a command is recorded: its `fields()` go
    into every fact the command records. `recorded_by` is who asked (a token's name, else its
    role; "system" for the sweep and reminder runs, "import" for imports); None for a caller
    that does not say, as for every fact recorded before facts said who recorded them."""

    def __init__(self, recorded_at: datetime, idempotency_key: str | None = None,
                 request_hash: str | None = None, recorded_by: str | None = None) -> None:
        self.recorded_at = recorded_at
        self.idempotency_key = idempotency_key
        self.request_hash = request_hash
        self.recorded_by = recorded_by

    @classmethod
    def after(cls, now: datetime, last: datetime | None, idempotency_key: str | None = None,
              request_hash: str | None = None, recorded_by: str | None = None) -> Stamp:
        """A stamp at `now`, or just after `last` (the aggregate's last recorded time) when the
        clock says otherwise: recorded times never go backwards within an aggregate, so "known
        at T" is always a prefix of its facts, even if server clocks disagree."""
        recorded_at = last + ONE_MICROSECOND if last is not None and now <= last else now
        return cls(recorded_at, idempotency_key, request_hash, recorded_by)

    def by(self, recorded_by: str | None) -> Stamp:
        """This stamp, recorded by `recorded_by` (this one's own when None)."""
        if recorded_by is None:
            return self
        return Stamp(self.recorded_at, self.idempotency_key, self.request_hash, recorded_by)

    def fields(self) -> dict[str, Any]:
        return {
            "timestamp": self.recorded_at,
            "idempotency_key": self.idempotency_key,
            "request_hash": self.request_hash,
            "recorded_by": self.recorded_by,
        }


class Credential(Aggregate):
    TOPIC = "credential:Credential"
    # The library's explicit-topic check needs the aggregate's event bases named here.
    Event = CredentialFact  # type: ignore[assignment]
    Created = CredentialOpened  # type: ignore[assignment]

    def __init__(self, member_id: str, name: str | None) -> None:
        self.member_id = member_id
        self.name = name
        self.history: list[CredentialFact] = []
        self._replays: ContinuedReplay | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Credential:
        # Facts are immutable, so a copy needs its own lists, not copies of the facts. The
        # pending events must not be shared either: two commands working on copies of one
        # cached credential would otherwise collect each other's events.
        clone = copy.copy(self)
        clone.history = list(self.history)
        clone._pending_events = list(self._pending_events)
        return clone  # its kept replays, if any, are shared: they are safe to share

    @classmethod
    def open(cls, member_id: str, name: str | None, effective_on: date, stamp: Stamp) -> Credential:
        return cls._create(
            CredentialOpened,
            id=credential_id(member_id),
            member_id=member_id,
            name=name,
            effective_on=effective_on,
            **stamp.fields(),
        )

    def replay(self, on: date, book: PolicyBook, known_at: datetime | None = None) -> Fold:
        """The fold of what was known at `known_at` (None: now) as of `on`. It may be a fold the
        credential's kept replays keep (`keep_replays`): read it, never change it."""
        if known_at is None and self._replays is not None:
            return self._replays.fold(self.history, on, book)
        return replay(self.history, on, known_at, book)

    def keep_replays(self, replays: ContinuedReplay | None = None) -> ContinuedReplay:
        """From now on each replay as known now continues from the folds `replays` kept (new
        ones by default) rather than folding every fact again; the answers are the same."""
        self._replays = replays if replays is not None else ContinuedReplay()
        return self._replays

    def forget_replays(self) -> None:
        """Replay every fact again each time (the default): nothing kept beside the history."""
        self._replays = None

    def first_fact_with_key(self, key: str) -> CredentialFact | None:
        return next((f for f in self.history if f.idempotency_key == key), None)

    # --- commands ------------------------------------------------------------------

    def certify(self, certification: str, certified_on: date, book: PolicyBook, stamp: Stamp) -> None:
        check_not_in_future(certified_on, stamp, "certified_on")
        policy = book.in_force(certified_on)
        if policy.certification(certification) is None:
            raise RuleViolation(
                "unknown_certification",
                f"{certification!r} is not an ACSM certification under policy {policy.version}",
                certification=certification,
                known=sorted(policy.certifications),
            )
        fold = self.replay(certified_on, book)
        if certification in fold.held:
            raise RuleViolation(
                "already_certified",
                f"the member already holds {certification} on {certified_on}",
                certification=certification,
            )
        self.trigger_event(Certified, certification=certification, effective_on=certified_on, **stamp.fields())

    def claim_activity(self, activity_id: str, claim: rules.ActivityClaim, book: PolicyBook, stamp: Stamp) -> Decimal:
        fields = self._judged_claim(activity_id, claim, self.history, book, stamp)
        self.trigger_event(ActivityClaimed, **fields)
        return Decimal(fields["cecs"])

    def amend_activity(self, activity_id: str, claim: rules.ActivityClaim, reason: str, book: PolicyBook,
                       stamp: Stamp) -> Decimal:
        """Replace the activity's whole content, judged as a claim of the new content against
        every known fact but the activity itself (rules.md section 8)."""
        check_given(reason, "reason")
        check_amendable(self.history, activity_id)
        fields = self._judged_claim(activity_id, claim, without_activity(self.history, activity_id), book, stamp)
        self.trigger_event(ActivityAmended, reason=reason, decided_on=stamp.recorded_at.date(), **fields)
        return Decimal(fields["cecs"])

    def withdraw(self, fact_id: str, reason: str, decided_on: date, replace_by: date | None, stamp: Stamp) -> None:
        """Void a fact recorded in error, as known from now on (rules.md section 8)."""
        check_not_in_future(decided_on, stamp, "decided_on")
        check_given(reason, "reason")
        check_withdrawable(self.history, fact_id)
        if replace_by is not None and replace_by <= decided_on:
            raise InvalidCommand("replace_by_not_after_decision", "replace_by must be after decided_on")
        self.trigger_event(FactWithdrawn, withdrawn_fact_id=fact_id, reason=reason, replace_by=replace_by,
                           effective_on=decided_on, **stamp.fields())

    def activity(self, activity_id: str) -> ActivityClaimed | None:
        """The claim or amendment that holds the activity's content now; None once withdrawn."""
        return activity_in_force(self.history, activity_id)

    def _judged_claim(self, activity_id: str, claim: rules.ActivityClaim, history: Sequence[CredentialFact],
                      book: PolicyBook, stamp: Stamp) -> dict[str, Any]:
        """The fields of the claim fact `claim` makes, judged against `history`."""
        check_not_in_future(claim.completed_on, stamp, "completed_on")
        policy = book.in_force(claim.completed_on)
        rules.check_category_accepted(claim, policy)
        check_not_already_reported(history, claim)
        fold = self.replay(claim.completed_on, book) if history is self.history else \
            replay(history, claim.completed_on, None, book)
        check_certified(fold, claim.completed_on, before_code="before_certification")
        cecs = rules.cecs_for(claim, policy)
        fields: dict[str, Any] = dict(
            activity_id=activity_id,
            category=claim.category,
            title=claim.title,
            evidence=Evidence(claim.evidence),
            hours=claim.hours,
            units=claim.units,
            provider=claim.provider,
            decimal_units=claim.decimal_units,
            credit_hours=claim.credit_hours,
            grade=claim.grade,
            course_id=claim.course_id,
            published_on=claim.published_on,
            cecs=cecs,
            effective_on=claim.completed_on,
            **stamp.fields(),
        )
        # The fact it would record, so the fold itself says where the claim counts.
        check_not_repeated_course(
            history, ActivityClaimed(originator_id=self.id, originator_version=self.version + 1, **fields), book
        )
        return fields

    def submit_renewal(self, submitted_on: date, fee_paid: Decimal | None, book: PolicyBook, stamp: Stamp) -> None:
        check_not_in_future(submitted_on, stamp, "submitted_on")
        fold = self.replay(submitted_on, book)
        check_certified(fold, submitted_on)
        cycle = fold.cycle
        assert cycle is not None
        check_not_renewed(fold, self.history)
        opens = rules.renewal_window_opens_on(cycle.end)
        if submitted_on < opens:
            raise RuleViolation(
                "renewal_window_not_open",
                f"renewal for the cycle ending {cycle.end} opens on {opens}",
                opens_on=opens.isoformat(),
            )
        counted, required = fold.cycle_counted(cycle), fold.required()
        if counted < required:
            raise RuleViolation(
                "insufficient_cecs",
                f"the cycle ending {cycle.end} has {counted} of {required} CECs counted",
                counted_cecs=float(counted),
                required_cecs=float(required),
            )
        fee = fold.renewal_fee(submitted_on)
        assert fee is not None
        if fee_paid is not None and fee_paid < fee:
            raise RuleViolation(
                "insufficient_fee",
                f"the renewal fee is {fee}; {rules.money(fee_paid)} was paid",
                fee_due=str(fee),
                fee_paid=str(rules.money(fee_paid)),
            )
        self.trigger_event(
            RenewalSubmitted,
            fee_due=fee,
            fee_paid=fee_paid,
            late=fold.in_grace,
            effective_on=submitted_on,
            **stamp.fields(),
        )

    def renewal_to_audit(self, selected_on: date) -> RenewalSubmitted | None:
        """The renewal submitted in the year before `selected_on`'s year, if any."""
        return next(
            (
                f
                for f in reversed(in_force(self.history))
                if isinstance(f, RenewalSubmitted) and f.effective_on.year == selected_on.year - 1
            ),
            None,
        )

    def select_for_audit(self, selected_on: date, seed: str | None, rate: Decimal | None,
                         book: PolicyBook, stamp: Stamp) -> None:
        check_not_in_future(selected_on, stamp, "selected_on")
        fold = self.replay(selected_on, book)
        check_certified(fold, selected_on, before_code="no_renewal_to_audit")
        renewal = self.renewal_to_audit(selected_on)
        if renewal is None:
            raise RuleViolation(
                "no_renewal_to_audit",
                f"no renewal was submitted in {selected_on.year - 1}",
                year=selected_on.year - 1,
            )
        if any(isinstance(f, AuditSelected) and f.renewal_submitted_on == renewal.effective_on
               for f in in_force(self.history)):
            raise RuleViolation(
                "already_selected",
                f"the renewal of {renewal.effective_on} was already selected for audit",
                renewal_submitted_on=renewal.effective_on.isoformat(),
            )
        self.trigger_event(
            AuditSelected,
            renewal_submitted_on=renewal.effective_on,
            seed=seed,
            rate=rate,
            effective_on=selected_on,
            **stamp.fields(),
        )

    def review_documentation(self, received_on: date, rejected: Sequence[tuple[str, str]],
                             replace_by: date | None, book: PolicyBook, stamp: Stamp) -> AuditOutcome:
        check_not_in_future(received_on, stamp, "received_on")
        fold = self.replay(received_on, book)
        check_certified(fold, received_on, before_code="no_open_audit")
        audit = check_reviewable_audit(fold, received_on)
        ids = [activity_id for activity_id, _ in rejected]
        check_rejected_activities(audit, ids)
        if replace_by is not None and replace_by <= received_on:
            raise InvalidCommand("replace_by_not_after_review", "replace_by must be after received_on")
        remaining = audit.cycle.counted(audit.required, set(ids))
        outcome = AuditOutcome.PASSED if remaining >= audit.required else AuditOutcome.SHORT
        check_no_late_replace_by(audit, outcome is AuditOutcome.SHORT, replace_by)
        # Late and still short, no replacement date: the member stays inactive, on the year already running.
        if outcome is AuditOutcome.SHORT and replace_by is None and audit.state not in INACTIVE_STATES:
            replace_by = rules.default_replace_by(received_on, book.in_force(received_on))
        for activity_id, reason in rejected:
            self.trigger_event(
                DocumentationRejected, activity_id=activity_id, reason=reason, effective_on=received_on,
                **stamp.fields(),
            )
        self.trigger_event(
            AuditReviewed,
            outcome=outcome,
            replace_by=replace_by if outcome is AuditOutcome.SHORT else None,
            effective_on=received_on,
            **stamp.fields(),
        )
        return outcome

    def record_due_transitions(self, as_of: date, book: PolicyBook, stamp: Stamp) -> int:
        """Record each inactive/invalid transition due up to `as_of` not yet recorded."""
        fold = self.replay(as_of, book)
        recorded = {
            (type(f), f.effective_on, f.lapse)
            for f in self.history
            if isinstance(f, (MarkedInactive, Invalidated))
        }
        count = 0
        for transition in fold.transitions:
            if transition.status is Status.INACTIVE:
                event_class: type[MarkedInactive] | type[Invalidated] = MarkedInactive
            elif transition.status is Status.INVALID:
                event_class = Invalidated
            else:
                continue
            if transition.lapse is None or (event_class, transition.on, transition.lapse) in recorded:
                continue
            self.trigger_event(event_class, lapse=transition.lapse, effective_on=transition.on, **stamp.fields())
            count += 1
        return count

    def reminders_due(self, as_of: date, book: PolicyBook) -> list[ReminderDue]:
        """The reminders a run for `as_of` would issue now (rules.md section 11); records nothing."""
        issued = [f for f in self.history if isinstance(f, ReminderIssued)]
        return reminders_due(self.replay(as_of, book), as_of, issued, self.name or self.member_id)

    def issue_reminders(self, as_of: date, book: PolicyBook, stamp: Stamp) -> list[ReminderIssued]:
        """Record each reminder a run for `as_of` issues (rules.md section 11), judged from the
        facts known now as of that day; none already issued is issued again."""
        check_not_in_future(as_of, stamp, "as_of")
        first_new = len(self.history)
        for due in self.reminders_due(as_of, book):
            # One id per member, deadline and offset: the same reminder is never issued twice.
            reminder_id = uuid5(MEMBER_NAMESPACE, f"{self.member_id}:{due.kind}:{due.due_on}:{due.days_before}").hex
            self.trigger_event(ReminderIssued, reminder_id=reminder_id, kind=due.kind, due_on=due.due_on,
                               days_before=due.days_before, subject=due.letter.subject, message=due.letter.message,
                               effective_on=as_of, **stamp.fields())
        return [f for f in self.history[first_new:] if isinstance(f, ReminderIssued)]
