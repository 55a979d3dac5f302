"""rules.md section 5, the audit, through the application service (SQLite and PostgreSQL):
selecting one member, proof, rejections and replacement CECs, and the yearly draw."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rules_support import D, certified_cpt_with, claim, refused, stored_facts, stored_types, workshop
from service_support import ServiceFactory

from application.service import AuditSelectionReport, CredentialService
from domain.errors import InvalidCommand, RuleViolation
from domain.events import ActivityClaimed, AuditReviewed, AuditSelected, DocumentationRejected
from domain.states import AuditState, Status


def audited(service: CredentialService, member_id: str = "m-1", selected_on: str = "2023-03-01") -> list[str]:
    """CPT certified 2019-05-10 with three 15-CEC workshops, renewed 2022-11-01, selected for audit.
    Returns the activity ids."""
    service.certify(member_id, "CPT", D("2019-05-10"))
    ids = []
    for day in ("2020-02-03", "2021-02-03", "2022-02-03"):
        outcome = service.claim_activity(member_id, workshop(day, hours=15))
        assert outcome.activity_id is not None
        ids.append(outcome.activity_id)
    service.submit_renewal(member_id, D("2022-11-01"))
    service.select_for_audit(member_id, D(selected_on), seed="s", rate=Decimal("0.1"))
    return ids


def audit_state(service: CredentialService, on: str, member_id: str = "m-1") -> tuple[Status, AuditState | None]:
    status = service.status(member_id, D(on))
    return status.status, None if status.audit is None else status.audit.state


# --- selecting one member ---------------------------------------------------------------------------------


def test_a_member_who_renewed_last_year_can_be_selected_and_has_30_days_to_provide_proof(
        service: CredentialService) -> None:
    """FAQ: What is the yearly audit?"""
    audited(service)
    selected = stored_facts(service, "m-1")[-1]
    assert isinstance(selected, AuditSelected)
    assert (selected.renewal_submitted_on, selected.seed, selected.rate) == (D("2022-11-01"), "s", Decimal("0.1"))
    status = service.status("m-1", D("2023-03-01"))
    assert status.status is Status.ACTIVE
    assert status.audit is not None
    assert (status.audit.selected_on, status.audit.proof_due_on, status.audit.cycle_end) == (
        D("2023-03-01"), D("2023-03-31"), D("2022-12-31"))
    assert status.audit.required_cecs == 45
    assert status.reason.endswith("; selected for audit on 2023-03-01, proof due by 2023-03-31")


def test_a_member_with_no_renewal_in_the_previous_year_cannot_be_selected(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("Renewal Forms submitted the previous year")"""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-11-01"))
    error = refused(service, "m-1", "no_renewal_to_audit",
                    lambda: service.select_for_audit("m-1", D("2024-03-01")))
    assert error.details == {"year": 2023}


def test_a_member_selected_in_the_year_of_the_renewal_cannot_be_selected(service: CredentialService) -> None:
    """FAQ: What should I do with all of my Documentation? (audits follow the renewal year)"""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-03-01"))
    refused(service, "m-1", "no_renewal_to_audit", lambda: service.select_for_audit("m-1", D("2022-11-01")))


def test_a_member_who_never_renewed_cannot_be_selected(service: CredentialService) -> None:
    """FAQ: What is the yearly audit?"""
    certified_cpt_with(service, "m-1")
    refused(service, "m-1", "no_renewal_to_audit", lambda: service.select_for_audit("m-1", D("2022-03-01")))


def test_a_renewal_can_be_selected_for_audit_only_once(service: CredentialService) -> None:
    """FAQ: What is the yearly audit?"""
    audited(service)
    error = refused(service, "m-1", "already_selected", lambda: service.select_for_audit("m-1", D("2023-06-01")))
    assert error.details == {"renewal_submitted_on": "2022-11-01"}


def test_a_late_renewal_submitted_last_year_is_audited_for_the_cycle_it_renewed(service: CredentialService) -> None:
    """FAQ: What is the yearly audit?"""
    certified_cpt_with(service, "m-1", certified_on="2018-02-01", completed_on="2019-03-05")
    service.submit_renewal("m-1", D("2022-03-01"))
    service.select_for_audit("m-1", D("2023-02-01"))
    status = service.status("m-1", D("2023-02-01"))
    assert status.audit is not None
    assert (status.audit.cycle_end, status.audit.proof_due_on) == (D("2021-12-31"), D("2023-03-03"))


