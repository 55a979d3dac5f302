"""rules.md section 4, renewal, grace, inactive and invalid, through the application service
(SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

from rules_support import D, certified_cpt_with, claim, refused, stored_facts, workshop

from application.service import CredentialService
from domain.events import RenewalSubmitted
from domain.states import Status


def last_renewal(service: CredentialService, member_id: str = "m-1") -> RenewalSubmitted:
    renewals = [f for f in stored_facts(service, member_id) if isinstance(f, RenewalSubmitted)]
    assert renewals
    return renewals[-1]


# --- renewal ----------------------------------------------------------------------------------------------


def test_a_renewal_meeting_the_requirement_is_accepted_for_the_cpt_fee_of_45(service: CredentialService) -> None:
    """FAQ: What do I need to do in order to recertify?"""
    certified_cpt_with(service, "m-1", cecs=45)
    service.submit_renewal("m-1", D("2022-11-01"), fee_paid=Decimal("45.00"))
    renewal = last_renewal(service)
    assert renewal.effective_on == D("2022-11-01")
    assert str(renewal.fee_due) == "45.00"
    assert renewal.late is False
    status = service.status("m-1", D("2022-11-01"))
    assert status.status is Status.ACTIVE
    assert status.renewal_fee is None
    assert status.reason == (
        "active since 2019-05-10: CPT cycle 2019-05-10 to 2022-12-31 with 45 of 45 CECs counted, renewed on 2022-11-01"
    )


def test_a_renewal_short_of_the_requirement_is_refused_with_insufficient_cecs(service: CredentialService) -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    certified_cpt_with(service, "m-1", cecs=44)
    error = refused(service, "m-1", "insufficient_cecs", lambda: service.submit_renewal("m-1", D("2022-11-01")))
    assert error.details == {"counted_cecs": 44.0, "required_cecs": 45.0}


def test_a_renewal_counts_only_activities_completed_by_its_submission_date(service: CredentialService) -> None:
    """FAQ: What do I need to do in order to recertify?"""
    certified_cpt_with(service, "m-1", cecs=40)
    service.claim_activity("m-1", workshop("2022-11-02", hours=5))
    refused(service, "m-1", "insufficient_cecs", lambda: service.submit_renewal("m-1", D("2022-11-01")))
    service.submit_renewal("m-1", D("2022-11-02"))
    assert last_renewal(service).effective_on == D("2022-11-02")


def test_the_renewal_fee_is_the_highest_fee_plus_5_for_each_additional_certification(
        service: CredentialService) -> None:
    """FAQ: What if I have multiple certifications?"""
    service.certify("m-1", "EP-C", D("2019-05-10"))
    service.certify("m-1", "CPT", D("2019-08-01"))
    service.certify("m-1", "CIFT", D("2020-01-15"))
    service.claim_activity("m-1", workshop("2020-02-03", hours=50))
    assert str(service.status("m-1", D("2022-11-01")).renewal_fee) == "65.00"
    service.submit_renewal("m-1", D("2022-11-01"))
    assert str(last_renewal(service).fee_due) == "65.00"


def test_a_cpt_with_a_specialty_owes_50_dollars(service: CredentialService) -> None:
    """FAQ: What if I have multiple certifications?"""
    certified_cpt_with(service, "m-1", cecs=35)
    service.certify("m-1", "CIFT", D("2021-06-01"))
    service.submit_renewal("m-1", D("2022-11-01"))
    assert str(last_renewal(service).fee_due) == "50.00"


def test_a_renewal_paying_less_than_the_fee_is_refused_with_insufficient_fee(service: CredentialService) -> None:
    """FAQ: What do I need to do in order to recertify? ("pay the recertification fee")"""
    certified_cpt_with(service, "m-1")
    error = refused(service, "m-1", "insufficient_fee",
                    lambda: service.submit_renewal("m-1", D("2022-11-01"), fee_paid=Decimal("40")))
    assert error.details == {"fee_due": "45.00", "fee_paid": "40.00"}


def test_a_renewal_before_january_1_of_the_cycles_last_year_is_refused_with_renewal_window_not_open(
        service: CredentialService) -> None:
    """Decision (renewal window): from January 1 of the cycle's last year; earlier is refused."""
    certified_cpt_with(service, "m-1")
    error = refused(service, "m-1", "renewal_window_not_open",
                    lambda: service.submit_renewal("m-1", D("2021-12-31")))
    assert error.details == {"opens_on": "2022-01-01"}


