"""The member endpoints of the contract: commands, status and history, with each refusal."""

from __future__ import annotations

import json

import pytest
from api_support import TOKENS, Api, api_on, refused


@pytest.fixture
def api(make_service) -> Api:
    return api_on(make_service())


STATUS_FIELDS = {"member_id", "on", "known_at", "status", "certifications", "level", "cycle", "grace_ends_on",
                 "audit", "renewal_fee", "reason", "policy_version"}


def test_certifying_answers_201_with_the_status_document(api: Api) -> None:
    response = api.post("/members/m-1/certifications", {"certification": "CPT", "certified_on": "2024-03-01",
                                                         "name": "Ada Lovelace"})
    document = api.ok(response)
    assert set(document) >= STATUS_FIELDS
    assert document["member_id"] == "m-1"
    assert document["status"] == "active"
    assert document["certifications"] == ["CPT"]
    assert document["level"] == "CPT"
    assert document["cycle"] == {"start": "2024-03-01", "end": "2027-12-31", "required_cecs": 45,
                                 "counted_cecs": 0, "claimed_cecs": 0}
    assert document["renewal_fee"] is None  # the renewal window opens on 2027-01-01
    assert document["on"] == "2026-11-28"  # a command answers the status on the day it is recorded
    assert document["policy_version"] == "2012-06-01"
    assert response.headers["X-Request-Id"]


def test_an_activity_answers_its_id_cecs_and_the_status(api: Api) -> None:
    api.certify("m-1", "CPT", "2024-03-01")
    answer = api.ok(api.post("/members/m-1/activities", {
        "category": "approved_provider", "title": "Kettlebells", "completed_on": "2025-01-10",
        "units": 1.5, "provider": "NASM",
    }))
    assert set(answer) == {"activity_id", "cecs_awarded", "status"}
    assert answer["cecs_awarded"] == 15
    assert answer["status"]["cycle"]["claimed_cecs"] == 15
    half = api.workshop("m-1", "2025-02-01", hours=2.5)
    assert half["cecs_awarded"] == 2.5
    assert half["status"]["cycle"]["claimed_cecs"] == 17.5


def test_a_renewal_answers_the_next_cycle_and_the_money_as_a_string(api: Api) -> None:
    api.renewed_member("m-1", "2025-06-01")
    document = api.ok(api.get("/members/m-1/status", on="2026-01-15"), 200)
    assert document["cycle"]["start"] == "2026-01-01"
    assert document["cycle"]["end"] == "2028-12-31"
    assert document["renewal_fee"] is None  # not before the renewal window opens on 2028-01-01
    assert api.ok(api.get("/members/m-1/status", on="2028-01-01"), 200)["renewal_fee"] == "45.00"
    history = api.ok(api.get("/members/m-1/history"), 200)
    renewal = next(e for e in history["events"] if e["type"] == "RenewalSubmitted")
    assert renewal["data"]["fee_due"] == "45.00"


@pytest.mark.parametrize(("body", "code"), [
    ({"category": "college_course", "title": "Biomechanics", "completed_on": "2025-01-10", "credit_hours": 3,
      "grade": "D", "evidence": "transcript"}, "grade_below_c"),
    ({"category": "cpr", "title": "CPR", "completed_on": "2025-01-10", "hours": 4}, "not_accepted_category"),
    ({"category": "bls", "title": "BLS", "completed_on": "2025-01-10", "hours": 4}, "not_accepted_category"),
    ({"category": "acsm_workshop", "title": "W", "completed_on": "2025-01-10", "hours": 4,
      "evidence": "attendance_certificate"}, "attendance_certificate_refused"),
    ({"category": "acsm_workshop", "title": "W", "completed_on": "2027-01-10", "hours": 4}, "future_date"),
])
def test_a_refused_activity_answers_422_with_the_rule_code(api: Api, body: dict, code: str) -> None:
    api.certify("m-1", "CPT", "2024-03-01")
    refused(api.post("/members/m-1/activities", body), 422, code)
    assert [e["type"] for e in api.ok(api.get("/members/m-1/history"), 200)["events"]] == ["Certified"]


def test_renewing_short_of_cecs_answers_insufficient_cecs(api: Api) -> None:
    api.certify("m-1", "CPT", "2022-03-01")
    api.workshop("m-1", "2023-02-01", 20)
    error = refused(api.post("/members/m-1/renewals", {"submitted_on": "2025-06-01"}), 422, "insufficient_cecs")
    assert error["details"] == {"counted_cecs": 20.0, "required_cecs": 45.0}


