"""What-if over HTTP (rules.md section 12): commands tried, answered, and never recorded: the
store is the same, row for row and byte for byte, before and after."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
from api_support import Api, api_on, refused

from application.service import CredentialService


@pytest.fixture
def service(make_service) -> CredentialService:
    made: CredentialService = make_service()
    return made


@pytest.fixture
def api(service: CredentialService) -> Api:
    api = api_on(service)
    api.certify("m-1", "CPT", "2022-03-01", name="Mia One")
    api.workshop("m-1", "2023-02-01", 30)
    return api


def store_contents(backend: str) -> list[Any]:
    """Every row of every table of the store (events, and any read models), as stored."""
    if backend.startswith("sqlite"):
        with sqlite3.connect(backend.removeprefix("sqlite:///")) as conn:
            return list(conn.iterdump())
    with psycopg.connect(backend) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")]
        return [(table, sorted(map(repr, conn.execute(f"SELECT * FROM {table}").fetchall()))) for table in tables]


COLLEGE = {"category": "college_course", "title": "Exercise science", "completed_on": "2025-11-20",
           "credit_hours": 3, "grade": "B", "evidence": "transcript"}


def what_if(api: Api, commands: list[dict], on: list[str], role: str = "staff") -> Any:
    return api.call("POST", "/members/m-1/what-if", role=role, body={"commands": commands, "on": on})


def test_a_tried_course_and_renewal_say_what_they_would_do_and_the_store_is_unchanged(api: Api, backend: str) -> None:
    """Would a 3-credit college course on this date make them compliant?"""
    api.get("/worklists/due")  # the read models exist too: they must not move either
    before = store_contents(backend)
    body = api.ok(what_if(api, [{"command": "submit_renewal", "body": {"submitted_on": "2025-12-01"}},
                                {"command": "claim_activity", "body": COLLEGE},
                                {"command": "submit_renewal", "body": {"submitted_on": "2025-12-01"}}],
                          ["2025-12-01", "2026-02-01"]), 200)
    first, claimed, renewed = body["outcomes"]
    assert (first["accepted"], first["error"]["code"]) == (False, "insufficient_cecs")
    assert claimed == {"accepted": True, "cecs_awarded": 30, "error": None}
    assert renewed == {"accepted": True, "cecs_awarded": None, "error": None}
    assert body["status"]["2026-02-01"]["status"] == "active"
    assert body["status"]["2025-12-01"]["cycle"]["counted_cecs"] == 60
    assert store_contents(backend) == before
    assert api.ok(api.get("/members/m-1/status", on="2026-02-01"), 200)["status"] == "inactive"


def test_what_if_answers_exactly_what_recording_the_commands_then_answers(api: Api) -> None:
    tried = api.ok(what_if(api, [{"command": "claim_activity", "body": COLLEGE},
                                 {"command": "submit_renewal", "body": {"submitted_on": "2025-12-01"}}],
                           ["2025-12-01", "2026-02-01"]), 200)
    claimed = api.ok(api.post("/members/m-1/activities", COLLEGE))
    api.ok(api.post("/members/m-1/renewals", {"submitted_on": "2025-12-01"}))
    assert tried["outcomes"][0]["cecs_awarded"] == claimed["cecs_awarded"]
    for day, status in tried["status"].items():
        recorded = api.ok(api.get("/members/m-1/status", on=day), 200)
        assert {**status, "known_at": None} == {**recorded, "known_at": None}


def test_a_member_not_yet_recorded_can_be_tried_from_a_certification(api: Api, backend: str) -> None:
    before = store_contents(backend)
    body = api.ok(api.call("POST", "/members/m-new/what-if", body={
        "commands": [{"command": "certify", "body": {"certification": "EP-C", "certified_on": "2026-01-05"}}],
        "on": ["2026-02-01"]}), 200)
    assert body["outcomes"] == [{"accepted": True, "cecs_awarded": None, "error": None}]
    assert body["status"]["2026-02-01"]["level"] == "EP-C"
    refused(api.get("/members/m-new/status"), 404, "member_not_found")
    assert store_contents(backend) == before


def test_staff_and_auditors_may_try_commands_and_reporters_may_not(api: Api) -> None:
    api.ok(what_if(api, [], ["2026-01-01"], role="auditor"), 200)
    refused(what_if(api, [], ["2026-01-01"], role="reporter"), 403)
    refused(what_if(api, [], ["2026-01-01"], role=None) if False else api.call(
        "POST", "/members/m-1/what-if", role=None, body={"commands": []}), 401)


@pytest.mark.parametrize("commands", [
    [{"command": "sweep", "body": {}}],
    [{"command": "claim_activity", "body": {"category": "acsm_workshop"}}],
    [{"command": "submit_renewal", "body": {"submitted_on": "2025-12-01", "surprise": 1}}],
    [{"command": "submit_renewal"}],
    "not a list",
])
def test_a_malformed_tried_command_is_a_400_and_nothing_is_tried(api: Api, commands: Any) -> None:
    error = refused(what_if(api, commands, ["2026-01-01"]), 400, "invalid_input")
    assert "commands" in error["details"]


def test_the_days_asked_default_to_today(api: Api) -> None:
    body = api.ok(api.call("POST", "/members/m-1/what-if", body={"commands": []}), 200)
    assert list(body["status"]) == ["2026-11-28"]