def test_a_renewal_on_january_1_of_the_cycles_last_year_is_accepted(service: CredentialService) -> None:
    """Decision (renewal window): from January 1 of the cycle's last year."""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-01-01"))
    assert last_renewal(service).effective_on == D("2022-01-01")
    assert "renewed on 2022-01-01" in service.status("m-1", D("2022-01-01")).reason


def test_a_second_renewal_of_the_same_cycle_is_refused_with_already_renewed(service: CredentialService) -> None:
    """FAQ: What do I need to do in order to recertify?"""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-11-01"))
    refused(service, "m-1", "already_renewed", lambda: service.submit_renewal("m-1", D("2022-12-01")))


def test_a_renewal_before_the_first_certification_is_refused_with_not_certified(service: CredentialService) -> None:
    """FAQ: What do I need to do in order to recertify?"""
    certified_cpt_with(service, "m-1")
    refused(service, "m-1", "not_certified", lambda: service.submit_renewal("m-1", D("2019-05-09")))


# --- grace ------------------------------------------------------------------------------------------------


def test_a_credential_not_renewed_by_the_cycle_end_is_inactive_in_a_six_month_grace_period(
        service: CredentialService) -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    certified_cpt_with(service, "m-1", cecs=38)
    status = service.status("m-1", D("2023-02-01"))
    assert status.status is Status.INACTIVE
    assert status.grace_ends_on == D("2023-06-30")
    assert str(status.renewal_fee) == "70.00"
    assert status.reason == (
        "inactive since 2023-01-01: cycle ended 2022-12-31 with 38 of 45 CECs counted; "
        "7 more CECs and a late renewal needed by 2023-06-30")


def test_renewing_in_grace_reinstates_the_credential_with_the_25_dollar_late_fee(service: CredentialService) -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2023-03-01"), fee_paid=Decimal("70.00"))
    renewal = last_renewal(service)
    assert (str(renewal.fee_due), renewal.late) == ("70.00", True)
    assert service.status("m-1", D("2023-02-28")).status is Status.INACTIVE
    status = service.status("m-1", D("2023-03-01"))
    assert status.status is Status.ACTIVE
    assert status.since == D("2023-03-01")
    assert status.grace_ends_on is None
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.end) == (D("2023-01-01"), D("2025-12-31"))


def test_a_late_renewal_paying_only_the_regular_fee_is_refused_with_insufficient_fee(
        service: CredentialService) -> None:
    """FAQ: What does inactive status mean? ("an additional late fee of $25")"""
    certified_cpt_with(service, "m-1")
    error = refused(service, "m-1", "insufficient_fee",
                    lambda: service.submit_renewal("m-1", D("2023-03-01"), fee_paid=Decimal("45.00")))
    assert error.details["fee_due"] == "70.00"


def test_a_renewal_on_the_last_day_of_grace_is_a_late_renewal(service: CredentialService) -> None:
    """FAQ: What does inactive status mean?"""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2023-06-30"))
    assert last_renewal(service).late is True
    assert service.status("m-1", D("2023-07-01")).status is Status.ACTIVE


def test_cecs_earned_in_grace_count_toward_the_unrenewed_cycle(service: CredentialService) -> None:
    """Decision (CECs earned in grace): the grace period exists to earn missing credits."""
    certified_cpt_with(service, "m-1", cecs=38)
    service.claim_activity("m-1", workshop("2023-02-10", hours=7))
    status = service.status("m-1", D("2023-02-10"))
    assert status.cycle is not None
    assert (status.cycle.end, status.cycle.counted_cecs) == (D("2022-12-31"), Decimal("45.0"))
    service.submit_renewal("m-1", D("2023-02-15"))
    assert str(last_renewal(service).fee_due) == "70.00"


