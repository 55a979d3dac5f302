"""Corrections in a real store (rules.md section 8), on SQLite and PostgreSQL: a refused withdrawal
or amendment records nothing, the new facts read back exactly as recorded under their stable
topics, and a withdrawal, an amendment and a policy version stand after the service restarts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rules_support import D, claim, refused, stored_facts, workshop
from service_support import ServiceFactory, StepClock

from application.service import CredentialService
from domain.credential import credential_id
from domain.events import ActivityAmended, ActivityClaimed, CredentialFact, Evidence, FactWithdrawn
from domain.states import AuditState, Status

REASON = "entered on the wrong member"
DAYS = [D(day) for day in ("2019-05-10", "2020-02-03", "2022-12-31", "2023-01-01", "2023-05-01", "2023-08-01",
                           "2024-08-01", "2026-11-28")]


def corrected(service: CredentialService, clock: StepClock) -> str:
    """CPT certified 2019-05-10, two workshops, renewed 2022-11-01 (recorded 2023-01-10); on 2023-05-01
    the second workshop is withdrawn, leaving the renewed cycle short, and the first amended to a
    lecture. Returns the first workshop's activity id."""
    clock.set("2023-01-10")
    service.certify("m-1", "CPT", D("2019-05-10"))
    first = service.claim_activity("m-1", workshop("2020-02-03", hours=30)).activity_id
    service.claim_activity("m-1", workshop("2021-02-03", hours=15))
    service.submit_renewal("m-1", D("2022-11-01"))
    clock.set("2023-05-01")
    second = [f for f in stored_facts(service, "m-1") if isinstance(f, ActivityClaimed)][1]
    service.withdraw("m-1", second.fact_id, REASON, decided_on=D("2023-04-20"), replace_by=D("2023-08-15"))
    assert first is not None
    service.amend_activity("m-1", first, claim("lecturing", "2020-02-04", hours="12.5", course_id="L-7",
                                               evidence="syllabus"), "it was a lecture")
    return first


def answers(service: CredentialService) -> list[Any]:
    return [service.status("m-1", day) for day in DAYS]


def test_refused_corrections_record_nothing_in_the_store(service: CredentialService, clock: StepClock) -> None:
    """rules.md section 8: refusals `unknown_fact`, `already_withdrawn`, `not_withdrawable`; a refused amendment
    changes nothing."""
    activity_id = corrected(service, clock)
    withdrawal = next(f for f in stored_facts(service, "m-1") if isinstance(f, FactWithdrawn))
    refused(service, "m-1", "unknown_fact", lambda: service.withdraw("m-1", "42", REASON))
    refused(service, "m-1", "already_withdrawn", lambda: service.withdraw("m-1", withdrawal.withdrawn_fact_id, REASON))
    refused(service, "m-1", "not_withdrawable", lambda: service.withdraw("m-1", withdrawal.fact_id, REASON))
    refused(service, "m-1", "not_accepted_category",
            lambda: service.amend_activity("m-1", activity_id, claim("bls", "2020-02-03"), "it was BLS"))
    refused(service, "m-1", "activity_not_found",
            lambda: service.amend_activity("m-1", "none", workshop("2020-02-03"), REASON))


def test_withdrawals_and_amendments_read_back_from_the_store_exactly_as_recorded(
        make_service: ServiceFactory, clock: StepClock) -> None:
    """rules.md section 8: facts are never edited or deleted; corrections are facts like any other, under
    stable topics (so moving the code never orphans them)."""
    writer = make_service()
    corrected(writer, clock)
    recorded = writer.credential("m-1").history
    read: list[CredentialFact] = stored_facts(make_service(), "m-1")
    assert read == recorded
    stored = list(writer.recorder.select_events(credential_id("m-1")))
    assert [s.topic for s in stored[-2:]] == ["credential:FactWithdrawn", "credential:ActivityAmended"]
    withdrawal, amendment = read[-2:]
    assert isinstance(withdrawal, FactWithdrawn)
    assert (withdrawal.effective_on, withdrawal.replace_by, withdrawal.reason) == (
        D("2023-04-20"), D("2023-08-15"), REASON)
    assert isinstance(amendment, ActivityAmended)
    assert (amendment.effective_on, amendment.decided_on, amendment.hours, amendment.evidence,
            amendment.course_id, str(amendment.cecs)) == (
        D("2020-02-04"), D("2023-05-01"), Decimal("12.5"), Evidence.SYLLABUS, "L-7", "12.5")


def test_corrections_stand_after_the_service_restarts(make_service: ServiceFactory, clock: StepClock) -> None:
    """rules.md section 8: a withdrawn fact is void as known from the moment the withdrawal is recorded, whichever
    process answers."""
    first = make_service()
    corrected(first, clock)
    expected = (answers(first), [(e.fact_id, e.withdrawn_by) for e in first.history("m-1")], first.revisions("m-1"))
    first.close()
    restarted = make_service()
    assert answers(restarted) == expected[0]
    assert [(e.fact_id, e.withdrawn_by) for e in restarted.history("m-1")] == expected[1]
    assert restarted.revisions("m-1") == expected[2]
    # What the answers say: the replacement window the withdrawal opened, with staff's date.
    audit = restarted.status("m-1", D("2023-05-01")).audit
    assert audit is not None
    assert (audit.selected_on, audit.state, audit.replace_by) == (
        D("2023-04-20"), AuditState.REPLACEMENT_DUE, D("2023-08-15"))
    assert restarted.status("m-1", D("2023-08-16")).status is Status.INACTIVE


def test_a_policy_version_and_its_withdrawal_stand_after_the_service_restarts(make_service: ServiceFactory) -> None:
    """rules.md section 9: an adoption is recorded in the store with its recorded time like any fact."""
    first = make_service()
    first.certify("m-1", "CPT", D("2016-04-01"))
    first.claim_activity("m-1", workshop("2018-02-01", hours=45))
    adopted = first.adopt_policy_version("2020-01-01", D("2020-01-01"), {"late_fee": 75})
    first.adopt_policy_version("typo", date(2020, 1, 1), {"late_fee": 7500})
    first.withdraw_policy_version("typo", "a typo")
    first.close()
    restarted = make_service()
    status = restarted.status("m-1", D("2020-01-01"))
    assert (str(status.renewal_fee), status.policy_version) == ("120.00", "2020-01-01")
    listed = {v.version: (v.adopted_at, v.withdrawn_at is not None) for v in restarted.policy_versions()}
    assert listed == {"2012-06-01": (None, False), "2020-01-01": (adopted.adopted_at, False),
                      "typo": (listed["typo"][0], True)}


@pytest.mark.parametrize("known", ["before", "after"])
def test_an_answer_as_known_before_a_stored_withdrawal_is_the_one_given_then(
        make_service: ServiceFactory, clock: StepClock, known: str) -> None:
    """rules.md section 8: with T before the withdrawal, exactly as before; with T after, as if never recorded."""
    service = make_service()
    clock.set("2023-01-10")
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", workshop("2020-02-03", hours=45))
    service.submit_renewal("m-1", D("2022-11-01"))
    given_then = service.status("m-1", D("2023-07-01"))
    renewal = stored_facts(service, "m-1")[-1]
    service.withdraw("m-1", renewal.fact_id, REASON)
    known_at = renewal.timestamp if known == "before" else stored_facts(service, "m-1")[-1].timestamp
    answer = make_service().status("m-1", D("2023-07-01"), known_at)
    if known == "before":
        assert (answer.status, answer.reason) == (given_then.status, given_then.reason)
    else:
        assert answer.status is Status.INVALID
