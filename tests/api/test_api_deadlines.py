"""Deadlines ahead over HTTP (rules.md section 11): the worklist, reminder runs and the outbox,
JSON and CSV, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from api_support import Api, api_on, refused


@pytest.fixture
def api(make_service) -> Api:
    return api_on(make_service())


@pytest.fixture
def members(api: Api) -> Api:
    """m-due: CPT 2022-03-01, 30 of 45 CECs, the cycle ends 2025-12-31; m-done: renewed 2025-06-01;
    m-audited: renewed 2025-09-01, selected for audit 2026-03-01."""
    api.certify("m-due", "CPT", "2022-03-01", name="Dana Due")
    api.workshop("m-due", "2023-02-01", 30)
    api.renewed_member("m-done", "2025-06-01")
    api.renewed_member("m-audited", "2025-09-01")
    api.ok(api.post("/members/m-audited/audits", {"selected_on": "2026-03-01"}))
    return api


def items(api: Api, **query: object) -> list[dict]:
    listed: list[dict] = api.ok(api.get("/worklists/due", **query), 200)["items"]
    return listed


def test_the_worklist_lists_each_matter_due_within_the_days_asked_with_what_is_missing(members: Api) -> None:
    body = members.ok(members.get("/worklists/due", on="2025-12-01", within=30), 200)
    assert (body["on"], body["within"]) == ("2025-12-01", 30)
    assert body["items"] == [{
        "member_id": "m-due", "name": "Dana Due", "kind": "renewal_due", "due_on": "2025-12-31", "days_left": 30,
        "status": "active", "cecs_missing": 15, "counted_cecs": 30, "required_cecs": 45,
        "fee_if_renewed_on": "45.00", "act_by": "2026-06-30", "level": "CPT"}]


def test_a_matter_due_a_day_beyond_the_window_is_not_listed(members: Api) -> None:
    assert items(members, on="2025-12-01", within=29) == []


def test_an_inactive_member_is_listed_whatever_the_distance_of_the_deadline(members: Api) -> None:
    [grace] = items(members, on="2026-01-02", within=0)
    assert (grace["member_id"], grace["kind"], grace["due_on"], grace["days_left"], grace["status"],
            grace["fee_if_renewed_on"]) == ("m-due", "grace_ends", "2026-06-30", 179, "inactive", "70.00")


def test_an_audit_is_proof_due_until_proof_is_due_then_audit_year_ends(members: Api) -> None:
    [proof] = [i for i in items(members, on="2026-03-01", within=30) if i["member_id"] == "m-audited"]
    assert (proof["kind"], proof["due_on"], proof["act_by"], proof["status"]) == (
        "proof_due", "2026-03-31", "2027-03-31", "active")
    # Inactive: every matter of the member is listed, the next cycle's renewal too.
    overdue, renewal = [i for i in items(members, on="2026-04-01", within=0) if i["member_id"] == "m-audited"]
    assert (overdue["kind"], overdue["due_on"], overdue["status"]) == ("audit_year_ends", "2027-03-31", "inactive")
    assert (renewal["kind"], renewal["due_on"], renewal["cecs_missing"]) == ("renewal_due", "2028-12-31", 45)


def test_the_worklist_defaults_to_today_and_90_days(members: Api) -> None:
    body = members.ok(members.get("/worklists/due"), 200)
    assert (body["on"], body["within"]) == ("2026-11-28", 90)
    assert [(i["member_id"], i["kind"]) for i in body["items"]] == [
        ("m-audited", "audit_year_ends"), ("m-audited", "renewal_due")]


def test_every_role_may_read_the_worklist_and_only_with_a_token(members: Api) -> None:
    for role in ("staff", "auditor", "reporter"):
        members.ok(members.get("/worklists/due", role=role), 200)
    refused(members.get("/worklists/due", role=None), 401)


def test_the_worklist_is_also_csv_with_the_contract_s_columns_first(members: Api) -> None:
    response = members.call("GET", "/worklists/due", headers={"Accept": "text/csv"}, on="2025-12-01", within=30)
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["member_id", "name", "kind", "due_on", "days_left", "status", "cecs_missing",
                             "counted_cecs", "required_cecs", "fee_if_renewed_on", "act_by", "level"]
    assert [(r["member_id"], r["kind"], r["fee_if_renewed_on"]) for r in rows] == [("m-due", "renewal_due", "45.00")]


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://evil.example\",\"Dana\")", "+1+2", "-2+3", "@SUM(A1)",
                                  "\tTabbed"])
def test_a_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text_in_the_csv(api: Api, name: str) -> None:
    """OWASP's CSV injection: a name typed as a formula must not run when staff open the file."""
    api.certify("m-formula", "CPT", "2022-03-01", name=name)
    response = api.call("GET", "/worklists/due", headers={"Accept": "text/csv"}, on="2025-12-01", within=30)
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert (row["name"], row["cecs_missing"]) == ("'" + name, "45")
    # The JSON answer is the name as recorded.
    assert [i["name"] for i in items(api, on="2025-12-01", within=30)] == [name]


