"""HTTP contract conventions the rules rely on: a repeated idempotency key returns the first
outcome and records nothing; several services on one store lose and double nothing. Through the
application service (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier
from typing import TypeVar

import pytest
from rules_support import D, certified_cpt_with, refused, stored_facts, stored_types, workshop
from service_support import ServiceFactory

from application.service import AuditSelectionReport, CommandOutcome, CredentialService
from domain.errors import ConcurrentChange, IdempotencyKeyReused
from domain.events import ActivityClaimed
from domain.states import Status

T = TypeVar("T")


def retrying(command: Callable[[], T], attempts: int = 20) -> T:
    """What a client does with a 409: retry (safe with an idempotency key)."""
    for _ in range(attempts - 1):
        try:
            return command()
        except ConcurrentChange:
            continue
    return command()


def claims(service: CredentialService, member_id: str = "m-1") -> list[ActivityClaimed]:
    return [f for f in stored_facts(service, member_id) if isinstance(f, ActivityClaimed)]


# --- idempotency keys -------------------------------------------------------------------------------------


def test_a_repeated_claim_with_the_same_key_returns_the_first_outcome_and_records_nothing(
        service: CredentialService) -> None:
    """Decision (HTTP contract): a repeated Idempotency-Key returns the first answer and records nothing new."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    first = service.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    count = len(stored_facts(service, "m-1"))
    again = service.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    assert (again.activity_id, again.cecs_awarded, again.status) == (first.activity_id, Decimal("12.0"), first.status)
    assert (first.repeated, again.repeated) == (False, True)
    assert len(stored_facts(service, "m-1")) == count
    assert [c.activity_id for c in claims(service)] == [first.activity_id]


def test_the_same_key_with_a_different_command_is_refused_and_records_nothing(service: CredentialService) -> None:
    """Decision (HTTP contract): a key names one command; reusing it for another is an error."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    count = len(stored_facts(service, "m-1"))
    with pytest.raises(IdempotencyKeyReused) as caught:
        service.claim_activity("m-1", workshop("2020-02-03", hours=13), idempotency_key="k-1")
    assert caught.value.code == "idempotency_key_reused"
    with pytest.raises(IdempotencyKeyReused):
        service.submit_renewal("m-1", D("2022-11-01"), idempotency_key="k-1")
    assert len(stored_facts(service, "m-1")) == count


def test_a_repeated_certification_with_the_same_key_is_not_refused_as_already_certified(
        service: CredentialService) -> None:
    """Decision (HTTP contract): a repeated Idempotency-Key returns the first answer and records nothing new."""
    first = service.certify("m-1", "CPT", D("2019-05-10"), name="Ada", idempotency_key="cert-1")
    again = service.certify("m-1", "CPT", D("2019-05-10"), name="Ada", idempotency_key="cert-1")
    assert again.repeated is True
    assert again.status == first.status
    assert stored_types(service, "m-1") == ["CredentialOpened", "Certified"]


def test_a_repeated_renewal_with_the_same_key_is_not_refused_as_already_renewed(service: CredentialService) -> None:
    """Decision (HTTP contract): a repeated Idempotency-Key returns the first answer and records nothing new."""
    certified_cpt_with(service, "m-1")
    first = service.submit_renewal("m-1", D("2022-11-01"), fee_paid=Decimal(45), idempotency_key="renew-1")
    again = service.submit_renewal("m-1", D("2022-11-01"), fee_paid=Decimal(45), idempotency_key="renew-1")
    assert (again.repeated, again.status) == (True, first.status)
    assert stored_types(service, "m-1").count("RenewalSubmitted") == 1


def test_a_repeat_after_later_facts_still_returns_the_first_outcome(service: CredentialService) -> None:
    """Decision (HTTP contract): a repeated Idempotency-Key returns the first answer."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    first = service.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    service.claim_activity("m-1", workshop("2020-03-03", hours=20))
    again = service.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    assert again.status == first.status
    assert again.status.cycle is not None
    assert again.status.cycle.claimed_cecs == Decimal("12.0")


def test_a_documentation_review_repeated_with_the_same_key_records_its_rejections_once(
        service: CredentialService) -> None:
    """Decision (HTTP contract): a repeated Idempotency-Key returns the first answer and records nothing new."""
    certified_cpt_with(service, "m-1", cecs=45)
    service.submit_renewal("m-1", D("2022-11-01"))
    service.select_for_audit("m-1", D("2023-03-01"))
    (activity,) = claims(service)
    rejected = [(activity.activity_id, "no member name")]
    first = service.review_documentation("m-1", D("2023-03-20"), rejected, idempotency_key="review-1")
    again = service.review_documentation("m-1", D("2023-03-20"), rejected, idempotency_key="review-1")
    assert (again.repeated, again.status) == (True, first.status)
    assert stored_types(service, "m-1")[-2:] == ["DocumentationRejected", "AuditReviewed"]
    assert stored_types(service, "m-1").count("DocumentationRejected") == 1


