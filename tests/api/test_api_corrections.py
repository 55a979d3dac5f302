"""Corrections over HTTP (rules.md section 8): withdrawing a fact recorded in error and amending
an activity claim, each answered exactly on both time axes, and every refusal recording nothing."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Api, api_on, refused

TODAY = "2026-11-28"  # the test clock's day


@pytest.fixture
def api(make_service) -> Api:
    api = api_on(make_service())
    api.certify("m-1", "CPT", "2022-03-01")
    api.workshop("m-1", "2023-02-01", 20)
    api.workshop("m-1", "2024-01-10", 10)
    return api


def withdraw(api: Api, fact_id: str, **extra: Any) -> Any:
    return api.post("/members/m-1/withdrawals", {"fact_id": fact_id, "reason": "entered on the wrong member",
                                                 **extra})


def amend(api: Api, activity_id: str, **claim: Any) -> Any:
    body = {"category": "acsm_workshop", "title": "Workshop", "completed_on": "2023-02-01", "hours": 3,
            "reason": "30 hours typed for 3", **claim}
    return api.post(f"/members/m-1/activities/{activity_id}/amendments", body)


def first_claim(api: Api) -> dict[str, Any]:
    return next(e for e in api.events("m-1") if e["type"] == "ActivityClaimed")


def test_a_withdrawal_answers_201_with_the_status_without_the_fact(api: Api) -> None:
    """rules.md section 8: a withdrawn fact is void, as known from the withdrawal on."""
    document = api.ok(withdraw(api, first_claim(api)["fact_id"]))
    assert document["member_id"] == "m-1"
    assert document["on"] == TODAY
    assert document["cycle"]["claimed_cecs"] == 10
    assert document["policy_version"] == "2012-06-01"


def test_status_known_before_the_withdrawal_is_unchanged_and_after_it_omits_the_fact(api: Api) -> None:
    """rules.md section 8: with T before the withdrawal, exactly as before; with T after, as if never recorded."""
    before = api.ok(api.get("/members/m-1/status", on="2024-06-01"), 200)
    withdrawal = api.ok(withdraw(api, first_claim(api)["fact_id"]))
    known_before = api.ok(api.get("/members/m-1/status", on="2024-06-01", known_at=before["known_at"]), 200)
    known_after = api.ok(api.get("/members/m-1/status", on="2024-06-01", known_at=withdrawal["known_at"]), 200)
    assert known_before["cycle"]["counted_cecs"] == before["cycle"]["counted_cecs"] == 30
    assert known_after["cycle"]["counted_cecs"] == 10


def test_history_marks_the_withdrawn_fact_with_the_withdrawal_s_fact_id(api: Api) -> None:
    """http-api.md 1.1: every history event has its `fact_id` and `withdrawn_by`."""
    claim = first_claim(api)
    withdraw(api, claim["fact_id"])
    events = {e["fact_id"]: e for e in api.events("m-1")}
    withdrawal = next(e for e in events.values() if e["type"] == "FactWithdrawn")
    assert events[claim["fact_id"]]["withdrawn_by"] == withdrawal["fact_id"]
    assert withdrawal["withdrawn_by"] is None
    assert withdrawal["data"] == {"withdrawn_fact_id": claim["fact_id"], "reason": "entered on the wrong member",
                                  "replace_by": None}
    assert len(events) == len(set(events)) == 4


def test_a_withdrawal_decided_earlier_is_dated_on_its_decision_day(api: Api) -> None:
    """rules.md section 8: `decided_on` is the day recorded unless staff give an earlier one."""
    api.ok(withdraw(api, first_claim(api)["fact_id"], decided_on="2026-11-01"))
    withdrawal = next(e for e in api.events("m-1") if e["type"] == "FactWithdrawn")
    assert withdrawal["effective_on"] == "2026-11-01"


def test_a_withdrawal_leaving_a_renewed_cycle_short_opens_replacement_by_the_day_staff_set(make_service) -> None:
    """rules.md section 8, Decision (a correction that leaves a renewed cycle short): replacement CECs are due on
    the `replace_by` staff set."""
    api = api_on(make_service())
    api.renewed_member("m-2", "2025-06-01")
    claim = api.fact_id("m-2", "ActivityClaimed")
    document = api.ok(api.post("/members/m-2/withdrawals", {"fact_id": claim, "reason": "duplicate",
                                                            "replace_by": "2027-01-31"}))
    assert document["audit"]["state"] == "replacement_due"
    assert document["audit"]["replace_by"] == "2027-01-31"
    assert document["status"] == "active"


def test_withdrawing_for_an_unknown_member_answers_404(api: Api) -> None:
    """http-api.md 1.1, Corrections: 404 unknown member."""
    refused(api.post("/members/nobody/withdrawals", {"fact_id": "2", "reason": "x"}), 404, "member_not_found")


def test_withdrawing_an_unknown_fact_answers_422_unknown_fact_and_records_nothing(api: Api) -> None:
    """rules.md section 8, Refusals: `unknown_fact`."""
    recorded = api.events("m-1")
    refused(withdraw(api, "999"), 422, "unknown_fact")
    assert api.events("m-1") == recorded


def test_withdrawing_a_fact_twice_answers_422_already_withdrawn_and_records_nothing(api: Api) -> None:
    """rules.md section 8, Refusals: `already_withdrawn`."""
    claim = first_claim(api)["fact_id"]
    api.ok(withdraw(api, claim))
    recorded = api.events("m-1")
    refused(withdraw(api, claim), 422, "already_withdrawn")
    assert api.events("m-1") == recorded


def test_withdrawing_a_withdrawal_answers_422_not_withdrawable_and_records_nothing(api: Api) -> None:
    """rules.md section 8: a withdrawal is not withdrawable (record the fact again instead)."""
    api.ok(withdraw(api, first_claim(api)["fact_id"]))
    recorded = api.events("m-1")
    refused(withdraw(api, api.fact_id("m-1", "FactWithdrawn")), 422, "not_withdrawable")
    assert api.events("m-1") == recorded


def test_a_withdrawal_decided_after_today_answers_422_future_date_and_records_nothing(api: Api) -> None:
    """http-api.md 1.1, Revisions: a correction's `decided_on` after today is refused with `future_date`."""
    recorded = api.events("m-1")
    refused(withdraw(api, first_claim(api)["fact_id"], decided_on="2026-11-29"), 422, "future_date")
    assert api.events("m-1") == recorded


