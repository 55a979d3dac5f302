"""rules.md section 9 and http-api.md "Policy": every value of a version is published in one
shape, and a new version states only the values that change, in that shape, validated whole.
Pure functions of `domain.policy_values`; no store."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rules_support import claim

from domain import rules
from domain.errors import InvalidPolicy, RuleViolation
from domain.policy import FAQ_ERA, Policy
from domain.policy_values import carried_over, changed_policy, policy_values, validated_changes

VALUES = policy_values(FAQ_ERA)
NEW_DAY = date(2020, 1, 1)


def changed(changes: dict[str, Any]) -> Policy:
    return changed_policy(FAQ_ERA, "2020-01-01", NEW_DAY, changes)


def problems(changes: Any, version: str = "2020-01-01") -> dict[str, str]:
    with pytest.raises(InvalidPolicy) as caught:
        changed_policy(FAQ_ERA, version, NEW_DAY, changes)
    return caught.value.problems


# --- the published values -------------------------------------------------------------------------


def test_a_certification_is_published_with_its_name_level_requirement_fee_and_award() -> None:
    """http-api.md Policy: certifications (code, name, level, required CECs, fee, CECs awarded)."""
    assert VALUES["certifications"]["CPT"] == {"name": "Certified Personal Trainer", "level": 1,
                                               "required_cecs": 45, "renewal_fee": "45.00", "award_cecs": 10}


def test_a_specialty_certification_is_published_with_no_level() -> None:
    """rules.md section 1: CIFT, CET and PAPHS are specialties, with no level on the main line."""
    assert [VALUES["certifications"][code]["level"] for code in ("CIFT", "CET", "PAPHS")] == [None, None, None]


def test_the_faq_era_version_publishes_its_single_values_as_the_contract_shows() -> None:
    """http-api.md Policy: money and fractions are strings; counts of days, months and years are numbers."""
    single = {key: VALUES[key] for key in ("teaching_cap_fraction", "cycle_years", "grace_months", "late_fee",
                                           "extra_certification_fee", "proof_days", "replacement_days",
                                           "audit_inactive_months", "self_test_valid_months")}
    assert single == {"teaching_cap_fraction": "0.3", "cycle_years": 3, "grace_months": 6, "late_fee": "25.00",
                      "extra_certification_fee": "5.00", "proof_days": 30, "replacement_days": 90,
                      "audit_inactive_months": 12, "self_test_valid_months": 12}


def test_the_unit_conversions_are_published_as_given() -> None:
    """rules.md section 3: ACE, NSCA, NASM 0.1 unit = 1 CEC; AFAA 1.0 = 1.0; conversions are policy data."""
    assert VALUES["conversions"] == {"ACE": "0.1", "AFAA": "1.0", "NASM": "0.1", "NSCA": "0.1"}


def test_the_reminder_schedule_is_published_as_days_ahead_of_each_deadline() -> None:
    """rules.md section 11: the reminder schedule is policy data, with the FAQ era's defaults."""
    assert VALUES["reminders"] == {"renewal_due": [90, 60, 30, 7], "grace_started": [0], "grace_ends": [30, 7],
                                   "audit_selected": [0], "proof_due": [7], "replacement_due": [30, 7]}


def test_an_accepted_category_is_published_with_its_cecs_rule_cap_and_once_per_cycle() -> None:
    """http-api.md Policy: activity categories (CECs rule, capped, once per cycle)."""
    categories = VALUES["categories"]
    assert categories["conference"] == {"accepted": True, "cecs": "certificate", "amount": 1, "capped": False,
                                        "once_per_cycle": False, "self_test": False, "course_id_required": False}
    assert (categories["college_course"]["cecs"], categories["college_course"]["amount"]) == ("per_credit_hour", 10)
    assert {key: categories["teaching"][key] for key in ("cecs", "capped", "once_per_cycle", "course_id_required")} \
        == {"cecs": "per_hour", "capped": True, "once_per_cycle": True, "course_id_required": True}


