"""The facts of a member's credential, as they are stored.

Each event carries its business date (`effective_on`); the library's `timestamp` is the
time the service recorded it. Topics are explicit and stable (`credential:<Name>`), so
moving or renaming a module never orphans stored events; `class_version` lets a later
shape upcast old events (the library calls `upcast_v1_v2` and so on).
"""

from __future__ import annotations

from dataclasses import field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar

from eventsourcing.domain import AggregateCreated, AggregateEvent
from eventsourcing.utils import register_topic


class Evidence(Enum):
    CEC_CERTIFICATE = "cec_certificate"
    TRANSCRIPT = "transcript"
    PUBLICATION_COPY = "publication_copy"
    SYLLABUS = "syllabus"
    ATTENDANCE_CERTIFICATE = "attendance_certificate"


class AuditOutcome(Enum):
    PASSED = "passed"
    SHORT = "short"


class Lapse(Enum):
    """Why a credential lapsed: which deadline passed."""

    CYCLE_ENDED = "cycle_ended"
    GRACE_ENDED = "grace_ended"
    PROOF_OVERDUE = "proof_overdue"
    REPLACEMENT_OVERDUE = "replacement_overdue"
    AUDIT_YEAR_ENDED = "audit_year_ended"


class CredentialFact(AggregateEvent):
    """A fact about one member's credential, effective on a business date."""

    TOPIC: ClassVar[str]
    effective_on: date
    # The command that recorded it, so a retried command returns its first outcome.
    idempotency_key: str | None
    request_hash: str | None
    # Who recorded it (http-api.md 1.1): a token's name, else its role; "system" for the sweep and
    # reminder runs; "import" for imports. None for a fact recorded before facts said so: stored
    # without the key, it is read back with this default (the library sets a stored event's
    # attributes as they were stored, so a missing one is the class's).
    recorded_by: str | None = field(default=None, kw_only=True)

    def apply(self, aggregate: Any) -> None:
        aggregate.history.append(self)

    @property
    def fact_id(self) -> str:
        """Stable and unique within the member: the fact's place in the member's history."""
        return str(self.originator_version)


class CredentialOpened(AggregateCreated, CredentialFact):
    TOPIC = "credential:CredentialOpened"
    member_id: str
    name: str | None


class Certified(CredentialFact):
    TOPIC = "credential:Certified"
    certification: str


class ActivityClaimed(CredentialFact):
    TOPIC = "credential:ActivityClaimed"
    activity_id: str
    category: str
    title: str
    evidence: Evidence
    hours: Decimal | None
    units: Decimal | None
    provider: str | None
    decimal_units: bool
    credit_hours: Decimal | None
    grade: str | None
    course_id: str | None
    published_on: date | None
    cecs: Decimal


def _drop_cycle_end(state: dict[str, Any]) -> None:
    state.pop("cycle_end", None)


class RenewalSubmitted(CredentialFact):
    """Which cycle it renews is derived by the fold (rules.md section 14): version 1 stored
    the `cycle_end` it was judged against, which a fact recorded later can contradict."""

    TOPIC = "credential:RenewalSubmitted"
    class_version = 2
    fee_due: Decimal
    fee_paid: Decimal | None
    late: bool

    upcast_v1_v2 = staticmethod(_drop_cycle_end)


class AuditSelected(CredentialFact):
    """It audits the renewal submitted on `renewal_submitted_on`, in whichever cycle the fold
    now places that renewal; version 1 also stored that cycle's end."""

    TOPIC = "credential:AuditSelected"
    class_version = 2
    renewal_submitted_on: date
    seed: str | None
    rate: Decimal | None

    upcast_v1_v2 = staticmethod(_drop_cycle_end)


class DocumentationRejected(CredentialFact):
    TOPIC = "credential:DocumentationRejected"
    activity_id: str
    reason: str


class AuditReviewed(CredentialFact):
    """The audit outcome once documentation is reviewed (after any rejections)."""

    TOPIC = "credential:AuditReviewed"
    outcome: AuditOutcome
    replace_by: date | None


class MarkedInactive(CredentialFact):
    """Recorded by the sweep; status never depends on it (deadlines apply regardless)."""

    TOPIC = "credential:MarkedInactive"
    lapse: Lapse


class Invalidated(CredentialFact):
    TOPIC = "credential:Invalidated"
    lapse: Lapse


class FactWithdrawn(CredentialFact):
    """Voids the fact `withdrawn_fact_id` names, as known from now on (rules.md section 8).
    Its business date is the day the correction was decided (`decided_on`)."""

    TOPIC = "credential:FactWithdrawn"
    withdrawn_fact_id: str
    reason: str
    replace_by: date | None


class ActivityAmended(ActivityClaimed):
    """The whole new content of the claim of `activity_id`; its business date is the new
    completion date, so the fold places it exactly as a claim with that content."""

    TOPIC = "credential:ActivityAmended"
    reason: str
    decided_on: date


class ReminderIssued(CredentialFact):
    """A reminder of a deadline still open on its business date (the run's day), with the message
    to send (rules.md section 11). The fold ignores it: it records that the member was told."""

    TOPIC = "credential:ReminderIssued"
    reminder_id: str
    kind: str  # one of domain.policy.REMINDER_KINDS
    due_on: date
    days_before: int  # the schedule's offset it was issued for
    subject: str
    message: str


EVENT_CLASSES: tuple[type[CredentialFact], ...] = (
    CredentialOpened,
    Certified,
    ActivityClaimed,
    RenewalSubmitted,
    AuditSelected,
    DocumentationRejected,
    AuditReviewed,
    MarkedInactive,
    Invalidated,
    FactWithdrawn,
    ActivityAmended,
    ReminderIssued,
)

for _event_class in EVENT_CLASSES:
    register_topic(_event_class.TOPIC, _event_class)


def event_name(event: object) -> str:
    return type(event).__name__
