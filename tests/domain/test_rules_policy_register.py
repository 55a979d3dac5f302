"""rules.md section 9: policy versions are recorded facts. The register aggregate is driven
directly, in memory, with explicit recorded times; no store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import InvalidCommand, InvalidPolicy, PolicyVersionNotFound, RuleViolation
from domain.policy import DEFAULT_POLICY, FAQ_ERA, Policy, PolicyBook, amended
from domain.policy_register import (
    POLICY_REGISTER_ID,
    PolicyRegister,
    PolicyRegisterOpened,
    PolicyVersionAdopted,
    PolicyVersionWithdrawn,
)

D = date.fromisoformat


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def stamp(day: str, key: str | None = None) -> dict[str, Any]:
    return {"timestamp": at(day), "idempotency_key": key, "request_hash": None}


def register() -> PolicyRegister:
    return PolicyRegister.open(**stamp("2019-01-01"))


def adopt(reg: PolicyRegister, version: str, effective_from: str, changes: dict[str, Any], recorded: str,
          built_in: PolicyBook = DEFAULT_POLICY) -> Policy:
    return reg.adopt(version, D(effective_from), changes, built_in, **stamp(recorded))


def late_fee(reg: PolicyRegister, on: str, known_at: str | None = None) -> Decimal:
    return reg.book(DEFAULT_POLICY, at(known_at) if known_at else None).in_force(D(on)).late_fee


def test_the_register_is_one_per_store_with_stable_topics() -> None:
    """rules.md section 9: an adoption is recorded in the store like any fact (stable names outlive the code)."""
    reg = register()
    assert reg.id == POLICY_REGISTER_ID
    assert [PolicyRegister.TOPIC, PolicyRegisterOpened.TOPIC, PolicyVersionAdopted.TOPIC,
            PolicyVersionWithdrawn.TOPIC] == ["policy:PolicyRegister", "policy:PolicyRegisterOpened",
                                              "policy:PolicyVersionAdopted", "policy:PolicyVersionWithdrawn"]


def test_an_empty_register_gives_the_built_in_book() -> None:
    """rules.md section 9: the FAQ-era version is built in and governs from the beginning of time."""
    book = register().book(DEFAULT_POLICY)
    assert [(p.version, p.effective_from) for p in book.versions] == [("2012-06-01", D("1900-01-01"))]


def test_an_adopted_version_governs_from_its_effective_date() -> None:
    """rules.md section 9: later versions are adopted by staff with an effective date."""
    reg = register()
    adopted = adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    assert (adopted.version, str(adopted.late_fee)) == ("2020-01-01", "75.00")
    assert (late_fee(reg, "2019-12-31"), late_fee(reg, "2020-01-01")) == (25, 75)


def test_an_adoption_is_recorded_with_its_validated_changes_and_recorded_time() -> None:
    """rules.md section 9: an adoption is recorded in the store with its recorded time like any fact."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75, "conversions": {"ace": 1}}, "2021-05-01")
    fact = reg.facts[-1]
    assert isinstance(fact, PolicyVersionAdopted)
    assert (fact.version, fact.effective_from, fact.timestamp) == ("2020-01-01", D("2020-01-01"), at("2021-05-01"))
    assert json.loads(json.dumps(fact.changes)) == {"late_fee": "75.00", "conversions": {"ACE": "1"}}


def test_a_register_rebuilt_from_its_recorded_facts_gives_the_same_book() -> None:
    """rules.md section 9: the versions are facts, so the book follows from them alone."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    reg.withdraw("2020-01-01", "typo", **stamp("2021-06-01"))
    adopt(reg, "2020-01-02", "2020-01-01", {"late_fee": 70}, "2021-06-02")
    rebuilt: Any = None
    for event in reg.collect_events():
        rebuilt = event.mutate(rebuilt)
    assert rebuilt.book(DEFAULT_POLICY).versions == reg.book(DEFAULT_POLICY).versions


def test_an_invalid_version_is_refused_whole_and_records_nothing() -> None:
    """rules.md section 9: a version is validated when adopted and refused whole (`invalid_policy`)."""
    reg = register()
    with pytest.raises(InvalidPolicy) as caught:
        adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": -1, "proof_days": 0}, "2021-05-01")
    assert set(caught.value.problems) == {"late_fee", "proof_days"}
    assert len(reg.facts) == 1


def test_a_version_cannot_take_effect_before_the_built_in_one() -> None:
    """rules.md section 9: the FAQ-era version governs from the beginning of time."""
    with pytest.raises(InvalidPolicy) as caught:
        adopt(register(), "old", "1899-12-31", {"late_fee": "x"}, "2021-05-01")
    assert set(caught.value.problems) == {"effective_from", "late_fee"}


# --- names are never reused -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["2012-06-01", "2020-01-01", "withdrawn"])
def test_a_version_name_already_built_in_adopted_or_withdrawn_is_refused(name: str) -> None:
    """rules.md section 9: versions are never edited (http-api.md: 409 `version_exists`)."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    adopt(reg, "withdrawn", "2021-01-01", {}, "2021-05-02")
    reg.withdraw("withdrawn", "in error", **stamp("2021-05-03"))
    with pytest.raises(RuleViolation) as caught:
        adopt(reg, name, "2024-01-01", {"late_fee": 80}, "2021-06-01")
    assert caught.value.code == "version_exists"


