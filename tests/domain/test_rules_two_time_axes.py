"""rules.md section 6, two time axes (business date and recorded time), and the sweep that records
automatic transitions, through the application service (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from rules_support import D, certified_cpt_with, claim, refused, stored_facts, stored_types, workshop
from service_support import StepClock

from application.service import CredentialService
from domain.document import CredentialStatus
from domain.events import Invalidated, Lapse, MarkedInactive, RenewalSubmitted
from domain.states import AuditState, Status

# Dates around every deadline of a lapsed CPT certified 2019-05-10, and of an audit selected 2023-03-01.
PROBE_DATES = [D(day) for day in (
    "2019-05-09", "2019-05-10", "2022-12-31", "2023-01-01", "2023-03-01", "2023-03-31", "2023-04-01", "2023-06-30",
    "2023-07-01", "2024-03-31", "2024-04-01", "2026-11-28",
)]


def statuses(service: CredentialService, member_id: str,
             known_at: datetime | None = None) -> dict[date, CredentialStatus]:
    return {day: service.status(member_id, day, known_at) for day in PROBE_DATES}


def transitions(service: CredentialService, member_id: str) -> list[tuple[str, date, Lapse]]:
    return [
        (type(f).__name__, f.effective_on, f.lapse)
        for f in stored_facts(service, member_id)
        if isinstance(f, (MarkedInactive, Invalidated))
    ]


# --- business date and recorded time ----------------------------------------------------------------------


def test_a_renewal_recorded_late_applies_from_its_submission_date(service: CredentialService,
                                                                  clock: StepClock) -> None:
    """Decision: every fact has a business date and a recorded time; staff routinely record facts late."""
    clock.set("2023-02-15")
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-11-01"))
    renewal = stored_facts(service, "m-1")[-1]
    assert isinstance(renewal, RenewalSubmitted)
    assert (renewal.effective_on, renewal.timestamp.date(), renewal.late) == (D("2022-11-01"), D("2023-02-15"), False)
    status = service.status("m-1", D("2023-01-05"))
    assert status.status is Status.ACTIVE
    assert status.cycle is not None
    assert status.cycle.start == D("2023-01-01")


def test_status_as_known_before_a_late_fact_was_recorded_does_not_see_it(service: CredentialService,
                                                                         clock: StepClock) -> None:
    """Decision: "as known at time T" drops the facts recorded after T."""
    clock.set("2023-01-10")
    certified_cpt_with(service, "m-1")
    known_before = clock.now
    clock.set("2023-02-15")
    service.submit_renewal("m-1", D("2022-11-01"))
    recorded_at = stored_facts(service, "m-1")[-1].timestamp
    then = service.status("m-1", D("2023-01-05"), known_at=known_before)
    assert (then.status, then.reason) == (
        Status.INACTIVE, "inactive since 2023-01-01: cycle ended 2022-12-31 with 45 of 45 CECs counted; "
        "a late renewal needed by 2023-06-30")
    assert service.status("m-1", D("2023-01-05"), known_at=recorded_at - timedelta(microseconds=1)).status \
        is Status.INACTIVE
    assert service.status("m-1", D("2023-01-05"), known_at=recorded_at).status is Status.ACTIVE
    assert service.status("m-1", D("2023-01-05")).status is Status.ACTIVE


def test_known_at_sees_exactly_the_facts_recorded_up_to_it(service: CredentialService, clock: StepClock) -> None:
    """Decision: "as known at time T" drops the facts recorded after T."""
    clock.set("2021-01-10")
    service.certify("m-1", "CPT", D("2019-05-10"))
    recorded: list[datetime] = []
    for hours in (5, 7, 11):
        clock.set(clock.now.date() + timedelta(days=30))
        service.claim_activity("m-1", workshop("2020-06-01", hours=hours))
        recorded.append(stored_facts(service, "m-1")[-1].timestamp)
    counted = [service.status("m-1", D("2021-12-31"), at).cycle.counted_cecs for at in recorded]  # type: ignore[union-attr]
    assert counted == [Decimal("5.0"), Decimal("12.0"), Decimal("23.0")]
    before_any = recorded[0] - timedelta(microseconds=1)
    assert service.status("m-1", D("2021-12-31"), before_any).cycle.counted_cecs == 0  # type: ignore[union-attr]


def test_status_before_the_credential_was_recorded_at_all_is_not_certified(service: CredentialService,
                                                                           clock: StepClock) -> None:
    """Decision: "as known at time T" drops the facts recorded after T."""
    clock.set("2021-01-10")
    service.certify("m-1", "CPT", D("2019-05-10"))
    first = stored_facts(service, "m-1")[0].timestamp
    status = service.status("m-1", D("2020-06-01"), known_at=first - timedelta(seconds=1))
    assert (status.status, status.cycle) == (Status.NOT_CERTIFIED, None)


def test_facts_recorded_out_of_order_answer_exactly_as_facts_recorded_in_order(service: CredentialService) -> None:
    """Decision: answers must be exact for any X and T, including for facts recorded out of order."""
    steps = [
        lambda m: service.certify(m, "CPT", D("2019-05-10")),
        lambda m: service.claim_activity(m, workshop("2020-02-03", hours=30)),
        lambda m: service.certify(m, "CIFT", D("2021-03-01")),
        lambda m: service.claim_activity(m, claim("teaching", "2021-09-01", hours=20, course_id="KIN-1")),
        lambda m: service.claim_activity(m, workshop("2023-02-10", hours=3)),
        lambda m: service.submit_renewal(m, D("2023-03-01")),
    ]
    for step in steps:
        step("in-order")
    # The certification opens the credential and the renewal needs the CECs: the rest backwards.
    certify, *activities, renew = steps
    for step in [certify, *reversed(activities), renew]:
        step("out-of-order")
    assert statuses(service, "out-of-order") == statuses(service, "in-order")
    status = service.status("out-of-order", D("2023-03-01"))
    assert (status.status, str(status.cycle.start) if status.cycle else None) == (Status.ACTIVE, "2023-01-01")


def test_a_late_renewal_recorded_today_inside_a_past_grace_period_is_accepted_as_a_late_renewal(
        service: CredentialService, clock: StepClock) -> None:
    """FAQ: What if I don't have enough credits to recertify? A command is judged as of its business date."""
    clock.set("2023-09-15")
    certified_cpt_with(service, "m-1")
    assert service.status("m-1").status is Status.INVALID
    outcome = service.submit_renewal("m-1", D("2023-03-01"), fee_paid=Decimal("70.00"))
    renewal = stored_facts(service, "m-1")[-1]
    assert isinstance(renewal, RenewalSubmitted)
    assert (renewal.late, str(renewal.fee_due)) == (True, "70.00")
    assert outcome.status.on == D("2023-09-15")
    assert outcome.status.status is Status.ACTIVE
    today = service.status("m-1")
    assert today.status is Status.ACTIVE
    assert today.cycle is not None
    assert (today.cycle.start, today.cycle.end) == (D("2023-01-01"), D("2025-12-31"))