def test_a_command_on_an_invalid_credential_answers_credential_invalid(api: Api) -> None:
    api.certify("m-1", "CPT", "2019-05-10")  # never renewed: invalid from 2023-07-01
    refused(api.post("/members/m-1/renewals", {"submitted_on": "2024-01-10"}), 422, "credential_invalid")


@pytest.mark.parametrize(("body", "field"), [
    ({"certification": "CPT", "certified_on": "2022-02-30"}, "certified_on"),
    ({"certification": "CPT", "certified_on": "01/03/2022"}, "certified_on"),
    ({"certification": "CPT", "certified_on": "20220301"}, "certified_on"),
    ({"certification": "CPT", "certified_on": "1812-03-01"}, "certified_on"),
    ({"certification": "CPT"}, "certified_on"),
    ({"certification": 7, "certified_on": "2022-03-01"}, "certification"),
    ({"certification": "CPT", "certified_on": "2022-03-01", "nickname": "x"}, "nickname"),
    ({"certification": "C\u0000PT", "certified_on": "2022-03-01"}, "certification"),
    ({"certification": "\ud800", "certified_on": "2022-03-01"}, "certification"),
])
def test_a_malformed_body_answers_400_naming_the_field(api: Api, body: dict, field: str) -> None:
    error = refused(api.post("/members/m-1/certifications", body), 400, "invalid_input")
    assert field in error["details"]


@pytest.mark.parametrize("raw", ["{", "", "[1, 2", "nul", "[" * 100_000 + "]" * 100_000])
def test_bad_json_answers_400(api: Api, raw: str) -> None:
    response = api.client.post("/members/m-1/certifications", data=raw, content_type="application/json",
                               headers={"Authorization": f"Bearer {TOKENS['staff']}"})
    refused(response, 400, "malformed_json")


@pytest.mark.parametrize("body", [[], "CPT", 12, None])
def test_a_body_that_is_not_an_object_answers_400(api: Api, body: object) -> None:
    response = api.client.post("/members/m-1/certifications", data=json.dumps(body),
                               content_type="application/json", headers={"Authorization": f"Bearer {TOKENS['staff']}"})
    refused(response, 400, "invalid_input")


@pytest.mark.parametrize("hours", [-1, "lots", True, 1e400, "NaN", 10**6])
def test_bad_numbers_answer_400(api: Api, hours: object) -> None:
    api.certify("m-1", "CPT", "2024-03-01")
    body = {"category": "acsm_workshop", "title": "W", "completed_on": "2025-01-10", "hours": hours}
    refused(api.post("/members/m-1/activities", body), 400)


def test_a_command_for_an_unknown_member_answers_404(api: Api) -> None:
    refused(api.post("/members/nobody/renewals", {"submitted_on": "2025-06-01"}), 404, "member_not_found")
    refused(api.get("/members/nobody/status"), 404, "member_not_found")
    refused(api.get("/members/nobody/history"), 404, "member_not_found")


def test_status_on_a_date_and_as_known_at_a_time(api: Api) -> None:
    first = api.certify("m-1", "CPT", "2019-05-10")
    api.workshop("m-1", "2020-02-03", 10)
    before = api.ok(api.get("/members/m-1/status", on="2019-05-09"), 200)
    assert before["status"] == "not_certified"
    assert before["cycle"] is None
    inactive = api.ok(api.get("/members/m-1/status", on="2023-02-01"), 200)
    assert inactive["status"] == "inactive"
    assert inactive["grace_ends_on"] == "2023-06-30"
    assert inactive["cycle"]["counted_cecs"] == 10
    assert inactive["reason"] == (
        "inactive since 2023-01-01: cycle ended 2022-12-31 with 10 of 45 CECs counted; "
        "35 more CECs and a late renewal needed by 2023-06-30")
    known_then = api.ok(api.get("/members/m-1/status", on="2023-02-01", known_at=first["known_at"]), 200)
    assert known_then["cycle"]["counted_cecs"] == 0
    assert known_then["known_at"] == first["known_at"]
    assert api.ok(api.get("/members/m-1/status"), 200)["status"] == "invalid"


@pytest.mark.parametrize("query", [{"on": "2023-13-01"}, {"known_at": "2023-01-01T10:00:00"},
                                   {"known_at": "yesterday"}, {"when": "2023-01-01"}])
def test_bad_status_queries_answer_400(api: Api, query: dict) -> None:
    api.certify("m-1")
    refused(api.get("/members/m-1/status", **query), 400, "invalid_input")


