"""rules.md section 12: every status answer for a cycle that still needs a renewal says what is
needed, in its `needed` field and in words."""

from __future__ import annotations

from decimal import Decimal

from rules_support import D, certified_cpt_with, claim, workshop

from application.service import CredentialService
from domain.fold_state import Needed


def test_a_cycle_short_of_its_requirement_needs_the_missing_cecs_by_its_end_and_a_renewal_by_the_end_of_grace(
        service: CredentialService) -> None:
    """FAQ: How many CECs do I need to recertify?"""
    certified_cpt_with(service, "m-1", cecs=38)
    status = service.status("m-1", D("2022-06-01"))
    assert status.needed == Needed(Decimal(7), Decimal("13.5"), D("2022-12-31"), D("2023-06-30"))
    assert status.reason.endswith("with 38 of 45 CECs counted (7 more needed by 2022-12-31)")


def test_a_cycle_with_enough_cecs_still_needs_its_renewal(service: CredentialService) -> None:
    """FAQ: What do I need to do in order to recertify?"""
    certified_cpt_with(service, "m-1", cecs=45)
    status = service.status("m-1", D("2022-06-01"))
    assert status.needed == Needed(Decimal(0), Decimal("13.5"), D("2022-12-31"), D("2023-06-30"))
    assert status.reason.endswith("(renewal due by 2022-12-31)")


def test_once_the_cycle_ended_unrenewed_the_cecs_are_needed_by_the_end_of_grace(service: CredentialService) -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    certified_cpt_with(service, "m-1", cecs=38)
    status = service.status("m-1", D("2023-02-01"))
    assert status.needed == Needed(Decimal(7), Decimal("13.5"), D("2023-06-30"), D("2023-06-30"))
    assert status.reason.endswith("; 7 more CECs and a late renewal needed by 2023-06-30")


def test_teaching_claimed_leaves_less_room_under_the_teaching_and_lecturing_cap(service: CredentialService) -> None:
    """FAQ: What all do you accept for Continuing Education Credit? (teaching: at most 30%)"""
    certified_cpt_with(service, "m-1", cecs=20)
    service.claim_activity("m-1", claim("teaching", "2020-03-01", hours=10, course_id="EXS-101"))
    needed = service.status("m-1", D("2022-06-01")).needed
    assert needed is not None
    assert (needed.cecs_missing, needed.capped_cecs_room) == (Decimal(15), Decimal("3.5"))
    service.claim_activity("m-1", claim("lecturing", "2020-04-01", hours=8))
    needed = service.status("m-1", D("2022-06-01")).needed
    assert needed is not None
    # 18 teaching and lecturing CECs claimed, 13.5 of them counted: no room left, 11.5 still missing.
    assert (needed.cecs_missing, needed.capped_cecs_room) == (Decimal("11.5"), Decimal(0))


def test_nothing_is_needed_once_the_cycle_is_renewed(service: CredentialService) -> None:
    certified_cpt_with(service, "m-1", cecs=45)
    service.submit_renewal("m-1", D("2022-11-01"))
    assert service.status("m-1", D("2022-11-01")).needed is None
    assert service.status("m-1", D("2023-01-01")).needed == Needed(
        Decimal(45), Decimal("13.5"), D("2025-12-31"), D("2026-06-30"))


def test_nothing_is_needed_before_certification_or_once_invalid(service: CredentialService) -> None:
    """FAQ: What does inactive status mean? (invalid: only passing the exam again reinstates)"""
    certified_cpt_with(service, "m-1", cecs=10)
    assert service.status("m-1", D("2019-05-09")).needed is None
    assert service.status("m-1", D("2023-07-01")).needed is None


def test_an_earlier_claim_recorded_late_changes_what_was_needed_only_as_known_from_then(
        service: CredentialService, clock) -> None:
    """rules.md section 6: "as known at T" drops the facts recorded after T."""
    certified_cpt_with(service, "m-1", cecs=38)
    before = clock.now
    service.claim_activity("m-1", workshop("2021-05-01", hours=5))
    then = service.status("m-1", D("2022-06-01"), known_at=before).needed
    now = service.status("m-1", D("2022-06-01")).needed
    assert then is not None
    assert now is not None
    assert (then.cecs_missing, now.cecs_missing) == (Decimal(7), Decimal(2))
