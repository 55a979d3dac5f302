"""POST /rosters (http-api.md 1.1, "Bringing records in"; rules.md section 13): an approved provider
reports one course's completions and each attendee is claimed the course, judged like any claim;
an attendee already reported for the same provider, course and date is not reported twice. Only
the `provider` role and staff may post rosters, and the provider role may do nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import TOKENS, Api, api_on, refused

from application.settings import Settings
from web.auth import TokenBook
from web.schemas.rosters import MAX_ATTENDEES


@pytest.fixture
def api(make_service) -> Api:
    """m-1 and m-2: CPT certified 2022-03-01, active when the course is completed (2025-01-10)."""
    api = api_on(make_service())
    for member in ("m-1", "m-2"):
        api.certify(member, "CPT", "2022-03-01")
    return api


def roster(*attendees: str, **fields: Any) -> dict[str, Any]:
    """NSCA's course KB-101, 0.8 units on its certificate (NSCA counts 0.1 unit as 1 CEC: 8 CECs)."""
    return {"provider": "NSCA", "course_id": "KB-101", "title": "Kettlebells", "completed_on": "2025-01-10",
            "units": 0.8, "attendees": list(attendees), **fields}


def events_of(api: Api, *members: str) -> dict[str, list[dict[str, Any]]]:
    return {member: api.events(member) for member in members}


def test_a_roster_records_each_certified_attendees_claim_with_its_cecs(api: Api) -> None:
    """rules.md section 13: each attendee gets an approved_provider claim, converted by section 3. Decision: an
    attendee listed twice is reported once."""
    answer = api.ok(api.post("/rosters", roster("m-1", "m-2", "m-1"), role="provider"))
    assert [(r["member_id"], r["cecs_awarded"]) for r in answer["recorded"]] == [("m-1", 8), ("m-2", 8)]
    assert (answer["refused"], answer["already_reported"]) == ([], [])
    claimed = [e for e in api.events("m-1") if e["type"] == "ActivityClaimed"]
    assert len(claimed) == 1
    data = claimed[0]["data"]
    assert (data["activity_id"], data["category"], data["provider"], data["course_id"]) == (
        answer["recorded"][0]["activity_id"], "approved_provider", "NSCA", "KB-101")
    status = api.ok(api.get("/members/m-1/status", on="2025-01-10"), 200)
    assert status["cycle"]["claimed_cecs"] == 8


def test_unknown_uncertified_and_invalid_attendees_are_refused_while_the_rest_are_recorded(api: Api) -> None:
    """http-api.md 1.1: no credential `unknown_member`, not certified on the date `before_certification`, invalid
    then `credential_invalid`; a refused attendee changes nothing and the others still apply."""
    api.certify("m-late", "CPT", "2025-06-01")
    api.certify("m-lapsed", "CPT", "2018-01-10")  # invalid from 2021-07-01
    before = events_of(api, "m-late", "m-lapsed")
    answer = api.ok(api.post("/rosters", roster("m-nobody", "m-late", "m-1", "m-lapsed")))
    assert [r["member_id"] for r in answer["recorded"]] == ["m-1"]
    assert [(r["member_id"], r["code"]) for r in answer["refused"]] == [
        ("m-nobody", "unknown_member"), ("m-late", "before_certification"), ("m-lapsed", "credential_invalid")]
    assert all(r["message"] for r in answer["refused"])
    assert events_of(api, "m-late", "m-lapsed") == before
    refused(api.get("/members/m-nobody/status"), 404, "member_not_found")


def test_a_second_report_of_the_same_course_and_date_lists_the_attendees_already_reported_and_records_nothing_for_them(
        api: Api) -> None:
    """rules.md section 13: "an attendee already reported for the same provider, course and completion date is
    not reported twice"."""
    api.ok(api.post("/rosters", roster("m-1"), role="provider"))
    before = events_of(api, "m-1")
    api.certify("m-3", "CPT", "2022-03-01")
    again = api.ok(api.post("/rosters", roster("m-1", "m-3", units=None, hours=6), role="provider"))
    assert again["already_reported"] == ["m-1"]
    assert [r["member_id"] for r in again["recorded"]] == ["m-3"]
    assert events_of(api, "m-1") == before


