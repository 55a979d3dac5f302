"""The guards a credential command passes before it records a fact.

Each raises `RuleViolation` with its rule's machine code (`InvalidCommand` for a value no
rule can judge) and only reads: a fold as of the command's business date, the facts already
recorded, the time of recording. They live apart from the aggregate so that its module holds
the commands and the facts they record, and a refusal several commands share is written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from domain.corrections import NOT_WITHDRAWABLE, activity_in_force, in_force, voiding
from domain.cycles import Audit, Cycle
from domain.errors import ActivityNotFound, InvalidCommand, RuleViolation
from domain.events import ActivityClaimed, CredentialFact, CredentialOpened, RenewalSubmitted
from domain.fold import Fold
from domain.policy import PolicyBook
from domain.reasons import reason_for
from domain.replay import replay
from domain.rules import ActivityClaim
from domain.states import INACTIVE_STATES, AuditState, Status

if TYPE_CHECKING:
    # Only for annotations: the aggregate's module imports these guards.
    from domain.credential import Stamp


def check_not_in_future(business_date: date, stamp: Stamp, field: str) -> None:
    if business_date > stamp.recorded_at.date():
        raise RuleViolation(
            "future_date",
            f"{field} {business_date} is after the day it is recorded ({stamp.recorded_at.date()})",
            field=field,
        )


def check_certified(fold: Fold, on: date, *, before_code: str = "not_certified") -> None:
    if fold.status is Status.NOT_CERTIFIED:
        raise RuleViolation(before_code, f"the member holds no certification on {on}", on=on.isoformat())
    if fold.status is Status.INVALID:
        raise RuleViolation(
            "credential_invalid",
            f"the credential is invalid on {on}; only passing the exam again reinstates it",
            on=on.isoformat(),
            reason=reason_for(fold),
        )


def check_not_repeated_course(history: Sequence[CredentialFact], claimed: ActivityClaimed, book: PolicyBook) -> None:
    """The fold places the claim, folded among every known fact (one dated later but recorded
    first included), in the cycle it counts toward; no other claim there may name its course."""
    course_id = claimed.course_id
    # Only an earlier claim can name the course (certification credits name none): without one,
    # no replay is needed.
    if course_id is None or not any(isinstance(f, ActivityClaimed) and f.course_id == course_id for f in history):
        return
    on = latest_day(history, claimed.effective_on)
    placed = replay([*history, claimed], on, None, book).placement(claimed.activity_id)
    if placed is None:
        return
    cycle, credit = placed
    rule = cycle.policy.categories.get(claimed.category)
    if rule and rule.once_per_cycle_by_course and any(
        c.course_id == course_id and c is not credit for c in cycle.credits
    ):
        raise RuleViolation(
            "repeated_course",
            f"course {course_id!r} was already claimed in the cycle {cycle.start} to {cycle.end}",
            course_id=course_id,
        )


REPORTED_CATEGORY = "approved_provider"


def check_not_already_reported(history: Sequence[CredentialFact], claim: ActivityClaim) -> None:
    """An attendee already reported for the same provider, course and completion date is not
    reported twice (rules.md section 13), however the claim arrives (a roster, an import row, the
    member's own claim): an approved-provider claim naming a course is refused when a claim in
    force (not withdrawn; for an amendment, `history` leaves the activity itself out) names the
    same provider, course and date. Without a course the rule cannot tell two offerings of one
    day apart, so it does not apply. Providers compare as the unit conversion reads them (case
    and surrounding spaces aside); course ids exactly."""
    if claim.category != REPORTED_CATEGORY or claim.course_id is None:
        return
    provider = _provider_key(claim.provider)
    reported = next((
        f for f in in_force(history)
        if isinstance(f, ActivityClaimed) and f.category == REPORTED_CATEGORY and f.course_id == claim.course_id
        and f.effective_on == claim.completed_on and _provider_key(f.provider) == provider
    ), None)
    if reported is not None:
        raise RuleViolation(
            "already_reported",
            f"the member was already reported for course {claim.course_id!r} of "
            f"{claim.provider or 'an unnamed provider'} completed on {claim.completed_on} "
            f"(activity {reported.activity_id})",
            provider=claim.provider,
            course_id=claim.course_id,
            completed_on=claim.completed_on.isoformat(),
            activity_id=reported.activity_id,
        )


def _provider_key(provider: str | None) -> str:
    return (provider or "").strip().upper()


def check_not_renewed(fold: Fold, history: Sequence[CredentialFact]) -> None:
    """The cycle open on the renewal's day is not renewed by any known renewal, even one dated
    later but recorded first (which cycle a renewal renews is the fold's to say)."""
    cycle = fold.cycle
    assert cycle is not None
    assert fold.today is not None
    if cycle.renewed_on is not None or (_renewed_by_a_later_renewal(fold, cycle, history)):
        raise RuleViolation(
            "already_renewed",
            f"the cycle ending {cycle.end} is already renewed",
            cycle_end=cycle.end.isoformat(),
        )


def _renewed_by_a_later_renewal(fold: Fold, cycle: Cycle, history: Sequence[CredentialFact]) -> bool:
    """`fold` holds every fact up to its day, so only a renewal dated later (and recorded first)
    can renew its cycle now; only then is the whole history replayed to find out."""
    today = fold.today
    assert today is not None
    if not any(isinstance(f, RenewalSubmitted) and f.effective_on > today for f in history):
        return False
    known = replay(history, latest_day(history, today), None, fold.book)
    return any(c is not None and c.start == cycle.start and c.renewed_on is not None
               for c in [*known.past_cycles, known.cycle])


def latest_day(history: Sequence[CredentialFact], day: date) -> date:
    """`day` or the latest business date of a known fact, whichever is later."""
    return max([day, *(f.effective_on for f in history)])


def check_no_late_replace_by(audit: Audit, short: bool, replace_by: date | None) -> None:
    """Documentation received after proof was due that leaves the cycle short gets no replacement
    date: the member stays inactive on the year already running (rules.md section 5)."""
    if short and replace_by is not None and audit.state in INACTIVE_STATES:
        raise RuleViolation(
            "replace_by_not_applicable",
            f"documentation received after proof was due ({audit.proof_due_on}) gets no replacement "
            "date: the year of inactivity already running applies",
            proof_due_on=audit.proof_due_on.isoformat(),
        )


def check_reviewable_audit(fold: Fold, received_on: date) -> Audit:
    """The audit whose documentation arrives on `received_on`: open, and not reviewed yet."""
    audit = fold.audit
    if audit is None or audit.state in (AuditState.PASSED, AuditState.FAILED):
        raise RuleViolation("no_open_audit", f"no audit is open on {received_on}")
    if audit.documentation_received_on is not None:
        raise RuleViolation(
            "documentation_already_reviewed",
            f"documentation for this audit was reviewed on {audit.documentation_received_on}",
        )
    return audit


def check_rejected_activities(audit: Audit, activity_ids: Sequence[str]) -> None:
    if len(set(activity_ids)) != len(activity_ids):
        raise InvalidCommand("duplicate_activity", "an activity is rejected more than once")
    audited_ids = {c.activity_id for c in audit.cycle.credits}
    unknown = [i for i in activity_ids if i not in audited_ids]
    if unknown:
        raise RuleViolation(
            "unknown_activity",
            f"not activities of the audited cycle ending {audit.cycle.end}: {', '.join(unknown)}",
            activity_ids=unknown,
        )


def check_given(text: str, field: str) -> None:
    if not text.strip():
        raise InvalidCommand("missing_field", f"{field} is required", field=field)


def check_withdrawable(history: Sequence[CredentialFact], fact_id: str) -> None:
    """A fact of the member's, of a kind that can be withdrawn, not withdrawn already."""
    target = next((f for f in history if f.fact_id == fact_id), None)
    if target is None:
        raise RuleViolation("unknown_fact", f"the member has no fact {fact_id!r}", fact_id=fact_id)
    if not _of_withdrawable_kind(target):
        raise RuleViolation(
            "not_withdrawable",
            f"a {type(target).__name__} cannot be withdrawn: "
            + ("record the fact again instead" if type(target).__name__ == "FactWithdrawn"
               else "it is derived from the other facts, or only names the member"),
            fact_id=fact_id, type=type(target).__name__,
        )
    withdrawn_by = voiding(history).withdrawn.get(fact_id)
    if withdrawn_by is not None:
        raise RuleViolation("already_withdrawn", f"fact {fact_id} was withdrawn by fact {withdrawn_by}",
                            fact_id=fact_id, withdrawn_by=withdrawn_by)


def _of_withdrawable_kind(fact: CredentialFact) -> bool:
    return not isinstance(fact, (*NOT_WITHDRAWABLE, CredentialOpened))


def withdrawable_facts(history: Sequence[CredentialFact]) -> list[CredentialFact]:
    """Every fact `check_withdrawable` accepts now, from one pass (a page offers them all)."""
    withdrawn = voiding(history).withdrawn
    return [f for f in history if _of_withdrawable_kind(f) and f.fact_id not in withdrawn]


def check_amendable(history: Sequence[CredentialFact], activity_id: str) -> None:
    """A claimed activity of the member's, not withdrawn."""
    claims = [f for f in history if isinstance(f, ActivityClaimed) and f.activity_id == activity_id]
    if not claims:
        raise ActivityNotFound(activity_id)
    if activity_in_force(history, activity_id) is None:
        withdrawn_by = voiding(history).withdrawn.get(claims[0].fact_id)
        raise RuleViolation("already_withdrawn", f"activity {activity_id} was withdrawn by fact {withdrawn_by}",
                            activity_id=activity_id, withdrawn_by=withdrawn_by)
