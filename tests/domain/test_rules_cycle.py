"""rules.md section 2, the cycle, through the application service (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

from rules_support import D, certified_cpt_with, claim, refused, workshop

from application.service import CredentialService
from domain.states import Status


def cycle_of(service: CredentialService, member_id: str, on: str) -> tuple[str, str]:
    cycle = service.status(member_id, D(on)).cycle
    assert cycle is not None
    return cycle.start.isoformat(), cycle.end.isoformat()


def test_the_first_cycle_runs_from_the_certification_date_to_december_31_three_years_later(
        service: CredentialService) -> None:
    """Decision (the FAQ's example "renewal period is from 1/1/2007 to 12/31/2009"): 3 calendar years."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    assert cycle_of(service, "m-1", "2019-05-10") == ("2019-05-10", "2022-12-31")


def test_a_member_certified_on_january_1_has_a_first_cycle_of_four_calendar_years(
        service: CredentialService) -> None:
    """Decision: the first cycle runs to December 31 of (certification year + 3)."""
    service.certify("m-1", "CPT", D("2019-01-01"))
    assert cycle_of(service, "m-1", "2022-12-31") == ("2019-01-01", "2022-12-31")


def test_a_renewal_submitted_early_in_the_window_keeps_the_original_schedule(service: CredentialService) -> None:
    """FAQ: What if I don't have enough credits to recertify? ("continue on the original schedule")"""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-01-01"))
    assert cycle_of(service, "m-1", "2022-12-31") == ("2019-05-10", "2022-12-31")
    assert cycle_of(service, "m-1", "2023-01-01") == ("2023-01-01", "2025-12-31")


def test_a_late_renewal_in_grace_keeps_the_original_schedule(service: CredentialService) -> None:
    """FAQ: What if I don't have enough credits to recertify? ("continue on the original schedule")"""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2023-05-15"))
    assert cycle_of(service, "m-1", "2023-05-15") == ("2023-01-01", "2025-12-31")


def test_the_cycle_after_the_next_also_runs_three_calendar_years(service: CredentialService) -> None:
    """Decision: each next cycle starts the day after the previous cycle's end and runs 3 calendar years."""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-11-01"))
    service.claim_activity("m-1", workshop("2024-03-01", hours=45))
    service.submit_renewal("m-1", D("2025-06-01"))
    assert cycle_of(service, "m-1", "2026-01-01") == ("2026-01-01", "2028-12-31")


def test_cecs_earned_beyond_the_requirement_do_not_carry_over_to_the_next_cycle(service: CredentialService) -> None:
    """FAQ: Do CECs carry over?"""
    certified_cpt_with(service, "m-1", cecs=70)
    service.submit_renewal("m-1", D("2022-11-01"))
    previous = service.status("m-1", D("2022-12-31")).cycle
    current = service.status("m-1", D("2023-01-01")).cycle
    assert previous is not None
    assert current is not None
    assert previous.counted_cecs == Decimal("70.0")
    assert (current.counted_cecs, current.claimed_cecs) == (0, 0)


def test_an_activity_counts_only_toward_the_cycle_in_which_it_was_completed(service: CredentialService) -> None:
    """FAQ: Do CECs carry over?"""
    certified_cpt_with(service, "m-1")
    service.submit_renewal("m-1", D("2022-11-01"))
    service.claim_activity("m-1", workshop("2022-12-31", hours=5))
    service.claim_activity("m-1", workshop("2023-01-01", hours=7))
    previous = service.status("m-1", D("2022-12-31")).cycle
    current = service.status("m-1", D("2023-01-01")).cycle
    assert previous is not None
    assert current is not None
    assert previous.counted_cecs == Decimal("50.0")
    assert current.counted_cecs == Decimal("7.0")


def test_a_workshop_attended_before_the_first_certification_is_refused_with_before_certification(
        service: CredentialService) -> None:
    """FAQ: I attended an ACSM workshop to prepare me for my exam, can I now use it for CECs?"""
    service.certify("m-1", "CPT", D("2019-05-10"))
    refused(service, "m-1", "before_certification",
            lambda: service.claim_activity("m-1", workshop("2019-05-09", hours=12)))
    cycle = service.status("m-1", D("2019-06-01")).cycle
    assert cycle is not None
    assert cycle.claimed_cecs == 0


def test_a_workshop_attended_on_the_certification_date_counts(service: CredentialService) -> None:
    """FAQ: I attended an ACSM workshop to prepare me for my exam, can I now use it for CECs?"""
    service.certify("m-1", "CPT", D("2019-05-10"))
    outcome = service.claim_activity("m-1", workshop("2019-05-10", hours=12))
    assert outcome.cecs_awarded == Decimal("12.0")
    cycle = service.status("m-1", D("2019-05-10")).cycle
    assert cycle is not None
    assert cycle.counted_cecs == Decimal("12.0")


def test_a_college_course_completed_before_certification_is_refused_with_before_certification(
        service: CredentialService) -> None:
    """FAQ: How do I get credit for College Courses? ("after you become certified")"""
    service.certify("m-1", "CPT", D("2019-05-10"))
    refused(service, "m-1", "before_certification", lambda: service.claim_activity(
        "m-1", claim("college_course", "2019-04-30", credit_hours=3, grade="A", evidence="transcript")))


def test_a_late_claim_for_an_activity_of_a_previous_cycle_counts_toward_that_cycle(
        service: CredentialService) -> None:
    """FAQ: Do CECs carry over?"""
    certified_cpt_with(service, "m-1", cecs=40)
    service.claim_activity("m-1", workshop("2023-02-01", hours=3))
    service.claim_activity("m-1", workshop("2022-06-01", hours=5))
    closed = service.status("m-1", D("2022-12-31"))
    assert closed.cycle is not None
    assert closed.cycle.counted_cecs == Decimal("45.0")
    assert closed.status is Status.ACTIVE