# --- proof ------------------------------------------------------------------------------------------------


def test_complete_documentation_within_30_days_passes_the_audit(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("valid until the next recertification due date")"""
    audited(service)
    service.review_documentation("m-1", D("2023-03-20"))
    reviewed = stored_facts(service, "m-1")[-1]
    assert isinstance(reviewed, AuditReviewed)
    assert (reviewed.outcome.value, reviewed.replace_by) == ("passed", None)
    assert audit_state(service, "2023-04-01") == (Status.ACTIVE, AuditState.PASSED)
    assert audit_state(service, "2025-12-31") == (Status.ACTIVE, AuditState.PASSED)


def test_no_proof_within_30_days_makes_the_member_inactive(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("your certification will be considered inactive")"""
    audited(service)
    assert audit_state(service, "2023-03-31") == (Status.ACTIVE, AuditState.AWAITING_PROOF)
    assert audit_state(service, "2023-04-01") == (Status.INACTIVE, AuditState.PROOF_OVERDUE)


def test_no_proof_and_no_new_cecs_within_a_year_of_inactivity_makes_the_credential_invalid(
        service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("you will have one year to complete the recertification process")"""
    audited(service)
    assert audit_state(service, "2024-03-31") == (Status.INACTIVE, AuditState.PROOF_OVERDUE)
    status = service.status("m-1", D("2024-04-01"))
    assert (status.status, status.certifications) == (Status.INVALID, ())
    assert status.reason == (
        "invalid since 2024-04-01: audit of the cycle ended 2022-12-31 was not completed within a year of 2023-04-01"
    )


def test_documentation_received_late_within_the_year_ends_the_inactive_state(service: CredentialService) -> None:
    """Decision (replacement CECs): documentation received late, within the year, also ends the inactive state."""
    audited(service)
    service.review_documentation("m-1", D("2023-06-01"))
    assert audit_state(service, "2023-05-31") == (Status.INACTIVE, AuditState.PROOF_OVERDUE)
    status = service.status("m-1", D("2023-06-01"))
    assert (status.status, status.since) == (Status.ACTIVE, D("2023-06-01"))
    assert status.audit is not None
    assert status.audit.state is AuditState.PASSED
    assert audit_state(service, "2024-04-01") == (Status.ACTIVE, AuditState.PASSED)


def test_new_cecs_earned_while_proof_is_overdue_count_toward_the_audited_cycle_until_it_is_met(
        service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("by providing the documentation or by obtaining new CECs")"""
    audited(service)
    service.claim_activity("m-1", workshop("2023-05-01", hours=40))
    assert audit_state(service, "2023-05-01") == (Status.INACTIVE, AuditState.PROOF_OVERDUE)
    service.claim_activity("m-1", workshop("2023-06-01", hours=8))
    status = service.status("m-1", D("2023-06-01"))
    assert (status.status, status.since) == (Status.ACTIVE, D("2023-06-01"))
    assert status.audit is not None
    assert (status.audit.state, status.audit.proven_cecs) == (AuditState.PASSED, Decimal("48.0"))
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.counted_cecs) == (D("2023-01-01"), 0)


def test_late_documentation_that_is_still_short_leaves_the_member_inactive_until_cecs_are_replaced(
        service: CredentialService) -> None:
    """Decision (replacement CECs): while the audited cycle is short, activities count toward it until it is met."""
    ids = audited(service)
    service.review_documentation("m-1", D("2023-06-01"), [(ids[0], "no member name")])
    status = service.status("m-1", D("2023-06-01"))
    assert status.status is Status.INACTIVE
    assert status.audit is not None
    assert (status.audit.state, status.audit.proven_cecs, status.audit.inactive_since) == (
        AuditState.PROOF_OVERDUE, Decimal("30.0"), D("2023-04-01"))
    service.claim_activity("m-1", workshop("2023-07-01", hours=15))
    assert audit_state(service, "2023-07-01") == (Status.ACTIVE, AuditState.PASSED)


def audited_with_a_college_course(service: CredentialService, member_id: str = "m-1") -> str:
    """CPT certified 2019-05-10; a college course of 3 credit hours, grade A, on 2020-01-10 (30 CECs; its
    id is returned); a 15-hour conference on 2021-06-01; renewed 2022-11-01; selected for audit 2023-03-01."""
    service.certify(member_id, "CPT", D("2019-05-10"))
    course = service.claim_activity(member_id, claim("college_course", "2020-01-10", credit_hours=3, grade="A"))
    service.claim_activity(member_id, claim("conference", "2021-06-01", hours=15))
    service.submit_renewal(member_id, D("2022-11-01"))
    service.select_for_audit(member_id, D("2023-03-01"), seed="s", rate=Decimal("0.1"))
    assert course.activity_id is not None
    return course.activity_id


def test_late_documentation_that_is_short_with_a_replacement_date_is_refused_with_replace_by_not_applicable(
        service: CredentialService) -> None:
    """Decision (late documentation that is short): no new replacement date is given; a `replace_by` sent
    with it is refused (`replace_by_not_applicable`)."""
    course = audited_with_a_college_course(service)
    error = refused(service, "m-1", "replace_by_not_applicable", lambda: service.review_documentation(
        "m-1", D("2023-05-01"), [(course, "no transcript")], replace_by=D("2023-08-01")))
    assert error.details == {"proof_due_on": "2023-03-31"}
    assert audit_state(service, "2023-05-01") == (Status.INACTIVE, AuditState.PROOF_OVERDUE)


def test_the_reason_for_late_documentation_that_is_short_says_it_was_received_what_it_proved_and_when_the_year_ends(
        service: CredentialService) -> None:
    """Decision (late documentation that is short): the member stays inactive on the year that began when
    proof fell overdue; the `reason` says documentation was received, how many CECs it proved, and the
    date the year ends."""
    course = audited_with_a_college_course(service)
    service.review_documentation("m-1", D("2023-05-01"), [(course, "no transcript")])
    for day in ("2023-05-01", "2024-03-31"):
        status = service.status("m-1", D(day))
        assert (status.status, status.since) == (Status.INACTIVE, D("2023-04-01")), day
        assert status.reason == (
            "inactive since 2023-04-01: documentation received 2023-05-01 after proof was due 2023-03-31 "
            "proved 15 of 45 CECs of the audited cycle ended 2022-12-31; the year to complete it ends 2024-03-31"
        )
    assert service.status("m-1", D("2024-04-01")).status is Status.INVALID


def test_documentation_after_the_year_of_inactivity_is_refused_with_credential_invalid(
        service: CredentialService) -> None:
    """FAQ: What is the yearly audit?"""
    audited(service)
    refused(service, "m-1", "credential_invalid", lambda: service.review_documentation("m-1", D("2024-04-01")))


def test_documentation_for_a_member_with_no_open_audit_is_refused_with_no_open_audit(
        service: CredentialService) -> None:
    """FAQ: If I am audited, what documentation will ACSM need to see?"""
    certified_cpt_with(service, "m-1")
    refused(service, "m-1", "no_open_audit", lambda: service.review_documentation("m-1", D("2022-03-01")))


def test_documentation_can_be_reviewed_only_once_per_audit(service: CredentialService) -> None:
    """FAQ: If I am audited, what documentation will ACSM need to see?"""
    ids = audited(service)
    service.review_documentation("m-1", D("2023-03-20"), [(ids[0], "no member name")])
    refused(service, "m-1", "documentation_already_reviewed",
            lambda: service.review_documentation("m-1", D("2023-03-25")))


def test_rejecting_an_activity_outside_the_audited_cycle_is_refused_with_unknown_activity(
        service: CredentialService) -> None:
    """FAQ: If I am audited, what documentation will ACSM need to see? ("dates fall within the cycle")"""
    audited(service)
    error = refused(service, "m-1", "unknown_activity",
                    lambda: service.review_documentation("m-1", D("2023-03-20"), [("nope", "not in the cycle")]))
    assert error.details == {"activity_ids": ["nope"]}


# --- rejections and replacement CECs ----------------------------------------------------------------------


def test_rejections_that_leave_the_cycle_met_pass_the_audit(service: CredentialService) -> None:
    """FAQ: What is the yearly audit?"""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", workshop("2020-02-03", hours=45))
    extra = service.claim_activity("m-1", workshop("2021-02-03", hours=5)).activity_id
    assert extra is not None
    service.submit_renewal("m-1", D("2022-11-01"))
    service.select_for_audit("m-1", D("2023-03-01"))
    service.review_documentation("m-1", D("2023-03-20"), [(extra, "content outside the scope")])
    assert stored_types(service, "m-1")[-2:] == ["DocumentationRejected", "AuditReviewed"]
    status = service.status("m-1", D("2023-03-20"))
    assert status.audit is not None
    assert (status.audit.state, status.audit.proven_cecs) == (AuditState.PASSED, Decimal("45.0"))


def test_rejections_that_leave_the_cycle_short_give_90_days_to_replace_the_cecs(service: CredentialService) -> None:
    """Decision: 90 days unless staff set another date."""
    ids = audited(service)
    service.review_documentation("m-1", D("2023-03-20"), [(ids[0], "certificate does not name the member")])
    rejected, reviewed = stored_facts(service, "m-1")[-2:]
    assert isinstance(rejected, DocumentationRejected)
    assert (rejected.activity_id, rejected.reason) == (ids[0], "certificate does not name the member")
    assert isinstance(reviewed, AuditReviewed)
    assert (reviewed.outcome.value, reviewed.replace_by) == ("short", D("2023-06-18"))
    status = service.status("m-1", D("2023-03-20"))
    assert status.status is Status.ACTIVE
    assert status.audit is not None
    assert (status.audit.state, status.audit.proven_cecs, status.audit.replace_by) == (
        AuditState.REPLACEMENT_DUE, Decimal("30.0"), D("2023-06-18"))
    assert status.reason.endswith(
        "; audited cycle ended 2022-12-31 is short with 30 of 45 CECs, replacement CECs due by 2023-06-18")


def test_staff_may_set_another_replacement_date(service: CredentialService) -> None:
    """Decision: 90 days unless staff set another date."""
    ids = audited(service)
    service.review_documentation("m-1", D("2023-03-20"), [(ids[0], "no dates")], replace_by=D("2023-04-30"))
    assert audit_state(service, "2023-04-30") == (Status.ACTIVE, AuditState.REPLACEMENT_DUE)
    assert audit_state(service, "2023-05-01") == (Status.INACTIVE, AuditState.REPLACEMENT_OVERDUE)


def test_a_replacement_date_not_after_the_review_is_malformed(service: CredentialService) -> None:
    """Decision: 90 days unless staff set another date."""
    ids = audited(service)
    before = len(stored_facts(service, "m-1"))
    with pytest.raises(InvalidCommand) as caught:
        service.review_documentation("m-1", D("2023-03-20"), [(ids[0], "no dates")], replace_by=D("2023-03-20"))
    assert caught.value.code == "replace_by_not_after_review"
    assert len(stored_facts(service, "m-1")) == before


def test_replacement_cecs_earned_in_time_count_toward_the_audited_cycle_and_pass_the_audit(
        service: CredentialService) -> None:
    """Decision (replacement CECs): activities count toward the audited cycle until it meets its requirement."""
    ids = audited(service)
    service.review_documentation("m-1", D("2023-03-20"), [(ids[0], "no member name")])
    service.claim_activity("m-1", workshop("2023-05-02", hours=10))
    assert audit_state(service, "2023-05-02") == (Status.ACTIVE, AuditState.REPLACEMENT_DUE)
    service.claim_activity("m-1", workshop("2023-06-10", hours=8))
    status = service.status("m-1", D("2023-06-10"))
    assert status.audit is not None
    assert (status.audit.state, status.audit.proven_cecs, status.audit.closed_on) == (
        AuditState.PASSED, Decimal("48.0"), D("2023-06-10"))
    assert audit_state(service, "2023-06-19") == (Status.ACTIVE, AuditState.PASSED)


def test_activities_after_the_audit_is_passed_count_toward_the_current_cycle(service: CredentialService) -> None:
    """Decision (replacement CECs): the audit is then passed; nothing counts twice."""
    ids = audited(service)
    service.review_documentation("m-1", D("2023-03-20"), [(ids[0], "no member name")])
    service.claim_activity("m-1", workshop("2023-05-02", hours=15))
    service.claim_activity("m-1", workshop("2023-05-03", hours=6))
    status = service.status("m-1", D("2023-05-03"))
    assert status.audit is not None
    assert status.audit.proven_cecs == Decimal("45.0")
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.counted_cecs) == (D("2023-01-01"), Decimal("6.0"))