def test_an_activity_recorded_after_the_credential_lapsed_is_judged_on_its_completion_date(
        service: CredentialService, clock: StepClock) -> None:
    """Decision: a command is judged as of its business date, against all the facts known when it is recorded."""
    clock.set("2023-09-15")
    certified_cpt_with(service, "m-1", cecs=40)
    outcome = service.claim_activity("m-1", workshop("2022-06-01", hours=5))
    assert outcome.cecs_awarded == Decimal("5.0")
    status = service.status("m-1", D("2022-12-31"))
    assert status.cycle is not None
    assert status.cycle.counted_cecs == Decimal("45.0")


def test_a_late_fact_that_changes_the_past_changes_what_later_commands_are_judged_against(
        service: CredentialService, clock: StepClock) -> None:
    """Decision: a command is judged against all the facts known when it is recorded."""
    clock.set("2023-09-15")
    certified_cpt_with(service, "m-1", cecs=40)
    refused(service, "m-1", "insufficient_cecs", lambda: service.submit_renewal("m-1", D("2023-03-01")))
    service.claim_activity("m-1", workshop("2023-02-01", hours=5))
    service.submit_renewal("m-1", D("2023-03-01"))
    assert service.status("m-1").status is Status.ACTIVE


def test_deadlines_apply_to_a_status_answer_whether_or_not_a_transition_was_recorded(
        service: CredentialService) -> None:
    """Decision: the status folds facts and applies deadlines as of X, whether or not a transition is recorded."""
    certified_cpt_with(service, "m-1", cecs=38)
    assert stored_types(service, "m-1") == ["CredentialOpened", "Certified", "ActivityClaimed"]
    assert service.status("m-1", D("2023-01-01")).status is Status.INACTIVE
    assert service.status("m-1", D("2023-07-01")).status is Status.INVALID


def test_every_status_answer_says_why(service: CredentialService) -> None:
    """Decision: every status answer says why: the rule and the facts that decided it."""
    certified_cpt_with(service, "m-1", cecs=38)
    assert service.status("m-1", D("2019-05-09")).reason == (
        "not certified on 2019-05-09: no certification recorded on or before that date")
    assert service.status("m-1", D("2021-01-01")).reason == (
        "active since 2019-05-10: CPT cycle 2019-05-10 to 2022-12-31 with 38 of 45 CECs counted "
        "(7 more needed by 2022-12-31)")
    assert service.status("m-1", D("2023-02-01")).reason == (
        "inactive since 2023-01-01: cycle ended 2022-12-31 with 38 of 45 CECs counted; "
        "7 more CECs and a late renewal needed by 2023-06-30")


# --- the sweep --------------------------------------------------------------------------------------------