# --- what was known when ------------------------------------------------------------------------


def test_the_book_as_known_before_an_adoption_does_not_use_it() -> None:
    """rules.md section 9: "as known at T" never uses a version adopted after T."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    assert late_fee(reg, "2020-06-01", known_at="2021-04-30T23:59:59") == 25
    assert late_fee(reg, "2020-06-01", known_at="2021-05-01") == 75


def test_a_version_carries_over_the_values_of_the_version_in_force_the_day_before() -> None:
    """rules.md section 9: every other value carries over from the version in force the day before it takes effect."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    fees = adopt(reg, "2022-01-01", "2022-01-01", {"certifications": {"CPT": {"renewal_fee": 50}}}, "2021-05-02")
    assert (str(fees.late_fee), str(fees.certifications["CPT"].renewal_fee)) == ("75.00", "50.00")


def test_a_version_adopted_later_with_an_earlier_date_changes_what_later_versions_carry_over() -> None:
    """rules.md section 9: a version adopted with a past effective date is a retroactive change, from its adoption."""
    reg = register()
    adopt(reg, "2022-01-01", "2022-01-01", {"certifications": {"CPT": {"renewal_fee": 50}}}, "2021-05-01")
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-06-01")
    assert late_fee(reg, "2023-01-01", known_at="2021-05-31") == 25
    assert late_fee(reg, "2023-01-01") == 75
    assert reg.book(DEFAULT_POLICY).in_force(D("2023-01-01")).certifications["CPT"].renewal_fee == 50


