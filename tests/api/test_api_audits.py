"""The audit endpoints: selecting one member, reviewing documentation, the yearly draw."""

from __future__ import annotations

import pytest
from api_support import Api, api_on, refused


@pytest.fixture
def api(make_service) -> Api:
    return api_on(make_service())


def test_selecting_a_member_answers_the_status_with_the_audit(api: Api) -> None:
    api.renewed_member("m-1", "2025-06-01")
    document = api.ok(api.post("/members/m-1/audits", {"selected_on": "2026-03-01"}, role="auditor"))
    assert document["audit"]["selected_on"] == "2026-03-01"
    assert document["audit"]["proof_due_on"] == "2026-03-31"
    assert document["audit"]["state"] == "proof_overdue"  # answered as of today, 2026-11-28
    during = api.ok(api.get("/members/m-1/status", on="2026-03-31"), 200)
    assert (during["status"], during["audit"]["state"]) == ("active", "awaiting_proof")


def test_documentation_with_rejections_sets_a_replacement_date(api: Api) -> None:
    api.renewed_member("m-1", "2025-06-01")
    api.ok(api.post("/members/m-1/audits", {"selected_on": "2026-03-01"}, role="auditor"))
    history = api.ok(api.get("/members/m-1/history"), 200)["events"]
    first_claim = next(e["data"]["activity_id"] for e in history if e["type"] == "ActivityClaimed")
    body = {"received_on": "2026-03-20", "rejected": [{"activity_id": first_claim, "reason": "no member name"}]}
    api.ok(api.post("/members/m-1/audits/current/documentation", body, role="auditor"))
    on_review = api.ok(api.get("/members/m-1/status", on="2026-03-20"), 200)
    assert on_review["audit"]["state"] == "replacement_due"
    assert on_review["audit"]["replace_by"] == "2026-06-18"
    assert on_review["audit"]["proven_cecs"] == 30
    types = [e["type"] for e in api.ok(api.get("/members/m-1/history"), 200)["events"]]
    assert types[-2:] == ["DocumentationRejected", "AuditReviewed"]


def test_late_short_documentation_with_a_replacement_date_answers_422_replace_by_not_applicable(api: Api) -> None:
    """rules.md section 5, Decision (late documentation that is short): a `replace_by` sent with it is refused."""
    api.renewed_member("m-1", "2025-06-01")
    api.ok(api.post("/members/m-1/audits", {"selected_on": "2026-03-01"}, role="auditor"))
    history = api.ok(api.get("/members/m-1/history"), 200)["events"]
    first_claim = next(e["data"]["activity_id"] for e in history if e["type"] == "ActivityClaimed")
    body = {"received_on": "2026-05-01", "rejected": [{"activity_id": first_claim, "reason": "no member name"}],
            "replace_by": "2026-09-01"}
    refused(api.post("/members/m-1/audits/current/documentation", body, role="auditor"), 422,
            "replace_by_not_applicable")
    assert len(api.ok(api.get("/members/m-1/history"), 200)["events"]) == len(history)


def test_documentation_without_rejections_passes_the_audit(api: Api) -> None:
    api.renewed_member("m-1", "2025-06-01")
    api.ok(api.post("/members/m-1/audits", {"selected_on": "2026-03-01"}))
    document = api.ok(api.post("/members/m-1/audits/current/documentation",
                               {"received_on": "2026-03-20", "rejected": []}))
    assert document["audit"]["state"] == "passed"
    assert document["status"] == "active"


def test_selecting_without_last_years_renewal_answers_422(api: Api) -> None:
    api.certify("m-1", "CPT", "2024-03-01")
    refused(api.post("/members/m-1/audits", {"selected_on": "2026-03-01"}), 422, "no_renewal_to_audit")


def test_documentation_with_no_open_audit_answers_422(api: Api) -> None:
    api.renewed_member("m-1", "2025-06-01")
    refused(api.post("/members/m-1/audits/current/documentation", {"received_on": "2026-03-20", "rejected": []}),
            422, "no_open_audit")


@pytest.mark.parametrize("body", [
    {"received_on": "2026-03-20"},
    {"received_on": "2026-03-20", "rejected": [{"activity_id": "a"}]},
    {"received_on": "2026-03-20", "rejected": [{"activity_id": "a", "reason": "r", "extra": 1}]},
    {"received_on": "2026-03-20", "rejected": "all of them"},
])
def test_malformed_documentation_answers_400(api: Api, body: dict) -> None:
    api.renewed_member("m-1", "2025-06-01")
    refused(api.post("/members/m-1/audits/current/documentation", body), 400, "invalid_input")


