"""An Idempotency-Key names one command: a repeat answers the first answer, and the key reused
with any one field of the body changed answers 422 idempotency_key_reused, recording nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from api_support import Api, api_on, refused
from marshmallow import Schema

from web.schemas.commands import (
    ActivityBody,
    AmendmentBody,
    AuditBody,
    CertificationBody,
    DocumentationBody,
    RenewalBody,
    WithdrawalBody,
)


@pytest.fixture
def api(make_service) -> Api:
    return api_on(make_service())


@dataclass(frozen=True)
class KeyedCommand:
    """A command endpoint: the state it needs, a body it accepts, and another value for every body field."""

    path: str  # formatted with the values `prepare` answers
    schema: type[Schema]
    prepare: Callable[[Api], dict[str, Any]]  # records the state; answers values the bodies need
    body: Callable[[dict[str, Any]], dict[str, Any]]
    other_values: Callable[[dict[str, Any]], dict[str, Any]]


def nothing(api: Api) -> dict[str, Any]:
    return {}


def with_45_cecs(api: Api) -> dict[str, Any]:
    api.certify("m-1", "CPT", "2022-03-01")
    for day in ("2023-02-01", "2023-09-01", "2024-04-01"):
        api.workshop("m-1", day, 15)
    return {}


def certified(api: Api) -> dict[str, Any]:
    api.certify("m-1", "CPT", "2024-03-01")
    return {}


def renewed(api: Api) -> dict[str, Any]:
    api.renewed_member("m-1", "2025-06-01")
    return {}


def with_claims(api: Api) -> dict[str, Any]:
    api.renewed_member("m-1", "2025-06-01")
    claims = [e for e in api.events("m-1") if e["type"] == "ActivityClaimed"]
    return {"fact": claims[0]["fact_id"], "other_fact": claims[1]["fact_id"], "claim": claims[0]["data"]["activity_id"]}


def under_audit(api: Api) -> dict[str, Any]:
    api.renewed_member("m-1", "2025-06-01")
    api.ok(api.post("/members/m-1/audits", {"selected_on": "2026-03-01"}))
    history = api.ok(api.get("/members/m-1/history"), 200)["events"]
    return {"claim": next(e["data"]["activity_id"] for e in history if e["type"] == "ActivityClaimed")}


ENDPOINTS = {
    "certification": KeyedCommand(
        "/members/m-1/certifications", CertificationBody, nothing,
        lambda _: {"certification": "CPT", "certified_on": "2024-03-01", "name": "Ada"},
        lambda _: {"certification": "EP-C", "certified_on": "2024-03-02", "name": "Bea"},
    ),
    "activity": KeyedCommand(
        "/members/m-1/activities", ActivityBody, certified,
        lambda _: {"category": "acsm_workshop", "title": "W", "completed_on": "2025-01-10", "hours": 4},
        lambda _: {"category": "college_course", "title": "W2", "completed_on": "2025-01-11",
                   "evidence": "transcript", "hours": 5, "units": 2, "provider": "NASM", "decimal_units": True,
                   "credit_hours": 3, "grade": "B", "course_id": "KIN101", "published_on": "2025-01-01"},
    ),
    "renewal": KeyedCommand(
        "/members/m-1/renewals", RenewalBody, with_45_cecs,
        lambda _: {"submitted_on": "2025-06-01"},
        lambda _: {"submitted_on": "2025-06-02", "fee_paid": "45.00"},
    ),
    "audit": KeyedCommand(
        "/members/m-1/audits", AuditBody, renewed,
        lambda _: {"selected_on": "2026-03-01"},
        lambda _: {"selected_on": "2026-03-02"},
    ),
    "documentation": KeyedCommand(
        "/members/m-1/audits/current/documentation", DocumentationBody, under_audit,
        lambda state: {"received_on": "2026-03-20", "rejected": [{"activity_id": state["claim"], "reason": "no name"}]},
        lambda state: {"received_on": "2026-03-21", "replace_by": "2026-05-01",
                       "rejected": [{"activity_id": state["claim"], "reason": "illegible"}]},
    ),
    "withdrawal": KeyedCommand(
        "/members/m-1/withdrawals", WithdrawalBody, with_claims,
        lambda state: {"fact_id": state["fact"], "reason": "duplicate"},
        lambda state: {"fact_id": state["other_fact"], "reason": "typo", "decided_on": "2026-11-01",
                       "replace_by": "2027-01-31"},
    ),
    "amendment": KeyedCommand(
        "/members/m-1/activities/{claim}/amendments", AmendmentBody, with_claims,
        lambda _: {"category": "acsm_workshop", "title": "W", "completed_on": "2023-02-01", "hours": 14,
                   "reason": "typo"},
        lambda _: {"category": "college_course", "title": "W2", "completed_on": "2023-02-02",
                   "evidence": "transcript", "hours": 5, "units": 2, "provider": "NASM", "decimal_units": True,
                   "credit_hours": 3, "grade": "B", "course_id": "KIN101", "published_on": "2023-01-01",
                   "reason": "another typo"},
    ),
}
EVERY_BODY_FIELD = [(endpoint, name) for endpoint, command in ENDPOINTS.items() for name in command.schema().fields]


@pytest.mark.parametrize(("endpoint", "field"), EVERY_BODY_FIELD)
def test_an_idempotency_key_reused_with_one_field_changed_answers_422(api: Api, endpoint: str, field: str) -> None:
    """Decision (HTTP contract): a key names one command; reusing it for another is an error."""
    command = ENDPOINTS[endpoint]
    state = command.prepare(api)
    path = command.path.format(**state)
    body = command.body(state)
    first = api.post(path, body, key="key-1")
    assert first.status_code == 201, first.get_data(as_text=True)
    again = api.post(path, body, key="key-1")
    assert (again.status_code, again.get_json(), again.headers["Idempotent-Replayed"]) == (
        201, first.get_json(), "true")
    recorded = api.ok(api.get("/members/m-1/history"), 200)["events"]
    changed = {**body, field: command.other_values(state)[field]}
    refused(api.post(path, changed, key="key-1"), 422, "idempotency_key_reused")
    assert api.ok(api.get("/members/m-1/history"), 200)["events"] == recorded
