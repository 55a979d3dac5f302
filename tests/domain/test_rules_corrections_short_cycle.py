"""rules.md section 8, Decision (a correction that leaves a renewed cycle short), through the
application service on the in-memory store: the cycle is treated as audited and found short on
the day the correction was decided, with replacement CECs due 90 days later (or on staff's
`replace_by`), inactive the day after, invalid a year after the first inactive day."""

from __future__ import annotations

from datetime import timedelta

from rules_support import D, stored_facts, workshop
from service_support import StepClock

from application.service import CredentialService
from domain.document import CredentialStatus
from domain.events import ActivityClaimed
from domain.states import AuditState, Status

REASON = "entered on the wrong member"


def renewed(service: CredentialService, clock: StepClock, *hours: int) -> list[str]:
    """CPT certified 2019-05-10 with a workshop of each of `hours` (2020-02-03, 2021-02-03, ...),
    renewed 2022-11-01; all recorded on 2023-01-10. Returns the claims' fact ids."""
    clock.set("2023-01-10")
    service.certify("m-1", "CPT", D("2019-05-10"))
    for year, each in enumerate(hours):
        service.claim_activity("m-1", workshop(f"{2020 + year}-02-03", hours=each))
    service.submit_renewal("m-1", D("2022-11-01"))
    return [f.fact_id for f in stored_facts(service, "m-1") if isinstance(f, ActivityClaimed)]


def left_short(service: CredentialService, clock: StepClock, **withdrawal: object) -> None:
    """Renewed with 30 + 15 CECs; the 15 withdrawn on 2023-05-01, leaving the renewed cycle 30 of 45."""
    claims = renewed(service, clock, 30, 15)
    clock.set("2023-05-01")
    service.withdraw("m-1", claims[1], REASON, **withdrawal)  # type: ignore[arg-type]


def on(service: CredentialService, day: str) -> CredentialStatus:
    return service.status("m-1", D(day))


def test_a_withdrawal_leaving_a_renewed_cycle_short_owes_replacement_cecs_90_days_after_it_was_decided(
        service: CredentialService, clock: StepClock) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): treated as audited and found
    short on the day decided; replacement CECs are due 90 days later."""
    left_short(service, clock)
    status = on(service, "2023-05-01")
    assert status.status is Status.ACTIVE
    assert status.audit is not None
    audit = status.audit
    assert (audit.selected_on, audit.state, audit.cycle_end, audit.required_cecs, audit.proven_cecs,
            audit.documentation_received_on, audit.replace_by) == (
        D("2023-05-01"), AuditState.REPLACEMENT_DUE, D("2022-12-31"), 45, 30, D("2023-05-01"), D("2023-07-30"))
    assert status.reason == (
        "active since 2019-05-10: CPT cycle 2023-01-01 to 2025-12-31 with 0 of 45 CECs counted (45 more needed by "
        "2025-12-31); a correction on 2023-05-01 left the renewed cycle ended 2022-12-31 short with 30 of 45 CECs, "
        "replacement CECs due by 2023-07-30")
    assert on(service, "2023-04-30").audit is None
    assert on(service, "2023-07-30").status is Status.ACTIVE


def test_not_replaced_by_then_the_member_is_inactive_from_the_next_day(service: CredentialService,
                                                                      clock: StepClock) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): not replaced by then: inactive."""
    left_short(service, clock)
    status = on(service, "2023-07-31")
    assert (status.status, status.since) == (Status.INACTIVE, D("2023-07-31"))
    assert status.reason == (
        "inactive since 2023-07-31: replacement CECs were due 2023-07-30 after a correction on 2023-05-01 left the "
        "renewed cycle ended 2022-12-31 short; it has 30 of 45 CECs")


def test_a_year_after_the_first_inactive_day_the_credential_is_invalid(service: CredentialService,
                                                                      clock: StepClock) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): a year after the first
    inactive day: invalid, exactly as in section 5."""
    left_short(service, clock)
    assert on(service, "2024-07-30").status is Status.INACTIVE
    status = on(service, "2024-07-31")
    assert (status.status, status.certifications) == (Status.INVALID, ())
    assert status.reason == (
        "invalid since 2024-07-31: replacement of CECs a correction removed from the cycle ended 2022-12-31 was "
        "not completed within a year of 2023-07-31")


def test_replacement_cecs_are_due_on_the_day_staff_set(service: CredentialService, clock: StepClock) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): or on the `replace_by` staff
    set."""
    left_short(service, clock, replace_by=D("2023-09-30"))
    audit = on(service, "2023-09-30").audit
    assert audit is not None
    assert (audit.replace_by, on(service, "2023-09-30").status) == (D("2023-09-30"), Status.ACTIVE)
    assert on(service, "2023-10-01").status is Status.INACTIVE


