"""GET /members/{member_id}/revisions (rules.md section 10): each change a recorded fact or policy
version made to the answers about days before it was recorded, span by span, exactly."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Api, api_on, refused


@pytest.fixture
def api(make_service, clock) -> Api:
    """m-1: CPT certified 2022-03-01, recorded that day; the test clock then moves to 2026-11-28."""
    api = api_on(make_service())
    clock.set("2022-03-01")
    api.certify("m-1", "CPT", "2022-03-01")
    clock.set("2026-11-28")
    return api


def revisions(api: Api, member: str = "m-1") -> list[dict[str, Any]]:
    document = api.ok(api.get(f"/members/{member}/revisions"), 200)
    assert document["member_id"] == member
    found: list[dict[str, Any]] = document["revisions"]
    return found


def span(first: str, through: str, before: tuple[str, str | None], after: tuple[str, str | None]) -> dict[str, Any]:
    return {"from": first, "through": through, "before": {"status": before[0], "level": before[1]},
            "after": {"status": after[0], "level": after[1]}}


def late_renewal(api: Api) -> dict[str, Any]:
    """45 CECs and a renewal submitted on 2025-06-01, all recorded on 2026-11-28."""
    for day in ("2023-02-01", "2023-09-01", "2024-04-01"):
        api.workshop("m-1", day, 15)
    api.ok(api.post("/members/m-1/renewals", {"submitted_on": "2025-06-01"}))
    return next(e for e in api.events("m-1") if e["type"] == "RenewalSubmitted")


def test_facts_recorded_on_their_own_day_make_no_revision(api: Api) -> None:
    """rules.md section 10: a fact that changes only its own recorded day and later is not a revision."""
    assert revisions(api) == []


def test_a_renewal_recorded_late_gives_the_exact_spans_it_changed(api: Api) -> None:
    """rules.md section 10: each span of earlier business dates whose status or level changed, before and after."""
    renewal = late_renewal(api)
    assert revisions(api) == [{
        "cause": {"type": "RenewalSubmitted", "fact_id": renewal["fact_id"], "effective_on": "2025-06-01",
                  "recorded_at": renewal["recorded_at"]},
        "changes": [
            span("2026-01-01", "2026-06-30", ("inactive", "CPT"), ("active", "CPT")),
            span("2026-07-01", "2026-11-27", ("invalid", None), ("active", "CPT")),
        ],
    }]


def test_claims_recorded_late_that_change_no_status_or_level_make_no_revision(api: Api) -> None:
    """http-api.md 1.1, Revisions: only status and level count."""
    api.workshop("m-1", "2023-02-01", 15)
    assert revisions(api) == []


def test_withdrawing_the_late_renewal_is_a_revision_undoing_it(api: Api) -> None:
    """rules.md section 10: a withdrawal changing earlier days' answers is a revision."""
    renewal = late_renewal(api)
    api.ok(api.post("/members/m-1/withdrawals", {"fact_id": renewal["fact_id"], "reason": "wrong member"}))
    withdrawal = next(e for e in api.events("m-1") if e["type"] == "FactWithdrawn")
    last = revisions(api)[-1]
    assert last == {
        "cause": {"type": "FactWithdrawn", "fact_id": withdrawal["fact_id"], "effective_on": "2026-11-28",
                  "recorded_at": withdrawal["recorded_at"]},
        "changes": [
            span("2026-01-01", "2026-06-30", ("active", "CPT"), ("inactive", "CPT")),
            span("2026-07-01", "2026-11-27", ("active", "CPT"), ("invalid", None)),
        ],
    }


def test_a_policy_version_taking_effect_in_the_past_names_its_version(api: Api) -> None:
    """rules.md section 10: a policy version taking effect in the past is a revision; http-api.md 1.1: it names
    `{"type": "PolicyVersionAdopted", "version", ...}`."""
    adopted = api.adopt("2022-01-01", "2022-01-01", {"grace_months": 12})
    assert revisions(api) == [{
        "cause": {"type": "PolicyVersionAdopted", "fact_id": "policy:2022-01-01", "effective_on": "2022-01-01",
                  "recorded_at": adopted["adopted_at"], "version": "2022-01-01"},
        "changes": [span("2026-07-01", "2026-11-27", ("invalid", None), ("inactive", "CPT"))],
    }]


def test_revisions_of_an_unknown_member_answer_404(api: Api) -> None:
    """http-api.md: 404 when no credential is recorded for the member."""
    refused(api.get("/members/nobody/revisions"), 404, "member_not_found")
