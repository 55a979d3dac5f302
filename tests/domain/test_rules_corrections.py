"""rules.md section 8, withdrawing a fact recorded in error, through the application service on
the in-memory store: each withdrawable kind, the refusals, and both time axes. Amendments are in
test_rules_amendments.py, the short renewed cycle in test_rules_corrections_short_cycle.py."""

from __future__ import annotations

from datetime import date

import pytest
from rules_support import D, certified_cpt_with, refused, stored_facts, stored_types, workshop
from service_support import StepClock

from application.service import CredentialService
from domain.events import CredentialFact, FactWithdrawn
from domain.states import AuditState, Status

REASON = "entered on the wrong member"


def fact_id(service: CredentialService, type_name: str, member_id: str = "m-1", nth: int = 0) -> str:
    """The fact id of the member's `nth` fact of `type_name`, in recorded order."""
    return [f for f in stored_facts(service, member_id) if type(f).__name__ == type_name][nth].fact_id


def withdrawal(service: CredentialService, member_id: str = "m-1") -> CredentialFact:
    return [f for f in stored_facts(service, member_id) if isinstance(f, FactWithdrawn)][-1]


def audited_and_reviewed(service: CredentialService) -> list[str]:
    """CPT certified 2019-05-10 with three 15-CEC workshops, renewed 2022-11-01, selected for audit
    2023-03-01; documentation received 2023-03-20 with the first workshop rejected (short)."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    ids = [service.claim_activity("m-1", workshop(day, hours=15)).activity_id or ""
           for day in ("2020-02-03", "2021-02-03", "2022-02-03")]
    service.submit_renewal("m-1", D("2022-11-01"))
    service.select_for_audit("m-1", D("2023-03-01"))
    service.review_documentation("m-1", D("2023-03-20"), [(ids[0], "no certificate")])
    return ids


# --- each withdrawable kind ---------------------------------------------------------------------------


def test_withdrawing_the_only_certification_leaves_the_member_not_certified_on_every_date(
        service: CredentialService) -> None:
    """rules.md section 8, Decision (withdrawing a certification): with no certification left the member is
    `not_certified` on every date."""
    certified_cpt_with(service, "m-1")
    service.withdraw("m-1", fact_id(service, "Certified"), REASON)
    for day in ("2019-05-10", "2020-02-03", "2022-12-31", "2023-07-01", "2026-11-28"):
        status = service.status("m-1", D(day))
        assert (status.status, status.certifications, status.cycle) == (Status.NOT_CERTIFIED, (), None), day


def test_activities_before_the_remaining_first_certification_no_longer_count(service: CredentialService) -> None:
    """rules.md section 8, Decision (withdrawing a certification): the credential folds without it; activities
    before the (remaining) first certification no longer count."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", workshop("2019-08-01", hours=10))
    service.certify("m-1", "EP-C", D("2020-06-01"))
    service.claim_activity("m-1", workshop("2021-03-01", hours=20))
    service.withdraw("m-1", fact_id(service, "Certified"), REASON)
    assert service.status("m-1", D("2019-08-01")).status is Status.NOT_CERTIFIED
    status = service.status("m-1", D("2021-03-01"))
    assert status.certifications == ("EP-C",)
    assert status.cycle is not None
    # EP-C opens the first cycle now, so it awards nothing, and the 2019 workshop is before it.
    assert (status.cycle.start, status.cycle.end, status.cycle.counted_cecs) == (D("2020-06-01"), D("2023-12-31"), 20)


def test_a_withdrawn_activity_claim_no_longer_counts_on_any_date(service: CredentialService) -> None:
    """rules.md section 8: a withdrawn fact is void on every business date, as known from the withdrawal on."""
    certified_cpt_with(service, "m-1", cecs=30)
    service.claim_activity("m-1", workshop("2021-02-03", hours=15))
    service.withdraw("m-1", fact_id(service, "ActivityClaimed"), REASON)
    for day, counted in (("2020-02-03", 0), ("2021-02-03", 15), ("2022-12-31", 15)):
        cycle = service.status("m-1", D(day)).cycle
        assert cycle is not None
        assert (cycle.claimed_cecs, cycle.counted_cecs) == (counted, counted), day


def test_withdrawing_a_renewal_leaves_its_cycle_unrenewed_and_grace_inactive_and_invalid_follow(
        service: CredentialService) -> None:
    """rules.md section 8: withdrawing a renewal leaves its cycle unrenewed on every date (section 4 follows)."""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-11-01"))
    service.withdraw("m-1", fact_id(service, "RenewalSubmitted"), REASON)
    renewed = service.status("m-1", D("2022-11-01"))
    assert (renewed.status, renewed.renewal_fee) == (Status.ACTIVE, 45)
    assert not renewed.reason.endswith("renewed on 2022-11-01")
    grace = service.status("m-1", D("2023-01-01"))
    assert (grace.status, grace.grace_ends_on) == (Status.INACTIVE, D("2023-06-30"))
    assert service.status("m-1", D("2023-07-01")).status is Status.INVALID


