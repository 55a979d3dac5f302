"""Certification table, requirements, CEC awards and renewal fees (rules.md sections 1 and 4):
pure functions over the policy data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import rules
from domain.policy import FAQ_ERA, CertificationRule


def held(*codes: str) -> list[CertificationRule]:
    found = [FAQ_ERA.certification(code) for code in codes]
    assert all(found)
    return [rule for rule in found if rule is not None]


@pytest.mark.parametrize(
    ("code", "level", "award"),
    [("CPT", 1, 10), ("HFS", 2, 15), ("EP-C", 2, 15), ("CES", 3, 15), ("RCEP", 4, 15),
     ("CIFT", None, 10), ("CET", None, 10), ("PAPHS", None, 10)],
)
def test_each_acsm_certification_has_its_level_and_the_cecs_it_awards(code: str, level: int | None,
                                                                       award: int) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification?"""
    (rule,) = held(code)
    assert rule.level == level
    assert rule.award_cecs == award


@pytest.mark.parametrize(
    ("code", "required"),
    [("CPT", 45), ("HFS", 60), ("EP-C", 60), ("CES", 60), ("RCEP", 60), ("PAPHS", 45), ("CIFT", 15), ("CET", 15)],
)
def test_each_certification_requires_its_cecs_per_cycle(code: str, required: int) -> None:
    """Decision (requirements per cycle, the body's published table of that era)."""
    assert rules.required_cecs(held(code)) == required


@pytest.mark.parametrize(
    ("codes", "required"),
    [(("CPT", "CIFT"), 45), (("CIFT", "CET"), 15), (("CIFT", "PAPHS"), 45), (("EP-C", "CPT"), 60),
     (("CPT", "CES", "CET"), 60), ((), 0)],
)
def test_with_several_certifications_the_largest_requirement_wins(codes: tuple[str, ...], required: int) -> None:
    """FAQ: What if I have multiple certifications?"""
    assert rules.required_cecs(held(*codes)) == required


@pytest.mark.parametrize(
    ("codes", "fee"),
    [(("CPT",), "45.00"), (("EP-C",), "55.00"), (("HFS",), "55.00"), (("CES",), "55.00"), (("RCEP",), "55.00"),
     (("CIFT",), "35.00"), (("CET",), "35.00"), (("PAPHS",), "35.00"), (("CPT", "CIFT"), "50.00"),
     (("CIFT", "CET"), "40.00"), (("EP-C", "CPT", "CIFT"), "65.00")],
)
def test_the_renewal_fee_is_the_highest_fee_plus_5_per_additional_certification(codes: tuple[str, ...],
                                                                                 fee: str) -> None:
    """FAQ: What if I have multiple certifications?"""
    assert str(rules.renewal_fee(held(*codes), FAQ_ERA, late=False)) == fee


def test_a_late_renewal_adds_the_25_dollar_late_fee() -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    assert str(rules.renewal_fee(held("CPT"), FAQ_ERA, late=True)) == "70.00"
    assert str(rules.renewal_fee(held("CPT", "CIFT"), FAQ_ERA, late=True)) == "75.00"


@pytest.mark.parametrize(
    ("already", "new", "earns"),
    [
        (("CPT",), "EP-C", True),
        (("CPT",), "RCEP", True),
        (("EP-C",), "CPT", False),
        (("HFS",), "EP-C", False),
        (("CES",), "EP-C", False),
        (("CPT", "CES"), "EP-C", False),
        (("EP-C",), "CIFT", True),
        (("RCEP",), "CET", True),
        (("CIFT",), "PAPHS", True),
    ],
)
def test_another_certification_earns_cecs_only_if_higher_than_all_held_or_a_specialty(
        already: tuple[str, ...], new: str, earns: bool) -> None:
    """FAQ: Can I earn ACSM CECs by earning another ACSM certification?"""
    (rule,) = held(new)
    assert rules.earns_cecs_for(rule, held(*already)) is earns


def test_the_highest_certification_does_not_depend_on_the_order_held() -> None:
    """FAQ: What if I have multiple certifications?"""
    top_one = rules.highest(held("HFS", "EP-C"))
    top_two = rules.highest(held("EP-C", "HFS"))
    assert top_one is not None
    assert top_two is not None
    assert top_one.code == top_two.code == "HFS"


def test_money_is_quantized_to_cents() -> None:
    """FAQ: What if I have multiple certifications?"""
    assert str(rules.money(Decimal(45))) == "45.00"