def test_a_repeated_idempotency_key_answers_the_first_report_and_records_nothing_new(api: Api) -> None:
    """http-api.md conventions: a repeated key returns the first answer and records nothing new; reused for
    another roster it is refused (`idempotency_key_reused`) and records nothing."""
    first = api.post("/rosters", roster("m-1", "m-nobody", "m-2"), role="provider", key="roster-1")
    recorded = events_of(api, "m-1", "m-2")
    again = api.post("/rosters", roster("m-1", "m-nobody", "m-2"), role="provider", key="roster-1")
    assert (again.status_code, again.get_json()) == (201, api.ok(first))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert events_of(api, "m-1", "m-2") == recorded
    api.certify("m-3", "CPT", "2022-03-01")
    before = events_of(api, "m-3")
    refused(api.post("/rosters", roster("m-3", "m-2"), role="provider", key="roster-1"), 422,
            "idempotency_key_reused")
    assert events_of(api, "m-3") == before


def test_the_provider_role_may_post_rosters_and_nothing_else(api: Api) -> None:
    """http-api.md 1.1: `CREDENTIALS_TOKENS` gains the role `provider` (may only post rosters)."""
    token = "p-token-0123456789abcdefghijklmnopq"
    assert TokenBook.parse(Settings.from_environment({"CREDENTIALS_TOKENS": f"provider:{token}"}).tokens
                           ).role_of(token) == "provider"
    api.ok(api.post("/rosters", roster("m-1"), role="provider"))
    for response in (api.get("/members/m-1/status", role="provider"), api.get("/members/m-1/history", role="provider"),
                     api.post("/members/m-1/activities", {"category": "acsm_workshop", "title": "W",
                                                          "completed_on": "2025-01-10", "hours": 2}, role="provider"),
                     api.get("/reports/status-counts", role="provider"),
                     api.post("/audits/selections", {"renewal_year": 2025, "rate": 0.1, "seed": "s"}, role="provider")):
        refused(response, 403, "forbidden")
    for role in ("auditor", "reporter"):
        refused(api.post("/rosters", roster("m-2"), role=role), 403, "forbidden")


def test_a_provider_token_is_not_let_into_the_dashboard(api: Api) -> None:
    """The staff pages are for staff, auditors and reporters: a provider's token makes no session there."""
    login = api.client.post("/dashboard/login", data={"token": TOKENS["provider"]})
    assert login.status_code == 403
    assert "for the API only" in login.get_data(as_text=True)
    assert api.client.get_cookie("credentials_session") is None
    assert api.client.get("/dashboard/members", headers={"Authorization": f"Bearer {TOKENS['provider']}"}
                          ).status_code == 403


MALFORMED: list[Any] = [
    roster("m-1", hours=6),  # both hours and units
    roster("m-1", units=None),  # neither
    roster(),  # no attendee
    roster(*[f"m-{n}" for n in range(MAX_ATTENDEES + 1)]),
    {**roster(), "attendees": "m-1"},
    {**roster(), "attendees": ["m-1", 7]},
    {**roster(), "attendees": ["m-1", ""]},
    {**roster("m-1"), "evidence": "transcript"},  # an unknown field
    roster("m-1", completed_on="2025-02-30"),
    roster("m-1", provider=None),
    {k: v for k, v in roster("m-1").items() if k != "course_id"},
    roster("m-1", provider="   "),
    roster("m-1", units=-1),
    roster("m-1", units=0),
    roster("m-1", units=None, hours=1.25),  # 1.25 CECs: at most one decimal
    ["m-1"],
]


def test_a_malformed_roster_is_refused_with_400_and_records_nothing(api: Api) -> None:
    """http-api.md conventions: malformed input is a 400 in the one error shape, never a 500."""
    before = events_of(api, "m-1")
    for body in MALFORMED:
        refused(api.post("/rosters", body, role="provider"), 400)
    assert events_of(api, "m-1") == before


def test_a_roster_completed_after_today_is_refused_whole_with_future_date(api: Api) -> None:
    """rules.md section 3: an activity must be completed on or before the day it is claimed."""
    before = events_of(api, "m-1")
    refused(api.post("/rosters", roster("m-1", "m-nobody", completed_on="2026-11-29")), 422, "future_date")
    assert events_of(api, "m-1") == before
