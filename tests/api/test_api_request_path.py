"""What every API request costs beyond its answer is kept small (see web.dashboard.access.PageSessions,
web.app.ContractJSON, web.endpoint), without changing what the client sees: no session cookie for
API calls, compact JSON in the schema's field order, a fresh request id on each answer, and query
parameters or Idempotency-Key refused as before when they are wrong."""

from __future__ import annotations

import json
import re

import pytest
from api_support import TOKENS, Api, api_on, refused


@pytest.fixture
def api(make_service) -> Api:
    return api_on(make_service())


def test_an_api_answer_neither_sets_nor_varies_on_the_session_cookie(api: Api) -> None:
    api.certify("m-1")
    claim = {"category": "acsm_workshop", "title": "Workshop", "completed_on": "2023-02-01", "hours": 2}
    for response in (api.get("/health", role=None), api.get("/members/m-1/status"),
                     api.post("/members/m-1/activities", claim), api.get("/members/nobody/status")):
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")


def test_a_stray_or_forged_session_cookie_changes_nothing_for_the_api(api: Api) -> None:
    api.client.set_cookie("credentials_session", "not-a-signed-session")
    response = api.get("/health", role=None)
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
    assert "Set-Cookie" not in response.headers
    refused(api.get("/members/m-1/status", role=None), 401, "unauthorized")


def test_a_dashboard_session_still_signs_in_and_is_read_back(api: Api) -> None:
    client = api.client
    response = client.post("/dashboard/login", data={"token": TOKENS["staff"]})
    assert response.status_code == 303
    assert "credentials_session=" in response.headers["Set-Cookie"]
    assert client.get("/dashboard/members").status_code == 200
    assert client.get("/dashboard/members").status_code == 200  # the signer is reused: same answer


def test_answers_are_compact_json_in_the_schemas_field_order(api: Api) -> None:
    assert api.get("/health", role=None).get_data() == b'{"status":"ok"}\n'
    api.certify("m-1")
    text = api.get("/members/m-1/status").get_data(as_text=True)
    assert text == json.dumps(json.loads(text), separators=(",", ":")) + "\n"  # compact, ASCII, as it came
    assert re.match(r'\{"member_id":"m-1","on":"[0-9-]{10}","known_at":', text)
    error = api.get("/members/nobody/status").get_data(as_text=True)
    assert error.startswith('{"error":{"code":"member_not_found","message":')


def test_each_answer_carries_its_own_32_hex_digit_request_id(api: Api) -> None:
    ids = [api.get("/health", role=None).headers["X-Request-Id"] for _ in range(5)]
    assert len(set(ids)) == 5
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)


def test_query_parameters_are_still_checked_with_or_without_a_query_string(api: Api) -> None:
    assert api.client.get("/health?").status_code == 200  # an empty query string is no parameter
    refused(api.client.get("/health?unexpected=1"), 400, "invalid_input")
    refused(api.client.get("/health?&unexpected"), 400, "invalid_input")
    api.certify("m-1")
    assert api.get("/members/m-1/status", on="2024-01-01").get_json()["on"] == "2024-01-01"
    refused(api.get("/members/m-1/status", know_at="2024-01-01T00:00:00Z"), 400, "invalid_input")


def test_an_idempotency_key_is_still_checked_when_given_and_optional_when_not(api: Api) -> None:
    api.certify("m-1")
    body = {"category": "acsm_workshop", "title": "Workshop", "completed_on": "2023-02-01", "hours": 2}
    assert api.post("/members/m-1/activities", body).status_code == 201
    refused(api.call("POST", "/members/m-1/activities", body=body, headers={"Idempotency-Key": "a b"}),
            400, "invalid_input")
    first = api.post("/members/m-1/activities", body, key="k-1")
    again = api.post("/members/m-1/activities", body, key="k-1")
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (201, 201, "true")
