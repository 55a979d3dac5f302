"""rules.md section 9, policy versions as recorded facts, through the application service on the
in-memory store: a version adopted by staff governs the facts of its effective date on, "as
known at T" uses only the versions adopted by T, a retroactive version is a revision (section
10), and a version withdrawn in error governs nothing from its withdrawal on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from rules_support import D, stored_facts, workshop
from service_support import StepClock

from application.service import CredentialService
from domain.errors import CredentialError, InvalidPolicy
from domain.events import RenewalSubmitted
from domain.revisions import Change, Standing
from domain.states import Status


def lapsed_cpt(service: CredentialService, member_id: str = "m-1", certified_on: str = "2016-04-01",
               completed_on: str = "2018-02-01") -> None:
    """A CPT with the 45 CECs of the first cycle, never renewed (the cycle of 2016 ends 2019-12-31)."""
    service.certify(member_id, "CPT", D(certified_on))
    service.claim_activity(member_id, workshop(completed_on, hours=45))


def last_recorded(service: CredentialService, member_id: str = "m-1") -> datetime:
    return stored_facts(service, member_id)[-1].timestamp


def register_facts(service: CredentialService) -> int:
    register = service.policy_register()
    return 0 if register is None else len(register.facts)


def test_an_adopted_version_governs_the_facts_on_and_after_its_effective_date(service: CredentialService) -> None:
    """rules.md section 9: a fact is governed by the version in force on its business date (a renewal's fees by
    its submission date)."""
    service.adopt_policy_version("2020-01-01", D("2020-01-01"), {"late_fee": 75})
    lapsed_cpt(service, "m-2019", "2015-04-01", "2017-02-01")  # in grace through 2019-06-30
    lapsed_cpt(service, "m-2020")  # in grace from 2020-01-01
    assert str(service.status("m-2019", D("2019-06-30")).renewal_fee) == "70.00"
    assert str(service.status("m-2020", D("2020-01-01")).renewal_fee) == "120.00"
    service.submit_renewal("m-2020", D("2020-01-01"))
    renewal = stored_facts(service, "m-2020")[-1]
    assert isinstance(renewal, RenewalSubmitted)
    assert (str(renewal.fee_due), renewal.late) == ("120.00", True)


def test_as_known_before_an_adoption_the_answer_uses_the_book_known_then(service: CredentialService) -> None:
    """rules.md section 9: "as known at T" never uses a version adopted after T (http-api.md 1.1: the status
    names the `policy_version` in force on `on`, as known at `known_at`)."""
    lapsed_cpt(service)
    before = last_recorded(service)
    service.adopt_policy_version("2020-01-01", D("2020-01-01"), {"late_fee": 75})
    known_before = service.status("m-1", D("2020-01-01"), before)
    known_after = service.status("m-1", D("2020-01-01"))
    assert (str(known_before.renewal_fee), known_before.policy_version) == ("70.00", "2012-06-01")
    assert (str(known_after.renewal_fee), known_after.policy_version) == ("120.00", "2020-01-01")
    assert service.status("m-1", D("2019-12-31")).policy_version == "2012-06-01"


def test_a_retroactive_version_changes_the_answers_only_from_its_adoption_on_and_is_a_revision(
        service: CredentialService, clock: StepClock) -> None:
    """rules.md section 9: a version adopted with a past effective date is a retroactive change: answers change
    from its adoption on, and the change is a revision (section 10)."""
    service.certify("m-1", "CPT", D("2019-05-10"))  # never renewed: grace through 2023-06-30
    before = last_recorded(service)
    adopted = service.adopt_policy_version("grace-3", D("2015-01-01"), {"grace_months": 3})
    assert service.status("m-1", D("2023-05-01"), before).status is Status.INACTIVE
    assert service.status("m-1", D("2023-05-01")).status is Status.INVALID
    revision = service.revisions("m-1")[-1]
    assert (revision.cause.type, revision.cause.version, revision.cause.recorded_at) == (
        "PolicyVersionAdopted", "grace-3", adopted.adopted_at)
    assert revision.changes == (Change(D("2023-04-01"), D("2023-06-30"), Standing(Status.INACTIVE, "CPT"),
                                       Standing(Status.INVALID, None)),)


def test_withdrawing_a_version_adopted_in_error_restores_the_answers_from_its_withdrawal_on(
        service: CredentialService) -> None:
    """rules.md section 9: a version adopted in error is withdrawn (`PolicyVersionWithdrawn`)."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    adopted = service.adopt_policy_version("grace-3", D("2015-01-01"), {"grace_months": 3})
    withdrawn = service.withdraw_policy_version("grace-3", "typed 3 for 6")
    assert withdrawn.withdrawn_at is not None
    assert adopted.adopted_at is not None
    assert service.status("m-1", D("2023-05-01")).status is Status.INACTIVE
    assert service.status("m-1", D("2023-05-01"), adopted.adopted_at).status is Status.INVALID
    assert service.status("m-1", D("2023-05-01")).policy_version == "2012-06-01"
    revision = service.revisions("m-1")[-1]
    assert (revision.cause.type, revision.cause.recorded_at) == ("PolicyVersionWithdrawn", withdrawn.withdrawn_at)
    assert [(c.before.status, c.after.status) for c in revision.changes] == [(Status.INVALID, Status.INACTIVE)]