def test_a_journal_self_test_is_published_as_a_fixed_amount_per_issue_marked_self_test() -> None:
    """rules.md section 3: ACSM journal self-tests earn 4 per issue; an issue expires 1 year after publication."""
    assert {key: VALUES["categories"]["hfj_self_test"][key] for key in ("cecs", "amount", "self_test")} \
        == {"cecs": "fixed", "amount": 4, "self_test": True}


def test_a_refused_category_is_published_with_the_reason_it_is_refused() -> None:
    """rules.md section 3: never accepted, with a clear reason: CPR, BLS, exams, memberships, committees."""
    assert VALUES["categories"]["cpr"] == {"accepted": False, "reason": FAQ_ERA.refused_categories["cpr"]}
    assert {name for name, c in VALUES["categories"].items() if not c["accepted"]} == {
        "cpr", "bls", "certification_exam", "membership", "committee"}


def test_the_values_a_rule_uses_beyond_the_contract_are_published_too() -> None:
    """rules.md preamble: a decision is a policy value or rule that staff can see, not a hidden constant."""
    assert VALUES["passing_grades"] == ["A", "A+", "A-", "B", "B+", "B-", "C", "C+"]
    assert "F" in VALUES["known_grades"]
    assert list(VALUES["refused_evidence"]) == ["attendance_certificate"]


def test_the_published_values_are_json() -> None:
    """http-api.md Conventions: JSON in and out."""
    assert json.loads(json.dumps(VALUES)) == VALUES


# --- a version from the values that change --------------------------------------------------------


def test_the_published_values_read_back_as_the_same_version() -> None:
    """rules.md section 9: staff can read every value; a version stated whole in that shape is the same rules."""
    again = changed(VALUES)
    assert replace(again, version=FAQ_ERA.version, effective_from=FAQ_ERA.effective_from) == FAQ_ERA


def test_a_version_stating_only_the_late_fee_carries_every_other_value_over() -> None:
    """rules.md section 9: a version states only the values that change; every other value carries over."""
    new = changed({"late_fee": 75})
    assert (new.version, new.effective_from, str(new.late_fee)) == ("2020-01-01", NEW_DAY, "75.00")
    assert replace(new, late_fee=FAQ_ERA.late_fee, version=FAQ_ERA.version, effective_from=FAQ_ERA.effective_from) \
        == FAQ_ERA


def test_a_certification_value_that_changes_leaves_its_other_values_and_the_other_certifications() -> None:
    """http-api.md Policy: the values that change are merged key by key."""
    new = changed({"certifications": {"CPT": {"renewal_fee": "50"}}})
    assert new.certifications["CPT"] == replace(FAQ_ERA.certifications["CPT"], renewal_fee=Decimal("50.00"))
    assert {code: rule for code, rule in new.certifications.items() if code != "CPT"} == {
        code: rule for code, rule in FAQ_ERA.certifications.items() if code != "CPT"}


def test_a_category_value_that_changes_leaves_its_other_values() -> None:
    """http-api.md Policy: the values that change are merged key by key."""
    new = changed({"categories": {"teaching": {"amount": 2}}})
    assert new.categories["teaching"] == replace(FAQ_ERA.categories["teaching"], amount=Decimal(2))


def test_a_reminder_schedule_that_changes_replaces_that_kind_only() -> None:
    """rules.md section 11: reminders follow a schedule that is policy data."""
    new = changed({"reminders": {"renewal_due": [7, 120, 30]}})
    assert new.reminders == {**FAQ_ERA.reminders, "renewal_due": (120, 30, 7)}


def test_a_category_no_longer_accepted_is_refused_with_the_reason_the_version_gives() -> None:
    """rules.md section 3: a category never accepted is refused with a clear reason."""
    new = changed({"categories": {"committee": {"reason": "still no"},
                                  "publication": {"accepted": False, "reason": "publications no longer count"}}})
    with pytest.raises(RuleViolation) as caught:
        rules.cecs_for(claim("publication", "2021-03-01", evidence="publication_copy"), new)
    assert (caught.value.code, caught.value.message) == ("not_accepted_category", "publications no longer count")
    assert new.refused_categories["committee"] == "still no"