@pytest.mark.parametrize("sent", ["2023-01-01T10:00:00+00:00", "2023-01-01T10:00+0100"])
def test_a_time_whose_plus_was_sent_unencoded_is_refused_saying_how_to_write_it(api: Api, sent: str) -> None:
    """A `known_at` copied from the CLI's example into a URL: its `+` arrives as a space."""
    api.certify("m-1")
    error = refused(api.get(f"/members/m-1/status?known_at={sent}"), 400, "invalid_input")
    assert "%2B" in error["details"]["known_at"][0]


def test_a_time_with_its_plus_encoded_is_read(api: Api) -> None:
    api.certify("m-1")
    answer = api.ok(api.get("/members/m-1/status?known_at=2030-01-01T10:00:00%2B00:00"), 200)
    assert answer["known_at"].startswith("2030-01-01T10:00:00")


@pytest.mark.parametrize("name", ["on", "headers", "details"])
def test_a_repeated_query_parameter_answers_400(api: Api, name: str) -> None:
    api.certify("m-1")
    error = refused(api.get(f"/members/m-1/status?{name}=2023-01-01&{name}=2024-01-01"), 400, "invalid_input")
    assert error["details"] == {name: ["Given more than once."]}


def test_history_lists_facts_in_recorded_order_with_the_status_after_each(api: Api) -> None:
    api.certify("m-1", "CPT", "2022-03-01", name="Ada")
    api.workshop("m-1", "2024-01-10", 20)
    api.workshop("m-1", "2023-01-10", 30)  # recorded late, earlier business date
    api.ok(api.post("/members/m-1/renewals", {"submitted_on": "2025-06-01", "fee_paid": "45.00"}))
    history = api.ok(api.get("/members/m-1/history"), 200)
    assert history["member_id"] == "m-1"
    assert history["name"] == "Ada"
    events = history["events"]
    assert [e["type"] for e in events] == ["Certified", "ActivityClaimed", "ActivityClaimed", "RenewalSubmitted"]
    assert [e["effective_on"] for e in events] == ["2022-03-01", "2024-01-10", "2023-01-10", "2025-06-01"]
    recorded = [e["recorded_at"] for e in events]
    assert recorded == sorted(recorded)
    assert events[1]["data"]["cecs"] == 20
    assert events[1]["data"]["category"] == "acsm_workshop"
    assert events[1]["status_after"]["on"] == "2024-01-10"
    assert events[1]["status_after"]["cycle"]["counted_cecs"] == 20
    # Stepping through: the late claim counts from its own business date on.
    assert events[2]["status_after"]["on"] == "2023-01-10"
    assert events[2]["status_after"]["cycle"]["counted_cecs"] == 30
    assert events[3]["status_after"]["cycle"]["start"] == "2022-03-01"
    assert events[3]["data"] == {"fee_due": "45.00", "fee_paid": "45.00", "late": False}


def test_a_history_asked_in_pages_gives_every_event_once_in_order_as_the_whole_history_does(api: Api) -> None:
    """A long history pages with `limit` and `after` (the `next_after` of the page before); the
    status after each event is the whole history's, however it is paged."""
    api.certify("m-1", "CPT", "2022-03-01")
    for day, hours in (("2024-01-10", 20), ("2023-01-10", 30), ("2023-05-02", 4), ("2024-02-02", 5)):
        api.workshop("m-1", day, hours)
    whole = api.ok(api.get("/members/m-1/history"), 200)
    assert whole["next_after"] is None
    paged, after = [], ""
    while True:
        page = api.ok(api.get(f"/members/m-1/history?limit=2{after}"), 200)
        paged += page["events"]
        if page["next_after"] is None:
            break
        after = f"&after={page['next_after']}"
    assert paged == whole["events"]


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=two", "after=x", "after="])
def test_a_history_page_out_of_bounds_answers_400(api: Api, query: str) -> None:
    api.certify("m-1")
    refused(api.get(f"/members/m-1/history?{query}"), 400, "invalid_input")


