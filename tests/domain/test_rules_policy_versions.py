"""rules.md preamble: the policy is data, versioned by effective date; the rule set in force on a
business date applies to the facts on that date. A second version is added as data only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from rules_support import D, claim, stored_facts, workshop
from service_support import ServiceFactory, StepClock

from application.service import CredentialService
from domain.events import RenewalSubmitted
from domain.policy import DEFAULT_POLICY, FAQ_ERA, CategoryRule, PolicyBook, amended
from domain.rules import renewal_fee

LATE_FEE_75 = amended(FAQ_ERA, "2020-01-01", date(2020, 1, 1), late_fee=Decimal(75))
BOOK = PolicyBook((FAQ_ERA, LATE_FEE_75))


@pytest.fixture
def versioned(make_service: ServiceFactory) -> CredentialService:
    """A service whose policy book has the FAQ-era version and a $75 late fee from 2020-01-01."""
    return make_service(policy=BOOK)


def renewal_fees(service: CredentialService, member_id: str) -> list[tuple[date, str, bool]]:
    return [
        (f.effective_on, str(f.fee_due), f.late)
        for f in stored_facts(service, member_id)
        if isinstance(f, RenewalSubmitted)
    ]


def lapsed_cpt(service: CredentialService, member_id: str, certified_on: str, completed_on: str) -> None:
    service.certify(member_id, "CPT", D(certified_on))
    service.claim_activity(member_id, workshop(completed_on, hours=45))


# --- the book ---------------------------------------------------------------------------------------------


def test_the_version_in_force_changes_on_its_effective_date() -> None:
    """Decision: the rule set in force on a business date is the one that applies to facts on that date."""
    assert BOOK.in_force(D("2019-12-31")).version == "2012-06-01"
    assert BOOK.in_force(D("2020-01-01")).version == "2020-01-01"
    assert BOOK.in_force(D("2031-01-01")).late_fee == 75
    assert BOOK.in_force(D("1990-01-01")).late_fee == 25


def test_an_amended_version_differs_only_in_what_it_changes() -> None:
    """Decision: a later version (e.g. one with a $75 late fee from 2020-01-01) must be addable as data."""
    assert replace(LATE_FEE_75, version=FAQ_ERA.version, effective_from=FAQ_ERA.effective_from,
                   late_fee=FAQ_ERA.late_fee) == FAQ_ERA


def test_a_version_can_be_added_to_a_book_without_changing_the_book_it_came_from() -> None:
    """Decision: the policy is data, versioned by effective date."""
    book = DEFAULT_POLICY.with_version(LATE_FEE_75)
    assert [p.version for p in book.versions] == ["2012-06-01", "2020-01-01"]
    assert [p.version for p in DEFAULT_POLICY.versions] == ["2012-06-01"]


# --- late renewals on each side of 2020-01-01 --------------------------------------------------------------


def test_a_late_renewal_before_2020_pays_the_25_dollar_late_fee(versioned: CredentialService) -> None:
    """FAQ: What if I don't have enough credits to recertify? ("a $25 late fee")"""
    lapsed_cpt(versioned, "m-2018", "2015-04-01", "2017-02-01")
    versioned.submit_renewal("m-2018", D("2019-06-30"))
    assert renewal_fees(versioned, "m-2018") == [(D("2019-06-30"), "70.00", True)]


def test_a_late_renewal_from_2020_pays_the_late_fee_of_the_2020_version(versioned: CredentialService) -> None:
    """Decision: the policy in force on the submission date prices the renewal ($75 late fee from 2020-01-01)."""
    lapsed_cpt(versioned, "m-2019", "2016-04-01", "2018-02-01")
    assert str(versioned.status("m-2019", D("2020-01-01")).renewal_fee) == "120.00"
    versioned.submit_renewal("m-2019", D("2020-01-01"))
    assert renewal_fees(versioned, "m-2019") == [(D("2020-01-01"), "120.00", True)]


def test_one_members_late_renewals_on_each_side_of_2020_are_priced_by_their_own_versions(
        versioned: CredentialService) -> None:
    """Decision: the rule set in force on a business date is the one that applies to facts on that date."""
    lapsed_cpt(versioned, "m-1", "2015-04-01", "2017-02-01")
    versioned.submit_renewal("m-1", D("2019-03-01"))
    versioned.claim_activity("m-1", workshop("2020-05-01", hours=45))
    versioned.submit_renewal("m-1", D("2022-02-01"))
    assert renewal_fees(versioned, "m-1") == [(D("2019-03-01"), "70.00", True), (D("2022-02-01"), "120.00", True)]