def test_activities_after_a_late_renewal_count_toward_the_next_cycle_and_nothing_counts_twice(
        service: CredentialService) -> None:
    """Decision (CECs earned in grace): once the renewal is submitted, later activities count toward the next cycle."""
    certified_cpt_with(service, "m-1", cecs=38)
    service.claim_activity("m-1", workshop("2023-02-10", hours=7))
    service.submit_renewal("m-1", D("2023-02-15"))
    service.claim_activity("m-1", workshop("2023-02-16", hours=4))
    renewed_cycle = service.status("m-1", D("2023-02-14")).cycle
    next_cycle = service.status("m-1", D("2023-02-16")).cycle
    assert renewed_cycle is not None
    assert next_cycle is not None
    assert (renewed_cycle.end, renewed_cycle.counted_cecs) == (D("2022-12-31"), Decimal("45.0"))
    assert (next_cycle.start, next_cycle.counted_cecs, next_cycle.claimed_cecs) == (
        D("2023-01-01"), Decimal("4.0"), Decimal("4.0"))


def test_activities_in_grace_that_do_not_meet_the_requirement_still_refuse_the_renewal(
        service: CredentialService) -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    certified_cpt_with(service, "m-1", cecs=38)
    service.claim_activity("m-1", workshop("2023-02-10", hours=6))
    error = refused(service, "m-1", "insufficient_cecs", lambda: service.submit_renewal("m-1", D("2023-03-01")))
    assert error.details == {"counted_cecs": 44.0, "required_cecs": 45.0}


# --- invalid ----------------------------------------------------------------------------------------------


def test_a_credential_not_renewed_by_the_end_of_grace_is_invalid(service: CredentialService) -> None:
    """FAQ: What does inactive status mean?"""
    certified_cpt_with(service, "m-1", cecs=38)
    status = service.status("m-1", D("2023-07-01"))
    assert status.status is Status.INVALID
    assert status.certifications == ()
    assert status.renewal_fee is None
    assert status.reason == "invalid since 2023-07-01: grace period ended 2023-06-30 without a renewal"


def test_a_renewal_after_grace_is_refused_with_credential_invalid(service: CredentialService) -> None:
    """FAQ: What does inactive status mean? ("can only be reinstated by taking the certification examination again")"""
    certified_cpt_with(service, "m-1")
    refused(service, "m-1", "credential_invalid", lambda: service.submit_renewal("m-1", D("2023-07-01")))


def test_an_activity_completed_while_invalid_is_refused_with_credential_invalid(service: CredentialService) -> None:
    """FAQ: What does inactive status mean?"""
    certified_cpt_with(service, "m-1")
    refused(service, "m-1", "credential_invalid",
            lambda: service.claim_activity("m-1", workshop("2023-08-01", hours=5)))


def test_passing_the_exam_again_reinstates_the_credential_with_a_new_cycle_from_the_new_date(
        service: CredentialService) -> None:
    """FAQ: What does inactive status mean?"""
    certified_cpt_with(service, "m-1")
    service.certify("m-1", "CPT", D("2023-09-12"))
    assert service.status("m-1", D("2023-09-11")).status is Status.INVALID
    status = service.status("m-1", D("2023-09-12"))
    assert status.status is Status.ACTIVE
    assert status.certifications == ("CPT",)
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.end, status.cycle.counted_cecs) == (
        D("2023-09-12"), D("2026-12-31"), 0)


def test_invalidation_ends_every_certification_and_each_exam_passed_again_restores_that_one(
        service: CredentialService) -> None:
    """Decision: invalidation ends every certification held; each exam passed again restores that one."""
    certified_cpt_with(service, "m-1")
    service.certify("m-1", "CIFT", D("2020-06-01"))
    service.certify("m-1", "CIFT", D("2023-08-01"))
    assert service.status("m-1", D("2023-08-01")).certifications == ("CIFT",)
    service.certify("m-1", "CPT", D("2023-09-12"))
    status = service.status("m-1", D("2023-09-12"))
    assert status.certifications == ("CPT", "CIFT")
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.end, status.cycle.required_cecs) == (
        D("2023-08-01"), D("2026-12-31"), 45)


def test_a_reinstated_credential_counts_only_activities_of_its_new_cycle(service: CredentialService) -> None:
    """FAQ: Do CECs carry over?"""
    certified_cpt_with(service, "m-1", cecs=44)
    service.certify("m-1", "CPT", D("2023-09-12"))
    service.claim_activity("m-1", claim("publication", "2023-10-01", evidence="publication_copy"))
    status = service.status("m-1", D("2023-10-01"))
    assert status.cycle is not None
    assert (status.cycle.counted_cecs, status.cycle.claimed_cecs) == (Decimal("10.0"), Decimal("10.0"))
