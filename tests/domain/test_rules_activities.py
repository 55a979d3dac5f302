"""rules.md section 3, activities and the CECs each earns, through the application service
(SQLite and PostgreSQL): what is recorded, what is refused (recording nothing), and what counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rules_support import D, claim, refused, stored_facts, workshop
from service_support import StepClock

from application.service import CredentialService
from domain.errors import MemberNotFound
from domain.events import ActivityClaimed, Evidence
from domain.rules import ActivityClaim


@pytest.fixture
def cpt(service: CredentialService) -> CredentialService:
    """Member m-1, CPT certified 2019-05-10 (cycle 2019-05-10 to 2022-12-31, 45 CECs required)."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    return service


def counted(service: CredentialService, on: str = "2022-12-31") -> tuple[Decimal, Decimal]:
    cycle = service.status("m-1", D(on)).cycle
    assert cycle is not None
    return cycle.counted_cecs, cycle.claimed_cecs


def claimed(service: CredentialService, activity: ActivityClaim) -> Decimal | None:
    return service.claim_activity("m-1", activity).cecs_awarded


def test_an_approved_provider_offering_earns_the_cecs_on_its_certificate(cpt: CredentialService) -> None:
    """FAQ: Who are Approved Providers for ACSM CECs?"""
    outcome = cpt.claim_activity("m-1", claim("approved_provider", "2020-03-01", units=8, hours=6))
    assert outcome.cecs_awarded == Decimal("8.0")
    fact = stored_facts(cpt, "m-1")[-1]
    assert isinstance(fact, ActivityClaimed)
    assert (fact.activity_id, fact.cecs, fact.effective_on) == (outcome.activity_id, Decimal("8.0"), D("2020-03-01"))
    assert fact.evidence is Evidence.CEC_CERTIFICATE
    assert counted(cpt) == (Decimal("8.0"), Decimal("8.0"))


def test_a_grand_rounds_session_without_stated_cecs_earns_one_per_contact_hour(cpt: CredentialService) -> None:
    """FAQ: Who are Approved Providers for ACSM CECs? ("it typically equates to 1 CEC per hour")"""
    assert claimed(cpt, claim("grand_rounds", "2020-03-01", hours="2.5")) == Decimal("2.5")


def test_a_nasm_course_of_1_5_units_earns_15_cecs(cpt: CredentialService) -> None:
    """FAQ: Can I use CECs earned from other organizations?"""
    assert claimed(cpt, claim("training_course", "2020-03-01", units="1.5", provider="NASM")) == Decimal("15.0")
    assert counted(cpt) == (Decimal("15.0"), Decimal("15.0"))


def test_an_afaa_course_of_4_units_earns_4_cecs(cpt: CredentialService) -> None:
    """FAQ: Can I use CECs earned from other organizations?"""
    assert claimed(cpt, claim("training_course", "2020-03-01", units=4, provider="AFAA")) == Decimal("4.0")


def test_a_yoga_training_course_of_another_organisation_earns_its_units_one_for_one(cpt: CredentialService) -> None:
    """FAQ: What all do you accept for Continuing Education Credit (CECs)?"""
    assert claimed(cpt, claim("training_course", "2020-03-01", units=6, provider="Yoga Alliance")) == Decimal("6.0")


def test_a_certified_news_self_test_earns_4_cecs(cpt: CredentialService) -> None:
    """FAQ: Where can I view back issues of ACSM's Certified News for the self tests?"""
    activity = claim("certified_news_self_test", "2021-02-28", published_on="2020-03-01")
    assert claimed(cpt, activity) == Decimal("4.0")


def test_a_health_and_fitness_journal_self_test_of_an_expired_issue_is_refused_with_self_test_expired(
        cpt: CredentialService) -> None:
    """FAQ: Where can I view back issues of ACSM's Certified News for the self tests?"""
    activity = claim("hfj_self_test", "2021-03-01", published_on="2020-03-01")
    error = refused(cpt, "m-1", "self_test_expired", lambda: cpt.claim_activity("m-1", activity))
    assert error.details == {"published_on": "2020-03-01", "last_valid_day": "2021-02-28"}


def test_a_three_credit_hour_college_course_with_a_b_earns_30_cecs(cpt: CredentialService) -> None:
    """FAQ: How do I get credit for College Courses?"""
    activity = claim("college_course", "2020-05-20", credit_hours=3, grade="B", evidence="transcript")
    assert claimed(cpt, activity) == Decimal("30.0")