def test_a_refused_command_records_nothing_so_its_key_can_be_used_once_the_rule_is_met(
        service: CredentialService) -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    certified_cpt_with(service, "m-1", cecs=40)
    refused(service, "m-1", "insufficient_cecs",
            lambda: service.submit_renewal("m-1", D("2022-11-01"), idempotency_key="renew-1"))
    service.claim_activity("m-1", workshop("2022-10-01", hours=5))
    outcome = service.submit_renewal("m-1", D("2022-11-01"), idempotency_key="renew-1")
    assert outcome.repeated is False
    assert stored_types(service, "m-1")[-1] == "RenewalSubmitted"


def test_a_key_answered_by_one_service_is_repeated_by_another_on_the_same_store(
        make_service: ServiceFactory) -> None:
    """Decision (HTTP contract): several server processes share one store and see each other's writes at once."""
    one, other = make_service(), make_service()
    one.certify("m-1", "CPT", D("2019-05-10"))
    first = one.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    again = other.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    assert (again.repeated, again.activity_id) == (True, first.activity_id)
    assert len(claims(one)) == 1


# --- concurrent writers -----------------------------------------------------------------------------------


def test_concurrent_claims_from_two_services_are_all_recorded_once(make_service: ServiceFactory) -> None:
    """Decision (HTTP contract): several server processes may share one store; a 409 is safe to retry."""
    services = [make_service(), make_service()]
    services[0].certify("m-1", "CPT", D("2019-05-10"))
    per_writer = 8
    start = Barrier(2)

    def write(index: int) -> list[CommandOutcome]:
        service = services[index]
        start.wait()
        return [
            retrying(lambda n=n: service.claim_activity(  # type: ignore[misc]
                "m-1", workshop("2020-02-03", hours=index * 10 + n + 1), idempotency_key=f"w{index}-{n}"))
            for n in range(per_writer)
        ]

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = [o for batch in pool.map(write, range(2)) for o in batch]
    recorded = claims(services[1])
    assert sorted(c.activity_id for c in recorded) == sorted(o.activity_id for o in outcomes)  # type: ignore[misc]
    assert len(recorded) == 2 * per_writer
    expected = sum(Decimal(i * 10 + n + 1) for i in range(2) for n in range(per_writer))
    for service in services:
        cycle = service.status("m-1", D("2020-02-03")).cycle
        assert cycle is not None
        assert cycle.claimed_cecs == expected == Decimal("152")


def test_the_same_key_sent_concurrently_to_two_services_is_recorded_once(make_service: ServiceFactory) -> None:
    """Decision (HTTP contract): a repeated Idempotency-Key returns the first answer and records nothing new."""
    services = [make_service(), make_service()]
    services[0].certify("m-1", "CPT", D("2019-05-10"))
    start = Barrier(2)

    def send(service: CredentialService) -> CommandOutcome:
        start.wait()
        return retrying(lambda: service.claim_activity("m-1", workshop("2020-02-03", hours=12),
                                                       idempotency_key="same"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(send, services))
    assert outcomes[0].activity_id == outcomes[1].activity_id
    assert len(claims(services[0])) == 1


def test_concurrent_first_certifications_of_one_member_keep_both(make_service: ServiceFactory) -> None:
    """FAQ: What if I have multiple certifications?"""
    services = [make_service(), make_service()]
    start = Barrier(2)

    def certify(pair: tuple[CredentialService, str]) -> CommandOutcome:
        service, code = pair
        start.wait()
        return retrying(lambda: service.certify("m-1", code, D("2019-05-10")))

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(certify, zip(services, ["CPT", "CIFT"])))
    status = services[0].status("m-1", D("2019-05-10"))
    assert (status.status, status.certifications) == (Status.ACTIVE, ("CPT", "CIFT"))
    assert stored_types(services[1], "m-1") == ["CredentialOpened", "Certified", "Certified"]
    assert list(services[1].member_ids()) == ["m-1"]


def test_two_yearly_draws_run_at_the_same_time_select_each_member_once(make_service: ServiceFactory) -> None:
    """FAQ: What is the yearly audit? (each renewal is selected at most once, however the draw is run)"""
    services = [make_service(), make_service()]
    for index in range(8):
        certified_cpt_with(services[0], f"cpt-{index}")
        services[0].submit_renewal(f"cpt-{index}", D("2022-10-01"))
    start = Barrier(2)

    def draw(service: CredentialService) -> AuditSelectionReport:
        start.wait()
        return service.select_audits(2022, Decimal("0.5"), "2023-audit", D("2023-03-01"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(draw, services)
    assert first.selected == second.selected
    assert len(first.selected) == 4
    assert first.recorded + second.recorded == 4
    for member_id in first.selected:
        assert stored_types(services[0], member_id).count("AuditSelected") == 1