@pytest.mark.parametrize("body", [{"reason": "x"}, {"fact_id": "2"}, {"fact_id": "2", "reason": ""},
                                  {"fact_id": "2", "reason": "x", "decided_on": "yesterday"},
                                  {"fact_id": "2", "reason": "x", "note": "unknown field"}])
def test_a_malformed_withdrawal_answers_400_and_records_nothing(api: Api, body: dict[str, Any]) -> None:
    """http-api.md, Errors: a body that does not match the contract is a 400."""
    recorded = api.events("m-1")
    refused(api.post("/members/m-1/withdrawals", body), 400, "invalid_input")
    assert api.events("m-1") == recorded


def test_an_amendment_answers_the_new_cecs_and_keeps_the_activity_id(api: Api) -> None:
    """rules.md section 8: the claim's content is replaced and its activity id kept."""
    claim = first_claim(api)
    answer = api.ok(amend(api, claim["data"]["activity_id"]))
    assert set(answer) == {"activity_id", "cecs_awarded", "status"}
    assert answer["activity_id"] == claim["data"]["activity_id"]
    assert answer["cecs_awarded"] == 3
    assert answer["status"]["cycle"]["claimed_cecs"] == 13


def test_history_marks_the_amended_claim_withdrawn_by_the_amendment(api: Api) -> None:
    """rules.md section 8: the history keeps both and marks the replaced content."""
    claim = first_claim(api)
    api.ok(amend(api, claim["data"]["activity_id"]))
    events = {e["fact_id"]: e for e in api.events("m-1")}
    amendment = next(e for e in events.values() if e["type"] == "ActivityAmended")
    assert events[claim["fact_id"]]["withdrawn_by"] == amendment["fact_id"]
    assert amendment["withdrawn_by"] is None
    assert amendment["effective_on"] == "2023-02-01"
    assert amendment["data"]["activity_id"] == claim["data"]["activity_id"]
    assert (amendment["data"]["reason"], amendment["data"]["decided_on"]) == ("30 hours typed for 3", TODAY)
    assert (amendment["data"]["hours"], amendment["data"]["cecs"]) == (3, 3)


