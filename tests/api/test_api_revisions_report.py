"""GET /reports/revisions (rules.md section 10): across the store, the revisions recorded within a
window of recorded time, member by member, span by span; JSON and CSV, equal to replaying every
member, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from api_support import Api, api_on, refused
from projections_revised import (
    STEPS,
    generated_members,
    lapsed,
    late_renewal,
    replayed_rows,
    retroactive_policy,
    withdrawal,
)

from application.service import CredentialService
from projections.answers import RevisionRow

COLUMNS = ["member_id", "recorded_at", "cause_type", "fact_id", "from", "through", "status_before", "status_after",
           "level_before", "level_after", "version", "effective_on"]


@pytest.fixture
def service(make_service) -> CredentialService:
    return make_service()


@pytest.fixture
def api(service: CredentialService) -> Api:
    return api_on(service)


@pytest.fixture
def revised(service: CredentialService, api: Api, clock) -> Api:
    """Generated members with many late facts; m-late's renewal recorded late, m-withdrawn's
    workshop withdrawn, m-amended's workshop amended, m-lapsed never renewed; and three months
    of grace from 2015 adopted on 2026-11-28."""
    generated_members(service)
    for step in STEPS:
        step(service, clock)
    return api


def documents(rows: list[RevisionRow]) -> list[dict[str, Any]]:
    """The reference rows as the contract writes them."""
    return [{"member_id": r.member_id, "recorded_at": r.recorded_at.isoformat(), "cause_type": r.cause_type,
             "fact_id": r.fact_id, "from": r.first.isoformat(), "through": r.last.isoformat(),
             "status_before": r.status_before, "status_after": r.status_after, "level_before": r.level_before,
             "level_after": r.level_after, "version": r.version, "effective_on": r.effective_on.isoformat()}
            for r in rows]


def report(api: Api, role: str = "reporter", **window: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = api.ok(api.get("/reports/revisions", role=role, **window), 200)["rows"]
    return rows


def test_the_report_lists_every_revision_as_replaying_every_member_does(
        revised: Api, service: CredentialService) -> None:
    """rules.md section 10: late facts, a withdrawal, an amendment and a policy version effective in
    the past, each with the spans it changed, status and level before and after."""
    rows = report(revised)
    assert rows == documents(replayed_rows(service))
    assert {"ActivityClaimed", "RenewalSubmitted", "FactWithdrawn", "ActivityAmended",
            "PolicyVersionAdopted"} <= {row["cause_type"] for row in rows}
    assert [row["member_id"] for row in rows] == sorted(row["member_id"] for row in rows)  # member by member


def test_a_withdrawal_is_listed_with_the_days_it_made_inactive(revised: Api) -> None:
    """rules.md section 8: a correction leaving a renewed cycle short, decided on 2025-12-01, made the
    member inactive from 2026-03-02 (replacement due 2026-03-01); recorded 2026-03-10, it revised those days."""
    rows = [{k: v for k, v in row.items() if k not in ("recorded_at", "fact_id")}
            for row in report(revised) if row["member_id"] == "m-withdrawn"]
    assert rows == [{"member_id": "m-withdrawn", "cause_type": "FactWithdrawn", "from": "2026-03-02",
                     "through": "2026-03-09", "status_before": "active", "status_after": "inactive",
                     "level_before": "CPT", "level_after": "CPT", "version": None, "effective_on": "2025-12-01"}]


def test_a_window_lists_the_revisions_recorded_from_its_start_up_to_its_end(
        revised: Api, service: CredentialService) -> None:
    """rules.md section 10: the revisions recorded within a window of recorded time, for example
    since last month's board report; the window includes its start and excludes its end."""
    everything = report(revised)
    renewed = next(row for row in everything if row["member_id"] == "m-late")  # recorded 2026-02-10
    withdrawn = next(row for row in everything if row["cause_type"] == "FactWithdrawn")  # 2026-03-10
    start, end = renewed["recorded_at"], withdrawn["recorded_at"]
    rows = report(revised, recorded_from=start, recorded_to=end)
    assert rows == documents(replayed_rows(service, datetime.fromisoformat(start), datetime.fromisoformat(end)))
    assert renewed in rows
    assert withdrawn not in rows
    assert withdrawn in report(revised, recorded_from=end)
    assert report(revised, recorded_from=end, recorded_to=end) == []


def test_the_report_is_also_csv(revised: Api) -> None:
    """http-api.md: each report also as CSV with `Accept: text/csv`, the contract's columns first."""
    response = revised.call("GET", "/reports/revisions", role="reporter", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(table[0]) == COLUMNS
    expected = [{k: "" if v is None else str(v) for k, v in row.items()} for row in report(revised)]
    assert table == expected


@pytest.mark.parametrize("query", [
    {"recorded_from": "last month"},
    {"recorded_from": "2026-11-01"},
    {"recorded_to": "2026-11-01T00:00:00"},  # no offset: ambiguous
    {"recorded_to": "2026-13-01T00:00:00+00:00"},
    {"recorded_since": "2026-11-01T00:00:00+00:00"},
])
def test_a_malformed_window_answers_400_and_records_nothing(revised: Api, service: CredentialService,
                                                            query: dict[str, str]) -> None:
    """http-api.md: 400 for a malformed time or an unknown parameter, never a 500."""
    recorded = service.recorder.max_notification_id()
    refused(revised.get("/reports/revisions", role="reporter", **query), 400, "invalid_input")
    assert service.recorder.max_notification_id() == recorded


def test_a_window_ending_before_it_begins_answers_400_with_a_clear_message(
        revised: Api, service: CredentialService) -> None:
    """http-api.md: well-formed times that cannot make a window are malformed input, named as such."""
    recorded = service.recorder.max_notification_id()
    error = refused(revised.get("/reports/revisions", recorded_from="2026-11-02T00:00:00+00:00",
                                recorded_to="2026-11-01T00:00:00+00:00"), 400, "invalid_input")
    assert error["details"] == {"recorded_from": [
        "recorded_from is after recorded_to: the window would end before it begins."]}
    assert service.recorder.max_notification_id() == recorded


def test_reporters_and_staff_read_the_report_and_auditors_may_not(revised: Api) -> None:
    """http-api.md: reports are for staff and reporters."""
    assert report(revised, role="staff") == report(revised, role="reporter")
    refused(revised.get("/reports/revisions", role="auditor"), 403)
    refused(revised.get("/reports/revisions", role=None), 401)


def test_the_report_lists_a_revision_recorded_just_before_it_with_no_follower_running(
        api: Api, service: CredentialService, clock) -> None:
    """http-api.md: every report sees the writes made before it, as a replay would."""
    withdrawal(service, clock)
    assert [row["cause_type"] for row in report(api)] == ["FactWithdrawn"]
    late_renewal(service, clock)
    assert [row["cause_type"] for row in report(api)] == ["RenewalSubmitted", "FactWithdrawn"]


def test_the_report_lists_the_revisions_of_a_version_adopted_just_before_it(
        api: Api, service: CredentialService, clock) -> None:
    """rules.md sections 9 and 10: a version taking effect in the past is a revision, from its adoption on."""
    lapsed(service, clock)
    assert report(api) == []
    retroactive_policy(service, clock)
    rows = report(api)
    assert [(r["member_id"], r["cause_type"], r["version"], r["from"], r["through"], r["status_after"])
            for r in rows] == [("m-lapsed", "PolicyVersionAdopted", "2015-01-01", "2026-04-01", "2026-06-30",
                                "invalid")]
    assert rows == documents(replayed_rows(service))