def test_a_college_course_with_a_c_earns_its_cecs(cpt: CredentialService) -> None:
    """FAQ: How do I get credit for College Courses?"""
    activity = claim("college_course", "2020-05-20", credit_hours=2, grade="C", evidence="transcript")
    assert claimed(cpt, activity) == Decimal("20.0")


def test_teaching_a_course_earns_one_cec_per_contact_hour(cpt: CredentialService) -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing?"""
    activity = claim("teaching", "2020-12-15", hours=9, course_id="KIN-210", evidence="syllabus")
    assert claimed(cpt, activity) == Decimal("9.0")


def test_teaching_the_same_course_again_in_the_cycle_is_refused_with_repeated_course(cpt: CredentialService) -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing? ("once during a recertification cycle")"""
    cpt.claim_activity("m-1", claim("teaching", "2020-12-15", hours=9, course_id="KIN-210"))
    error = refused(cpt, "m-1", "repeated_course", lambda: cpt.claim_activity(
        "m-1", claim("teaching", "2021-12-15", hours=9, course_id="KIN-210")))
    assert error.details == {"course_id": "KIN-210"}
    assert counted(cpt) == (Decimal("9.0"), Decimal("9.0"))


def test_giving_the_same_lecture_again_in_the_cycle_is_refused_with_repeated_course(cpt: CredentialService) -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing?"""
    cpt.claim_activity("m-1", claim("lecturing", "2020-04-01", hours=2, course_id="state-conf-talk"))
    refused(cpt, "m-1", "repeated_course", lambda: cpt.claim_activity(
        "m-1", claim("lecturing", "2020-10-01", hours=2, course_id="state-conf-talk")))


def test_a_lecture_without_a_course_id_is_always_accepted_at_one_cec_per_hour(cpt: CredentialService) -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing? (rules.md section 3: a lecturing claim may name
    a course id; a lecture without one is always accepted)"""
    for _ in range(2):
        assert claimed(cpt, claim("lecturing", "2020-04-01", hours=2, title="Keynote, state conference")) == 2
    assert counted(cpt) == (Decimal("4.0"), Decimal("4.0"))
    lectures = [f for f in stored_facts(cpt, "m-1") if isinstance(f, ActivityClaimed)]
    assert [(f.category, f.course_id) for f in lectures] == [("lecturing", None), ("lecturing", None)]


def test_teaching_the_same_course_in_the_next_cycle_counts_again(cpt: CredentialService) -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing? ("once during a recertification cycle")"""
    cpt.claim_activity("m-1", claim("teaching", "2020-12-15", hours=9, course_id="KIN-210"))
    cpt.claim_activity("m-1", workshop("2021-01-10", hours=36))
    cpt.submit_renewal("m-1", D("2022-03-01"))
    assert claimed(cpt, claim("teaching", "2023-02-15", hours=9, course_id="KIN-210")) == Decimal("9.0")
    assert counted(cpt, "2023-02-15") == (Decimal("9.0"), Decimal("9.0"))


def test_different_courses_taught_in_one_cycle_each_count(cpt: CredentialService) -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing?"""
    cpt.claim_activity("m-1", claim("teaching", "2020-12-15", hours=5, course_id="KIN-210"))
    cpt.claim_activity("m-1", claim("teaching", "2020-12-16", hours=4, course_id="KIN-310"))
    assert counted(cpt) == (Decimal("9.0"), Decimal("9.0"))


def test_teaching_and_lecturing_count_at_most_30_percent_of_the_requirement(cpt: CredentialService) -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing? ("up to 30% of your CECs")"""
    cpt.claim_activity("m-1", claim("teaching", "2020-02-01", hours=12, course_id="KIN-210"))
    cpt.claim_activity("m-1", claim("lecturing", "2020-03-01", hours=8, course_id="talk-1"))
    cpt.claim_activity("m-1", workshop("2020-04-01", hours=30))
    assert counted(cpt) == (Decimal("43.5"), Decimal("50.0"))


def test_teaching_beyond_the_cap_is_recorded_in_full_but_not_counted_toward_renewal(cpt: CredentialService) -> None:
    """Decision: claims above the cap are recorded in full; only the counted total is capped."""
    outcome = cpt.claim_activity("m-1", claim("teaching", "2020-02-01", hours=20, course_id="KIN-210"))
    assert outcome.cecs_awarded == Decimal("20.0")
    cpt.claim_activity("m-1", workshop("2020-04-01", hours=30))
    error = refused(cpt, "m-1", "insufficient_cecs", lambda: cpt.submit_renewal("m-1", D("2022-11-01")))
    assert (error.details["counted_cecs"], error.details["required_cecs"]) == (43.5, 45.0)


def test_teaching_within_the_cap_counts_in_full(cpt: CredentialService) -> None:
    """Decision: the cap is 30% of the cycle's requirement (CPT: 13.5 of 45)."""
    cpt.claim_activity("m-1", claim("teaching", "2020-02-01", hours="13.5", course_id="KIN-210"))
    cpt.claim_activity("m-1", workshop("2020-04-01", hours="31.5"))
    assert counted(cpt) == (Decimal("45.0"), Decimal("45.0"))
    cpt.submit_renewal("m-1", D("2022-11-01"))