def test_a_category_accepted_again_earns_by_the_cecs_rule_the_version_gives() -> None:
    """rules.md section 9: a later version can change what is accepted, as data."""
    new = changed({"categories": {"membership": {"accepted": True, "cecs": "fixed", "amount": "2"}}})
    assert rules.cecs_for(claim("membership", "2021-03-01"), new) == Decimal("2.0")
    assert "membership" not in new.refused_categories


def test_a_changed_conversion_converts_that_providers_units() -> None:
    """rules.md section 3: conversions are policy data (a provider's units divided by its conversion)."""
    new = changed({"conversions": {"ace": "1.0", "IDEA": 0.5}})
    assert rules.cecs_for(claim("approved_provider", "2021-03-01", units="1.5", provider="ACE"), new) == Decimal("1.5")
    assert rules.cecs_for(claim("approved_provider", "2021-03-01", units="1.5", provider="idea"), new) == Decimal(3)
    assert new.conversions["NSCA"] == Decimal("0.1")


def test_money_is_kept_to_the_cent_and_fractions_exactly_as_given() -> None:
    """http-api.md Conventions: money as strings ("45.00")."""
    new = changed({"late_fee": "75", "extra_certification_fee": 7.5, "teaching_cap_fraction": "0.25"})
    values = policy_values(new)
    assert (values["late_fee"], values["extra_certification_fee"], values["teaching_cap_fraction"]) == (
        "75.00", "7.50", "0.25")


def test_the_stored_changes_hold_each_value_as_read_with_decimals_as_strings() -> None:
    """rules.md section 9: an adoption is recorded as a fact: the values that change, validated."""
    changes = {"late_fee": 75, "certifications": {"CPT": {"required_cecs": 50.5}}, "conversions": {"ace": 1},
               "categories": {"publication": {"accepted": False, "reason": "no"}}}
    stored = validated_changes(changed(changes), changes)
    assert stored == {"late_fee": "75.00", "certifications": {"CPT": {"required_cecs": "50.5"}},
                      "conversions": {"ACE": "1"}, "categories": {"publication": {"accepted": False, "reason": "no"}}}
    assert changed(stored) == changed(changes)


def test_changes_merged_over_a_version_that_refuses_the_category_leave_out_its_rule_values() -> None:
    """rules.md section 9: values carry over from the version in force the day before, as known when asked."""
    refusing = changed({"categories": {"teaching": {"accepted": False, "reason": "no teaching"}}})
    later = carried_over(refusing, "2022-01-01", date(2022, 1, 1), {"categories": {"teaching": {"amount": "2"}}})
    assert later.refused_categories["teaching"] == "no teaching"
    assert "teaching" not in later.categories


# --- bad values -----------------------------------------------------------------------------------

