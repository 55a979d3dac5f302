"""What each activity earns (rules.md section 3): `rules.cecs_for`, a pure function of the claim
and the policy in force. The service-level behaviour (refusals record nothing, counting toward
cycles) is in test_rules_activities.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rules_support import claim

from domain import rules
from domain.errors import InvalidCommand, RuleViolation
from domain.policy import FAQ_ERA

CERTIFICATE_CATEGORIES = [
    "acsm_workshop", "approved_provider", "grand_rounds", "team_physician_course", "conference",
    "scientific_roundtable", "distance_education", "professional_meeting", "self_test", "training_course",
    "acls_course",
]


def cecs(category: str, **fields: object) -> Decimal:
    return rules.cecs_for(claim(category, "2021-03-01", **fields), FAQ_ERA)


def refusal(category: str, **fields: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        cecs(category, **fields)
    return caught.value


@pytest.mark.parametrize("category", CERTIFICATE_CATEGORIES)
def test_a_certificate_activity_without_stated_cecs_earns_one_per_contact_hour(category: str) -> None:
    """FAQ: What all do you accept for Continuing Education Credit (CECs)?"""
    assert cecs(category, hours=6) == Decimal("6.0")


@pytest.mark.parametrize("category", CERTIFICATE_CATEGORIES)
def test_a_certificate_activity_earns_the_cecs_stated_on_the_certificate(category: str) -> None:
    """FAQ: Who are Approved Providers for ACSM CECs?"""
    assert cecs(category, units=8, hours=3, provider="ACSM") == Decimal("8.0")


@pytest.mark.parametrize("provider", ["ACE", "NSCA", "NASM", "nasm"])
def test_a_decimal_system_provider_unit_of_0_1_is_one_cec(provider: str) -> None:
    """FAQ: Can I use CECs earned from other organizations?"""
    assert cecs("training_course", units="1.5", provider=provider) == Decimal("15.0")


def test_an_afaa_unit_is_one_cec() -> None:
    """FAQ: Can I use CECs earned from other organizations?"""
    assert cecs("training_course", units="1.0", provider="AFAA") == Decimal("1.0")


def test_any_other_organisation_unit_is_one_cec() -> None:
    """FAQ: Who are Approved Providers for ACSM CECs? ("the CEC equivalency is always 1 = 1")"""
    assert cecs("conference", units=7, provider="Zumba") == Decimal("7.0")


def test_another_organisation_that_says_it_uses_the_decimal_system_has_0_1_units_of_one_cec() -> None:
    """FAQ: Who are Approved Providers for ACSM CECs? ("if the organization uses the decimal system then its .1 = 1")"""
    assert cecs("conference", units="0.7", provider="Wellcoaches", decimal_units=True) == Decimal("7.0")


def test_an_acls_course_earns_one_cec_per_contact_hour() -> None:
    """FAQ: May I submit my CPR, BLS, or ACLS certification for CECs?"""
    assert cecs("acls_course", hours=3) == Decimal("3.0")


@pytest.mark.parametrize("category", ["certified_news_self_test", "hfj_self_test"])
def test_an_acsm_journal_self_test_earns_4_cecs_per_issue(category: str) -> None:
    """FAQ: Where can I view back issues of ACSM's Certified News for the self tests?"""
    assert cecs(category, published_on="2020-09-01") == Decimal("4.0")


def test_a_self_test_completed_on_the_last_day_before_the_issue_expires_earns_4_cecs() -> None:
    """FAQ: Where can I view back issues of ACSM's Certified News for the self tests?"""
    activity = claim("certified_news_self_test", "2021-02-28", published_on="2020-03-01")
    assert rules.cecs_for(activity, FAQ_ERA) == Decimal("4.0")


def test_a_self_test_completed_a_year_after_publication_is_refused_as_expired() -> None:
    """FAQ: Where can I view back issues of ACSM's Certified News for the self tests?"""
    activity = claim("hfj_self_test", "2021-03-01", published_on="2020-03-01")
    with pytest.raises(RuleViolation) as caught:
        rules.cecs_for(activity, FAQ_ERA)
    assert caught.value.code == "self_test_expired"
    assert caught.value.details["last_valid_day"] == "2021-02-28"


