"""rules.md section 12: any command can be tried without being recorded; the answer is what
recording it would have answered."""

from __future__ import annotations

from decimal import Decimal

from rules_support import D, certified_cpt_with, claim, stored_facts, workshop

from application.commands import Certify, ClaimActivity, SubmitRenewal, WithdrawFact
from application.service import CredentialService
from domain.states import Status


def test_tried_commands_are_judged_in_order_against_the_known_facts_and_nothing_is_recorded(
        service: CredentialService) -> None:
    """Would a 3-credit college course on this date make them compliant?"""
    certified_cpt_with(service, "m-1", cecs=38)
    before = stored_facts(service, "m-1")
    course = claim("college_course", "2022-11-20", credit_hours=1, grade="B")
    tried = service.what_if("m-1", [SubmitRenewal("m-1", D("2022-11-30")), ClaimActivity("m-1", course),
                                    SubmitRenewal("m-1", D("2022-11-30"))], [D("2022-12-01"), D("2023-02-01")])
    refused, claimed, renewed = tried.outcomes
    assert (refused.accepted, refused.error and refused.error.code) == (False, "insufficient_cecs")
    assert (claimed.accepted, claimed.cecs_awarded) == (True, Decimal(10))
    assert (renewed.accepted, renewed.error) == (True, None)
    assert tried.status[D("2023-02-01")].status is Status.ACTIVE
    assert stored_facts(service, "m-1") == before
    assert service.status("m-1", D("2023-02-01")).status is Status.INACTIVE


def test_a_tried_command_answers_as_the_same_command_then_recorded(service: CredentialService) -> None:
    certified_cpt_with(service, "m-1", cecs=38)
    commands = [ClaimActivity("m-1", workshop("2022-11-20", hours=7)), SubmitRenewal("m-1", D("2022-11-30"))]
    days = [D("2022-11-30"), D("2023-01-01"), D("2026-01-01")]
    tried = service.what_if("m-1", commands, days)
    for command in commands:
        service.execute(command)
    for day in days:
        assert tried.status[day] == service.status("m-1", day)


def test_a_refused_command_leaves_the_commands_after_it_the_facts_before_it(service: CredentialService) -> None:
    certified_cpt_with(service, "m-1", cecs=45)
    tried = service.what_if("m-1", [WithdrawFact("m-1", "99", "typo"), SubmitRenewal("m-1", D("2022-11-30"))],
                            [D("2022-12-01")])
    assert [o.error.code if o.error else None for o in tried.outcomes] == ["unknown_fact", None]


def test_a_member_not_yet_recorded_can_be_tried_from_a_certification(service: CredentialService) -> None:
    tried = service.what_if("new", [ClaimActivity("new", workshop("2022-01-10")),
                                    Certify("new", "CPT", D("2022-01-01"), name="New Member"),
                                    ClaimActivity("new", workshop("2022-01-10"))], [D("2022-02-01")])
    assert [o.error.code if o.error else None for o in tried.outcomes] == ["member_not_found", None, None]
    status = tried.status[D("2022-02-01")]
    assert (status.status, status.cycle and status.cycle.counted_cecs) == (Status.ACTIVE, Decimal(10))
    assert list(service.member_ids()) == []
