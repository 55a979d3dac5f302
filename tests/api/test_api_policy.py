"""The policy book over HTTP (rules.md section 9): GET /policy lists every version with every value,
as known at a time; staff adopt versions (only the values that change) and withdraw them; every
refusal records nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_support import TOKENS, Api, api_on, refused

BUILT_IN = "2012-06-01"
# The values http-api.md 1.1 shows for every version (a version may list more).
CONTRACT_VALUES = {"certifications", "categories", "conversions", "teaching_cap_fraction", "cycle_years",
                   "grace_months", "late_fee", "extra_certification_fee", "proof_days", "replacement_days",
                   "audit_inactive_months", "self_test_valid_months", "reminders"}
NEW_FEE = {"certifications": {"CPT": {"renewal_fee": "50.00"}}}


@pytest.fixture
def api(make_service) -> Api:
    return api_on(make_service())


def with_45_cecs(api: Api, member: str = "m-1") -> None:
    """CPT certified 2022-03-01 (cycle to 2025-12-31), with the 45 CECs a renewal needs."""
    api.certify(member, "CPT", "2022-03-01")
    for day in ("2023-02-01", "2023-09-01", "2024-04-01"):
        api.workshop(member, day, 15)


def test_the_built_in_version_is_listed_with_every_value_and_no_adoption_time(api: Api) -> None:
    """rules.md section 9: the FAQ-era version is built in; staff can read every version and every value."""
    [built_in] = api.versions()
    assert (built_in["version"], built_in["effective_from"]) == (BUILT_IN, "1900-01-01")
    assert (built_in["adopted_at"], built_in["withdrawn_at"]) == (None, None)
    assert set(built_in["values"]) >= CONTRACT_VALUES
    assert built_in["values"]["certifications"]["CPT"]["renewal_fee"] == "45.00"
    assert built_in["values"]["categories"]["cpr"]["accepted"] is False


def test_adopting_answers_201_with_the_whole_book_carried_over_values_included(api: Api) -> None:
    """rules.md section 9: a version states only the values that change; every other value carries over."""
    adopted = api.adopt("2020-01-01", "2020-01-01", {"late_fee": "30.00", **NEW_FEE})
    built_in = api.versions()[0]["values"]
    assert (adopted["version"], adopted["effective_from"], adopted["withdrawn_at"]) == (
        "2020-01-01", "2020-01-01", None)
    assert adopted["adopted_at"] is not None
    assert adopted["values"]["late_fee"] == "30.00"
    assert adopted["values"]["certifications"]["CPT"] == {**built_in["certifications"]["CPT"], "renewal_fee": "50.00"}
    assert adopted["values"]["grace_months"] == built_in["grace_months"]
    assert adopted["values"]["categories"] == built_in["categories"]
    assert adopted["changes"] == {"late_fee": "30.00", **NEW_FEE}


def test_an_adopted_version_is_listed_as_its_adoption_answered(api: Api) -> None:
    """rules.md section 9: an adoption is recorded in the store like any fact."""
    adopted = api.adopt("2020-01-01", "2020-01-01", NEW_FEE)
    assert [v["version"] for v in api.versions(role="reporter")] == [BUILT_IN, "2020-01-01"]
    assert api.versions()[1] == adopted


def test_a_renewal_is_charged_the_fee_of_the_version_in_force_on_its_submission_date(api: Api) -> None:
    """rules.md section 9: a renewal's fees follow the version in force on its submission date."""
    with_45_cecs(api)
    api.adopt("2025-01-01", "2025-01-01", NEW_FEE)
    status = api.ok(api.get("/members/m-1/status", on="2025-06-01"), 200)
    assert (status["renewal_fee"], status["policy_version"]) == ("50.00", "2025-01-01")
    api.ok(api.post("/members/m-1/renewals", {"submitted_on": "2025-06-01"}))
    renewal = next(e for e in api.events("m-1") if e["type"] == "RenewalSubmitted")
    assert renewal["data"]["fee_due"] == "50.00"