def test_an_on_time_renewal_after_2020_pays_no_late_fee(versioned: CredentialService) -> None:
    """FAQ: What does inactive status mean? (the late fee is due only when renewing in the inactive period)"""
    lapsed_cpt(versioned, "m-1", "2019-05-10", "2020-02-03")
    versioned.submit_renewal("m-1", D("2022-11-01"))
    assert renewal_fees(versioned, "m-1") == [(D("2022-11-01"), "45.00", False)]


def test_the_version_is_chosen_by_the_submission_date_not_the_recording_date(versioned: CredentialService,
                                                                             clock: StepClock) -> None:
    """Decision: the rule set in force on a business date is the one that applies to facts on that date."""
    clock.set("2021-04-01")
    lapsed_cpt(versioned, "m-1", "2015-04-01", "2017-02-01")
    versioned.submit_renewal("m-1", D("2019-02-01"))
    assert renewal_fees(versioned, "m-1") == [(D("2019-02-01"), "70.00", True)]


def test_a_service_without_the_new_version_keeps_the_25_dollar_late_fee(service: CredentialService) -> None:
    """Decision: the new version is data in the book a service is given, not a code change."""
    lapsed_cpt(service, "m-1", "2016-04-01", "2018-02-01")
    service.submit_renewal("m-1", D("2020-01-01"))
    assert renewal_fees(service, "m-1") == [(D("2020-01-01"), "70.00", True)]


# --- other values that change over time ---------------------------------------------------------------------


def test_a_renewal_fee_raised_in_a_later_version_applies_to_renewals_submitted_from_then(
        make_service: ServiceFactory) -> None:
    """Decision: the rule set in force on a business date is the one that applies to facts on that date."""
    cpt_50 = replace(FAQ_ERA.certifications["CPT"], renewal_fee=Decimal(50))
    raised = amended(FAQ_ERA, "2022-06-01", date(2022, 6, 1),
                     certifications={**FAQ_ERA.certifications, "CPT": cpt_50})
    service = make_service(policy=PolicyBook((FAQ_ERA, raised)))
    for member_id, renewed_on in (("early", "2022-05-31"), ("later", "2022-06-01")):
        lapsed_cpt(service, member_id, "2019-05-10", "2020-02-03")
        service.submit_renewal(member_id, D(renewed_on))
    assert renewal_fees(service, "early") == [(D("2022-05-31"), "45.00", False)]
    assert renewal_fees(service, "later") == [(D("2022-06-01"), "50.00", False)]


def test_the_cecs_for_an_activity_come_from_the_version_in_force_on_its_completion_date(
        make_service: ServiceFactory) -> None:
    """Decision: the rule set in force on a business date is the one that applies to facts on that date."""
    twelve = amended(FAQ_ERA, "2021-01-01", date(2021, 1, 1), categories={
        **FAQ_ERA.categories, "publication": CategoryRule("publication", "fixed", Decimal(12))})
    service = make_service(policy=PolicyBook((FAQ_ERA, twelve)))
    service.certify("m-1", "CPT", D("2019-05-10"))
    before = service.claim_activity("m-1", claim("publication", "2020-12-31", evidence="publication_copy"))
    after = service.claim_activity("m-1", claim("publication", "2021-01-01", evidence="publication_copy"))
    assert (before.cecs_awarded, after.cecs_awarded) == (Decimal("10.0"), Decimal("12.0"))


def test_a_fee_computation_uses_the_late_fee_of_the_policy_it_is_given() -> None:
    """FAQ: What does inactive status mean? ("an additional late fee of $25")"""
    cpt = [FAQ_ERA.certifications["CPT"]]
    assert str(renewal_fee(cpt, FAQ_ERA, late=True)) == "70.00"
    assert str(renewal_fee(cpt, LATE_FEE_75, late=True)) == "120.00"


def test_a_requirement_raised_in_a_later_version_applies_to_cycles_starting_from_then(
        make_service: ServiceFactory) -> None:
    """Decision (requirements per cycle, the body's published table of that era): the era is the cycle's."""
    cpt_50 = replace(FAQ_ERA.certifications["CPT"], required_cecs=Decimal(50))
    raised = amended(FAQ_ERA, "2021-01-01", date(2021, 1, 1),
                     certifications={**FAQ_ERA.certifications, "CPT": cpt_50})
    service = make_service(policy=PolicyBook((FAQ_ERA, raised)))
    lapsed_cpt(service, "m-1", "2019-05-10", "2020-02-03")
    service.submit_renewal("m-1", D("2022-11-01"))
    started_before = service.status("m-1", D("2022-11-01")).cycle
    started_after = service.status("m-1", D("2023-01-01")).cycle
    assert started_before is not None
    assert started_after is not None
    assert (started_before.start, started_before.required_cecs) == (D("2019-05-10"), 45)
    assert (started_after.start, started_after.required_cecs) == (D("2023-01-01"), 50)
