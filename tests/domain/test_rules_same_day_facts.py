"""rules.md section 14, facts of one business day: they fold in a fixed order of kind
(certification, audit selection, activities, documentation, renewal) and, within a kind, by
their content, never by a random id or the order recorded; certifications on a cycle's first
day are original. Pure domain: the status fold over facts built in memory, no store."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from hashlib import sha256

import pytest
from history_strategies import BOOK, build, probe_dates, same_day_histories
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_support import D, Ledger, claim

from domain.document import CredentialStatus, status_of
from domain.states import AuditState, Status


def audited_with_a_college_course() -> tuple[Ledger, str]:
    """CPT certified 2019-05-10; a college course (3 credit hours, grade A: 30 CECs) on 2020-01-10 and
    a 15-hour conference on 2021-06-01; renewed 2022-11-01; selected for audit on 2023-03-01.
    Returns the college course's activity id."""
    ledger = Ledger().certify("CPT", "2019-05-10")
    college = ledger.claim(claim("college_course", "2020-01-10", credit_hours=3, grade="A", evidence="transcript"))
    ledger.claim(claim("conference", "2021-06-01", hours=15))
    ledger.renew("2022-11-01").select("2023-03-01")
    return ledger, college


def answers(ledger: Ledger, *days: str) -> list[CredentialStatus]:
    return [ledger.status(day) for day in days]


# --- documentation on the day of selection ------------------------------------------------------------


def test_documentation_received_on_the_day_of_selection_is_reviewed_against_that_audit() -> None:
    """FAQ: If I am audited, what documentation do I need to provide? (rules.md section 14: same-day facts
    fold certification, audit selection, activities, documentation, renewal)"""
    ledger, _ = audited_with_a_college_course()
    ledger.review("2023-03-01")
    for status in answers(ledger, "2023-03-01", "2023-04-01", "2024-04-01"):
        assert status.status is Status.ACTIVE, (status.on, status.reason)
        assert status.audit is not None
        assert status.audit.state is AuditState.PASSED
        assert (status.audit.documentation_received_on, status.audit.closed_on) == (D("2023-03-01"), D("2023-03-01"))
        assert status.audit.proven_cecs == 45


def test_documentation_for_an_audit_reviewed_on_its_selection_day_is_refused_as_already_reviewed() -> None:
    """FAQ: If I am audited, what documentation do I need to provide? (an audit's documentation is reviewed once)"""
    ledger, _ = audited_with_a_college_course()
    ledger.review("2023-03-01")
    ledger.refused("no_open_audit", lambda led: led.review("2023-03-10"))


# --- several claims on one day ------------------------------------------------------------------------


@pytest.mark.parametrize("ids", [("x-1", "x-2"), ("x-2", "x-1")])
@pytest.mark.parametrize("thirty_first", [True, False])
def test_claims_completed_on_one_day_count_by_their_content_whatever_their_ids_and_recording_order(
        ids: tuple[str, str], thirty_first: bool) -> None:
    """FAQ: If I am audited ... (replacement CECs; rules.md section 14: activities of one day fold by CECs
    descending, then category, then title)"""
    ledger, college = audited_with_a_college_course()
    ledger.review("2023-03-20", rejected=[college])  # 15 of 45 proven: 30 to replace
    thirty, twelve = claim("conference", "2023-04-10", hours=30), claim("conference", "2023-04-10", hours=12)
    for activity, activity_id in zip((thirty, twelve) if thirty_first else (twelve, thirty), ids, strict=True):
        ledger.claim(activity, activity_id)
    # The 30 CECs come first: they complete the audited cycle; the 12 count toward the current one.
    status = ledger.status("2023-04-10")
    assert status.status is Status.ACTIVE
    assert status.audit is not None
    assert (status.audit.state, status.audit.proven_cecs, status.audit.closed_on) == (
        AuditState.PASSED, Decimal(45), D("2023-04-10"))
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.claimed_cecs) == (D("2023-01-01"), Decimal(12))


# --- a claim on the day of a late renewal -------------------------------------------------------------


def late_renewed_cpt() -> Ledger:
    """CPT certified 2019-05-10, 45 CECs in 2020, renewed late on 2023-03-01 (in grace)."""
    ledger = Ledger().certify("CPT", "2019-05-10")
    ledger.claim(claim("conference", "2020-01-01", hours=45))
    return ledger.renew("2023-03-01")


def cycle_of(ledger: Ledger, activity_id: str) -> tuple[str, str]:
    placed = ledger.fold("2030-01-01").placement(activity_id)
    assert placed is not None
    cycle, _ = placed
    return cycle.start.isoformat(), cycle.end.isoformat()