def test_an_amendment_is_known_from_when_it_was_recorded(api: Api) -> None:
    """rules.md section 8: as known from the amendment, as if the claim had always had the new content."""
    before = api.ok(api.get("/members/m-1/status", on="2024-06-01"), 200)
    amended = api.ok(amend(api, first_claim(api)["data"]["activity_id"]))["status"]
    known_before = api.ok(api.get("/members/m-1/status", on="2024-06-01", known_at=before["known_at"]), 200)
    known_after = api.ok(api.get("/members/m-1/status", on="2024-06-01", known_at=amended["known_at"]), 200)
    assert (known_before["cycle"]["counted_cecs"], known_after["cycle"]["counted_cecs"]) == (30, 13)


def test_amending_an_unknown_activity_answers_404_activity_not_found_and_records_nothing(api: Api) -> None:
    """http-api.md 1.1, Corrections: 404 unknown activity."""
    recorded = api.events("m-1")
    refused(amend(api, "no-such-activity"), 404, "activity_not_found")
    assert api.events("m-1") == recorded


def test_amending_for_an_unknown_member_answers_404(api: Api) -> None:
    """http-api.md 1.1, Corrections: 404 unknown member."""
    refused(api.post("/members/nobody/activities/a-1/amendments", {
        "category": "acsm_workshop", "title": "W", "completed_on": "2023-02-01", "hours": 3, "reason": "x",
    }), 404, "member_not_found")


def test_amending_a_withdrawn_activity_answers_422_already_withdrawn_and_records_nothing(api: Api) -> None:
    """rules.md section 8, Refusals: `already_withdrawn`."""
    claim = first_claim(api)
    api.ok(withdraw(api, claim["fact_id"]))
    recorded = api.events("m-1")
    refused(amend(api, claim["data"]["activity_id"]), 422, "already_withdrawn")
    assert api.events("m-1") == recorded


@pytest.mark.parametrize(("claim", "code"), [
    ({"category": "college_course", "credit_hours": 3, "grade": "D", "evidence": "transcript", "hours": None},
     "grade_below_c"),
    ({"category": "cpr"}, "not_accepted_category"),
    ({"category": "bls"}, "not_accepted_category"),
    ({"evidence": "attendance_certificate"}, "attendance_certificate_refused"),
    ({"completed_on": "2026-11-29"}, "future_date"),
    ({"completed_on": "2021-05-01"}, "before_certification"),
])
def test_an_amendment_a_claim_would_be_refused_for_answers_its_code_and_records_nothing(
        api: Api, claim: dict[str, Any], code: str) -> None:
    """rules.md section 8: the amended claim is judged by every rule of section 3; a refused amendment changes
    nothing."""
    activity_id = first_claim(api)["data"]["activity_id"]
    recorded = api.events("m-1")
    refused(amend(api, activity_id, **claim), 422, code)
    assert api.events("m-1") == recorded


def test_an_amendment_without_a_reason_answers_400_and_records_nothing(api: Api) -> None:
    """http-api.md 1.1, Corrections: an amendment carries the whole claim and its `reason`."""
    activity_id = first_claim(api)["data"]["activity_id"]
    recorded = api.events("m-1")
    body = {"category": "acsm_workshop", "title": "W", "completed_on": "2023-02-01", "hours": 3}
    error = refused(api.post(f"/members/m-1/activities/{activity_id}/amendments", body), 400, "invalid_input")
    assert "reason" in error["details"]
    assert api.events("m-1") == recorded