def test_as_known_before_an_adoption_the_version_is_not_listed_nor_used(api: Api) -> None:
    """rules.md section 9: "as known at T" never uses a version adopted after T."""
    with_45_cecs(api)
    before = api.ok(api.get("/members/m-1/status", on="2025-06-01"), 200)
    api.adopt("2025-01-01", "2025-01-01", NEW_FEE)
    assert [v["version"] for v in api.versions(known_at=before["known_at"])] == [BUILT_IN]
    known_then = api.ok(api.get("/members/m-1/status", on="2025-06-01", known_at=before["known_at"]), 200)
    assert (known_then["renewal_fee"], known_then["policy_version"]) == ("45.00", BUILT_IN)


def test_a_withdrawn_version_stays_listed_with_its_withdrawal_and_governs_nothing(api: Api) -> None:
    """rules.md section 9: a version adopted in error is withdrawn; http-api.md 1.1: it stays listed."""
    with_45_cecs(api)
    api.adopt("2025-01-01", "2025-01-01", NEW_FEE)
    answer = api.ok(api.post("/policy/versions/2025-01-01/withdrawal", {"reason": "the board did not vote it"}), 200)
    assert answer["withdrawn_at"] is not None
    assert answer["withdrawal_reason"] == "the board did not vote it"
    assert api.versions()[1] == answer
    status = api.ok(api.get("/members/m-1/status", on="2025-06-01"), 200)
    assert (status["renewal_fee"], status["policy_version"]) == ("45.00", BUILT_IN)


def test_an_invalid_version_answers_422_naming_every_bad_value_and_records_nothing(api: Api) -> None:
    """rules.md section 9: a version is refused whole (`invalid_policy`, the offending values in the details)."""
    error = refused(api.post("/policy/versions", {"version": "2020-01-01", "effective_from": "2020-01-01", "values": {
        "late_fee": "-1", "grace_months": 0, "teaching_cap_fraction": "1.5",
        "certifications": {"CPT": {"renewal_fee": "lots"}, "NOPE": {"renewal_fee": "1"}},
    }}), 422, "invalid_policy")
    assert set(error["details"]["problems"]) == {"late_fee", "grace_months", "teaching_cap_fraction",
                                                 "certifications.CPT.renewal_fee", "certifications.NOPE"}
    assert [v["version"] for v in api.versions()] == [BUILT_IN]


@pytest.mark.parametrize("name", ["with space", "a/b", "-leading-dash", "v" * 65, "caf\u00e9"])
def test_a_version_name_that_cannot_be_a_path_segment_answers_422_and_records_nothing(api: Api, name: str) -> None:
    """rules.md section 9: a version is validated when adopted; its name is a segment of its withdrawal's URL."""
    body = {"version": name, "effective_from": "2020-01-01", "values": NEW_FEE}
    error = refused(api.post("/policy/versions", body), 422, "invalid_policy")
    assert list(error["details"]["problems"]) == ["version"]
    assert [v["version"] for v in api.versions()] == [BUILT_IN]


@pytest.mark.parametrize("version", ["2020-01-01", BUILT_IN])
def test_a_version_name_taken_answers_409_version_exists_and_records_nothing(api: Api, version: str) -> None:
    """rules.md section 9: versions are never edited."""
    api.adopt("2020-01-01", "2020-01-01", NEW_FEE)
    listed = api.versions()
    body = {"version": version, "effective_from": "2021-01-01", "values": {"late_fee": "1.00"}}
    refused(api.post("/policy/versions", body), 409, "version_exists")
    assert api.versions() == listed


@pytest.mark.parametrize("body", [
    [], "2020-01-01", None,
    {"effective_from": "2020-01-01", "values": {}},
    {"version": "2020-01-01", "values": {}},
    {"version": "2020-01-01", "effective_from": "2020-01-01"},
    {"version": "2020-01-01", "effective_from": "01/01/2020", "values": {}},
    {"version": "2020-01-01", "effective_from": "2020-02-30", "values": {}},
    {"version": 2020, "effective_from": "2020-01-01", "values": {}},
    {"version": "2020-01-01", "effective_from": "2020-01-01", "values": ["late_fee"]},
    {"version": "2020-01-01", "effective_from": "2020-01-01", "values": {}, "note": "unknown field"},
    {"version": "2020-01-01", "effective_from": "2020-01-01",
     "values": {"certifications": {"CPT": {"name": "\ud800"}}}},
])
def test_a_malformed_adoption_answers_400_and_records_nothing(api: Api, body: Any) -> None:
    """http-api.md, Errors: a body that does not match the contract (not an object, a missing field, a bad date) is
    a 400."""
    response = api.client.post("/policy/versions", data=json.dumps(body), content_type="application/json",
                               headers={"Authorization": f"Bearer {TOKENS['staff']}"})
    refused(response, 400, "invalid_input")
    assert [v["version"] for v in api.versions()] == [BUILT_IN]