def test_the_yearly_draw_selects_per_level_and_a_repeated_key_answers_the_same(api: Api) -> None:
    for member in ("m-1", "m-2", "m-3"):
        api.renewed_member(member, "2025-06-01")
    api.certify("m-4", "CPT", "2024-03-01")  # no renewal in 2025: not a candidate
    body = {"renewal_year": 2025, "rate": 0.5, "seed": "2026-draw", "selected_on": "2026-02-01"}
    first = api.post("/audits/selections", body, role="auditor", key="draw-2026")
    drawn = api.ok(first)
    assert drawn["levels"] == [{"level": "1", "candidates": 3, "selected": drawn["selected"]}]
    assert len(drawn["selected"]) == 2
    assert drawn["recorded"] == 2
    assert drawn["rate"] == 0.5
    again = api.post("/audits/selections", body, role="auditor", key="draw-2026")
    assert (again.status_code, again.get_json()) == (201, drawn)
    without_key = api.ok(api.post("/audits/selections", body, role="auditor"))
    assert without_key["selected"] == drawn["selected"]
    assert without_key["recorded"] == 0
    for member in drawn["selected"]:
        audits = [e for e in api.ok(api.get(f"/members/{member}/history"), 200)["events"]
                  if e["type"] == "AuditSelected"]
        assert len(audits) == 1
        assert audits[0]["data"]["seed"] == "2026-draw"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"renewal_year": 2025, "rate": 1.5, "seed": "s"}, 400, "invalid_input"),
    ({"renewal_year": 2025, "rate": "half", "seed": "s"}, 400, "invalid_input"),
    ({"renewal_year": "2025", "rate": 0.1, "seed": "s"}, 400, "invalid_input"),
    ({"renewal_year": 2025, "rate": 0.1}, 400, "invalid_input"),
    ({"renewal_year": 2024, "rate": 0.1, "seed": "s", "selected_on": "2026-02-01"}, 422, "selection_year_mismatch"),
])
def test_a_bad_draw_is_refused(api: Api, body: dict, status: int, code: str) -> None:
    refused(api.post("/audits/selections", body), status, code)


def test_a_draw_defaults_to_today(api: Api) -> None:
    drawn = api.ok(api.post("/audits/selections", {"renewal_year": 2025, "rate": 0.1, "seed": "s"}))
    assert drawn["selected_on"] == "2026-11-28"
    assert drawn["selected"] == []


def test_an_integer_seed_draws_as_its_decimal_string(api: Api) -> None:
    """http-api.md, POST /audits/selections: `seed` is a string or an integer; an integer means its decimal
    string."""
    for member in ("m-1", "m-2", "m-3"):
        api.renewed_member(member, "2025-06-01")
    body = {"renewal_year": 2025, "rate": 0.5, "seed": 7, "selected_on": "2026-02-01"}
    drawn = api.ok(api.post("/audits/selections", body, role="auditor"))
    assert drawn["seed"] == "7"
    assert drawn["recorded"] == len(drawn["selected"]) == 2
    as_string = api.ok(api.post("/audits/selections", {**body, "seed": "7"}, role="auditor"))
    assert (as_string["selected"], as_string["recorded"]) == (drawn["selected"], 0)
    for member in drawn["selected"]:
        audits = [e for e in api.ok(api.get(f"/members/{member}/history"), 200)["events"]
                  if e["type"] == "AuditSelected"]
        assert [a["data"]["seed"] for a in audits] == ["7"]


@pytest.mark.parametrize("seed", [True, False, 1.5, None, "", [7], {"seed": 7}])
def test_a_seed_that_is_neither_a_string_nor_an_integer_is_refused(api: Api, seed: object) -> None:
    """http-api.md, POST /audits/selections: `seed` is a string or an integer (a boolean is neither)."""
    api.renewed_member("m-1", "2025-06-01")
    body = {"renewal_year": 2025, "rate": 1, "seed": seed, "selected_on": "2026-02-01"}
    refused(api.post("/audits/selections", body, role="auditor"), 400, "invalid_input")
    assert [e["type"] for e in api.ok(api.get("/members/m-1/history"), 200)["events"]].count("AuditSelected") == 0