BAD_VALUES = [
    ({"late_fee": True}, "late_fee"),
    ({"late_fee": "NaN"}, "late_fee"),
    ({"late_fee": "Infinity"}, "late_fee"),
    ({"late_fee": float("inf")}, "late_fee"),
    ({"late_fee": "twenty"}, "late_fee"),
    ({"late_fee": -1}, "late_fee"),
    ({"late_fee": None}, "late_fee"),
    ({"certifications": {"CPT": {"renewal_fee": "-5"}}}, "certifications.CPT.renewal_fee"),
    ({"certifications": {"CPT": {"required_cecs": "45.25"}}}, "certifications.CPT.required_cecs"),
    ({"certifications": {"CPT": {"name": " "}}}, "certifications.CPT.name"),
    ({"certifications": {"CPT": {"level": 0}}}, "certifications.CPT.level"),
    ({"certifications": {"CPT": {"level": True}}}, "certifications.CPT.level"),
    ({"certifications": {"CPT": {"colour": "red"}}}, "certifications.CPT.colour"),
    ({"certifications": {"CPT": 45}}, "certifications.CPT"),
    ({"certifications": {"XYZ": {"name": "New"}}}, "certifications.XYZ"),
    ({"categories": {"teaching": {"amount": -1}}}, "categories.teaching.amount"),
    ({"categories": {"teaching": {"capped": "yes"}}}, "categories.teaching.capped"),
    ({"categories": {"teaching": {"cecs": "per_issue"}}}, "categories.teaching.cecs"),
    ({"categories": {"teaching": {"accepted": False}}}, "categories.teaching.reason"),
    ({"categories": {"teaching": {"reason": "why"}}}, "categories.teaching.reason"),
    ({"categories": {"cpr": {"accepted": True}}}, "categories.cpr.cecs"),
    ({"categories": {"cpr": {"amount": 2}}}, "categories.cpr.amount"),
    ({"categories": {"yoga": {"accepted": True, "cecs": "fixed"}}}, "categories.yoga"),
    ({"categories": {"teaching": {"hue": 1}}}, "categories.teaching.hue"),
    ({"teaching_cap_fraction": "1.5"}, "teaching_cap_fraction"),
    ({"teaching_cap_fraction": -0.1}, "teaching_cap_fraction"),
    ({"conversions": {"ACE": 0}}, "conversions.ACE"),
    ({"conversions": {"ACE": 10}}, "conversions.ACE"),
    ({"conversions": {"": "0.1"}}, "conversions."),
    ({"grace_months": 0}, "grace_months"),
    ({"proof_days": 1.5}, "proof_days"),
    ({"replacement_days": "90"}, "replacement_days"),
    ({"cycle_years": -3}, "cycle_years"),
    ({"audit_inactive_months": False}, "audit_inactive_months"),
    ({"reminders": {"renewal_due": [90, -1]}}, "reminders.renewal_due.1"),
    ({"reminders": {"renewal_due": [90, 60, "soon"]}}, "reminders.renewal_due.2"),
    ({"reminders": {"renewal_due": 90}}, "reminders.renewal_due"),
    ({"reminders": {"birthday": [1]}}, "reminders.birthday"),
    ({"passing_grades": ["A", "Z"]}, "passing_grades"),
    ({"known_grades": []}, "known_grades"),
    ({"refused_evidence": {"selfie": "no"}}, "refused_evidence.selfie"),
    ({"unknown_key": 1}, "unknown_key"),
    ({"version": "2020"}, "version"),
]


@pytest.mark.parametrize(("changes", "path"), BAD_VALUES, ids=[path for _, path in BAD_VALUES])
def test_a_bad_value_refuses_the_version_naming_its_path(changes: dict[str, Any], path: str) -> None:
    """rules.md section 9: a version is validated when adopted and refused whole, naming the offending values."""
    assert list(problems(changes)) == [path]


@pytest.mark.parametrize("version", ["", "   ", "v" * 65, "2020\n01"])
def test_a_version_name_that_is_empty_too_long_or_unprintable_is_refused(version: str) -> None:
    """rules.md section 9: versions are named; a name staff cannot read or type is refused."""
    assert list(problems({}, version=version)) == ["version"]


def test_every_bad_value_of_a_version_is_named_at_once() -> None:
    """rules.md section 9: refused whole (`invalid_policy`, with the offending values in the details)."""
    with pytest.raises(InvalidPolicy) as caught:
        changed_policy(FAQ_ERA, "", NEW_DAY, {
            "late_fee": "x", "proof_days": 0, "conversions": {"ACE": 2}, "unknown_key": 1,
            "certifications": {"CPT": {"renewal_fee": -1, "level": "one"}},
            "categories": {"teaching": {"amount": "lots"}}, "reminders": {"grace_ends": [30, -7]}})
    invalid = caught.value
    assert set(invalid.problems) == {"version", "late_fee", "proof_days", "conversions.ACE", "unknown_key",
                                     "certifications.CPT.renewal_fee", "certifications.CPT.level",
                                     "categories.teaching.amount", "reminders.grace_ends.1"}
    assert (invalid.code, invalid.details) == ("invalid_policy", {"problems": invalid.problems})
    assert invalid.message.startswith("9 policy values are not valid: ")


def test_changes_that_are_not_an_object_are_refused() -> None:
    """rules.md section 9: a version states the values that change, in the published shape."""
    assert list(problems(["late_fee", 75])) == ["values"]
