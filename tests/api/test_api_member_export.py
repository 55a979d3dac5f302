"""GET /members/{member_id}/export (http-api.md 1.1, "Bringing records in"): every fact recorded for the
member, withdrawn ones included, as the history lists it, with its business date and recorded time."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Api, api_on, refused


@pytest.fixture
def api(make_service, clock) -> Api:
    """m-1: CPT certified 2022-03-01; a workshop of 2023-02-01 claimed twice, the second withdrawn, and a
    workshop of 2023-09-01 recorded late, on 2024-05-01."""
    api = api_on(make_service())
    clock.set("2022-03-01")
    api.certify("m-1", "CPT", "2022-03-01", name="Mia One")
    clock.set("2023-02-01")
    api.workshop("m-1", "2023-02-01", 15)
    api.workshop("m-1", "2023-02-01", 15)
    clock.set("2024-05-01")
    api.workshop("m-1", "2023-09-01", 15)
    twice = api.fact_id("m-1", "ActivityClaimed", 1)
    api.ok(api.post("/members/m-1/withdrawals", {"fact_id": twice, "reason": "entered twice"}))
    return api


def exported(api: Api, member: str = "m-1") -> dict[str, Any]:
    document: dict[str, Any] = api.ok(api.get(f"/members/{member}/export"), 200)
    return document


def test_the_export_lists_every_fact_as_the_history_does_without_the_status_after_each(api: Api) -> None:
    """Each fact with its type, fact_id, business date, recorded time, data and what voided it; the status after
    each is an answer, not a fact, so it is left out."""
    document = exported(api)
    history = api.events("m-1")
    assert (document["member_id"], document["name"]) == ("m-1", "Mia One")
    assert document["facts"] == [{k: v for k, v in event.items() if k != "status_after"} for event in history]
    assert [f["type"] for f in document["facts"]] == ["Certified", "ActivityClaimed", "ActivityClaimed",
                                                      "ActivityClaimed", "FactWithdrawn"]


def test_the_export_includes_withdrawn_facts_and_facts_recorded_late_with_both_dates(api: Api) -> None:
    """rules.md section 8 and 13: a withdrawn fact stays in the record, named by its withdrawal; a late fact
    keeps its business date and the time it was recorded."""
    facts = exported(api)["facts"]
    withdrawal = facts[-1]
    assert facts[2]["withdrawn_by"] == withdrawal["fact_id"]
    late = facts[3]
    assert (late["effective_on"], late["recorded_at"][:10]) == ("2023-09-01", "2024-05-01")


def test_an_unknown_member_export_is_not_found(api: Api) -> None:
    """As every member endpoint: 404 member_not_found."""
    refused(api.get("/members/nobody/export"), 404, "member_not_found")


@pytest.mark.parametrize("role", ["auditor", "reporter"])
def test_only_staff_may_export_a_member(api: Api, role: str) -> None:
    """The export is staff's: other roles get 403."""
    refused(api.get("/members/m-1/export", role=role), 403, "forbidden")