def test_replacement_cecs_not_earned_in_time_make_the_member_inactive_then_invalid_after_a_year(
        service: CredentialService) -> None:
    """Decision: not replaced by then: inactive, as above (1 year, then invalid)."""
    ids = audited(service)
    service.review_documentation("m-1", D("2023-03-20"), [(ids[0], "no member name")])
    status = service.status("m-1", D("2023-06-19"))
    assert status.status is Status.INACTIVE
    assert status.reason == (
        "inactive since 2023-06-19: replacement CECs were due 2023-06-18; the audited cycle ended 2022-12-31 "
        "has 30 of 45 CECs"
    )
    assert audit_state(service, "2024-06-18") == (Status.INACTIVE, AuditState.REPLACEMENT_OVERDUE)
    assert audit_state(service, "2024-06-19") == (Status.INVALID, AuditState.FAILED)


def test_replacement_cecs_earned_while_inactive_for_the_audit_reinstate_the_member(
        service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("one year to complete the recertification process ... obtaining new CECs")"""
    ids = audited(service)
    service.review_documentation("m-1", D("2023-03-20"), [(ids[0], "no member name")])
    service.claim_activity("m-1", workshop("2023-09-01", hours=15))
    assert service.status("m-1", D("2023-08-31")).status is Status.INACTIVE
    assert audit_state(service, "2023-09-01") == (Status.ACTIVE, AuditState.PASSED)
    assert audit_state(service, "2024-06-19") == (Status.ACTIVE, AuditState.PASSED)


# --- the yearly draw --------------------------------------------------------------------------------------


def renewed_member(service: CredentialService, member_id: str, code: str, renewed_on: str,
                   certified_on: str = "2019-05-10") -> None:
    service.certify(member_id, code, D(certified_on))
    service.claim_activity(member_id, workshop("2020-02-03", hours=60))
    service.submit_renewal(member_id, D(renewed_on))


def population(service: CredentialService) -> dict[str, list[str]]:
    """Renewals of 2022 at three levels, plus members who renewed in other years."""
    levels = {
        "1": [f"cpt-{i}" for i in range(6)],
        "2": [f"epc-{i}" for i in range(3)],
        "specialty": ["cift-0", "cift-1"],
    }
    codes = {"1": "CPT", "2": "EP-C", "specialty": "CIFT"}
    for level, members in levels.items():
        for member_id in members:
            renewed_member(service, member_id, codes[level], "2022-10-01")
    renewed_member(service, "cpt-2021", "CPT", "2021-10-01", certified_on="2018-05-10")
    renewed_member(service, "cpt-late-2023", "CPT", "2023-02-01")
    service.certify("never", "CPT", D("2019-05-10"))
    return levels


def selection(report: AuditSelectionReport) -> dict[str, tuple[int, list[str]]]:
    return {level.level: (level.candidates, level.selected) for level in report.levels}


def audited_members(service: CredentialService) -> set[str]:
    return {m for m in service.member_ids() if any(isinstance(f, AuditSelected) for f in stored_facts(service, m))}


def test_the_yearly_draw_selects_within_each_level_separately(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("This audit will be conducted at each credential level")"""
    levels = population(service)
    report = service.select_audits(2022, Decimal("0.34"), "2023-audit", D("2023-03-01"))
    drawn = selection(report)
    assert {level: candidates for level, (candidates, _) in drawn.items()} == {"1": 6, "2": 3, "specialty": 2}
    assert {level: len(chosen) for level, (_, chosen) in drawn.items()} == {"1": 3, "2": 2, "specialty": 1}
    for level, (_, chosen) in drawn.items():
        assert set(chosen) <= set(levels[level])
    assert report.recorded == 6
    assert audited_members(service) == set(report.selected)


def test_the_yearly_draw_records_the_seed_and_rate_on_each_selection(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? (selection must be reproducible: record the seed and the rate)"""
    population(service)
    report = service.select_audits(2022, Decimal("0.5"), "2023-audit", D("2023-03-01"))
    assert report.selected  # else the loop below would check nothing
    for member_id in report.selected:
        selected = stored_facts(service, member_id)[-1]
        assert isinstance(selected, AuditSelected)
        assert (selected.seed, selected.rate, selected.effective_on, selected.renewal_submitted_on) == (
            "2023-audit", Decimal("0.5"), D("2023-03-01"), D("2022-10-01"))


def test_the_yearly_draw_only_considers_renewals_submitted_the_previous_year(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("Renewal Forms submitted the previous year")"""
    levels = population(service)
    report = service.select_audits(2022, Decimal("1"), "all", D("2023-03-01"))
    assert sorted(report.selected) == sorted(m for members in levels.values() for m in members)
    assert not {"cpt-2021", "cpt-late-2023", "never"} & audited_members(service)


def test_rerunning_the_yearly_draw_selects_the_same_members_and_records_nothing(
        service: CredentialService) -> None:
    """FAQ: What is the yearly audit? (reproducible selection)"""
    population(service)
    first = service.select_audits(2022, Decimal("0.34"), "2023-audit", D("2023-03-01"))
    counts = {m: len(stored_facts(service, m)) for m in service.member_ids()}
    again = service.select_audits(2022, Decimal("0.34"), "2023-audit", D("2023-03-02"))
    assert selection(again) == selection(first)
    assert again.recorded == 0
    assert {m: len(stored_facts(service, m)) for m in service.member_ids()} == counts


def test_the_same_seed_draws_the_same_members_from_the_same_renewals_in_another_store(
        make_service: ServiceFactory, memory_service: CredentialService) -> None:
    """FAQ: What is the yearly audit? (selection must be reproducible from the recorded seed and rate)"""
    service = make_service()
    population(service)
    population(memory_service)
    here = service.select_audits(2022, Decimal("0.34"), "2023-audit", D("2023-03-01"))
    there = memory_service.select_audits(2022, Decimal("0.34"), "2023-audit", D("2023-03-01"))
    assert selection(here) == selection(there)


def test_a_different_seed_draws_differently(make_service: ServiceFactory, memory_service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("randomly selected")"""
    service = make_service()
    population(service)
    population(memory_service)
    here = service.select_audits(2022, Decimal("0.34"), "2023-audit", D("2023-03-01"))
    there = memory_service.select_audits(2022, Decimal("0.34"), "another seed", D("2023-03-01"))
    assert here.selected != there.selected


def test_a_draw_at_rate_zero_selects_nobody(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("a percentage of randomly selected ... Forms")"""
    population(service)
    report = service.select_audits(2022, Decimal("0"), "none", D("2023-03-01"))
    assert (report.selected, report.recorded) == ([], 0)


def test_a_draw_for_a_year_other_than_the_previous_one_is_refused(service: CredentialService) -> None:
    """FAQ: What should I do with all of my Documentation? (only the previous year's renewals are audited)"""
    population(service)
    with pytest.raises(RuleViolation) as caught:
        service.select_audits(2021, Decimal("0.5"), "s", D("2023-03-01"))
    assert caught.value.code == "selection_year_mismatch"
    assert audited_members(service) == set()


def test_a_draw_rate_outside_0_to_1_is_malformed(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? ("a percentage")"""
    with pytest.raises(InvalidCommand) as caught:
        service.select_audits(2022, Decimal("1.5"), "s", D("2023-03-01"))
    assert caught.value.code == "rate_out_of_range"


def test_a_member_selected_by_hand_is_not_selected_again_by_the_draw(service: CredentialService) -> None:
    """FAQ: What is the yearly audit? (only once per renewal)"""
    population(service)
    service.select_for_audit("epc-0", D("2023-02-01"))
    report = service.select_audits(2022, Decimal("1"), "all", D("2023-03-01"))
    assert "epc-0" in report.selected
    assert report.recorded == 10
    assert [type(f).__name__ for f in stored_facts(service, "epc-0")].count("AuditSelected") == 1


def test_an_audit_awaiting_proof_has_proven_no_cecs_until_documentation_is_reviewed(
        service: CredentialService) -> None:
    """FAQ: If I am audited, what documentation will ACSM need to see? (documented proof of all CECs)"""
    audited(service)
    claims = [f for f in stored_facts(service, "m-1") if isinstance(f, ActivityClaimed)]
    status = service.status("m-1", D("2023-03-01"))
    assert status.audit is not None
    assert status.audit.proven_cecs == 0
    assert sum(f.cecs for f in claims) == 45