@pytest.mark.parametrize("query", [{"within": -1}, {"within": "ninety"}, {"on": "2025-13-01"}, {"within": 99999},
                                   {"days": 3}])
def test_a_bad_worklist_question_is_a_400(members: Api, query: dict) -> None:
    refused(members.get("/worklists/due", **query), 400, "invalid_input")


def test_a_reminder_run_records_each_reminder_due_and_a_rerun_records_nothing(members: Api, clock) -> None:
    clock.set("2025-10-02")
    run = members.ok(members.post("/reminders/runs", {"as_of": "2025-10-02"}))
    assert (run["as_of"], run["issued"]) == ("2025-10-02", 1)
    [reminder] = run["reminders"]
    assert (reminder["member_id"], reminder["name"], reminder["kind"], reminder["due_on"], reminder["issued_on"]) == (
        "m-due", "Dana Due", "renewal_due", "2025-12-31", "2025-10-02")
    assert reminder["subject"] == "Your CPT recertification is due by 2025-12-31"
    again = members.ok(members.post("/reminders/runs", {"as_of": "2025-10-02"}))
    assert (again["issued"], again["reminders"]) == (0, [])
    assert [e["type"] for e in members.events("m-due")].count("ReminderIssued") == 1


def test_a_reminder_shows_in_the_member_s_history_with_its_message(members: Api, clock) -> None:
    clock.set("2025-10-02")
    members.ok(members.post("/reminders/runs", {"as_of": "2025-10-02"}))
    [event] = [e for e in members.events("m-due") if e["type"] == "ReminderIssued"]
    assert event["effective_on"] == "2025-10-02"
    assert event["data"]["kind"] == "renewal_due"
    assert event["data"]["message"].startswith("Dear Dana Due,")
    assert event["withdrawn_by"] is None


def test_a_reminder_run_for_a_day_after_today_is_refused_and_records_nothing(members: Api) -> None:
    before = members.events("m-due")
    refused(members.post("/reminders/runs", {"as_of": "2026-11-29"}), 422, "future_date")
    assert members.events("m-due") == before


def test_only_staff_run_reminders_and_read_the_outbox(members: Api) -> None:
    for role in ("auditor", "reporter"):
        refused(members.post("/reminders/runs", {"as_of": "2026-11-28"}, role=role), 403)
        refused(members.get("/reminders", role=role), 403)


def test_the_outbox_lists_the_reminders_issued_in_a_window_of_days(members: Api, clock) -> None:
    for day in ("2025-10-02", "2025-11-01", "2026-01-01"):
        clock.set(day)
        members.ok(members.post("/reminders/runs", {"as_of": day}))
    rows = members.ok(members.get("/reminders"), 200)["rows"]
    assert [(r["member_id"], r["kind"], r["issued_on"]) for r in rows] == [
        ("m-due", "renewal_due", "2025-10-02"), ("m-due", "renewal_due", "2025-11-01"),
        ("m-due", "grace_started", "2026-01-01")]
    assert set(rows[0]) >= {"reminder_id", "member_id", "name", "kind", "due_on", "issued_on", "subject", "message"}
    window = members.ok(members.get("/reminders", issued_from="2025-11-01", issued_to="2025-12-31"), 200)
    assert [r["issued_on"] for r in window["rows"]] == ["2025-11-01"]
    response = members.call("GET", "/reminders", headers={"Accept": "text/csv"})
    csv_rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["message"] for r in csv_rows] == [r["message"] for r in rows]


def test_an_outbox_window_ending_before_it_begins_is_a_400(members: Api) -> None:
    refused(members.get("/reminders", issued_from="2025-12-01", issued_to="2025-11-01"), 400, "invalid_input")


def test_a_reminder_run_repeated_with_its_idempotency_key_answers_the_first_run_again(members: Api, clock) -> None:
    clock.set("2025-10-02")
    first = members.post("/reminders/runs", {"as_of": "2025-10-02"}, key="run-2025-10-02")
    again = members.post("/reminders/runs", {"as_of": "2025-10-02"}, key="run-2025-10-02")
    assert members.ok(again) == members.ok(first)
    assert members.ok(first)["issued"] == 1
    assert [e["type"] for e in members.events("m-due")].count("ReminderIssued") == 1
    refused(members.post("/reminders/runs", {"as_of": "2025-10-01"}, key="run-2025-10-02"), 422,
            "idempotency_key_reused")
