"""Calendar arithmetic of cycles and deadlines (rules.md sections 2, 3, 4, 5, 7): pure functions."""

from __future__ import annotations

import pytest
from rules_support import D

from domain import rules
from domain.policy import FAQ_ERA


@pytest.mark.parametrize(
    ("certified_on", "first_cycle_end"),
    [
        ("2019-05-10", "2022-12-31"),
        ("2019-01-01", "2022-12-31"),
        ("2019-12-31", "2022-12-31"),
        ("2020-02-29", "2023-12-31"),
    ],
)
def test_the_first_cycle_ends_on_december_31_of_the_certification_year_plus_three(
        certified_on: str, first_cycle_end: str) -> None:
    """Decision: the first cycle runs from the certification date to December 31 of (certification year + 3)."""
    assert rules.first_cycle_end(D(certified_on), FAQ_ERA) == D(first_cycle_end)


def test_each_next_cycle_ends_three_calendar_years_after_the_previous_end() -> None:
    """FAQ: What if I don't have enough credits to recertify? ("continue on the original schedule")"""
    assert rules.next_cycle_end(D("2022-12-31"), FAQ_ERA) == D("2025-12-31")
    assert rules.next_cycle_end(D("2025-12-31"), FAQ_ERA) == D("2028-12-31")


def test_the_grace_period_ends_six_months_after_the_cycle_on_june_30() -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    assert rules.grace_ends_on(D("2022-12-31"), FAQ_ERA) == D("2023-06-30")
    assert rules.grace_ends_on(D("2023-12-31"), FAQ_ERA) == D("2024-06-30")


def test_the_renewal_window_opens_on_january_1_of_the_cycles_last_year() -> None:
    """Decision (renewal window): from January 1 of the cycle's last year."""
    assert rules.renewal_window_opens_on(D("2022-12-31")) == D("2022-01-01")


@pytest.mark.parametrize(
    ("selected_on", "proof_due_on"),
    [("2023-03-01", "2023-03-31"), ("2023-01-15", "2023-02-14"), ("2024-02-01", "2024-03-02"),
     ("2023-12-15", "2024-01-14")],
)
def test_audit_proof_is_due_30_days_after_selection(selected_on: str, proof_due_on: str) -> None:
    """FAQ: What is the yearly audit?"""
    assert rules.proof_due_on(D(selected_on), FAQ_ERA) == D(proof_due_on)


def test_replacement_cecs_are_due_90_days_after_the_review() -> None:
    """Decision: 90 days unless staff set another date."""
    assert rules.default_replace_by(D("2023-03-20"), FAQ_ERA) == D("2023-06-18")


def test_a_member_inactive_for_an_audit_is_invalid_one_year_after_becoming_inactive() -> None:
    """FAQ: What is the yearly audit?"""
    assert rules.audit_invalid_from(D("2023-04-01"), FAQ_ERA) == D("2024-04-01")
    assert rules.audit_invalid_from(D("2023-06-19"), FAQ_ERA) == D("2024-06-19")


def test_a_self_test_issue_is_valid_through_the_day_before_its_first_anniversary() -> None:
    """FAQ: Where can I view back issues of ACSM's Certified News for the self tests?"""
    assert rules.self_test_last_valid_day(D("2022-03-15"), FAQ_ERA) == D("2023-03-14")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [("2023-01-01", 6, "2023-07-01"), ("2023-08-31", 6, "2024-02-29"), ("2023-10-31", 1, "2023-11-30"),
     ("2023-04-01", 12, "2024-04-01"), ("2023-12-15", 1, "2024-01-15")],
)
def test_adding_months_keeps_the_day_and_clamps_to_the_months_last_day(day: str, months: int, expected: str) -> None:
    """Decision: month-based deadlines (grace, audit year, self-test expiry) use calendar months."""
    assert rules.add_months(D(day), months) == D(expected)