def test_a_course_taught_on_the_day_of_a_late_renewal_is_checked_in_the_cycle_it_counts_toward() -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing? ("once during a recertification cycle"; a claim
    of the day of a late renewal counts toward the cycle in grace, which the renewal then closes)"""
    ledger = late_renewed_cpt()
    ledger.claim(claim("teaching", "2024-06-01", hours=3, course_id="K"))
    same_day = ledger.claim(claim("teaching", "2023-03-01", hours=3, course_id="K"))
    assert cycle_of(ledger, same_day) == ("2019-05-10", "2022-12-31")


def test_a_course_taught_on_the_day_of_a_late_renewal_is_repeated_in_the_cycle_in_grace() -> None:
    """FAQ: How many CECs do I get for Teaching and Lecturing? ("once during a recertification cycle")"""
    ledger = late_renewed_cpt()
    ledger.claim(claim("teaching", "2023-03-01", hours=3, course_id="J"))
    error = ledger.refused("repeated_course", lambda led: led.claim(
        claim("teaching", "2021-06-01", hours=3, course_id="J")))
    assert error.message == "course 'J' was already claimed in the cycle 2019-05-10 to 2022-12-31"
    ledger.claim(claim("teaching", "2023-03-02", hours=3, course_id="J"))  # the next cycle's first J
    error = ledger.refused("repeated_course", lambda led: led.claim(
        claim("teaching", "2024-06-01", hours=3, course_id="J")))
    assert error.message == "course 'J' was already claimed in the cycle 2023-01-01 to 2025-12-31"


# --- certifications on one day ------------------------------------------------------------------------


def claimed_on(ledger: Ledger, day: str) -> Decimal:
    cycle = ledger.status(day).cycle
    assert cycle is not None
    return cycle.claimed_cecs


@pytest.mark.parametrize("codes", [("CPT", "EP-C"), ("EP-C", "CPT"), ("CPT", "CES"), ("CES", "CPT"),
                                   ("CPT", "CET"), ("CIFT", "RCEP")])
def test_certifications_earned_on_the_first_day_of_the_cycle_are_original_and_earn_no_cecs(
        codes: tuple[str, str]) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification? (rules.md section 14)"""
    ledger = Ledger()
    for code in codes:
        ledger.certify(code, "2019-05-10")
    assert claimed_on(ledger, "2019-05-10") == 0
    assert set(ledger.status("2019-05-10").certifications) == set(codes)


def test_certifications_passed_again_on_the_day_of_reinstatement_are_original_and_earn_no_cecs() -> None:
    """FAQ: What does inactive status mean? (passing the exam again starts a new cycle; rules.md section 14)"""
    ledger = Ledger().certify("CPT", "2019-05-10")  # never renewed: invalid from 2023-07-01
    ledger.certify("CES", "2024-02-01").certify("CPT", "2024-02-01")
    status = ledger.status("2024-02-01")
    assert status.status is Status.ACTIVE
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.claimed_cecs) == (D("2024-02-01"), 0)


@pytest.mark.parametrize("codes", [("EP-C", "CES"), ("CES", "EP-C")])
def test_higher_certifications_earned_on_one_later_day_each_earn_their_cecs_whatever_the_recording_order(
        codes: tuple[str, str]) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification? ("it must be higher than the original";
    rules.md section 14: certifications of one day fold by their content, the lower level first)"""
    ledger = Ledger().certify("CPT", "2019-05-10")
    for code in codes:
        ledger.certify(code, "2020-06-01")
    assert claimed_on(ledger, "2020-06-01") == 30


def test_a_certification_on_a_later_day_of_the_first_cycle_still_earns_its_cecs() -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification?"""
    ledger = Ledger().certify("CPT", "2019-05-10").certify("EP-C", "2019-05-11")
    assert claimed_on(ledger, "2019-05-11") == 15



# --- the property: the same facts, in any order and with any ids, give the same answers -----------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(same_day_histories, st.integers(0, 2**16))
def test_same_day_facts_recorded_in_any_order_with_any_activity_ids_give_the_same_answers(spec, seed) -> None:
    """rules.md section 14: facts of one business day fold by kind, then by content, never by a random id
    or by the order recorded: the same facts always give the same answers."""
    facts = build(spec)
    renamed = build(spec, activity_id=lambda index: sha256(f"{seed}:{index}".encode()).hexdigest()[:16])
    assert len(renamed) == len(facts)
    random.Random(seed).shuffle(renamed)
    for on in probe_dates(facts, seed):
        expected = replace(status_of(facts, on, None, BOOK), known_at=None)
        assert replace(status_of(renamed, on, None, BOOK), known_at=None) == expected, on