def test_withdrawing_an_audit_selection_removes_that_audit_entirely(service: CredentialService) -> None:
    """rules.md section 8: withdrawing an audit selection removes that audit entirely."""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-11-01"))
    service.select_for_audit("m-1", D("2023-03-01"))
    service.withdraw("m-1", fact_id(service, "AuditSelected"), REASON)
    for day in ("2023-03-01", "2023-04-01", "2024-04-01"):
        status = service.status("m-1", D(day))
        assert (status.status, status.audit) == (Status.ACTIVE, None), day
    # The renewal may be selected again: the withdrawn selection never happened.
    service.select_for_audit("m-1", D("2023-06-01"))
    audit = service.status("m-1", D("2023-06-01")).audit
    assert audit is not None
    assert audit.selected_on == D("2023-06-01")


@pytest.mark.parametrize("named", ["DocumentationRejected", "AuditReviewed"])
def test_withdrawing_a_documentation_review_voids_its_rejections_and_outcome_together(
        service: CredentialService, named: str) -> None:
    """rules.md section 8: a documentation review is withdrawn whole (its rejections and its outcome), by
    the fact id of either."""
    audited_and_reviewed(service)
    short = service.status("m-1", D("2023-03-20")).audit
    assert short is not None
    assert short.state is AuditState.REPLACEMENT_DUE
    service.withdraw("m-1", fact_id(service, named), REASON)
    awaiting = service.status("m-1", D("2023-03-20")).audit
    assert awaiting is not None
    assert (awaiting.state, awaiting.documentation_received_on, awaiting.proven_cecs) == (
        AuditState.AWAITING_PROOF, None, 0)
    overdue = service.status("m-1", D("2023-04-01"))
    assert (overdue.status, overdue.audit and overdue.audit.state) == (Status.INACTIVE, AuditState.PROOF_OVERDUE)
    entries = {e.type: e.withdrawn_by for e in service.history("m-1")}
    assert entries["DocumentationRejected"] == entries["AuditReviewed"] == fact_id(service, "FactWithdrawn")


# --- what is recorded, on both axes -------------------------------------------------------------------


def test_a_withdrawal_is_recorded_with_the_fact_it_names_its_reason_and_the_day_it_was_decided(
        service: CredentialService) -> None:
    """rules.md section 8: a withdrawal names the fact and gives a reason; `decided_on` is the day it is recorded
    unless staff give an earlier one."""
    certified_cpt_with(service, "m-1")
    claim = fact_id(service, "ActivityClaimed")
    service.withdraw("m-1", claim, REASON)
    service.withdraw("m-1", fact_id(service, "Certified"), "wrong member", decided_on=D("2026-10-01"))
    first, second = [f for f in stored_facts(service, "m-1") if isinstance(f, FactWithdrawn)]
    assert (first.withdrawn_fact_id, first.reason, first.effective_on, first.replace_by) == (
        claim, REASON, D("2026-11-28"), None)
    assert second.effective_on == D("2026-10-01")


def test_the_history_keeps_the_withdrawn_fact_and_marks_it_with_the_withdrawal(service: CredentialService) -> None:
    """rules.md section 8: the history keeps both and marks the withdrawn fact."""
    certified_cpt_with(service, "m-1")
    claim = fact_id(service, "ActivityClaimed")
    service.withdraw("m-1", claim, REASON)
    entries = service.history("m-1")
    assert [(e.type, e.fact_id) for e in entries] == [
        ("CredentialOpened", "1"), ("Certified", "2"), ("ActivityClaimed", "3"), ("FactWithdrawn", "4")]
    assert [e.withdrawn_by for e in entries] == [None, None, "4", None]
    # Each entry's status is the one known right after it was recorded: the claim still counted then.
    claimed = entries[2].status_after.cycle
    assert claimed is not None
    assert claimed.counted_cecs == 45


def test_an_answer_known_at_a_time_before_the_withdrawal_is_unchanged(service: CredentialService) -> None:
    """rules.md section 8: "on X, known at T" with T before the withdrawal answers exactly as before."""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-11-01"))
    known = stored_facts(service, "m-1")[-1].timestamp
    days = [D(day) for day in ("2022-11-01", "2023-01-01", "2023-07-01", "2026-11-28")]
    before = [service.status("m-1", day, known) for day in days]
    service.withdraw("m-1", fact_id(service, "RenewalSubmitted"), REASON)
    assert [service.status("m-1", day, known) for day in days] == before
    assert service.status("m-1", D("2023-07-01")).status is Status.INVALID
    assert before[2].status is Status.ACTIVE


