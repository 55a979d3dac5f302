"""rules.md section 1, certifications and levels, through the application service (SQLite and
PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rules_support import D, refused, stored_types, workshop
from service_support import StepClock

from application.service import CredentialService
from domain.states import Status


def test_a_member_certified_as_cpt_is_active_at_the_cpt_level_from_the_certification_date(
        service: CredentialService, clock: StepClock) -> None:
    """FAQ: What is recertification?"""
    clock.set("2019-05-10")
    outcome = service.certify("m-1", "CPT", D("2019-05-10"), name="Ada")
    assert outcome.status.on == D("2019-05-10")
    assert outcome.status.status is Status.ACTIVE
    status = service.status("m-1", D("2019-05-10"))
    assert status.status is Status.ACTIVE
    assert status.certifications == ("CPT",)
    assert status.level == "CPT"
    assert stored_types(service, "m-1") == ["CredentialOpened", "Certified"]


def test_a_certification_earned_later_joins_the_current_cycle(service: CredentialService) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification?"""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.certify("m-1", "CIFT", D("2021-06-01"))
    status = service.status("m-1", D("2021-06-01"))
    assert status.certifications == ("CPT", "CIFT")
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.end) == (D("2019-05-10"), D("2022-12-31"))


def test_earning_a_higher_certification_during_the_cycle_awards_its_cecs(service: CredentialService) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification?"""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.certify("m-1", "EP-C", D("2021-06-01"))
    status = service.status("m-1", D("2021-06-01"))
    assert status.level == "EP-C"
    assert status.cycle is not None
    assert status.cycle.counted_cecs == Decimal("15.0")
    assert status.cycle.claimed_cecs == Decimal("15.0")


def test_earning_a_specialty_certification_during_the_cycle_awards_10_cecs(service: CredentialService) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification?"""
    service.certify("m-1", "EP-C", D("2019-05-10"))
    service.certify("m-1", "CET", D("2020-08-01"))
    status = service.status("m-1", D("2020-08-01"))
    assert status.cycle is not None
    assert status.cycle.counted_cecs == Decimal("10.0")


def test_an_ep_c_holder_earns_no_cecs_for_earning_the_cpt(service: CredentialService) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification?"""
    service.certify("m-1", "EP-C", D("2019-05-10"))
    service.certify("m-1", "CPT", D("2020-08-01"))
    status = service.status("m-1", D("2020-08-01"))
    assert status.certifications == ("EP-C", "CPT")
    assert status.cycle is not None
    assert status.cycle.counted_cecs == 0
    assert status.cycle.claimed_cecs == 0


def test_an_hfs_holder_earns_no_cecs_for_the_renamed_ep_c_at_the_same_level(service: CredentialService) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification?"""
    service.certify("m-1", "HFS", D("2019-05-10"))
    service.certify("m-1", "EP-C", D("2020-08-01"))
    status = service.status("m-1", D("2020-08-01"))
    assert status.cycle is not None
    assert status.cycle.counted_cecs == 0


def test_a_certification_from_another_organisation_is_refused_and_records_nothing(
        service: CredentialService) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification? ("other certifying organizations")"""
    service.certify("m-1", "CPT", D("2019-05-10"))
    error = refused(service, "m-1", "unknown_certification",
                    lambda: service.certify("m-1", "NASM-CPT", D("2020-08-01")))
    assert error.details["certification"] == "NASM-CPT"


def test_a_first_certification_from_another_organisation_opens_no_credential(service: CredentialService) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification? ("other certifying organizations")"""
    refused(service, "m-2", "unknown_certification", lambda: service.certify("m-2", "NSCA-CSCS", D("2020-08-01")))
    assert list(service.member_ids()) == []


@pytest.mark.parametrize(("code", "required"), [("CPT", 45), ("EP-C", 60), ("CIFT", 15)])
def test_a_cycle_requires_the_cecs_of_the_certification_held(service: CredentialService, code: str,
                                                             required: int) -> None:
    """Decision (requirements per cycle, the body's published table of that era)."""
    service.certify("m-1", code, D("2019-05-10"))
    status = service.status("m-1", D("2020-01-01"))
    assert status.cycle is not None
    assert status.cycle.required_cecs == required


def test_with_several_certifications_the_cycle_requires_the_cecs_of_the_highest_held(
        service: CredentialService) -> None:
    """FAQ: What if I have multiple certifications?"""
    service.certify("m-1", "CIFT", D("2019-05-10"))
    assert service.status("m-1", D("2019-05-10")).cycle.required_cecs == 15  # type: ignore[union-attr]
    service.certify("m-1", "CPT", D("2020-03-01"))
    status = service.status("m-1", D("2020-03-01"))
    assert status.level == "CPT"
    assert status.cycle is not None
    assert status.cycle.required_cecs == 45


def test_certifying_again_in_a_certification_already_held_is_refused_with_already_certified(
        service: CredentialService) -> None:
    """Decision: certifying again in a certification already held and not invalid is refused."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    refused(service, "m-1", "already_certified", lambda: service.certify("m-1", "CPT", D("2021-02-01")))


def test_certifying_again_while_inactive_in_grace_is_refused_with_already_certified(
        service: CredentialService) -> None:
    """Decision: certifying again in a certification already held and not invalid is refused."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    assert service.status("m-1", D("2023-02-01")).status is Status.INACTIVE
    refused(service, "m-1", "already_certified", lambda: service.certify("m-1", "CPT", D("2023-02-01")))


def test_a_certification_cannot_be_recorded_with_a_future_date(service: CredentialService, clock: StepClock) -> None:
    """Decision: a fact cannot happen after the day it is recorded."""
    clock.set("2023-01-05")
    refused(service, "m-1", "future_date", lambda: service.certify("m-1", "CPT", D("2023-01-06")))
    service.certify("m-1", "CPT", D("2023-01-05"))
    assert service.status("m-1", D("2023-01-05")).status is Status.ACTIVE


def test_earning_another_certification_counts_toward_the_renewal(service: CredentialService) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification? ("apply those credits to your total")"""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", workshop("2020-02-03", hours=35))
    service.certify("m-1", "CIFT", D("2021-06-01"))
    service.submit_renewal("m-1", D("2022-11-01"))
    status = service.status("m-1", D("2022-11-01"))
    assert status.cycle is not None
    assert status.cycle.counted_cecs == Decimal("45.0")
    assert "renewed on 2022-11-01" in status.reason