def test_a_history_longer_than_a_page_comes_in_pages_unless_asked_otherwise(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole history stays the default up to 1,000 events (here, a page of 3)."""
    monkeypatch.setattr("application.service.HISTORY_PAGE", 3)
    api.certify("m-1", "CPT", "2022-03-01")
    for day in ("2023-01-10", "2023-02-10", "2023-03-10"):
        api.workshop("m-1", day, 5)
    first = api.ok(api.get("/members/m-1/history"), 200)
    assert [e["type"] for e in first["events"]] == ["Certified", "ActivityClaimed"]  # and the opening, unlisted
    rest = api.ok(api.get(f"/members/m-1/history?after={first['next_after']}"), 200)
    assert ([e["effective_on"] for e in rest["events"]], rest["next_after"]) == (["2023-02-10", "2023-03-10"], None)


def test_history_events_carry_their_fact_id_and_whether_they_were_withdrawn(api: Api) -> None:
    """http-api.md 1.1: every history event gains `fact_id` (unique within the member) and `withdrawn_by`."""
    api.certify("m-1", "CPT", "2022-03-01")
    api.workshop("m-1", "2024-01-10", 20)
    events = api.events("m-1")
    ids = [e["fact_id"] for e in events]
    assert all(isinstance(fact_id, str) for fact_id in ids)
    assert len(set(ids)) == 2
    assert [e["fact_id"] for e in api.events("m-1")] == ids  # stable
    assert [e["withdrawn_by"] for e in events] == [None, None]
    assert events[1]["status_after"]["policy_version"] == "2012-06-01"


def test_an_idempotency_key_repeats_the_first_answer_and_records_nothing(api: Api) -> None:
    api.certify("m-1", "CPT", "2024-03-01")
    body = {"category": "acsm_workshop", "title": "W", "completed_on": "2025-01-10", "hours": 4}
    first = api.post("/members/m-1/activities", body, key="claim-1")
    again = api.post("/members/m-1/activities", body, key="claim-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    claims = [e for e in api.ok(api.get("/members/m-1/history"), 200)["events"] if e["type"] == "ActivityClaimed"]
    assert len(claims) == 1
    refused(api.post("/members/m-1/activities", {**body, "hours": 5}, key="claim-1"), 422, "idempotency_key_reused")


def test_a_repeated_certification_key_answers_the_first_answer(api: Api) -> None:
    body = {"certification": "CPT", "certified_on": "2024-03-01"}
    first = api.post("/members/m-1/certifications", body, key="cert-1")
    again = api.post("/members/m-1/certifications", body, key="cert-1")
    assert (first.status_code, first.get_json()) == (again.status_code, again.get_json())
    assert len(api.ok(api.get("/members/m-1/history"), 200)["events"]) == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "with space", "tab\tbed"])
def test_a_malformed_idempotency_key_answers_400(api: Api, key: str) -> None:
    response = api.call("POST", "/members/m-1/certifications", body={"certification": "CPT",
                                                                      "certified_on": "2024-03-01"},
                        headers={"Idempotency-Key": key})
    refused(response, 400, "invalid_input")


def test_a_write_through_one_server_is_read_at_once_through_another(make_service) -> None:
    # Two apps, two services, one store: as two worker processes (or hosts) would be.
    writer, reader = api_on(make_service()), api_on(make_service())
    reader.certify("m-1", "CPT", "2024-03-01")
    assert reader.ok(reader.get("/members/m-1/status"), 200)["cycle"]["claimed_cecs"] == 0  # cached by the reader
    for hours in (3, 4.5):
        writer.workshop("m-1", "2025-01-10", hours)
        assert reader.ok(reader.get("/members/m-1/status"), 200)["cycle"]["claimed_cecs"] == (3 if hours == 3 else 7.5)


def test_a_lecture_without_a_course_id_answers_201_with_one_cec_per_hour(api: Api) -> None:
    """rules.md section 3, Decision (teaching and lecturing claims): a lecture without a course id is always
    accepted."""
    api.certify("m-1", "CPT", "2024-03-01")
    body = {"category": "lecturing", "title": "Keynote, state conference", "completed_on": "2025-01-10", "hours": 2}
    for _ in range(2):
        assert api.ok(api.post("/members/m-1/activities", body))["cecs_awarded"] == 2
    assert api.ok(api.get("/members/m-1/status"), 200)["cycle"]["counted_cecs"] == 4


def test_a_teaching_claim_without_a_course_id_answers_400_missing_field(api: Api) -> None:
    """rules.md section 3, Decision (teaching and lecturing claims): a teaching claim names its course_id."""
    api.certify("m-1", "CPT", "2024-03-01")
    body = {"category": "teaching", "title": "KIN 210", "completed_on": "2025-01-10", "hours": 2}
    refused(api.post("/members/m-1/activities", body), 400, "missing_field")
    assert len(api.ok(api.get("/members/m-1/history"), 200)["events"]) == 1