# --- refusals -----------------------------------------------------------------------------------------


def test_a_fact_the_member_does_not_have_is_refused_unknown_fact(service: CredentialService) -> None:
    """rules.md section 8: refusals: `unknown_fact`."""
    certified_cpt_with(service, "m-1")
    error = refused(service, "m-1", "unknown_fact", lambda: service.withdraw("m-1", "99", REASON))
    assert error.details == {"fact_id": "99"}


def test_a_fact_withdrawn_already_is_refused_already_withdrawn(service: CredentialService) -> None:
    """rules.md section 8: refusals: `already_withdrawn`."""
    certified_cpt_with(service, "m-1")
    claim = fact_id(service, "ActivityClaimed")
    service.withdraw("m-1", claim, REASON)
    error = refused(service, "m-1", "already_withdrawn", lambda: service.withdraw("m-1", claim, REASON))
    assert error.details == {"fact_id": claim, "withdrawn_by": withdrawal(service).fact_id}


def test_a_rejection_of_a_review_withdrawn_through_its_outcome_is_refused_already_withdrawn(
        service: CredentialService) -> None:
    """rules.md section 8: a documentation review is one fact for a withdrawal."""
    audited_and_reviewed(service)
    service.withdraw("m-1", fact_id(service, "AuditReviewed"), REASON)
    refused(service, "m-1", "already_withdrawn",
            lambda: service.withdraw("m-1", fact_id(service, "DocumentationRejected"), REASON))


@pytest.mark.parametrize("type_name", ["MarkedInactive", "Invalidated", "FactWithdrawn", "CredentialOpened"])
def test_a_derived_transition_a_withdrawal_or_the_opening_is_refused_not_withdrawable(
        service: CredentialService, type_name: str) -> None:
    """rules.md section 8: not withdrawable: the sweep's transitions (they are derived), a withdrawal (record
    the fact again instead); the opening only names the member."""
    certified_cpt_with(service, "m-1")
    service.sweep(D("2026-11-28"))  # inactive from 2023-01-01, invalid from 2023-07-01
    service.withdraw("m-1", fact_id(service, "ActivityClaimed"), REASON)
    named = fact_id(service, type_name)
    error = refused(service, "m-1", "not_withdrawable", lambda: service.withdraw("m-1", named, REASON))
    assert error.details == {"fact_id": named, "type": type_name}
    if type_name == "FactWithdrawn":
        assert error.message.endswith("record the fact again instead")


def test_a_withdrawal_decided_after_the_day_it_is_recorded_is_refused_future_date(
        service: CredentialService, clock: StepClock) -> None:
    """http-api.md 1.1: a correction's `decided_on` after today is refused with `future_date`."""
    certified_cpt_with(service, "m-1")
    tomorrow = clock.now.date().replace(day=29)
    error = refused(service, "m-1", "future_date",
                    lambda: service.withdraw("m-1", fact_id(service, "ActivityClaimed"), REASON, decided_on=tomorrow))
    assert error.details == {"field": "decided_on"}


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_withdrawal_without_a_reason_is_refused_missing_field(service: CredentialService, reason: str) -> None:
    """rules.md section 8: a fact recorded in error is withdrawn by a new fact that gives a reason."""
    certified_cpt_with(service, "m-1")
    error = refused(service, "m-1", "missing_field",
                    lambda: service.withdraw("m-1", fact_id(service, "ActivityClaimed"), reason))
    assert error.details == {"field": "reason"}


@pytest.mark.parametrize("replace_by", [date(2026, 11, 1), date(2026, 10, 1)])
def test_a_replacement_date_not_after_the_decision_is_refused(service: CredentialService, replace_by: date) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): replacement CECs are due
    after the day the correction was decided."""
    certified_cpt_with(service, "m-1")
    refused(service, "m-1", "replace_by_not_after_decision",
            lambda: service.withdraw("m-1", fact_id(service, "ActivityClaimed"), REASON,
                                     decided_on=D("2026-11-01"), replace_by=replace_by))


def test_a_withdrawal_for_a_member_without_a_credential_is_refused_member_not_found(
        service: CredentialService) -> None:
    """http-api.md 1.1: 404 unknown member."""
    refused(service, "nobody", "member_not_found", lambda: service.withdraw("nobody", "2", REASON))
    assert stored_types(service, "nobody") == []