def test_values_nested_deeper_than_any_policy_value_answer_400_and_record_nothing(api: Api) -> None:
    """http-api.md, Errors: no input gets a server error; absurd nesting is refused before it is read."""
    deep: dict[str, Any] = {}
    for _ in range(500):
        deep = {"x": deep}
    body = {"version": "2020-01-01", "effective_from": "2020-01-01", "values": deep}
    error = refused(api.post("/policy/versions", body), 400, "invalid_input")
    assert "values" in error["details"]
    assert [v["version"] for v in api.versions()] == [BUILT_IN]


def test_withdrawing_an_unknown_version_answers_404_and_records_nothing(api: Api) -> None:
    """http-api.md 1.1: 404 `policy_version_not_found`."""
    refused(api.post("/policy/versions/2030-01-01/withdrawal", {"reason": "x"}), 404, "policy_version_not_found")
    assert [v["version"] for v in api.versions()] == [BUILT_IN]


def test_withdrawing_the_built_in_version_answers_422_not_withdrawable_and_records_nothing(api: Api) -> None:
    """rules.md section 9: the FAQ-era version is built in and governs from the beginning of time."""
    refused(api.post(f"/policy/versions/{BUILT_IN}/withdrawal", {"reason": "x"}), 422, "not_withdrawable")
    assert api.versions()[0]["withdrawn_at"] is None


def test_withdrawing_a_version_twice_answers_422_already_withdrawn_and_records_nothing(api: Api) -> None:
    """rules.md section 9: a version is withdrawn once."""
    api.adopt("2020-01-01", "2020-01-01", NEW_FEE)
    api.ok(api.post("/policy/versions/2020-01-01/withdrawal", {"reason": "in error"}), 200)
    listed = api.versions()
    refused(api.post("/policy/versions/2020-01-01/withdrawal", {"reason": "again"}), 422, "already_withdrawn")
    assert api.versions() == listed


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x", "note": "unknown field"}])
def test_a_malformed_version_withdrawal_answers_400_and_records_nothing(api: Api, body: dict[str, Any]) -> None:
    """http-api.md, Errors: a body that does not match the contract is a 400."""
    api.adopt("2020-01-01", "2020-01-01", NEW_FEE)
    listed = api.versions()
    refused(api.post("/policy/versions/2020-01-01/withdrawal", body), 400, "invalid_input")
    assert api.versions() == listed


def test_a_repeated_adoption_key_answers_the_version_and_records_nothing_new(api: Api) -> None:
    """Decision (HTTP contract): an Idempotency-Key names one command; a repeat records nothing."""
    body = {"version": "2020-01-01", "effective_from": "2020-01-01", "values": NEW_FEE}
    first = api.ok(api.post("/policy/versions", body, key="adopt-1"))
    again = api.ok(api.post("/policy/versions", body, key="adopt-1"))
    assert again == first
    assert [v["version"] for v in api.versions()] == [BUILT_IN, "2020-01-01"]


def test_an_adoption_key_reused_for_another_version_answers_422_and_records_nothing(api: Api) -> None:
    """Decision (HTTP contract): a key names one command; reusing it for another is an error."""
    api.ok(api.post("/policy/versions", {"version": "2020-01-01", "effective_from": "2020-01-01",
                                         "values": NEW_FEE}, key="adopt-1"))
    other = {"version": "2021-01-01", "effective_from": "2021-01-01", "values": NEW_FEE}
    refused(api.post("/policy/versions", other, key="adopt-1"), 422, "idempotency_key_reused")
    assert [v["version"] for v in api.versions()] == [BUILT_IN, "2020-01-01"]


@pytest.mark.parametrize("query", [{"known_at": "2023-01-01T10:00:00"}, {"known_at": "yesterday"},
                                   {"on": "2023-01-01"}])
def test_a_bad_policy_query_answers_400(api: Api, query: dict[str, str]) -> None:
    """http-api.md 1.1: `?known_at=` is an ISO time, parsed as status' `known_at` is."""
    refused(api.get("/policy", **query), 400, "invalid_input")