def test_the_sweep_records_inactive_and_invalid_effective_on_the_deadline_dates(service: CredentialService) -> None:
    """Decision: automatic transitions are recorded as events, effective on the deadline date."""
    certified_cpt_with(service, "lapsed", cecs=38)
    certified_cpt_with(service, "renewed")
    service.submit_renewal("renewed", D("2022-11-01"))
    report = service.sweep(D("2024-01-01"))
    assert (report.members, report.recorded) == (2, 2)
    assert transitions(service, "lapsed") == [
        ("MarkedInactive", D("2023-01-01"), Lapse.CYCLE_ENDED),
        ("Invalidated", D("2023-07-01"), Lapse.GRACE_ENDED),
    ]
    assert transitions(service, "renewed") == []


def test_the_sweep_records_only_the_transitions_due_up_to_its_date(service: CredentialService) -> None:
    """Decision: the sweep catches up on every transition due up to the date it is run for."""
    certified_cpt_with(service, "m-1", cecs=38)
    assert service.sweep(D("2022-12-31")).recorded == 0
    assert service.sweep(D("2023-01-01")).recorded == 1
    assert transitions(service, "m-1") == [("MarkedInactive", D("2023-01-01"), Lapse.CYCLE_ENDED)]
    assert service.sweep(D("2023-06-30")).recorded == 0
    assert service.sweep(D("2023-07-01")).recorded == 1
    assert transitions(service, "m-1")[-1] == ("Invalidated", D("2023-07-01"), Lapse.GRACE_ENDED)


def test_the_sweep_catches_up_on_transitions_in_the_past(service: CredentialService, clock: StepClock) -> None:
    """Decision: the sweep catches up on every transition due, including ones in the past."""
    certified_cpt_with(service, "m-1", cecs=38)
    clock.set("2026-11-28")
    service.sweep(D("2026-11-28"))
    facts = [f for f in stored_facts(service, "m-1") if isinstance(f, (MarkedInactive, Invalidated))]
    assert [(f.effective_on, f.timestamp.date()) for f in facts] == [
        (D("2023-01-01"), D("2026-11-28")), (D("2023-07-01"), D("2026-11-28"))]


def test_the_sweep_is_idempotent(service: CredentialService) -> None:
    """Decision: an idempotent sweep."""
    certified_cpt_with(service, "m-1", cecs=38)
    assert service.sweep(D("2024-01-01")).recorded == 2
    count = len(stored_facts(service, "m-1"))
    again = service.sweep(D("2024-01-01"))
    assert (again.members, again.recorded) == (1, 0)
    assert service.sweep(D("2025-01-01")).recorded == 0
    assert len(stored_facts(service, "m-1")) == count


def test_the_sweep_records_audit_lapses(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? (inactive after 30 days without proof, invalid a year later)"""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-11-01"))
    service.select_for_audit("m-1", D("2023-03-01"))
    assert service.sweep(D("2024-06-01")).recorded == 2
    assert transitions(service, "m-1") == [
        ("MarkedInactive", D("2023-04-01"), Lapse.PROOF_OVERDUE),
        ("Invalidated", D("2024-04-01"), Lapse.AUDIT_YEAR_ENDED),
    ]


def test_status_answers_are_the_same_before_and_after_the_sweep(service: CredentialService) -> None:
    """Decision: the status answered for a date is the same before and after the sweep runs."""
    certified_cpt_with(service, "lapsed", cecs=38)
    certified_cpt_with(service, "audited")
    service.submit_renewal("audited", D("2022-11-01"))
    service.select_for_audit("audited", D("2023-03-01"))
    before = {m: statuses(service, m) for m in ("lapsed", "audited")}
    service.sweep(D("2026-11-28"))
    assert {m: statuses(service, m) for m in ("lapsed", "audited")} == before
    assert before["audited"][D("2024-04-01")].audit.state is AuditState.FAILED  # type: ignore[union-attr]


def test_a_late_renewal_recorded_after_the_sweep_invalidated_the_credential_still_reinstates_it(
        service: CredentialService, clock: StepClock) -> None:
    """Decision: a renewal recorded today with a submission date inside a past grace period is a late renewal."""
    clock.set("2023-09-15")
    certified_cpt_with(service, "m-1")
    service.sweep(D("2023-09-15"))
    service.submit_renewal("m-1", D("2023-05-01"))
    assert service.status("m-1", D("2023-09-15")).status is Status.ACTIVE
    assert service.status("m-1", D("2023-03-01")).status is Status.INACTIVE
    assert service.sweep(D("2023-09-15")).recorded == 0
    assert stored_types(service, "m-1")[-3:] == ["MarkedInactive", "Invalidated", "RenewalSubmitted"]


def test_status_as_known_before_the_sweep_equals_status_after_it(service: CredentialService,
                                                                 clock: StepClock) -> None:
    """Decision: the status answered for a date is the same before and after the sweep runs."""
    clock.set("2023-09-15")
    certified_cpt_with(service, "m-1", cecs=38)
    known_before = clock.now
    clock.set("2023-09-16")
    service.sweep(D("2023-09-16"))
    assert stored_types(service, "m-1")[-2:] == ["MarkedInactive", "Invalidated"]
    for day in PROBE_DATES:
        assert replace(service.status("m-1", day, known_before), known_at=None) == service.status("m-1", day)