@pytest.mark.parametrize(("credit_hours", "expected"), [(3, "30.0"), (1, "10.0"), ("1.5", "15.0")])
def test_a_college_course_earns_10_cecs_per_credit_hour(credit_hours: object, expected: str) -> None:
    """FAQ: How do I get credit for College Courses?"""
    assert cecs("college_course", credit_hours=credit_hours, grade="B") == Decimal(expected)


@pytest.mark.parametrize("grade", ["A+", "A", "B-", "C+", "C", "c"])
def test_a_college_course_with_a_grade_of_c_or_better_is_accepted(grade: str) -> None:
    """FAQ: How do I get credit for College Courses?"""
    assert cecs("college_course", credit_hours=2, grade=grade) == Decimal("20.0")


@pytest.mark.parametrize("grade", ["C-", "D+", "D", "F"])
def test_a_college_course_with_a_grade_below_c_is_refused_with_grade_below_c(grade: str) -> None:
    """FAQ: How do I get credit for College Courses?"""
    error = refusal("college_course", credit_hours=3, grade=grade)
    assert (error.code, error.details) == ("grade_below_c", {"grade": grade})


def test_a_college_course_with_something_that_is_not_a_letter_grade_is_malformed() -> None:
    """FAQ: How do I get credit for College Courses?"""
    with pytest.raises(InvalidCommand) as caught:
        cecs("college_course", credit_hours=3, grade="pass")
    assert caught.value.code == "unknown_grade"


def test_a_publication_earns_10_cecs() -> None:
    """FAQ: How many CEC's do I get for authoring or co-authoring books, journal articles, or accepted abstracts?"""
    assert cecs("publication", evidence="publication_copy") == Decimal("10.0")


@pytest.mark.parametrize("category", ["teaching", "lecturing"])
def test_teaching_and_lecturing_earn_one_cec_per_contact_hour(category: str) -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing?"""
    assert cecs(category, hours=12, course_id="EXS-101") == Decimal("12.0")


def test_teaching_needs_a_course_id_to_count_the_content_once() -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing? (a teaching claim names the course taught)"""
    with pytest.raises(InvalidCommand) as caught:
        cecs("teaching", hours=12)
    assert caught.value.code == "missing_field"
    assert caught.value.details["field"] == "course_id"


def test_a_lecture_without_a_course_id_earns_one_cec_per_contact_hour() -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing? (a lecturing claim may name a course id)"""
    assert cecs("lecturing", hours=3) == Decimal("3.0")


@pytest.mark.parametrize("category", ["cpr", "bls", "certification_exam", "membership", "committee"])
def test_a_never_accepted_activity_is_refused_with_not_accepted_category(category: str) -> None:
    """FAQ: Can I use CECs earned from other organizations? ("does not accept CECs for certification exams,
    professional memberships, committee involvement or CPR training")"""
    error = refusal(category, hours=4)
    assert (error.code, error.details) == ("not_accepted_category", {"category": category})


def test_cpr_is_refused_because_it_is_required_for_acsm_credentials() -> None:
    """FAQ: May I submit my CPR, BLS, or ACLS certification for CECs?"""
    error = refusal("cpr", hours=4)
    assert error.message == "CPR training is required for ACSM credentials and earns no CECs"


def test_an_unknown_category_is_refused_with_unknown_category() -> None:
    """FAQ: What all do you accept for Continuing Education Credit (CECs)?"""
    assert refusal("knitting", hours=4).code == "unknown_category"


def test_a_claim_whose_only_evidence_is_an_attendance_certificate_is_refused() -> None:
    """FAQ: Can I use a Certificate of Attendance for CECs?"""
    assert refusal("conference", hours=6, evidence="attendance_certificate").code == "attendance_certificate_refused"


def test_cecs_may_have_one_decimal_place() -> None:
    """Decision: CECs may be fractional, with one decimal place."""
    assert cecs("conference", hours="2.5") == Decimal("2.5")


def test_a_claim_earning_cecs_with_two_decimal_places_is_malformed() -> None:
    """Decision: CECs may be fractional, with one decimal place."""
    with pytest.raises(InvalidCommand) as caught:
        cecs("conference", hours="2.25")
    assert caught.value.code == "cecs_precision"


@pytest.mark.parametrize("hours", [0, -3])
def test_a_claim_of_zero_or_negative_hours_is_malformed(hours: int) -> None:
    """FAQ: What all do you accept for Continuing Education Credit (CECs)?"""
    with pytest.raises(InvalidCommand) as caught:
        cecs("conference", hours=hours)
    assert caught.value.code == "not_positive"
