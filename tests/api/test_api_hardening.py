"""HTTP hardening in the app (issue 14, item 4): a body over the limit is 413 `body_too_large`
whatever its encoding; every answer says `nosniff` and `no-store`; integers are ASCII digits
only; a control character in a member id or another path value is a 400 `invalid_input`; a
request line or header section longer than the app takes is refused in the error shape."""

from __future__ import annotations

import io

import pytest
from api_support import TOKENS, Api, api_on, refused
from dashboard_support import Page
from werkzeug.test import TestResponse

from application.service import CredentialService
from web.app import MAX_BODY_BYTES
from web.limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES

CERTIFICATION = b'{"certification": "CPT", "certified_on": "2024-03-01"}'


@pytest.fixture
def api(memory_service: CredentialService) -> Api:
    return api_on(memory_service)


def post_chunked(api: Api, path: str, body: bytes) -> TestResponse:
    """`body` as a server hands on a chunked one: no Content-Length, the stream ending with the body."""
    return api.client.post(path, input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
                           headers={"Authorization": f"Bearer {TOKENS['staff']}", "Content-Type": "application/json",
                                    "Transfer-Encoding": "chunked"})


def test_an_oversized_body_answers_413_body_too_large_with_a_length(api: Api) -> None:
    body = {"certification": "CPT", "certified_on": "2024-03-01", "name": "x" * 2_000_000}
    error = refused(api.post("/members/m-1/certifications", body), 413, "body_too_large")
    assert error["details"] == {"max_bytes": MAX_BODY_BYTES}


def test_an_oversized_chunked_body_answers_413_and_records_nothing(api: Api) -> None:
    """Before, werkzeug read a body of no stated length up to the limit and no further: what was
    left, valid JSON, was recorded (201)."""
    body = CERTIFICATION + b" " * MAX_BODY_BYTES
    refused(post_chunked(api, "/members/m-1/certifications", body), 413, "body_too_large")
    refused(api.get("/members/m-1/status"), 404, "member_not_found")


def test_a_chunked_body_within_the_limit_is_read_whole(api: Api) -> None:
    body = CERTIFICATION + b" " * (MAX_BODY_BYTES - len(CERTIFICATION))
    response = post_chunked(api, "/members/m-1/certifications", body)
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/members/nobody/status", "/nothing/here",
                                  "/reports/audits?year=2026"])
def test_every_api_answer_forbids_sniffing_and_storing(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_an_error_answer_and_a_dashboard_page_forbid_sniffing_and_storing(api: Api) -> None:
    for response in (api.get("/members/x/status", role=None), api.client.get("/dashboard/login"),
                     api.post("/members/m-1/renewals", {"submitted_on": "nope"})):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("year", ["２０２６", "٢٠٢٦", "2_026", " 2026", "2026 ", "+2026", "²⁰²⁶"])
def test_a_year_not_in_ascii_digits_is_refused(api: Api, year: str) -> None:
    """int() reads fullwidth and Arabic-Indic digits, underscores and blanks: before, they were years."""
    error = refused(api.get("/reports/audits", year=year), 400, "invalid_input")
    assert "year" in error["details"]


@pytest.mark.parametrize(("path", "name", "value"), [
    ("/worklists/due", "within", "３０"),
    ("/members/m-1/history", "limit", "１０"),
])
def test_other_integers_not_in_ascii_digits_are_refused(api: Api, path: str, name: str, value: str) -> None:
    api.certify("m-1", "CPT", "2022-03-01")
    error = refused(api.get(path, **{name: value}), 400, "invalid_input")
    assert name in error["details"]
    assert api.get(path, **{name: "10"}).status_code == 200


@pytest.mark.parametrize(("field", "value"), [("fee_paid", "４５.00"), ("fee_paid", "45.0０")])
def test_money_not_in_ascii_digits_is_refused(api: Api, field: str, value: str) -> None:
    api.certify("m-1", "CPT", "2022-03-01")
    error = refused(api.post("/members/m-1/renewals", {"submitted_on": "2025-06-01", field: value}),
                    400, "invalid_input")
    assert field in error["details"]


def test_a_quantity_not_in_ascii_digits_is_refused(api: Api) -> None:
    api.certify("m-1", "CPT", "2022-03-01")
    body = {"category": "acsm_workshop", "title": "W", "completed_on": "2023-01-01", "hours": "１５"}
    error = refused(api.post("/members/m-1/activities", body), 400, "invalid_input")
    assert "hours" in error["details"]


@pytest.mark.parametrize("member_id", ["a%0D%0Ab", "a%0Ab", "a%09b", "a%00b", "a%7Fb", "a%C2%85b", "a%E2%80%A8b"])
def test_a_control_character_in_a_member_id_is_refused(api: Api, member_id: str) -> None:
    """Before, `POST /members/a%0D%0Ab/certifications` opened a member whose id held CR/LF."""
    error = refused(api.post(f"/members/{member_id}/certifications",
                             {"certification": "CPT", "certified_on": "2024-03-01"}), 400, "invalid_input")
    assert "member_id" in error["details"]
    refused(api.get(f"/members/{member_id}/status"), 400, "invalid_input")


def test_a_control_character_in_other_path_values_is_refused(api: Api) -> None:
    api.certify("m-1", "CPT", "2022-03-01")
    claim = {"category": "acsm_workshop", "title": "W", "completed_on": "2023-01-01", "hours": 5, "reason": "typo"}
    error = refused(api.post("/members/m-1/activities/a%0Db/amendments", claim), 400, "invalid_input")
    assert "activity_id" in error["details"]
    error = refused(api.post("/policy/versions/v%0A1/withdrawal", {"reason": "x"}), 400, "invalid_input")
    assert "version" in error["details"]


def test_a_control_character_in_a_rostered_member_id_is_refused(api: Api) -> None:
    body = {"provider": "NSCA", "course_id": "K-1", "title": "Kettlebells", "completed_on": "2024-05-01",
            "hours": 3, "attendees": ["m-1", "m-2\r\nX-Injected: 1"]}
    error = refused(api.post("/rosters", body), 400, "invalid_input")
    assert "attendees" in error["details"]


def test_ordinary_member_ids_are_still_taken(api: Api) -> None:
    for member_id in ("m-1042", "ACSM 123", "Zoë.Ünal_7", "会员-1"):
        api.certify(member_id, "CPT", "2024-03-01")


def test_a_request_target_longer_than_the_app_takes_answers_414_in_the_error_shape(api: Api) -> None:
    error = refused(api.get("/members/" + "a" * MAX_TARGET_BYTES + "/status"), 414, "uri_too_long")
    assert error["details"] == {"max_bytes": MAX_TARGET_BYTES}
    refused(api.get("/reports/audits", year="2026", pad="x" * MAX_TARGET_BYTES), 414, "uri_too_long")


def test_headers_larger_than_the_app_takes_answer_431_in_the_error_shape(api: Api) -> None:
    response = api.call("GET", "/health", role=None, headers={"X-Padding": "x" * MAX_HEADER_BYTES})
    error = refused(response, 431, "headers_too_large")
    assert error["details"] == {"max_bytes": MAX_HEADER_BYTES}


@pytest.mark.parametrize(("name", "value"), [("cycles_ending", "２０２６-０３"), ("audits_selected", "２０２６")])
def test_the_staff_pages_take_ascii_digits_only_too(api: Api, name: str, value: str) -> None:
    response = api.client.get("/dashboard/members", query_string={name: value},
                              headers={"Authorization": f"Bearer {TOKENS['staff']}"})
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert Page.read(response.get_data(as_text=True)).one(data_status="400").attrs["data-code"] == "invalid_input"