def test_fractional_cecs_are_counted_to_one_decimal_place(cpt: CredentialService) -> None:
    """Decision: CECs may be fractional, with one decimal place."""
    cpt.claim_activity("m-1", claim("distance_education", "2020-02-01", hours="1.5"))
    cpt.claim_activity("m-1", claim("distance_education", "2020-02-02", hours="0.7"))
    assert counted(cpt) == (Decimal("2.2"), Decimal("2.2"))


def test_a_bls_course_is_refused_because_it_is_required_for_acsm_credentials(cpt: CredentialService) -> None:
    """FAQ: May I submit my CPR, BLS, or ACLS certification for CECs?"""
    error = refused(cpt, "m-1", "not_accepted_category",
                    lambda: cpt.claim_activity("m-1", claim("bls", "2020-03-01", hours=4)))
    assert error.message == "BLS training is required for ACSM credentials and earns no CECs"


def test_the_acls_exam_is_refused_as_a_certification_exam(cpt: CredentialService) -> None:
    """FAQ: May I submit my CPR, BLS, or ACLS certification for CECs? ("does not include the ... ACLS exam")"""
    activity = claim("certification_exam", "2020-03-01", hours=2, title="ACLS exam")
    error = refused(cpt, "m-1", "not_accepted_category", lambda: cpt.claim_activity("m-1", activity))
    assert error.message == "certification exams earn no CECs (the ACLS exam included)"


def test_a_claim_proved_only_by_an_attendance_certificate_is_refused(cpt: CredentialService) -> None:
    """FAQ: Can I use a Certificate of Attendance for CECs?"""
    activity = claim("conference", "2020-03-01", hours=6, evidence="attendance_certificate")
    refused(cpt, "m-1", "attendance_certificate_refused", lambda: cpt.claim_activity("m-1", activity))
    assert counted(cpt) == (0, 0)


def test_an_activity_completed_after_the_day_it_is_claimed_is_refused_with_future_date(
        service: CredentialService, clock: StepClock) -> None:
    """Decision: an activity must be completed on or before the day it is claimed."""
    clock.set("2021-06-10")
    service.certify("m-1", "CPT", D("2019-05-10"))
    error = refused(service, "m-1", "future_date", lambda: service.claim_activity("m-1", workshop("2021-06-11")))
    assert error.details == {"field": "completed_on"}


def test_an_activity_completed_on_the_day_it_is_claimed_is_accepted(service: CredentialService,
                                                                    clock: StepClock) -> None:
    """Decision: an activity must be completed on or before the day it is claimed."""
    clock.set("2021-06-10")
    service.certify("m-1", "CPT", D("2019-05-10"))
    assert claimed(service, workshop("2021-06-10", hours=3)) == Decimal("3.0")
    assert counted(service, "2021-06-10") == (Decimal("3.0"), Decimal("3.0"))


def test_a_claim_for_a_member_with_no_credential_is_refused_as_unknown_member(service: CredentialService) -> None:
    """FAQ: I attended an ACSM workshop to prepare me for my exam, can I now use it for CECs?"""
    with pytest.raises(MemberNotFound):
        service.claim_activity("nobody", workshop("2020-03-01"))
    assert list(service.member_ids()) == []


def test_a_course_claimed_again_with_an_earlier_date_in_the_same_cycle_is_refused_with_repeated_course(
        cpt: CredentialService) -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing? ("once during a recertification cycle")"""
    first = cpt.claim_activity("m-1", claim("teaching", "2022-03-01", hours=9, course_id="KIN-210"))
    refused(cpt, "m-1", "repeated_course", lambda: cpt.claim_activity(
        "m-1", claim("teaching", "2021-12-15", hours=12, course_id="KIN-210")))
    assert counted(cpt) == (Decimal("9.0"), Decimal("9.0"))
    assert first.cecs_awarded == Decimal("9.0")