def test_replacement_cecs_completed_after_the_decision_count_toward_that_cycle_and_restore_it(
        service: CredentialService, clock: StepClock) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): replacement CECs count toward
    that cycle."""
    left_short(service, clock)
    clock.set("2023-06-05")
    service.claim_activity("m-1", workshop("2023-06-01", hours=15))
    status = on(service, "2023-06-01")
    assert status.audit is not None
    assert (status.audit.state, status.audit.proven_cecs, status.audit.closed_on) == (
        AuditState.PASSED, 45, D("2023-06-01"))
    assert status.cycle is not None
    assert status.cycle.counted_cecs == 0  # counted toward the corrected cycle, not the one under way
    assert on(service, "2023-07-31").status is Status.ACTIVE


def test_cecs_completed_before_the_decision_do_not_replace_what_it_removed(service: CredentialService,
                                                                          clock: StepClock) -> None:
    """rules.md section 2: CECs never carry over; only CECs earned while the cycle is short replace."""
    claims = renewed(service, clock, 30, 15)
    service.claim_activity("m-1", workshop("2023-01-05", hours=15))
    clock.set("2023-05-01")
    service.withdraw("m-1", claims[1], REASON)
    status = on(service, "2023-07-31")
    assert status.status is Status.INACTIVE
    assert status.cycle is not None
    assert status.cycle.counted_cecs == 15


def test_an_open_audit_of_that_cycle_simply_sees_the_corrected_facts(service: CredentialService,
                                                                    clock: StepClock) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): an open audit of that cycle
    simply sees the corrected facts."""
    claims = renewed(service, clock, 30, 15)
    clock.set("2023-03-02")
    service.select_for_audit("m-1", D("2023-03-01"))
    clock.set("2023-03-10")
    service.withdraw("m-1", claims[1], REASON)
    status = on(service, "2023-03-10")
    assert status.audit is not None
    assert (status.audit.selected_on, status.audit.state, status.audit.proof_due_on) == (
        D("2023-03-01"), AuditState.AWAITING_PROOF, D("2023-03-31"))
    assert status.reason.endswith("; selected for audit on 2023-03-01, proof due by 2023-03-31")
    clock.set("2023-03-20")
    service.review_documentation("m-1", D("2023-03-20"))
    reviewed = on(service, "2023-03-20").audit
    assert reviewed is not None
    assert (reviewed.state, reviewed.proven_cecs, reviewed.replace_by) == (
        AuditState.REPLACEMENT_DUE, 30, D("2023-06-18"))


def test_a_decision_earlier_than_the_recording_day_applies_from_that_day_as_known_after_the_withdrawal(
        service: CredentialService, clock: StepClock) -> None:
    """rules.md section 8: `decided_on` is the day it is recorded unless staff give an earlier one; a withdrawn fact
    is void as known from the moment the withdrawal is recorded."""
    left_short(service, clock, decided_on=D("2023-04-01"))
    recorded = stored_facts(service, "m-1")[-1].timestamp
    audit = on(service, "2023-04-15").audit
    assert audit is not None
    assert (audit.selected_on, audit.replace_by) == (D("2023-04-01"), D("2023-06-30"))
    assert on(service, "2023-07-01").status is Status.INACTIVE
    known_before = service.status("m-1", D("2023-07-01"), recorded - timedelta(microseconds=1))
    assert (known_before.status, known_before.audit) == (Status.ACTIVE, None)


def test_an_amendment_that_leaves_a_renewed_cycle_short_owes_replacement_from_the_day_it_was_recorded(
        service: CredentialService, clock: StepClock) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): "if a withdrawal or amendment
    leaves an already renewed cycle below its requirement"."""
    renewed(service, clock, 30, 15)
    activity_id = [f for f in stored_facts(service, "m-1") if isinstance(f, ActivityClaimed)][1].activity_id
    clock.set("2023-05-01")
    service.amend_activity("m-1", activity_id, workshop("2021-02-03", hours=5), "15 typed for 5")
    audit = on(service, "2023-05-01").audit
    assert audit is not None
    assert (audit.selected_on, audit.proven_cecs, audit.replace_by) == (D("2023-05-01"), 35, D("2023-07-30"))


def test_a_withdrawal_that_leaves_the_renewed_cycle_its_requirement_owes_nothing(service: CredentialService,
                                                                                clock: StepClock) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): only a cycle left below its
    requirement."""
    claims = renewed(service, clock, 30, 15, 10)
    clock.set("2023-05-01")
    service.withdraw("m-1", claims[2], REASON)
    assert (on(service, "2023-05-01").audit, on(service, "2024-01-01").status) == (None, Status.ACTIVE)


def test_a_second_correction_of_a_cycle_already_short_finds_its_window_open(service: CredentialService,
                                                                          clock: StepClock) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): a correction decided earlier
    that left nothing short (the cycle was short already, as known when it was recorded) opens no window of its
    own, so replacement stays due 90 days after the correction that left the cycle short."""
    claims = renewed(service, clock, 30, 15)
    service.claim_activity("m-1", workshop("2023-01-05", hours=10))
    clock.set("2023-06-01")
    service.withdraw("m-1", claims[1], REASON)
    next_cycle_claim = [f for f in stored_facts(service, "m-1") if isinstance(f, ActivityClaimed)][2].fact_id
    clock.set("2023-06-02")
    service.withdraw("m-1", next_cycle_claim, "another member's", decided_on=D("2023-05-01"))
    audit = on(service, "2023-07-31").audit
    assert audit is not None
    assert (audit.selected_on, audit.replace_by, on(service, "2023-07-31").status) == (
        D("2023-06-01"), D("2023-08-30"), Status.ACTIVE)


def test_a_correction_after_passing_the_exam_again_opens_no_window_for_a_cycle_of_the_invalidated_credential(
        service: CredentialService, clock: StepClock) -> None:
    """rules.md section 4: invalidation ends every certification held; passing the exam again starts a new cycle
    (the cycles before it owe nothing more)."""
    left_short(service, clock)
    assert on(service, "2024-07-31").status is Status.INVALID
    clock.set("2024-10-02")
    service.certify("m-1", "CPT", D("2024-09-01"))
    service.claim_activity("m-1", workshop("2024-10-01", hours=10))
    clock.set("2024-11-01")
    service.withdraw("m-1", stored_facts(service, "m-1")[-1].fact_id, REASON)
    status = on(service, "2025-02-01")
    assert (status.status, status.audit) == (Status.ACTIVE, None)