def test_of_two_versions_with_the_same_effective_date_the_later_adopted_governs(service: CredentialService) -> None:
    """rules.md section 9: of two versions with the same effective date, the later adopted governs."""
    lapsed_cpt(service)
    service.adopt_policy_version("fee-75", D("2020-01-01"), {"late_fee": 75})
    service.adopt_policy_version("fee-60", D("2020-01-01"), {"late_fee": 60})
    status = service.status("m-1", D("2020-01-01"))
    assert (str(status.renewal_fee), status.policy_version) == ("105.00", "fee-60")


def test_an_activity_earns_what_the_version_in_force_on_its_completion_date_gives_even_one_adopted_later(
        service: CredentialService) -> None:
    """rules.md section 9: a fact is governed by the version in force on its business date, among the versions
    known at the time asked about."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", workshop("2019-08-01", hours=10))
    service.claim_activity("m-1", workshop("2020-02-03", hours=10))
    before = last_recorded(service)
    service.adopt_policy_version("double", D("2020-01-01"), {"categories": {"acsm_workshop": {"amount": 2}}})
    for known_at, counted in ((before, 20), (None, 30)):
        cycle = service.status("m-1", D("2020-02-03"), known_at).cycle
        assert cycle is not None
        assert cycle.counted_cecs == counted, known_at


def test_a_command_is_judged_under_every_version_recorded(service: CredentialService) -> None:
    """rules.md section 9: a fact is governed by the version in force on its business date."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", workshop("2020-02-03", hours=30))
    service.adopt_policy_version("cpt-30", D("2019-01-01"), {"certifications": {"CPT": {"required_cecs": 30}}})
    service.submit_renewal("m-1", D("2022-11-01"))
    status = service.status("m-1", D("2022-11-01"))
    assert status.reason.endswith("with 30 of 30 CECs counted, renewed on 2022-11-01")


def test_an_invalid_version_is_refused_whole_naming_every_bad_value_and_records_nothing(
        service: CredentialService) -> None:
    """rules.md section 9: a version is validated when adopted and refused whole (`invalid_policy`, with the
    offending values in the details)."""
    service.adopt_policy_version("2020-01-01", D("2020-01-01"), {"late_fee": 75})
    recorded = register_facts(service)
    with pytest.raises(InvalidPolicy) as caught:
        service.adopt_policy_version("bad", D("2021-01-01"), {
            "late_fee": -1, "teaching_cap_fraction": "1.5", "proof_days": 0,
            "certifications": {"XYZ": {"required_cecs": 1}}, "categories": {"acsm_workshop": {"amount": -2}}})
    assert caught.value.code == "invalid_policy"
    assert set(caught.value.details["problems"]) == {
        "late_fee", "teaching_cap_fraction", "proof_days", "certifications.XYZ", "categories.acsm_workshop.amount"}
    assert register_facts(service) == recorded
    assert [v.version for v in service.policy_versions()] == ["2012-06-01", "2020-01-01"]


@pytest.mark.parametrize("version", ["2012-06-01", "2020-01-01"])
def test_a_version_name_already_used_is_refused_version_exists(service: CredentialService, version: str) -> None:
    """rules.md section 9: versions are never edited (http-api.md 1.1: 409 `version_exists`)."""
    service.adopt_policy_version("2020-01-01", D("2020-01-01"), {"late_fee": 75})
    recorded = register_facts(service)
    with pytest.raises(CredentialError) as caught:
        service.adopt_policy_version(version, D("2024-01-01"), {"late_fee": Decimal(80)})
    assert caught.value.code == "version_exists"
    assert register_facts(service) == recorded


def test_withdrawing_a_version_never_adopted_is_refused_policy_version_not_found(service: CredentialService) -> None:
    """rules.md section 9: a version adopted in error is withdrawn; only an adopted one can be."""
    with pytest.raises(CredentialError) as caught:
        service.withdraw_policy_version("never", "in error")
    assert caught.value.code == "policy_version_not_found"
    assert register_facts(service) == 0