def test_of_two_versions_of_one_effective_date_the_later_adopted_governs() -> None:
    """rules.md section 9: of two versions with the same effective date, the later adopted governs."""
    reg = register()
    adopt(reg, "b-first", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    adopt(reg, "a-second", "2020-01-01", {"grace_months": 3}, "2021-05-02")
    in_force = reg.book(DEFAULT_POLICY).in_force(D("2020-01-01"))
    assert (in_force.version, in_force.late_fee, in_force.grace_months) == ("a-second", 25, 3)
    assert reg.book(DEFAULT_POLICY, at("2021-05-01")).in_force(D("2020-01-01")).version == "b-first"


def test_a_version_adopted_on_the_date_of_a_built_in_one_governs_from_then() -> None:
    """rules.md section 9: of two versions with the same effective date, the later adopted governs."""
    built_in = PolicyBook((FAQ_ERA, amended(FAQ_ERA, "built-2020", D("2020-01-01"), late_fee=Decimal(60))))
    reg = register()
    adopt(reg, "adopted-2020", "2020-01-01", {"grace_months": 3}, "2021-05-01", built_in)
    in_force = reg.book(built_in).in_force(D("2020-01-01"))
    assert (in_force.version, in_force.late_fee, in_force.grace_months) == ("adopted-2020", 25, 3)


def test_the_book_is_built_once_for_the_facts_known() -> None:
    """Decision: the service asks for the book on every command and answer, so it is built once per fact count."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    first = reg.book(DEFAULT_POLICY)
    assert reg.book(DEFAULT_POLICY) is first
    assert reg.book(DEFAULT_POLICY, at("2030-01-01")) is first
    adopt(reg, "2022-01-01", "2022-01-01", {"late_fee": 80}, "2021-05-02")
    assert reg.book(DEFAULT_POLICY) is not first


# --- withdrawal ---------------------------------------------------------------------------------


def test_a_withdrawn_version_governs_nothing_from_its_withdrawal_on() -> None:
    """rules.md section 9: a version adopted in error is withdrawn (`PolicyVersionWithdrawn`)."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    reg.withdraw("2020-01-01", "adopted in error", **stamp("2021-06-01"))
    assert late_fee(reg, "2020-06-01") == 25
    assert late_fee(reg, "2020-06-01", known_at="2021-05-31") == 75


def test_a_later_version_carries_over_from_what_stands_once_one_before_it_is_withdrawn() -> None:
    """rules.md section 9: values carry over from the version in force the day before, among those known."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    adopt(reg, "2022-01-01", "2022-01-01", {"grace_months": 3}, "2021-05-02")
    reg.withdraw("2020-01-01", "adopted in error", **stamp("2021-06-01"))
    assert late_fee(reg, "2022-06-01") == 25


def test_a_built_in_version_cannot_be_withdrawn() -> None:
    """rules.md section 9 (http-api.md Corrections): the refusal `not_withdrawable`."""
    with pytest.raises(RuleViolation) as caught:
        register().withdraw("2012-06-01", "no", **stamp("2021-06-01"))
    assert caught.value.code == "not_withdrawable"


def test_a_version_already_withdrawn_cannot_be_withdrawn_again() -> None:
    """rules.md section 9 (http-api.md Corrections): the refusal `already_withdrawn`."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    reg.withdraw("2020-01-01", "in error", **stamp("2021-06-01"))
    with pytest.raises(RuleViolation) as caught:
        reg.withdraw("2020-01-01", "again", **stamp("2021-06-02"))
    assert caught.value.code == "already_withdrawn"


def test_withdrawing_a_version_never_adopted_names_it_as_not_found() -> None:
    """rules.md section 9: only an adopted version can be withdrawn."""
    with pytest.raises(PolicyVersionNotFound) as caught:
        register().withdraw("2099-01-01", "no", **stamp("2021-06-01"))
    assert (caught.value.code, caught.value.details) == ("policy_version_not_found", {"version": "2099-01-01"})


def test_a_withdrawal_needs_its_reason() -> None:
    """rules.md section 8: a fact recorded in error is withdrawn by a new fact that gives a reason."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    with pytest.raises(InvalidCommand) as caught:
        reg.withdraw("2020-01-01", "  ", **stamp("2021-06-01"))
    assert (caught.value.code, caught.value.details) == ("missing_field", {"field": "reason"})


# --- the listing --------------------------------------------------------------------------------


def test_the_listing_shows_every_version_known_in_effective_then_adoption_order() -> None:
    """http-api.md Policy: every version, withdrawn ones too with their `withdrawn_at`, as known at `known_at`."""
    reg = register()
    adopt(reg, "2022-01-01", "2022-01-01", {"late_fee": 80}, "2021-05-01")
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-02")
    adopt(reg, "2020-01-01b", "2020-01-01", {"late_fee": 70}, "2021-05-03")
    reg.withdraw("2020-01-01", "typo", **stamp("2021-05-04"))
    adopt(reg, "2023-01-01", "2023-01-01", {}, "2021-05-05")
    listing = reg.listing(DEFAULT_POLICY, at("2021-05-04"))
    assert [(r.version, r.adopted_at, r.withdrawn_at, r.withdrawal_reason) for r in listing] == [
        ("2012-06-01", None, None, None),
        ("2020-01-01", at("2021-05-02"), at("2021-05-04"), "typo"),
        ("2020-01-01b", at("2021-05-03"), None, None),
        ("2022-01-01", at("2021-05-01"), None, None),
    ]


def test_each_listed_version_carries_its_whole_book_and_a_withdrawn_one_as_it_stood() -> None:
    """http-api.md Policy: each version's values are the whole book in force from its effective date."""
    reg = register()
    adopt(reg, "2020-01-01", "2020-01-01", {"late_fee": 75}, "2021-05-01")
    adopt(reg, "2022-01-01", "2022-01-01", {"grace_months": 3}, "2021-05-02")
    reg.withdraw("2020-01-01", "typo", **stamp("2021-06-01"))
    listed = {r.version: r.policy for r in reg.listing(DEFAULT_POLICY)}
    assert (listed["2020-01-01"].late_fee, listed["2020-01-01"].grace_months) == (75, 6)
    assert (listed["2022-01-01"].late_fee, listed["2022-01-01"].grace_months) == (25, 3)
    before = {r.version: r.policy for r in reg.listing(DEFAULT_POLICY, at("2021-05-31"))}
    assert before["2022-01-01"].late_fee == 75


def test_the_built_in_listing_has_the_built_in_versions_only() -> None:
    """rules.md section 9: the FAQ-era version (`2012-06-01`) is built in and governs from the beginning of time."""
    (only,) = PolicyRegister.built_in_listing(DEFAULT_POLICY)
    assert (only.version, only.effective_from, only.adopted_at, only.policy) == (
        "2012-06-01", D("1900-01-01"), None, FAQ_ERA)


def test_the_listing_names_who_adopted_a_version_and_who_withdrew_it() -> None:
    """Accountability (http-api.md 1.1): a policy version is a recorded fact like any other, so
    staff can see which token's holder adopted it and which withdrew it."""
    reg = register()
    reg.adopt("2020-01-01", D("2020-01-01"), {"late_fee": "75.00"}, DEFAULT_POLICY,
              **stamp("2019-12-01"), recorded_by="ana")
    reg.adopt("2021-01-01", D("2021-01-01"), {"late_fee": "80.00"}, DEFAULT_POLICY, **stamp("2020-12-01"))
    reg.withdraw("2020-01-01", "adopted in error", DEFAULT_POLICY, **stamp("2021-06-01"), recorded_by="ben")
    listed = {record.version: record for record in reg.listing(DEFAULT_POLICY)}
    assert (listed["2020-01-01"].adopted_by, listed["2020-01-01"].withdrawn_by) == ("ana", "ben")
    assert (listed["2021-01-01"].adopted_by, listed["2021-01-01"].withdrawn_by) == (None, None)
    assert listed[DEFAULT_POLICY.versions[0].version].adopted_by is None  # built in
